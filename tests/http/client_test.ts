// Copyright 2026 the socketkit authors. MIT license.
// Client against real peers: nginx (Debian package), a Node http server, and
// tiny raw servers on listen()/TCPConnection for the edge cases.

import assert from "node:assert/strict";
import { listen, type TCPConnection } from "../../connection.ts";
import { HTTPRequest, HTTPResponse } from "../../http/message.ts";
import { serve, type ServeHandler, type Server } from "../../http/server.ts";
import { HTTPParseError } from "../../http/parser.ts";
import {
  Client,
  type ClientOptions,
  ContentTooLargeError,
} from "../../http/client.ts";
import { HostPool } from "../../http/_pool.ts";
import { startNginx } from "../../bench/_nginx.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------- helpers

/** A raw loopback server: `handle` runs per accepted connection. */
interface RawServer extends AsyncDisposable {
  /** `http://127.0.0.1:port`, or `http+unix://` and the encoded path. */
  url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
}

/** Listens on 127.0.0.1 port 0, or on the unix socket `path` when given. */
function rawServer(
  handle: (conn: TCPConnection, index: number) => Promise<void>,
  path?: string,
): RawServer {
  const listener = path === undefined
    ? listen({ hostname: "127.0.0.1", port: 0 })
    : listen({ transport: "unix", path });
  const url = path === undefined
    ? `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`
    : `http+unix://${encodeURIComponent(path)}`;
  const handlers: Promise<void>[] = [];
  const conns: TCPConnection[] = [];
  let accepted = 0;
  const loop = (async () => {
    for await (const conn of listener) {
      const index = accepted++;
      conns.push(conn);
      handlers.push(
        handle(conn, index).catch(() => {}).finally(() => conn.close()),
      );
    }
  })();
  return {
    url,
    get accepted() {
      return accepted;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
      for (const conn of conns) conn.close();
      await Promise.all(handlers);
    },
  };
}

/** A raw server answering every request on a connection with "ok". */
function okServer(): RawServer {
  return rawServer(async (conn) => {
    while (await readHead(conn) !== null) await conn.write(ok("ok"));
  });
}

/** A raw server that reads a request head and never answers. */
function silentServer(): RawServer {
  return rawServer(async (conn) => {
    await readHead(conn);
    await conn.readAll().catch(() => {});
  });
}

/**
 * A raw server that keeps what its first connection sends until EOF (up to
 * 64 KiB) and never answers; `received` resolves with those bytes as text,
 * or with a note of the error that ended the reading.
 */
function recordingServer(): RawServer & { received: Promise<string> } {
  const received = Promise.withResolvers<string>();
  const server = rawServer(async (conn) => {
    try {
      received.resolve(decoder.decode(await conn.readAll({ maxBytes: 65536 })));
    } catch (error) {
      received.resolve(`(reading failed: ${error})`);
    }
  });
  return Object.assign(server, { received: received.promise });
}

/** Our own server on 127.0.0.1 port 0, with `url`, the URL of its root. */
function ourServer(handler: ServeHandler): Server & { url: string } {
  const server = serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    handler,
  );
  const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`;
  return Object.assign(server, { url });
}

/** Answers with the request content, streamed back as it arrives. */
const echo: ServeHandler = (request) =>
  new HTTPResponse({ body: request.body });

/** Settles like `promise`, or rejects if it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let id: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    id = setTimeout(
      () => reject(new Error(`Still pending after ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(id);
  }
}

/** Reads one request head (no body); null at EOF. */
async function readHead(conn: TCPConnection): Promise<string | null> {
  const head = await conn.readUntil("\r\n\r\n", { maxBytes: 65536 });
  return head === null ? null : decoder.decode(head);
}

function ok(body: string, extra = ""): string {
  return `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;
}

/** A Node http server from `script`, which must print its port (or path) on a line. */
interface NodeServer extends AsyncDisposable {
  address: string;
}

async function nodeServer(script: string): Promise<NodeServer> {
  const child = new Deno.Command("node", {
    args: ["-e", script],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  await reader.cancel();
  const address = out.trim();
  return {
    address,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      await child.status;
    },
  };
}

const NODE_PRELUDE = `
const http = require("node:http");
function listen(server) {
  server.keepAliveTimeout = 60000;
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
}
`;

// ------------------------------------------------------------------ nginx

const NGINX_LOCATIONS = `
location = /conn { add_header X-Conn $connection always; return 200 "$connection_requests"; }
location = /method { add_header X-Conn $connection always; return 200 "$request_method"; }
location = /empty { return 204; }
location = /r301 { return 301 /method; }
location = /r302 { return 302 /method; }
location = /r303 { return 303 /method; }
location = /r307 { return 307 /method; }
location = /r308 { return 308 /method; }
location = /loop { return 302 /loop; }
location /static/ { alias {dir}/www/; etag on; }
location /chunked/ {
  alias {dir}/www/;
  sub_filter_types *;
  sub_filter "needle" "thread";
  sub_filter_once off;
}
`;

const BIG = "needle ".repeat(20_000);

Deno.test("Client reuses one keep-alive connection to nginx for sequential GETs", async () => {
  await using nginx = await startNginx({ locations: NGINX_LOCATIONS });
  await using client = new Client();
  const conns = new Set<string | null>();
  for (let i = 1; i <= 5; i++) {
    const res = await client.get(`${nginx.origin}/conn`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), String(i));
    conns.add(res.headers.get("x-conn"));
  }
  assert.equal(conns.size, 1);
});

Deno.test("Client decodes a chunked response from nginx", async () => {
  await using nginx = await startNginx({
    locations: NGINX_LOCATIONS,
    files: { "big.txt": BIG },
  });
  await using client = new Client();
  const res = await client.get(`${nginx.origin}/chunked/big.txt`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("transfer-encoding"), "chunked");
  assert.equal(await res.text(), BIG.replaceAll("needle", "thread"));
  const again = await client.get(`${nginx.origin}/static/big.txt`);
  assert.equal(again.headers.get("content-length"), String(BIG.length));
  assert.equal(await again.text(), BIG);
});

Deno.test("Client.head() gets no content and keeps the connection for the next GET", async () => {
  await using nginx = await startNginx({ locations: NGINX_LOCATIONS });
  await using client = new Client();
  const head = await client.head(`${nginx.origin}/method`);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), "4");
  assert.equal((head.body as Uint8Array).length, 0);
  const get = await client.get(`${nginx.origin}/method`);
  assert.equal(await get.text(), "GET");
  assert.equal(get.headers.get("x-conn"), head.headers.get("x-conn"));
});

Deno.test("Client reads 204 and 304 responses from nginx without content", async () => {
  await using nginx = await startNginx({
    locations: NGINX_LOCATIONS,
    files: { "a.txt": "cached" },
  });
  await using client = new Client();
  const empty = await client.get(`${nginx.origin}/empty`);
  assert.equal(empty.status, 204);
  assert.equal((empty.body as Uint8Array).length, 0);
  const first = await client.get(`${nginx.origin}/static/a.txt`);
  const etag = first.headers.get("etag");
  assert(etag !== null);
  const cached = await client.get(`${nginx.origin}/static/a.txt`, {
    headers: { "If-None-Match": etag },
  });
  assert.equal(cached.status, 304);
  assert.equal((cached.body as Uint8Array).length, 0);
  const after = await client.get(`${nginx.origin}/static/a.txt`);
  assert.equal(await after.text(), "cached");
});

Deno.test("Client follows redirects from nginx with the RFC 9110 method rules", async (t) => {
  await using nginx = await startNginx({ locations: NGINX_LOCATIONS });
  await using client = new Client({ redirect: "follow" });
  const cases: [string, string, string][] = [
    ["/r301", "POST", "GET"],
    ["/r302", "POST", "GET"],
    ["/r303", "POST", "GET"],
    ["/r303", "PUT", "GET"],
    ["/r303", "HEAD", "HEAD"],
    ["/r307", "POST", "POST"],
    ["/r308", "PUT", "PUT"],
    ["/r301", "DELETE", "DELETE"],
  ];
  for (const [path, method, expected] of cases) {
    await t.step(`${method} ${path} becomes ${expected}`, async () => {
      const res = await client.request(`${nginx.origin}${path}`, {
        method,
        body: method === "POST" || method === "PUT" ? "data" : null,
      });
      assert.equal(res.status, 200);
      if (method === "HEAD") {
        assert.equal(res.headers.get("content-length"), "4");
      } else assert.equal(await res.text(), expected);
    });
  }
  await t.step("manual mode returns the redirect", async () => {
    const res = await client.get(`${nginx.origin}/r301`, {
      redirect: "manual",
    });
    assert.equal(res.status, 301);
    assert.match(res.headers.get("location") ?? "", /\/method$/);
  });
  await t.step("a loop stops at maxRedirects", async () => {
    await assert.rejects(
      client.get(`${nginx.origin}/loop`, { maxRedirects: 3 }),
      (error: Error) =>
        error instanceof RangeError && /maxRedirects \(3\)/.test(error.message),
    );
  });
});

// ------------------------------------------------------------ Node http

Deno.test("Client reads a streamed chunked response with trailers from Node", async (t) => {
  await using node = await nodeServer(
    NODE_PRELUDE + `
listen(http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain", Trailer: "X-Checksum" });
  res.write("one,");
  setTimeout(() => { res.write("two,"); res.addTrailers({ "X-Checksum": "abc" }); res.end("three"); }, 20);
}));`,
  );
  const url = `http://127.0.0.1:${node.address}/`;
  await using client = new Client();
  await t.step("collected", async () => {
    const res = await client.get(url);
    assert.equal(res.headers.get("transfer-encoding"), "chunked");
    assert.equal(await res.text(), "one,two,three");
    assert.equal(res.trailers?.get("x-checksum"), "abc");
  });
  await t.step("streamed, then the connection is reused", async () => {
    const res = await client.get(url, { stream: true });
    assert(res.body instanceof ReadableStream);
    const parts: string[] = [];
    for await (const chunk of res.body) parts.push(decoder.decode(chunk));
    assert.equal(parts.join(""), "one,two,three");
    assert(parts.length >= 2);
    assert.equal(res.trailers?.get("x-checksum"), "abc");
    assert.equal(await (await client.get(url)).text(), "one,two,three");
  });
});

Deno.test("Client skips 1xx responses and waits for 100 (Continue) from Node", async (t) => {
  await using node = await nodeServer(
    NODE_PRELUDE + `
listen(http.createServer((req, res) => {
  if (req.url === "/hints") {
    res.writeEarlyHints({ link: "</style.css>; rel=preload" });
    res.writeProcessing();
    res.end("final");
    return;
  }
  const parts = [];
  req.on("data", (d) => parts.push(d));
  req.on("end", () => res.end(req.headers["expect"] + ":" + Buffer.concat(parts)));
}));`,
  );
  const url = `http://127.0.0.1:${node.address}`;
  await using client = new Client();
  await t.step("103 and 102 before 200", async () => {
    const res = await client.get(`${url}/hints`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "final");
  });
  await t.step("Expect: 100-continue sends the body after 100", async () => {
    const res = await client.post(`${url}/echo`, "payload", {
      headers: { Expect: "100-continue" },
    });
    assert.equal(await res.text(), "100-continue:payload");
  });
});

Deno.test("Client sends a stream body chunked to Node", async () => {
  await using node = await nodeServer(
    NODE_PRELUDE + `
listen(http.createServer((req, res) => {
  const parts = [];
  req.on("data", (d) => parts.push(d));
  req.on("end", () => res.end(req.headers["transfer-encoding"] + ":" + Buffer.concat(parts)));
}));`,
  );
  await using client = new Client();
  const body = ReadableStream.from(
    ["a", "bb", "ccc"].map((s) => encoder.encode(s)),
  );
  const res = await client.post(`http://127.0.0.1:${node.address}/`, body);
  assert.equal(await res.text(), "chunked:abbccc");
});

Deno.test("Client talks to a Node server on a unix socket via http+unix and unixPath (Host from the URL, as curl --unix-socket)", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/node.sock`;
  try {
    await using node = await nodeServer(`
const http = require("node:http");
const server = http.createServer((req, res) => res.end(req.method + " " + req.url + " " + req.headers.host));
server.listen(${JSON.stringify(path)}, () => console.log(${
      JSON.stringify(path)
    }));`);
    assert.equal(node.address, path);
    await using client = new Client();
    const res = await client.get(
      `http+unix://${encodeURIComponent(path)}/v1/info?x=1`,
    );
    assert.equal(await res.text(), "GET /v1/info?x=1 localhost");
    const viaOption = await client.post("http://docker/containers", "x", {
      unixPath: path,
    });
    assert.equal(await viaOption.text(), "POST /containers docker");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ----------------------------------------------------------- raw servers

Deno.test("Client reads a close-delimited HTTP/1.0 response and closes the connection", async () => {
  await using server = rawServer(async (conn) => {
    await readHead(conn);
    await conn.write(
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ",
    );
    await delay(10);
    await conn.write("the end");
  });
  await using client = new Client();
  const res = await client.get(`${server.url}/`);
  assert.equal(res.version, "HTTP/1.0");
  assert.equal(await res.text(), "until the end");
  assert.equal(
    await (await client.get(`${server.url}/`)).text(),
    "until the end",
  );
  assert.equal(server.accepted, 2);
});

Deno.test("Client discards an idle connection the server closed", async () => {
  await using server = rawServer(async (conn) => {
    await readHead(conn);
    await conn.write(ok("hi"));
    // Close the keep-alive connection while it is idle.
  });
  await using client = new Client();
  assert.equal(await (await client.get(`${server.url}/`)).text(), "hi");
  await delay(50);
  assert.equal(await (await client.post(`${server.url}/`, "x")).text(), "hi");
  assert.equal(server.accepted, 2);
});

Deno.test("Client retries a GET once when a reused connection fails before the response", async (t) => {
  // The first connection answers once, then reads the next request and
  // closes without a response byte: the race of a server closing an idle
  // connection just as the client reuses it.
  const server = rawServer(async (conn, index) => {
    await readHead(conn);
    await conn.write(ok(`conn ${index}`));
    if (index === 0) {
      await readHead(conn);
      return;
    }
    while (await readHead(conn) !== null) await conn.write(ok(`conn ${index}`));
  });
  await using _ = server;
  await using client = new Client();
  await t.step("GET is retried on a new connection", async () => {
    assert.equal(await (await client.get(`${server.url}/`)).text(), "conn 0");
    assert.equal(await (await client.get(`${server.url}/`)).text(), "conn 1");
  });
  await using second = rawServer(async (conn, index) => {
    await readHead(conn);
    await conn.write(ok(`conn ${index}`));
    await readHead(conn);
  });
  await t.step("POST is not retried", async () => {
    assert.equal(await (await client.get(`${second.url}/`)).text(), "conn 0");
    await assert.rejects(
      client.post(`${second.url}/`, "data"),
      (error: Error) =>
        error instanceof Deno.errors.UnexpectedEof &&
        error.message.includes("POST"),
    );
    assert.equal(second.accepted, 1);
  });
});

Deno.test("Client queues requests beyond maxConnectionsPerHost in FIFO order", async () => {
  const order: string[] = [];
  await using server = rawServer(async (conn) => {
    for (;;) {
      const head = await readHead(conn);
      if (head === null) return;
      const path = head.split(" ")[1];
      order.push(path);
      await delay(10);
      await conn.write(ok(path));
    }
  });
  await using client = new Client({ maxConnectionsPerHost: 1 });
  const aborted = new AbortController();
  const results = await Promise.allSettled([
    client.get(`${server.url}/1`),
    client.get(`${server.url}/2`),
    client.get(`${server.url}/x`, { signal: aborted.signal }),
    client.get(`${server.url}/3`),
  ]);
  void results;
  assert.deepEqual(order, ["/1", "/2", "/x", "/3"]);
  assert.equal(server.accepted, 1);

  const reason = new Error("gave up");
  const first = client.get(`${server.url}/4`);
  const waiting = client.get(`${server.url}/5`, { signal: aborted.signal });
  aborted.abort(reason);
  await assert.rejects(waiting, (error) => error === reason);
  assert.equal(await (await first).text(), "/4");
  assert.equal(server.accepted, 1);
});

Deno.test("Client closes idle connections after idleTimeout ms", async () => {
  let closedAfter = -1;
  await using server = rawServer(async (conn) => {
    await readHead(conn);
    await conn.write(ok("hi"));
    const start = Date.now();
    assert.equal(await readHead(conn), null);
    closedAfter = Date.now() - start;
  });
  await using client = new Client({ idleTimeout: 50 });
  await client.get(`${server.url}/`);
  for (let i = 0; i < 100 && closedAfter === -1; i++) await delay(10);
  assert(closedAfter >= 30, `closed after ${closedAfter} ms`);
});

Deno.test("Client keeps no idle connection with maxIdlePerHost 0", async () => {
  await using server = rawServer(async (conn) => {
    while (await readHead(conn) !== null) await conn.write(ok("hi"));
  });
  await using client = new Client({ maxIdlePerHost: 0 });
  for (let i = 0; i < 3; i++) await client.get(`${server.url}/`);
  assert.equal(server.accepted, 3);
});

Deno.test("Client.request() rejects with TimedOut naming the URL after timeout ms", async () => {
  await using server = rawServer(async (conn) => {
    await readHead(conn);
    await conn.readChunk(); // Never answers; ends when the client closes.
  });
  await using client = new Client();
  await assert.rejects(
    client.get(`${server.url}/slow`, { timeout: 50 }),
    (error: Error) =>
      error instanceof Deno.errors.TimedOut &&
      error.message === `Request to ${server.url}/slow timed out after 50 ms`,
  );
});

Deno.test("Client.request() rejects with the signal's reason on abort", async () => {
  await using server = rawServer(async (conn) => {
    await readHead(conn);
    await conn.readChunk();
  });
  await using client = new Client();
  const controller = new AbortController();
  const pending = client.get(`${server.url}/`, { signal: controller.signal });
  await delay(20);
  const reason = new DOMException("stop", "AbortError");
  controller.abort(reason);
  await assert.rejects(pending, (error) => error === reason);
  await assert.rejects(
    client.get(`${server.url}/`, { signal: AbortSignal.abort(reason) }),
    (error) => error === reason,
  );
});

Deno.test("Client rejects content over maxBodyBytes with ContentTooLargeError", async (t) => {
  await using server = rawServer(async (conn) => {
    while (await readHead(conn) !== null) {
      await conn.write(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
          "6\r\n123456\r\n6\r\n789012\r\n0\r\n\r\n",
      );
    }
  });
  await using client = new Client({ maxBodyBytes: 8 });
  await t.step("chunked, collected", async () => {
    await assert.rejects(client.get(`${server.url}/`), (error: Error) => {
      assert(error instanceof ContentTooLargeError);
      assert.equal(error.limit, 8);
      assert.equal(decoder.decode(error.partial), "12345678");
      assert.match(error.message, /exceeds maxBodyBytes \(8 bytes\)/);
      return true;
    });
  });
  await t.step("within a per-request limit", async () => {
    const res = await client.get(`${server.url}/`, { maxBodyBytes: 12 });
    assert.equal(await res.text(), "123456789012");
  });
});

Deno.test("Client rejects a Content-Length over maxBodyBytes before reading it", async () => {
  await using server = rawServer(async (conn) => {
    await readHead(conn);
    await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
  });
  await using client = new Client({ maxBodyBytes: 1000 });
  await assert.rejects(
    client.get(`${server.url}/`),
    (error: Error) =>
      error instanceof ContentTooLargeError &&
      /Content-Length 1000000 .* exceeds maxBodyBytes \(1000 bytes\)/.test(
        error.message,
      ),
  );
});

Deno.test("Client closes the connection when a streamed body is cancelled", async () => {
  await using server = rawServer(async (conn, index) => {
    while (await readHead(conn) !== null) {
      await conn.write(
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nconn${index}\r\n`,
      );
      await delay(20);
      await conn.write("0\r\n\r\n");
    }
  });
  await using client = new Client();
  const res = await client.get(`${server.url}/`, { stream: true });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  assert.equal(decoder.decode((await reader.read()).value), "conn0");
  await reader.cancel();
  const next = await client.get(`${server.url}/`);
  assert.equal(await next.text(), "conn1");
  assert.equal(server.accepted, 2);
});

Deno.test("Client sends Host, User-Agent and Content-Length", async () => {
  let head = "";
  await using server = rawServer(async (conn) => {
    head = (await readHead(conn)) ?? "";
    await conn.readExactly(5);
    await conn.write(ok(""));
  });
  await using client = new Client();
  await client.request(
    new HTTPRequest({
      method: "PUT",
      target: "/a?b=1",
      headers: { Host: new URL(server.url).host, "X-Id": "7" },
      body: "hello",
    }),
  );
  const lines = head.split("\r\n");
  assert.equal(lines[0], "PUT /a?b=1 HTTP/1.1");
  assert(lines.includes(`Host: ${new URL(server.url).host}`));
  assert(lines.includes("User-Agent: socketkit/0.1.0"));
  assert(lines.includes("Content-Length: 5"));
  assert(lines.includes("X-Id: 7"));
});

Deno.test("Client rejects https: URLs with NotSupported", async () => {
  await using client = new Client();
  await assert.rejects(
    client.get("https://127.0.0.1:1/"),
    (error: Error) =>
      error instanceof Deno.errors.NotSupported &&
      error.message.includes("https://127.0.0.1:1/"),
  );
});

Deno.test("Client wraps a malformed response in HTTPParseError naming the URL", async () => {
  await using server = rawServer(async (conn) => {
    await readHead(conn);
    await conn.write("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n");
  });
  await using client = new Client();
  await assert.rejects(
    client.get(`${server.url}/bad`),
    (error: Error) =>
      error instanceof HTTPParseError &&
      error.message.includes(`${server.url}/bad`),
  );
});

Deno.test("Client.close() rejects later requests with BadResource", async () => {
  const client = new Client();
  client.close();
  client.close();
  await assert.rejects(
    client.get("http://127.0.0.1:1/"),
    Deno.errors.BadResource,
  );
});

Deno.test("Client sends a held-back body when no 100 (Continue) comes", async () => {
  await using server = rawServer(async (conn) => {
    await readHead(conn);
    const body = decoder.decode(await conn.readExactly(7));
    await conn.write(ok(body));
  });
  await using client = new Client();
  const res = await client.put(`${server.url}/`, "payload", {
    headers: { Expect: "100-continue" },
  });
  assert.equal(await res.text(), "payload");
});

// ------------------------------------------------------ review regressions

/** A raw server that answers every request with a redirect to `location`. */
function redirector(location: () => string, path?: string): RawServer {
  return rawServer(async (conn) => {
    while (await readHead(conn) !== null) {
      await conn.write(
        `HTTP/1.1 307 Temporary Redirect\r\nLocation: ${location()}\r\nContent-Length: 0\r\n\r\n`,
      );
    }
  }, path);
}

Deno.test("Client refuses a redirect that changes the scheme, naming the Location", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    // A local daemon that must never be reached through a redirect.
    await using daemon = rawServer(async (conn) => {
      await readHead(conn);
      await conn.write(ok("daemon"));
    }, `${dir}/daemon.sock`);
    await using client = new Client({ redirect: "follow" });

    await t.step("http: to http+unix: rejects with TypeError", async () => {
      const location = `${daemon.url}/containers/json`;
      await using remote = redirector(() => location);
      await assert.rejects(
        client.get(`${remote.url}/`),
        (error: Error) =>
          error instanceof TypeError &&
          error.message ===
            `Cannot follow the 307 redirect from ${remote.url}/ to ${location}: it changes the scheme from http: to http+unix:`,
      );
      assert.equal(daemon.accepted, 0);
    });

    await t.step("http: to https: rejects with NotSupported", async () => {
      await using remote = redirector(() => "https://127.0.0.1:1/x");
      await assert.rejects(
        client.get(`${remote.url}/`),
        (error: Error) =>
          error instanceof Deno.errors.NotSupported &&
          error.message.includes("https://127.0.0.1:1/x"),
      );
    });

    await t.step("http+unix: to http: rejects with TypeError", async () => {
      await using web = rawServer(async (conn) => {
        await readHead(conn);
        await conn.write(ok("web"));
      });
      await using local = redirector(() => `${web.url}/`, `${dir}/r.sock`);
      await assert.rejects(
        client.get(`${local.url}/`),
        (error: Error) =>
          error instanceof TypeError &&
          error.message.includes(`to ${web.url}/: it changes the scheme`),
      );
      assert.equal(web.accepted, 0);
    });

    await t.step("http+unix: to the same socket is followed", async () => {
      await using local = rawServer(async (conn) => {
        for (;;) {
          const head = await readHead(conn);
          if (head === null) return;
          await conn.write(
            head.startsWith("GET /a ")
              ? "HTTP/1.1 307 Temporary Redirect\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n"
              : ok(head.split(" ")[1]),
          );
        }
      }, `${dir}/same.sock`);
      const res = await client.get(`${local.url}/a`);
      assert.equal(await res.text(), "/b");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A body stream that sends `first` (if any) and then stalls; notes its cancel reason. */
function stalledBody(first?: string): {
  body: ReadableStream<Uint8Array>;
  cancelled: Promise<unknown>;
} {
  let onCancel!: (reason: unknown) => void;
  const cancelled = new Promise<unknown>((resolve) => onCancel = resolve);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first !== undefined) controller.enqueue(encoder.encode(first));
    },
    cancel: onCancel,
  });
  return { body, cancelled };
}

Deno.test("Client.request() timeout and signal end a stalled streamed request body", async (t) => {
  // Each connection reads until EOF, so `closed` settles once the client
  // closes it.
  const closed: Promise<void>[] = [];
  await using server = rawServer((conn) => {
    const done = (async () => {
      while (await conn.readChunk() !== null) {
        // Discard the head and whatever body arrives.
      }
    })();
    closed.push(done);
    return done;
  });
  await using client = new Client();

  await t.step(
    "timeout rejects with TimedOut and cancels the body",
    async () => {
      const { body, cancelled } = stalledBody();
      const error = await within(
        client.post(`${server.url}/up`, body, { timeout: 50 }).then(
          () => null,
          (error) => error,
        ),
        5000,
      );
      assert(error instanceof Deno.errors.TimedOut);
      assert.equal(
        error.message,
        `Request to ${server.url}/up timed out after 50 ms`,
      );
      assert.equal(await within(cancelled, 5000), error);
      await within(closed[0], 5000);
    },
  );

  await t.step(
    "abort mid-body rejects with the reason and cancels the body",
    async () => {
      const { body, cancelled } = stalledBody("a");
      const controller = new AbortController();
      const pending = client.post(`${server.url}/up`, body, {
        signal: controller.signal,
      });
      await delay(20);
      const reason = new DOMException("stop", "AbortError");
      controller.abort(reason);
      await assert.rejects(within(pending, 5000), (error) => error === reason);
      assert.equal(await within(cancelled, 5000), reason);
      await within(closed[1], 5000);
    },
  );

  assert.equal(server.accepted, 2);
});

Deno.test("Client does not send credential fields to another origin on a redirect", async (t) => {
  const seen: string[][] = [];
  /** Answers 200 with its own name and records each request's head lines. */
  function recorder(name: string, next?: () => string): RawServer {
    return rawServer(async (conn) => {
      for (;;) {
        const head = await readHead(conn);
        if (head === null) return;
        const lines = head.split("\r\n").filter((line) => line !== "");
        seen.push([name, ...lines]);
        const location = next?.();
        if (location !== undefined && lines[0].startsWith("GET /start ")) {
          await conn.write(
            `HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`,
          );
        } else {
          await conn.write(ok(name));
        }
      }
    });
  }
  function has(lines: string[], field: string): boolean {
    return lines.some((line) => line.toLowerCase().startsWith(`${field}:`));
  }
  const credentials = ["authorization", "cookie", "proxy-authorization"];
  await using b = recorder("b", () => `${a.url}/back`);
  await using a = recorder("a", () => `${b.url}/start`);
  await using client = new Client({
    redirect: "follow",
    headers: { Authorization: "Bearer client", Cookie: "sid=1" },
  });

  await t.step(
    "neither the client's nor the request's reach the other origin",
    async () => {
      seen.length = 0;
      const res = await client.get(`${a.url}/start`, {
        headers: { "Proxy-Authorization": "Basic cmVx", "X-Trace": "1" },
      });
      // a/start -> b/start -> a/back
      assert.equal(await res.text(), "a");
      assert.deepEqual(seen.map(([name]) => name), ["a", "b", "a"]);
      for (const field of credentials) assert(has(seen[0], field), field);
      for (const field of credentials) {
        assert(!has(seen[1], field), `b got ${field}`);
        // Once dropped they stay dropped, as in fetch().
        assert(!has(seen[2], field), `a/back got ${field}`);
      }
      assert(has(seen[1], "x-trace"));
      assert(has(seen[1], "user-agent"));
    },
  );

  await t.step("a same-origin redirect keeps them", async () => {
    seen.length = 0;
    await using same = recorder("s", () => "/end");
    await client.get(`${same.url}/start`);
    assert.equal(seen.length, 2);
    for (const field of ["authorization", "cookie"]) {
      assert(has(seen[1], field), field);
    }
  });

  await t.step(
    "a 303 after POST does not get the client's Content-Type back",
    async () => {
      seen.length = 0;
      await using typed = new Client({
        redirect: "follow",
        headers: { "Content-Type": "application/json" },
      });
      await using see = rawServer(async (conn) => {
        await readHead(conn);
        await conn.readExactly(2);
        await conn.write(
          `HTTP/1.1 303 See Other\r\nLocation: ${a.url}/end\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        );
      });
      const res = await typed.post(`${see.url}/`, "{}");
      assert.equal(await res.text(), "a");
      assert(seen[0][0].startsWith("a"));
      assert.equal(seen[0][1], "GET /end HTTP/1.1");
      assert(!has(seen[0], "content-type"));
      assert(!has(seen[0], "content-length"));
    },
  );
});

Deno.test("Client sends / as the request-target of an http+unix URL without a path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using server = rawServer(async (conn) => {
      for (;;) {
        const head = await readHead(conn);
        if (head === null) return;
        await conn.write(ok(head.slice(0, head.indexOf("\r\n"))));
      }
    }, `${dir}/x.sock`);
    await using client = new Client();
    assert.equal(await (await client.get(server.url)).text(), "GET / HTTP/1.1");
    assert.equal(
      await (await client.get(`${server.url}?x=1`)).text(),
      "GET /?x=1 HTTP/1.1",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Client sends URL credentials as Basic authentication and keeps them out of messages", async () => {
  const heads: string[] = [];
  await using server = rawServer(async (conn) => {
    for (;;) {
      const head = await readHead(conn);
      if (head === null) return;
      heads.push(head);
      if (head.startsWith("GET /gone ")) return; // closes: UnexpectedEof
      await conn.write(ok("ok"));
    }
  });
  await using client = new Client();
  const url = server.url.replace("//", "//alice:s%C3%A9cret@");
  assert.equal(await (await client.get(`${url}/a`)).text(), "ok");
  // "alice:sécret" in UTF-8, base64.
  assert.match(heads[0], /\r\nAuthorization: Basic YWxpY2U6c8OpY3JldA==\r\n/i);
  assert.match(heads[0], /^GET \/a HTTP\/1\.1\r\n/);
  await client.get(`${url}/b`, { headers: { Authorization: "Bearer t" } });
  assert.match(heads[1], /\r\nAuthorization: Bearer t\r\n/i);
  assert.doesNotMatch(heads[1], /Basic/);
  await assert.rejects(client.get(`${url}/gone`), (error: Error) => {
    assert(error instanceof Deno.errors.UnexpectedEof);
    assert.match(error.message, /\/gone/);
    assert.doesNotMatch(error.message, /alice/);
    return true;
  });
});

Deno.test("Client names the peer and URL when the connection breaks mid-request", async () => {
  // A Node server that resets each connection once the request arrives.
  await using node = await nodeServer(`
const net = require("node:net");
const server = net.createServer((socket) => {
  socket.once("data", () => socket.resetAndDestroy());
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));`);
  await using client = new Client();
  const url = `http://127.0.0.1:${node.address}/reset`;
  for (const body of [new Uint8Array(16), new Uint8Array(1 << 20)]) {
    const error = await client.post(url, body).then(() => null, (e) => e);
    assert(
      error instanceof Deno.errors.ConnectionReset ||
        error instanceof Deno.errors.BrokenPipe,
      `unexpected ${error}`,
    );
    assert(error.message.includes(`during POST ${url}:`), error.message);
    assert(error.cause instanceof Error);
  }
});

Deno.test("Client checks a request's timeout, maxRedirects and maxBodyBytes", async () => {
  await using client = new Client();
  for (
    const options of [
      { timeout: -5 },
      { timeout: NaN },
      { maxRedirects: -1 },
      { maxBodyBytes: NaN },
    ]
  ) {
    await assert.rejects(
      client.get("http://127.0.0.1:1/", options),
      RangeError,
    );
  }
});

Deno.test("Client with idleTimeout 0 keeps idle connections", async () => {
  await using server = okServer();
  await using client = new Client({ idleTimeout: 0 });
  for (let i = 0; i < 3; i++) {
    assert.equal(await (await client.get(`${server.url}/`)).text(), "ok");
    await delay(10);
  }
  assert.equal(server.accepted, 1);
});

Deno.test("Client's idle connections do not keep a script from exiting without close()", async () => {
  await using server = okServer();
  const module = new URL("../../http/client.ts", import.meta.url).href;
  const script = `
import { Client } from ${JSON.stringify(module)};
const client = new Client({ idleTimeout: 60_000 });
console.log(await (await client.get(${
    JSON.stringify(server.url + "/")
  })).text());
`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const killer = setTimeout(() => child.kill(), 15_000);
  try {
    const output = await child.output();
    assert.equal(decoder.decode(output.stdout).trim(), "ok");
    assert(output.success, "killed: the idle connection kept it alive");
  } finally {
    clearTimeout(killer);
  }
});

Deno.test("Client receives while it sends a large body, so an echoing server does not deadlock", async () => {
  await using server = ourServer(echo);
  const { url } = server;
  await using client = new Client();
  const body = new Uint8Array(16 << 20).fill(7);
  const res = await client.post(url, body, { timeout: 20_000 });
  assert.equal((await res.bytes()).length, body.length);
  const parts = [new Uint8Array(8 << 20), new Uint8Array(8 << 20)];
  const streamed = await client.post(url, ReadableStream.from(parts), {
    timeout: 20_000,
    stream: true,
  });
  let total = 0;
  for await (const chunk of streamed.body as ReadableStream<Uint8Array>) {
    total += chunk.length;
  }
  assert.equal(total, 16 << 20);
});

Deno.test("Client hears a response that comes before its body is sent, and stops sending", async () => {
  await using server = ourServer(() =>
    HTTPResponse.text("too big", { status: 413 })
  );
  const { url } = server;
  await using client = new Client();
  const res = await client.post(url, new Uint8Array(8 << 20));
  assert.equal(res.status, 413);
  assert.equal(await res.text(), "too big");
  const cancelled = Promise.withResolvers<void>();
  const endless = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(new Uint8Array(64 * 1024)),
    cancel: () => cancelled.resolve(),
  });
  const early = await client.post(url, endless, { timeout: 10_000 });
  assert.equal(early.status, 413);
  await within(cancelled.promise, 5_000);
  // The connection was not reused with half a body on it.
  const next = await client.get(url);
  assert.equal(next.status, 413);
});

Deno.test("Client fails with its streamed body's error, even one of a connection error class", async (t) => {
  await using server = ourServer(echo);
  await using client = new Client();
  for (
    const error of [
      new TypeError("source broke"),
      new Deno.errors.ConnectionReset("upstream reset"),
    ]
  ) {
    await t.step(error.name, async () => {
      const failing = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(10));
        },
        pull(controller) {
          controller.error(error);
        },
      });
      await assert.rejects(
        client.post(server.url, failing, { timeout: 10_000 }),
        (thrown) => thrown === error,
      );
    });
  }
});

Deno.test("Client stops sending its streamed body when a streamed response is cancelled", async () => {
  // The response never ends, so only cancelling it ends the exchange.
  const server = ourServer(() =>
    new HTTPResponse({
      body: new ReadableStream<Uint8Array>({
        start: (controller) => controller.enqueue(encoder.encode("a")),
        pull: () => new Promise(() => {}),
      }),
    })
  );
  try {
    const { url } = server;
    await using client = new Client();
    const cancelled = Promise.withResolvers<void>();
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(10));
      },
      pull: () => new Promise(() => {}), // never more
      cancel: () => cancelled.resolve(),
    });
    const res = await client.post(url, stalled, { stream: true });
    await (res.body as ReadableStream).cancel();
    await within(cancelled.promise, 5_000);
  } finally {
    await server.shutdown({ timeout: 100 });
  }
});

Deno.test("Client sends a large body after 100 Continue while it receives, so an echo does not deadlock", async () => {
  await using server = ourServer(echo);
  const { url } = server;
  await using client = new Client();
  const res = await client.post(url, new Uint8Array(16 << 20), {
    headers: { Expect: "100-continue" },
    timeout: 20_000,
  });
  assert.equal((await res.bytes()).length, 16 << 20);
});

Deno.test("Client rejects bad percent-encoding in URL credentials with a TypeError, and timeout 0 sets no limit", async () => {
  await using server = okServer();
  await using client = new Client();
  await assert.rejects(
    client.get(server.url.replace("//", "//us%zzer:pw@")),
    TypeError,
  );
  const res = await client.get(`${server.url}/`, { timeout: 0 });
  assert.equal(await res.text(), "ok");
});

Deno.test("Client rejects a streamed body with a chunk that is not a Uint8Array, or a locked stream, with a TypeError", async () => {
  await using server = silentServer();
  await using client = new Client();
  const url = `${server.url}/up`;
  const bad = ReadableStream.from([new ArrayBuffer(8)]);
  await assert.rejects(
    client.post(url, bad as unknown as ReadableStream<Uint8Array>, {
      timeout: 5_000,
    }),
    TypeError,
    "Request body chunks must be Uint8Array, got ArrayBuffer",
  );
  const locked = ReadableStream.from([new Uint8Array(1)]);
  const reader = locked.getReader();
  await assert.rejects(
    client.post(url, locked, { timeout: 5_000 }),
    TypeError,
  );
  reader.releaseLock();
});

Deno.test("Client leaves no timer behind when a request waiting for 100 Continue times out", async () => {
  await using server = silentServer();
  await using client = new Client();
  await assert.rejects(
    client.post(`${server.url}/`, "hello", {
      headers: { Expect: "100-continue" },
      timeout: 100,
    }),
    Deno.errors.TimedOut,
  );
});

// ------------------------------------------------------------------ pool

Deno.test("HostPool closes a new connection and frees its slot when wrapping it fails", async () => {
  await using server = recordingServer();
  const { port } = new URL(server.url);
  const pool = new HostPool("127.0.0.1", {
    hostname: "127.0.0.1",
    port: Number(port),
  }, {
    maxIdlePerHost: 1,
    maxConnectionsPerHost: 1,
    idleTimeout: 1_000,
    connectTimeout: 5_000,
    // Invalid, as the Client constructor no longer lets through: the
    // decoder of the new connection throws.
    decoder: { maxHeaderBytes: -1 },
    onIdle: () => {},
  });
  try {
    for (let i = 0; i < 2; i++) {
      // The second would wait forever for a leaked slot.
      await assert.rejects(
        within(Promise.resolve(pool.acquire(undefined, false)), 5_000),
        RangeError,
        "maxHeaderBytes",
      );
      assert.equal(pool.open, 0);
    }
    // The server saw the first connection closed.
    assert.equal(await within(server.received, 5_000), "");
  } finally {
    await Promise.all(pool.close());
  }
});

// ------------------------------------------------------- option checking

Deno.test("new Client() throws a RangeError naming a bad limit and its value", () => {
  const cases: [ClientOptions, string][] = [
    [
      { maxHeaderBytes: -1 },
      "maxHeaderBytes must be a non-negative number, got -1",
    ],
    [
      { maxStartLineBytes: NaN },
      "maxStartLineBytes must be a non-negative number, got NaN",
    ],
    [
      { maxHeaderCount: "10" as unknown as number },
      'maxHeaderCount must be a number, got string "10"',
    ],
    [
      { maxBodyBytes: -1 },
      "maxBodyBytes must be a non-negative number, got -1",
    ],
    [
      { maxHeaderBytes: {} as unknown as number },
      "maxHeaderBytes must be a number, got Object",
    ],
    [
      { maxIdlePerHost: "10" as unknown as number },
      'maxIdlePerHost must be a number, got string "10"',
    ],
    [{ maxConnectionsPerHost: 0 }, "maxConnectionsPerHost must be at least 1"],
    [
      { idleTimeout: NaN },
      "idleTimeout must be a non-negative number, got NaN",
    ],
    [
      { connectTimeout: -1 },
      "connectTimeout must be a non-negative number, got -1",
    ],
    [
      { maxRedirects: true as unknown as number },
      "maxRedirects must be a number, got boolean true",
    ],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => new Client(options),
      (error: unknown) =>
        error instanceof RangeError && error.message === message,
      message,
    );
  }
});

Deno.test("Client refuses a per-request timeout that is not a number before connecting", async () => {
  await using client = new Client();
  // Nothing listens on port 9: a connect would fail with ConnectionRefused.
  await assert.rejects(
    client.get("http://127.0.0.1:9/", { timeout: "10" as unknown as number }),
    {
      name: "RangeError",
      message: 'timeout must be a number of milliseconds, got string "10"',
    },
  );
});

// ------------------------------------------------ request Content-Length

Deno.test("Client rejects a streamed body that runs past its Content-Length and never sends the excess", async (t) => {
  const smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  for (
    const [name, chunks, sent, atLeast] of [
      ["in one chunk", [`abcde${smuggled}`], "", 5 + smuggled.length],
      ["in a later chunk", ["abcde", smuggled], "abcde", 5 + smuggled.length],
    ] as const
  ) {
    await t.step(name, async () => {
      await using server = recordingServer();
      await using client = new Client();
      const url = `${server.url}/up`;
      const cancelled = Promise.withResolvers<unknown>();
      // Endless (the last chunk again and again) until cancelled.
      let next = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const i = Math.min(next++, chunks.length - 1);
          controller.enqueue(encoder.encode(chunks[i]));
        },
        cancel: (reason) => cancelled.resolve(reason),
      });
      const error = await within(
        client.post(url, body, {
          headers: { "content-length": "5" },
          timeout: 10_000,
        }).then(() => null, (error) => error),
        5_000,
      );
      assert(error instanceof TypeError, String(error));
      assert.equal(
        error.message,
        `Request body of POST ${url} has at least ${atLeast} bytes, more than its Content-Length of 5`,
      );
      assert.equal(await within(cancelled.promise, 5_000), error);
      // The client closed the connection (EOF), having sent the head and at
      // most the declared 5 bytes.
      const received = await within(server.received, 5_000);
      assert(received.startsWith("POST /up HTTP/1.1\r\n"), received);
      assert(/\r\ncontent-length: 5\r\n/i.test(received), received);
      assert.equal(received.slice(received.indexOf("\r\n\r\n") + 4), sent);
      assert(!received.includes("smuggled"), received);
    });
  }
});

Deno.test("Client rejects a streamed body that ends short of its Content-Length at once", async () => {
  await using server = recordingServer();
  await using client = new Client();
  const url = `${server.url}/up`;
  const started = performance.now();
  await assert.rejects(
    within(
      client.post(url, ReadableStream.from([encoder.encode("abc")]), {
        headers: { "content-length": "10" },
        timeout: 10_000,
      }),
      5_000,
    ),
    TypeError,
    `Request body of POST ${url} ended after 3 bytes, short of its Content-Length of 10`,
  );
  // Well before the 10 s timeout, and the connection is closed.
  assert(performance.now() - started < 2_000);
  const received = await within(server.received, 5_000);
  assert(received.endsWith("\r\n\r\nabc"), received);
});

Deno.test("Client does not reuse a connection after a streamed body's Content-Length mismatch", async () => {
  await using server = okServer();
  await using client = new Client();
  const url = `${server.url}/`;
  assert.equal(await (await client.get(url)).text(), "ok");
  assert.equal(server.accepted, 1);
  await assert.rejects(
    client.post(url, ReadableStream.from([encoder.encode("abcdef")]), {
      headers: { "content-length": "5" },
      timeout: 5_000,
    }),
    TypeError,
  );
  // The pooled connection carried the failed request and was closed.
  assert.equal(await (await client.get(url, { timeout: 5_000 })).text(), "ok");
  assert.equal(server.accepted, 2);
  const res = await client.post(
    url,
    ReadableStream.from([encoder.encode("abcde")]),
    {
      headers: { "content-length": "5" },
      timeout: 5_000,
    },
  );
  assert.equal(await res.text(), "ok");
});

Deno.test("Client rejects a byte or string body whose Content-Length differs, before connecting", async (t) => {
  await using server = okServer();
  await using client = new Client();
  const url = `${server.url}/up`;
  for (
    const [name, body, declared, message] of [
      [
        "string too short",
        "abc",
        "10",
        "has 3 bytes, not its Content-Length of 10",
      ],
      [
        "string too long",
        "abcdefghij",
        "3",
        "has 10 bytes, not its Content-Length of 3",
      ],
      [
        "bytes",
        new Uint8Array(4),
        "5",
        "has 4 bytes, not its Content-Length of 5",
      ],
    ] as const
  ) {
    await t.step(name, async () => {
      await assert.rejects(
        client.post(url, body, { headers: { "content-length": declared } }),
        TypeError,
        `Request body of POST ${url} ${message}`,
      );
    });
  }
  await t.step("an invalid value", async () => {
    await assert.rejects(
      client.put(url, "abc", { headers: { "content-length": "3x" } }),
      TypeError,
      'Invalid Content-Length: "3x"',
    );
  });
  assert.equal(server.accepted, 0);
  await t.step("a matching one is sent", async () => {
    const res = await client.post(url, "abc", {
      headers: { "content-length": "3" },
    });
    assert.equal(await res.text(), "ok");
  });
});
