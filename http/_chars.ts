// Copyright 2026 the socketkit authors. MIT license.
// Byte classes of RFC 9110 section 5.6 (tokens, field values), as lookup
// tables, and the request-target and Host rules the decoder and the encoder
// share, so the encoder never emits what the decoder rejects.

/** 1 for a tchar (RFC 9110 5.6.2), else 0. */
export const TOKEN: Uint8Array = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) TOKEN[c] = 1;
for (const c of '"(),/:;<=>?@[\\]{}') TOKEN[c.charCodeAt(0)] = 0;

/** 1 for a byte allowed in a field value: HTAB, SP, VCHAR, obs-text (RFC 9110 5.5). */
export const FIELD_VALUE: Uint8Array = new Uint8Array(256);
FIELD_VALUE[0x09] = 1;
for (let c = 0x20; c < 0x7f; c++) FIELD_VALUE[c] = 1;
for (let c = 0x80; c < 0x100; c++) FIELD_VALUE[c] = 1;

/**
 * 1 for a byte allowed in a request-target: VCHAR but "#" (RFC 9112 3.2,
 * RFC 3986; no form of request-target has a fragment).
 */
export const TARGET: Uint8Array = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) TARGET[c] = 1;
TARGET[0x23] = 0;

/**
 * Classes of Host bytes: 1 for a reg-name byte (unreserved, sub-delims,
 * RFC 3986 3.2.2) but "." (2) and "%" (3); 4 for ":".
 */
const HOST_CLASS: Uint8Array = new Uint8Array(256);
for (
  const c
    of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~!$&'()*+,;="
) {
  HOST_CLASS[c.charCodeAt(0)] = 1;
}
HOST_CLASS[0x2e] = 2;
HOST_CLASS[0x25] = 3;
HOST_CLASS[0x3a] = 4;

/** Value of a hex digit, or -1. */
export const HEX: Int8Array = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Whether the label at b[p] starts with "xn--" (punycode). */
function isPunycode(b: Uint8Array, p: number, end: number): boolean {
  return p + 4 <= end && (b[p] | 0x20) === 0x78 && (b[p + 1] | 0x20) === 0x6e &&
    b[p + 2] === 0x2d && b[p + 3] === 0x2d;
}

/** Whether b[start, end) is a dotted-decimal IPv4address (RFC 3986 3.2.2). */
function isIPv4(b: Uint8Array, start: number, end: number): boolean {
  let parts = 0;
  let p = start;
  for (;;) {
    const from = p;
    let v = 0;
    while (p < end && p - from < 3 && isDigit(b[p])) {
      v = v * 10 + b[p] - 0x30;
      p++;
    }
    // A leading zero would be read as octal by URL parsers.
    if (p === from || v > 255 || (p - from > 1 && b[from] === 0x30)) {
      return false;
    }
    parts++;
    if (p === end) return parts === 4;
    if (b[p] !== 0x2e || parts === 4) return false;
    p++;
  }
}

/**
 * Whether b[start, end) is uri-host [":" port] (RFC 9110 7.2, RFC 3986
 * 3.2.2-3.2.3), or with `needPort` uri-host ":" port (authority-form,
 * RFC 9112 3.2.3). The port must be at most 65535. An empty value passes
 * unless a port is needed (RFC 9110 7.2 allows an empty Host). A host the
 * URL Standard would refuse (a numeric last label that is no IPv4 address,
 * a bad "xn--" label, an IPv6 literal of the wrong shape, IPvFuture) fails
 * too, so that `new URL("http://" + value)` cannot throw: anything but a
 * name whose last label starts with a letter, or a dotted-decimal IPv4
 * address, is checked with `URL.canParse()`.
 */
export function isHostPort(
  b: Uint8Array,
  start: number,
  end: number,
  needPort: boolean,
): boolean {
  if (start === end) return !needPort;
  let p = start;
  let plain = true;
  if (b[p] === 0x5b) {
    // IP-literal: "[" ( IPv6address / IPvFuture ) "]"
    p++;
    while (p < end && b[p] !== 0x5d) {
      const k = HOST_CLASS[b[p]];
      if (k !== 1 && k !== 2 && k !== 4) return false;
      p++;
    }
    if (p === end || p === start + 1) return false;
    p++;
    plain = false;
  } else {
    // reg-name or IPv4address; `last` is where the last label starts.
    let last = p;
    if (isPunycode(b, p, end)) plain = false;
    for (;;) {
      while (p < end && HOST_CLASS[b[p]] === 1) p++;
      if (p === end) break;
      const k = HOST_CLASS[b[p]];
      if (k === 2) {
        p++;
        last = p;
        if (isPunycode(b, p, end)) plain = false;
      } else if (k === 3) {
        if (p + 2 >= end || HEX[b[p + 1]] === -1 || HEX[b[p + 2]] === -1) {
          return false;
        }
        p += 3;
        plain = false;
      } else if (k === 4) {
        break;
      } else {
        return false;
      }
    }
    if (p === start) return false;
    const c = b[last] | 0x20;
    if (plain && !(c >= 0x61 && c <= 0x7a) && !isIPv4(b, start, p)) {
      plain = false;
    }
  }
  if (p < end) {
    if (b[p] !== 0x3a) return false;
    p++;
    const from = p;
    let port = 0;
    while (p < end && isDigit(b[p])) {
      port = port * 10 + b[p] - 0x30;
      if (port > 65535) return false;
      p++;
    }
    if (p !== end || (needPort && p === from)) return false;
  } else if (needPort) {
    return false;
  }
  return plain ||
    URL.canParse(`http://${latin1Slow(b, start, end)}/`);
}

/**
 * Why `target` is not a request-target form allowed for `method`
 * (RFC 9112 3.2), or `null` if it is: origin-form for any method but
 * CONNECT, authority-form only and always for CONNECT, asterisk-form only
 * for OPTIONS, and absolute-form a URI the URL Standard parses. The bytes
 * are checked against {@linkcode TARGET} separately.
 */
export function targetFormError(method: string, target: string): string | null {
  const c = target.charCodeAt(0);
  if (method === "CONNECT") {
    const b = encodeLatin1(target);
    return isHostPort(b, 0, b.length, true)
      ? null
      : "CONNECT request-target is not authority-form";
  }
  if (c === 0x2f) return null;
  if (target === "*") {
    return method === "OPTIONS"
      ? null
      : "Asterisk-form request-target outside OPTIONS";
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(target) || !URL.canParse(target)) {
    return "Invalid request-target form";
  }
  return null;
}

/** The transfer codings the decoders know (RFC 9112 7, RFC 9110 8.4.1). */
export const KNOWN_CODINGS: ReadonlySet<string> = new Set([
  "chunked",
  "gzip",
  "x-gzip",
  "deflate",
  "compress",
  "x-compress",
]);

/** Whether `s` is a non-empty token (RFC 9110 5.6.2). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] === 0) return false;
  }
  return true;
}

/**
 * Index of the first character of `s` not allowed in a field value (CR, LF,
 * NUL, other CTLs, or above U+00FF), or -1.
 */
export function invalidValueIndex(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] === 0) return i;
  }
  return -1;
}

const utf8 = new TextDecoder();

/**
 * Decodes bytes as ISO-8859-1 (each byte one UTF-16 code unit); `ascii`
 * says the caller already knows no byte in the range is above 0x7f.
 *
 * The result may run past `end` (up to 64 bytes, to the end of `bytes`):
 * subarray() costs an allocation, so when the range starts the array and
 * little follows it, the whole array is decoded. Offsets inside the range
 * stay right, since its ASCII bytes decode one to one whatever follows.
 */
export function latin1(
  bytes: Uint8Array,
  start: number,
  end: number,
  ascii: boolean,
): string {
  if (!ascii) return latin1Slow(bytes, start, end);
  return utf8.decode(
    start === 0 && bytes.length - end <= 64
      ? bytes
      : bytes.subarray(start, end),
  );
}

/** Slots in an intern table (a power of two). */
const INTERN_SLOTS = 512;
/** Strings up to this many bytes are interned. */
export const INTERN_MAX = 256;

/** The {@linkcode InternTable} hash of b[start, end) (1 to INTERN_MAX bytes). */
export function internHash(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  return Math.imul(n, 0x9e3779b1) ^ Math.imul(b[start], 0x85ebca6b) ^
    Math.imul(b[end - 1], 0xc2b2ae35) ^ Math.imul(b[start + (n >> 1)], 31);
}

/**
 * Strings of recent request heads by their bytes, one table per server.
 * Request heads repeat from one request to the next (the same Host,
 * User-Agent and Accept lines), and the runtime call that decodes bytes
 * costs several times a JavaScript comparison, under load more so. A
 * direct-mapped table of 512 entries up to 256 bytes each, hashed on the
 * length and a few bytes, holds bytes seen on two misses in a row of their
 * slot, so values that never repeat (a request ID) cost a hash and do not
 * push out ones that do. Comparisons take the same time however many bytes
 * match; callers put in only methods, field-names and values of fields
 * that carry no secrets, since a hit is faster than a miss.
 */
export class InternTable {
  // 128 KiB, made on the first string worth keeping.
  #bytes: Uint8Array | null = null;
  #lengths = new Int32Array(INTERN_SLOTS).fill(-1);
  #strings: string[] = new Array(INTERN_SLOTS).fill("");
  /** The hash of the last miss per slot (NaN: none): a second miss admits the bytes. */
  #misses = new Float64Array(INTERN_SLOTS).fill(NaN);

  /** The string held for exactly the bytes b[start, end), or null. */
  get(hash: number, b: Uint8Array, start: number, end: number): string | null {
    const slot = hash & (INTERN_SLOTS - 1);
    const n = end - start;
    if (this.#lengths[slot] !== n) return null;
    const bytes = this.#bytes!;
    const at = slot * INTERN_MAX;
    let diff = 0;
    for (let i = 0; i < n; i++) diff |= bytes[at + i] ^ b[start + i];
    return diff === 0 ? this.#strings[slot] : null;
  }

  /**
   * Records b[start, end), not looked up (its head was already decoded), as
   * a miss, unless its slot holds bytes of the same length (likely these).
   */
  offer(hash: number, b: Uint8Array, start: number, end: number): void {
    if (this.#lengths[hash & (INTERN_SLOTS - 1)] === end - start) return;
    this.miss(hash, b, start, end);
  }

  /**
   * Records a miss of b[start, end): keeps its bytes and string if its
   * slot's last miss had the same hash. The string is made from the bytes,
   * not cut from a larger one, so that it keeps nothing else alive (a
   * slice would keep the whole head, credentials included).
   */
  miss(hash: number, b: Uint8Array, start: number, end: number): void {
    const slot = hash & (INTERN_SLOTS - 1);
    if (this.#misses[slot] !== hash) {
      this.#misses[slot] = hash;
      return;
    }
    this.#misses[slot] = NaN;
    const n = end - start;
    const bytes = this.#bytes ??= new Uint8Array(INTERN_SLOTS * INTERN_MAX);
    const at = slot * INTERN_MAX;
    for (let i = 0; i < n; i++) bytes[at + i] = b[start + i];
    this.#lengths[slot] = n;
    this.#strings[slot] = String.fromCharCode.apply(
      null,
      b.subarray(start, end) as unknown as number[],
    );
  }
}

/** Decodes bytes as ISO-8859-1 without the ASCII fast path. */
export function latin1Slow(
  bytes: Uint8Array,
  start: number,
  end: number,
): string {
  let s = "";
  for (let i = start; i < end; i += 4096) {
    const part = bytes.subarray(i, Math.min(end, i + 4096));
    s += String.fromCharCode.apply(null, part as unknown as number[]);
  }
  return s;
}

const utf8Encoder = new TextEncoder();

/** Encodes a string of code units up to U+00FF as ISO-8859-1 bytes. */
export function encodeLatin1(s: string): Uint8Array {
  // deno-lint-ignore no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return utf8Encoder.encode(s);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Size of the shared buffer short strings are encoded into, in bytes. */
const POOL_SIZE = 64 * 1024;
/** Strings up to this many UTF-16 code units are encoded into the pool. */
const POOLED_MAX = 4 * 1024;
let pool = new Uint8Array(POOL_SIZE);
let poolUsed = 0;

/**
 * Encodes `s` as UTF-8. Short strings get a view of a shared 64 KiB buffer,
 * as Node's `Buffer.from` does with its pool: a new `Uint8Array` costs a
 * backing-store allocation (several hundred nanoseconds in V8, more than
 * encoding a short body), a view of an existing one does not. The view's
 * `buffer` is therefore the shared one; its bytes belong to the caller.
 */
export function encodeUTF8(s: string): Uint8Array {
  const n = s.length;
  if (n > POOLED_MAX) return utf8Encoder.encode(s);
  // A caller may have transferred the shared buffer (its length is then 0).
  if (POOL_SIZE - poolUsed < 3 * n || pool.length === 0) {
    pool = new Uint8Array(POOL_SIZE);
    poolUsed = 0;
  }
  const start = poolUsed;
  const buf = pool;
  // ASCII, the common case, without the runtime call encodeInto makes.
  let i = 0;
  if (n <= 512) {
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      buf[start + i] = c;
    }
  }
  const written = i === n
    ? n
    : utf8Encoder.encodeInto(s, buf.subarray(start)).written;
  // Keep views 8-byte aligned, so a caller's DataView or wider typed array
  // over its own bytes stays aligned.
  poolUsed = (start + written + 7) & ~7;
  return pool.subarray(start, start + written);
}

/** An empty body, shared (a zero-length array cannot be written to). */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** Joins `chunks` (holding `length` bytes in all) into one array; no copy for one chunk. */
export function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 0) return EMPTY;
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
