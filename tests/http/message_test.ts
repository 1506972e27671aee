// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import {
  decodeRequest,
  encodeRequest,
  HTTPHeaders,
  HTTPParseError,
  HTTPRequest,
  HTTPResponse,
  STATUS_TEXT,
} from "../../http/mod.ts";

Deno.test("HTTPRequest() defaults to GET / HTTP/1.1 with no fields and no content", () => {
  const r = new HTTPRequest();
  assert.equal(r.method, "GET");
  assert.equal(r.target, "/");
  assert.equal(r.version, "HTTP/1.1");
  assert.equal(r.headers.size, 0);
  assert.deepEqual(r.body, new Uint8Array());
  assert.equal(r.trailers, null);
});

Deno.test("HTTPRequest() keeps a given HTTPHeaders instance", () => {
  const headers = new HTTPHeaders({ Host: "a" });
  assert.equal(new HTTPRequest({ headers }).headers, headers);
});

Deno.test("HTTPRequest.url is built from the request-target and Host", async (t) => {
  const url = (target: string, host?: string, method = "GET") =>
    new HTTPRequest({
      method,
      target,
      headers: host === undefined ? {} : { Host: host },
    }).url.href;
  await t.step(
    "origin-form",
    () =>
      assert.equal(
        url("/a/b?c=d", "example.com:81"),
        "http://example.com:81/a/b?c=d",
      ),
  );
  await t.step(
    "absolute-form",
    () => assert.equal(url("https://x.test/p", "ignored"), "https://x.test/p"),
  );
  await t.step(
    "authority-form",
    () =>
      assert.equal(
        url("x.test:443", "x.test:443", "CONNECT"),
        "http://x.test:443/",
      ),
  );
  await t.step(
    "asterisk-form",
    () => assert.equal(url("*", "x.test", "OPTIONS"), "http://x.test/"),
  );
  await t.step(
    "missing Host",
    () => assert.equal(url("/p"), "http://localhost/p"),
  );
  await t.step("an invalid Host throws TypeError", () => {
    assert.throws(() => url("/p", "a b"), TypeError);
  });
});

Deno.test("HTTPRequest reads string, byte, stream and async iterable bodies", async (t) => {
  await t.step("string", async () => {
    assert.equal(await new HTTPRequest({ body: "h\u00e9" }).text(), "h\u00e9");
  });
  await t.step("bytes", async () => {
    const body = new Uint8Array([1, 2]);
    assert.equal(await new HTTPRequest({ body }).bytes(), body);
  });
  await t.step("stream", async () => {
    const r = new HTTPRequest({
      body: ReadableStream.from([new Uint8Array([123]), new Uint8Array([125])]),
    });
    assert.deepEqual(await r.json(), {});
    assert.deepEqual(r.body, new Uint8Array([123, 125]));
  });
  await t.step("async iterable", async () => {
    async function* chunks() {
      yield new TextEncoder().encode("a");
      yield new TextEncoder().encode("b");
    }
    assert.equal(await new HTTPRequest({ body: chunks() }).text(), "ab");
  });
  await t.step("null", async () => {
    assert.equal((await new HTTPRequest({ body: null }).bytes()).length, 0);
  });
});

Deno.test("HTTPRequest.json() rejects with SyntaxError for content that is not JSON", async () => {
  await assert.rejects(
    () => new HTTPRequest({ body: "{" }).json(),
    SyntaxError,
  );
});

Deno.test("HTTPResponse() defaults to 200 OK and takes the reason from STATUS_TEXT", () => {
  const r = new HTTPResponse();
  assert.equal(r.status, 200);
  assert.equal(r.reason, "OK");
  assert.equal(r.version, "HTTP/1.1");
  assert.equal(new HTTPResponse({ status: 418 }).reason, "I'm a teapot");
  assert.equal(new HTTPResponse({ status: 599 }).reason, "");
  assert.equal(
    new HTTPResponse({ status: 200, reason: "Fine" }).reason,
    "Fine",
  );
});

Deno.test("HTTPResponse() throws RangeError for a status outside 100 to 999", () => {
  for (const status of [99, 1000, 200.5, NaN]) {
    assert.throws(() => new HTTPResponse({ status }), RangeError);
  }
});

Deno.test("HTTPResponse.text() and json() set the body and Content-Type", async () => {
  const t = HTTPResponse.text("hi", { status: 202, headers: { "X-A": "1" } });
  assert.equal(t.status, 202);
  assert.equal(t.headers.get("x-a"), "1");
  assert.equal(t.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(await t.text(), "hi");
  const custom = HTTPResponse.text("<p>", {
    headers: { "Content-Type": "text/html" },
  });
  assert.equal(custom.headers.get("content-type"), "text/html");
  const j = HTTPResponse.json({ a: [1] });
  assert.equal(j.headers.get("content-type"), "application/json");
  assert.deepEqual(await j.json(), { a: [1] });
  assert.throws(() => HTTPResponse.json(undefined), TypeError);
});

Deno.test("HTTPResponse.text() and json() field lines change independently of other responses", () => {
  const a = HTTPResponse.text("a");
  a.headers.set("Content-Type", "text/html");
  a.headers.append("X-A", "1");
  const b = HTTPResponse.text("b");
  b.headers.delete("content-type");
  const c = HTTPResponse.text("c");
  assert.deepEqual([...a.headers], [["Content-Type", "text/html"], [
    "X-A",
    "1",
  ]]);
  assert.deepEqual([...b.headers], []);
  assert.deepEqual([...c.headers], [[
    "Content-Type",
    "text/plain; charset=utf-8",
  ]]);
  const j = HTTPResponse.json(1);
  j.headers.append("Content-Type", "x/y");
  assert.deepEqual(HTTPResponse.json(2).headers.getAll("content-type"), [
    "application/json",
  ]);
  assert.deepEqual(new HTTPHeaders(c.headers).getAll("content-type"), [
    "text/plain; charset=utf-8",
  ]);
});

Deno.test("HTTPResponse.text() encodes any string as UTF-8 into bytes of its own", async (t) => {
  const cases = [
    "",
    "Hello, World!",
    "caf\u00e9 \u{1f600}",
    "a".repeat(511) + "\u00ff",
    "x".repeat(600),
    "\u{1f600}".repeat(1500),
    "y".repeat(5000),
  ];
  for (const text of cases) {
    await t.step(`${text.length} code units`, async () => {
      const res = HTTPResponse.text(text);
      const expected = new TextEncoder().encode(text);
      assert.deepEqual(res.body, expected);
      assert.equal(await res.text(), text);
    });
  }
  await t.step("bodies do not overlap", () => {
    const a = HTTPResponse.text("aaaa");
    const b = HTTPResponse.text("bbbb");
    (a.body as Uint8Array).fill(0x7a);
    assert.equal(new TextDecoder().decode(b.body as Uint8Array), "bbbb");
  });
  await t.step("a transferred body buffer does not break later bodies", () => {
    const a = HTTPResponse.text("aaaa");
    structuredClone((a.body as Uint8Array).buffer, {
      transfer: [(a.body as Uint8Array).buffer as ArrayBuffer],
    });
    const b = HTTPResponse.text("bbbb");
    assert.equal(new TextDecoder().decode(b.body as Uint8Array), "bbbb");
  });
  await t.step("init fields are kept and its body ignored", async () => {
    const res = HTTPResponse.text("hi", {
      status: 201,
      headers: { "Content-Type": "text/html" },
      body: "ignored",
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("content-type"), "text/html");
    assert.equal(await res.text(), "hi");
  });
});

Deno.test("HTTPResponse.redirect() sets Location and the status", () => {
  for (const status of [301, 302, 303, 307, 308] as const) {
    const r = HTTPResponse.redirect("/to", status);
    assert.equal(r.status, status);
    assert.equal(r.headers.get("location"), "/to");
  }
  assert.throws(() => HTTPResponse.redirect("/a\r\nSet-Cookie: x"), TypeError);
  assert.throws(() => HTTPResponse.redirect("/a", 200 as 301), RangeError);
});

Deno.test("HTTPResponse.error() builds the canned error responses with Connection: close", async (t) => {
  for (const status of [400, 404, 413, 414, 431, 500, 501, 505]) {
    await t.step(String(status), async () => {
      const r = HTTPResponse.error(status);
      assert.equal(r.status, status);
      assert.equal(r.reason, STATUS_TEXT[status]);
      assert.equal(r.headers.get("connection"), "close");
      assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(await r.text(), `${status} ${STATUS_TEXT[status]}\n`);
    });
  }
  assert.equal(
    await HTTPResponse.error(400, "Bad field").text(),
    "Bad field\n",
  );
});

Deno.test("STATUS_TEXT covers every RFC 9110 status code", () => {
  const rfc9110 = [
    100,
    101,
    200,
    201,
    202,
    203,
    204,
    205,
    206,
    300,
    301,
    302,
    303,
    304,
    305,
    307,
    308,
    400,
    401,
    402,
    403,
    404,
    405,
    406,
    407,
    408,
    409,
    410,
    411,
    412,
    413,
    414,
    415,
    416,
    417,
    421,
    422,
    426,
    500,
    501,
    502,
    503,
    504,
    505,
  ];
  for (const code of rfc9110) {
    assert.equal(typeof STATUS_TEXT[code], "string", String(code));
  }
  assert.equal(STATUS_TEXT[413], "Content Too Large");
  assert.equal(STATUS_TEXT[422], "Unprocessable Content");
  assert(Object.isFrozen(STATUS_TEXT));
});

Deno.test("HTTPRequest.url never throws for a decoded request: Hosts it would throw for fail decoding with 400", async (t) => {
  for (const host of ["a:b:c", "[", "a:99999", "1.2.3.256", "xn--a"]) {
    await t.step(host, () => {
      const built = new HTTPRequest({ target: "/p", headers: { Host: host } });
      assert.throws(() => built.url, TypeError);
      assert.throws(
        () =>
          decodeRequest(
            new TextEncoder().encode(
              `GET /p HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
            ),
          ),
        (error) => error instanceof HTTPParseError && error.status === 400,
      );
      assert.throws(() => encodeRequest(built), TypeError);
    });
  }
});
