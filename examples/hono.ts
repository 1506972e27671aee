// Copyright 2026 the socketkit authors. MIT license.
/**
 * A Hono app (npm:hono) served by socketkit's HTTP/1.1 server through
 * `fromFetchHandler()`: the app is the same code that would run on
 * `Deno.serve(app.fetch)`.
 *
 * Run: `deno run --allow-net examples/hono.ts [--hostname 127.0.0.1] [--port 8000]`
 * Try: `curl localhost:8000/`, `curl localhost:8000/users/42`,
 *      `curl -d '{"a":1}' -H 'Content-Type: application/json' localhost:8000/echo`,
 *      `curl localhost:8000/peer`.
 *
 * @module
 */

import { Hono } from "hono";
import { formatAddr } from "../address.ts";
import {
  fromFetchHandler,
  serve,
  type ServeHandlerInfo,
} from "../http/server.ts";
import { onShutdown, parseHostPort } from "./_cli.ts";

const USAGE = `A Hono app served by socketkit.

Usage: deno run --allow-net examples/hono.ts [options]

Options:
  --hostname HOST  address to listen on (default 127.0.0.1)
  --port PORT      port to listen on; 0 picks a free one (default 8000)
  -h, --help       show this help

Routes: GET / , GET /users/:id, POST /echo (JSON), GET /peer.`;

const { hostname, port } = parseHostPort(Deno.args, USAGE, {
  hostname: "127.0.0.1",
  port: 8000,
});

// The connection info reaches Hono as the environment (c.env), as it does
// under Deno.serve.
const app = new Hono<{ Bindings: ServeHandlerInfo }>();
app.get("/", (c) => c.text("Hello from Hono on socketkit!\n"));
app.get("/users/:id", (c) => c.json({ id: c.req.param("id") }));
app.post("/echo", async (c) => c.json(await c.req.json()));
app.get("/peer", (c) => c.text(`you are ${formatAddr(c.env.remoteAddr)}\n`));

const server = serve({
  hostname,
  port,
  onListen: (addr) => console.log(`listening on http://${formatAddr(addr)}/`),
}, fromFetchHandler(app.fetch));

const removeSignalListeners = onShutdown((signal) => {
  console.log(`${signal}: shutting down`);
  server.shutdown({ timeout: 5_000 });
});
await server.finished;
removeSignalListeners();
