// Copyright 2026 the socketkit authors. MIT license.

/**
 * A tiny HTTP/1.1 layer (RFC 9112) on socketkit's connections:
 * - {@linkcode serve}, a server in the shape of `Deno.serve` (keep-alive,
 *   pipelining, streamed bodies, timeouts, graceful shutdown, upgrades), with
 *   {@linkcode fromFetchHandler} for web-standard handlers such as a Hono
 *   app;
 * - {@linkcode Client}, a client with a keep-alive pool per host, retries,
 *   redirects and unix sockets;
 * - underneath both, a sans-I/O codec that turns bytes into messages and
 *   messages into bytes without touching a socket, strict where the RFC
 *   says MUST, and incremental so input may arrive in any split.
 *
 * @example A server and a client on loopback
 * ```ts
 * import { Client, HTTPResponse, serve } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * await using server = serve(
 *   { hostname: "127.0.0.1", port: 0 },
 *   (request) => HTTPResponse.text(`hello from ${request.url.pathname}`),
 * );
 * assert(server.addr.transport === "tcp");
 * await using client = new Client();
 * const res = await client.get(`http://127.0.0.1:${server.addr.port}/hi`);
 * assert.equal(await res.text(), "hello from /hi");
 * ```
 *
 * @example Decode a request and encode the response
 * ```ts
 * import {
 *   encodeResponse,
 *   HTTPResponse,
 *   RequestDecoder,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const decoder = new RequestDecoder();
 * decoder.push(new TextEncoder().encode("GET /hi HTTP/1.1\r\nHost: a\r\n\r\n"));
 * const event = decoder.next();
 * assert(event?.type === "head");
 * assert.equal(event.message.url.pathname, "/hi");
 * assert.equal(decoder.next()?.type, "end");
 *
 * const bytes = encodeResponse(HTTPResponse.text("hello"));
 * assert(new TextDecoder().decode(bytes).startsWith("HTTP/1.1 200 OK\r\n"));
 * ```
 *
 * @module
 */

// The types the server's API names, so this entry point stands alone.
export type { Addr } from "../address.ts";
export type {
  BoundedReadOptions,
  ReadOptions,
  TCPConnection,
} from "../connection.ts";
export * from "./client.ts";
export * from "./cookie.ts";
export * from "./encoder.ts";
export { HTTPHeaders, type HTTPHeadersInit } from "./headers.ts";
export * from "./message.ts";
export {
  decodeRequest,
  decodeResponse,
  type DecodeResponseOptions,
  type DecoderEvent,
  type DecoderOptions,
  HTTPParseError,
  RequestDecoder,
  ResponseDecoder,
} from "./parser.ts";
export * from "./server.ts";
export * from "./status.ts";
