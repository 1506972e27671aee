// Copyright 2026 the socketkit authors. MIT license.
// Byte classes of RFC 9110 section 5.6 (tokens, field values), as lookup tables.

/** 1 for a tchar (RFC 9110 5.6.2), else 0. */
export const TOKEN: Uint8Array = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) TOKEN[c] = 1;
for (const c of '"(),/:;<=>?@[\\]{}') TOKEN[c.charCodeAt(0)] = 0;

/** 1 for a byte allowed in a field value: HTAB, SP, VCHAR, obs-text (RFC 9110 5.5). */
export const FIELD_VALUE: Uint8Array = new Uint8Array(256);
FIELD_VALUE[0x09] = 1;
for (let c = 0x20; c < 0x7f; c++) FIELD_VALUE[c] = 1;
for (let c = 0x80; c < 0x100; c++) FIELD_VALUE[c] = 1;

/** 1 for a byte allowed in a request-target: VCHAR (RFC 9112 3.2, RFC 3986). */
export const TARGET: Uint8Array = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) TARGET[c] = 1;

/**
 * 1 for a byte allowed in a Host field value: reg-name, IP-literal and port
 * characters (RFC 3986 3.2.2).
 */
export const HOST: Uint8Array = new Uint8Array(256);
for (
  const c
    of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%:[]"
) {
  HOST[c.charCodeAt(0)] = 1;
}

/** Value of a hex digit, or -1. */
export const HEX: Int8Array = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

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

/** An empty body, shared (a zero-length array cannot be written to). */
export const EMPTY: Uint8Array = new Uint8Array(0);
