// Copyright 2026 the socketkit authors. MIT license.

import type { ConnectOptions } from "../connection.ts";
import { HTTPHeaders, type HTTPHeadersInit } from "./headers.ts";
import {
  type HTTPBodyInit,
  HTTPRequest,
  type HTTPResponse,
} from "./message.ts";
import {
  encodeChunk,
  encodeLastChunk,
  encodeRequest,
  encodeRequestHead,
} from "./encoder.ts";
import { HTTPParseError } from "./parser.ts";
import { HostPool, type PooledConnection, type PoolSettings } from "./_pool.ts";
import { concat, EMPTY } from "./_chars.ts";
import { BROKEN, renameBroken } from "./_broken.ts";
import { checkTimeout } from "../_deadline.ts";
import { describeValue, typeName } from "../_errors.ts";

/**
 * The `User-Agent` a {@linkcode Client} sends unless told otherwise.
 *
 * @example The header a server sees
 * ```ts
 * import {
 *   Client,
 *   HTTPResponse,
 *   serve,
 *   USER_AGENT,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using server = serve(
 *   { hostname: "127.0.0.1", port: 0 },
 *   (request) => HTTPResponse.text(request.headers.get("user-agent") ?? ""),
 * );
 * assert(server.addr.transport === "tcp");
 * await using client = new Client();
 * const res = await client.get(`http://127.0.0.1:${server.addr.port}/`);
 * assert.equal(await res.text(), USER_AGENT);
 * ```
 */
export const USER_AGENT = "socketkit/0.1.0";

/**
 * Options for {@linkcode Client}.
 *
 * @example A client that follows redirects and sends default headers
 * ```ts
 * import {
 *   Client,
 *   type ClientOptions,
 *   HTTPResponse,
 *   serve,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 }, (request) =>
 *   request.url.pathname === "/old"
 *     ? HTTPResponse.redirect("/new")
 *     : HTTPResponse.json({
 *       path: request.url.pathname,
 *       accept: request.headers.get("accept"),
 *     }));
 * assert(server.addr.transport === "tcp");
 *
 * const options: ClientOptions = {
 *   maxConnectionsPerHost: 4,
 *   idleTimeout: 1_000,
 *   connectTimeout: 2_000,
 *   maxBodyBytes: 1024 * 1024,
 *   redirect: "follow",
 *   headers: { Accept: "application/json" },
 * };
 * await using client = new Client(options);
 * const res = await client.get(`http://127.0.0.1:${server.addr.port}/old`);
 * assert.deepEqual(await res.json(), {
 *   path: "/new",
 *   accept: "application/json",
 * });
 * ```
 */
export interface ClientOptions {
  /**
   * The most idle keep-alive connections kept per origin; more are closed
   * when released.
   *
   * @default {256}
   */
  maxIdlePerHost?: number;
  /**
   * The most connections open at once per origin, idle or busy; further
   * requests wait for one in FIFO order.
   *
   * @default {Infinity}
   */
  maxConnectionsPerHost?: number;
  /**
   * How long an idle keep-alive connection is kept before it is closed, in
   * milliseconds. `Infinity` or 0 keeps it until the peer closes it or the
   * client does (as Go's `IdleConnTimeout` of 0 does).
   *
   * @default {4000}
   */
  idleTimeout?: number;
  /**
   * How long to wait for a connection to be established, in milliseconds.
   * `Infinity` or 0 waits as long as the system does.
   *
   * @default {10000}
   */
  connectTimeout?: number;
  /**
   * The largest response content collected, in bytes; more fails with
   * {@linkcode ContentTooLargeError}. Applies to streamed bodies too.
   *
   * @default {Infinity}
   */
  maxBodyBytes?: number;
  /**
   * The longest status-line, in bytes.
   *
   * @default {8192}
   */
  maxStartLineBytes?: number;
  /**
   * The largest response header section, in bytes.
   *
   * @default {65536}
   */
  maxHeaderBytes?: number;
  /**
   * The most field lines in a response header section.
   *
   * @default {100}
   */
  maxHeaderCount?: number;
  /**
   * Whether to follow redirects (`"follow"`) or return them (`"manual"`).
   * A followed redirect keeps the scheme: one from `http:` to `http+unix:`
   * or back is refused with a `TypeError` naming the `Location`, so a
   * remote server cannot send the client to a local unix socket, and one to
   * `https:` with `Deno.errors.NotSupported`.
   *
   * @default {"manual"}
   */
  redirect?: "follow" | "manual";
  /**
   * The most redirects followed for one request.
   *
   * @default {10}
   */
  maxRedirects?: number;
  /**
   * A unix socket path to send every request to, whatever the URL's host
   * (like `curl --unix-socket`); `Host` is still the URL's host.
   *
   * @default {undefined}
   */
  unixPath?: string;
  /**
   * Header fields sent with every request (a request's own fields replace
   * them). `User-Agent` defaults to {@linkcode USER_AGENT}. Like a
   * request's own, the credential fields (`Authorization`, `Cookie`,
   * `Proxy-Authorization`) are dropped when a redirect leaves the origin
   * (scheme, host and port, or socket path), and stay dropped for the rest
   * of the redirects.
   *
   * @default {{}}
   */
  headers?: HTTPHeadersInit;
}

/**
 * Options for one request made with a {@linkcode Client}.
 *
 * @example POST JSON with a timeout
 * ```ts
 * import {
 *   Client,
 *   type ClientRequestOptions,
 *   HTTPResponse,
 *   serve,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using server = serve(
 *   { hostname: "127.0.0.1", port: 0 },
 *   async (request) => HTTPResponse.json(await request.json(), { status: 201 }),
 * );
 * assert(server.addr.transport === "tcp");
 *
 * const options: ClientRequestOptions = {
 *   method: "POST",
 *   headers: { "Content-Type": "application/json" },
 *   body: JSON.stringify({ name: "cup" }),
 *   timeout: 5_000,
 * };
 * await using client = new Client();
 * const url = `http://127.0.0.1:${server.addr.port}/items`;
 * const res = await client.request(url, options);
 * assert.equal(res.status, 201);
 * assert.deepEqual(await res.json(), { name: "cup" });
 * ```
 */
export interface ClientRequestOptions {
  /**
   * The method (RFC 9110 section 9).
   *
   * @default {"GET"}
   */
  method?: string;
  /**
   * Header fields; `Host` and `User-Agent` are added when missing.
   *
   * @default {{}}
   */
  headers?: HTTPHeadersInit;
  /**
   * The content. Bytes and strings get `Content-Length`; a stream or async
   * iterable is sent chunked (RFC 9112 section 7.1) unless a
   * `Content-Length` is given. A `Content-Length` in `headers` must match
   * the content, or the request fails with a `TypeError`: bytes and strings
   * before anything is sent; a stream once it yields a chunk that would run
   * past it (that chunk is not sent and the stream is cancelled) or ends
   * short, and its connection is closed, not reused. A server that answers
   * before the stream runs past it gets its response returned instead: the
   * excess is still never sent.
   *
   * @default {null}
   */
  body?: HTTPBodyInit;
  /**
   * A trailer section sent after a chunked body.
   *
   * @default {null}
   */
  trailers?: HTTPHeaders | null;
  /**
   * Aborts the request, rejecting with `signal.reason`, at any stage; a
   * streamed request body is cancelled with that reason and its connection
   * closed.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * The time allowed for the whole request, in milliseconds: waiting for a
   * connection, sending, and receiving the response (including a streamed
   * body); after it the request fails with `Deno.errors.TimedOut`. A
   * streamed request body still being read then is cancelled with that
   * error and its connection closed. `Infinity` or 0 sets no limit (the
   * server's timeouts and Node's `http.request` read 0 the same way).
   *
   * @default {undefined}
   */
  timeout?: number;
  /**
   * Return as soon as the head arrives, with `body` a
   * `ReadableStream<Uint8Array>`. The connection goes back to the pool when
   * the stream is read to its end, and is closed if it is cancelled; a
   * streamed body must be read or cancelled.
   *
   * @default {false}
   */
  stream?: boolean;
  /**
   * Overrides {@linkcode ClientOptions.redirect}.
   *
   * @default {the client's}
   */
  redirect?: "follow" | "manual";
  /**
   * Overrides {@linkcode ClientOptions.maxRedirects}.
   *
   * @default {the client's}
   */
  maxRedirects?: number;
  /**
   * Overrides {@linkcode ClientOptions.maxBodyBytes}, in bytes.
   *
   * @default {the client's}
   */
  maxBodyBytes?: number;
  /**
   * Overrides {@linkcode ClientOptions.unixPath}.
   *
   * @default {the client's}
   */
  unixPath?: string;
}

/**
 * A request given as a URL and options, for {@linkcode Client.request}.
 *
 * @example A request as one object
 * ```ts
 * import {
 *   Client,
 *   type ClientRequestInit,
 *   HTTPResponse,
 *   serve,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const notes = new Map<string, string>();
 * await using server = serve({ hostname: "127.0.0.1", port: 0 }, async (req) => {
 *   notes.set(req.url.pathname, await req.text());
 *   return new HTTPResponse({ status: 204 });
 * });
 * assert(server.addr.transport === "tcp");
 *
 * const init: ClientRequestInit = {
 *   url: `http://127.0.0.1:${server.addr.port}/notes/1`,
 *   method: "PUT",
 *   body: "hello",
 * };
 * await using client = new Client();
 * const res = await client.request(init);
 * assert.equal(res.status, 204);
 * assert.equal(notes.get("/notes/1"), "hello");
 * ```
 */
export interface ClientRequestInit extends ClientRequestOptions {
  /** The URL: `http:`, or `http+unix:` with the socket path as the host. */
  url: string | URL;
}

/**
 * The error for response content larger than `maxBodyBytes`. It carries the
 * limit, the response head and, for a collected body, the content received
 * so far (up to the limit). The connection is closed.
 *
 * @example Catch a body over the limit
 * ```ts ignore
 * import { Client, ContentTooLargeError } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using client = new Client({ maxBodyBytes: 1024 });
 * try {
 *   await client.get("http://127.0.0.1:8080/big");
 * } catch (error) {
 *   assert(error instanceof ContentTooLargeError);
 *   assert.equal(error.limit, 1024);
 * }
 * ```
 */
export class ContentTooLargeError extends Error {
  /** The limit that was exceeded, in bytes. */
  limit: number;
  /**
   * The content received before the limit was hit (at most `limit` bytes).
   * Empty when a `Content-Length` over the limit failed the request before
   * any content, or with `stream: true` (the reader had the content).
   */
  partial: Uint8Array;
  /** The response whose content was too large; its body is empty. */
  response: HTTPResponse;

  /**
   * Creates the error.
   *
   * @param message What exceeded which limit.
   * @param limit The limit in bytes.
   * @param partial The content received so far.
   * @param response The response head.
   */
  constructor(
    message: string,
    limit: number,
    partial: Uint8Array,
    response: HTTPResponse,
  ) {
    super(message);
    this.name = "ContentTooLargeError";
    this.limit = limit;
    this.partial = partial;
    this.response = response;
  }
}

const IDEMPOTENT = new Set([
  "GET",
  "HEAD",
  "OPTIONS",
  "PUT",
  "DELETE",
  "TRACE",
]);
const BODY_FIELDS = [
  "content-length",
  "content-type",
  "content-encoding",
  "content-language",
  "content-location",
  "transfer-encoding",
];
const CREDENTIAL_FIELDS = ["authorization", "proxy-authorization", "cookie"];
const HEAD_CACHE_SIZE = 256;
/**
 * A request body over this many bytes, or a streamed one, is sent while the
 * response is received (see `#duplex`); a smaller one goes in one write
 * before it.
 */
const DUPLEX_BYTES = 64 * 1024;
const CONTINUE_WAIT = 1000;

/** A request ready to go: parsed URL, pool, and its bytes. */
interface Prepared {
  method: string;
  url: URL;
  pool: HostPool;
  /** The whole request when the body is known, else the head. */
  bytes: Uint8Array;
  /** A body to send after `bytes`, chunked or raw. */
  stream: ReadableStream<Uint8Array> | null;
  chunked: boolean;
  /** The Content-Length a streamed body must match, or -1 (chunked). */
  length: number;
  trailers: HTTPHeaders | null;
  /** A known body sent after a 100 (Continue), or null. */
  deferred: Uint8Array | null;
  /** The request asked to close the connection. */
  close: boolean;
  /** The parts needed to build a redirected request. */
  headers: HTTPHeaders;
  body: Uint8Array | ReadableStream<Uint8Array>;
  version: "HTTP/1.1" | "HTTP/1.0";
  unixPath: string | undefined;
}

/** Per-request settings resolved against the client's. */
interface Settings {
  stream: boolean;
  follow: boolean;
  maxRedirects: number;
  maxBodyBytes: number;
}

/** Cancellation of one request: a signal, a timeout, or both. */
class Deadline {
  readonly controller: AbortController = new AbortController();
  conn: PooledConnection | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  constructor(
    signal: AbortSignal | undefined,
    timeout: number | undefined,
    url: string,
  ) {
    if (signal !== undefined) {
      this.#signal = signal;
      this.#onAbort = () => this.abort(signal.reason);
      if (signal.aborted) this.abort(signal.reason);
      else signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    if (
      timeout !== undefined && timeout !== Infinity && timeout !== 0 &&
      !this.aborted
    ) {
      this.#timer = setTimeout(() => {
        this.abort(
          new Deno.errors.TimedOut(
            `Request to ${url} timed out after ${timeout} ms`,
          ),
        );
      }, timeout);
    }
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  get reason(): unknown {
    return this.controller.signal.reason;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.controller.abort(reason);
    this.conn?.tcp.close();
    this.dispose();
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#onAbort !== undefined) {
      this.#signal!.removeEventListener("abort", this.#onAbort);
      this.#onAbort = undefined;
    }
  }
}

/**
 * Throws a `RangeError` naming `name` unless `value` is a number from 0 up
 * (`Infinity` included); returns it.
 */
function checkCount(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new RangeError(
      `${name} must be a number, got ${describeValue(value)}`,
    );
  }
  if (!(value >= 0)) {
    throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  }
  return value;
}

/**
 * `value` checked by {@linkcode checkCount}, or undefined for undefined or
 * null (the default, as `??` gives the other options).
 */
function optionalCount(
  value: number | undefined,
  name: string,
): number | undefined {
  return value === undefined || value === null
    ? undefined
    : checkCount(value, name);
}

function noop(): void {}

/** A streamed request body's source failed (not the connection): `error`. */
class SourceError {
  constructor(readonly error: unknown) {}
}

/**
 * The next chunk of a request body, or a rejection: `signal.reason` once it
 * aborts, a {@linkcode SourceError} when the source fails. The abort
 * listener lives for one read, so a long upload adds nothing per chunk.
 */
function readOrAbort(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    reader.read().then((result) => {
      signal.removeEventListener("abort", onAbort);
      resolve(result);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(signal.aborted ? signal.reason : new SourceError(error));
    });
  });
}

/** Whether `error` is the connection failing, or closed under a write. */
function connectionError(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted ||
    BROKEN.some((Class) => error instanceof Class);
}

function hasToken(value: string | null, token: string): boolean {
  if (value === null) return false;
  const lower = value.toLowerCase();
  if (lower === token) return true;
  return lower.split(",").some((part) => part.trim() === token);
}

/** Whether the connection may carry another request after `response`. */
function persistent(response: HTTPResponse): boolean {
  const connection = response.headers.get("connection");
  if (response.version === "HTTP/1.1") {
    return connection === null || !hasToken(connection, "close");
  }
  return hasToken(connection, "keep-alive");
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 ||
    status === 307 || status === 308;
}

/**
 * Throws a `TypeError` unless each `Content-Length` the caller set says
 * `length`, the size of a known body: a body that disagrees with its
 * declared length is refused, as undici does, rather than sent with a
 * corrected one.
 */
function checkLength(prep: Prepared, length: number): void {
  for (const value of prep.headers.getAll("content-length")) {
    if (!/^[0-9]+$/.test(value)) {
      throw new TypeError(`Invalid Content-Length: ${JSON.stringify(value)}`);
    }
    if (Number(value) !== length) {
      throw lengthMismatch(prep, `has ${length} bytes, not`, Number(value));
    }
  }
}

/**
 * The error for a request body that does not match its Content-Length:
 * `Request body of POST http://h/p has 3 bytes, not its Content-Length of 5`.
 */
function lengthMismatch(
  prep: Prepared,
  what: string,
  declared: number,
): TypeError {
  return new TypeError(
    `Request body of ${prep.method} ${prep.url.href} ${what} its Content-Length of ${declared}`,
  );
}

function noResponse(prep: Prepared): Error {
  return new Deno.errors.UnexpectedEof(
    `Connection to ${prep.pool.name} closed before the response to ${prep.method} ${prep.url.href}`,
  );
}

function invalidResponse(
  prep: Prepared,
  error: HTTPParseError,
): HTTPParseError {
  return new HTTPParseError(
    `Invalid response to ${prep.method} ${prep.url.href}: ${error.message}`,
    error.status,
    { cause: error },
  );
}

/** The `Authorization` value for the userinfo of `url` (RFC 7617). */
function basic(url: URL): string {
  let pair: string;
  try {
    pair = `${decodeURIComponent(url.username)}:${
      decodeURIComponent(url.password)
    }`;
  } catch {
    throw new TypeError(
      `Invalid percent-encoding in the credentials of the URL for ${url.host}`,
    );
  }
  let binary = "";
  for (const byte of new TextEncoder().encode(pair)) {
    binary += String.fromCharCode(byte);
  }
  return `Basic ${btoa(binary)}`;
}

/**
 * A runtime error for a connection that broke, made again (same class,
 * the original as `cause`) to name the peer and the request; any other
 * error as it is.
 */
function broken(prep: Prepared, error: unknown): unknown {
  return renameBroken(
    error,
    `Connection to ${prep.pool.name} broke during ${prep.method} ${prep.url.href}`,
  );
}

function tooLarge(
  prep: Prepared,
  limit: number,
  partial: Uint8Array,
  response: HTTPResponse,
  declared?: number,
): ContentTooLargeError {
  const what = declared === undefined
    ? "Content"
    : `Content-Length ${declared}`;
  return new ContentTooLargeError(
    `${what} of the response from ${prep.url.href} exceeds maxBodyBytes (${limit} bytes)`,
    limit,
    partial,
    response,
  );
}

const TIMEOUT: unique symbol = Symbol("timeout");

function timer(
  ms: number,
): { promise: Promise<typeof TIMEOUT>; clear: () => void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<typeof TIMEOUT>((resolve) => {
    id = setTimeout(() => resolve(TIMEOUT), ms);
  });
  return { promise, clear: () => clearTimeout(id) };
}

/**
 * A pooled HTTP/1.1 client (RFC 9112) over {@linkcode TCPConnection}s.
 *
 * Connections are kept per origin (scheme, host and port, or unix socket
 * path) and reused for later requests (RFC 9112 section 9.3): at most
 * `maxIdlePerHost` idle ones for `idleTimeout` ms each, and at most
 * `maxConnectionsPerHost` at once, with further requests waiting their turn.
 * An idle connection the server closed is dropped as soon as that is seen,
 * and a request on a reused connection that fails before any response byte
 * is retried once on a new connection if its method is idempotent (RFC 9110
 * section 9.2.2) and its body can be sent again.
 *
 * URLs are `http:` (TLS is not supported), or `http+unix:` with the
 * URL-encoded socket path as the host
 * (`http+unix://%2Fvar%2Frun%2Fdocker.sock/v1.43/info`), which reaches
 * daemons listening on unix sockets; so does the `unixPath` option.
 *
 * Requires `--allow-net` (and `--allow-read --allow-write` for unix sockets).
 *
 * @example Keep-alive GETs and a POST
 * ```ts ignore
 * import { Client } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using client = new Client({ maxConnectionsPerHost: 8 });
 * const res = await client.get("http://127.0.0.1:8080/");
 * assert.equal(res.status, 200);
 * console.log(await res.text());
 * const created = await client.post("http://127.0.0.1:8080/items", '{"a":1}', {
 *   headers: { "content-type": "application/json" },
 * });
 * assert.equal(created.status, 201);
 * ```
 *
 * @example Ask the Docker daemon over its unix socket
 * ```ts ignore
 * import { Client } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using client = new Client();
 * const res = await client.get("http+unix://%2Fvar%2Frun%2Fdocker.sock/version");
 * assert.equal(res.status, 200);
 * ```
 */
export class Client implements AsyncDisposable, Disposable {
  #pools = new Map<string, HostPool>();
  #heads = new Map<string, Prepared>();
  #closed = false;
  #settings: PoolSettings;
  #maxBodyBytes: number;
  #redirect: "follow" | "manual";
  #maxRedirects: number;
  #unixPath: string | undefined;
  #headers: HTTPHeaders;
  #sweepAt = Infinity;
  #sweepTimer: ReturnType<typeof setTimeout> | undefined;
  #closing: Promise<void>[] = [];

  /**
   * Creates a client with an empty pool. It opens connections on demand;
   * call {@linkcode Client.close} (or use `await using`) when done.
   *
   * @param options Pool limits, timeouts in ms, size limits in bytes,
   * redirects and default headers.
   * @throws {RangeError} If a limit or timeout (`maxIdlePerHost`,
   * `maxConnectionsPerHost`, `idleTimeout`, `connectTimeout`,
   * `maxBodyBytes`, `maxStartLineBytes`, `maxHeaderBytes`,
   * `maxHeaderCount`, `maxRedirects`) is negative, NaN or not a number
   * (a string such as `"10"` included), or `maxConnectionsPerHost` is
   * below 1; the message names the option and the value.
   * @throws {TypeError} If a default header is invalid.
   */
  constructor(options: ClientOptions = {}) {
    const idleTimeout =
      checkCount(options.idleTimeout ?? 4000, "idleTimeout") ||
      Infinity;
    this.#settings = {
      maxIdlePerHost: checkCount(
        options.maxIdlePerHost ?? 256,
        "maxIdlePerHost",
      ),
      maxConnectionsPerHost: checkCount(
        options.maxConnectionsPerHost ?? Infinity,
        "maxConnectionsPerHost",
      ),
      idleTimeout,
      connectTimeout: checkCount(
        options.connectTimeout ?? 10_000,
        "connectTimeout",
      ) || Infinity,
      decoder: {
        maxStartLineBytes: optionalCount(
          options.maxStartLineBytes,
          "maxStartLineBytes",
        ),
        maxHeaderBytes: optionalCount(
          options.maxHeaderBytes,
          "maxHeaderBytes",
        ),
        maxHeaderCount: optionalCount(
          options.maxHeaderCount,
          "maxHeaderCount",
        ),
      },
      onIdle: (at) => this.#arm(at + idleTimeout),
    };
    if (this.#settings.maxConnectionsPerHost < 1) {
      throw new RangeError("maxConnectionsPerHost must be at least 1");
    }
    this.#maxBodyBytes = checkCount(
      options.maxBodyBytes ?? Infinity,
      "maxBodyBytes",
    );
    this.#redirect = options.redirect ?? "manual";
    this.#maxRedirects = checkCount(options.maxRedirects ?? 10, "maxRedirects");
    this.#unixPath = options.unixPath;
    this.#headers = new HTTPHeaders(options.headers);
    if (!this.#headers.has("user-agent")) {
      this.#headers.set("User-Agent", USER_AGENT);
    }
  }

  /**
   * Sends a request and returns the response (RFC 9112): with its content
   * collected into `body`, or streamed with `stream: true`. Interim 1xx
   * responses are skipped; `Expect: 100-continue` holds back a known body
   * until the server answers 100 (or for up to 1 s). Credentials in the URL
   * (`http://user:pass@host/`) go as Basic authentication (RFC 7617) unless
   * the request has an `Authorization` field, as with curl and `fetch()`.
   *
   * @param input An `HTTPRequest` (its `url`, from the request-target and
   * `Host`, says where it goes), a URL, or a URL with options.
   * @param options Method, headers, body, cancellation, timeout in ms and
   * the rest; they override what `input` says.
   * @returns The final response (after redirects, when following them).
   * @throws {Deno.errors.NotSupported} For `https:` or another scheme, or a
   * redirect to `https:`.
   * @throws {Deno.errors.TimedOut} When `timeout` ms pass first (the message
   * names the URL), or connecting times out.
   * @throws {Deno.errors.ConnectionRefused} When nothing listens there.
   * @throws {Deno.errors.UnexpectedEof} When the server closes the
   * connection before responding.
   * @throws {Deno.errors.ConnectionReset} Or `BrokenPipe`,
   * `ConnectionAborted`, `NotConnected`: when the connection breaks (the
   * message names the peer and the URL; the runtime's error is the
   * `cause`).
   * @throws {HTTPParseError} When the response breaks RFC 9112 or a header
   * limit.
   * @throws {ContentTooLargeError} When the content exceeds `maxBodyBytes`.
   * @throws {RangeError} When more than `maxRedirects` redirects come, or
   * `timeout`, `maxRedirects` or `maxBodyBytes` is negative or not a number.
   * @throws {Deno.errors.BadResource} When the client is closed.
   * @throws {TypeError} For an invalid URL, method or header, a redirect
   * that changes the scheme (`http:` to `http+unix:` or back) or must
   * resend a streamed body, or a body whose length differs from the
   * `Content-Length` given (the message names both and the URL): bytes or
   * a string before anything is sent, a stream as soon as it runs past the
   * declared length (the excess is not sent) or ends short, its connection
   * then closed.
   * @throws The signal's `reason` when `signal` aborts.
   *
   * @example Send an HTTPRequest
   * ```ts ignore
   * import { Client, HTTPRequest } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * await using client = new Client();
   * const res = await client.request(new HTTPRequest({
   *   method: "PUT",
   *   target: "/notes/1",
   *   headers: { Host: "127.0.0.1:8080" },
   *   body: "hello",
   * }), { timeout: 5_000 });
   * assert.equal(res.status, 204);
   * ```
   */
  request(
    input: HTTPRequest | ClientRequestInit | string | URL,
    options?: ClientRequestOptions,
  ): Promise<HTTPResponse> {
    try {
      let init: ClientRequestOptions;
      let url: string | URL;
      let version: "HTTP/1.1" | "HTTP/1.0" = "HTTP/1.1";
      let target: string | undefined;
      if (typeof input === "string" || input instanceof URL) {
        url = input;
        init = options ?? {};
      } else if (input instanceof HTTPRequest) {
        url = input.url;
        version = input.version;
        if (input.target.charCodeAt(0) === 0x2f || input.target === "*") {
          target = input.target;
        }
        init = {
          method: input.method,
          headers: input.headers,
          body: input.body,
          trailers: input.trailers,
          ...options,
        };
      } else {
        url = input.url;
        init = options === undefined ? input : { ...input, ...options };
      }
      const settings: Settings = {
        stream: init.stream ?? false,
        follow: (init.redirect ?? this.#redirect) === "follow",
        maxRedirects: init.maxRedirects ?? this.#maxRedirects,
        maxBodyBytes: init.maxBodyBytes ?? this.#maxBodyBytes,
      };
      checkTimeout(init.timeout, "timeout");
      if (init.maxRedirects !== undefined) {
        checkCount(init.maxRedirects, "maxRedirects");
      }
      if (init.maxBodyBytes !== undefined) {
        checkCount(init.maxBodyBytes, "maxBodyBytes");
      }
      const prep = this.#prepare(url, init, version, target, this.#headers);
      if (
        init.signal === undefined &&
        (init.timeout === undefined || init.timeout === 0)
      ) {
        return this.#run(prep, settings, null);
      }
      const deadline = new Deadline(init.signal, init.timeout, prep.url.href);
      if (deadline.aborted) return Promise.reject(deadline.reason);
      return this.#run(prep, settings, deadline);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends a GET request (RFC 9110 section 9.3.1).
   *
   * @param url An `http:` or `http+unix:` URL.
   * @param options Headers, cancellation, timeout in ms and the rest.
   * @returns The response.
   * @throws {Deno.errors.TimedOut} When `timeout` ms pass first.
   * @throws {Deno.errors.NotSupported} For `https:`.
   * @throws {ContentTooLargeError} When the content exceeds `maxBodyBytes`.
   *
   * @example GET a page
   * ```ts ignore
   * import { Client } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * await using client = new Client();
   * const res = await client.get("http://127.0.0.1:8080/", { timeout: 2_000 });
   * assert.equal(res.status, 200);
   * ```
   */
  get(
    url: string | URL,
    options?: Omit<ClientRequestOptions, "method" | "body">,
  ): Promise<HTTPResponse> {
    return this.request(url, options);
  }

  /**
   * Sends a HEAD request (RFC 9110 section 9.3.2): the response has the
   * header section of a GET and no content.
   *
   * @param url An `http:` or `http+unix:` URL.
   * @param options Headers, cancellation, timeout in ms and the rest.
   * @returns The response, with an empty body.
   * @throws {Deno.errors.TimedOut} When `timeout` ms pass first.
   *
   * @example Check a resource's size
   * ```ts ignore
   * import { Client } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * await using client = new Client();
   * const res = await client.head("http://127.0.0.1:8080/file");
   * assert.equal((res.body as Uint8Array).length, 0);
   * console.log(res.headers.get("content-length"));
   * ```
   */
  head(
    url: string | URL,
    options?: Omit<ClientRequestOptions, "method" | "body">,
  ): Promise<HTTPResponse> {
    return this.request(url, { ...options, method: "HEAD" });
  }

  /**
   * Sends a POST request (RFC 9110 section 9.3.3). A POST is never retried.
   *
   * @param url An `http:` or `http+unix:` URL.
   * @param body The content: bytes or a string get `Content-Length`, a
   * stream is sent chunked unless `options.headers` has a `Content-Length`,
   * which it must then match.
   * @param options Headers, cancellation, timeout in ms and the rest.
   * @returns The response.
   * @throws {Deno.errors.TimedOut} When `timeout` ms pass first.
   * @throws {TypeError} When the body's length differs from a
   * `Content-Length` in `options.headers` (see {@linkcode Client.request}).
   *
   * @example POST JSON
   * ```ts ignore
   * import { Client } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * await using client = new Client();
   * const res = await client.post("http://127.0.0.1:8080/items", '{"a":1}', {
   *   headers: { "content-type": "application/json" },
   * });
   * assert.equal(res.status, 201);
   * ```
   */
  post(
    url: string | URL,
    body: HTTPBodyInit,
    options?: Omit<ClientRequestOptions, "method" | "body">,
  ): Promise<HTTPResponse> {
    return this.request(url, { ...options, method: "POST", body });
  }

  /**
   * Sends a PUT request (RFC 9110 section 9.3.4).
   *
   * @param url An `http:` or `http+unix:` URL.
   * @param body The content.
   * @param options Headers, cancellation, timeout in ms and the rest.
   * @returns The response.
   * @throws {Deno.errors.TimedOut} When `timeout` ms pass first.
   * @throws {TypeError} When the body's length differs from a
   * `Content-Length` in `options.headers` (see {@linkcode Client.request}).
   *
   * @example PUT text
   * ```ts ignore
   * import { Client } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * await using client = new Client();
   * const res = await client.put("http://127.0.0.1:8080/notes/1", "hello");
   * assert.equal(res.status, 204);
   * ```
   */
  put(
    url: string | URL,
    body: HTTPBodyInit,
    options?: Omit<ClientRequestOptions, "method" | "body">,
  ): Promise<HTTPResponse> {
    return this.request(url, { ...options, method: "PUT", body });
  }

  /**
   * Sends a PATCH request (RFC 5789).
   *
   * @param url An `http:` or `http+unix:` URL.
   * @param body The content.
   * @param options Headers, cancellation, timeout in ms and the rest.
   * @returns The response.
   * @throws {Deno.errors.TimedOut} When `timeout` ms pass first.
   * @throws {TypeError} When the body's length differs from a
   * `Content-Length` in `options.headers` (see {@linkcode Client.request}).
   *
   * @example PATCH JSON
   * ```ts ignore
   * import { Client } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * await using client = new Client();
   * const res = await client.patch("http://127.0.0.1:8080/items/1", '{"a":2}');
   * assert.equal(res.status, 200);
   * ```
   */
  patch(
    url: string | URL,
    body: HTTPBodyInit,
    options?: Omit<ClientRequestOptions, "method" | "body">,
  ): Promise<HTTPResponse> {
    return this.request(url, { ...options, method: "PATCH", body });
  }

  /**
   * Sends a DELETE request (RFC 9110 section 9.3.5).
   *
   * @param url An `http:` or `http+unix:` URL.
   * @param options Headers, cancellation, timeout in ms and the rest.
   * @returns The response.
   * @throws {Deno.errors.TimedOut} When `timeout` ms pass first.
   *
   * @example DELETE a resource
   * ```ts ignore
   * import { Client } from "@socketkit/socketkit/http";
   * import assert from "node:assert/strict";
   *
   * await using client = new Client();
   * const res = await client.delete("http://127.0.0.1:8080/items/1");
   * assert.equal(res.status, 204);
   * ```
   */
  delete(
    url: string | URL,
    options?: Omit<ClientRequestOptions, "method">,
  ): Promise<HTTPResponse> {
    return this.request(url, { ...options, method: "DELETE" });
  }

  /**
   * Closes every connection, idle or busy, and stops the idle sweep.
   * Requests under way and waiting reject with `Deno.errors.BadResource`,
   * and so do later ones. Calling it again does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    for (const pool of this.#pools.values()) {
      this.#closing.push(...pool.close());
    }
    this.#pools.clear();
    this.#heads.clear();
  }

  /** Closes the client: `using client = new Client()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Closes the client and waits until the reads pending on its idle
   * connections have settled: `await using client = new Client()`.
   *
   * @returns A promise that resolves once everything is released.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    const closing = this.#closing.splice(0);
    await Promise.all(closing);
  }

  // ------------------------------------------------------------ preparing

  #pool(url: URL, unixPath: string | undefined): HostPool {
    let key: string;
    let connect: ConnectOptions;
    let name: string;
    if (unixPath === undefined && url.protocol === "http+unix:") {
      unixPath = decodeURIComponent(url.hostname);
      if (unixPath === "") {
        throw new TypeError(`No socket path in ${url.href}`);
      }
    }
    if (unixPath !== undefined) {
      key = `unix:${unixPath}`;
      name = key;
      connect = { transport: "unix", path: unixPath };
    } else {
      const hostname = url.hostname.startsWith("[")
        ? url.hostname.slice(1, -1)
        : url.hostname;
      const port = url.port === "" ? 80 : Number(url.port);
      key = `${hostname}:${port}`;
      name = url.hostname.startsWith("[") ? `[${hostname}]:${port}` : key;
      connect = { hostname, port };
    }
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      if (this.#closed) {
        throw new Deno.errors.BadResource(
          `Cannot request ${url.href}: the client is closed`,
        );
      }
      pool = new HostPool(name, connect, this.#settings);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /**
   * Builds a request. `defaults` are the fields under the request's own:
   * the client's for a new request, none for a redirect (whose fields were
   * merged already and then pruned by `#redirected`).
   */
  #prepare(
    input: string | URL,
    init: ClientRequestOptions,
    version: "HTTP/1.1" | "HTTP/1.0",
    target: string | undefined,
    defaults: HTTPHeaders | null,
  ): Prepared {
    const method = init.method ?? "GET";
    const unixPath = init.unixPath ?? this.#unixPath;
    const simple = init.headers === undefined &&
      (init.body === undefined || init.body === null) &&
      target === undefined && version === "HTTP/1.1" &&
      (init.trailers === undefined || init.trailers === null);
    let key: string | undefined;
    if (simple) {
      key = `${method} ${unixPath ?? ""} ${
        typeof input === "string" ? input : input.href
      }`;
      const cached = this.#heads.get(key);
      if (cached !== undefined && !cached.pool.closed) return cached;
    }
    let url = typeof input === "string" ? new URL(input) : input;
    let authorization: string | null = null;
    if (url.username !== "" || url.password !== "") {
      // Credentials in the URL go as Basic authentication (RFC 7617), as
      // curl and fetch() send them, and out of the URL, so that messages
      // naming it do not show them.
      authorization = basic(url);
      url = new URL(url);
      url.username = "";
      url.password = "";
    }
    if (url.protocol !== "http:" && url.protocol !== "http+unix:") {
      throw new Deno.errors.NotSupported(
        `Cannot request ${url.href}: only http: and http+unix: are supported${
          url.protocol === "https:" ? " (no TLS)" : ""
        }`,
      );
    }
    const pool = this.#pool(url, unixPath);
    const headers = new HTTPHeaders(defaults ?? undefined);
    if (init.headers !== undefined) {
      const own = init.headers instanceof HTTPHeaders
        ? init.headers
        : new HTTPHeaders(init.headers);
      const seen = new Set<string>();
      for (const [name, value] of own) {
        const lower = name.toLowerCase();
        if (!seen.has(lower)) {
          seen.add(lower);
          headers.delete(lower);
        }
        headers.append(name, value);
      }
    }
    if (authorization !== null && !headers.has("authorization")) {
      headers.set("Authorization", authorization);
    }
    if (!headers.has("host")) {
      headers.set(
        "Host",
        // For http+unix: the host is the socket path. With unixPath, the
        // URL's host, as curl --unix-socket sends, for virtual hosts.
        url.protocol === "http+unix:" ? "localhost" : url.host,
      );
    }
    const request = new HTTPRequest({
      method,
      // A non-special URL (http+unix:) may have an empty path.
      target: target ?? `${url.pathname || "/"}${url.search}`,
      version,
      headers,
      body: init.body ?? null,
      trailers: init.trailers ?? null,
    });
    const body = request.body;
    const close = hasToken(headers.get("connection"), "close");
    const prep: Prepared = {
      method,
      url,
      pool,
      bytes: EMPTY,
      stream: null,
      chunked: false,
      length: -1,
      trailers: request.trailers,
      deferred: null,
      close,
      headers,
      body,
      version,
      unixPath,
    };
    if (body instanceof Uint8Array) {
      checkLength(prep, body.length);
      if (
        body.length > 0 && version === "HTTP/1.1" &&
        hasToken(headers.get("expect"), "100-continue")
      ) {
        // The head alone, with the Content-Length of the body held back.
        prep.bytes = encodeRequestHead(request);
        prep.deferred = body;
      } else {
        prep.bytes = encodeRequest(request);
      }
    } else {
      prep.stream = body;
      prep.chunked = !headers.has("content-length");
      if (prep.chunked && version === "HTTP/1.0") {
        throw new TypeError(
          "Cannot stream a body without Content-Length in HTTP/1.0",
        );
      }
      prep.bytes = encodeRequestHead(request, { chunked: prep.chunked });
      // The encoder checked that every Content-Length is the same number.
      if (!prep.chunked) {
        prep.length = Number(headers.getAll("content-length")[0]);
      }
    }
    if (key !== undefined) {
      if (this.#heads.size >= HEAD_CACHE_SIZE) this.#heads.clear();
      this.#heads.set(key, prep);
    }
    return prep;
  }

  /**
   * The request for the redirect `location` after `response` (RFC 9110
   * section 15.4). It keeps the scheme: a redirect from `http:` to
   * `http+unix:` (or back) is refused, so a remote server cannot point the
   * client at a local unix socket. Its fields are the previous request's,
   * without the credential fields once the origin changes and without
   * `Host`; the client's defaults are not merged again.
   */
  #redirected(
    prep: Prepared,
    response: HTTPResponse,
    location: string,
  ): Prepared {
    const status = response.status;
    const url = new URL(location, prep.url);
    if (url.protocol !== prep.url.protocol) {
      if (url.protocol === "https:") {
        throw new Deno.errors.NotSupported(
          `Cannot request ${url.href}: only http: and http+unix: are supported (no TLS)`,
        );
      }
      throw new TypeError(
        `Cannot follow the ${status} redirect from ${prep.url.href} to ${location}: it changes the scheme from ${prep.url.protocol} to ${url.protocol}`,
      );
    }
    let method = prep.method;
    let body: HTTPBodyInit = prep.body;
    const headers = new HTTPHeaders(prep.headers);
    if (
      (status === 303 && method !== "HEAD") ||
      ((status === 301 || status === 302) && method === "POST")
    ) {
      method = "GET";
      body = null;
      for (const name of BODY_FIELDS) headers.delete(name);
    } else if (!(body instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot follow the ${status} redirect from ${prep.url.href}: the request body was a stream`,
      );
    }
    // Same scheme, so the host (with any non-default port, or the socket
    // path of http+unix:, whose URL origin is always "null") decides.
    if (url.host !== prep.url.host) {
      for (const name of CREDENTIAL_FIELDS) headers.delete(name);
    }
    headers.delete("host");
    return this.#prepare(
      url,
      {
        method,
        headers,
        body,
        trailers: prep.trailers,
        unixPath: prep.unixPath,
      },
      prep.version,
      undefined,
      null,
    );
  }

  // -------------------------------------------------------------- sending

  async #run(
    prep: Prepared,
    settings: Settings,
    deadline: Deadline | null,
  ): Promise<HTTPResponse> {
    let redirects = 0;
    try {
      for (;;) {
        const response = await this.#exchange(prep, settings, deadline, false);
        const status = response.status;
        const location = settings.follow && isRedirect(status)
          ? response.headers.get("location")
          : null;
        if (location === null) {
          if (!(response.body instanceof ReadableStream)) deadline?.dispose();
          return response;
        }
        if (redirects >= settings.maxRedirects) {
          throw new RangeError(
            `Redirects from ${prep.url.href} exceed maxRedirects (${settings.maxRedirects})`,
          );
        }
        redirects++;
        prep = this.#redirected(prep, response, location);
      }
    } catch (error) {
      deadline?.dispose();
      throw error;
    }
  }

  async #exchange(
    prep: Prepared,
    settings: Settings,
    deadline: Deadline | null,
    retry: boolean,
  ): Promise<HTTPResponse> {
    const signal = deadline?.controller.signal;
    let conn: PooledConnection;
    try {
      conn = await prep.pool.acquire(signal, retry);
    } catch (error) {
      throw deadline?.aborted ? deadline.reason : error;
    }
    if (deadline !== null) {
      if (deadline.aborted) {
        prep.pool.release(conn, true);
        throw deadline.reason;
      }
      deadline.conn = conn;
    }
    const reused = conn.uses > 0;
    try {
      conn.decoder.expect(prep.method);
      if (
        prep.stream !== null ||
        (prep.deferred === null && prep.bytes.length > DUPLEX_BYTES)
      ) {
        return await this.#duplex(conn, prep, settings, deadline);
      }
      await conn.tcp.write(prep.bytes);
      return await this.#receive(conn, prep, settings, deadline);
    } catch (error) {
      if (deadline?.conn === conn) deadline.conn = null;
      prep.pool.release(conn, false);
      if (deadline?.aborted) throw deadline.reason;
      if (
        reused && !retry && !conn.received && prep.stream === null &&
        IDEMPOTENT.has(prep.method) && !(error instanceof HTTPParseError) &&
        !(error instanceof ContentTooLargeError)
      ) {
        return this.#exchange(prep, settings, deadline, true);
      }
      // The streamed body's source failed: its error, as it is.
      if (conn.sourceError !== null) throw conn.sourceError.error;
      if (error instanceof HTTPParseError) throw invalidResponse(prep, error);
      throw broken(prep, error);
    }
  }

  /**
   * Sends a large or streamed body while the response is received, as
   * curl, undici and Go's net/http do: a server that answers as it reads
   * (an echo) cannot deadlock with us on full socket buffers, and one that
   * answers early (a 413 before the upload ends) is heard instead of lost to
   * a failed write. A response that ends before the body is sent stops the
   * sending (cancelling a streamed body) and the connection is closed, not
   * reused. A streamed body that fails ends the exchange with its error.
   */
  async #duplex(
    conn: PooledConnection,
    prep: Prepared,
    settings: Settings,
    deadline: Deadline | null,
  ): Promise<HTTPResponse> {
    this.#startSending(conn, prep, prep.bytes, deadline);
    try {
      return await this.#receive(conn, prep, settings, deadline);
    } catch (error) {
      conn.halt();
      throw error;
    }
  }

  /**
   * Starts sending `bytes`, then the streamed body if any, without waiting
   * (see {@linkcode Client.#duplex}). While it runs `conn.sending` is true
   * and `conn.halt()` stops it. A failure of the body's source (or a chunk
   * that is not a `Uint8Array`) closes the connection and is kept as
   * `conn.sourceError`, for the receiving side to report; a failure of the
   * connection is the receiving side's to see.
   */
  #startSending(
    conn: PooledConnection,
    prep: Prepared,
    bytes: Uint8Array,
    deadline: Deadline | null,
  ): void {
    const halt = new AbortController();
    const signal = deadline === null
      ? halt.signal
      : AbortSignal.any([halt.signal, deadline.controller.signal]);
    conn.sending = true;
    conn.halt = () => halt.abort();
    conn.sourceError = null;
    (async () => {
      await conn.tcp.write(bytes);
      if (prep.stream !== null) await this.#sendStream(conn, prep, signal);
    })().then(() => {
      conn.sending = false;
      conn.halt = noop; // it holds the body: let it go
    }, (error) => {
      conn.halt = noop;
      if (signal.aborted) return;
      if (error instanceof SourceError) {
        error = error.error;
      } else if (connectionError(error)) {
        return; // the receiving side sees the connection fail too
      }
      // The body's source failed, or sending it did: end the exchange
      // with that error.
      conn.sourceError = { error };
      conn.tcp.close();
    });
  }

  /**
   * Sends a streamed body. Each read of the body races `signal`, so a
   * stalled stream cannot outlive a timeout, abort or the end of the
   * exchange; on any failure the stream is cancelled (the connection is
   * closed by the caller or, on abort, by the deadline).
   */
  async #sendStream(
    conn: PooledConnection,
    prep: Prepared,
    signal: AbortSignal,
  ): Promise<void> {
    const tcp = conn.tcp;
    let reader: ReadableStreamDefaultReader<Uint8Array>;
    try {
      reader = prep.stream!.getReader();
    } catch (error) {
      throw new SourceError(error); // a locked stream
    }
    const declared = prep.length;
    let sent = 0;
    try {
      for (;;) {
        const result = await readOrAbort(reader, signal);
        if (result.done) break;
        const chunk: unknown = result.value;
        if (!(chunk instanceof Uint8Array)) {
          throw new SourceError(
            new TypeError(
              `Request body chunks must be Uint8Array, got ${typeName(chunk)}`,
            ),
          );
        }
        if (chunk.length === 0) continue;
        sent += chunk.length;
        if (declared !== -1 && sent > declared) {
          // Not a byte past the declared length: the peer would read the
          // excess as the next request (request smuggling).
          throw new SourceError(
            lengthMismatch(
              prep,
              `has at least ${sent} bytes, more than`,
              declared,
            ),
          );
        }
        await tcp.write(prep.chunked ? encodeChunk(chunk) : chunk);
      }
    } catch (error) {
      // Not awaited: a source whose cancel() hangs must not hold us up.
      reader.cancel(
        signal.aborted
          ? signal.reason
          : error instanceof SourceError
          ? error.error
          : error,
      ).catch(noop);
      throw error;
    }
    if (prep.chunked) {
      await tcp.write(encodeLastChunk(prep.trailers));
    } else if (sent < declared) {
      // The peer would wait for the rest until a timeout.
      throw new SourceError(
        lengthMismatch(prep, `ended after ${sent} bytes, short of`, declared),
      );
    }
  }

  /** Reads one chunk (or takes `read`) into the decoder; notes EOF. */
  async #fill(
    conn: PooledConnection,
    read?: Promise<Uint8Array | null>,
  ): Promise<void> {
    const chunk = await (read ?? conn.read());
    if (chunk === null) {
      conn.eof = true;
      conn.decoder.finish();
    } else {
      conn.received = true;
      conn.decoder.push(chunk);
    }
  }

  /** Reads the response to the request just sent on `conn`. */
  async #receive(
    conn: PooledConnection,
    prep: Prepared,
    settings: Settings,
    deadline: Deadline | null,
  ): Promise<HTTPResponse> {
    const decoder = conn.decoder;
    const limit = settings.maxBodyBytes;
    let deferred = prep.deferred;
    let reusable = !prep.close;
    let response: HTTPResponse | null = null;
    let interim = false;
    const chunks: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      let event = decoder.next();
      while (event !== null) {
        if (event.type === "head") {
          const message = event.message;
          if (message.status < 200 && message.status !== 101) {
            interim = true;
            if (message.status === 100 && deferred !== null) {
              await this.#sendDeferred(conn, prep, deferred, deadline);
              deferred = null;
            }
          } else {
            response = message;
            if (deferred !== null) {
              // Final answer before the body went out: the server may not
              // read it, so this connection cannot be trusted again.
              deferred = null;
              reusable = false;
            }
            const declared = message.headers.get("content-length");
            if (
              declared !== null && Number(declared) > limit &&
              prep.method !== "HEAD" && message.status !== 304 &&
              message.status !== 204
            ) {
              throw tooLarge(prep, limit, EMPTY, message, Number(declared));
            }
            if (
              settings.stream &&
              !(settings.follow && isRedirect(message.status) &&
                message.headers.has("location"))
            ) {
              return this.#stream(
                conn,
                prep,
                message,
                reusable,
                limit,
                deadline,
              );
            }
          }
        } else if (event.type === "data") {
          if (!interim) {
            length += event.data.length;
            if (length > limit) {
              chunks.push(event.data);
              const all = concat(chunks, length).subarray(0, limit);
              throw tooLarge(prep, limit, all, response!);
            }
            chunks.push(event.data);
          }
        } else if (interim) {
          interim = false;
        } else {
          response!.body = chunks.length === 0 ? EMPTY : concat(chunks, length);
          response!.trailers = event.trailers;
          this.#done(conn, prep, response!, reusable, deadline);
          return response!;
        }
        event = decoder.next();
      }
      if (conn.eof) throw noResponse(prep);
      if (deferred !== null) {
        // Expect: 100-continue: send the body anyway if no answer comes soon.
        const read = conn.read();
        const wait = timer(CONTINUE_WAIT);
        let first;
        try {
          first = await Promise.race([read, wait.promise]);
        } finally {
          wait.clear();
        }
        if (first === TIMEOUT) {
          await this.#sendDeferred(conn, prep, deferred, deadline);
          deferred = null;
        }
        await this.#fill(conn, read);
        continue;
      }
      await this.#fill(conn);
    }
  }

  /**
   * Sends the body held back for `Expect: 100-continue`: a large one while
   * the response is received, as {@linkcode Client.#duplex} does.
   */
  #sendDeferred(
    conn: PooledConnection,
    prep: Prepared,
    body: Uint8Array,
    deadline: Deadline | null,
  ): Promise<unknown> | void {
    if (body.length <= DUPLEX_BYTES) return conn.tcp.write(body);
    this.#startSending(conn, prep, body, deadline);
  }

  /** Returns the connection after a whole response. */
  #done(
    conn: PooledConnection,
    prep: Prepared,
    response: HTTPResponse,
    reusable: boolean,
    deadline: Deadline | null,
  ): void {
    if (deadline !== null) deadline.conn = null;
    if (conn.sending) {
      // The response ended before the request body was sent (#duplex).
      conn.halt();
      reusable = false;
    }
    conn.halt = noop;
    reusable = reusable && !conn.eof && response.status !== 101 &&
      persistent(response) && conn.decoder.takeBuffered().length === 0;
    prep.pool.release(conn, reusable);
  }

  #stream(
    conn: PooledConnection,
    prep: Prepared,
    response: HTTPResponse,
    reusable: boolean,
    limit: number,
    deadline: Deadline | null,
  ): HTTPResponse {
    const decoder = conn.decoder;
    let finished = false;
    const finish = (ok: boolean) => {
      if (finished) return;
      finished = true;
      if (ok) {
        this.#done(conn, prep, response, reusable, deadline);
      } else {
        if (deadline !== null) deadline.conn = null;
        conn.halt(); // a request body still being sent: stop it
        prep.pool.release(conn, false);
      }
      deadline?.dispose();
    };
    // A body that is already complete (HEAD, 204, 304, a short one) is
    // handed over at once so the connection does not wait for the reader.
    const ready: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const event = decoder.next();
      if (event === null) break;
      if (event.type === "data") {
        length += event.data.length;
        if (length > limit) throw tooLarge(prep, limit, EMPTY, response);
        ready.push(event.data);
      } else if (event.type === "end") {
        response.trailers = event.trailers;
        finish(true);
        response.body = ReadableStream.from(ready);
        return response;
      }
    }
    let total = length;
    response.body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (ready.length > 0) {
          controller.enqueue(ready.shift()!);
          return;
        }
        try {
          for (;;) {
            const event = decoder.next();
            if (event === null) {
              if (conn.eof) throw noResponse(prep);
              await this.#fill(conn);
              continue;
            }
            if (event.type === "data") {
              total += event.data.length;
              if (total > limit) throw tooLarge(prep, limit, EMPTY, response);
              controller.enqueue(event.data);
              return;
            }
            if (event.type === "end") {
              response.trailers = event.trailers;
              finish(true);
              controller.close();
              return;
            }
          }
        } catch (error) {
          finish(false);
          if (deadline?.aborted) throw deadline.reason;
          if (conn.sourceError !== null) throw conn.sourceError.error;
          if (error instanceof HTTPParseError) {
            throw invalidResponse(prep, error);
          }
          throw broken(prep, error);
        }
      },
      cancel: () => finish(false),
    }, { highWaterMark: 0 });
    return response;
  }

  // ---------------------------------------------------------- idle sweep

  #arm(at: number): void {
    if (this.#closed || at >= this.#sweepAt) return;
    if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
    this.#sweepAt = at;
    const id = setTimeout(() => this.#sweep(), Math.max(0, at - Date.now()));
    Deno.unrefTimer(id);
    this.#sweepTimer = id;
  }

  #sweep(): void {
    this.#sweepTimer = undefined;
    this.#sweepAt = Infinity;
    const timeout = this.#settings.idleTimeout;
    const now = Date.now();
    let next = Infinity;
    for (const pool of this.#pools.values()) {
      pool.sweep(now - timeout);
      if (pool.idle.length > 0) {
        next = Math.min(next, pool.idle[0].idleSince + timeout);
      }
    }
    if (next !== Infinity) this.#arm(next);
  }
}
