// Copyright the socketkit authors. MIT license.
/**
 * Established connections and the calls that make them: {@linkcode connect},
 * {@linkcode listen} and {@linkcode listenDatagram}, returning a
 * {@linkcode TCPConnection}, a {@linkcode Listener} and a
 * {@linkcode UDPConnection}.
 *
 * @module
 */

import { type Addr, formatAddr, parseAddr } from "./address.ts";
import { BufferFullError, type UnexpectedEofError } from "./errors.ts";
import { checkTimeout, deadline } from "./_deadline.ts";
import { describeError, hasUnstableNet, unstableNetError } from "./_errors.ts";
import { installConnectionHooks } from "./_connection_hooks.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Size of a connection's read buffer when it is first needed, in bytes. */
const INITIAL_BUFFER = 16 * 1024;
/** Default cap of `readUntil` and `readLine`, in bytes (as Python asyncio). */
const DEFAULT_LINE_LIMIT = 64 * 1024;
/** Default cap of `readAll`, in bytes. */
const DEFAULT_READ_ALL_LIMIT = 64 * 1024 * 1024;
/** The most buffer space one wait for bytes reserves ahead, in bytes. */
const MAX_RESERVE = 1024 * 1024;

function maxBytes(
  options: BoundedReadOptions | undefined,
  fallback: number,
): number {
  const max = options?.maxBytes ?? fallback;
  if (!(max >= 1)) {
    throw new RangeError(`maxBytes must be at least 1 byte, got ${max}`);
  }
  return max;
}

/**
 * Options for one read or write call.
 *
 * @example Abort a read that waits too long
 * ```ts
 * import { connect, listen, type ReadOptions } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using listener = listen("127.0.0.1:0");
 * await using conn = await connect(listener.addr);
 * await using peer = await listener.accept();
 *
 * const options: ReadOptions = { signal: AbortSignal.timeout(50) };
 * await assert.rejects(
 *   conn.readExactly(4, options),
 *   (error) => error instanceof DOMException && error.name === "TimeoutError",
 * );
 * // The connection is still usable: later bytes go to the next read.
 * await peer.write("late");
 * assert.equal(new TextDecoder().decode(await conn.readExactly(4)), "late");
 * ```
 */
export interface ReadOptions {
  /**
   * Aborts the call: it rejects with `signal.reason`. An aborted read leaves
   * the connection usable (the bytes that arrive later go to the next read);
   * an aborted write closes the connection, since part of it may have been
   * sent.
   */
  signal?: AbortSignal;
}

/**
 * Options for a bounded read (`readUntil`, `readLine`, `readAll`).
 *
 * @example Cap the length of a line
 * ```ts
 * import {
 *   type BoundedReadOptions,
 *   BufferFullError,
 *   connect,
 *   listen,
 * } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using listener = listen("127.0.0.1:0");
 * await using conn = await connect(listener.addr);
 * await using peer = await listener.accept();
 * await peer.write("a very long line\nok\n");
 *
 * const options: BoundedReadOptions = { maxBytes: 8 };
 * const error = await conn.readLine(options).catch((error) => error);
 * assert(error instanceof BufferFullError);
 * assert.equal(new TextDecoder().decode(error.partial), "a very l");
 * assert.equal(await conn.readLine(), "ong line"); // the rest of that line
 * assert.equal(await conn.readLine(options), "ok");
 * ```
 */
export interface BoundedReadOptions extends ReadOptions {
  /**
   * The most bytes the read may gather, terminator included. Past it the call
   * throws {@linkcode BufferFullError} carrying the bytes read so far.
   *
   * @default {65536} for `readUntil` and `readLine`, 64 MiB for `readAll`
   */
  maxBytes?: number;
}

/**
 * Per-connection timeouts, in milliseconds, like Go's `SetReadDeadline`.
 *
 * @example A connection whose reads time out
 * ```ts
 * import { connect, listen, type TimeoutOptions } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using listener = listen("127.0.0.1:0");
 * const options: TimeoutOptions = { readTimeout: 50, writeTimeout: 5_000 };
 * await using conn = await connect(listener.addr, options);
 * await using peer = await listener.accept();
 *
 * await assert.rejects(conn.readLine(), Deno.errors.TimedOut);
 * await peer.write("late\n");
 * assert.equal(await conn.readLine(), "late");
 * ```
 */
export interface TimeoutOptions {
  /**
   * How long one read call may take in all, in milliseconds: a `readLine()`
   * whose bytes trickle in is bounded as a whole, not per packet. A read
   * that takes longer rejects with `Deno.errors.TimedOut` and the connection
   * stays usable: bytes that arrive later go to the next read. `0` means a
   * read fails at once unless its bytes are already buffered.
   *
   * @default {undefined} (no limit)
   */
  readTimeout?: number;
  /**
   * How long one write may take, in milliseconds. A write that takes longer
   * rejects with `Deno.errors.TimedOut` and closes the connection, since part
   * of the data may have been sent.
   *
   * @default {undefined} (no limit)
   */
  writeTimeout?: number;
}

/**
 * An established stream connection (TCP or unix socket) with buffered reads,
 * full writes, half-close, timeouts and web streams.
 *
 * All read methods share one internal buffer, so they can be mixed freely:
 * `readLine()` then `readExactly(n)` then `read(buffer)` see the bytes in
 * order. Reads must not be issued concurrently with each other; writes may
 * be, and go out in call order.
 *
 * Requires `--allow-net` (and `--allow-read`/`--allow-write` for unix
 * sockets) to create; see {@linkcode connect} and {@linkcode listen}.
 *
 * @example Talking a line protocol
 * ```ts
 * import { connect, listen } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * // A tiny server that answers PING with PONG.
 * await using listener = listen("127.0.0.1:0");
 * const served = (async () => {
 *   await using peer = await listener.accept();
 *   if (await peer.readLine() === "PING") await peer.write("PONG\r\n");
 * })();
 *
 * await using conn = await connect(listener.addr, { readTimeout: 5_000 });
 * await conn.write("PING\r\n");
 * assert.equal(await conn.readLine(), "PONG");
 * await served;
 * ```
 */
export class TCPConnection
  implements AsyncIterable<Uint8Array>, AsyncDisposable, Disposable {
  #conn: Deno.Conn;
  #localAddr: Addr;
  #remoteAddr: Addr;
  #buf: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;
  /** A socket read under way into the buffer; resolves when it has landed. */
  #filling: Promise<void> | null = null;
  #eof = false;
  #readError: unknown = null;
  /** Writes started and not yet settled; they go out in call order. */
  #writes = 0;
  #lastWrite: Promise<number> | null = null;
  #writeShut = false;
  /** closeWrite() has been called (it may still wait for earlier writes). */
  #shutting = false;
  #closed = false;
  #bytesRead = 0;
  #bytesWritten = 0;
  #readable: ReadableStream<Uint8Array> | null = null;
  #writable: WritableStream<Uint8Array> | null = null;

  static {
    installConnectionHooks({
      readStraight(conn, buffer) {
        return conn.#unbuffered(buffer) ? conn.#runtimeRead(buffer) : null;
      },
      countRead(conn, n) {
        conn.#afterRead(n);
      },
    });
  }

  /** Read timeout in milliseconds, or `undefined` for none. Settable. */
  readTimeout: number | undefined;
  /** Write timeout in milliseconds, or `undefined` for none. Settable. */
  writeTimeout: number | undefined;

  /**
   * Wraps a runtime connection. Usually made by {@linkcode connect} or
   * {@linkcode Listener.accept}.
   *
   * @param conn A connection from `Deno.connect` or `Deno.Listener.accept`.
   * @param options Read and write timeouts in milliseconds.
   * @throws {RangeError} When a timeout is negative or not a number.
   */
  constructor(conn: Deno.Conn, options: TimeoutOptions = {}) {
    checkTimeout(options.readTimeout, "readTimeout");
    checkTimeout(options.writeTimeout, "writeTimeout");
    this.#conn = conn;
    this.#localAddr = conn.localAddr as Addr;
    this.#remoteAddr = conn.remoteAddr as Addr;
    this.readTimeout = options.readTimeout;
    this.writeTimeout = options.writeTimeout;
  }

  /** The local address: `Deno.NetAddr` for TCP, `Deno.UnixAddr` for unix sockets. */
  get localAddr(): Addr {
    return this.#localAddr;
  }

  /** The peer's address: `Deno.NetAddr` for TCP, `Deno.UnixAddr` for unix sockets. */
  get remoteAddr(): Addr {
    return this.#remoteAddr;
  }

  /** Bytes received from the socket so far (buffered or delivered). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** Bytes handed to the socket so far. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** Whether {@linkcode TCPConnection.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** How many bytes are buffered: received but not yet read by the caller. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  // ---------------------------------------------------------------- reading

  #closedError(): Error {
    return new Deno.errors.BadResource(
      `Connection to ${formatAddr(this.#remoteAddr)} is closed`,
    );
  }

  #timedOut = (): Error =>
    new Deno.errors.TimedOut(
      `Read from ${
        formatAddr(this.#remoteAddr)
      } timed out after ${this.readTimeout} ms`,
    );

  /** Makes room for at least `min` more bytes after `#end`. No read may be under way. */
  #reserve(min: number): void {
    const used = this.#end - this.#start;
    if (used === 0) {
      this.#start = this.#end = 0;
    }
    if (this.#buf.length - this.#end >= min) return;
    if (used + min <= this.#buf.length && this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
    } else {
      let size = Math.max(this.#buf.length * 2, INITIAL_BUFFER);
      while (size < used + min) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = next;
    }
    this.#start = 0;
    this.#end = used;
  }

  /** Starts (or joins) one socket read into the buffer. Never rejects. */
  #fill(min = 1): Promise<void> {
    if (this.#filling) return this.#filling;
    this.#reserve(Math.max(min, 4096));
    const target = this.#buf;
    const offset = this.#end;
    this.#filling = this.#conn.read(target.subarray(offset)).then((n) => {
      this.#filling = null;
      if (n === null) {
        this.#eof = true;
        return;
      }
      this.#bytesRead += n;
      if (target === this.#buf && offset === this.#end) {
        this.#end += n;
      } else {
        // The buffer was replaced (by unread) while the read was under way.
        const landed = target.subarray(offset, offset + n);
        const used = this.#end - this.#start;
        const next = new Uint8Array(Math.max(this.#buf.length, used + n));
        next.set(this.#buf.subarray(this.#start, this.#end));
        next.set(landed, used);
        this.#buf = next;
        this.#start = 0;
        this.#end = used + n;
      }
    }, (error) => {
      this.#filling = null;
      this.#readError = error;
    });
    return this.#filling;
  }

  /** The time (ms since the epoch) by which a read call starting now must end. */
  #until(): number | undefined {
    return this.readTimeout === undefined
      ? undefined
      : Date.now() + this.readTimeout;
  }

  /**
   * Waits for more bytes in the buffer. Resolves `false` at EOF. Rejects on
   * timeout (`until`, from {@linkcode #until}), abort, close or a socket error.
   */
  async #more(
    signal: AbortSignal | undefined,
    until: number | undefined,
    min = 1,
  ): Promise<boolean> {
    if (!this.#live()) return false;
    await this.#wait(signal, until, min);
    return this.#live();
  }

  /** `false` at EOF; throws when closed or after a socket error. */
  #live(): boolean {
    if (this.#closed) throw this.#closedError();
    if (this.#readError !== null) throw this.#readError;
    return !this.#eof;
  }

  /** One socket read into the buffer, raced against `signal` and `until`. */
  #wait(
    signal: AbortSignal | undefined,
    until: number | undefined,
    min: number,
  ): Promise<void> {
    const ms = until === undefined
      ? undefined
      : Math.max(0, until - Date.now());
    return deadline(this.#fill(min), signal, ms, this.#timedOut);
  }

  /**
   * Reads up to `buffer.length` bytes into `buffer`, like `Deno.Conn.read`.
   *
   * @param buffer Where to put the bytes.
   * @param options A signal to abort the read.
   * @returns The number of bytes read, or `null` at EOF (the peer shut down
   *   its side of the stream).
   * @throws {Deno.errors.TimedOut} When `readTimeout` passes first; the
   *   connection stays usable.
   * @throws {Deno.errors.BadResource} When the connection is closed.
   */
  read(
    buffer: Uint8Array,
    options?: ReadOptions,
  ): Promise<number | null> {
    if (options?.signal === undefined && this.#unbuffered(buffer)) {
      // Fast path: nothing buffered and no deadline, so read straight into
      // the caller's buffer, with no async frame of our own.
      return this.#runtimeRead(buffer).then(this.#afterRead, this.#failed);
    }
    return this.#readBuffered(buffer, options);
  }

  /**
   * Whether a read into `buffer` can go straight to the runtime: nothing
   * buffered or being read, no readTimeout, not at EOF, closed or failed.
   */
  #unbuffered(buffer: Uint8Array): boolean {
    return this.#end === this.#start && buffer.length !== 0 &&
      this.readTimeout === undefined && this.#filling === null &&
      !this.#eof && !this.#closed && this.#readError === null;
  }

  /** `Deno.Conn.read`, with a synchronous throw turned into a rejection. */
  #runtimeRead(buffer: Uint8Array): Promise<number | null> {
    try {
      return this.#conn.read(buffer);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #afterRead = (n: number | null): number | null => {
    if (n === null) this.#eof = true;
    else this.#bytesRead += n;
    return n;
  };

  /** Rethrows a runtime read or write error; after close(), BadResource. */
  #failed = (error: unknown): never => {
    if (this.#closed) throw this.#closedError();
    throw error;
  };

  async #readBuffered(
    buffer: Uint8Array,
    options: ReadOptions | undefined,
  ): Promise<number | null> {
    if (this.#end === this.#start) {
      if (buffer.length === 0) return 0;
      if (!await this.#more(options?.signal, this.#until())) return null;
    }
    const n = Math.min(buffer.length, this.#end - this.#start);
    buffer.set(this.#buf.subarray(this.#start, this.#start + n));
    this.#start += n;
    return n;
  }

  /**
   * Returns the next bytes available: what is buffered, or else the result
   * of one socket read. The array is new and belongs to the caller, which
   * makes this the cheap way to feed a sans-I/O decoder.
   *
   * @param options A signal to abort the read.
   * @returns A non-empty `Uint8Array`, or `null` at EOF.
   * @throws {Deno.errors.TimedOut} When `readTimeout` passes first; the
   *   connection stays usable.
   * @throws {Deno.errors.BadResource} When the connection is closed.
   */
  async readChunk(options?: ReadOptions): Promise<Uint8Array | null> {
    if (this.#end === this.#start) {
      const until = this.#until();
      do {
        if (!this.#live()) return null;
        await this.#wait(options?.signal, until, 1);
      } while (this.#end === this.#start);
    }
    const chunk = this.#buf.slice(this.#start, this.#end);
    this.#start = this.#end;
    return chunk;
  }

  /**
   * Puts `bytes` back in front of the buffered input, so the next read returns
   * them first: for bytes a decoder read past the end of its message, before
   * handing the connection on.
   *
   * @param bytes The bytes to return to the buffer (copied).
   */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (bytes.length <= this.#start) {
      this.#start -= bytes.length;
      this.#buf.set(bytes, this.#start);
      return;
    }
    const used = this.#end - this.#start;
    const next = new Uint8Array(
      Math.max(INITIAL_BUFFER, bytes.length + used),
    );
    next.set(bytes);
    next.set(this.#buf.subarray(this.#start, this.#end), bytes.length);
    this.#buf = next;
    this.#start = 0;
    this.#end = bytes.length + used;
  }

  /** Ensures `n` bytes are buffered; `false` if EOF came first. */
  async #ensure(n: number, signal: AbortSignal | undefined): Promise<boolean> {
    const until = this.#until();
    while (this.#end - this.#start < n) {
      // Grow as bytes arrive, not by `n` up front: `n` may come from the peer.
      const want = Math.min(n - (this.#end - this.#start), MAX_RESERVE);
      if (!this.#live()) return false;
      await this.#wait(signal, until, want);
    }
    return true;
  }

  #take(n: number): Uint8Array {
    const bytes = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return bytes;
  }

  /** An UnexpectedEof that consumes and carries what is buffered. */
  #unexpectedEof(wanted: number | string): UnexpectedEofError {
    const partial = this.#take(this.#end - this.#start);
    const what = typeof wanted === "number"
      ? `after ${partial.length} of ${wanted} bytes`
      : `after ${partial.length} bytes, ${wanted}`;
    return Object.assign(
      new Deno.errors.UnexpectedEof(
        `Connection from ${formatAddr(this.#remoteAddr)} ended ${what}`,
      ),
      { partial },
    );
  }

  /**
   * Reads exactly `n` bytes (Go's `io.ReadFull`, Python's `readexactly`).
   *
   * @param n How many bytes, a non-negative integer.
   * @param options A signal to abort the read.
   * @returns A new `Uint8Array` of length `n`.
   * @throws {Deno.errors.UnexpectedEof} When the stream ends first; the error's
   *   `partial` property holds the bytes that did arrive.
   * @throws {RangeError} When `n` is not a non-negative integer.
   * @throws {Deno.errors.TimedOut} When `readTimeout` passes first.
   */
  async readExactly(n: number, options?: ReadOptions): Promise<Uint8Array> {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `readExactly() needs a non-negative integer, got ${n}`,
      );
    }
    if (
      this.#end - this.#start < n && !await this.#ensure(n, options?.signal)
    ) {
      throw this.#unexpectedEof(n);
    }
    return this.#take(n);
  }

  /**
   * Reads up to and including `delimiter` (Python's `readuntil`, Go's
   * `ReadBytes`).
   *
   * @param delimiter The byte sequence that ends the read; a string is UTF-8
   *   encoded.
   * @param options `maxBytes` (default 65536 bytes, delimiter included) and a
   *   signal.
   * @returns The bytes with the delimiter at the end, or `null` at EOF when
   *   nothing was buffered.
   * @throws {BufferFullError} When `maxBytes` bytes arrive without the
   *   delimiter; they are consumed and carried in `partial`, and the
   *   connection stays usable.
   * @throws {Deno.errors.UnexpectedEof} When the stream ends after some bytes
   *   but before the delimiter; `partial` holds them.
   * @throws {TypeError} When the delimiter is empty.
   */
  async readUntil(
    delimiter: Uint8Array | string,
    options?: BoundedReadOptions,
  ): Promise<Uint8Array | null> {
    const delim = typeof delimiter === "string"
      ? encoder.encode(delimiter)
      : delimiter;
    const end = await this.#scan(delim, options, "Data");
    if (end === -1) return null;
    return this.#take(end - this.#start);
  }

  /**
   * Finds `delim` in the buffer, reading more as needed. Returns the buffer
   * index just past it, or -1 at EOF with nothing buffered.
   */
  async #scan(
    delim: Uint8Array,
    options: BoundedReadOptions | undefined,
    what: string,
  ): Promise<number> {
    if (delim.length === 0) throw new TypeError("Delimiter must not be empty");
    const max = maxBytes(options, DEFAULT_LINE_LIMIT);
    const until = this.#until();
    const first = delim[0];
    let scanned = 0; // bytes after #start known not to start the delimiter
    while (true) {
      const view = this.#buf.subarray(0, this.#end);
      let i = view.indexOf(first, this.#start + scanned);
      while (i !== -1 && i + delim.length <= this.#end) {
        if (matches(view, i, delim)) {
          const stop = i + delim.length;
          if (stop - this.#start > max) break;
          return stop;
        }
        i = view.indexOf(first, i + 1);
      }
      const buffered = this.#end - this.#start;
      if (buffered >= max) {
        throw new BufferFullError(this.#take(max), max, what);
      }
      scanned = i === -1 ? buffered : i - this.#start;
      if (!await this.#more(options?.signal, until)) {
        if (this.#end === this.#start) return -1;
        throw this.#unexpectedEof(
          `before the ${what === "Line" ? "end of line" : "delimiter"}`,
        );
      }
    }
  }

  /**
   * Reads one line and returns it without its terminator (LF or CRLF),
   * decoded as UTF-8 (Go's `bufio.Reader.ReadLine`, Python's `readline`).
   * A last line without a terminator is returned as it is.
   *
   * @param options `maxBytes` (default 65536 bytes, terminator included) and
   *   a signal.
   * @returns The line, or `null` at EOF.
   * @throws {BufferFullError} When `maxBytes` bytes arrive without LF; they
   *   are consumed and carried in `partial`, and the connection stays usable
   *   (the rest of the long line is what the next read returns).
   * @throws {Deno.errors.TimedOut} When `readTimeout` passes first.
   */
  async readLine(options?: BoundedReadOptions): Promise<string | null> {
    let end: number;
    try {
      end = await this.#scan(LF, options, "Line");
    } catch (error) {
      if (error instanceof Deno.errors.UnexpectedEof) {
        return decoder.decode(
          (error as UnexpectedEofError).partial,
        );
      }
      throw error;
    }
    if (end === -1) return null;
    const start = this.#start;
    this.#start = end;
    let stop = end - 1;
    if (stop > start && this.#buf[stop - 1] === 13) stop--;
    return decoder.decode(this.#buf.subarray(start, stop));
  }

  /**
   * Reads one byte as an unsigned integer.
   *
   * @param options A signal to abort the read.
   * @returns A number from 0 to 255.
   * @throws {Deno.errors.UnexpectedEof} When the stream ends first.
   */
  async readUint8(options?: ReadOptions): Promise<number> {
    if (!await this.#ensure(1, options?.signal)) throw this.#unexpectedEof(1);
    return this.#buf[this.#start++];
  }

  /**
   * Reads a 16-bit unsigned integer in network byte order (big-endian).
   *
   * @param options A signal to abort the read.
   * @returns A number from 0 to 65535.
   * @throws {Deno.errors.UnexpectedEof} When the stream ends first.
   */
  async readUint16(options?: ReadOptions): Promise<number> {
    if (!await this.#ensure(2, options?.signal)) throw this.#unexpectedEof(2);
    const b = this.#buf, i = this.#start;
    this.#start += 2;
    return (b[i] << 8) | b[i + 1];
  }

  /**
   * Reads a 32-bit unsigned integer in network byte order (big-endian).
   *
   * @param options A signal to abort the read.
   * @returns A number from 0 to 4294967295.
   * @throws {Deno.errors.UnexpectedEof} When the stream ends first.
   */
  async readUint32(options?: ReadOptions): Promise<number> {
    if (!await this.#ensure(4, options?.signal)) throw this.#unexpectedEof(4);
    const b = this.#buf, i = this.#start;
    this.#start += 4;
    return ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) |
      b[i + 3]);
  }

  /**
   * Reads a 64-bit unsigned integer in network byte order (big-endian).
   *
   * @param options A signal to abort the read.
   * @returns A bigint from 0 to 2^64 - 1.
   * @throws {Deno.errors.UnexpectedEof} When the stream ends first.
   */
  async readBigUint64(options?: ReadOptions): Promise<bigint> {
    if (!await this.#ensure(8, options?.signal)) throw this.#unexpectedEof(8);
    const view = new DataView(
      this.#buf.buffer,
      this.#buf.byteOffset + this.#start,
      8,
    );
    this.#start += 8;
    return view.getBigUint64(0);
  }

  /**
   * Reads until EOF.
   *
   * @param options `maxBytes` (default 64 MiB) and a signal.
   * @returns Everything the peer sends until it shuts down its side.
   * @throws {BufferFullError} When more than `maxBytes` bytes arrive; the
   *   first `maxBytes` are consumed and carried in `partial`.
   */
  async readAll(options?: BoundedReadOptions): Promise<Uint8Array> {
    const max = maxBytes(options, DEFAULT_READ_ALL_LIMIT);
    const until = this.#until();
    while (true) {
      if (this.#end - this.#start > max) {
        throw new BufferFullError(this.#take(max), max, "Stream");
      }
      if (!await this.#more(options?.signal, until, 64 * 1024)) break;
    }
    return this.#take(this.#end - this.#start);
  }

  // ---------------------------------------------------------------- writing

  /**
   * Writes all of `data`, looping over partial writes, and resolves once the
   * runtime has taken every byte. Concurrent calls go out in call order.
   *
   * @param data Bytes, or a string to send as UTF-8.
   * @param options A signal to abort the write (which closes the connection).
   * @returns The number of bytes written: `data`'s length in bytes.
   * @throws {Deno.errors.TimedOut} When `writeTimeout` passes first; the
   *   connection is closed.
   * @throws {Deno.errors.BadResource} When the connection is closed.
   * @throws {Deno.errors.BrokenPipe} or `ConnectionReset` when the peer is gone.
   */
  write(data: Uint8Array | string, options?: ReadOptions): Promise<number> {
    if (this.#shutting) {
      // closeWrite() was called, even if it still waits for earlier writes.
      return Promise.reject(
        this.#closed ? this.#closedError() : this.#shutError(),
      );
    }
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    const signal = options?.signal;
    let run: Promise<number>;
    if (this.#writes > 0) {
      // Queue behind the last write, whatever its outcome.
      const next = () => this.#writeAll(bytes, signal);
      run = this.#lastWrite!.then(next, next);
    } else if (
      signal === undefined && this.writeTimeout === undefined &&
      !this.#closed // #writeShut implies #shutting, refused above
    ) {
      // Nothing to race or refuse, and no write under way: hand the bytes
      // to the runtime with no async frame of our own.
      this.#unqueued = bytes;
      let started: Promise<number>;
      try {
        started = this.#conn.write(bytes);
      } catch (error) {
        started = Promise.reject(error);
      }
      run = started.then(this.#afterWrite, this.#writeFailed);
    } else {
      run = this.#writeAll(bytes, signal);
    }
    this.#writes++;
    this.#lastWrite = run;
    return run;
  }

  /** Why a write must not start now, or null. */
  #refusal(signal: AbortSignal | undefined): unknown {
    if (this.#closed) return this.#closedError();
    if (signal?.aborted) return signal.reason; // before any byte goes out
    if (this.#writeShut) return this.#shutError();
    return null;
  }

  #shutError(): Error {
    return new Deno.errors.BrokenPipe(
      `Connection to ${formatAddr(this.#remoteAddr)} is shut down for writing`,
    );
  }

  /** A queued or raced write. Like #writeLoop, settles one of `#writes`. */
  async #writeAll(
    bytes: Uint8Array,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const refused = this.#refusal(signal);
    if (refused !== null) {
      this.#writes--;
      throw refused;
    }
    const timeout = this.writeTimeout;
    if (signal === undefined && timeout === undefined) {
      return await this.#writeLoop(bytes);
    }
    try {
      return await deadline(
        this.#writeLoop(bytes),
        signal,
        timeout,
        () =>
          new Deno.errors.TimedOut(
            `Write to ${
              formatAddr(this.#remoteAddr)
            } timed out after ${timeout} ms`,
          ),
      );
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** The bytes of the write on the fast path of `write()`, if under way. */
  #unqueued: Uint8Array | null = null;

  #afterWrite = (n: number): number | Promise<number> => {
    const bytes = this.#unqueued!;
    this.#unqueued = null;
    this.#bytesWritten += n;
    if (n === bytes.length) {
      this.#writes--;
      return n;
    }
    // A partial write: the loop writes the rest and settles `#writes`.
    return this.#writeLoop(bytes.subarray(n)).then((rest) => n + rest);
  };

  #writeFailed = (error: unknown): never => {
    this.#unqueued = null;
    this.#writes--;
    return this.#failed(error);
  };

  /** Writes every byte; settles one of `#writes` when done. */
  async #writeLoop(bytes: Uint8Array): Promise<number> {
    let written = 0;
    try {
      while (written < bytes.length) {
        const n = await this.#conn.write(
          written === 0 ? bytes : bytes.subarray(written),
        );
        written += n;
        this.#bytesWritten += n;
      }
    } catch (error) {
      return this.#failed(error);
    } finally {
      this.#writes--;
    }
    return written;
  }

  /**
   * Half-closes the connection: sends FIN after pending writes, so the peer
   * reads EOF, while this side can still read (`shutdown(SHUT_WR)`, see
   * shutdown(2)). Later writes reject with `Deno.errors.BrokenPipe`; a
   * second call does nothing.
   *
   * @throws {Deno.errors.BadResource} When the connection is closed.
   */
  async closeWrite(): Promise<void> {
    this.#shutting = true; // writes from now on are refused
    if (this.#writes > 0) await this.#lastWrite!.then(noop, noop);
    if (this.#closed) throw this.#closedError();
    if (this.#writeShut) return;
    this.#writeShut = true;
    await this.#conn.closeWrite();
  }

  /**
   * Closes both directions and releases the socket. Pending reads and writes
   * reject with `Deno.errors.BadResource`. Calling it again does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
  }

  /** Closes the connection: `using conn = ...`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes the connection: `await using conn = ...`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /**
   * Enables or disables Nagle's algorithm (`TCP_NODELAY`, see tcp(7)). A no-op
   * on unix sockets.
   *
   * @param noDelay `true` (the default) sends small writes at once.
   */
  setNoDelay(noDelay = true): void {
    if ("setNoDelay" in this.#conn) {
      (this.#conn as Deno.TcpConn).setNoDelay(noDelay);
    }
  }

  /**
   * Enables or disables TCP keep-alive probes (`SO_KEEPALIVE`, see
   * socket(7)). A no-op on unix sockets.
   *
   * @param keepAlive `true` (the default) turns the probes on.
   */
  setKeepAlive(keepAlive = true): void {
    if ("setKeepAlive" in this.#conn) {
      (this.#conn as Deno.TcpConn).setKeepAlive(keepAlive);
    }
  }

  /**
   * Lets the process exit while a read of this connection is pending
   * (`Deno.Conn.unref`, Node's `socket.unref()`): for a connection kept
   * open in the background, such as an idle pooled one. Undone by
   * {@linkcode TCPConnection.ref}.
   */
  unref(): void {
    this.#conn.unref();
  }

  /**
   * Makes a pending read keep the process alive again (`Deno.Conn.ref`),
   * the default; undoes {@linkcode TCPConnection.unref}.
   */
  ref(): void {
    this.#conn.ref();
  }

  // ---------------------------------------------------------------- streams

  /**
   * The incoming bytes as a web stream, starting with what is buffered. It
   * ends at EOF without closing the connection, and cancelling it leaves
   * the connection open too (unlike `Deno.Conn.readable`), so half-close
   * protocols work; bytes a cancelled stream had asked for go back to the
   * buffer. The stream errors with the read's error (e.g. a `TimedOut` from
   * `readTimeout`), which leaves the connection itself usable.
   */
  get readable(): ReadableStream<Uint8Array> {
    this.#readable ??= this.#makeReadable();
    return this.#readable;
  }

  #makeReadable(): ReadableStream<Uint8Array> {
    let cancelled = false;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const chunk = await this.readChunk();
        if (cancelled) {
          if (chunk !== null) this.unread(chunk);
        } else if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
      cancel: () => {
        cancelled = true;
      },
    }, { highWaterMark: 0 });
  }

  /**
   * A web stream that writes to the connection. Closing it half-closes the
   * connection (FIN) instead of closing it (unlike `Deno.Conn.writable`), so
   * the response can still be read. Aborting it closes the connection.
   */
  get writable(): WritableStream<Uint8Array> {
    this.#writable ??= new WritableStream<Uint8Array>({
      write: async (chunk) => {
        await this.write(chunk);
      },
      close: () => this.closeWrite(),
      abort: () => this.close(),
    });
    return this.#writable;
  }

  /** Yields chunks of incoming bytes until EOF, as {@linkcode readChunk}. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (true) {
      const chunk = await this.readChunk();
      if (chunk === null) return;
      yield chunk;
    }
  }
}

const LF = new Uint8Array([10]);

function noop(): void {}

function matches(buf: Uint8Array, at: number, delim: Uint8Array): boolean {
  for (let j = 1; j < delim.length; j++) {
    if (buf[at + j] !== delim[j]) return false;
  }
  return true;
}

// ------------------------------------------------------------------- connect

/**
 * Where and how to connect: a TCP host and port, or a unix socket path.
 *
 * @example Connect with an options object
 * ```ts
 * import { connect, type ConnectOptions, listen } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using listener = listen("127.0.0.1:0");
 * assert(listener.addr.transport === "tcp");
 *
 * const options: ConnectOptions = {
 *   hostname: "127.0.0.1",
 *   port: listener.addr.port,
 *   timeout: 2_000,
 *   readTimeout: 10_000,
 * };
 * await using conn = await connect(options);
 * await using peer = await listener.accept();
 * assert.deepEqual(peer.remoteAddr, conn.localAddr);
 * assert.equal(conn.readTimeout, 10_000);
 * ```
 */
export interface ConnectOptions extends TimeoutOptions {
  /** Host name or IP address for TCP. @default {"127.0.0.1"} */
  hostname?: string;
  /** TCP port. */
  port?: number;
  /** `"tcp"` or `"unix"`. @default {"tcp"} */
  transport?: "tcp" | "unix";
  /** The socket file, for `transport: "unix"`. */
  path?: string;
  /** Aborts the connect step: it rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * How long the connect step may take, in milliseconds, before it rejects
   * with `Deno.errors.TimedOut`.
   *
   * @default {undefined} (the operating system's limit)
   */
  timeout?: number;
  /** Disables Nagle's algorithm on TCP (`TCP_NODELAY`). @default {true} */
  noDelay?: boolean;
}

function checkTransport(transport: string | undefined, call: string): void {
  if (transport !== undefined && transport !== "tcp" && transport !== "unix") {
    throw new TypeError(
      `${call} takes transport "tcp" or "unix", got "${transport}"`,
    );
  }
}

function resolveAddr(
  addr: string | Addr | ConnectOptions | ListenOptions,
): { hostname?: string; port?: number; transport?: string; path?: string } {
  return typeof addr === "string" ? parseAddr(addr) : addr;
}

/**
 * Opens a stream connection (connect(2)) to a TCP host and port or a unix
 * socket, like `Deno.connect`, with a timeout, an abort signal and clear
 * errors.
 *
 * Requires `--allow-net` (and `--allow-read` and `--allow-write` for unix).
 *
 * @param addr `"host:port"`, `"[::1]:port"`, `"unix:/path"`, a
 *   `Deno.NetAddr`/`Deno.UnixAddr`, or a {@linkcode ConnectOptions} object.
 * @param options Timeouts, signal and socket options, merged over `addr`.
 * @returns The established connection.
 * @throws {Deno.errors.ConnectionRefused} When nothing listens there; the
 *   message names the address.
 * @throws {Deno.errors.TimedOut} When `timeout` milliseconds pass first.
 * @throws {TypeError} When the address cannot be parsed.
 * @throws {RangeError} When `timeout`, `readTimeout` or `writeTimeout` is
 *   negative or not a number.
 *
 * @example Connecting with a timeout
 * ```ts
 * import { connect, listen } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * await using listener = listen("127.0.0.1:0");
 * const { port } = listener.addr as Deno.NetAddr;
 *
 * await using conn = await connect(`127.0.0.1:${port}`, { timeout: 2_000 });
 * await using _peer = await listener.accept();
 * assert.equal(conn.remoteAddr.transport, "tcp");
 * assert.deepEqual(conn.remoteAddr, listener.addr);
 * ```
 */
export async function connect(
  addr: string | Addr | ConnectOptions,
  options: ConnectOptions = {},
): Promise<TCPConnection> {
  const opts = { ...resolveAddr(addr), ...options } as ConnectOptions;
  checkTimeout(opts.timeout, "timeout");
  checkTimeout(opts.readTimeout, "readTimeout");
  checkTimeout(opts.writeTimeout, "writeTimeout");
  checkTransport(opts.transport, "connect()");
  const unix = opts.transport === "unix";
  const target = unix
    ? formatAddr({ transport: "unix", path: opts.path ?? "" })
    : formatAddr({
      transport: "tcp",
      hostname: opts.hostname ?? "127.0.0.1",
      port: opts.port ?? 0,
    });
  if (unix && !opts.path) throw new TypeError("Unix connect needs a path");
  if (!unix && opts.port === undefined) {
    throw new TypeError(`Cannot connect to ${target}: no port given`);
  }
  const controller = new AbortController();
  const signal = opts.signal
    ? AbortSignal.any([opts.signal, controller.signal])
    : controller.signal;
  const pending: Promise<Deno.Conn> = unix
    ? Deno.connect({ transport: "unix", path: opts.path! })
    : Deno.connect({
      hostname: opts.hostname ?? "127.0.0.1",
      port: opts.port!,
      signal,
    });
  let conn: Deno.Conn;
  try {
    conn = await deadline(pending, opts.signal, opts.timeout, () => {
      controller.abort();
      return new Deno.errors.TimedOut(
        `Cannot connect to ${target}: timed out after ${opts.timeout} ms`,
      );
    });
  } catch (error) {
    // A connect that loses the race may still succeed later: close it then.
    pending.then((late) => late.close(), () => {});
    if (error instanceof Deno.errors.NotFound && unix) {
      throw new Deno.errors.NotFound(
        `Cannot connect to ${target}: no such socket file`,
        { cause: error },
      );
    }
    if (error instanceof Deno.errors.TimedOut) throw error;
    if (opts.signal?.aborted && error === opts.signal.reason) throw error;
    throw describeError(error, `Cannot connect to ${target}`);
  }
  const connection = new TCPConnection(conn, opts);
  if (!unix && opts.noDelay !== false) connection.setNoDelay(true);
  return connection;
}

// -------------------------------------------------------------------- listen

/**
 * Where and how to listen: a TCP host and port, or a unix socket path.
 *
 * @example Listen on a port the system picks
 * ```ts
 * import { connect, listen, type ListenOptions } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * const options: ListenOptions = {
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   readTimeout: 10_000,
 * };
 * await using listener = listen(options);
 * assert(listener.addr.transport === "tcp");
 * assert.notEqual(listener.addr.port, 0);
 *
 * await using conn = await connect(listener.addr);
 * await using peer = await listener.accept();
 * assert.equal(peer.readTimeout, 10_000); // accepted connections get it
 * ```
 */
export interface ListenOptions extends TimeoutOptions {
  /** Host name or IP address to bind. @default {"0.0.0.0"} */
  hostname?: string;
  /** TCP port; 0 lets the system pick one (see `Listener.addr`). @default {0} */
  port?: number;
  /** `"tcp"` or `"unix"`. @default {"tcp"} */
  transport?: "tcp" | "unix";
  /** The socket file, for `transport: "unix"`. */
  path?: string;
  /**
   * Lets several listeners bind the same port (`SO_REUSEPORT`); the kernel
   * spreads connections. Needs `--unstable-net`. @default {false}
   */
  reusePort?: boolean;
  /**
   * For unix sockets: remove a socket file at `path` before binding, for a
   * stale one a crashed process left. It does not check that nobody listens
   * there: a live listener loses its file (and removes the new one when it
   * closes). Only a socket file is removed, never a regular file.
   * @default {false}
   */
  removeExisting?: boolean;
  /** Disables Nagle's algorithm on accepted TCP connections. @default {true} */
  noDelay?: boolean;
}

/**
 * Binds and listens (bind(2), listen(2)) on a TCP address or unix socket,
 * like `Deno.listen`, returning a {@linkcode Listener} whose accepted
 * connections are {@linkcode TCPConnection}s.
 *
 * Requires `--allow-net` (and `--allow-read` and `--allow-write` for unix).
 *
 * @param addr `"host:port"` (port 0 picks a free port), `"unix:/path"`, a
 *   `Deno.NetAddr`/`Deno.UnixAddr`, or a {@linkcode ListenOptions} object.
 * @param options Listener and accepted-connection options, merged over `addr`.
 * @returns The listener.
 * @throws {Deno.errors.AddrInUse} When the address is taken; the message
 *   names it.
 * @throws {Deno.errors.NotSupported} When `reusePort` is set without
 *   `--unstable-net`.
 * @throws {TypeError} When the address cannot be parsed.
 * @throws {RangeError} When `readTimeout` or `writeTimeout` is negative or
 *   not a number.
 *
 * @example Accepting connections until the listener is closed
 * ```ts
 * import { connect, listen } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using listener = listen("127.0.0.1:0");
 * const serving = (async () => {
 *   for await (const conn of listener) {
 *     await conn.write("hello\n");
 *     conn.close();
 *   }
 * })();
 *
 * await using client = await connect(listener.addr);
 * assert.equal(await client.readLine(), "hello");
 * listener.close(); // ends the for await loop
 * await serving;
 * ```
 */
export function listen(
  addr: string | Addr | ListenOptions,
  options: ListenOptions = {},
): Listener {
  const opts = { ...resolveAddr(addr), ...options } as ListenOptions;
  checkTimeout(opts.readTimeout, "readTimeout");
  checkTimeout(opts.writeTimeout, "writeTimeout");
  checkTransport(opts.transport, "listen()");
  let listener: Deno.Listener;
  if (opts.transport === "unix") {
    if (!opts.path) throw new TypeError("Unix listen needs a path");
    if (opts.removeExisting) removeStaleSocket(opts.path);
    try {
      listener = Deno.listen({ transport: "unix", path: opts.path });
    } catch (error) {
      throw describeError(error, `Cannot listen on unix:${opts.path}`);
    }
  } else {
    if (opts.reusePort && !hasUnstableNet()) {
      throw unstableNetError("reusePort");
    }
    const hostname = opts.hostname ?? "0.0.0.0";
    const port = opts.port ?? 0;
    try {
      listener = Deno.listen({
        hostname,
        port,
        transport: "tcp",
        ...(opts.reusePort ? { reusePort: true } : {}),
      });
    } catch (error) {
      throw describeError(
        error,
        `Cannot listen on ${formatAddr({ transport: "tcp", hostname, port })}`,
      );
    }
  }
  return new Listener(listener, opts);
}

function removeStaleSocket(path: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isSocket) {
    throw new Deno.errors.AlreadyExists(
      `Cannot listen on unix:${path}: the file exists and is not a socket`,
    );
  }
  Deno.removeSync(path);
}

/** Yields `next()` until it fails because `closed()` became true, then ends. */
async function* untilClosed<T>(
  next: () => Promise<T>,
  closed: () => boolean,
): AsyncGenerator<T> {
  while (!closed()) {
    try {
      yield await next();
    } catch (error) {
      if (closed()) return;
      throw error;
    }
  }
}

interface Waiter {
  resolve(conn: Deno.Conn): void;
  reject(error: unknown): void;
}

/**
 * A listening socket that accepts {@linkcode TCPConnection}s: `accept()` with
 * an abort signal, and async iteration that ends cleanly when the listener is
 * closed (Go's `net.Listener`).
 *
 * A unix-socket listener's socket file is removed when it is closed (the
 * runtime does this, as Go does): at once, or, while an accept is under way,
 * once the runtime has ended it, which is when pending `accept()` calls
 * reject and `[Symbol.asyncDispose]` resolves (a few milliseconds).
 *
 * @example Serving until a signal aborts
 * ```ts
 * import { connect, listen } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using listener = listen({ hostname: "127.0.0.1", port: 0 });
 * const controller = new AbortController();
 * controller.signal.addEventListener("abort", () => listener.close());
 *
 * const serving = (async () => {
 *   let served = 0;
 *   for await (const conn of listener) {
 *     served++;
 *     conn.close();
 *   }
 *   return served;
 * })();
 *
 * await using client = await connect(listener.addr);
 * assert.equal(await client.readChunk(), null); // the server hung up
 * controller.abort(); // closes the listener, which ends the loop
 * assert.equal(await serving, 1);
 * ```
 */
export class Listener
  implements AsyncIterable<TCPConnection>, AsyncDisposable, Disposable {
  #listener: Deno.Listener;
  #addr: Addr;
  #options: ListenOptions;
  #closed = false;
  /** Callers waiting in `accept()`, in call order. */
  #waiters: Waiter[] = [];
  /** Connections accepted after their caller gave up, for the next caller. */
  #ready: Deno.Conn[] = [];
  /** The pump's run, while a runtime accept may be under way. */
  #pumping: Promise<void> | null = null;

  /**
   * Wraps a runtime listener. Usually made by {@linkcode listen}.
   *
   * @param listener A listener from `Deno.listen`.
   * @param options Options applied to accepted connections.
   */
  constructor(listener: Deno.Listener, options: ListenOptions = {}) {
    this.#listener = listener;
    this.#addr = listener.addr as Addr;
    this.#options = options;
  }

  /** The bound address, with the real port when port 0 was asked for. */
  get addr(): Addr {
    return this.#addr;
  }

  /** Whether {@linkcode Listener.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  #closedError(): Error {
    return new Deno.errors.BadResource(
      `Listener on ${formatAddr(this.#addr)} is closed`,
    );
  }

  /**
   * Waits for and returns the next connection (accept(2)). Several calls
   * may wait at once; connections go to them in call order.
   *
   * @param options A signal: aborting rejects with `signal.reason` and leaves
   *   the listener usable (a connection that arrives later goes to the next
   *   caller).
   * @returns The accepted connection.
   * @throws {Deno.errors.BadResource} When the listener is closed, before or
   *   during the call.
   */
  accept(options?: { signal?: AbortSignal }): Promise<TCPConnection> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const ready = this.#ready.shift();
    if (ready !== undefined) return Promise.resolve(this.#wrap(ready));
    return new Promise<TCPConnection>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (conn) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#wrap(conn));
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at !== -1) this.#waiters.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  #wrap(conn: Deno.Conn): TCPConnection {
    const connection = new TCPConnection(conn, this.#options);
    if (conn.localAddr.transport === "tcp" && this.#options.noDelay !== false) {
      connection.setNoDelay(true);
    }
    return connection;
  }

  /**
   * Keeps one runtime accept under way while anyone waits. A connection that
   * arrives after its waiter gave up is kept for the next caller.
   */
  #pump(): void {
    this.#pumping ??= this.#pumpLoop();
  }

  async #pumpLoop(): Promise<void> {
    while (this.#waiters.length > 0 && !this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) break;
        this.#waiters.shift()?.reject(error);
        continue;
      }
      if (this.#closed) {
        conn.close();
        break;
      }
      const waiter = this.#waiters.shift();
      if (waiter) waiter.resolve(conn);
      else this.#ready.push(conn);
    }
    this.#pumping = null;
    if (this.#closed) {
      const error = this.#closedError();
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    }
  }

  /** Yields accepted connections until the listener is closed, then ends. */
  [Symbol.asyncIterator](): AsyncIterator<TCPConnection> {
    return untilClosed(() => this.accept(), () => this.#closed);
  }

  /**
   * Stops listening and ends pending accepts and iteration. Calling it again
   * does nothing. Connections already accepted stay open. Pending `accept()`
   * calls reject with `Deno.errors.BadResource` once the runtime has ended
   * its accept under way (on a later turn of the event loop), so that by
   * then a unix socket's file is gone.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const conn of this.#ready.splice(0)) conn.close();
    // With no runtime accept under way nothing holds the listener: end the
    // waiters now. Otherwise the pump ends them when that accept fails.
    if (this.#pumping === null) {
      const error = this.#closedError();
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    }
  }

  /** Closes the listener: `using listener = ...`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Closes the listener and resolves once the runtime has let go of it (a
   * unix socket's file is gone by then): `await using listener = ...`.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return this.#pumping ?? Promise.resolve();
  }
}

// ------------------------------------------------------------------ datagram

/**
 * Where to bind a UDP socket and who its default peer is.
 *
 * @example A UDP socket with a default peer
 * ```ts
 * import {
 *   listenDatagram,
 *   type ListenDatagramOptions,
 * } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using server = listenDatagram("127.0.0.1:0");
 * const options: ListenDatagramOptions = {
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   remote: server.localAddr,
 * };
 * using client = listenDatagram(options);
 * await client.send("ping"); // to the default peer
 * const { data, remoteAddr } = await server.receive();
 * assert.equal(new TextDecoder().decode(data), "ping");
 * assert.deepEqual(remoteAddr, client.localAddr);
 * ```
 */
export interface ListenDatagramOptions {
  /** Host name or IP address to bind. @default {"0.0.0.0"} */
  hostname?: string;
  /** UDP port; 0 lets the system pick one. @default {0} */
  port?: number;
  /** Always `"udp"`. @default {"udp"} */
  transport?: "udp";
  /**
   * The default peer, so `send(data)` needs no address: `"host:port"` or a
   * `Deno.NetAddr`. Datagrams from other peers are still received.
   */
  remote?: string | Deno.NetAddr;
  /** Sets `SO_REUSEADDR`. @default {false} */
  reuseAddress?: boolean;
  /** Receives the datagrams this socket sends to a multicast group. @default {false} */
  loopback?: boolean;
}

/**
 * One received datagram: its bytes and who sent it.
 *
 * @example Reply to the sender
 * ```ts
 * import { type Datagram, listenDatagram } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using server = listenDatagram("127.0.0.1:0");
 * using client = listenDatagram("127.0.0.1:0");
 * await client.send("ping", server.localAddr);
 *
 * const datagram: Datagram = await server.receive();
 * await server.send(datagram.data, datagram.remoteAddr);
 * const reply = await client.receive();
 * assert.equal(new TextDecoder().decode(reply.data), "ping");
 * ```
 */
export interface Datagram {
  /** The payload. */
  data: Uint8Array;
  /** The sender's address. */
  remoteAddr: Deno.NetAddr;
}

/**
 * Binds a UDP socket (`Deno.listenDatagram`), returning a
 * {@linkcode UDPConnection}.
 *
 * Requires `--allow-net` and `--unstable-net` (or `"unstable": ["net"]` in
 * deno.json).
 *
 * @param addr `"host:port"`, a `Deno.NetAddr`, or options.
 * @param options Options merged over `addr`.
 * @returns The bound socket.
 * @throws {Deno.errors.NotSupported} Without `--unstable-net`; the message
 *   says which flag to add.
 * @throws {Deno.errors.AddrInUse} When the address is taken.
 *
 * @example A datagram to oneself
 * ```ts
 * import { listenDatagram } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using udp = listenDatagram("127.0.0.1:0");
 * await udp.send("hi", udp.localAddr);
 * const { data } = await udp.receive();
 * assert.equal(new TextDecoder().decode(data), "hi");
 * ```
 */
export function listenDatagram(
  addr: string | Deno.NetAddr | ListenDatagramOptions,
  options: ListenDatagramOptions = {},
): UDPConnection {
  if (!hasUnstableNet()) throw unstableNetError("UDP");
  const opts = {
    ...(typeof addr === "string" ? parseAddr(addr, "udp") : addr),
    ...options,
  } as ListenDatagramOptions;
  if (opts.transport !== undefined && opts.transport !== "udp") {
    throw new TypeError(
      `listenDatagram() takes transport "udp", got "${opts.transport}"`,
    );
  }
  const hostname = opts.hostname ?? "0.0.0.0";
  const port = opts.port ?? 0;
  const remote = typeof opts.remote === "string"
    ? parseAddr(opts.remote, "udp") as Deno.NetAddr
    : opts.remote;
  let conn: Deno.DatagramConn;
  try {
    conn = Deno.listenDatagram({
      hostname,
      port,
      transport: "udp",
      reuseAddress: opts.reuseAddress,
      loopback: opts.loopback,
    });
  } catch (error) {
    throw describeError(
      error,
      `Cannot listen on ${formatAddr({ transport: "udp", hostname, port })}`,
    );
  }
  return new UDPConnection(conn, remote);
}

/**
 * A bound UDP socket: datagrams with their peer addresses
 * (sendto(2)/recvfrom(2)), an optional default peer, and async iteration
 * that ends cleanly on close.
 *
 * @example Iterating over datagrams
 * ```ts
 * import { listenDatagram } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using server = listenDatagram("127.0.0.1:0");
 * const echoing = (async () => {
 *   for await (const { data, remoteAddr } of server) {
 *     await server.send(data, remoteAddr); // echo
 *   }
 * })();
 *
 * using client = listenDatagram("127.0.0.1:0");
 * await client.send("ping", server.localAddr);
 * const { data } = await client.receive();
 * assert.equal(new TextDecoder().decode(data), "ping");
 * server.close(); // ends the for await loop
 * await echoing;
 * ```
 */
export class UDPConnection
  implements AsyncIterable<Datagram>, AsyncDisposable, Disposable {
  #conn: Deno.DatagramConn;
  #remote: Deno.NetAddr | undefined;
  #closed = false;
  #parked: Promise<[Uint8Array, Deno.Addr]> | null = null;

  /**
   * Wraps a runtime datagram socket. Usually made by
   * {@linkcode listenDatagram}.
   *
   * @param conn A socket from `Deno.listenDatagram`.
   * @param remote The default peer for `send()` without an address.
   */
  constructor(conn: Deno.DatagramConn, remote?: Deno.NetAddr) {
    this.#conn = conn;
    this.#remote = remote;
  }

  /** The bound address, with the real port when port 0 was asked for. */
  get localAddr(): Deno.NetAddr {
    return this.#conn.addr as Deno.NetAddr;
  }

  /** The default peer, if one was given. */
  get remoteAddr(): Deno.NetAddr | undefined {
    return this.#remote;
  }

  /** Whether {@linkcode UDPConnection.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  #closedError(): Error {
    return new Deno.errors.BadResource(
      `UDP socket on ${formatAddr(this.localAddr)} is closed`,
    );
  }

  /**
   * Sends one datagram (sendto(2)).
   *
   * @param data The payload; a string is sent as UTF-8.
   * @param addr The peer; defaults to the `remote` given at creation.
   * @returns The number of bytes sent.
   * @throws {TypeError} When there is neither `addr` nor a default peer.
   * @throws {Deno.errors.BadResource} When the socket is closed.
   */
  async send(
    data: Uint8Array | string,
    addr?: string | Deno.NetAddr,
  ): Promise<number> {
    if (this.#closed) throw this.#closedError();
    const to = typeof addr === "string"
      ? parseAddr(addr, "udp") as Deno.NetAddr
      : addr ?? this.#remote;
    if (to === undefined) {
      throw new TypeError(
        `UDP socket on ${
          formatAddr(this.localAddr)
        } has no default peer: pass an address to send()`,
      );
    }
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    return await this.#conn.send(bytes, { ...to, transport: "udp" });
  }

  /**
   * Waits for one datagram (recvfrom(2)).
   *
   * @param options A signal: aborting rejects with `signal.reason` and the
   *   next `receive()` gets the datagram that arrives.
   * @returns The datagram and its sender.
   * @throws {Deno.errors.BadResource} When the socket is closed.
   */
  async receive(options?: { signal?: AbortSignal }): Promise<Datagram> {
    if (this.#closed) throw this.#closedError();
    const pending = this.#parked ?? this.#conn.receive();
    this.#parked = null;
    try {
      const [data, remoteAddr] = await deadline(pending, options?.signal);
      return { data, remoteAddr: remoteAddr as Deno.NetAddr };
    } catch (error) {
      if (this.#closed) throw this.#closedError();
      if (options?.signal?.aborted && error === options.signal.reason) {
        this.#parked = pending;
        pending.catch(() => {});
      }
      throw error;
    }
  }

  /** Yields received datagrams until the socket is closed, then ends. */
  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return untilClosed(() => this.receive(), () => this.#closed);
  }

  /** Closes the socket; pending receives end. Calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  /** Closes the socket: `using udp = ...`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes the socket: `await using udp = ...`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
