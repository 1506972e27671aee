// Copyright 2026 the socketkit authors. MIT license.

import { HTTPHeaders, type HTTPHeadersInit, sharedHeaders } from "./headers.ts";
import { STATUS_TEXT } from "./status.ts";
import { concat, EMPTY, encodeUTF8 } from "./_chars.ts";
import { describeValue } from "../_errors.ts";

/**
 * The HTTP versions the codec speaks (RFC 9112 section 2.3).
 *
 * @example Answer in the client's version
 * ```ts
 * import {
 *   decodeRequest,
 *   encodeResponse,
 *   HTTPResponse,
 *   type HTTPVersion,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const request = decodeRequest(
 *   new TextEncoder().encode("GET / HTTP/1.0\r\nHost: a\r\n\r\n"),
 * );
 * const version: HTTPVersion = request.version;
 * assert.equal(version, "HTTP/1.0");
 * const bytes = encodeResponse(new HTTPResponse({ version, body: "hi" }));
 * assert(new TextDecoder().decode(bytes).startsWith("HTTP/1.0 200 OK\r\n"));
 * ```
 */
export type HTTPVersion = "HTTP/1.1" | "HTTP/1.0";

/**
 * A message body: the bytes when known or collected, or a stream of chunks
 * when streamed.
 *
 * @example Measure a body in either form
 * ```ts
 * import { type HTTPBody, HTTPResponse } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * async function size(body: HTTPBody): Promise<number> {
 *   if (body instanceof Uint8Array) return body.length;
 *   let n = 0;
 *   for await (const chunk of body) n += chunk.length;
 *   return n;
 * }
 *
 * assert.equal(await size(HTTPResponse.text("hello").body), 5);
 * const streamed = new HTTPResponse({
 *   body: ReadableStream.from([new Uint8Array(3), new Uint8Array(4)]),
 * });
 * assert.equal(await size(streamed.body), 7);
 * ```
 */
export type HTTPBody = Uint8Array | ReadableStream<Uint8Array>;

/**
 * What a message body can be built from: bytes, a stream, a string (encoded
 * as UTF-8), an async iterable of chunks, or `null` for no content.
 *
 * @example Bodies from text, bytes and a generator
 * ```ts
 * import { type HTTPBodyInit, HTTPResponse } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const encoder = new TextEncoder();
 * async function* lines() {
 *   yield encoder.encode("a\n");
 *   yield encoder.encode("b\n");
 * }
 *
 * const bodies: HTTPBodyInit[] = [
 *   "text",
 *   encoder.encode("bytes"),
 *   lines(),
 *   null,
 * ];
 * const texts = [];
 * for (const body of bodies) texts.push(await new HTTPResponse({ body }).text());
 * assert.deepEqual(texts, ["text", "bytes", "a\nb\n", ""]);
 * ```
 */
export type HTTPBodyInit =
  | HTTPBody
  | string
  | AsyncIterable<Uint8Array>
  | null;

/**
 * Options for {@linkcode HTTPRequest}.
 *
 * @example An upload with a trailer field
 * ```ts
 * import {
 *   encodeRequest,
 *   HTTPHeaders,
 *   HTTPRequest,
 *   type HTTPRequestInit,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const init: HTTPRequestInit = {
 *   method: "PUT",
 *   target: "/files/report.txt",
 *   headers: { Host: "example.com", "Content-Type": "text/plain" },
 *   body: "data",
 *   trailers: new HTTPHeaders({ "Content-MD5": "jWx0E9sPTRUbYbnmeBNkHQ==" }),
 * };
 * assert.equal(
 *   new TextDecoder().decode(encodeRequest(new HTTPRequest(init))),
 *   "PUT /files/report.txt HTTP/1.1\r\nHost: example.com\r\n" +
 *     "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
 *     "4\r\ndata\r\n0\r\nContent-MD5: jWx0E9sPTRUbYbnmeBNkHQ==\r\n\r\n",
 * );
 * ```
 */
export interface HTTPRequestInit {
  /**
   * The method (a token, RFC 9110 section 9).
   *
   * @default {"GET"}
   */
  method?: string;
  /**
   * The request-target exactly as sent (RFC 9112 section 3.2): origin-form
   * (`/path?q`), absolute-form, authority-form (`host:port`, for CONNECT) or
   * `*` (for OPTIONS).
   *
   * @default {"/"}
   */
  target?: string;
  /**
   * The HTTP version.
   *
   * @default {"HTTP/1.1"}
   */
  version?: HTTPVersion;
  /**
   * The header section.
   *
   * @default {new HTTPHeaders()}
   */
  headers?: HTTPHeadersInit;
  /**
   * The content.
   *
   * @default {null}
   */
  body?: HTTPBodyInit;
  /**
   * The trailer section (RFC 9110 section 6.5), sent after a chunked body.
   *
   * @default {null}
   */
  trailers?: HTTPHeaders | null;
}

/**
 * Options for {@linkcode HTTPResponse}.
 *
 * @example A 201 with a Location
 * ```ts
 * import {
 *   encodeResponse,
 *   HTTPResponse,
 *   type HTTPResponseInit,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const init: HTTPResponseInit = {
 *   status: 201,
 *   headers: { Location: "/items/7" },
 *   body: '{"id":7}',
 * };
 * const response = new HTTPResponse(init);
 * assert.equal(response.reason, "Created");
 * assert.equal(
 *   new TextDecoder().decode(encodeResponse(response)),
 *   "HTTP/1.1 201 Created\r\nLocation: /items/7\r\nContent-Length: 8\r\n\r\n" +
 *     '{"id":7}',
 * );
 * ```
 */
export interface HTTPResponseInit {
  /**
   * The status code, 100 to 999 (RFC 9110 section 15).
   *
   * @default {200}
   */
  status?: number;
  /**
   * The reason-phrase (RFC 9112 section 4).
   *
   * @default {STATUS_TEXT[status] or ""}
   */
  reason?: string;
  /**
   * The HTTP version.
   *
   * @default {"HTTP/1.1"}
   */
  version?: HTTPVersion;
  /**
   * The header section.
   *
   * @default {new HTTPHeaders()}
   */
  headers?: HTTPHeadersInit;
  /**
   * The content.
   *
   * @default {null}
   */
  body?: HTTPBodyInit;
  /**
   * The trailer section (RFC 9110 section 6.5), sent after a chunked body.
   *
   * @default {null}
   */
  trailers?: HTTPHeaders | null;
}

const decoder = new TextDecoder();

function toBody(init: HTTPBodyInit | undefined): HTTPBody {
  if (init === undefined || init === null) return EMPTY;
  if (typeof init === "string") return encodeUTF8(init);
  if (init instanceof Uint8Array || init instanceof ReadableStream) return init;
  if (typeof init === "object" && Symbol.asyncIterator in init) {
    return ReadableStream.from(init);
  }
  throw new TypeError(
    `Body must be a Uint8Array, string, stream, async iterable or null, got ${
      describeValue(init)
    }`,
  );
}

async function collect(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    length += chunk.length;
  }
  return concat(chunks, length);
}

function toHeaders(init: HTTPHeadersInit | undefined): HTTPHeaders {
  if (init instanceof HTTPHeaders) return init;
  return new HTTPHeaders(init);
}

/**
 * An HTTP/1.1 request message (RFC 9112 section 3): the request-line, the
 * header section, the content and the trailer section.
 *
 * The decoder builds these with `body` empty and streams the content as
 * events, or collects it ({@linkcode decodeRequest}). A client builds one to
 * encode or send.
 *
 * @example Build a request and read its URL
 * ```ts
 * import { HTTPRequest } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const request = new HTTPRequest({
 *   method: "POST",
 *   target: "/items?page=2",
 *   headers: { Host: "example.com:8080" },
 *   body: '{"name":"cup"}',
 * });
 * assert.equal(request.url.href, "http://example.com:8080/items?page=2");
 * assert.deepEqual(await request.json(), { name: "cup" });
 * ```
 */
export class HTTPRequest {
  /** The method, case-sensitive (RFC 9110 section 9.1). */
  method: string;
  /** The request-target exactly as received or to be sent (RFC 9112 3.2). */
  target: string;
  /** The HTTP version. */
  version: HTTPVersion;
  /** The header section. */
  headers: HTTPHeaders;
  /**
   * The content: bytes when known or collected, a stream when streamed. A
   * string given as the body (up to 4096 code units) is encoded into a view
   * of a shared 64 KiB buffer, as Node's `Buffer.from` does with its pool:
   * the view's bytes are its own, but its `buffer` is not, so copy it with
   * `slice()` before transferring that buffer or viewing all of it. The
   * same holds for content the server collected: it is a view of the
   * connection's read buffer, whose other bytes are the request's head and
   * other requests (hash or hand on the view itself, not its `buffer`).
   */
  body: HTTPBody;
  /** The trailer section, or `null` if there is none. */
  trailers: HTTPHeaders | null;

  /**
   * Creates a request; by default `GET / HTTP/1.1` with no fields and no
   * content.
   *
   * @param init The parts of the request.
   * @throws {TypeError} If a header name or value is invalid, or the body is
   * not one of the accepted types.
   */
  constructor(init?: HTTPRequestInit) {
    this.method = init?.method ?? "GET";
    this.target = init?.target ?? "/";
    this.version = init?.version ?? "HTTP/1.1";
    this.headers = toHeaders(init?.headers);
    this.body = toBody(init?.body);
    this.trailers = init?.trailers ?? null;
  }

  /**
   * The target URI reconstructed from the request-target and `Host`
   * (RFC 9112 section 3.3), with the `http:` scheme; `localhost` stands in
   * for a missing `Host`. The decoders and encoders check the
   * request-target and `Host` so that this does not throw for a request
   * they accept.
   *
   * @throws {TypeError} If the target and `Host` do not form a valid URL
   * (only for a request built by hand and never encoded or decoded).
   */
  get url(): URL {
    const target = this.target;
    const host = this.headers.get("host") || "localhost";
    if (target.charCodeAt(0) === 0x2f) {
      return new URL(`http://${host}${target}`);
    }
    if (target === "*") return new URL(`http://${host}`);
    if (
      this.method === "CONNECT" || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(target)
    ) {
      return new URL(`http://${target}`);
    }
    return new URL(target);
  }

  /**
   * Returns the content as bytes, reading a streamed body to its end (and
   * keeping the result as `body`).
   *
   * @returns The content.
   * @throws {TypeError} When the body stream is locked or already read.
   * @throws {HTTPParseError} When a streamed request's content is malformed
   *   or cut short by the client closing (status 400), or over the server's
   *   `maxBodyBytes` (status 413).
   * @throws {Deno.errors.ConnectionReset} Or another `Deno.errors` class,
   *   when the connection fails before the content ends; the message names
   *   the client's address and the request.
   * @throws {Deno.errors.TimedOut} When the server's `requestTimeout` passes
   *   while the content is awaited (the server then answers 408 itself).
   */
  async bytes(): Promise<Uint8Array> {
    if (this.body instanceof Uint8Array) return this.body;
    this.body = await collect(this.body);
    return this.body;
  }

  /**
   * Returns the content decoded as UTF-8.
   *
   * @returns The text.
   * @throws {Error} Whatever {@linkcode bytes} throws, when reading the content fails.
   */
  async text(): Promise<string> {
    return decoder.decode(await this.bytes());
  }

  /**
   * Returns the content parsed as JSON.
   *
   * @returns The parsed value.
   * @throws {SyntaxError} If the content is not JSON.
   * @throws {Error} Whatever {@linkcode bytes} throws, when reading the content fails.
   */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/**
 * An HTTP/1.1 response message (RFC 9112 section 4): the status-line, the
 * header section, the content and the trailer section.
 *
 * @example Build responses
 * ```ts
 * import { HTTPResponse } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const ok = HTTPResponse.json({ ok: true });
 * assert.equal(ok.status, 200);
 * assert.equal(ok.reason, "OK");
 * assert.equal(ok.headers.get("content-type"), "application/json");
 * assert.equal(await ok.text(), '{"ok":true}');
 *
 * const moved = HTTPResponse.redirect("/new", 308);
 * assert.equal(moved.headers.get("location"), "/new");
 * ```
 */
export class HTTPResponse {
  /** The status code (RFC 9110 section 15). */
  status: number;
  /** The reason-phrase (RFC 9112 section 4). */
  reason: string;
  /** The HTTP version. */
  version: HTTPVersion;
  /** The header section. */
  headers: HTTPHeaders;
  /**
   * The content: bytes when known or collected, a stream when streamed. A
   * string given as the body (up to 4096 code units) is encoded into a view
   * of a shared 64 KiB buffer, as Node's `Buffer.from` does with its pool:
   * the view's bytes are its own, but its `buffer` is not, so copy it with
   * `slice()` before transferring that buffer or viewing all of it.
   */
  body: HTTPBody;
  /** The trailer section, or `null` if there is none. */
  trailers: HTTPHeaders | null;

  /**
   * Creates a response; by default `HTTP/1.1 200 OK` with no fields and no
   * content.
   *
   * @param init The parts of the response.
   * @throws {RangeError} If `status` is not an integer from 100 to 999.
   * @throws {TypeError} If a header name or value is invalid, or the body is
   * not one of the accepted types.
   */
  constructor(init?: HTTPResponseInit) {
    const status = init?.status ?? 200;
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new RangeError(
        `Status ${status} is not an integer from 100 to 999`,
      );
    }
    this.status = status;
    this.reason = init?.reason ?? STATUS_TEXT[status] ?? "";
    this.version = init?.version ?? "HTTP/1.1";
    this.headers = toHeaders(init?.headers);
    this.body = toBody(init?.body);
    this.trailers = init?.trailers ?? null;
  }

  /**
   * Returns the content as bytes, reading a streamed body to its end (and
   * keeping the result as `body`).
   *
   * @returns The content.
   * @throws {TypeError} When the body stream is locked or already read.
   * @throws {ContentTooLargeError} When a client response's streamed content
   *   grows past its `maxBodyBytes`.
   * @throws {Deno.errors.TimedOut} When a client request's `timeout` passes
   *   before the streamed content ends.
   * @throws {DOMException} The request signal's `reason` (an `AbortError` by
   *   default) when its signal aborts before the streamed content ends.
   * @throws {HTTPParseError} When the streamed content is malformed or cut
   *   short by the peer closing.
   * @throws {Deno.errors.ConnectionReset} Or another `Deno.errors` class,
   *   when the connection fails before the content ends.
   */
  async bytes(): Promise<Uint8Array> {
    if (this.body instanceof Uint8Array) return this.body;
    this.body = await collect(this.body);
    return this.body;
  }

  /**
   * Returns the content decoded as UTF-8.
   *
   * @returns The text.
   * @throws {Error} Whatever {@linkcode bytes} throws, when reading the content fails.
   */
  async text(): Promise<string> {
    return decoder.decode(await this.bytes());
  }

  /**
   * Returns the content parsed as JSON.
   *
   * @returns The parsed value.
   * @throws {SyntaxError} If the content is not JSON.
   * @throws {Error} Whatever {@linkcode bytes} throws, when reading the content fails.
   */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /**
   * Creates a response with a UTF-8 text body and
   * `Content-Type: text/plain; charset=utf-8` (unless `init` sets one).
   *
   * @param body The text.
   * @param init Status, headers and the rest; `body` is ignored.
   * @returns The response.
   * @throws {RangeError} If the status is out of range.
   *
   * @example A plain-text response
   * ```ts
   * import { HTTPResponse } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * const res = HTTPResponse.text("hello", { status: 201 });
   * assert.equal(res.status, 201);
   * assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
   * assert.equal(await res.text(), "hello");
   * ```
   */
  static text(body: string, init?: HTTPResponseInit): HTTPResponse {
    const res = typed(init, TEXT_PLAIN);
    res.body = encodeUTF8(body);
    return res;
  }

  /**
   * Creates a response whose body is `value` as JSON, with
   * `Content-Type: application/json` (unless `init` sets one).
   *
   * @param value Any value `JSON.stringify` accepts.
   * @param init Status, headers and the rest; `body` is ignored.
   * @returns The response.
   * @throws {TypeError} If `value` cannot be serialized (a cycle, a BigInt).
   *
   * @example A JSON response
   * ```ts
   * import { HTTPResponse } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * const res = HTTPResponse.json([1, 2]);
   * assert.deepEqual(await res.json(), [1, 2]);
   * ```
   */
  static json(value: unknown, init?: HTTPResponseInit): HTTPResponse {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new TypeError("Value cannot be serialized as JSON");
    }
    const res = typed(init, APPLICATION_JSON);
    res.body = encodeUTF8(text);
    return res;
  }

  /**
   * Creates a redirect with a `Location` field and no content
   * (RFC 9110 section 15.4).
   *
   * @param location The URI reference to redirect to.
   * @param status The redirect status.
   * @returns The response.
   * @throws {TypeError} If `location` contains CR, LF or another control
   * character.
   *
   * @example A temporary redirect
   * ```ts
   * import { HTTPResponse } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * const res = HTTPResponse.redirect("https://example.com/");
   * assert.equal(res.status, 302);
   * assert.equal(res.headers.get("location"), "https://example.com/");
   * ```
   */
  static redirect(
    location: string,
    status: 301 | 302 | 303 | 307 | 308 = 302,
  ): HTTPResponse {
    if (![301, 302, 303, 307, 308].includes(status)) {
      throw new RangeError(`Status ${status} is not a redirect status`);
    }
    const res = new HTTPResponse({ status });
    res.headers.set("Location", location);
    return res;
  }

  /**
   * Creates the canned error response a server sends (400, 404, 413, 414,
   * 431, 500, 501, 505 or any other status): a short `text/plain` body and
   * `Connection: close`.
   *
   * @param status The error status.
   * @param message The body text; by default the status code and reason.
   * @returns The response.
   * @throws {RangeError} If the status is out of range.
   *
   * @example The response to a malformed request
   * ```ts
   * import { HTTPResponse } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * const res = HTTPResponse.error(431);
   * assert.equal(res.reason, "Request Header Fields Too Large");
   * assert.equal(res.headers.get("connection"), "close");
   * assert.equal(await res.text(), "431 Request Header Fields Too Large\n");
   * ```
   */
  static error(status: number, message?: string): HTTPResponse {
    const res = new HTTPResponse({ status });
    const text = message ?? `${status} ${res.reason}`.trimEnd();
    res.body = encodeUTF8(`${text}\n`);
    res.headers.set("Content-Type", "text/plain; charset=utf-8");
    res.headers.set("Connection", "close");
    return res;
  }
}

/**
 * A response from `init` without its body, with `Content-Type: type[0]`
 * unless `init`'s fields set one. `type` is one of the constant one-value
 * arrays below, shared (copy-on-write) by every response made without
 * `init`.
 */
function typed(
  init: HTTPResponseInit | undefined,
  type: string[],
): HTTPResponse {
  if (init === undefined) {
    // The common case: a constant field line, neither validated nor copied.
    return new HTTPResponse({ headers: sharedHeaders(CONTENT_TYPE, type) });
  }
  const res = new HTTPResponse({ ...init, body: null });
  if (!res.headers.has("content-type")) {
    res.headers.set("Content-Type", type[0]);
  }
  return res;
}

const CONTENT_TYPE = ["Content-Type"];
const TEXT_PLAIN = ["text/plain; charset=utf-8"];
const APPLICATION_JSON = ["application/json"];
