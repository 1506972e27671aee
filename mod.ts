// Copyright the socketkit authors. MIT license.
/**
 * Sockets for Deno that are pleasant and safe to use: the BSD lifecycle in
 * {@linkcode Socket}, established streams with buffered reads, full writes,
 * half-close and timeouts in {@linkcode TCPConnection}, datagrams with their
 * peers in {@linkcode UDPConnection}, and accept loops that end cleanly in
 * {@linkcode Listener}. HTTP/1.1 lives in `@socketkit/socketkit/http`.
 *
 * Requires `--allow-net` (and `--allow-read`/`--allow-write` for unix sockets,
 * `--unstable-net` for UDP and `reusePort`).
 *
 * @example A line echo over loopback
 * ```ts
 * import { connect, listen } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using listener = listen("127.0.0.1:0");
 * const served = (async () => {
 *   await using conn = await listener.accept();
 *   await conn.write(`${await conn.readLine()}\n`);
 * })();
 *
 * await using conn = await connect(listener.addr);
 * await conn.write("hello\n");
 * assert.equal(await conn.readLine(), "hello");
 * await served;
 * ```
 *
 * @module
 */

export * from "./address.ts";
export * from "./errors.ts";
export * from "./connection.ts";
export * from "./socket.ts";
