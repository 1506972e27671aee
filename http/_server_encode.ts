// Copyright 2026 the socketkit authors. MIT license.
// Private to the server: the response head written straight into a reusable
// output buffer, with a cached Date field and the framing the server decides
// (RFC 9112 sections 4, 6 and 9.6).

import { fieldNames, fieldValues, isSharedHeaders } from "./headers.ts";
import type { HTTPResponse } from "./message.ts";
import { STATUS_TEXT } from "./status.ts";

const encoder = new TextEncoder();

/** What the header fields of a response said that the server must act on. */
export interface HeadFacts {
  /** The response carried `Connection: close`. */
  close: boolean;
  /** The value of a `Content-Length` field the handler set, or -1. */
  length: number;
  /** The handler set a `Date` field. */
  date: boolean;
}

/** `HTTP/1.1 200 OK\r\n` and friends for the standard reason-phrases. */
const STATUS_LINES = new Map<number, string>();

const BAD_REASON = /[^\t\x20-\x7e\x80-\xff]/;

/** The status-line for `res`, validated (RFC 9112 section 4). */
export function statusLine(res: HTTPResponse): string {
  const { status, reason, version } = res;
  if (version === "HTTP/1.1" && reason === STATUS_TEXT[status]) {
    let line = STATUS_LINES.get(status);
    if (line === undefined) {
      line = `HTTP/1.1 ${status} ${reason}\r\n`;
      STATUS_LINES.set(status, line);
    }
    return line;
  }
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`Status ${status} is not an integer from 100 to 999`);
  }
  if (BAD_REASON.test(reason)) {
    throw new TypeError(`Invalid reason-phrase: ${JSON.stringify(reason)}`);
  }
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    throw new TypeError(`Invalid HTTP-version: ${JSON.stringify(version)}`);
  }
  return `${version} ${status} ${reason}\r\n`;
}

/**
 * Writes the status-line and the handler's field lines into `out`, leaving
 * out the fields the server writes itself: `Transfer-Encoding` always,
 * `Content-Length` unless `keepLength`, `Connection` unless
 * `keepConnection`. Records a `Date` field, `Connection: close` and the
 * handler's `Content-Length` in `facts`. Writes no empty line. On a throw,
 * `out` may hold part of the head: the caller rolls it back.
 */
export function headLines(
  res: HTTPResponse,
  keepLength: boolean,
  keepConnection: boolean,
  facts: HeadFacts,
  out: OutBuffer,
): void {
  facts.close = false;
  facts.length = -1;
  facts.date = false;
  const names = fieldNames(res.headers);
  const values = fieldValues(res.headers);
  const shared = isSharedHeaders(res.headers);
  if (shared) {
    const prefix = cachedPrefix(res, names, values);
    if (prefix !== null) {
      out.bytes(prefix);
      return;
    }
  }
  const mark = out.length;
  out.text(statusLine(res));
  let plain = true;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const value = values[i];
    const n = name.length;
    if (n === 4 || n === 10 || n === 14 || n === 17) {
      plain = false;
      const lower = name.toLowerCase();
      if (lower === "date") {
        facts.date = true;
      } else if (lower === "connection") {
        if (hasToken(value, "close")) facts.close = true;
        if (!keepConnection) continue;
      } else if (lower === "content-length") {
        const length = /^[0-9]{1,15}$/.test(value) ? Number(value) : -1;
        if (length === -1) {
          throw new TypeError(
            `Invalid Content-Length: ${JSON.stringify(value)}`,
          );
        }
        facts.length = length;
        if (!keepLength) continue;
      } else if (lower === "transfer-encoding") {
        continue;
      }
    }
    out.field(name, value);
  }
  if (shared && plain) cachePrefix(res, names, values, out, mark);
}

/** A status-line and template field lines encoded once (see below). */
interface Prefix {
  names: string[];
  values: string[];
  status: number;
  reason: string;
  version: string;
  bytes: Uint8Array;
}

/**
 * Heads of responses whose field lines are a shared template (as
 * `HTTPResponse.text()` and `json()` make) with none the server acts on:
 * the same status and template give the same bytes, copied in one call
 * instead of encoded again. A few entries, the oldest replaced.
 */
const prefixes: Prefix[] = [];
const PREFIXES = 8;

function cachedPrefix(
  res: HTTPResponse,
  names: string[],
  values: string[],
): Uint8Array | null {
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i];
    if (
      p.values === values && p.names === names && p.status === res.status &&
      p.reason === res.reason && p.version === res.version
    ) {
      return p.bytes;
    }
  }
  return null;
}

function cachePrefix(
  res: HTTPResponse,
  names: string[],
  values: string[],
  out: OutBuffer,
  mark: number,
): void {
  if (prefixes.length === PREFIXES) prefixes.shift();
  prefixes.push({
    names,
    values,
    status: res.status,
    reason: res.reason,
    version: res.version,
    bytes: out.buf.slice(mark, out.length),
  });
}

/**
 * Whether the comma-separated list `value` holds `token`, compared
 * case-insensitively (RFC 9110 section 5.6.1); `token` is lowercase.
 */
export function hasToken(value: string, token: string): boolean {
  const lower = value.toLowerCase();
  let i = lower.indexOf(token);
  while (i !== -1) {
    const end = i + token.length;
    if (
      (i === 0 || isSeparator(lower.charCodeAt(i - 1))) &&
      (end === lower.length || isSeparator(lower.charCodeAt(end)))
    ) {
      return true;
    }
    i = lower.indexOf(token, i + 1);
  }
  return false;
}

function isSeparator(c: number): boolean {
  return c === 0x2c || c === 0x20 || c === 0x09;
}

/** `Content-Length: n` CRLF for small n, made on first use. */
const LENGTH_LINES: string[] = new Array(4096);

/** A growable output buffer that latin1 strings and bytes are appended to. */
export class OutBuffer {
  buf: Uint8Array = new Uint8Array(4096);
  length = 0;

  #reserve(more: number): void {
    const need = this.length + more;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /**
   * Appends a string of code units up to U+00FF as ISO-8859-1 bytes (field
   * values were checked for that when set).
   */
  text(s: string): void {
    const n = s.length;
    this.#reserve(n);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.length = at;
  }

  /** Appends the field line `name: value` CRLF. */
  field(name: string, value: string): void {
    const a = name.length;
    const b = value.length;
    this.#reserve(a + b + 4);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < a; i++) buf[at++] = name.charCodeAt(i);
    buf[at++] = 0x3a;
    buf[at++] = 0x20;
    for (let i = 0; i < b; i++) buf[at++] = value.charCodeAt(i);
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
    this.length = at;
  }

  /** Appends `Content-Length: n` CRLF. */
  contentLength(n: number): void {
    if (n < LENGTH_LINES.length) {
      this.text(LENGTH_LINES[n] ??= `Content-Length: ${n}\r\n`);
    } else {
      this.text(`Content-Length: ${n}\r\n`);
    }
  }

  /** Appends bytes. */
  bytes(data: Uint8Array): void {
    this.#reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** The bytes appended so far (a view, valid until the next append). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * The `Date: ...\r\n` field line (RFC 9110 section 6.6.1), formatted once a
 * second. As Node's `http` does, a timer forgets the line at the next second
 * rather than each call reading the clock (which costs more than the rest
 * of writing a small response head); `close()` clears that timer.
 */
export class DateCache {
  #line: Uint8Array | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #expire = (): void => {
    this.#line = null;
    this.#timer = undefined;
  };

  /** The field line for the current second, as bytes. */
  line(): Uint8Array {
    if (this.#line !== null) return this.#line;
    const now = Date.now();
    const line = encoder.encode(`Date: ${new Date(now).toUTCString()}\r\n`);
    if (this.#closed) return line;
    this.#line = line;
    const timer = setTimeout(this.#expire, 1000 - (now % 1000));
    Deno.unrefTimer(timer);
    this.#timer = timer;
    return this.#line;
  }

  /** Clears the timer; later calls read the clock each time. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#expire();
  }
}
