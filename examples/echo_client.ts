// Copyright the socketkit authors. MIT license.
/**
 * A client for the echo server: sends what it reads on stdin (line by line
 * when stdin is a terminal) and prints each line that comes back. At the end
 * of stdin (Ctrl-D) it half-closes the connection, prints what the server
 * still sends, and exits when the server closes its side (also when that
 * happens first).
 *
 * Run: `deno run --allow-net examples/echo_client.ts [--hostname 127.0.0.1] [--port 8080]`
 *
 * @module
 */

import {
  BufferFullError,
  connect,
  formatAddr,
  type TCPConnection,
} from "../mod.ts";
import { parseHostPort } from "./_cli.ts";

const USAGE = `A client for examples/echo.ts: sends stdin, prints the replies.

Usage: deno run --allow-net examples/echo_client.ts [options]

Options:
  --hostname HOST  server address (default 127.0.0.1)
  --port PORT      server port (default 8080)
  -h, --help       show this help

At the end of stdin (Ctrl-D) the client half-closes the connection and prints
what the server still sends.`;

const { hostname, port } = parseHostPort(Deno.args, USAGE, {
  hostname: "127.0.0.1",
  port: 8080,
});

let conn: TCPConnection;
try {
  conn = await connect({ hostname, port, timeout: 10_000 });
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : error}`);
  Deno.exit(1);
}
console.error(`connected to ${formatAddr(conn.remoteAddr)}`);

/** Prints every line from the server until it closes its side. */
async function printReplies(): Promise<void> {
  const stdout = Deno.stdout;
  while (true) {
    let line: string | null;
    try {
      line = await conn.readLine();
    } catch (error) {
      if (!(error instanceof BufferFullError)) throw error;
      // A line over 64 KiB: print it in pieces as it comes.
      await stdout.write(error.partial);
      continue;
    }
    if (line === null) return;
    console.log(line);
  }
}

/** Sends stdin as it comes, then half-closes. */
async function sendStdin(): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  while (true) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) break;
    await conn.write(buffer.subarray(0, n));
  }
  await conn.closeWrite();
}

let code = 0;
// Sending runs on its own; the client is done when the server closes its
// side, even if stdin is still open.
sendStdin().catch((error) => {
  if (!conn.closed) {
    console.error(`error: ${error instanceof Error ? error.message : error}`);
    code = 1;
    conn.close();
  }
});
try {
  await printReplies();
} catch (error) {
  if (!conn.closed) {
    console.error(`error: ${error instanceof Error ? error.message : error}`);
    code = 1;
  }
} finally {
  conn.close();
}
console.error(
  `closed: ${conn.bytesWritten} bytes sent, ${conn.bytesRead} bytes received`,
);
Deno.exit(code);
