/**
 * The one error class socketkit adds to the runtime's: a bounded read that hit
 * its size cap. Everything else is reported with `Deno.errors.*` classes and web
 * `DOMException`s.
 *
 * @module
 */

/**
 * Thrown by a bounded read (`readUntil`, `readLine`, `readAll`) when `limit`
 * bytes arrived without the read finishing. The bytes read so far are in
 * {@linkcode BufferFullError.partial}; they have been consumed, so the
 * connection stays usable and the next read continues right after them (the
 * contract of Python asyncio's `readuntil` `limit` and the old Deno std
 * `BufReader`).
 *
 * @example Catching an over-long line
 * ```ts
 * import { BufferFullError, connect, listen } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using listener = listen("127.0.0.1:0");
 * await using conn = await connect(listener.addr);
 * await using peer = await listener.accept();
 * await peer.write("this line is far too long\n");
 *
 * try {
 *   await conn.readLine({ maxBytes: 16 });
 *   assert.fail("the line should not fit in 16 bytes");
 * } catch (error) {
 *   if (!(error instanceof BufferFullError)) throw error;
 *   assert.equal(new TextDecoder().decode(error.partial), "this line is far");
 * }
 * // The connection stays usable: the next read continues the line.
 * assert.equal(await conn.readLine(), " too long");
 * ```
 */
export class BufferFullError extends Error {
  /** The bytes read before the limit was reached: exactly `limit` bytes. */
  readonly partial: Uint8Array;
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;

  /**
   * Creates the error.
   *
   * @param partial The bytes consumed before giving up.
   * @param limit The size cap in bytes.
   * @param what What was being read, for the message (e.g. `"Line"`).
   */
  constructor(partial: Uint8Array, limit: number, what = "Data") {
    super(`${what} exceeds ${limit} bytes`);
    this.name = "BufferFullError";
    this.partial = partial;
    this.limit = limit;
  }
}

/**
 * The `Deno.errors.UnexpectedEof` that socketkit's reads throw when the peer
 * ends the stream early: it also carries the bytes that did arrive, which
 * the read consumed (like Python asyncio's `IncompleteReadError.partial`).
 *
 * @example Recovering the bytes of a short read
 * ```ts
 * import {
 *   connect,
 *   listen,
 *   type UnexpectedEofError,
 * } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using listener = listen("127.0.0.1:0");
 * await using conn = await connect(listener.addr);
 * await using peer = await listener.accept();
 * await peer.write("short");
 * await peer.closeWrite(); // the peer ends the stream early
 *
 * try {
 *   await conn.readExactly(1024);
 *   assert.fail("the stream should end before 1024 bytes");
 * } catch (error) {
 *   if (!(error instanceof Deno.errors.UnexpectedEof)) throw error;
 *   const { partial } = error as UnexpectedEofError;
 *   assert.equal(new TextDecoder().decode(partial), "short");
 * }
 * ```
 */
export type UnexpectedEofError = Deno.errors.UnexpectedEof & {
  /** The bytes that arrived before the end of the stream. */
  partial: Uint8Array;
};
