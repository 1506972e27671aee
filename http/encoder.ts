// Copyright 2026 the socketkit authors. MIT license.

import {
  encodeLatin1,
  FIELD_VALUE,
  isHostPort,
  isToken,
  KNOWN_CODINGS,
  TARGET,
  targetFormError,
} from "./_chars.ts";
import { fieldNames, fieldValues, type HTTPHeaders } from "./headers.ts";
import type { HTTPRequest, HTTPResponse } from "./message.ts";

/**
 * Options for {@linkcode encodeRequestHead} and {@linkcode encodeResponseHead}.
 *
 * @example Send a response body in chunks
 * ```ts
 * import {
 *   encodeChunk,
 *   type EncodeHeadOptions,
 *   encodeLastChunk,
 *   encodeResponseHead,
 *   HTTPResponse,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const options: EncodeHeadOptions = { chunked: true, method: "GET" };
 * const text = new TextEncoder();
 * const parts = [
 *   encodeResponseHead(new HTTPResponse(), options),
 *   encodeChunk(text.encode("hello ")),
 *   encodeChunk(text.encode("world")),
 *   encodeLastChunk(),
 * ];
 * assert.equal(
 *   parts.map((part) => new TextDecoder().decode(part)).join(""),
 *   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
 *     "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
 * );
 * ```
 */
export interface EncodeHeadOptions {
  /**
   * Frame the content as chunked (RFC 9112 section 7.1): write
   * `Transfer-Encoding: chunked` instead of `Content-Length`, then send the
   * body with {@linkcode encodeChunk} and {@linkcode encodeLastChunk}.
   *
   * @default {false}
   */
  chunked?: boolean;
  /**
   * For a response, the method of the request it answers: a response to
   * HEAD carries the framing fields but never content.
   *
   * @default {"GET"}
   */
  method?: string;
}

/**
 * Options for {@linkcode encodeResponse}.
 *
 * @example Answer a HEAD request
 * ```ts
 * import {
 *   encodeResponse,
 *   type EncodeResponseOptions,
 *   HTTPResponse,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const options: EncodeResponseOptions = { method: "HEAD" };
 * const bytes = encodeResponse(HTTPResponse.text("hello"), options);
 * assert.equal(
 *   new TextDecoder().decode(bytes),
 *   "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n" +
 *     "Content-Length: 5\r\n\r\n",
 * );
 * ```
 */
export interface EncodeResponseOptions {
  /**
   * The method of the request the response answers: a response to HEAD
   * gets the `Content-Length` of its body but not the body.
   *
   * @default {"GET"}
   */
  method?: string;
}

const encoder = new TextEncoder();

function isVersion(v: string): boolean {
  return v === "HTTP/1.1" || v === "HTTP/1.0";
}

function isTarget(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TARGET[c] === 0) return false;
  }
  return true;
}

function isReason(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] === 0) return false;
  }
  return true;
}

/** Turns a latin1 string into bytes, leaving `extra` bytes after it. */
function toBytes(s: string, extra: number): Uint8Array {
  const out = new Uint8Array(s.length + extra);
  // deno-lint-ignore no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) {
    encoder.encodeInto(s, out);
  } else {
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  }
  return out;
}

function isFraming(name: string): boolean {
  const n = name.length;
  if (n !== 14 && n !== 17) return false;
  const lower = name.toLowerCase();
  return lower === "content-length" || lower === "transfer-encoding";
}

/**
 * The field lines, without the framing ones when `dropFraming` (but with
 * Transfer-Encoding when `keepCodings`).
 */
function fieldLines(
  headers: HTTPHeaders,
  dropFraming: boolean,
  keepCodings = false,
): string {
  const names = fieldNames(headers);
  const values = fieldValues(headers);
  let s = "";
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (
      dropFraming && isFraming(name) && !(keepCodings && name.length === 17)
    ) {
      continue;
    }
    s += `${name}: ${values[i]}\r\n`;
  }
  return s;
}

/**
 * The transfer codings the Transfer-Encoding lines list, lowercased, or
 * `null` without any; checked as the decoder checks them (RFC 9112 6.1, 7):
 * known codings, chunked only last, and last in a request.
 */
function transferCodings(
  headers: HTTPHeaders,
  request: boolean,
): string[] | null {
  const values = headers.getAll("transfer-encoding");
  if (values.length === 0) return null;
  const value = values.join(", ");
  const codings: string[] = [];
  for (const element of value.split(",")) {
    // Empty list elements are allowed (RFC 9110 5.6.1); parameters ignored.
    const coding = element.split(";")[0].trim().toLowerCase();
    if (coding === "" && !element.includes(";")) continue;
    if (!isToken(coding)) {
      throw new TypeError(
        `Invalid Transfer-Encoding: ${JSON.stringify(value)}`,
      );
    }
    if (!KNOWN_CODINGS.has(coding)) {
      throw new TypeError(`Unsupported transfer coding: ${coding}`);
    }
    codings.push(coding);
  }
  if (codings.length === 0) {
    throw new TypeError(`Invalid Transfer-Encoding: ${JSON.stringify(value)}`);
  }
  const chunked = codings.indexOf("chunked");
  if (chunked !== -1 && chunked !== codings.length - 1) {
    throw new TypeError(
      `Transfer-Encoding applies chunked before another coding: ${
        JSON.stringify(value)
      }`,
    );
  }
  if (request && chunked === -1) {
    throw new TypeError(
      `Transfer-Encoding of a request does not end with chunked: ${
        JSON.stringify(value)
      }`,
    );
  }
  return codings;
}

/**
 * The caller's framing fields, kept as they are: checked so the decoder
 * will accept them (RFC 9112 6.1-6.3).
 */
function keptFraming(
  headers: HTTPHeaders,
  version: string,
  request: boolean,
): string {
  const lengths = headers.getAll("content-length");
  const te = transferCodings(headers, request) !== null;
  if (te && lengths.length > 0) {
    throw new TypeError("Transfer-Encoding and Content-Length in one message");
  }
  if (te && version === "HTTP/1.0") {
    throw new TypeError("Cannot use Transfer-Encoding in HTTP/1.0");
  }
  for (const value of lengths) {
    // Leading zeros are fine; the value must be exact as a number.
    if (
      !/^[0-9]+$/.test(value) || Number(value) > Number.MAX_SAFE_INTEGER ||
      Number(value) !== Number(lengths[0])
    ) {
      throw new TypeError(`Invalid Content-Length: ${JSON.stringify(value)}`);
    }
  }
  return fieldLines(headers, false);
}

/** Whether the caller's fields frame content (for HEAD and 304). */
function hasContent(headers: HTTPHeaders): boolean {
  return headers.has("content-length") || headers.has("transfer-encoding");
}

/**
 * Fields a trailer section must not carry, which {@linkcode encodeLastChunk}
 * drops: framing (RFC 9112 6, 7.1.2), routing (Host) and connection
 * control (RFC 9110 6.5.1, 7.6).
 */
const NOT_IN_TRAILERS = new Set([
  "content-length",
  "transfer-encoding",
  "trailer",
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "upgrade",
]);

function trailerLines(trailers: HTTPHeaders): string {
  const names = fieldNames(trailers);
  const values = fieldValues(trailers);
  let s = "";
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (NOT_IN_TRAILERS.has(name.toLowerCase())) continue;
    s += `${name}: ${values[i]}\r\n`;
  }
  return s;
}

function requestHead(
  request: HTTPRequest,
  chunked: boolean,
): string {
  const { method, target, version, headers, body } = request;
  if (!isToken(method)) {
    throw new TypeError(`Invalid method: ${JSON.stringify(method)}`);
  }
  if (!isTarget(target)) {
    throw new TypeError(`Invalid request-target: ${JSON.stringify(target)}`);
  }
  const form = targetFormError(method, target);
  if (form !== null) throw new TypeError(`${form}: ${JSON.stringify(target)}`);
  if (!isVersion(version)) {
    throw new TypeError(`Invalid HTTP-version: ${JSON.stringify(version)}`);
  }
  const hosts = headers.getAll("host");
  if (hosts.length > 1) throw new TypeError("More than one Host field");
  if (hosts.length === 0) {
    if (version === "HTTP/1.1") {
      throw new TypeError("Missing Host field in HTTP/1.1 request");
    }
  } else if (!isHostPort(encodeLatin1(hosts[0]), 0, hosts[0].length, false)) {
    throw new TypeError(`Invalid Host field: ${JSON.stringify(hosts[0])}`);
  }
  let s = `${method} ${target} ${version}\r\n`;
  if (chunked) {
    if (version === "HTTP/1.0") {
      throw new TypeError("Cannot use chunked framing in HTTP/1.0");
    }
    // The caller's Transfer-Encoding, ending in chunked, is kept.
    if (transferCodings(headers, true) !== null) {
      s += fieldLines(headers, true, true);
    } else {
      s += fieldLines(headers, true);
      s += "Transfer-Encoding: chunked\r\n";
    }
  } else if (body instanceof Uint8Array) {
    const codings = transferCodings(headers, true);
    if (codings !== null && codings.length > 1) {
      throw new TypeError(
        `Cannot apply Transfer-Encoding ${
          JSON.stringify(headers.get("transfer-encoding"))
        } to a body framed by Content-Length`,
      );
    }
    s += fieldLines(headers, true);
    if (
      body.length > 0 || method === "POST" || method === "PUT" ||
      method === "PATCH"
    ) {
      s += `Content-Length: ${body.length}\r\n`;
    }
  } else {
    s += keptFraming(headers, version, true);
  }
  return s + "\r\n";
}

function noContent(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

function responseHead(
  response: HTTPResponse,
  chunked: boolean,
  method: string,
): string {
  const { status, reason, version, headers, body } = response;
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`Status ${status} is not an integer from 100 to 999`);
  }
  if (!isReason(reason)) {
    throw new TypeError(`Invalid reason-phrase: ${JSON.stringify(reason)}`);
  }
  if (!isVersion(version)) {
    throw new TypeError(`Invalid HTTP-version: ${JSON.stringify(version)}`);
  }
  let s = `${version} ${status} ${reason}\r\n`;
  if (status < 200 || status === 204) {
    // RFC 9110 8.6, RFC 9112 6.1: no framing fields.
    s += fieldLines(headers, true);
  } else if (chunked) {
    if (version === "HTTP/1.0") {
      throw new TypeError("Cannot use chunked framing in HTTP/1.0");
    }
    s += fieldLines(headers, true);
    if (status !== 304) s += "Transfer-Encoding: chunked\r\n";
  } else if (body instanceof Uint8Array) {
    const keep = body.length === 0 && hasContent(headers) &&
      (method === "HEAD" || status === 304);
    if (keep) {
      s += keptFraming(headers, version, false);
    } else {
      s += fieldLines(headers, true);
      if (status !== 304) s += `Content-Length: ${body.length}\r\n`;
    }
  } else {
    s += keptFraming(headers, version, false);
  }
  return s + "\r\n";
}

function hasTrailers(trailers: HTTPHeaders | null): boolean {
  return trailers !== null && trailers.size > 0;
}

function bodyOf(message: HTTPRequest | HTTPResponse): Uint8Array {
  if (!(message.body instanceof Uint8Array)) {
    throw new TypeError(
      "Cannot encode a streamed body at once: use the head and chunk encoders",
    );
  }
  return message.body;
}

/**
 * Encodes a whole request with a known body (RFC 9112 sections 3, 6, 7):
 * `Content-Length` is set from the body (and sent for POST, PUT and PATCH
 * even when empty), replacing any `Content-Length` in `request.headers` and
 * a `Transfer-Encoding: chunked`; a `Transfer-Encoding` with another coding
 * cannot be applied to a body framed by length and is a `TypeError`. With
 * trailers, the body is sent chunked instead, under the caller's
 * `Transfer-Encoding` if it has one that ends in chunked.
 *
 * The request-line and `Host` are checked by the decoder's rules, so what
 * this returns decodes: the request-target form must suit the method
 * (RFC 9112 3.2: authority-form for CONNECT and only there, asterisk-form
 * only for OPTIONS, no fragment), and `Host` must be uri-host [":" port]
 * (RFC 9110 7.2).
 *
 * @param request The request; its `body` must be a `Uint8Array`.
 * @returns The bytes to send.
 * @throws {TypeError} If the method is not a token, the request-target has
 * whitespace, control characters or "#" or a form the method does not
 * allow, Host is missing in HTTP/1.1, repeated or invalid, the
 * Transfer-Encoding is invalid or names a coding other than chunked, or
 * the body is a stream.
 *
 * @example Encode a POST
 * ```ts
 * import { encodeRequest, HTTPRequest } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeRequest(new HTTPRequest({
 *   method: "POST",
 *   target: "/form",
 *   headers: { Host: "example.com" },
 *   body: "a=1",
 * }));
 * assert.equal(
 *   new TextDecoder().decode(bytes),
 *   "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\na=1",
 * );
 * ```
 */
export function encodeRequest(request: HTTPRequest): Uint8Array {
  const body = bodyOf(request);
  if (hasTrailers(request.trailers) && request.version === "HTTP/1.1") {
    return chunkedMessage(requestHead(request, true), body, request.trailers);
  }
  const head = requestHead(request, false);
  const out = toBytes(head, body.length);
  out.set(body, out.length - body.length);
  return out;
}

function chunkedMessage(
  head: string,
  body: Uint8Array,
  trailers: HTTPHeaders | null,
): Uint8Array {
  const parts = [
    toBytes(head, 0),
    encodeChunk(body),
    encodeLastChunk(trailers),
  ];
  const out = new Uint8Array(
    parts[0].length + parts[1].length + parts[2].length,
  );
  out.set(parts[0]);
  out.set(parts[1], parts[0].length);
  out.set(parts[2], parts[0].length + parts[1].length);
  return out;
}

/**
 * Encodes a whole response with a known body (RFC 9112 sections 4, 6, 7):
 * `Content-Length` is set from the body; a response to HEAD gets the
 * framing fields but no content, and 1xx, 204 and 304 responses get
 * neither (a 304 or HEAD response keeps the `Content-Length` or
 * `Transfer-Encoding` the caller set when the body is empty, and then gets
 * no `Content-Length: 0`). With trailers, an HTTP/1.1 body is sent chunked.
 *
 * @param response The response; its `body` must be a `Uint8Array`.
 * @param options The method of the request it answers.
 * @returns The bytes to send.
 * @throws {TypeError} If the reason-phrase has CR or LF, the version is
 * unknown, the framing fields kept for HEAD or 304 are invalid, or the body
 * is a stream.
 * @throws {RangeError} If the status is not from 100 to 999.
 *
 * @example Encode a response
 * ```ts
 * import { encodeResponse, HTTPResponse } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeResponse(HTTPResponse.text("hi"));
 * assert.equal(
 *   new TextDecoder().decode(bytes),
 *   "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n" +
 *     "Content-Length: 2\r\n\r\nhi",
 * );
 * ```
 */
export function encodeResponse(
  response: HTTPResponse,
  options?: EncodeResponseOptions,
): Uint8Array {
  const method = options?.method ?? "GET";
  const body = bodyOf(response);
  const bodyless = method === "HEAD" || noContent(response.status);
  if (
    !bodyless && hasTrailers(response.trailers) &&
    response.version === "HTTP/1.1"
  ) {
    return chunkedMessage(
      responseHead(response, true, method),
      body,
      response.trailers,
    );
  }
  const head = responseHead(response, false, method);
  if (bodyless) return toBytes(head, 0);
  const out = toBytes(head, body.length);
  out.set(body, out.length - body.length);
  return out;
}

/**
 * Encodes the request-line and header section only, for a body sent after
 * it: chunked (`options.chunked`; a caller's `Transfer-Encoding` ending in
 * chunked, such as `gzip, chunked`, is kept, otherwise
 * `Transfer-Encoding: chunked` is added), or with a `Content-Length`
 * computed from a `Uint8Array` body (as {@linkcode encodeRequest}), or for
 * a stream body as the headers say. A request's `Transfer-Encoding` must
 * end in chunked (RFC 9112 6.1). The request-line and `Host` are checked
 * as by {@linkcode encodeRequest}.
 *
 * @param request The request.
 * @param options Whether to frame the content as chunked.
 * @returns The bytes of the head, ending with the empty line.
 * @throws {TypeError} If the method, request-target, its form or version
 * is invalid, Host is missing in HTTP/1.1, repeated or invalid, the
 * framing fields are invalid (a Transfer-Encoding that does not end in
 * chunked or has an unknown coding, with Content-Length, or one the body
 * cannot carry), or chunked is asked of HTTP/1.0.
 *
 * @example Start a chunked upload
 * ```ts
 * import {
 *   encodeChunk,
 *   encodeLastChunk,
 *   encodeRequestHead,
 *   HTTPRequest,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const request = new HTTPRequest({
 *   method: "PUT",
 *   target: "/upload",
 *   headers: { Host: "a" },
 * });
 * const text = new TextDecoder();
 * assert.equal(
 *   text.decode(encodeRequestHead(request, { chunked: true })),
 *   "PUT /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
 * );
 * assert.equal(text.decode(encodeChunk(new Uint8Array(3))), "3\r\n\0\0\0\r\n");
 * assert.equal(text.decode(encodeLastChunk()), "0\r\n\r\n");
 * ```
 */
export function encodeRequestHead(
  request: HTTPRequest,
  options?: EncodeHeadOptions,
): Uint8Array {
  return toBytes(requestHead(request, options?.chunked ?? false), 0);
}

/**
 * Encodes the status-line and header section only, for a body sent after
 * it: chunked (`options.chunked`), or with a `Content-Length` computed from
 * a `Uint8Array` body, or for a stream body as the headers say (without
 * `Content-Length` the body is delimited by closing the connection).
 *
 * @param response The response.
 * @param options Chunked framing, and the method of the request it answers.
 * @returns The bytes of the head, ending with the empty line.
 * @throws {TypeError} If the reason-phrase or version is invalid, the
 * framing fields it keeps are invalid (differing or unsafe Content-Length,
 * with Transfer-Encoding, an unknown transfer coding, chunked not last), or
 * chunked is asked of HTTP/1.0.
 * @throws {RangeError} If the status is not from 100 to 999.
 *
 * @example Start a chunked response
 * ```ts
 * import { encodeResponseHead, HTTPResponse } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const head = encodeResponseHead(new HTTPResponse(), { chunked: true });
 * assert.equal(
 *   new TextDecoder().decode(head),
 *   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
 * );
 * ```
 */
export function encodeResponseHead(
  response: HTTPResponse,
  options?: EncodeHeadOptions,
): Uint8Array {
  return toBytes(
    responseHead(
      response,
      options?.chunked ?? false,
      options?.method ?? "GET",
    ),
    0,
  );
}

/**
 * Encodes one chunk of a chunked body (RFC 9112 section 7.1): the size in
 * hex, CRLF, the data, CRLF. An empty `data` gives empty bytes, since a
 * zero-size chunk would end the body (use {@linkcode encodeLastChunk}).
 *
 * @param data The chunk-data.
 * @returns The bytes to send.
 *
 * @example Encode a chunk
 * ```ts
 * import { encodeChunk } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeChunk(new TextEncoder().encode("hello, world"));
 * assert.equal(new TextDecoder().decode(bytes), "c\r\nhello, world\r\n");
 * ```
 */
export function encodeChunk(data: Uint8Array): Uint8Array {
  if (data.length === 0) return new Uint8Array(0);
  const size = `${data.length.toString(16)}\r\n`;
  const out = toBytes(size, data.length + 2);
  out.set(data, size.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

/**
 * Encodes the last chunk and the trailer section that end a chunked body
 * (RFC 9112 section 7.1.2): `0` CRLF, the trailer field lines, CRLF.
 * Fields that cannot be trailers are left out (RFC 9110 6.5.1): framing
 * (`Content-Length`, `Transfer-Encoding`, `Trailer`), routing (`Host`) and
 * connection control (`Connection`, `Keep-Alive`, `Proxy-Connection`,
 * `TE`, `Upgrade`).
 *
 * @param trailers The trailer fields, if any.
 * @returns The bytes to send.
 *
 * @example End a chunked body with a trailer field
 * ```ts
 * import { encodeLastChunk, HTTPHeaders } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeLastChunk(new HTTPHeaders({ "Server-Timing": "db;dur=5" }));
 * assert.equal(
 *   new TextDecoder().decode(bytes),
 *   "0\r\nServer-Timing: db;dur=5\r\n\r\n",
 * );
 * ```
 */
export function encodeLastChunk(trailers?: HTTPHeaders | null): Uint8Array {
  const lines = trailers ? trailerLines(trailers) : "";
  return toBytes(`0\r\n${lines}\r\n`, 0);
}
