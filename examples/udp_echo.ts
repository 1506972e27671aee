// Copyright the socketkit authors. MIT license.
/**
 * A UDP echo server (RFC 862) on socketkit's `listenDatagram`: every
 * datagram goes back to its sender unchanged. SIGINT (Ctrl-C) or SIGTERM
 * closes the socket, prints a summary and exits 0.
 *
 * UDP is behind Deno's `--unstable-net` flag; this repository's deno.json
 * turns it on. Without it, the library's error says what to add.
 *
 * Run: `deno run --allow-net examples/udp_echo.ts [--hostname 127.0.0.1] [--port 8080]`
 * Try: `socat - UDP:127.0.0.1:8080` or `nc -u 127.0.0.1 8080`.
 *
 * @module
 */

import { formatAddr, listenDatagram, type UDPConnection } from "../mod.ts";
import { onShutdown, parseHostPort } from "./_cli.ts";

const USAGE = `A UDP echo server (RFC 862).

Usage: deno run --allow-net --unstable-net examples/udp_echo.ts [options]

Options:
  --hostname HOST  address to bind (default 127.0.0.1)
  --port PORT      UDP port; 0 picks a free one (default 8080)
  -h, --help       show this help

Prints "listening on HOST:PORT", one line per datagram, and a summary on
SIGINT (Ctrl-C) or SIGTERM.`;

const { hostname, port } = parseHostPort(Deno.args, USAGE, {
  hostname: "127.0.0.1",
  port: 8080,
});

let udp: UDPConnection;
try {
  udp = listenDatagram({ hostname, port });
} catch (error) {
  // Deno.errors.NotSupported without --unstable-net, AddrInUse, ...
  console.error(`error: ${error instanceof Error ? error.message : error}`);
  Deno.exit(1);
}
console.log(`listening on ${formatAddr(udp.localAddr)}`);

let datagrams = 0;
let echoed = 0;
const removeSignalListeners = onShutdown((signal) => {
  console.log(`${signal}: shutting down`);
  udp.close();
});

try {
  for await (const { data, remoteAddr } of udp) {
    datagrams++;
    try {
      echoed += await udp.send(data, remoteAddr);
      console.log(`${formatAddr(remoteAddr)}: ${data.length} bytes echoed`);
    } catch (error) {
      if (udp.closed) break;
      console.error(
        `${formatAddr(remoteAddr)}: send failed: ${
          error instanceof Error ? error.message : error
        }`,
      );
    }
  }
} finally {
  removeSignalListeners();
  udp.close();
}
console.log(
  `summary: received ${datagrams} datagram(s), echoed ${echoed} bytes`,
);
