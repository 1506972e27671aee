// Copyright the socketkit authors. MIT license.
/**
 * A TCP echo server (RFC 862) on socketkit's `Listener` and `TCPConnection`.
 *
 * Every byte a client sends comes back to it. When the client half-closes
 * (shuts down its write side), the server echoes what is left, then
 * half-closes too, so the client reads EOF after its last byte. Many clients
 * are served at once. SIGINT (Ctrl-C) or SIGTERM stops accepting, closes the
 * open connections, prints a summary and exits 0.
 *
 * Run: `deno run --allow-net examples/echo.ts [--hostname 127.0.0.1] [--port 8080]`
 * Try: `nc 127.0.0.1 8080` or `socat - TCP:127.0.0.1:8080`.
 *
 * @module
 */

import { formatAddr, listen, type TCPConnection } from "../mod.ts";
import { onShutdown, parseHostPort, serveEach } from "./_cli.ts";

const USAGE = `A TCP echo server (RFC 862).

Usage: deno run --allow-net examples/echo.ts [options]

Options:
  --hostname HOST  address to listen on (default 127.0.0.1)
  --port PORT      port to listen on; 0 picks a free one (default 8080)
  -h, --help       show this help

Prints "listening on HOST:PORT", one line per connection opened and closed,
and a summary on SIGINT (Ctrl-C) or SIGTERM.`;

/** Bytes read and written at a time per connection; one buffer, reused. */
const BUFFER_SIZE = 64 * 1024;

const { hostname, port } = parseHostPort(Deno.args, USAGE, {
  hostname: "127.0.0.1",
  port: 8080,
});

const listener = listen({ hostname, port });
console.log(`listening on ${formatAddr(listener.addr)}`);

const open = new Set<TCPConnection>();
let echoed = 0;
let stopping = false;

const removeSignalListeners = onShutdown((signal) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down, closing ${open.size} connection(s)`);
  listener.close();
  for (const conn of open) conn.close();
});

/** Echoes until the client half-closes, then half-closes in turn. */
async function serve(conn: TCPConnection): Promise<void> {
  const peer = formatAddr(conn.remoteAddr);
  console.log(`open ${peer}`);
  const buffer = new Uint8Array(BUFFER_SIZE);
  let how = "closed by client";
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      // write() resolves only once every byte is taken, so the buffer can be
      // reused by the next read.
      await conn.write(buffer.subarray(0, n));
    }
    await conn.closeWrite();
  } catch (error) {
    how = stopping
      ? "closed by shutdown"
      : `failed: ${error instanceof Error ? error.message : error}`;
  } finally {
    conn.close();
    open.delete(conn);
    echoed += conn.bytesWritten;
    console.log(
      `close ${peer} (${how}): ${conn.bytesRead} bytes in, ${conn.bytesWritten} bytes out`,
    );
  }
}

const served = await serveEach(listener, (conn) => {
  open.add(conn);
  return serve(conn);
});
removeSignalListeners();
console.log(
  `summary: served ${served} connection(s), echoed ${echoed} bytes`,
);
