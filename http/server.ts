// Copyright 2026 the socketkit authors. MIT license.

import type { Addr } from "../address.ts";
import { formatAddr, parseAddr } from "../address.ts";
import { listen, type Listener, type TCPConnection } from "../connection.ts";
import { countRead, readStraight } from "../_connection_hooks.ts";
import { checkTimeout } from "../_deadline.ts";
import { encodeChunk, encodeLastChunk } from "./encoder.ts";
import { type HTTPRequest, HTTPResponse } from "./message.ts";
import {
  type DecoderOptions,
  HTTPParseError,
  pushRequestBytes,
  RequestDecoder,
  useInternTable,
} from "./parser.ts";
import { STATUS_TEXT } from "./status.ts";
import { renameBroken } from "./_broken.ts";
import { concat, InternTable } from "./_chars.ts";
import {
  DateCache,
  hasToken,
  type HeadFacts,
  headLines,
  OutBuffer,
} from "./_server_encode.ts";

/**
 * What a handler learns about the connection a request came on, and the way
 * to take it over.
 *
 * @example Take over the connection after `101 Switching Protocols`
 * ```ts
 * import { connect } from "@socketkit/socketkit";
 * import { HTTPResponse, serve } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const tunnels: Promise<void>[] = [];
 * await using server = serve({ hostname: "127.0.0.1", port: 0 }, (req, info) => {
 *   if (req.headers.get("upgrade") !== "echo") {
 *     return HTTPResponse.error(426);
 *   }
 *   tunnels.push(info.upgrade().then(async (conn) => {
 *     try {
 *       for await (const chunk of conn) await conn.write(chunk);
 *     } finally {
 *       conn.close();
 *     }
 *   }));
 *   return new HTTPResponse({
 *     status: 101,
 *     headers: { Connection: "Upgrade", Upgrade: "echo" },
 *   });
 * });
 *
 * await using conn = await connect(server.addr);
 * await conn.write(
 *   "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
 * );
 * const head = new TextDecoder().decode((await conn.readUntil("\r\n\r\n"))!);
 * assert(head.startsWith("HTTP/1.1 101 Switching Protocols\r\n"));
 * await conn.write("ping");
 * assert.equal(new TextDecoder().decode(await conn.readExactly(4)), "ping");
 * await conn.closeWrite();
 * await Promise.all(tunnels);
 * ```
 */
export interface ServeHandlerInfo {
  /** The client's address. */
  readonly remoteAddr: Addr;
  /** The server's address the client connected to. */
  readonly localAddr: Addr;
  /**
   * Takes over the connection for another protocol: for a request with an
   * `Upgrade` field (and `Connection: upgrade`), or a `CONNECT` (RFC 9110
   * sections 7.8 and 9.3.6).
   *
   * Call it during the handler, then return the response that switches
   * protocols: a `101 Switching Protocols` for an upgrade, a 2xx for CONNECT.
   * The server writes that response's head (no content), puts any bytes the
   * client sent after the request back in front of the connection's read
   * buffer (`conn.unread()`), stops managing the connection and resolves the
   * promise with it. From then on the connection is the caller's: the
   * server's `shutdown()` and timeouts no longer touch it, and the caller
   * must close it.
   *
   * If the handler returns any other status, or writing the head fails, the
   * promise rejects (with a `TypeError`, or the write's error) and the
   * request is answered normally; an unawaited rejection is not reported as
   * unhandled.
   *
   * @returns The raw connection, once the switching response is written.
   * @throws {TypeError} When the request is neither an upgrade request nor
   *   CONNECT, its content has not been read to the end, or the handler has
   *   already returned.
   */
  upgrade(): Promise<TCPConnection>;
}

/**
 * A request handler: gets each request with its content (`request.body`)
 * either collected as a `Uint8Array` (when it had fully arrived) or as a
 * `ReadableStream<Uint8Array>` read from the connection on demand, and
 * returns the response. `await request.bytes()` collects either form.
 *
 * @example Route by method and path
 * ```ts
 * import {
 *   HTTPResponse,
 *   serve,
 *   type ServeHandler,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const handler: ServeHandler = async (request) => {
 *   if (request.method === "POST" && request.url.pathname === "/echo") {
 *     return HTTPResponse.text(await request.text());
 *   }
 *   return HTTPResponse.text("not found\n", { status: 404 });
 * };
 *
 * await using server = serve({ hostname: "127.0.0.1", port: 0 }, handler);
 * assert(server.addr.transport === "tcp");
 * const base = `http://127.0.0.1:${server.addr.port}`;
 * const res = await fetch(`${base}/echo`, { method: "POST", body: "hi" });
 * assert.equal(await res.text(), "hi");
 * const missing = await fetch(`${base}/nope`);
 * assert.equal(missing.status, 404);
 * await missing.body?.cancel();
 * ```
 */
export type ServeHandler = (
  request: HTTPRequest,
  info: ServeHandlerInfo,
) => HTTPResponse | Promise<HTTPResponse>;

/**
 * A web-standard fetch handler, as `Deno.serve`, Hono's `app.fetch` and
 * Cloudflare Workers take. The second argument is the connection info
 * (Hono sees it as `c.env`).
 *
 * @example Serve a web-standard handler
 * ```ts
 * import {
 *   type FetchHandler,
 *   fromFetchHandler,
 *   serve,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const app: FetchHandler = (request, info) =>
 *   Response.json({
 *     path: new URL(request.url).pathname,
 *     transport: info.remoteAddr.transport,
 *   });
 *
 * await using server = serve(
 *   { hostname: "127.0.0.1", port: 0 },
 *   fromFetchHandler(app),
 * );
 * assert(server.addr.transport === "tcp");
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/hello`);
 * assert.deepEqual(await res.json(), { path: "/hello", transport: "tcp" });
 * ```
 */
export type FetchHandler = (
  request: Request,
  info: ServeHandlerInfo,
) => Response | Promise<Response>;

/**
 * Options for {@linkcode serve}: where to listen, limits and timeouts.
 *
 * @example Timeouts, limits and an error page
 * ```ts
 * import {
 *   HTTPResponse,
 *   serve,
 *   type ServeOptions,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const options: ServeOptions = {
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   maxConnections: 1_000,
 *   maxHeaderBytes: 16 * 1024,
 *   headersTimeout: 10_000,
 *   requestTimeout: 30_000,
 *   keepAliveTimeout: 5_000,
 *   writeTimeout: 30_000,
 *   onError: (error) =>
 *     HTTPResponse.text(`Unavailable: ${(error as Error).message}`, {
 *       status: 503,
 *     }),
 * };
 *
 * await using server = serve(options, () => {
 *   throw new Error("database is down");
 * });
 * assert(server.addr.transport === "tcp");
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * assert.equal(res.status, 503);
 * assert.equal(await res.text(), "Unavailable: database is down");
 * ```
 */
export interface ServeOptions extends DecoderOptions {
  /**
   * Host name or IP address to listen on.
   *
   * @default {"0.0.0.0"}
   */
  hostname?: string;
  /**
   * TCP port to listen on; 0 lets the system pick one (read it from
   * `server.addr`).
   *
   * @default {8000}
   */
  port?: number;
  /**
   * A unix socket file to listen on instead of TCP. Requires `--allow-read`
   * and `--allow-write` as well as `--allow-net`.
   */
  path?: string;
  /**
   * With `path`: remove a socket file there before binding, for one left
   * by a server that crashed. It does not check that the file is stale: a
   * server still listening there loses it. Only a socket file is removed,
   * never a regular file.
   *
   * @default {false}
   */
  removeExisting?: boolean;
  /** Aborting it shuts the server down as {@linkcode Server.shutdown} does. */
  signal?: AbortSignal;
  /**
   * Called once with the bound address when the server is listening, just
   * before it accepts connections (clients that connect meanwhile wait in
   * the listen backlog). If it throws, the listener is closed and
   * {@linkcode serve} throws that error.
   */
  onListen?: (addr: Addr) => void;
  /**
   * Called when a handler throws (or returns something that is not an
   * `HTTPResponse`), with the error and the request. The response it returns
   * is sent instead of the default
   * `500 Internal Server Error`. Also called, with its return value ignored,
   * for errors that cannot be answered: a response body stream that fails
   * after the head was sent (the connection is then closed so the client
   * sees an incomplete response), and `accept()` failures other than the
   * listener closing. Without it, such errors are not reported anywhere
   * (a library does not write to the console; `Deno.serve` logs them): pass
   * one that logs, e.g. `onError: (error) => console.error(error)`, which
   * returns nothing and so keeps the 500.
   */
  onError?: (
    error: unknown,
    request: HTTPRequest | null,
  ) => HTTPResponse | void | Promise<HTTPResponse | void>;
  /**
   * The most connections served at once. When reached, the server stops
   * accepting (new clients wait in the listen backlog) until one closes, as
   * Go's `netutil.LimitListener` does.
   *
   * @default {Infinity}
   */
  maxConnections?: number;
  /**
   * How long a client may take to send a request's start-line and header
   * section, in milliseconds, counted from the request's first byte (or
   * from accepting the connection, for its first request). Past it the
   * server answers `408 Request Timeout` and closes the connection: the
   * defence against slowloris. `Infinity` or 0 turns it off.
   *
   * @default {60000}
   */
  headersTimeout?: number;
  /**
   * How long the server waits, in total, for a request's content, in
   * milliseconds: the time reads of the content spend waiting for the
   * client after the header section (which `headersTimeout` bounds), not
   * the time a handler takes before it reads. Past it the handler's read
   * fails with `Deno.errors.TimedOut`, the client gets `408 Request
   * Timeout` if no response to it has begun, and the connection is closed.
   * `Infinity` or 0 turns it off.
   *
   * @default {300000}
   */
  requestTimeout?: number;
  /**
   * How long an idle keep-alive connection is kept open waiting for the
   * next request, in milliseconds (RFC 9112 section 9.3). `Infinity` or 0
   * turns it off.
   *
   * @default {5000}
   */
  keepAliveTimeout?: number;
  /**
   * How long a pending response write may go without progress, in
   * milliseconds; past it the connection is closed (and a streamed body
   * cancelled), so a client that stops reading cannot hold a response and
   * its connection until shutdown. Like nginx's `send_timeout` it bounds the
   * time between two successful writes to the socket, not the whole
   * response. Progress is what the kernel reports: a blocked write resumes
   * only once the client has drained a good part of the socket's send
   * buffer (up to about a third of it, which on Linux can grow to a few
   * MiB), so a client that reads slower than that share per `writeTimeout`
   * is cut off too. `Infinity` or 0 turns it off.
   *
   * @default {60000}
   */
  writeTimeout?: number;
  /**
   * The largest request content, in bytes, so that `request.bytes()`,
   * `text()` and `json()` collect a bounded amount: a `Content-Length`
   * above it is answered with `413 Content Too Large` before the handler
   * runs, and chunked content that grows past it fails its reads and then
   * gets the 413 (RFC 9110 section 15.5.14). nginx's default is 1 MiB and
   * Bun's 128 MiB; `Infinity` lifts the limit, for handlers that stream
   * larger uploads.
   *
   * @default {67108864} (64 MiB)
   */
  maxBodyBytes?: number;
}

/**
 * Options for {@linkcode Server.shutdown}.
 *
 * @example Give requests in flight two seconds
 * ```ts
 * import {
 *   HTTPResponse,
 *   serve,
 *   type ShutdownOptions,
 * } from "@socketkit/socketkit/http";
 *
 * const server = serve(
 *   { hostname: "127.0.0.1", port: 0 },
 *   () => HTTPResponse.text("ok"),
 * );
 * // For example on SIGTERM: stop accepting, then let requests finish.
 * const options: ShutdownOptions = { timeout: 2_000 };
 * await server.shutdown(options);
 * ```
 */
export interface ShutdownOptions {
  /**
   * How long in-flight requests may take to finish, in milliseconds, before
   * their connections are closed anyway. `Infinity` waits for them.
   *
   * @default {10000}
   */
  timeout?: number;
}

/**
 * A running HTTP/1.1 server, as {@linkcode serve} returns it.
 *
 * `await using server = serve(...)` shuts it down gracefully at the end of
 * the scope.
 *
 * @example Serve a request, then shut down with a deadline
 * ```ts
 * import { HTTPResponse, serve, type Server } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using server: Server = serve(
 *   { hostname: "127.0.0.1", port: 0 },
 *   (request) => HTTPResponse.text(`Hello, ${request.url.pathname}`),
 * );
 * assert(server.addr.transport === "tcp");
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/world`);
 * assert.equal(await res.text(), "Hello, /world");
 *
 * await server.shutdown({ timeout: 1_000 });
 * await server.finished; // already resolved: the last connection is closed
 * ```
 */
export interface Server extends AsyncDisposable {
  /** The bound address, with the real port when port 0 was asked for. */
  readonly addr: Addr;
  /**
   * Resolves once the server has stopped accepting and its last connection
   * is closed (connections taken over by `info.upgrade()` do not count).
   */
  readonly finished: Promise<void>;
  /**
   * Shuts down gracefully: stops accepting at once, closes idle keep-alive
   * connections at once, lets requests in flight finish (their responses
   * carry `Connection: close`) and closes the rest when `timeout` passes.
   * Calling it again returns the same promise.
   *
   * @param options The deadline for requests in flight.
   * @returns {@linkcode Server.finished}.
   * @throws {RangeError} When `timeout` is negative or not a number.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

// ------------------------------------------------------------------ serve

/**
 * Serves HTTP/1.1 (RFC 9112) on a TCP address or unix socket, in the shape
 * of `Deno.serve`: every request goes to `handler` and its response back to
 * the client.
 *
 * The server keeps HTTP/1.1 connections alive by default and closes
 * HTTP/1.0 ones unless they ask for `Connection: keep-alive`; honours
 * `Connection: close` from either side (RFC 9112 section 9.6); answers
 * pipelined requests in order, batching their responses into one write;
 * adds `Date` (RFC 9110 section 6.6.1) and `Content-Length`; sends a
 * response to HEAD without content; sends a streamed response body
 * (`ReadableStream` or async iterable) chunked (RFC 9112 section 7.1), or
 * delimited by closing the connection for HTTP/1.0 clients.
 *
 * `Expect: 100-continue` (RFC 9110 section 10.1.1, HTTP/1.1 only): the
 * server sends `100 Continue` when the handler first reads a request body
 * that has not arrived yet, or just before a streamed response body (which
 * may read it: an echo, a proxy). A handler that answers with bytes
 * without reading the body never triggers it, and the connection is then
 * closed after the response instead of reading the unwanted body.
 *
 * Request content a handler leaves unread is read and dropped after its
 * response, up to 256 KiB, to keep the connection; when `Content-Length`
 * says more is coming, the response says `Connection: close` instead. The
 * response is held back for it for 2 ms at most. Chunked content has no
 * length to judge by: with a byte response, the connection is kept only
 * if the end of the content has arrived (or does within those 2 ms), else
 * the response says `Connection: close`. With a streamed response (which
 * may read it), chunked content past 256 KiB closes the connection after
 * the response without the head saying so.
 *
 * Malformed input gets the codec's status (400, 413, 414, 431, 501 or 505)
 * with a short `text/plain` body, then the connection is closed. A handler
 * that throws gets `500 Internal Server Error` and a call to
 * `options.onError`. Neither touches other connections. A client that goes
 * away mid-request or mid-response only ends its own connection. A streamed
 * response body is cancelled when its connection closes early: the client
 * leaving (noticed once the request content has been read to the end),
 * `writeTimeout`, or the `shutdown()` deadline. As with Go's and Node's
 * servers, a client that shuts down its sending side counts as leaving, so
 * a client that half-closes after its request gets a streamed response
 * cut short (a response with a byte body still goes out whole).
 *
 * The timeouts are checked by one coarse timer per server, not a timer per
 * connection, so each fires up to a quarter of the shortest timeout or
 * 10 ms late, whichever is more (at most 2 s), never early.
 *
 * Requires `--allow-net` (and `--allow-read` and `--allow-write` for a
 * unix socket).
 *
 * @param options Where to listen, limits, timeouts and callbacks.
 * @param handler Turns each request into a response.
 * @returns The running server.
 * @throws {Deno.errors.AddrInUse} When the address is taken.
 * @throws {RangeError} When a timeout or a codec limit is negative or not a
 *   number, or `maxConnections` is not a positive number.
 *
 * @example Hello world on a port the system picks
 * ```ts
 * import { HTTPResponse, serve } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using server = serve(
 *   { hostname: "127.0.0.1", port: 0 },
 *   (request) => HTTPResponse.text(`Hello, ${request.url.pathname}`),
 * );
 * assert(server.addr.transport === "tcp");
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/world`);
 * assert.equal(await res.text(), "Hello, /world");
 * ```
 */
export function serve(options: ServeOptions, handler: ServeHandler): Server {
  if (typeof handler !== "function") {
    throw new TypeError("serve() needs a handler function");
  }
  checkTimeout(options.headersTimeout, "headersTimeout");
  checkTimeout(options.requestTimeout, "requestTimeout");
  checkTimeout(options.keepAliveTimeout, "keepAliveTimeout");
  checkTimeout(options.writeTimeout, "writeTimeout");
  const max = options.maxConnections ?? Infinity;
  if (!(max >= 1)) {
    throw new RangeError(
      `maxConnections must be a positive number, got ${max}`,
    );
  }
  // The codec's limits, checked now rather than at the first connection.
  new RequestDecoder(decoderOptionsOf(options));
  const listener = options.path !== undefined
    ? listen({
      transport: "unix",
      path: options.path,
      removeExisting: options.removeExisting,
    })
    : listen({
      hostname: options.hostname ?? "0.0.0.0",
      port: options.port ?? 8000,
    });
  try {
    // Before any accept is under way, so closing frees the address at once.
    options.onListen?.(listener.addr);
  } catch (error) {
    listener.close();
    throw error;
  }
  return new HTTPServer(listener, handler, options);
}

function decoderOptionsOf(options: ServeOptions): DecoderOptions {
  return {
    maxStartLineBytes: options.maxStartLineBytes,
    maxHeaderBytes: options.maxHeaderBytes,
    maxHeaderCount: options.maxHeaderCount,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY,
  };
}

/**
 * Serves HTTP/1.1 on `addr` with default options, as lightbug_http's
 * `listen_and_serve` and Go's `http.ListenAndServe` do. Use {@linkcode serve}
 * for options.
 *
 * Requires `--allow-net` (and `--allow-read` and `--allow-write` for a
 * unix socket).
 *
 * @param addr `"host:port"` (port 0 picks a free one), `"[::1]:port"` or
 *   `"unix:/path"`.
 * @param handler Turns each request into a response.
 * @returns The running server.
 * @throws {TypeError} When `addr` cannot be parsed.
 * @throws {Deno.errors.AddrInUse} When the address is taken.
 *
 * @example Serving on a loopback port
 * ```ts
 * import { HTTPResponse, listenAndServe } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using server = listenAndServe(
 *   "127.0.0.1:0",
 *   () => HTTPResponse.text("ok"),
 * );
 * assert(server.addr.transport === "tcp");
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 * assert.equal(await res.text(), "ok");
 * ```
 */
export function listenAndServe(addr: string, handler: ServeHandler): Server {
  const parsed = parseAddr(addr);
  if (parsed.transport === "unix") {
    return serve({ path: parsed.path }, handler);
  }
  if (parsed.transport !== "tcp") {
    throw new TypeError(
      `Invalid address ${JSON.stringify(addr)}: HTTP needs tcp or unix`,
    );
  }
  return serve({ hostname: parsed.hostname, port: parsed.port }, handler);
}

// ------------------------------------------------------------ fetch adapter

/**
 * Adapts a web-standard fetch handler (`(req: Request) => Response`) into a
 * {@linkcode ServeHandler}, so code written for `Deno.serve`, Hono
 * (`app.fetch`) and other web-standard frameworks runs on this server
 * unchanged.
 *
 * The `Request` gets the URL from the request-target and `Host` (`http:`),
 * the method, the header fields and the content (a stream when it had not
 * fully arrived). The `Response` body is sent with `Content-Length` when it
 * is available at once (a string, bytes, a `Content-Length` up to 1 MiB),
 * and streamed chunked otherwise. `request.signal` is not aborted when the
 * client disconnects.
 *
 * A `Request` cannot carry the methods the Fetch standard forbids (`CONNECT`,
 * `TRACE`, `TRACK`): those requests are answered `501 Not Implemented`
 * without calling `handler`. To tunnel `CONNECT`, write a
 * {@linkcode ServeHandler} and call `info.upgrade()`.
 *
 * @param handler The fetch handler; its second argument is the connection
 *   info.
 * @returns A handler for {@linkcode serve}.
 *
 * @example Adapting a fetch handler
 * ```ts
 * import { fromFetchHandler, HTTPRequest } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const handler = fromFetchHandler((req) =>
 *   new Response(`hello ${new URL(req.url).pathname}`, { status: 201 })
 * );
 * const addr = { transport: "tcp", hostname: "127.0.0.1", port: 1 } as const;
 * const res = await handler(
 *   new HTTPRequest({ target: "/there", headers: { Host: "example.com" } }),
 *   { remoteAddr: addr, localAddr: addr, upgrade: () => Promise.reject() },
 * );
 * assert.equal(res.status, 201);
 * assert.equal(await res.text(), "hello /there");
 * ```
 */
export function fromFetchHandler(handler: FetchHandler): ServeHandler {
  return async (request, info) => {
    const method = request.method;
    if (
      (method.length === 5 || method.length === 7) && FORBIDDEN.test(method)
    ) {
      return HTTPResponse.error(
        501,
        `501 Not Implemented: fetch handlers cannot receive ${method} requests`,
      );
    }
    const response = await handler(toRequest(request), info);
    if (!(response instanceof Response)) {
      throw new TypeError("Fetch handler must return a Response");
    }
    return await fromResponse(response);
  };
}

/** Methods `new Request()` refuses (Fetch standard, "forbidden method"). */
const FORBIDDEN = /^(?:CONNECT|TRACE|TRACK)$/i;

function toRequest(request: HTTPRequest): Request {
  const { method, target, body } = request;
  const url = target.charCodeAt(0) === 0x2f
    ? `http://${request.headers.get("host") || "localhost"}${target}`
    : request.url.href;
  const init: RequestInit & { duplex?: "half" } = {
    method,
    headers: request.headers.toHeaders(),
  };
  if (method !== "GET" && method !== "HEAD") {
    if (body instanceof Uint8Array) {
      if (body.length > 0) init.body = body as Uint8Array<ArrayBuffer>;
    } else {
      init.body = body;
      init.duplex = "half";
    }
  }
  return new Request(url, init);
}

/** Bodies with a `Content-Length` up to this are collected, in bytes. */
const COLLECT_LIMIT = 1024 * 1024;
const PENDING: unique symbol = Symbol("pending");
type Read = ReadableStreamReadResult<Uint8Array>;

/** Resolves with `promise`'s value if it settles within a few microtasks. */
function soon(promise: Promise<Read>): Promise<Read | typeof PENDING> {
  const later = Promise.resolve().then().then().then().then(
    (): typeof PENDING => PENDING,
  );
  return Promise.race<Read | typeof PENDING>([promise, later]);
}

async function fromResponse(response: Response): Promise<HTTPResponse> {
  const res = new HTTPResponse({
    status: response.status,
    reason: response.statusText || undefined,
    headers: response.headers,
  });
  const stream = response.body;
  if (stream === null) return res;
  const length = response.headers.get("content-length");
  if (length !== null && Number(length) <= COLLECT_LIMIT) {
    res.body = new Uint8Array(await response.arrayBuffer());
    return res;
  }
  // Bodies built from a string or bytes are readable within a few
  // microtasks: send those with Content-Length, stream the rest.
  const reader = stream.getReader();
  const first = reader.read();
  const a = await soon(first);
  if (a !== PENDING && a.done) return res;
  if (a !== PENDING) {
    const second = reader.read();
    const b = await soon(second);
    if (b !== PENDING && b.done) {
      res.body = a.value;
      return res;
    }
    res.body = resumed(reader, [a.value], b === PENDING ? second : b);
    return res;
  }
  res.body = resumed(reader, [], first);
  return res;
}

/** A stream of `chunks`, then `pending`'s value, then the rest of `reader`. */
function resumed(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  chunks: Uint8Array[],
  pending: Promise<Read> | Read,
): ReadableStream<Uint8Array> {
  let next: Promise<Read> | Read | null = pending;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = chunks.shift();
      if (chunk !== undefined) {
        controller.enqueue(chunk);
        return;
      }
      const result = await (next ?? reader.read());
      next = null;
      if (result.done) controller.close();
      else controller.enqueue(result.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

// ------------------------------------------------------------- the server

/** Connection phases, for timeouts and shutdown. */
const P_IDLE = 0; // between requests: keepAliveTimeout
const P_HEAD = 1; // receiving a head: headersTimeout
const P_BODY = 2; // a read of request content waits: requestTimeout
const P_HANDLER = 3; // handler running or response being written
const P_CLOSING = 4; // error response or close under way

/**
 * With many busy connections, Deno's event loop can go 100+ ms without
 * delivering some connections' ready reads while others keep completing at
 * once (a p99 of 100 to 600 ms at 256 keep-alive connections, for a plain
 * Deno.Conn loop too). So from this many open connections on, once the
 * server has made as many reads as it has connections, reads wait for a
 * timer: the loop goes idle once and every ready read is delivered, so each
 * connection gets about one read per turn (p99 11 to 18 ms at 256
 * connections in bench/http_server.ts, same throughput). Below that the pause (a timer takes 1 to
 * 2 ms) would cost more throughput than the starvation it prevents.
 */
const BURST_CONNECTIONS = 128;
/** Size of a connection's read arena, in bytes. */
const ARENA_SIZE = 16 * 1024;
/** A read gets at least this much room, in bytes, or a new arena. */
const MIN_READ = 4 * 1024;
/** Uint8Array bodies up to this are copied behind the head (one write). */
const COPY_LIMIT = 64 * 1024;
/** Flush the batched responses once they reach this many bytes. */
const BATCH_LIMIT = 64 * 1024;
/** The default of ServeOptions.maxBodyBytes, in bytes. */
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
/** An unread request body up to this is read and dropped to keep the connection. */
const DRAIN_LIMIT = 256 * 1024;
/**
 * How long a byte response may wait for unread chunked content already on
 * its way, in ms, before it says `Connection: close` instead.
 */
const DROP_WAIT_MS = 2;
/** What dropping unread content found: its end, a need for more, or a reason to close. */
const END = 0;
const MORE = 1;
const CLOSE = 2;
type Dropped = typeof END | typeof MORE | typeof CLOSE;
/** While a response streams, read at most this much of the next requests, in bytes. */
const READ_AHEAD = 64 * 1024;
/** After an error response, read and drop at most this much, in bytes... */
const LINGER_BYTES = 1024 * 1024;
/** ...for at most this long between reads, in ms (avoids a RST eating the response). */
const LINGER_MS = 1000;

const encoder = new TextEncoder();
const CONTINUE = encoder.encode("HTTP/1.1 100 Continue\r\n\r\n");
const TIMEOUT_LINE = encoder.encode("HTTP/1.1 408 Request Timeout\r\n");
const TIMEOUT_END = encoder.encode(
  "Connection: close\r\nContent-Length: 0\r\n\r\n",
);
const EMPTY_BODY = new Uint8Array(0);
const INTERNAL_ERROR = encoder.encode(
  "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\n" +
    "Connection: close\r\n\r\n500 Internal Server Error\n",
);

function noop(): void {}

function timeoutOf(ms: number | undefined, fallback: number): number {
  const value = ms ?? fallback;
  return value === 0 ? Infinity : value;
}

class HTTPServer implements Server {
  readonly #listener: Listener;
  readonly handler: ServeHandler;
  readonly #onError: ServeOptions["onError"];
  readonly decoderOptions: DecoderOptions;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly writeTimeout: number;
  readonly #maxConnections: number;
  readonly sessions: Set<Session> = new Set();
  readonly date: DateCache = new DateCache();
  /** Strings of recent request heads, shared by this server's connections. */
  readonly intern: InternTable = new InternTable();
  draining = false;
  #accepting = true;
  #finished: Promise<void>;
  #resolveFinished: () => void;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #shutdownTimer: ReturnType<typeof setTimeout> | undefined;
  #slot: (() => void) | null = null;
  #signal: AbortSignal | undefined;
  /** Reads issued since the last yield to the event loop. */
  burst = 0;
  #turn: Promise<void> | null = null;
  #turnTimer: ReturnType<typeof setTimeout> | undefined;
  #endTurn: () => void = noop;
  #onAbort = () => {
    this.shutdown();
  };

  constructor(
    listener: Listener,
    handler: ServeHandler,
    options: ServeOptions,
  ) {
    this.#listener = listener;
    this.handler = handler;
    this.#onError = options.onError;
    this.decoderOptions = decoderOptionsOf(options);
    this.headersTimeout = timeoutOf(options.headersTimeout, 60_000);
    this.requestTimeout = timeoutOf(options.requestTimeout, 300_000);
    this.keepAliveTimeout = timeoutOf(options.keepAliveTimeout, 5_000);
    this.writeTimeout = timeoutOf(options.writeTimeout, 60_000);
    this.#maxConnections = options.maxConnections ?? Infinity;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#finished = promise;
    this.#resolveFinished = resolve;
    // One coarse timer per server checks every connection's deadline.
    const shortest = Math.min(
      this.headersTimeout,
      this.requestTimeout,
      this.keepAliveTimeout,
      this.writeTimeout,
    );
    if (shortest !== Infinity) {
      // A phase's start is stamped by the first sweep that sees it, so a
      // deadline passes up to two ticks late: a quarter of the shortest.
      const tick = Math.min(1000, Math.max(5, Math.floor(shortest / 8)));
      this.#sweepTimer = setInterval(this.#sweep, tick);
    }
    this.#signal = options.signal;
    this.#acceptLoop();
    if (this.#signal !== undefined) {
      if (this.#signal.aborted) this.shutdown();
      else this.#signal.addEventListener("abort", this.#onAbort);
    }
  }

  get addr(): Addr {
    return this.#listener.addr;
  }

  get finished(): Promise<void> {
    return this.#finished;
  }

  async #acceptLoop(): Promise<void> {
    const listener = this.#listener;
    let backoff = 0;
    while (!listener.closed) {
      if (this.sessions.size >= this.#maxConnections) {
        await new Promise<void>((resolve) => this.#slot = resolve);
        continue;
      }
      let conn: TCPConnection;
      try {
        conn = await listener.accept();
        backoff = 0;
      } catch (error) {
        if (listener.closed) break;
        this.report(error, null);
        // Out of file descriptors or similar: back off as Go's server does.
        backoff = backoff === 0 ? 5 : Math.min(backoff * 2, 1000);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        continue;
      }
      if (this.draining) {
        conn.close();
        break;
      }
      let session: Session;
      try {
        session = new Session(this, conn);
      } catch (error) {
        conn.close();
        this.report(error, null);
        continue;
      }
      this.sessions.add(session);
      session.run();
    }
    this.#accepting = false;
    this.#checkFinished();
  }

  #sweep = (): void => {
    const now = Date.now();
    for (const session of this.sessions) {
      // A pending write that the client has taken no bytes of: writeTimeout.
      const written = session.conn.bytesWritten;
      if (written < session.queued) {
        if (written !== session.writeMark) {
          session.writeMark = written;
          session.writeSince = now;
        } else if (now - session.writeSince >= this.writeTimeout) {
          session.abort(
            new Deno.errors.TimedOut(
              `Write to ${
                formatAddr(session.conn.remoteAddr)
              } made no progress for ${this.writeTimeout} ms`,
            ),
          );
          continue;
        }
      }
      if (session.since === -1) {
        session.since = now;
        continue;
      }
      const elapsed = now - session.since;
      switch (session.phase) {
        case P_IDLE:
          if (elapsed >= this.keepAliveTimeout) session.abort();
          break;
        case P_HEAD:
          if (elapsed >= this.headersTimeout) session.timeout();
          break;
        case P_BODY:
          if (elapsed >= this.requestTimeout) {
            session.contentTimeout(this.requestTimeout);
          }
          break;
      }
    }
  };

  /** Resolves on the next turn of the event loop, after pending I/O. */
  nextTurn(): Promise<void> {
    if (this.#turn === null) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#turn = promise;
      this.#endTurn = () => {
        clearTimeout(this.#turnTimer);
        this.#turn = null;
        this.#endTurn = noop;
        this.burst = 0;
        resolve();
      };
      this.#turnTimer = setTimeout(this.#endTurn, 0);
    }
    return this.#turn;
  }

  /** Forgets a closed or taken-over connection. */
  remove(session: Session): void {
    if (!this.sessions.delete(session)) return;
    const slot = this.#slot;
    if (slot !== null) {
      this.#slot = null;
      slot();
    }
    this.#checkFinished();
  }

  #checkFinished(): void {
    if (this.#accepting || this.sessions.size > 0) return;
    clearInterval(this.#sweepTimer);
    this.date.close();
    clearTimeout(this.#shutdownTimer);
    this.#endTurn();
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#resolveFinished();
  }

  shutdown(options?: ShutdownOptions): Promise<void> {
    if (this.draining) return this.#finished;
    const timeout = options?.timeout ?? 10_000;
    checkTimeout(timeout, "timeout");
    this.draining = true;
    this.#listener.close();
    const slot = this.#slot;
    if (slot !== null) {
      this.#slot = null;
      slot();
    }
    for (const session of this.sessions) {
      if (session.idle()) session.abort();
    }
    if (this.sessions.size > 0 && timeout !== Infinity) {
      this.#shutdownTimer = setTimeout(() => {
        const reason = new DOMException(
          `Server shutdown timeout of ${timeout} ms passed`,
          "TimeoutError",
        );
        for (const session of this.sessions) session.abort(reason);
      }, timeout);
    }
    this.#checkFinished();
    return this.#finished;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** The response for a handler that threw: from onError, else a 500. */
  async errorResponse(
    error: unknown,
    request: HTTPRequest,
  ): Promise<HTTPResponse> {
    const onError = this.#onError;
    if (onError !== undefined) {
      try {
        const res = await onError(error, request);
        if (res instanceof HTTPResponse) return res;
      } catch {
        // A failing onError still gets the client its 500.
      }
    }
    return new HTTPResponse({
      status: 500,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
      body: "500 Internal Server Error\n",
    });
  }

  /** Passes an error nobody can answer to onError, if any. */
  report(error: unknown, request: HTTPRequest | null): void {
    const onError = this.#onError;
    if (onError === undefined) return;
    try {
      const result = onError(error, request);
      if (result instanceof Promise) result.catch(noop);
    } catch {
      // Nothing more to do with it.
    }
  }
}

/** Connection info handed to handlers; one per connection. */
class Info implements ServeHandlerInfo {
  readonly remoteAddr: Addr;
  readonly localAddr: Addr;
  #session: Session;

  constructor(session: Session) {
    this.#session = session;
    this.remoteAddr = session.conn.remoteAddr;
    this.localAddr = session.conn.localAddr;
  }

  upgrade(): Promise<TCPConnection> {
    return this.#session.requestUpgrade();
  }
}

/** One connection's request loop. */
class Session {
  readonly server: HTTPServer;
  readonly conn: TCPConnection;
  readonly decoder: RequestDecoder;
  readonly info: Info;
  readonly out: OutBuffer = new OutBuffer();
  /**
   * Where reads land. The decoder and request bodies may keep views of its
   * bytes, so they are read over only when neither can (nothing buffered,
   * no content handed out since the arena was new); a full arena is
   * replaced, not reused.
   */
  arena: Uint8Array = EMPTY_BODY;
  arenaUsed = 0;
  /** Request content handed out may be a view of the arena. */
  pinned = false;
  readonly facts: HeadFacts = { close: false, length: -1, date: false };
  phase = P_HEAD;
  /**
   * When the phase began, in ms since the epoch, or -1 until the sweep
   * stamps it (reading the clock per request costs more than the precision
   * is worth).
   */
  since = -1;
  closed = false;
  upgraded = false;

  // The request being handled.
  request: HTTPRequest | null = null;
  /** The request asked to close, or is HTTP/1.0 without keep-alive. */
  close = false;
  /** The request is HTTP/1.0 and asked for keep-alive. */
  keepAlive10 = false;
  bodyDone = true;
  /**
   * 0: no Expect, 1: 100-continue expected, 2: 100 Continue sent, 3: the
   * final response went out first, so 100 Continue never may.
   */
  continueState = 0;
  /**
   * Time spent waiting for this request's content, in ms, up to the last
   * wait (requestTimeout bounds it; see #waitContent).
   */
  contentWaited = 0;
  /** Bytes of this request's content handed to the handler so far. */
  contentSeen = 0;
  bodyError: unknown = null;
  pulling: Promise<void> | null = null;
  /**
   * The request body stream takes no more reads: the server is dropping
   * what is left of the content (a read still under way ends first).
   */
  bodyClosed = false;
  /** Bytes of unread request content the server has dropped (DRAIN_LIMIT bounds them). */
  dropped = 0;
  upgradable = false;
  upgrade: PromiseWithResolvers<TCPConnection> | null = null;
  /** The handler's response to the current request is known. */
  responded = false;
  /** A 408 under way (requestTimeout passed): nothing else goes out. */
  closing: Promise<void> | null = null;
  /** Why the server closed the connection, for reads it ended. */
  abortReason: unknown = null;
  /** The response body being streamed, cancelled if the connection is. */
  reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** Bytes handed to `conn.write`: a write is pending while `conn.bytesWritten` is less. */
  queued = 0;
  /** `conn.bytesWritten` when the sweep last saw a pending write progress, and when. */
  writeMark = -1;
  writeSince = 0;

  constructor(server: HTTPServer, conn: TCPConnection) {
    this.server = server;
    this.conn = conn;
    this.decoder = new RequestDecoder(server.decoderOptions);
    useInternTable(this.decoder, server.intern);
    this.info = new Info(this);
  }

  /** Whether the connection waits for a request that has not started. */
  idle(): boolean {
    return this.phase === P_IDLE ||
      (this.phase === P_HEAD && this.conn.bytesRead === 0);
  }

  /** Closes the connection at once, cancelling a streamed response body with `reason`. */
  abort(reason?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.close();
    this.server.remove(this);
    const reader = this.reader;
    if (reader !== null) {
      this.reader = null;
      reader.cancel(
        reason ?? new DOMException("Connection closed", "AbortError"),
      ).catch(noop);
    }
  }

  /**
   * requestTimeout passed while request content was awaited: the read
   * fails with Deno.errors.TimedOut, and a client still waiting for its
   * response gets 408 (as Node's `http` sends) before the close.
   */
  contentTimeout(ms: number): void {
    const request = this.request;
    const reason = new Deno.errors.TimedOut(
      `The content of ${request?.method} ${request?.target} from ${
        formatAddr(this.conn.remoteAddr)
      } did not arrive within requestTimeout (${ms} ms)`,
    );
    this.abortReason = reason;
    if (this.responded || this.closed) {
      this.abort(reason);
      return;
    }
    this.closing = this.#timedOut(reason);
  }

  /** headersTimeout passed: 408, then close. */
  timeout(): void {
    this.#timedOut();
  }

  /** Writes `408 Request Timeout`, then closes with `reason`. Never rejects. */
  #timedOut(reason?: unknown): Promise<void> {
    this.phase = P_CLOSING;
    const date = this.server.date.line();
    const bytes = concat(
      [TIMEOUT_LINE, date, TIMEOUT_END],
      TIMEOUT_LINE.length + date.length + TIMEOUT_END.length,
    );
    const close = () => this.abort(reason);
    return this.#write(bytes).then(close, close);
  }

  async run(): Promise<void> {
    const { conn, decoder, server } = this;
    try {
      for (;;) {
        let event = decoder.next();
        if (event === null) {
          if (this.out.length > 0) await this.flush();
          if (this.phase !== P_HEAD) {
            if (server.draining || this.closed) break;
            // Part of the next head already here: headersTimeout, not idle.
            this.phase = decoder.buffered > 0 ? P_HEAD : P_IDLE;
            this.since = -1;
          }
          // Fairness under load on many connections: see BURST_CONNECTIONS.
          const open = server.sessions.size;
          if (open >= BURST_CONNECTIONS && ++server.burst >= open) {
            await server.nextTurn();
          }
          // Read straight into the arena: one runtime op, no copy, and no
          // promise of TCPConnection.read's around the runtime's (1% to 4%
          // of the CPU per request at 256 connections, in A/B runs).
          let arena = this.arena;
          let at = this.arenaUsed;
          // Nothing refers to the arena's bytes any more: read over them
          // again, into memory the cache still holds.
          if (!this.pinned && decoder.buffered === 0) at = 0;
          if (arena.length - at < MIN_READ) {
            arena = this.arena = new Uint8Array(ARENA_SIZE);
            at = 0;
            this.pinned = false;
          }
          const target = at === 0 ? arena : arena.subarray(at);
          const straight = readStraight(conn, target);
          let n: number | null;
          if (straight !== null) {
            n = await straight;
            countRead(conn, n);
          } else {
            n = await conn.read(target);
          }
          if (n === null) {
            decoder.finish();
            event = decoder.next();
            if (event === null) break;
          } else {
            this.arenaUsed = at + n;
            if (this.phase === P_IDLE) {
              this.phase = P_HEAD;
              this.since = -1;
            }
            pushRequestBytes(decoder, arena, at, at + n);
            continue;
          }
        }
        if (event.type !== "head") continue;
        const request = event.message;
        this.#begin(request);
        let res: HTTPResponse;
        const result = this.#call(request);
        if (result instanceof HTTPResponse) {
          res = result;
        } else {
          // Send the responses batched so far while the handler works.
          const flushing = this.out.length > 0 ? this.flush() : null;
          flushing?.catch(noop);
          try {
            res = await result;
          } catch (error) {
            res = await server.errorResponse(error, request);
          }
          if (flushing !== null) {
            try {
              await flushing;
            } catch (error) {
              if (res instanceof HTTPResponse) this.#cancel(res);
              throw error;
            }
          }
          if (!(res instanceof HTTPResponse)) {
            res = await server.errorResponse(
              new TypeError("Handler must return an HTTPResponse"),
              request,
            );
          }
        }
        this.upgradable = false;
        this.responded = true;
        if (this.closing !== null) {
          // The 408 of contentTimeout() went out instead.
          this.#cancel(res);
          break;
        }
        if (
          this.bodyDone && this.bodyError === null && this.upgrade === null &&
          res.body instanceof Uint8Array && res.body.length <= COPY_LIMIT &&
          res.status >= 200
        ) {
          // The common case: queue the response behind earlier ones.
          const keep = this.#queue(request, res);
          this.phase = P_HANDLER;
          if (!keep) {
            await this.flush();
            break;
          }
          if (this.out.length >= BATCH_LIMIT) await this.flush();
          continue;
        }
        const keep = await this.#complete(request, res);
        this.request = null;
        if (!keep) {
          // Content left unread: see #linger.
          if (!this.bodyDone && !this.closed && !this.upgraded) {
            await this.#linger();
          }
          break;
        }
        this.phase = P_HANDLER;
      }
    } catch (error) {
      if (error instanceof HTTPParseError) await this.#fail(error);
      // Anything else is the connection failing: closing it is all to do.
    } finally {
      if (this.closing !== null) await this.closing;
      if (!this.upgraded) this.abort();
    }
  }

  /** Reads the connection semantics and as much content as has arrived. */
  #begin(request: HTTPRequest): void {
    this.request = request;
    this.responded = false;
    this.bodyError = null;
    this.pulling = null;
    this.bodyClosed = false;
    this.continueState = 0;
    this.contentWaited = 0;
    const headers = request.headers;
    const connection = headers.get("connection");
    if (request.version === "HTTP/1.1") {
      this.close = connection !== null && hasToken(connection, "close");
      this.keepAlive10 = false;
    } else {
      this.keepAlive10 = connection !== null &&
        hasToken(connection, "keep-alive");
      this.close = !this.keepAlive10;
    }
    this.upgradable = request.method === "CONNECT" ||
      (connection !== null && hasToken(connection, "upgrade") &&
        headers.has("upgrade"));
    const decoder = this.decoder;
    let event = decoder.next();
    if (event !== null && event.type === "end") {
      request.trailers = event.trailers;
      this.bodyDone = true;
      this.phase = P_HANDLER;
      return;
    }
    const parts: Uint8Array[] = [];
    let length = 0;
    while (event !== null && event.type === "data") {
      this.pinned = true;
      parts.push(event.data);
      length += event.data.length;
      event = decoder.next();
    }
    this.contentSeen = length;
    if (event !== null && event.type === "end") {
      request.body = concat(parts, length);
      request.trailers = event.trailers;
      this.bodyDone = true;
      this.phase = P_HANDLER;
      return;
    }
    // The content is still arriving: the handler reads it as a stream.
    // requestTimeout runs only while a read of it waits (#waitContent).
    this.bodyDone = false;
    this.phase = P_HANDLER;
    if (request.version === "HTTP/1.1" && length === 0) {
      const expect = headers.get("expect");
      if (expect !== null && expect.toLowerCase() === "100-continue") {
        this.continueState = 1;
      }
    }
    request.body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
      },
      pull: (controller) => {
        const pulling = this.#pull(request, controller);
        this.pulling = pulling;
        return pulling;
      },
    }, { highWaterMark: 0 });
  }

  /** Calls the handler; a synchronous throw becomes an error response. */
  #call(request: HTTPRequest): HTTPResponse | Promise<HTTPResponse> {
    try {
      return this.server.handler(request, this.info);
    } catch (error) {
      return this.server.errorResponse(error, request);
    }
  }

  /** Feeds the request body stream from the connection. Never rejects. */
  async #pull(
    request: HTTPRequest,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ): Promise<void> {
    const { decoder, conn } = this;
    if (this.request !== request || this.closed || this.bodyClosed) {
      controller.error(
        new Deno.errors.BadResource(
          "Request body is no longer readable: its handler has returned",
        ),
      );
      return;
    }
    try {
      for (;;) {
        const event = decoder.next();
        if (event !== null) {
          if (event.type === "data") {
            this.pinned = true;
            this.contentSeen += event.data.length;
            controller.enqueue(event.data);
            return;
          }
          if (event.type === "end") {
            request.trailers = event.trailers;
            this.bodyDone = true;
            controller.close();
            return;
          }
        }
        if (this.out.length > 0) await this.flush();
        if (this.continueState === 1) {
          this.continueState = 2;
          await this.#write(CONTINUE);
        }
        this.#waitContent();
        const chunk = await conn.readChunk();
        this.#gotContent();
        if (chunk === null) decoder.finish();
        else decoder.push(chunk);
      }
    } catch (error) {
      // The server's own reason first: requestTimeout's TimedOut.
      const reason = this.abortReason ?? renameBroken(
        error,
        `Connection from ${
          formatAddr(conn.remoteAddr)
        } broke while reading the content of ${request.method} ${request.target}`,
      );
      this.bodyError = this.abortReason ?? error;
      controller.error(reason);
    }
  }

  requestUpgrade(): Promise<TCPConnection> {
    if (!this.upgradable) {
      throw new TypeError(
        "Cannot upgrade: the request is neither CONNECT nor an Upgrade request, or its handler has returned",
      );
    }
    if (!this.bodyDone) {
      throw new TypeError(
        "Cannot upgrade before the request content is read to the end",
      );
    }
    if (this.upgrade === null) {
      this.upgrade = Promise.withResolvers<TCPConnection>();
      this.upgrade.promise.catch(noop);
    }
    return this.upgrade.promise;
  }

  /**
   * Writes the status-line, the handler's field lines and `Date` into the
   * output. For an invalid response (a bad reason-phrase or Content-Length)
   * writes nothing, reports the error and returns false.
   */
  #head(
    request: HTTPRequest,
    res: HTTPResponse,
    keepLength: boolean,
    keepConnection: boolean,
  ): boolean {
    const out = this.out;
    const mark = out.length;
    try {
      headLines(res, keepLength, keepConnection, this.facts, out);
    } catch (error) {
      out.length = mark;
      this.server.report(error, request);
      return false;
    }
    if (!this.facts.date) out.bytes(this.server.date.line());
    return true;
  }

  /** Writes a 500 that closes the connection, for an invalid response. */
  #internalError(): false {
    const out = this.out;
    out.text("HTTP/1.1 500 Internal Server Error\r\n");
    out.bytes(this.server.date.line());
    out.bytes(INTERNAL_ERROR);
    return false;
  }

  /** Writes the framing-independent end of a head; returns whether to keep the connection. */
  #connection(close: boolean): boolean {
    this.out.text(
      close
        ? "Connection: close\r\n\r\n"
        : this.keepAlive10
        ? "Connection: keep-alive\r\n\r\n"
        : "\r\n",
    );
    return !close;
  }

  /**
   * Encodes a response with a byte body behind any batched ones, the body
   * too unless `inline` is false. Returns whether the connection stays open.
   */
  #queue(request: HTTPRequest, res: HTTPResponse, inline = true): boolean {
    const body = res.body as Uint8Array;
    const status = res.status;
    const head = request.method === "HEAD";
    const facts = this.facts;
    // A response to HEAD (or a 304) may state the length it would have.
    const keepLength = body.length === 0 && (head || status === 304);
    if (!this.#head(request, res, keepLength, false)) {
      return this.#internalError();
    }
    const out = this.out;
    if (
      status !== 204 && status !== 304 && !(keepLength && facts.length >= 0)
    ) {
      out.contentLength(body.length);
    }
    const keep = this.#connection(
      this.close || facts.close || this.server.draining ||
        request.method === "CONNECT",
    );
    if (inline && !head && status !== 204 && status !== 304) out.bytes(body);
    return keep;
  }

  /** The uncommon cases: streams, large bodies, upgrades, unread content. */
  async #complete(request: HTTPRequest, res: HTTPResponse): Promise<boolean> {
    // With a byte response the handler is done with the request content: a
    // read it left running ends, and no other may race the server's
    // dropping of the rest.
    if (res.body instanceof Uint8Array) this.bodyClosed = true;
    if (this.pulling !== null) await this.pulling;
    const bodyError = this.bodyError;
    if (bodyError !== null) {
      this.#cancel(res);
      if (bodyError instanceof HTTPParseError) throw bodyError;
      return false;
    }
    const upgrade = this.upgrade;
    if (upgrade !== null) {
      this.upgrade = null;
      const status = res.status;
      if (
        request.method === "CONNECT"
          ? status >= 200 && status < 300
          : status === 101
      ) {
        return await this.#switch(res, upgrade);
      }
      upgrade.reject(
        new TypeError(
          `Cannot upgrade: the handler answered ${status}, not ${
            request.method === "CONNECT" ? "2xx" : "101"
          }`,
        ),
      );
    }
    if (res.status < 200) {
      this.#cancel(res);
      res = await this.server.errorResponse(
        new TypeError(
          `Handler returned ${res.status} without taking over the connection`,
        ),
        request,
      );
    }
    let keep: boolean;
    const body = res.body;
    if (!this.bodyDone && this.continueState === 1) {
      if (
        body instanceof ReadableStream && request.method !== "HEAD" &&
        res.status !== 204 && res.status !== 304
      ) {
        // The response body may read the request content as it goes (an
        // echo, a proxy): invite it now, as 100 may not follow the final
        // response (RFC 9110 section 15.2.1).
        this.continueState = 2;
        this.out.bytes(CONTINUE);
      } else {
        // Asked to wait for 100 Continue and never read: close, do not
        // read it (Go's net/http does the same).
        this.continueState = 3;
        this.close = true;
      }
    }
    if (!this.bodyDone) {
      // Content the handler left unread is read and dropped after the
      // response, up to DRAIN_LIMIT. When its Content-Length says more is
      // to come, the response says the connection closes instead (a
      // streamed response may still read it all, but may not).
      const length = request.headers.get("content-length");
      if (length !== null) {
        if (Number(length) - this.contentSeen > DRAIN_LIMIT) this.close = true;
      } else if (body instanceof Uint8Array && !this.close) {
        // Chunked content has no length to judge by, and waiting for its
        // end would hold back the response (an early 401 or 413). With a
        // byte response nothing reads it any more: drop what has arrived
        // (the socket holds what came after the head), and unless that
        // reached its end, say the connection closes (the linger then
        // reads and drops what still comes).
        this.dropped = 0;
        let left = this.#dropBuffered();
        if (left === MORE) left = await this.#dropArrived();
        if (left !== END) this.close = true;
      }
    }
    if (body instanceof Uint8Array) {
      const inline = body.length <= COPY_LIMIT || request.method === "HEAD" ||
        res.status === 204 || res.status === 304;
      keep = this.#queue(request, res, inline);
      if (!inline) {
        // A large body goes in its own write, without a copy.
        await this.flush();
        await this.#write(body);
      }
    } else {
      keep = await this.#stream(request, res);
    }
    if (this.out.length > 0) await this.flush();
    // Likewise once a streamed response has ended.
    this.bodyClosed = true;
    if (this.pulling !== null) await this.pulling;
    if (keep && !this.bodyDone) keep = await this.#drain();
    return keep;
  }

  /** Writes the switching response and hands the connection over. */
  async #switch(
    res: HTTPResponse,
    upgrade: PromiseWithResolvers<TCPConnection>,
  ): Promise<boolean> {
    this.#cancel(res);
    if (!this.#head(this.request!, res, false, res.status === 101)) {
      upgrade.reject(new TypeError("Cannot upgrade: invalid response"));
      this.#internalError();
      await this.flush();
      return false;
    }
    this.out.text("\r\n");
    try {
      await this.flush();
    } catch (error) {
      upgrade.reject(error);
      return false;
    }
    this.conn.unread(this.decoder.takeBuffered());
    this.upgraded = true;
    this.closed = true;
    this.server.remove(this);
    upgrade.resolve(this.conn);
    return false;
  }

  #cancel(res: HTTPResponse): void {
    if (res.body instanceof ReadableStream) res.body.cancel().catch(noop);
  }

  /** Writes a response with a streamed body. Returns whether to keep the connection. */
  async #stream(request: HTTPRequest, res: HTTPResponse): Promise<boolean> {
    const stream = res.body as ReadableStream<Uint8Array>;
    const status = res.status;
    const bodyless = request.method === "HEAD" || status === 204 ||
      status === 304;
    const facts = this.facts;
    if (!this.#head(request, res, false, false)) {
      stream.cancel().catch(noop);
      return this.#internalError();
    }
    const length = facts.length;
    let close = this.close || facts.close || this.server.draining;
    let chunked = false;
    const out = this.out;
    if (status !== 204 && status !== 304) {
      if (length >= 0) {
        out.contentLength(length);
      } else if (
        request.version === "HTTP/1.1" && res.version === "HTTP/1.1"
      ) {
        out.text("Transfer-Encoding: chunked\r\n");
        chunked = true;
      } else if (!bodyless) {
        close = true; // close-delimited (RFC 9112 section 6.3)
      }
    }
    this.#connection(close);
    if (bodyless) {
      stream.cancel().catch(noop);
      return !close;
    }
    await this.flush().catch((error) => {
      stream.cancel(error).catch(noop);
      throw error;
    });
    const reader = stream.getReader();
    this.reader = reader;
    // With the request read to the end, read on to notice the client leave.
    const watch = this.bodyDone ? new AbortController() : null;
    const watching = watch !== null ? this.#watch(watch.signal) : null;
    try {
      return await this.#send(request, res, reader, length, chunked, close);
    } finally {
      this.reader = null;
      if (watch !== null) {
        watch.abort();
        // Its bytes must be in the decoder before the next read.
        await watching;
      }
    }
  }

  /** Writes a streamed body from `reader`. Returns whether to keep the connection. */
  async #send(
    request: HTTPRequest,
    res: HTTPResponse,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    length: number,
    chunked: boolean,
    close: boolean,
  ): Promise<boolean> {
    let sent = 0;
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        this.server.report(error, request);
        return false;
      }
      if (result.done) {
        if (this.closed) return false; // cancelled by abort()
        break;
      }
      const chunk = result.value;
      if (!(chunk instanceof Uint8Array)) {
        const error = new TypeError("Response body chunks must be Uint8Array");
        reader.cancel(error).catch(noop);
        this.server.report(error, request);
        return false;
      }
      if (chunk.length === 0) continue;
      sent += chunk.length;
      if (length >= 0 && sent > length) {
        const error = new RangeError(
          `Response body exceeds its Content-Length of ${length} bytes`,
        );
        reader.cancel(error).catch(noop);
        this.server.report(error, request);
        return false;
      }
      try {
        await this.#write(chunked ? encodeChunk(chunk) : chunk);
      } catch (error) {
        reader.cancel(error).catch(noop);
        return false;
      }
    }
    if (length >= 0 && sent !== length) {
      this.server.report(
        new RangeError(
          `Response body of ${sent} bytes is shorter than its Content-Length of ${length} bytes`,
        ),
        request,
      );
      return false;
    }
    if (chunked) await this.#write(encodeLastChunk(res.trailers));
    return !close;
  }

  /**
   * While a response streams, reads what the client sends next: bytes of
   * pipelined requests go to the decoder (up to {@linkcode READ_AHEAD}),
   * and EOF or a read error means the client is gone, so the stream is
   * cancelled and the connection closed. Go's net/http (its background read
   * cancels the request context on EOF) and Node's http (`abortIncoming`
   * on the socket's end) do the same: it is how a server notices a browser
   * leaving an event stream that is waiting for its next event. The cost is
   * that a client that half-closes after its request does not get a
   * streamed response in full. An aborted read leaves the socket read
   * parked for the next read. Never rejects.
   */
  async #watch(signal: AbortSignal): Promise<void> {
    const { conn, decoder } = this;
    let reason: unknown;
    try {
      for (;;) {
        if (decoder.buffered >= READ_AHEAD) return;
        const chunk = await conn.readChunk({ signal });
        if (chunk === null) break;
        decoder.push(chunk);
      }
      if (signal.aborted) return; // the stream ended first
      reason = new Deno.errors.ConnectionAborted(
        "Client closed the connection during a streamed response",
      );
    } catch (error) {
      if (signal.aborted) return;
      reason = error;
    }
    this.abort(reason);
  }

  /**
   * Drops the request content already received, without waiting for more,
   * counting it in `dropped`: END if that reached its end, MORE if more is
   * to come, CLOSE if it is malformed or `dropped` passed DRAIN_LIMIT. A
   * malformed body gets no error response: the handler has answered, and a
   * second response would answer a request the client never sent.
   */
  #dropBuffered(): Dropped {
    const decoder = this.decoder;
    for (;;) {
      let event;
      try {
        event = decoder.next();
      } catch (error) {
        if (error instanceof HTTPParseError) return CLOSE;
        throw error;
      }
      if (event === null) return MORE;
      if (event.type === "end") {
        this.bodyDone = true;
        return END;
      }
      if (event.type === "data") {
        this.dropped += event.data.length;
        if (this.dropped > DRAIN_LIMIT) return CLOSE;
      }
    }
  }

  /**
   * Reads and drops request content already in the socket, waiting at most
   * DROP_WAIT_MS in all (see {@linkcode Session.#dropBuffered} for the
   * result). A read cut short stays under way, and what it brings is read
   * by the linger.
   */
  async #dropArrived(): Promise<Dropped> {
    const { conn, decoder } = this;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), DROP_WAIT_MS);
    try {
      for (;;) {
        const chunk = await conn.readChunk({ signal: stop.signal });
        if (chunk === null) return CLOSE; // cut off: the peer half-closed
        decoder.push(chunk);
        const left = this.#dropBuffered();
        if (left !== MORE) return left;
      }
    } catch (error) {
      if (stop.signal.aborted) return MORE;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads and drops the rest of a request body the handler left; false to close instead. */
  async #drain(): Promise<boolean> {
    const { decoder, conn } = this;
    this.dropped = 0;
    for (;;) {
      const left = this.#dropBuffered();
      if (left !== MORE) return left === END;
      this.#waitContent();
      const chunk = await conn.readChunk();
      this.#gotContent();
      if (chunk === null) return false;
      decoder.push(chunk);
    }
  }

  /**
   * Starts a wait for request content: requestTimeout counts the time spent
   * in such waits, so a handler that takes its time before reading the
   * content is not charged to the client.
   */
  #waitContent(): void {
    if (this.phase !== P_HANDLER) return;
    this.phase = P_BODY;
    this.since = Date.now() - this.contentWaited;
  }

  /** Ends a wait begun by {@linkcode Session.#waitContent}. */
  #gotContent(): void {
    if (this.phase !== P_BODY) return;
    this.contentWaited = Date.now() - this.since;
    this.phase = P_HANDLER;
  }

  /** `conn.write`, with the bytes counted for writeTimeout (see the sweep). */
  #write(bytes: Uint8Array): Promise<number> {
    this.queued += bytes.length;
    return this.conn.write(bytes);
  }

  /** Writes the batched responses in one write. */
  flush(): Promise<number> {
    const out = this.out;
    const bytes = out.view();
    out.length = 0;
    // The next append waits for this write: callers await it first.
    return this.#write(bytes);
  }

  /** Answers malformed input with its status, then closes. */
  async #fail(error: HTTPParseError): Promise<void> {
    this.phase = P_CLOSING;
    try {
      const status = error.status;
      const res = HTTPResponse.error(
        status,
        `${status} ${STATUS_TEXT[status] ?? "Error"}: ${error.message}`,
      );
      const body = res.body as Uint8Array;
      headLines(res, false, false, this.facts, this.out);
      this.out.bytes(this.server.date.line());
      this.out.contentLength(body.length);
      this.#connection(true);
      this.out.bytes(body);
      await this.flush();
    } catch {
      return; // The client is gone: close.
    }
    await this.#linger();
  }

  /**
   * Half-closes, and reads what the client still sends for a while, so
   * closing with unread data does not reset the connection before the
   * client has read the response. Never rejects.
   */
  async #linger(): Promise<void> {
    try {
      const conn = this.conn;
      await conn.closeWrite();
      // One deadline for the whole linger, so a byte a second cannot keep
      // the connection (and its maxConnections slot) open.
      const until = Date.now() + LINGER_MS;
      let dropped = 0;
      while (dropped < LINGER_BYTES) {
        const left = until - Date.now();
        if (left <= 0) break;
        conn.readTimeout = left;
        const chunk = await conn.readChunk();
        if (chunk === null) break;
        dropped += chunk.length;
      }
    } catch {
      // The client is gone or slow: close anyway.
    }
  }
}
