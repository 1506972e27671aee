// Copyright 2026 the socketkit authors. MIT license.
/**
 * An HTTP/1.1 server on socketkit's `serve()` with three routes:
 * - `GET /` answers "Hello, World!";
 * - `POST /echo` answers with the request body (any method but GET/HEAD);
 * - `GET /stream` streams ten lines, one every 100 ms, chunked.
 * Anything else gets 404. SIGINT (Ctrl-C) or SIGTERM shuts down gracefully:
 * requests in flight finish (up to 5 s), then the process exits 0.
 *
 * Run: `deno run --allow-net examples/http_server.ts [--hostname 127.0.0.1] [--port 8000]`
 * Try: `curl localhost:8000/`, `curl -d hi localhost:8000/echo`,
 *      `curl -N localhost:8000/stream`.
 *
 * @module
 */

import { formatAddr } from "../address.ts";
import { HTTPResponse } from "../http/message.ts";
import { serve, type ServeHandler } from "../http/server.ts";
import { onShutdown, parseHostPort } from "./_cli.ts";

const USAGE = `An HTTP/1.1 server with hello, echo and streaming routes.

Usage: deno run --allow-net examples/http_server.ts [options]

Options:
  --hostname HOST  address to listen on (default 127.0.0.1)
  --port PORT      port to listen on; 0 picks a free one (default 8000)
  -h, --help       show this help

Routes: GET / (hello), POST /echo (echoes the body), GET /stream (ten lines,
one every 100 ms). Prints one line per request.`;

const { hostname, port } = parseHostPort(Deno.args, USAGE, {
  hostname: "127.0.0.1",
  port: 8000,
});

const encoder = new TextEncoder();

async function* lines(): AsyncGenerator<Uint8Array> {
  for (let i = 1; i <= 10; i++) {
    yield encoder.encode(`line ${i} of 10\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const handler: ServeHandler = async (request, info) => {
  const path = request.url.pathname;
  console.log(`${formatAddr(info.remoteAddr)} ${request.method} ${path}`);
  if (path === "/" && (request.method === "GET" || request.method === "HEAD")) {
    return HTTPResponse.text("Hello, World!\n");
  }
  if (
    path === "/echo" && request.method !== "GET" && request.method !== "HEAD"
  ) {
    return new HTTPResponse({
      headers: {
        "Content-Type": request.headers.get("content-type") ??
          "application/octet-stream",
      },
      body: await request.bytes(),
    });
  }
  if (path === "/stream" && request.method === "GET") {
    return new HTTPResponse({
      headers: { "Content-Type": "text/plain; charset=utf-8" },
      body: lines(),
    });
  }
  // Not HTTPResponse.error(): that one closes the connection, for bad input.
  return HTTPResponse.text("404 Not Found\n", { status: 404 });
};

const server = serve({
  hostname,
  port,
  onListen: (addr) => console.log(`listening on http://${formatAddr(addr)}/`),
  onError: (error, request) => {
    console.error(`error in ${request?.method} ${request?.target}:`, error);
  },
}, handler);

const removeSignalListeners = onShutdown((signal) => {
  console.log(`${signal}: shutting down`);
  server.shutdown({ timeout: 5_000 });
});
await server.finished;
removeSignalListeners();
console.log("stopped");
