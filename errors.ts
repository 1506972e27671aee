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
 * ```ts ignore
 * import { BufferFullError, connect } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using conn = await connect("127.0.0.1:8080");
 * try {
 *   await conn.readLine({ maxBytes: 16 });
 * } catch (error) {
 *   assert.ok(error instanceof BufferFullError);
 *   assert.equal(error.partial.length, 16);
 * }
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
 * ```ts ignore
 * import { connect, type UnexpectedEofError } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using conn = await connect("127.0.0.1:8080");
 * try {
 *   await conn.readExactly(1024);
 * } catch (error) {
 *   assert.ok(error instanceof Deno.errors.UnexpectedEof);
 *   const { partial } = error as UnexpectedEofError;
 *   assert.ok(partial.length < 1024);
 * }
 * ```
 */
export type UnexpectedEofError = Deno.errors.UnexpectedEof & {
  /** The bytes that arrived before the end of the stream. */
  partial: Uint8Array;
};
