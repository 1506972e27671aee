// Copyright 2026 the socketkit authors. MIT license.

import {
  concat,
  EMPTY,
  FIELD_VALUE,
  HEX,
  INTERN_MAX,
  internHash,
  type InternTable,
  isHostPort,
  KNOWN_CODINGS,
  latin1,
  TARGET,
  targetFormError,
  TOKEN,
} from "./_chars.ts";
import { type HTTPHeaders, rawHeaders } from "./headers.ts";
import { HTTPRequest, HTTPResponse, type HTTPVersion } from "./message.ts";
import { describeValue } from "../_errors.ts";

/**
 * The error the decoders throw for input that breaks RFC 9112 or a limit.
 * `status` is the response a server should send before closing the
 * connection: 400 (malformed), 413 (content too large), 414 (request-line
 * too long), 431 (header section too large or too many fields), 501
 * (unsupported transfer coding) or 505 (unsupported HTTP version). The
 * message says which rule or limit failed and where.
 *
 * @example Map a parse error to a response
 * ```ts
 * import { decodeRequest, HTTPParseError, HTTPResponse } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("GET / HTTP/2.0\r\nHost: a\r\n\r\n");
 * try {
 *   decodeRequest(bytes);
 *   assert.fail("expected an error");
 * } catch (error) {
 *   assert(error instanceof HTTPParseError);
 *   assert.equal(error.status, 505);
 *   assert.equal(HTTPResponse.error(error.status).reason, "HTTP Version Not Supported");
 * }
 * ```
 */
export class HTTPParseError extends Error {
  /** The status a server should answer with: 400, 413, 414, 431, 501 or 505. */
  status: number;

  /**
   * Creates a parse error.
   *
   * @param message What failed and where, in sentence case.
   * @param status The status a server should answer with.
   * @param options The `cause`, if any.
   */
  constructor(message: string, status = 400, options?: ErrorOptions) {
    super(message, options);
    this.name = "HTTPParseError";
    this.status = status;
  }
}

/**
 * Limits for {@linkcode RequestDecoder} and {@linkcode ResponseDecoder}.
 *
 * @example Tighter limits than the defaults
 * ```ts
 * import {
 *   type DecoderOptions,
 *   HTTPParseError,
 *   RequestDecoder,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const options: DecoderOptions = {
 *   maxStartLineBytes: 1024,
 *   maxHeaderBytes: 8 * 1024,
 *   maxHeaderCount: 20,
 * };
 * const decoder = new RequestDecoder(options);
 * decoder.push(new TextEncoder().encode(
 *   `GET /${"a".repeat(2000)} HTTP/1.1\r\nHost: a\r\n\r\n`,
 * ));
 * assert.throws(
 *   () => decoder.next(),
 *   (error) => error instanceof HTTPParseError && error.status === 414,
 * );
 * ```
 */
export interface DecoderOptions {
  /**
   * The longest request-line or status-line, in bytes without the CRLF;
   * longer request-lines fail with status 414 (RFC 9112 section 3).
   *
   * @default {8192}
   */
  maxStartLineBytes?: number;
  /**
   * The largest header section (and trailer section), in bytes of field
   * lines including their CRLFs; larger ones fail with status 431.
   *
   * @default {65536}
   */
  maxHeaderBytes?: number;
  /**
   * The most field lines in a header section (and in a trailer section);
   * more fail with status 431.
   *
   * @default {100}
   */
  maxHeaderCount?: number;
  /**
   * The largest content, in bytes; a Content-Length above it, or chunks or a
   * close-delimited body adding up to more, fail with status 413 as soon as
   * that is known.
   *
   * @default {Infinity}
   */
  maxBodyBytes?: number;
}

/**
 * What a decoder's `next()` yields: the message head (with an empty `body`),
 * a piece of de-chunked content, or the end of the message with its trailer
 * section.
 *
 * @example Handle each event of a chunked request
 * ```ts
 * import {
 *   type DecoderEvent,
 *   type HTTPRequest,
 *   RequestDecoder,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const decoder = new RequestDecoder();
 * decoder.push(new TextEncoder().encode(
 *   "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
 *     "3\r\nabc\r\n0\r\nDigest: sha-256=x\r\n\r\n",
 * ));
 * const seen: string[] = [];
 * let event: DecoderEvent<HTTPRequest> | null;
 * while ((event = decoder.next()) !== null) {
 *   switch (event.type) {
 *     case "head":
 *       seen.push(`head ${event.message.target}`);
 *       break;
 *     case "data":
 *       seen.push(`data ${new TextDecoder().decode(event.data)}`);
 *       break;
 *     case "end":
 *       seen.push(`end ${event.trailers?.get("digest")}`);
 *       break;
 *   }
 * }
 * assert.deepEqual(seen, ["head /upload", "data abc", "end sha-256=x"]);
 * ```
 */
export type DecoderEvent<M> =
  | {
    /** The start-line and header section were decoded. */
    type: "head";
    /** The message; its `body` is an empty `Uint8Array`. */
    message: M;
  }
  | {
    /** A piece of content arrived. */
    type: "data";
    /** Body bytes, de-chunked; may be a view into a pushed chunk. */
    data: Uint8Array;
  }
  | {
    /** The message is complete. */
    type: "end";
    /** The trailer section of a chunked message, or `null`. */
    trailers: HTTPHeaders | null;
  };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

const S_HEAD = 0;
const S_LENGTH = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_DATA = 3;
const S_CHUNK_CRLF = 4;
const S_TRAILERS = 5;
const S_CLOSE = 6;
const S_END = 7;
const S_PAUSED = 8;

const MAX_CHUNK_LINE = 4096;

/** The end of a message without trailers; shared, frozen. */
const END: DecoderEvent<never> = Object.freeze({
  type: "end",
  trailers: null,
});

function bytesOf(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
const B_CONTENT_LENGTH = bytesOf("content-length");
const B_TRANSFER_ENCODING = bytesOf("transfer-encoding");
const B_HOST = bytesOf("host");

/** Case-insensitive comparison of token bytes with a lowercase name. */
function nameIs(
  buf: Uint8Array,
  at: number,
  len: number,
  name: Uint8Array,
): boolean {
  if (len !== name.length) return false;
  for (let k = 0; k < len; k++) {
    if ((buf[at + k] | 0x20) !== name[k]) return false;
  }
  return true;
}

/**
 * Fields whose values a server interns (see InternTable): common, and never
 * secrets, by length.
 */
const SHARED_VALUES: Uint8Array[][] = [];
for (
  const name of [
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "accept-language",
    "connection",
    "keep-alive",
    "content-type",
    "content-length",
    "cache-control",
    "pragma",
    "origin",
    "te",
    "upgrade",
    "upgrade-insecure-requests",
    "sec-fetch-dest",
    "sec-fetch-mode",
    "sec-fetch-site",
    "sec-fetch-user",
    "sec-ch-ua",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
  ]
) (SHARED_VALUES[name.length] ??= []).push(bytesOf(name));

/** Whether the field-name at buf[at, at + len) is one of SHARED_VALUES. */
function sharedValue(buf: Uint8Array, at: number, len: number): boolean {
  const names = SHARED_VALUES[len];
  if (names === undefined) return false;
  for (let i = 0; i < names.length; i++) {
    if (nameIs(buf, at, len, names[i])) return true;
  }
  return false;
}

const METHODS: Record<string, string> = Object.assign(Object.create(null), {
  GET: "GET",
  POST: "POST",
  PUT: "PUT",
  HEAD: "HEAD",
  DELETE: "DELETE",
  OPTIONS: "OPTIONS",
  PATCH: "PATCH",
  CONNECT: "CONNECT",
});

function describe(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

function limit(
  value: number | undefined,
  fallback: number,
  name: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new RangeError(
      `${name} must be a number, got ${describeValue(value)}`,
    );
  }
  if (Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  }
  return value;
}

/** The machinery shared by the request and response decoders. */
class Core {
  readonly response: boolean;
  readonly maxStartLine: number;
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
  readonly maxBody: number;

  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  owned = false;
  eof = false;
  error: HTTPParseError | null = null;

  state = S_HEAD;
  /** Content bytes left in the current Content-Length body or chunk. */
  remaining = 0;
  /** Content bytes seen in the current message (chunked, close-delimited). */
  total = 0;
  chunks = 0;
  /** Trailers of the message that is ending. */
  trailers: HTTPHeaders | null = null;
  /** Pause (tunnel or upgrade) once the current message ends. */
  pauseAfter = false;

  // Incremental line scan, offsets relative to `start`.
  scanOff = 0;
  lineOff = 0;
  lines = 0;
  startLineEnd = 0;
  /** Field line offsets: name start, name end, value start, value end. */
  offs: number[] = [];

  /** Host field lines in the last head. */
  hosts = 0;
  /** Index of the last Host field line in the last head. */
  hostField = 0;
  /**
   * The last Host value `isHostPort()` accepted, up to 64 bytes, and its
   * length (-1 none): a client sends the same one on every request of a
   * connection, so it is compared rather than parsed again.
   */
  knownHost: number[] | null = null;
  knownHostLength = -1;

  // Response decoding.
  methods: string[] = [];

  constructor(response: boolean, options: DecoderOptions | undefined) {
    this.response = response;
    this.maxStartLine = limit(
      options?.maxStartLineBytes,
      8192,
      "maxStartLineBytes",
    );
    this.maxHeaderBytes = limit(
      options?.maxHeaderBytes,
      65536,
      "maxHeaderBytes",
    );
    this.maxHeaderCount = limit(options?.maxHeaderCount, 100, "maxHeaderCount");
    this.maxBody = limit(options?.maxBodyBytes, Infinity, "maxBodyBytes");
  }

  push(chunk: Uint8Array): void {
    if (this.eof) throw new TypeError("Cannot push after finish()");
    const len = chunk.length;
    if (len === 0) return;
    const start = this.start;
    const end = this.end;
    if (start === end) {
      this.buf = chunk;
      this.start = 0;
      this.end = len;
      this.owned = false;
      return;
    }
    if (this.owned && this.buf.length - end >= len) {
      this.buf.set(chunk, end);
      this.end = end + len;
      return;
    }
    const kept = end - start;
    const next = new Uint8Array(Math.max(4096, 2 * (kept + len)));
    next.set(this.buf.subarray(start, end));
    next.set(chunk, kept);
    this.buf = next;
    this.start = 0;
    this.end = kept + len;
    this.owned = true;
  }

  /** `push(buf.subarray(start, end))` without making the view when it can. */
  pushRange(buf: Uint8Array, start: number, end: number): void {
    if (this.eof || this.start !== this.end || start === end) {
      this.push(buf.subarray(start, end));
      return;
    }
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.owned = false;
  }

  get buffered(): number {
    return this.end - this.start;
  }

  takeBuffered(): Uint8Array {
    const out = this.buf.slice(this.start, this.end);
    this.buf = EMPTY;
    this.start = 0;
    this.end = 0;
    this.owned = false;
    return out;
  }

  fail(message: string, status = 400): never {
    const error = new HTTPParseError(message, status);
    this.error = error;
    throw error;
  }

  /**
   * Scans for the end of a header or trailer section from where the last
   * call stopped. Returns the absolute index after the empty line, or -1.
   *
   * Every check is decided at one byte and the bytes are checked in order,
   * so the first error does not depend on how the input was split: a bare
   * LF at the LF, a bare CR at the byte after the CR (without waiting for
   * the end of the line), a too long start-line or too large section at
   * the first byte past the limit (the empty line ending a section does not
   * count), too many field lines at the LF of the first one too many.
   */
  scanSection(startLine: boolean): number {
    const buf = this.buf;
    const base = this.start;
    const end = this.end;
    let i = base + this.scanOff;
    let lineStart = base + this.lineOff;
    let lines = this.lines;
    // The first byte past the start-line or section limit.
    let limit = startLine && lines === 0
      ? lineStart + this.maxStartLine + 1
      : (startLine ? base + this.startLineEnd + 2 : base) + this.maxHeaderBytes;
    while (i < end) {
      // A plain loop beats indexOf() on lines this short.
      let j = i;
      const stop = end < limit ? end : limit;
      while (j < stop) {
        const c = buf[j];
        if (c === LF || c === CR) break;
        j++;
      }
      if (j === end) {
        i = j;
        break;
      }
      const lineNo = lines + 1;
      const first = startLine && lines === 0;
      const c = buf[j];
      if (c === LF) this.fail(`Bare LF at line ${lineNo}`);
      if (j === limit) {
        if (first) this.#tooLongStartLine();
        // Past the limit only the CRLF ending the section may come.
        if (c !== CR || j !== lineStart) this.#tooLargeSection(startLine);
      }
      if (j + 1 === end) {
        i = j; // a CR: wait for the byte after it
        break;
      }
      if (buf[j + 1] !== LF) this.fail(`Bare CR at line ${lineNo}`);
      const lf = j + 1;
      if (first) {
        this.startLineEnd = j - base;
        limit = lf + 1 + this.maxHeaderBytes;
      } else if (j === lineStart) {
        this.scanOff = 0;
        this.lineOff = 0;
        this.lines = 0;
        return lf + 1;
      } else {
        const fields = startLine ? lines : lines + 1;
        if (fields > this.maxHeaderCount) {
          this.fail(
            `${
              startLine ? "Header" : "Trailer"
            } section exceeds ${this.maxHeaderCount} field lines`,
            431,
          );
        }
        if (lf >= limit) this.#tooLargeSection(startLine);
      }
      lines++;
      lineStart = lf + 1;
      i = lf + 1;
    }
    this.scanOff = i - base;
    this.lineOff = lineStart - base;
    this.lines = lines;
    return -1;
  }

  #tooLargeSection(startLine: boolean): never {
    const what = startLine ? "Header" : "Trailer";
    this.fail(`${what} section exceeds ${this.maxHeaderBytes} bytes`, 431);
  }

  #tooLongStartLine(): never {
    if (this.response) {
      this.fail(`Status-line exceeds ${this.maxStartLine} bytes`, 400);
    }
    this.fail(`Request-line exceeds ${this.maxStartLine} bytes`, 414);
  }

  /** Skips empty lines before a start-line (RFC 9112 2.2); false if more input is needed. */
  skipEmptyLines(): boolean {
    const buf = this.buf;
    let start = this.start;
    const end = this.end;
    while (start < end && buf[start] === CR) {
      if (start + 1 === end) {
        this.start = start;
        return false;
      }
      if (buf[start + 1] !== LF) break;
      start += 2;
    }
    this.start = start;
    return start < end;
  }

  /** Whether the last `scanFields` saw bytes above 0x7f. */
  nonAscii = false;
  /** The obs-fold lines the last `scanFields` saw. */
  folds = 0;
  /** Indices of field lines whose name has the length of a framing field. */
  special: number[] = [];
  specials = 0;

  /**
   * Validates field lines between `from` and `to` (absolute, `to` after the
   * last field line's CRLF), storing their offsets in `offs`; returns the
   * count. `firstLine` is the line number of the first field line.
   */
  scanFields(
    from: number,
    to: number,
    firstLine: number,
    trailer: boolean,
  ): number {
    const buf = this.buf;
    const offs = this.offs;
    let n = 0;
    let line = firstLine;
    let p = from;
    let hi = 0;
    let folds = 0;
    const special = this.special;
    let specials = 0;
    /** The offsets index of the last field line that was not an obs-fold. */
    let named = 0;
    while (p < to) {
      let c = buf[p];
      let q = p;
      let fold = false;
      if (c === SP || c === HTAB) {
        if (n === 0) {
          this.fail(
            trailer
              ? `Whitespace before the first trailer field at line ${line}`
              : `Whitespace between start-line and first field at line ${line}`,
          );
        }
        if (!this.response || trailer) {
          this.fail(`Obsolete line folding at line ${line}`);
        }
        // obs-fold in a response: the value continues (RFC 9112 5.2). Not
        // for the fields framing() reads from the line alone.
        const framing = this.#framingName(offs[named], offs[named + 1]);
        if (framing !== null) {
          this.fail(`Obsolete line folding in ${framing} at line ${line}`);
        }
        fold = true;
        folds++;
        q = p - 1;
      } else {
        while (TOKEN[buf[q]] === 1) q++;
        if (q === p || buf[q] !== COLON) this.#badName(p, q, line);
        const nl = q - p;
        // Content-Length, Transfer-Encoding, Host: looked at by framing().
        if (nl === 14 || nl === 17 || nl === 4) special[specials++] = n;
        named = 4 * n;
      }
      let vs = q + 1;
      while (buf[vs] === SP || buf[vs] === HTAB) vs++;
      // Every line was checked to end in LF, so this stops before `to`.
      let v = vs;
      for (;;) {
        c = buf[v];
        if (FIELD_VALUE[c] === 0) break;
        hi |= c;
        v++;
      }
      if (c !== CR) this.#badValueByte(c, line);
      if (buf[v + 1] !== LF) this.fail(`Bare CR at line ${line}`);
      let ve = v;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
      const o = 4 * n;
      offs[o] = fold ? -1 : p;
      offs[o + 1] = q;
      offs[o + 2] = vs;
      offs[o + 3] = ve;
      n++;
      p = v + 2;
      line++;
    }
    this.nonAscii = hi > 0x7f;
    this.folds = folds;
    this.specials = specials;
    return n;
  }

  /** The name of the framing field named by buf[ns, ne), or `null`. */
  #framingName(ns: number, ne: number): string | null {
    const buf = this.buf;
    const nl = ne - ns;
    if (nameIs(buf, ns, nl, B_CONTENT_LENGTH)) return "Content-Length";
    if (nameIs(buf, ns, nl, B_TRANSFER_ENCODING)) return "Transfer-Encoding";
    if (nameIs(buf, ns, nl, B_HOST)) return "Host";
    return null;
  }

  #badName(p: number, q: number, line: number): never {
    const c = this.buf[q];
    if (q === p) {
      if (c === COLON) this.fail(`Empty field-name at line ${line}`);
      if (c === CR && this.buf[q + 1] !== LF) {
        this.fail(`Bare CR at line ${line}`);
      }
      this.fail(`Invalid field-name at line ${line}`);
    }
    if (c === SP || c === HTAB) {
      this.fail(`Whitespace between field-name and colon at line ${line}`);
    }
    if (c === CR) {
      if (this.buf[q + 1] === LF) {
        this.fail(`Missing colon in field line at line ${line}`);
      }
      this.fail(`Bare CR at line ${line}`);
    }
    this.fail(`Invalid field-name at line ${line}`);
  }

  #badValueByte(c: number, line: number): never {
    if (c === CR) this.fail(`Bare CR at line ${line}`);
    if (c === 0) this.fail(`NUL in field-value at line ${line}`);
    this.fail(
      `Invalid character ${describe(c)} in field-value at line ${line}`,
    );
  }

  /** Whether buf[from, to) is a valid Host value (uri-host [":" port]). */
  validHost(from: number, to: number): boolean {
    const buf = this.buf;
    const n = to - from;
    let known = this.knownHost;
    if (n === this.knownHostLength) {
      let i = 0;
      while (i < n && buf[from + i] === known![i]) i++;
      if (i === n) return true;
    }
    if (!isHostPort(buf, from, to, false)) return false;
    if (n <= 64) {
      // A plain array: a new Uint8Array costs a backing-store allocation.
      known ??= this.knownHost = [];
      for (let i = 0; i < n; i++) known[i] = buf[from + i];
      this.knownHostLength = n;
    }
    return true;
  }

  /** The server's intern table, or null to decode each head at once. */
  intern: InternTable | null = null;
  /** The head being decoded part by part: its bytes and, once needed, its string. */
  headBase = 0;
  headTo = 0;
  headAscii = true;
  headStr: string | null = null;

  /**
   * The string of buf[start, end) within the head being decoded: from the
   * intern table when `remember` and seen before, otherwise cut from the
   * head, decoded in one runtime call on the first miss (after which the
   * table is not consulted for the rest of the head, only told of it).
   */
  part(start: number, end: number, remember: boolean): string {
    if (start === end) return "";
    const buf = this.buf;
    const intern = remember ? this.intern : null;
    let hash = 0;
    // Once the head is decoded, cutting from it is cheaper than comparing:
    // the rest of the head is only offered to the table.
    const lookup = this.headStr === null;
    if (intern !== null) {
      hash = internHash(buf, start, end);
      if (lookup) {
        const hit = intern.get(hash, buf, start, end);
        if (hit !== null) return hit;
      }
    }
    const base = this.headBase;
    const head = this.headStr ??= latin1(
      buf,
      base,
      this.headTo,
      this.headAscii,
    );
    const s = head.slice(start - base, end - base);
    if (intern !== null) {
      if (lookup) intern.miss(hash, buf, start, end);
      else intern.offer(hash, buf, start, end);
    }
    return s;
  }

  /**
   * The string of buf[start, end) within the head being decoded, not
   * interned (a request-target, or a value that may hold a secret): one of
   * up to 12 bytes is made without a runtime call, a longer one cut from
   * the head.
   */
  fresh(start: number, end: number): string {
    if (this.headStr !== null || end - start > 12) {
      return this.part(start, end, false);
    }
    // Concatenations under 13 characters make flat strings.
    const buf = this.buf;
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
    return s;
  }

  /** Builds field lines without obs-fold from `offs` (n entries) with `part()`. */
  partFields(n: number): HTTPHeaders {
    const buf = this.buf;
    const offs = this.offs;
    const names: string[] = new Array(n);
    const values: string[] = new Array(n);
    for (let k = 0, o = 0; k < n; k++, o += 4) {
      const ns = offs[o];
      const nl = offs[o + 1] - ns;
      names[k] = this.part(ns, ns + nl, true);
      values[k] = sharedValue(buf, ns, nl)
        ? this.part(offs[o + 2], offs[o + 3], true)
        : this.fresh(offs[o + 2], offs[o + 3]);
    }
    return rawHeaders(names, values);
  }

  /** Builds field lines from `offs` (n entries) using `str` decoded from `base`. */
  buildFields(str: string, base: number, n: number): HTTPHeaders {
    const offs = this.offs;
    if (this.folds === 0) {
      const names: string[] = new Array(n);
      const values: string[] = new Array(n);
      for (let k = 0, o = 0; k < n; k++, o += 4) {
        const vs = offs[o + 2] - base;
        const ve = offs[o + 3] - base;
        names[k] = str.slice(offs[o] - base, offs[o + 1] - base);
        values[k] = vs === ve ? "" : str.slice(vs, ve);
      }
      return rawHeaders(names, values);
    }
    const names: string[] = [];
    const values: string[] = [];
    for (let k = 0; k < n; k++) {
      const ns = offs[4 * k];
      const vs = offs[4 * k + 2] - base;
      const ve = offs[4 * k + 3] - base;
      if (ns === -1) {
        const last = values.length - 1;
        const more = str.slice(vs, ve);
        values[last] = values[last] === ""
          ? more
          : more === ""
          ? values[last]
          : `${values[last]} ${more}`;
        continue;
      }
      names.push(str.slice(ns - base, offs[4 * k + 1] - base));
      values.push(vs === ve ? "" : str.slice(vs, ve));
    }
    return rawHeaders(names, values);
  }

  /**
   * Decides the body framing from the framing fields among `n` field lines
   * (RFC 9112 6.1-6.3). Returns the Content-Length (-1 none), or -2 for
   * chunked, -3 for a non-chunked Transfer-Encoding; counts Host lines into
   * `hosts` (the last one's index in `hostField`).
   */
  framing(version: HTTPVersion): number {
    const buf = this.buf;
    const offs = this.offs;
    let length = -1;
    let te: string[] | null = null;
    this.hosts = 0;
    const special = this.special;
    for (let j = 0; j < this.specials; j++) {
      const k = special[j];
      const ns = offs[4 * k];
      const nl = offs[4 * k + 1] - ns;
      const first = buf[ns] | 0x20;
      if (first === 0x63 && nameIs(buf, ns, nl, B_CONTENT_LENGTH)) {
        const value = this.#contentLength(offs[4 * k + 2], offs[4 * k + 3], k);
        if (length !== -1 && length !== value) {
          this.fail(`Content-Length values differ at field line ${k + 1}`);
        }
        length = value;
      } else if (first === 0x74 && nameIs(buf, ns, nl, B_TRANSFER_ENCODING)) {
        te ??= [];
        this.#codings(offs[4 * k + 2], offs[4 * k + 3], te);
      } else if (first === 0x68 && nameIs(buf, ns, nl, B_HOST)) {
        this.hosts++;
        this.hostField = k;
      }
    }
    if (te === null) {
      if (length > this.maxBody) {
        this.fail(`Content-Length exceeds ${this.maxBody} bytes`, 413);
      }
      return length;
    }
    if (length !== -1) {
      this.fail("Transfer-Encoding and Content-Length in one message");
    }
    if (version === "HTTP/1.0") {
      this.fail("Transfer-Encoding in an HTTP/1.0 message");
    }
    for (let k = 0; k < te.length; k++) {
      const coding = te[k];
      if (!KNOWN_CODINGS.has(coding)) {
        this.fail(`Unsupported transfer coding: ${coding}`, 501);
      }
      if (coding === "chunked" && k !== te.length - 1) {
        this.fail("Transfer-Encoding applies chunked before another coding");
      }
    }
    if (this.response) return te[te.length - 1] === "chunked" ? -2 : -3;
    if (te[te.length - 1] !== "chunked") {
      this.fail("Transfer-Encoding of a request does not end with chunked");
    }
    // A request's content is handed on decoded, and only chunked is
    // decoded here (as Go's net/http): gzip bytes passed on as the content
    // would mislead the handler.
    if (te.length > 1) {
      this.fail(
        `Unsupported transfer coding: ${te[0]} (only chunked is decoded)`,
        501,
      );
    }
    return -2;
  }

  #contentLength(vs: number, ve: number, k: number): number {
    const buf = this.buf;
    let value = -1;
    let p = vs;
    for (;;) {
      const from = p;
      let v = 0;
      while (p < ve && buf[p] >= 0x30 && buf[p] <= 0x39) {
        // Exact up to 2^53; past MAX_SAFE_INTEGER the rounded value stays past it.
        v = v * 10 + (buf[p] - 0x30);
        if (v > Number.MAX_SAFE_INTEGER) {
          this.fail(`Content-Length overflow at field line ${k + 1}`);
        }
        p++;
      }
      if (p === from) {
        this.fail(`Invalid Content-Length at field line ${k + 1}`);
      }
      if (value !== -1 && value !== v) {
        this.fail(`Content-Length values differ at field line ${k + 1}`);
      }
      value = v;
      while (p < ve && (buf[p] === SP || buf[p] === HTAB)) p++;
      if (p === ve) return value;
      if (buf[p] !== 0x2c) {
        this.fail(`Invalid Content-Length at field line ${k + 1}`);
      }
      p++;
      while (p < ve && (buf[p] === SP || buf[p] === HTAB)) p++;
    }
  }

  #codings(vs: number, ve: number, out: string[]): void {
    const buf = this.buf;
    let p = vs;
    for (;;) {
      // Empty list elements are allowed and ignored (RFC 9110 5.6.1).
      while (p < ve && (buf[p] === SP || buf[p] === HTAB || buf[p] === 0x2c)) {
        p++;
      }
      if (p === ve) break;
      const ts = p;
      while (p < ve && TOKEN[buf[p]] === 1) p++;
      if (p === ts) this.fail("Invalid Transfer-Encoding");
      let name = "";
      for (let i = ts; i < p; i++) {
        name += String.fromCharCode(
          buf[i] | (buf[i] >= 0x41 && buf[i] <= 0x5a ? 0x20 : 0),
        );
      }
      out.push(name);
      // Skip transfer-parameters: ;name=value
      while (p < ve && buf[p] !== 0x2c) {
        if (buf[p] === 0x22) {
          p++;
          while (p < ve && buf[p] !== 0x22) p += buf[p] === 0x5c ? 2 : 1;
        }
        p++;
      }
    }
    if (out.length === 0) this.fail("Empty Transfer-Encoding");
  }

  /** Parses the version at [p, p+8) : 0 = 1.0, 1 = 1.1. */
  version(p: number, len: number, line: number): HTTPVersion {
    const buf = this.buf;
    if (
      len !== 8 || buf[p] !== 0x48 || buf[p + 1] !== 0x54 ||
      buf[p + 2] !== 0x54 ||
      buf[p + 3] !== 0x50 || buf[p + 4] !== 0x2f || buf[p + 6] !== 0x2e ||
      buf[p + 5] < 0x30 || buf[p + 5] > 0x39 || buf[p + 7] < 0x30 ||
      buf[p + 7] > 0x39
    ) {
      for (let i = p; i < p + len; i++) {
        if (buf[i] === CR) this.fail(`Bare CR at line ${line}`);
      }
      this.fail(`Invalid HTTP-version at line ${line}`);
    }
    if (buf[p + 5] === 0x31) {
      if (buf[p + 7] === 0x31) return "HTTP/1.1";
      if (buf[p + 7] === 0x30) return "HTTP/1.0";
    }
    return this.fail(
      `Unsupported HTTP-version HTTP/${String.fromCharCode(buf[p + 5])}.${
        String.fromCharCode(buf[p + 7])
      } at line ${line}`,
      505,
    );
  }

  /**
   * Decodes the next event of the body states, or returns null if more input
   * is needed. The head state is handled by the subclasses.
   */
  body(): DecoderEvent<never> | null {
    for (;;) {
      switch (this.state) {
        case S_LENGTH: {
          const avail = this.end - this.start;
          if (avail === 0) {
            if (this.eof) {
              this.fail(
                `Unexpected end of input with ${this.remaining} bytes of content missing`,
              );
            }
            return null;
          }
          const n = avail < this.remaining ? avail : this.remaining;
          const data = this.buf.subarray(this.start, this.start + n);
          this.start += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = S_END;
          return { type: "data", data };
        }
        case S_CLOSE: {
          const avail = this.end - this.start;
          if (avail === 0) {
            if (this.eof) {
              this.state = S_END;
              continue;
            }
            return null;
          }
          this.total += avail;
          if (this.total > this.maxBody) {
            this.fail(`Content exceeds ${this.maxBody} bytes`, 413);
          }
          const data = this.buf.subarray(this.start, this.end);
          this.start = this.end;
          return { type: "data", data };
        }
        case S_CHUNK_SIZE:
          if (!this.#chunkSize()) return null;
          continue;
        case S_CHUNK_DATA: {
          const avail = this.end - this.start;
          if (avail === 0) {
            if (this.eof) this.fail("Unexpected end of input in chunk-data");
            return null;
          }
          const n = avail < this.remaining ? avail : this.remaining;
          const data = this.buf.subarray(this.start, this.start + n);
          this.start += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = S_CHUNK_CRLF;
          return { type: "data", data };
        }
        case S_CHUNK_CRLF: {
          const avail = this.end - this.start;
          if (avail >= 1 && this.buf[this.start] !== CR) {
            this.fail(`Missing CRLF after chunk-data of chunk ${this.chunks}`);
          }
          if (avail < 2) {
            if (this.eof) this.fail("Unexpected end of input after chunk-data");
            return null;
          }
          if (this.buf[this.start + 1] !== LF) {
            this.fail(`Missing CRLF after chunk-data of chunk ${this.chunks}`);
          }
          this.start += 2;
          this.state = S_CHUNK_SIZE;
          continue;
        }
        case S_TRAILERS: {
          const to = this.scanSection(false);
          if (to === -1) {
            if (this.eof) {
              this.fail("Unexpected end of input in the trailer section");
            }
            return null;
          }
          const from = this.start;
          const n = this.scanFields(from, to - 2, 1, true);
          if (n > 0) {
            const str = latin1(this.buf, from, to, !this.nonAscii);
            this.trailers = this.buildFields(str, from, n);
          }
          this.start = to;
          this.state = S_END;
          continue;
        }
        case S_END: {
          const trailers = this.trailers;
          const event = trailers === null
            ? END
            : { type: "end" as const, trailers };
          this.trailers = null;
          this.state = this.pauseAfter ? S_PAUSED : S_HEAD;
          this.pauseAfter = false;
          this.total = 0;
          this.chunks = 0;
          return event;
        }
        default:
          return null;
      }
    }
  }

  #chunkSize(): boolean {
    const buf = this.buf;
    const start = this.start;
    const end = this.end;
    // A chunk-size line is short: scan for its end only within the input
    // (buf may be a larger reused buffer).
    const stop = Math.min(end, start + MAX_CHUNK_LINE + 1);
    let lf = start;
    while (lf < stop && buf[lf] !== LF) lf++;
    if (lf === stop) lf = -1;
    const chunk = this.chunks + 1;
    if (lf === -1) {
      if (end - start > MAX_CHUNK_LINE) {
        this.fail(
          `Chunk-size line of chunk ${chunk} exceeds ${MAX_CHUNK_LINE} bytes`,
        );
      }
      if (this.eof) {
        this.fail(`Unexpected end of input in chunk-size of chunk ${chunk}`);
      }
      return false;
    }
    if (lf === start || buf[lf - 1] !== CR) {
      this.fail(`Bare LF in chunk-size line of chunk ${chunk}`);
    }
    const lineEnd = lf - 1;
    let p = start;
    let size = 0;
    while (p < lineEnd && HEX[buf[p]] !== -1) {
      if (size > 0x1fffffffffff) {
        this.fail(`Chunk-size overflow in chunk ${chunk}`);
      }
      size = size * 16 + HEX[buf[p]];
      p++;
    }
    if (p === start) this.fail(`Invalid chunk-size in chunk ${chunk}`);
    if (p < lineEnd) this.#chunkExt(p, lineEnd, chunk);
    this.chunks = chunk;
    this.start = lf + 1;
    if (size === 0) {
      this.state = S_TRAILERS;
      this.scanOff = 0;
      this.lineOff = 0;
      this.lines = 0;
      return true;
    }
    this.total += size;
    if (this.total > this.maxBody) {
      this.fail(`Content exceeds ${this.maxBody} bytes`, 413);
    }
    this.remaining = size;
    this.state = S_CHUNK_DATA;
    return true;
  }

  /** Validates chunk extensions (RFC 9112 7.1.1) in [p, end). */
  #chunkExt(p: number, end: number, chunk: number): void {
    const buf = this.buf;
    const bad = (): never => this.fail(`Invalid chunk-ext in chunk ${chunk}`);
    while (p < end) {
      while (p < end && (buf[p] === SP || buf[p] === HTAB)) p++;
      if (p === end) break;
      if (buf[p] !== 0x3b) {
        if (buf[p] === CR) {
          this.fail(`Bare CR in chunk-size line of chunk ${chunk}`);
        }
        this.fail(`Invalid chunk-size in chunk ${chunk}`);
      }
      p++;
      while (p < end && (buf[p] === SP || buf[p] === HTAB)) p++;
      const ns = p;
      while (p < end && TOKEN[buf[p]] === 1) p++;
      if (p === ns) bad();
      while (p < end && (buf[p] === SP || buf[p] === HTAB)) p++;
      if (p < end && buf[p] === 0x3d) {
        p++;
        while (p < end && (buf[p] === SP || buf[p] === HTAB)) p++;
        if (p < end && buf[p] === 0x22) {
          p++;
          for (;;) {
            if (p >= end) bad();
            const c = buf[p];
            if (c === 0x22) break;
            if (c === 0x5c) {
              p++;
              if (p >= end || FIELD_VALUE[buf[p]] === 0) bad();
            } else if (FIELD_VALUE[c] === 0) bad();
            p++;
          }
          p++;
        } else {
          const vs = p;
          while (p < end && TOKEN[buf[p]] === 1) p++;
          if (p === vs) bad();
        }
      }
    }
  }

  /** Sets up the body state after a head; `length` as `framing()` returns. */
  startBody(length: number): void {
    this.total = 0;
    this.chunks = 0;
    this.trailers = null;
    if (length === -2) {
      this.state = S_CHUNK_SIZE;
    } else if (length === -3) {
      this.state = S_CLOSE;
    } else if (length > 0) {
      this.remaining = length;
      this.state = S_LENGTH;
    } else {
      this.state = S_END;
    }
  }

  /** At the head state: true if the head is complete at absolute `to`. */
  headEnd(): number {
    this.fastFields = -1;
    if (this.scanOff === 0) {
      if (!this.skipEmptyLines()) return this.eof ? -2 : -1;
      const to = this.#fastHead();
      if (to !== -1) return to;
    }
    const to = this.scanSection(true);
    if (to === -1 && this.eof) {
      this.fail(
        this.lines === 0
          ? "Unexpected end of input in the start-line"
          : "Unexpected end of input in the header section",
      );
    }
    return to;
  }

  /** Field lines `#fastHead()` validated for the current head, or -1. */
  fastFields = -1;

  /**
   * The common case in one pass: a whole head already buffered, valid and
   * within the limits. Finds its end and validates and records its field
   * lines like `scanFields()`. Returns -1 at anything else (incomplete,
   * malformed, obs-fold, over a limit), leaving the incremental
   * `scanSection()` and `scanFields()` to decide, so that errors do not
   * depend on how the input was split.
   */
  #fastHead(): number {
    const buf = this.buf;
    const base = this.start;
    const end = this.end;
    let i = base;
    const stop = Math.min(end, base + this.maxStartLine + 2);
    // Stop at the first CR too: a bare CR is scanSection()'s to report.
    while (i < stop && buf[i] !== CR && buf[i] !== LF) i++;
    i++;
    if (i >= stop || buf[i] !== LF || buf[i - 1] !== CR) return -1;
    const from = i + 1;
    const maxTo = from + this.maxHeaderBytes;
    const maxCount = this.maxHeaderCount;
    const offs = this.offs;
    const special = this.special;
    let specials = 0;
    let hi = 0;
    let n = 0;
    let p = from;
    for (;;) {
      if (p + 1 >= end) return -1;
      if (buf[p] === CR) {
        if (buf[p + 1] !== LF) return -1;
        this.startLineEnd = i - 1 - base;
        this.fastFields = n;
        this.specials = specials;
        this.nonAscii = hi > 0x7f;
        this.folds = 0;
        return p + 2;
      }
      if (n === maxCount) return -1;
      let q = p;
      while (q < end && TOKEN[buf[q]] === 1) q++;
      if (q === p || q === end || buf[q] !== COLON) return -1;
      const nl = q - p;
      if (nl === 14 || nl === 17 || nl === 4) special[specials++] = n;
      let vs = q + 1;
      while (vs < end && (buf[vs] === SP || buf[vs] === HTAB)) vs++;
      let v = vs;
      while (v < end) {
        // FIELD_VALUE as comparisons: HTAB, SP to "~", obs-text.
        const c = buf[v];
        if (c < 0x20 ? c !== HTAB : c === 0x7f) break;
        hi |= c;
        v++;
      }
      if (v + 1 >= end || buf[v] !== CR || buf[v + 1] !== LF) return -1;
      if (v + 2 > maxTo) return -1;
      let ve = v;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
      const o = 4 * n;
      offs[o] = p;
      offs[o + 1] = q;
      offs[o + 2] = vs;
      offs[o + 3] = ve;
      n++;
      p = v + 2;
    }
  }
}

let pushRange: (
  decoder: RequestDecoder,
  buf: Uint8Array,
  start: number,
  end: number,
) => void;
let setIntern: (decoder: RequestDecoder, table: InternTable) => void;

/**
 * `decoder.push(buf.subarray(start, end))` without the view when nothing is
 * buffered (for the server, which reads into an arena); the same rules hold:
 * do not modify those bytes afterwards. Not exported from `mod.ts`.
 *
 * @internal
 */
export function pushRequestBytes(
  decoder: RequestDecoder,
  buf: Uint8Array,
  start: number,
  end: number,
): void {
  pushRange(decoder, buf, start, end);
}

/**
 * Makes `decoder` decode short heads through `table` (for the server, which
 * has one table for its connections). Not exported from `mod.ts`.
 *
 * @internal
 */
export function useInternTable(
  decoder: RequestDecoder,
  table: InternTable,
): void {
  setIntern(decoder, table);
}

/**
 * An incremental HTTP/1.1 request decoder (RFC 9112): push bytes as they
 * arrive, in any split, and take events with `next()` until it returns
 * `null`. Each request yields a `head` event, `data` events for its content,
 * and an `end` event; pipelined requests follow one another. It never
 * touches a socket.
 *
 * Content is decoded from chunked; a request whose Transfer-Encoding names
 * any other coding (`gzip, chunked`, say) is an `HTTPParseError` with
 * status 501, as in Go's `net/http`, rather than content still compressed.
 *
 * After a CONNECT head answered with 2xx or an upgrade, the bytes that
 * follow belong to another protocol: take them with `takeBuffered()` instead
 * of calling `next()`.
 *
 * @example Decode a request arriving in two pieces
 * ```ts
 * import { RequestDecoder } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const decoder = new RequestDecoder();
 * const bytes = new TextEncoder().encode(
 *   "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
 * );
 * decoder.push(bytes.subarray(0, 20));
 * assert.equal(decoder.next(), null);
 * decoder.push(bytes.subarray(20));
 * const head = decoder.next();
 * assert(head?.type === "head");
 * assert.equal(head.message.target, "/echo");
 * const data = decoder.next();
 * assert(data?.type === "data");
 * assert.equal(new TextDecoder().decode(data.data), "hello");
 * assert.equal(decoder.next()?.type, "end");
 * assert.equal(decoder.next(), null);
 * ```
 */
export class RequestDecoder {
  #core: Core;

  static {
    pushRange = (decoder, buf, start, end) =>
      decoder.#core.pushRange(buf, start, end);
    setIntern = (decoder, table) => {
      decoder.#core.intern = table;
    };
  }

  /**
   * Creates a request decoder.
   *
   * @param options Limits on the sizes it accepts.
   * @throws {RangeError} If a limit is negative or not a number.
   */
  constructor(options?: DecoderOptions) {
    this.#core = new Core(false, options);
  }

  /**
   * Adds received bytes. The decoder may keep views of `chunk`: do not
   * modify it afterwards.
   *
   * @param chunk Bytes received, in order.
   * @throws {TypeError} If called after `finish()`.
   */
  push(chunk: Uint8Array): void {
    this.#core.push(chunk);
  }

  /** Tells the decoder that the peer sent EOF: no more bytes will come. */
  finish(): void {
    this.#core.eof = true;
  }

  /**
   * Decodes the next event, or returns `null` when more input is needed (or,
   * after `finish()`, when the input ended cleanly between messages).
   *
   * @returns The next event, or `null`.
   * @throws {HTTPParseError} If the input breaks RFC 9112 or a limit; the
   * same error again on every later call.
   */
  next(): DecoderEvent<HTTPRequest> | null {
    const core = this.#core;
    if (core.error !== null) throw core.error;
    if (core.state !== S_HEAD) return core.body();
    const to = core.headEnd();
    if (to < 0) return null;
    return this.#head(core, to);
  }

  #head(core: Core, to: number): DecoderEvent<HTTPRequest> {
    const buf = core.buf;
    const base = core.start;
    const lineEnd = base + core.startLineEnd;
    // method SP request-target SP HTTP-version (RFC 9112 3)
    let p = base;
    while (TOKEN[buf[p]] === 1) p++;
    if (p === base || buf[p] !== SP) {
      if (buf[p] === CR && p !== lineEnd) core.fail("Bare CR at line 1");
      core.fail(
        p === base
          ? "Invalid method at line 1"
          : `Invalid character ${describe(buf[p])} in method at line 1`,
      );
    }
    const methodEnd = p;
    p++;
    const targetStart = p;
    while (TARGET[buf[p]] === 1) p++;
    if (p === targetStart) core.fail("Invalid request-target at line 1");
    if (buf[p] !== SP || p >= lineEnd) {
      if (buf[p] === CR && p !== lineEnd) core.fail("Bare CR at line 1");
      if (p >= lineEnd) core.fail("Missing HTTP-version at line 1");
      core.fail(
        `Invalid character ${describe(buf[p])} in request-target at line 1`,
      );
    }
    const targetEnd = p;
    const version = core.version(p + 1, lineEnd - p - 1, 1);
    const fieldsFrom = lineEnd + 2;
    const n = core.fastFields !== -1
      ? core.fastFields
      : core.scanFields(fieldsFrom, to - 2, 2, false);
    const length = core.framing(version);
    const ascii = !core.nonAscii;
    // A short head is decoded part by part through the intern table; a
    // long one at once (comparing it would cost more than decoding it).
    const byParts = core.intern !== null && to - base <= INTERN_MAX &&
      core.folds === 0;
    let str: string | null = null;
    let m: string;
    let target: string;
    if (byParts) {
      core.headBase = base;
      core.headTo = to;
      core.headAscii = ascii;
      m = core.part(base, methodEnd, true);
      target = core.fresh(targetStart, targetEnd);
    } else {
      str = latin1(buf, base, to, ascii);
      m = str.slice(0, methodEnd - base);
      target = str.slice(targetStart - base, targetEnd - base);
    }
    const method = METHODS[m] ?? m;
    const form = targetFormError(method, target);
    if (form !== null) core.fail(`${form} at line 1`);
    if (core.hosts > 1) core.fail("More than one Host field");
    if (core.hosts === 0) {
      if (version === "HTTP/1.1") {
        core.fail("Missing Host field in HTTP/1.1 request");
      }
    } else {
      const o = 4 * core.hostField;
      if (!core.validHost(core.offs[o + 2], core.offs[o + 3])) {
        core.fail(`Invalid Host field at field line ${core.hostField + 1}`);
      }
    }
    const headers = str === null
      ? core.partFields(n)
      : core.buildFields(str, base, n);
    core.headStr = null;
    const message = new HTTPRequest({ method, target, version, headers });
    core.start = to;
    core.startBody(length);
    return { type: "head", message };
  }

  /**
   * The number of bytes received but not yet decoded (pipelined requests,
   * or tunnel or upgraded-protocol bytes).
   */
  get buffered(): number {
    return this.#core.buffered;
  }

  /**
   * Returns and forgets the bytes received but not yet decoded, e.g. the
   * first bytes of a tunnel after a CONNECT head or of another protocol
   * after an upgrade.
   *
   * @returns A copy of the unconsumed bytes.
   */
  takeBuffered(): Uint8Array {
    return this.#core.takeBuffered();
  }
}

/**
 * An incremental HTTP/1.1 response decoder (RFC 9112): push bytes as they
 * arrive, in any split, and take events with `next()`. Call
 * `expect(method)` once per request sent, in order, so it can frame
 * responses to HEAD (no content) and CONNECT (a tunnel after 2xx). A 1xx
 * interim response comes as `head` and `end` before the final response. A
 * body delimited by the connection closing ends at `finish()`.
 *
 * Content is decoded from chunked only. A response whose Transfer-Encoding
 * also names gzip, deflate or compress yields its content still in that
 * coding (read the `transfer-encoding` field to decode it); one that does
 * not end with chunked is delimited by the connection closing (RFC 9112
 * 6.3).
 *
 * Obsolete line folding (RFC 9112 5.2) is accepted in a response and
 * replaced with SP, except in Content-Length, Transfer-Encoding and Host,
 * whose value must be on one line: there it is an error (400), so the body
 * is never framed by a value other than the one the headers show.
 *
 * After a 101 or a 2xx to CONNECT the decoder stops (`next()` returns
 * `null`); `takeBuffered()` returns the bytes that followed.
 *
 * @example Decode a close-delimited response
 * ```ts
 * import { ResponseDecoder } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const decoder = new ResponseDecoder();
 * decoder.expect("GET");
 * decoder.push(new TextEncoder().encode("HTTP/1.0 200 OK\r\n\r\nbye"));
 * const head = decoder.next();
 * assert(head?.type === "head");
 * assert.equal(head.message.status, 200);
 * assert.equal(decoder.next()?.type, "data");
 * assert.equal(decoder.next(), null);
 * decoder.finish();
 * assert.equal(decoder.next()?.type, "end");
 * ```
 */
export class ResponseDecoder {
  #core: Core;

  /**
   * Creates a response decoder.
   *
   * @param options Limits on the sizes it accepts.
   * @throws {RangeError} If a limit is negative or not a number.
   */
  constructor(options?: DecoderOptions) {
    this.#core = new Core(true, options);
  }

  /**
   * Records the method of a request sent on this connection; call it once
   * per request, in order. Without it, responses are framed as for GET.
   *
   * @param method The request method.
   */
  expect(method: string): void {
    this.#core.methods.push(method);
  }

  /**
   * Adds received bytes. The decoder may keep views of `chunk`: do not
   * modify it afterwards.
   *
   * @param chunk Bytes received, in order.
   * @throws {TypeError} If called after `finish()`.
   */
  push(chunk: Uint8Array): void {
    this.#core.push(chunk);
  }

  /**
   * Tells the decoder that the peer sent EOF: a close-delimited body ends
   * here, and a truncated message is an error.
   */
  finish(): void {
    this.#core.eof = true;
  }

  /**
   * Decodes the next event, or returns `null` when more input is needed (or
   * the input ended cleanly between messages, or after a 101 or a tunnel).
   *
   * @returns The next event, or `null`.
   * @throws {HTTPParseError} If the input breaks RFC 9112 or a limit; the
   * same error again on every later call.
   */
  next(): DecoderEvent<HTTPResponse> | null {
    const core = this.#core;
    if (core.error !== null) throw core.error;
    if (core.state !== S_HEAD) return core.body();
    const to = core.headEnd();
    if (to < 0) return null;
    return this.#head(core, to);
  }

  #head(core: Core, to: number): DecoderEvent<HTTPResponse> {
    const buf = core.buf;
    const base = core.start;
    const lineEnd = base + core.startLineEnd;
    // HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4)
    const version = core.version(base, Math.min(8, lineEnd - base), 1);
    let p = base + 8;
    if (buf[p] !== SP) core.fail("Missing SP after HTTP-version at line 1");
    p++;
    let status = 0;
    for (let k = 0; k < 3; k++, p++) {
      const c = buf[p];
      if (p >= lineEnd || c < 0x30 || c > 0x39) {
        core.fail("Invalid status-code at line 1");
      }
      status = status * 10 + (c - 0x30);
    }
    if (status < 100) core.fail("Invalid status-code at line 1");
    let reasonStart = p;
    let reasonHi = false;
    if (p < lineEnd) {
      if (buf[p] !== SP) core.fail("Invalid status-code at line 1");
      reasonStart = p + 1;
      for (let r = reasonStart; r < lineEnd; r++) {
        if (buf[r] > 0x7f) reasonHi = true;
        if (FIELD_VALUE[buf[r]] === 0) {
          if (buf[r] === CR) core.fail("Bare CR at line 1");
          core.fail(
            `Invalid character ${describe(buf[r])} in reason-phrase at line 1`,
          );
        }
      }
    }
    const n = core.fastFields !== -1
      ? core.fastFields
      : core.scanFields(lineEnd + 2, to - 2, 2, false);
    const length = core.framing(version);
    const str = latin1(buf, base, to, !core.nonAscii && !reasonHi);
    const reason = str.slice(reasonStart - base, lineEnd - base);
    const headers = core.buildFields(str, base, n);
    const message = new HTTPResponse({ status, reason, version, headers });
    core.start = to;
    const methods = core.methods;
    const method = methods.length > 0 ? methods[0] : "GET";
    if (status < 200) {
      core.startBody(0);
      if (status === 101) core.pauseAfter = true;
    } else {
      if (methods.length > 0) methods.shift();
      if (method === "CONNECT" && status < 300) {
        core.startBody(0);
        core.pauseAfter = true;
      } else if (method === "HEAD" || status === 204 || status === 304) {
        core.startBody(0);
      } else {
        core.startBody(length === -1 ? -3 : length);
      }
    }
    return { type: "head", message };
  }

  /**
   * The number of bytes received but not yet decoded (pipelined requests,
   * or tunnel or upgraded-protocol bytes).
   */
  get buffered(): number {
    return this.#core.buffered;
  }

  /**
   * Returns and forgets the bytes received but not yet decoded, e.g. the
   * first bytes of a tunnel after a 2xx to CONNECT or of another protocol
   * after 101.
   *
   * @returns A copy of the unconsumed bytes.
   */
  takeBuffered(): Uint8Array {
    return this.#core.takeBuffered();
  }
}

interface Source<M> {
  next(): DecoderEvent<M> | null;
  readonly buffered: number;
}

/** Runs a decoder over its input and collects one message. */
function collect<M extends HTTPRequest | HTTPResponse>(
  decoder: Source<M>,
  what: string,
): M {
  let message: M | null = null;
  let interim = false;
  let chunks: Uint8Array[] | null = null;
  let data: Uint8Array = EMPTY;
  let length = 0;
  for (;;) {
    const event = decoder.next();
    if (event === null) {
      throw new HTTPParseError(
        message === null ? `No ${what} in the input` : `Incomplete ${what}`,
      );
    }
    if (event.type === "head") {
      const m = event.message;
      // Skip 1xx interim responses, but not 101, which ends the exchange.
      interim = m instanceof HTTPResponse && m.status < 200 && m.status !== 101;
      if (!interim) message = m;
    } else if (event.type === "data") {
      if (length === 0) {
        data = event.data;
      } else {
        chunks ??= [data];
        chunks.push(event.data);
      }
      length += event.data.length;
    } else if (interim) {
      interim = false;
    } else if (message !== null) {
      message.body = chunks === null ? data : concat(chunks, length);
      message.trailers = event.trailers;
      if (decoder.buffered !== 0) {
        throw new HTTPParseError(`Unexpected bytes after the ${what}`);
      }
      return message;
    }
  }
}

/**
 * Decodes one whole request from `bytes`, collecting its content into
 * `body` (which may share memory with `bytes`).
 *
 * @param bytes Exactly one request message.
 * @param options Limits on the sizes it accepts.
 * @returns The request.
 * @throws {HTTPParseError} If the bytes are not exactly one valid request.
 *
 * @example Decode a request
 * ```ts
 * import { decodeRequest } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const request = decodeRequest(new TextEncoder().encode(
 *   "GET /search?q=deno HTTP/1.1\r\nHost: example.com\r\nAccept: text/html\r\n\r\n",
 * ));
 * assert.equal(request.method, "GET");
 * assert.equal(request.url.searchParams.get("q"), "deno");
 * assert.equal(request.headers.get("accept"), "text/html");
 * ```
 */
export function decodeRequest(
  bytes: Uint8Array,
  options?: DecoderOptions,
): HTTPRequest {
  const decoder = new RequestDecoder(options);
  decoder.push(bytes);
  decoder.finish();
  return collect(decoder, "request");
}

/**
 * Options for {@linkcode decodeResponse}.
 *
 * @example Decode the response to a HEAD request
 * ```ts
 * import { decodeResponse } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const response = decodeResponse(
 *   new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
 *   { method: "HEAD" },
 * );
 * assert.equal(response.headers.get("content-length"), "5");
 * assert.equal((await response.bytes()).length, 0);
 * ```
 */
export interface DecodeResponseOptions extends DecoderOptions {
  /**
   * The method of the request this answers (HEAD and CONNECT change the
   * framing).
   *
   * @default {"GET"}
   */
  method?: string;
}

/**
 * Decodes one whole response from `bytes` (skipping any 1xx interim
 * responses before it), collecting its content into `body`; the end of
 * `bytes` ends a close-delimited body.
 *
 * @param bytes One response message, optionally preceded by 1xx responses.
 * @param options Limits, and the request method.
 * @returns The final response.
 * @throws {HTTPParseError} If the bytes are not exactly one valid response.
 *
 * @example Decode a chunked response
 * ```ts
 * import { decodeResponse } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const response = decodeResponse(new TextEncoder().encode(
 *   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
 *     "5\r\nhello\r\n0\r\nChecksum: 1\r\n\r\n",
 * ));
 * assert.equal(await response.text(), "hello");
 * assert.equal(response.trailers?.get("checksum"), "1");
 * ```
 */
export function decodeResponse(
  bytes: Uint8Array,
  options?: DecodeResponseOptions,
): HTTPResponse {
  const decoder = new ResponseDecoder(options);
  decoder.expect(options?.method ?? "GET");
  decoder.push(bytes);
  decoder.finish();
  return collect(decoder, "response");
}
