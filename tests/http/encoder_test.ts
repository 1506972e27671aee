// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import {
  decodeRequest,
  decodeResponse,
  encodeChunk,
  encodeLastChunk,
  encodeRequest,
  encodeRequestHead,
  encodeResponse,
  encodeResponseHead,
  HTTPHeaders,
  HTTPRequest,
  HTTPResponse,
} from "../../http/mod.ts";

const dec = new TextDecoder();
const text = (bytes: Uint8Array) => String.fromCharCode(...bytes);

Deno.test("encodeRequest() sends no Content-Length for an empty GET", () => {
  const r = new HTTPRequest({ target: "/x", headers: { Host: "a" } });
  assert.equal(
    dec.decode(encodeRequest(r)),
    "GET /x HTTP/1.1\r\nHost: a\r\n\r\n",
  );
});

Deno.test("encodeRequest() sends Content-Length: 0 for an empty POST, PUT or PATCH", () => {
  for (const method of ["POST", "PUT", "PATCH"]) {
    const r = new HTTPRequest({ method, headers: { Host: "a" } });
    assert.equal(
      dec.decode(encodeRequest(r)),
      `${method} / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n`,
    );
  }
});

Deno.test("encodeRequest() replaces the caller's framing fields", () => {
  const r = new HTTPRequest({
    method: "POST",
    headers: [["Host", "a"], ["Content-Length", "99"], [
      "Transfer-Encoding",
      "chunked",
    ], ["X", "1"]],
    body: "abc",
  });
  assert.equal(
    dec.decode(encodeRequest(r)),
    "POST / HTTP/1.1\r\nHost: a\r\nX: 1\r\nContent-Length: 3\r\n\r\nabc",
  );
});

Deno.test("encodeRequest() sends a body with trailers chunked", () => {
  const r = new HTTPRequest({
    method: "PUT",
    headers: { Host: "a" },
    body: "hello",
    trailers: new HTTPHeaders({ Digest: "x" }),
  });
  const bytes = encodeRequest(r);
  assert.equal(
    dec.decode(bytes),
    "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nDigest: x\r\n\r\n",
  );
  const back = decodeRequest(bytes);
  assert.equal(back.trailers?.get("digest"), "x");
});

Deno.test("encodeRequest() writes obs-text field values as single bytes", () => {
  const r = new HTTPRequest({ headers: { Host: "a", X: "caf\u00e9" } });
  const bytes = encodeRequest(r);
  assert(bytes.includes(0xe9));
  assert.equal(decodeRequest(bytes).headers.get("x"), "caf\u00e9");
});

Deno.test("encodeRequest() throws TypeError for what the decoder would reject", async (t) => {
  const cases: [string, HTTPRequest][] = [
    [
      "a method that is not a token",
      new HTTPRequest({ method: "GE T", headers: { Host: "a" } }),
    ],
    [
      "whitespace in the request-target",
      new HTTPRequest({ target: "/a b", headers: { Host: "a" } }),
    ],
    [
      "CRLF in the request-target",
      new HTTPRequest({ target: "/\r\nX: y", headers: { Host: "a" } }),
    ],
    [
      "an empty request-target",
      new HTTPRequest({ target: "", headers: { Host: "a" } }),
    ],
    ["a missing Host in HTTP/1.1", new HTTPRequest()],
    [
      "two Host fields",
      new HTTPRequest({ headers: [["Host", "a"], ["Host", "b"]] }),
    ],
    [
      "an unknown version",
      new HTTPRequest({
        version: "HTTP/2" as "HTTP/1.1",
        headers: { Host: "a" },
      }),
    ],
    [
      "a stream body",
      new HTTPRequest({
        headers: { Host: "a" },
        body: ReadableStream.from([]),
      }),
    ],
  ];
  for (const [name, request] of cases) {
    await t.step(
      name,
      () => assert.throws(() => encodeRequest(request), TypeError),
    );
  }
});

Deno.test("encodeRequestHead() frames chunked or by Content-Length", () => {
  const r = new HTTPRequest({
    method: "POST",
    headers: { Host: "a", "Content-Length": "5" },
    body: "12",
  });
  assert.equal(
    dec.decode(encodeRequestHead(r, { chunked: true })),
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  assert.equal(
    dec.decode(encodeRequestHead(r)),
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n",
  );
  const streamed = new HTTPRequest({
    method: "POST",
    headers: { Host: "a", "Content-Length": "5" },
    body: ReadableStream.from([]),
  });
  assert.equal(
    dec.decode(encodeRequestHead(streamed)),
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
  );
  const old = new HTTPRequest({ version: "HTTP/1.0" });
  assert.throws(() => encodeRequestHead(old, { chunked: true }), TypeError);
});

Deno.test("encodeResponse() sets Content-Length from the body", () => {
  assert.equal(
    dec.decode(encodeResponse(new HTTPResponse({ body: "abc" }))),
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
  );
  assert.equal(
    dec.decode(encodeResponse(new HTTPResponse())),
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
  );
});

Deno.test("encodeResponse() sends framing but no content to HEAD", () => {
  const bytes = encodeResponse(new HTTPResponse({ body: "abc" }), {
    method: "HEAD",
  });
  assert.equal(
    dec.decode(bytes),
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
  );
  const kept = encodeResponse(
    new HTTPResponse({ headers: { "Content-Length": "42" } }),
    { method: "HEAD" },
  );
  assert.equal(
    dec.decode(kept),
    "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n",
  );
  assert.equal(
    decodeResponse(kept, { method: "HEAD" }).headers.get("content-length"),
    "42",
  );
});

Deno.test("encodeResponse() sends no content and no framing for 1xx and 204", () => {
  for (const status of [100, 103, 204]) {
    const r = new HTTPResponse({
      status,
      headers: { "Content-Length": "3", X: "1" },
      body: "abc",
    });
    assert.equal(
      dec.decode(encodeResponse(r)),
      `HTTP/1.1 ${status} ${r.reason}\r\nX: 1\r\n\r\n`,
    );
  }
});

Deno.test("encodeResponse() keeps a 304's Content-Length and sends no content", () => {
  const r = new HTTPResponse({
    status: 304,
    headers: { ETag: '"a"', "Content-Length": "10" },
  });
  assert.equal(
    dec.decode(encodeResponse(r)),
    'HTTP/1.1 304 Not Modified\r\nETag: "a"\r\nContent-Length: 10\r\n\r\n',
  );
});

Deno.test("encodeResponse() sends a body with trailers chunked in HTTP/1.1 only", () => {
  const trailers = new HTTPHeaders({ "Server-Timing": "a" });
  const chunked = encodeResponse(new HTTPResponse({ body: "hi", trailers }));
  assert.equal(
    dec.decode(chunked),
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nServer-Timing: a\r\n\r\n",
  );
  const old = encodeResponse(
    new HTTPResponse({ version: "HTTP/1.0", body: "hi", trailers }),
  );
  assert.equal(
    dec.decode(old),
    "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
  );
});

Deno.test("encodeResponse() throws for an invalid reason-phrase, version, status or body", () => {
  assert.throws(
    () => encodeResponse(new HTTPResponse({ reason: "a\r\nX: y" })),
    TypeError,
  );
  assert.throws(
    () => encodeResponse(new HTTPResponse({ version: "HTTP/2" as "HTTP/1.1" })),
    TypeError,
  );
  const r = new HTTPResponse();
  r.status = 42;
  assert.throws(() => encodeResponse(r), RangeError);
  assert.throws(
    () => encodeResponse(new HTTPResponse({ body: ReadableStream.from([]) })),
    TypeError,
  );
});

Deno.test("encodeResponseHead() frames chunked, by Content-Length, or by close", () => {
  const r = new HTTPResponse({
    headers: { "Content-Length": "1" },
    body: "xyz",
  });
  assert.equal(
    dec.decode(encodeResponseHead(r, { chunked: true })),
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  assert.equal(
    dec.decode(encodeResponseHead(r)),
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
  );
  const streamed = new HTTPResponse({ body: ReadableStream.from([]) });
  assert.equal(
    dec.decode(encodeResponseHead(streamed)),
    "HTTP/1.1 200 OK\r\n\r\n",
  );
  assert.equal(
    dec.decode(
      encodeResponseHead(new HTTPResponse({ status: 204 }), { chunked: true }),
    ),
    "HTTP/1.1 204 No Content\r\n\r\n",
  );
  assert.throws(
    () =>
      encodeResponseHead(new HTTPResponse({ version: "HTTP/1.0" }), {
        chunked: true,
      }),
    TypeError,
  );
});

Deno.test("encodeChunk() writes the size in hex and skips empty data", () => {
  assert.equal(
    text(encodeChunk(new Uint8Array(255).fill(97))),
    `ff\r\n${"a".repeat(255)}\r\n`,
  );
  assert.equal(encodeChunk(new Uint8Array()).length, 0);
});

Deno.test("encodeLastChunk() writes the trailer section without framing fields", () => {
  assert.equal(dec.decode(encodeLastChunk()), "0\r\n\r\n");
  assert.equal(dec.decode(encodeLastChunk(null)), "0\r\n\r\n");
  const trailers = new HTTPHeaders([["A", "1"], ["Content-Length", "5"]]);
  assert.equal(dec.decode(encodeLastChunk(trailers)), "0\r\nA: 1\r\n\r\n");
});

Deno.test("a chunked message built from the encoders decodes", () => {
  const head = encodeResponseHead(new HTTPResponse(), { chunked: true });
  const parts = [
    head,
    encodeChunk(new TextEncoder().encode("ab")),
    encodeChunk(new Uint8Array([99])),
    encodeLastChunk(),
  ];
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.length;
  }
  assert.equal(dec.decode(decodeResponse(bytes).body as Uint8Array), "abc");
});

Deno.test("encodeRequestHead() and encodeResponseHead() check framing fields they keep", () => {
  const both = new HTTPRequest({
    method: "POST",
    headers: {
      Host: "a",
      "Content-Length": "1",
      "Transfer-Encoding": "chunked",
    },
    body: ReadableStream.from([]),
  });
  assert.throws(() => encodeRequestHead(both), {
    name: "TypeError",
    message: "Transfer-Encoding and Content-Length in one message",
  });
  const bad = new HTTPResponse({
    headers: { "Content-Length": "-1" },
    body: ReadableStream.from([]),
  });
  assert.throws(() => encodeResponseHead(bad), TypeError);
  const head = new HTTPResponse({ headers: { "Content-Length": "1, 2" } });
  assert.throws(() => encodeResponse(head, { method: "HEAD" }), TypeError);
  const old = new HTTPResponse({
    version: "HTTP/1.0",
    headers: { "Transfer-Encoding": "chunked" },
    body: ReadableStream.from([]),
  });
  assert.throws(() => encodeResponseHead(old), TypeError);
});

Deno.test("encodeRequest() checks the request-target form and Host as the decoder does", async (t) => {
  const cases: [string, HTTPRequest, string][] = [
    [
      "asterisk-form outside OPTIONS",
      new HTTPRequest({ target: "*", headers: { Host: "a" } }),
      'Asterisk-form request-target outside OPTIONS: "*"',
    ],
    [
      "origin-form for CONNECT",
      new HTTPRequest({
        method: "CONNECT",
        target: "/",
        headers: { Host: "a" },
      }),
      'CONNECT request-target is not authority-form: "/"',
    ],
    [
      "no form at all",
      new HTTPRequest({ target: "foo", headers: { Host: "a" } }),
      'Invalid request-target form: "foo"',
    ],
    [
      "a fragment",
      new HTTPRequest({ target: "/a#b", headers: { Host: "a" } }),
      'Invalid request-target: "/a#b"',
    ],
    [
      "a space in Host",
      new HTTPRequest({ headers: { Host: "a b" } }),
      'Invalid Host field: "a b"',
    ],
    [
      "two colons in Host",
      new HTTPRequest({ headers: { Host: "a:b:c" } }),
      'Invalid Host field: "a:b:c"',
    ],
  ];
  for (const [name, request, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => encodeRequest(request), {
        name: "TypeError",
        message,
      });
      assert.throws(() => encodeRequestHead(request), {
        name: "TypeError",
        message,
      });
    });
  }
  await t.step("the forms each method allows decode", () => {
    for (
      const [method, target] of [
        ["OPTIONS", "*"],
        ["CONNECT", "example.com:443"],
        ["GET", "http://example.com/x"],
        ["GET", "/x?y"],
      ]
    ) {
      const request = new HTTPRequest({
        method,
        target,
        headers: { Host: "a" },
      });
      assert.equal(decodeRequest(encodeRequest(request)).target, target);
    }
  });
});

Deno.test("encodeRequestHead() keeps a request's Transfer-Encoding only if it ends in chunked", async (t) => {
  const streamed = (te: string) =>
    new HTTPRequest({
      method: "POST",
      headers: { Host: "a", "Transfer-Encoding": te },
      body: ReadableStream.from([]),
    });
  await t.step("gzip alone is a TypeError, streamed or chunked", () => {
    const message =
      'Transfer-Encoding of a request does not end with chunked: "gzip"';
    assert.throws(() => encodeRequestHead(streamed("gzip")), {
      name: "TypeError",
      message,
    });
    assert.throws(
      () => encodeRequestHead(streamed("gzip"), { chunked: true }),
      { name: "TypeError", message },
    );
  });
  await t.step(
    "chunked before gzip or an unknown coding is a TypeError",
    () => {
      assert.throws(
        () => encodeRequestHead(streamed("chunked, gzip")),
        TypeError,
      );
      assert.throws(() => encodeRequestHead(streamed("foo, chunked")), {
        name: "TypeError",
        message: "Unsupported transfer coding: foo",
      });
    },
  );
  await t.step(
    "gzip, chunked is kept, with or without the chunked option",
    () => {
      const expected =
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
      assert.equal(
        dec.decode(encodeRequestHead(streamed("gzip, chunked"))),
        expected,
      );
      const head = encodeRequestHead(streamed("gzip, chunked"), {
        chunked: true,
      });
      assert.equal(dec.decode(head), expected);
      // Our own RequestDecoder decodes only chunked: it answers 501.
      const bytes = new Uint8Array([...head, ...encodeLastChunk()]);
      assert.throws(() => decodeRequest(bytes), { status: 501 });
    },
  );
});

Deno.test("encodeRequest() throws TypeError for a coding other than chunked on a byte body", () => {
  const request = new HTTPRequest({
    method: "POST",
    headers: { Host: "a", "Transfer-Encoding": "gzip, chunked" },
    body: "abc",
  });
  const message =
    'Cannot apply Transfer-Encoding "gzip, chunked" to a body framed by Content-Length';
  assert.throws(() => encodeRequest(request), { name: "TypeError", message });
  assert.throws(() => encodeRequestHead(request), {
    name: "TypeError",
    message,
  });
  // With trailers the body is chunked, and the caller's codings are kept.
  request.trailers = new HTTPHeaders({ Digest: "x" });
  assert.equal(
    dec.decode(encodeRequest(request)),
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
      "3\r\nabc\r\n0\r\nDigest: x\r\n\r\n",
  );
});

Deno.test("encodeLastChunk() drops framing, routing and connection fields from trailers", () => {
  const trailers = new HTTPHeaders([
    ["Host", "evil"],
    ["Transfer-Encoding", "chunked"],
    ["Content-Length", "5"],
    ["Trailer", "A"],
    ["Connection", "close"],
    ["Keep-Alive", "timeout=5"],
    ["TE", "trailers"],
    ["Upgrade", "websocket"],
    ["A", "1"],
    ["Authorization", "kept"],
  ]);
  assert.equal(
    dec.decode(encodeLastChunk(trailers)),
    "0\r\nA: 1\r\nAuthorization: kept\r\n\r\n",
  );
});

Deno.test("encodeResponse() to HEAD keeps Transfer-Encoding: chunked without adding Content-Length", () => {
  const response = new HTTPResponse({
    headers: { "Transfer-Encoding": "chunked" },
  });
  const bytes = encodeResponse(response, { method: "HEAD" });
  assert.equal(
    dec.decode(bytes),
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  const back = decodeResponse(bytes, { method: "HEAD" });
  assert.equal(back.headers.get("content-length"), null);
});

Deno.test("encodeResponseHead() compares a kept Content-Length by value", () => {
  const streamed = (length: string) =>
    new HTTPResponse({
      headers: [["Content-Length", length], ["Content-Length", "3"]],
      body: ReadableStream.from([]),
    });
  const head = encodeResponseHead(streamed("0000000000000003"));
  assert.equal(
    (decodeResponse(new Uint8Array([...head, 1, 2, 3])).body as Uint8Array)
      .length,
    3,
  );
  assert.throws(() => encodeResponseHead(streamed("9007199254740992")), {
    name: "TypeError",
    message: 'Invalid Content-Length: "9007199254740992"',
  });
});
