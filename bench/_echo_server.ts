// Copyright the socketkit authors. MIT license.
// Private helper of bench/echo.ts: the server side, in its own process.
//
//   deno run --allow-net bench/_echo_server.ts raw|socketkit
//
// Listens on two ports of 127.0.0.1 and prints "echo PORT sink PORT":
// - echo: a read/write loop that sends every byte back;
// - sink: reads and discards until EOF, then writes the byte count as a
//   64-bit big-endian integer and closes.
// "raw" is written against Deno.Conn, "socketkit" against TCPConnection, the
// same loops line for line. Each line "cpu" on stdin is answered with
// "cpu MICROSECONDS" (user + system CPU time used so far) on stdout. Exits on
// SIGTERM or when stdin closes.

import process from "node:process";
import { listen, type TCPConnection } from "../mod.ts";

const impl = Deno.args[0];
if (impl !== "raw" && impl !== "socketkit") {
  console.error("usage: _echo_server.ts raw|socketkit");
  Deno.exit(2);
}
const BUFFER = 256 * 1024;

async function writeAllRaw(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await conn.write(bytes.subarray(written));
  }
}

async function echoRaw(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(BUFFER);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    await writeAllRaw(conn, buffer.subarray(0, n));
  }
}

async function sinkRaw(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(BUFFER);
  let total = 0;
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    total += n;
  }
  const count = new Uint8Array(8);
  new DataView(count.buffer).setBigUint64(0, BigInt(total));
  await writeAllRaw(conn, count);
}

async function echoOurs(conn: TCPConnection): Promise<void> {
  const buffer = new Uint8Array(BUFFER);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    await conn.write(buffer.subarray(0, n));
  }
}

async function sinkOurs(conn: TCPConnection): Promise<void> {
  const buffer = new Uint8Array(BUFFER);
  let total = 0;
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    total += n;
  }
  const count = new Uint8Array(8);
  new DataView(count.buffer).setBigUint64(0, BigInt(total));
  await conn.write(count);
}

/** Runs `handler` on a connection, closing it however it ends. */
function spawn<C extends { close(): void }>(
  conn: C,
  handler: (conn: C) => Promise<void>,
): void {
  handler(conn).catch(() => {}).finally(() => {
    try {
      conn.close();
    } catch {
      // Closed already.
    }
  });
}

const closers: (() => void)[] = [];
if (impl === "raw") {
  const echo = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const sink = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  closers.push(() => echo.close(), () => sink.close());
  console.log(`echo ${echo.addr.port} sink ${sink.addr.port}`);
  for (
    const [listener, handler] of [[echo, echoRaw], [sink, sinkRaw]] as const
  ) {
    (async () => {
      for await (const conn of listener) {
        conn.setNoDelay(true);
        spawn(conn, handler);
      }
    })().catch(() => {});
  }
} else {
  const echo = listen({ hostname: "127.0.0.1", port: 0 });
  const sink = listen({ hostname: "127.0.0.1", port: 0 });
  closers.push(() => echo.close(), () => sink.close());
  const port = (l: typeof echo) => (l.addr as Deno.NetAddr).port;
  console.log(`echo ${port(echo)} sink ${port(sink)}`);
  for (
    const [listener, handler] of [[echo, echoOurs], [sink, sinkOurs]] as const
  ) {
    (async () => {
      for await (const conn of listener) spawn(conn, handler);
    })().catch(() => {});
  }
}

function exit(): void {
  for (const close of closers) close();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", exit);
// Answer CPU time queries; exit when the parent closes stdin or goes away.
(async () => {
  const buffer = new Uint8Array(64);
  while (true) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) break;
    // One query per "\n"; the parent waits for each answer before asking
    // again, so counting newlines is enough.
    for (let i = 0; i < n; i++) {
      if (buffer[i] !== 10) continue;
      const { user, system } = process.cpuUsage();
      console.log(`cpu ${user + system}`);
    }
  }
  exit();
})();
