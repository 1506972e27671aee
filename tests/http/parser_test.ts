// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import {
  decodeRequest,
  decodeResponse,
  type DecoderOptions,
  HTTPParseError,
  RequestDecoder,
  ResponseDecoder,
} from "../../http/mod.ts";
import { pushRequestBytes, useInternTable } from "../../http/parser.ts";
import { InternTable } from "../../http/_chars.ts";
import { type Decoder, run } from "./_util.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function bytes(s: string): Uint8Array {
  return enc.encode(s);
}

function requestEvents(
  input: string,
  options?: DecoderOptions,
  chunks?: Uint8Array[],
): unknown[] {
  return run(new RequestDecoder(options), chunks ?? [bytes(input)]);
}

function responseEvents(
  input: string,
  methods: string[] = ["GET"],
  options?: DecoderOptions,
): unknown[] {
  const decoder = new ResponseDecoder(options);
  for (const method of methods) decoder.expect(method);
  return run(decoder, [bytes(input)]);
}

function rejectRequest(
  input: string,
  status: number,
  message: string | RegExp,
  options?: DecoderOptions,
): void {
  const events = requestEvents(input, options);
  const last = events.at(-1) as unknown[];
  assert.equal(
    last?.[0],
    "error",
    `expected an error, got ${JSON.stringify(events)}`,
  );
  assert.equal(last[1], status, String(last[2]));
  if (typeof message === "string") assert.equal(last[2], message);
  else assert.match(String(last[2]), message);
}

function rejectResponse(
  input: string,
  status: number,
  message: string | RegExp,
  methods?: string[],
  options?: DecoderOptions,
): void {
  const events = responseEvents(input, methods, options);
  const last = events.at(-1) as unknown[];
  assert.equal(
    last?.[0],
    "error",
    `expected an error, got ${JSON.stringify(events)}`,
  );
  assert.equal(last[1], status, String(last[2]));
  if (typeof message === "string") assert.equal(last[2], message);
  else assert.match(String(last[2]), message);
}

// --- Requests: accepted forms -------------------------------------------

Deno.test("RequestDecoder decodes a GET as head and end", () => {
  assert.deepEqual(
    requestEvents(
      "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept:  */* \r\n\r\n",
    ),
    [
      ["head", "GET", "/a?b=c", "HTTP/1.1", [["Host", "example.com"], [
        "Accept",
        "*/*",
      ]]],
      ["end", null],
    ],
  );
});

Deno.test("RequestDecoder keeps field-name case and order", () => {
  const request = decodeRequest(
    bytes("GET / HTTP/1.1\r\nhOsT: a\r\nX-B: 1\r\nx-b: 2\r\n\r\n"),
  );
  assert.deepEqual([...request.headers], [["hOsT", "a"], ["X-B", "1"], [
    "x-b",
    "2",
  ]]);
  assert.equal(request.headers.get("X-b"), "1, 2");
});

Deno.test("RequestDecoder accepts an empty field value", () => {
  const request = decodeRequest(
    bytes("GET / HTTP/1.1\r\nHost: a\r\nX-E:\r\nX-F:  \r\n\r\n"),
  );
  assert.equal(request.headers.get("x-e"), "");
  assert.equal(request.headers.get("x-f"), "");
});

Deno.test("RequestDecoder accepts obs-text in a field value as latin1", () => {
  const input = new Uint8Array([
    ...bytes("GET / HTTP/1.1\r\nHost: a\r\nX: caf"),
    0xe9,
    0x80,
    ...bytes("\r\n\r\n"),
  ]);
  const request = decodeRequest(input);
  assert.equal(request.headers.get("x"), "caf\u00e9\u0080");
});

Deno.test("RequestDecoder ignores empty lines before the request-line", () => {
  assert.deepEqual(
    requestEvents("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    [["head", "GET", "/", "HTTP/1.1", [["Host", "a"]]], ["end", null]],
  );
});

Deno.test("RequestDecoder accepts HTTP/1.0 without Host", () => {
  assert.deepEqual(requestEvents("GET / HTTP/1.0\r\n\r\n"), [
    ["head", "GET", "/", "HTTP/1.0", []],
    ["end", null],
  ]);
});

Deno.test("RequestDecoder decodes a Content-Length body", () => {
  assert.deepEqual(
    requestEvents(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    ),
    [
      ["head", "POST", "/", "HTTP/1.1", [["Host", "a"], [
        "Content-Length",
        "5",
      ]]],
      ["data", "hello"],
      ["end", null],
    ],
  );
});

Deno.test("RequestDecoder accepts repeated identical Content-Length values", async (t) => {
  await t.step("in one line", () => {
    const r = decodeRequest(
      bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nhi"),
    );
    assert.equal(dec.decode(r.body as Uint8Array), "hi");
  });
  await t.step("in two lines", () => {
    const r = decodeRequest(
      bytes(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nhi",
      ),
    );
    assert.equal(dec.decode(r.body as Uint8Array), "hi");
  });
});

Deno.test("RequestDecoder decodes chunked with extensions and trailers", () => {
  assert.deepEqual(
    requestEvents(
      "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
        '5;name=value;q="a \\"b"\r\nhello\r\n' +
        "6 ; x\r\n world\r\n" +
        "0\r\nChecksum: abc\r\nX-T: 1\r\n\r\n",
    ),
    [
      ["head", "POST", "/up", "HTTP/1.1", [["Host", "a"], [
        "Transfer-Encoding",
        "chunked",
      ]]],
      ["data", "hello world"],
      ["end", [["Checksum", "abc"], ["X-T", "1"]]],
    ],
  );
});

Deno.test("RequestDecoder answers a coding before chunked with 501, as it decodes only chunked", () => {
  for (const te of ["gzip, chunked", "deflate,chunked", "x-gzip , chunked"]) {
    assert.throws(
      () =>
        decodeRequest(
          bytes(
            `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ${te}\r\n\r\n1\r\nz\r\n0\r\n\r\n`,
          ),
        ),
      (error) =>
        error instanceof HTTPParseError && error.status === 501 &&
        /^Unsupported transfer coding: [a-z-]+ \(only chunked is decoded\)$/
          .test(error.message),
    );
  }
  // gzip alone cannot be framed at all: 400 comes first (RFC 9112 6.3).
  assert.throws(
    () =>
      decodeRequest(
        bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"),
      ),
    (error) => error instanceof HTTPParseError && error.status === 400,
  );
});

Deno.test("RequestDecoder decodes pipelined requests in one buffer", () => {
  assert.deepEqual(
    requestEvents(
      "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
        "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
        "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
    ).map((e) => (e as unknown[]).slice(0, 3)),
    [
      ["head", "GET", "/1"],
      ["end", null],
      ["head", "POST", "/2"],
      ["data", "abc"],
      ["end", null],
      ["head", "GET", "/3"],
      ["end", null],
    ],
  );
});

Deno.test("RequestDecoder accepts the four request-target forms", async (t) => {
  await t.step("origin-form", () => {
    assert.equal(
      decodeRequest(bytes("GET /x?y HTTP/1.1\r\nHost: a\r\n\r\n")).url.href,
      "http://a/x?y",
    );
  });
  await t.step("absolute-form", () => {
    const r = decodeRequest(
      bytes("GET http://b.test:8/p HTTP/1.1\r\nHost: a\r\n\r\n"),
    );
    assert.equal(r.target, "http://b.test:8/p");
    assert.equal(r.url.href, "http://b.test:8/p");
  });
  await t.step("authority-form for CONNECT", () => {
    const r = decodeRequest(
      bytes(
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
      ),
    );
    assert.equal(r.target, "example.com:443");
    assert.equal(r.url.host, "example.com:443");
  });
  await t.step("asterisk-form for OPTIONS", () => {
    const r = decodeRequest(bytes("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"));
    assert.equal(r.target, "*");
  });
});

Deno.test("RequestDecoder.takeBuffered() returns the bytes after a CONNECT head", () => {
  const decoder = new RequestDecoder();
  decoder.push(bytes("CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n\r\n\x16\x03\x01"));
  assert.equal(decoder.next()?.type, "head");
  assert.equal(decoder.next()?.type, "end");
  assert.deepEqual([...decoder.takeBuffered()], [0x16, 3, 1]);
  assert.equal(decoder.next(), null);
});

Deno.test("RequestDecoder.next() returns null at a clean EOF", () => {
  const decoder = new RequestDecoder();
  decoder.push(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  decoder.finish();
  assert.equal(decoder.next()?.type, "head");
  assert.equal(decoder.next()?.type, "end");
  assert.equal(decoder.next(), null);
});

Deno.test("RequestDecoder.next() throws the same error again", () => {
  const decoder = new RequestDecoder();
  decoder.push(bytes("GET / HTTP/3\r\n\r\n"));
  const first = assert.throws(() => decoder.next(), HTTPParseError);
  let second: unknown;
  try {
    decoder.next();
  } catch (error) {
    second = error;
  }
  assert(second instanceof HTTPParseError);
  void first;
});

Deno.test("RequestDecoder.push() throws TypeError after finish()", () => {
  const decoder = new RequestDecoder();
  decoder.finish();
  assert.throws(() => decoder.push(bytes("x")), TypeError);
});

Deno.test("RequestDecoder data events are views into the pushed chunk", () => {
  const decoder = new RequestDecoder();
  const input = bytes(
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody",
  );
  decoder.push(input);
  decoder.next();
  const event = decoder.next();
  assert(event?.type === "data");
  assert.equal(event.data.buffer, input.buffer);
});

// --- Requests: rejections (RFC 9112 MUSTs) ------------------------------

Deno.test("RequestDecoder rejects malformed field lines", async (t) => {
  const cases: [string, string, string][] = [
    [
      "whitespace between field-name and colon",
      "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
      "Whitespace between field-name and colon at line 2",
    ],
    [
      "obs-fold",
      "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n",
      "Obsolete line folding at line 4",
    ],
    [
      "whitespace before the first field",
      "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
      "Whitespace between start-line and first field at line 2",
    ],
    [
      "bare CR in a field value",
      "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
      "Bare CR at line 2",
    ],
    [
      "bare CR at the end of a value",
      "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n",
      "Bare CR at line 2",
    ],
    [
      "bare CR in the request-line",
      "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n",
      "Bare CR at line 1",
    ],
    [
      "bare LF ending the request-line",
      "GET / HTTP/1.1\nHost: a\r\n\r\n",
      "Bare LF at line 1",
    ],
    [
      "bare LF ending a field line",
      "GET / HTTP/1.1\r\nHost: a\n\r\n",
      "Bare LF at line 2",
    ],
    [
      "bare LF as the empty line",
      "GET / HTTP/1.1\r\nHost: a\r\n\n",
      "Bare LF at line 3",
    ],
    [
      "NUL in a field value",
      "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n",
      "NUL in field-value at line 3",
    ],
    [
      "a CTL in a field value",
      "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n",
      "Invalid character 0x01 in field-value at line 3",
    ],
    [
      "DEL in a field value",
      "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n",
      "Invalid character 0x7f in field-value at line 3",
    ],
    [
      "an invalid token character in a field-name",
      "GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n",
      "Invalid field-name at line 3",
    ],
    [
      "a non-ASCII field-name",
      "GET / HTTP/1.1\r\nHost: a\r\nX\u00e9: 1\r\n\r\n",
      "Invalid field-name at line 3",
    ],
    [
      "an empty field-name",
      "GET / HTTP/1.1\r\nHost: a\r\n: 1\r\n\r\n",
      "Empty field-name at line 3",
    ],
    [
      "a field line without colon",
      "GET / HTTP/1.1\r\nHost: a\r\nX\r\n\r\n",
      "Missing colon in field line at line 3",
    ],
  ];
  for (const [name, input, message] of cases) {
    await t.step(name, () => rejectRequest(input, 400, message));
  }
});

Deno.test("RequestDecoder rejects a malformed request-line", async (t) => {
  const cases: [string, string, number, string][] = [
    [
      "an invalid token character in the method",
      "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
      400,
      "Invalid character 0x28 in method at line 1",
    ],
    [
      "an empty method",
      " / HTTP/1.1\r\nHost: a\r\n\r\n",
      400,
      "Invalid method at line 1",
    ],
    [
      "two spaces",
      "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
      400,
      "Invalid request-target at line 1",
    ],
    [
      "a CTL in the request-target",
      "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
      400,
      "Invalid character 0x01 in request-target at line 1",
    ],
    [
      "no HTTP-version",
      "GET /\r\nHost: a\r\n\r\n",
      400,
      "Missing HTTP-version at line 1",
    ],
    [
      "a lowercase HTTP-version",
      "GET / http/1.1\r\nHost: a\r\n\r\n",
      400,
      "Invalid HTTP-version at line 1",
    ],
    [
      "a two-digit minor version",
      "GET / HTTP/1.10\r\nHost: a\r\n\r\n",
      400,
      "Invalid HTTP-version at line 1",
    ],
    [
      "trailing whitespace",
      "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
      400,
      "Invalid HTTP-version at line 1",
    ],
    [
      "HTTP/2.0",
      "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
      505,
      "Unsupported HTTP-version HTTP/2.0 at line 1",
    ],
    [
      "HTTP/1.2",
      "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
      505,
      "Unsupported HTTP-version HTTP/1.2 at line 1",
    ],
    [
      "HTTP/0.9",
      "GET / HTTP/0.9\r\nHost: a\r\n\r\n",
      505,
      "Unsupported HTTP-version HTTP/0.9 at line 1",
    ],
    [
      "asterisk-form outside OPTIONS",
      "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
      400,
      "Asterisk-form request-target outside OPTIONS at line 1",
    ],
    [
      "origin-form for CONNECT",
      "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n",
      400,
      "CONNECT request-target is not authority-form at line 1",
    ],
    [
      "authority-form without port for CONNECT",
      "CONNECT a.test HTTP/1.1\r\nHost: a\r\n\r\n",
      400,
      "CONNECT request-target is not authority-form at line 1",
    ],
    [
      "a relative request-target",
      "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n",
      400,
      "Invalid request-target form at line 1",
    ],
  ];
  for (const [name, input, status, message] of cases) {
    await t.step(name, () => rejectRequest(input, status, message));
  }
});

Deno.test("RequestDecoder rejects invalid Content-Length", async (t) => {
  const head = "POST / HTTP/1.1\r\nHost: a\r\n";
  const cases: [string, string, string][] = [
    [
      "a plus sign",
      "Content-Length: +5\r\n",
      "Invalid Content-Length at field line 2",
    ],
    [
      "a negative value",
      "Content-Length: -1\r\n",
      "Invalid Content-Length at field line 2",
    ],
    [
      "differing values in one line",
      "Content-Length: 5, 6\r\n",
      "Content-Length values differ at field line 2",
    ],
    [
      "differing values in two lines",
      "Content-Length: 5\r\nContent-Length: 6\r\n",
      "Content-Length values differ at field line 3",
    ],
    [
      "letters",
      "Content-Length: 5a\r\n",
      "Invalid Content-Length at field line 2",
    ],
    [
      "an empty value",
      "Content-Length: \r\n",
      "Invalid Content-Length at field line 2",
    ],
    [
      "an empty list element",
      "Content-Length: 5,\r\n",
      "Invalid Content-Length at field line 2",
    ],
    [
      "overflow",
      "Content-Length: 99999999999999999999\r\n",
      "Content-Length overflow at field line 2",
    ],
  ];
  for (const [name, fields, message] of cases) {
    await t.step(
      name,
      () => rejectRequest(`${head}${fields}\r\n`, 400, message),
    );
  }
});

Deno.test("RequestDecoder rejects invalid Transfer-Encoding", async (t) => {
  const head = "POST / HTTP/1.1\r\nHost: a\r\n";
  const cases: [string, string, number, string][] = [
    [
      "together with Content-Length",
      "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
      400,
      "Transfer-Encoding and Content-Length in one message",
    ],
    [
      "a final coding other than chunked",
      "Transfer-Encoding: gzip\r\n",
      400,
      "Transfer-Encoding of a request does not end with chunked",
    ],
    [
      "chunked twice",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
      400,
      "Transfer-Encoding applies chunked before another coding",
    ],
    [
      "an unknown coding",
      "Transfer-Encoding: foo, chunked\r\n",
      501,
      "Unsupported transfer coding: foo",
    ],
    [
      "an empty value",
      "Transfer-Encoding: \r\n",
      400,
      "Empty Transfer-Encoding",
    ],
  ];
  for (const [name, fields, status, message] of cases) {
    await t.step(
      name,
      () => rejectRequest(`${head}${fields}\r\n`, status, message),
    );
  }
  await t.step("in HTTP/1.0", () =>
    rejectRequest(
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      400,
      "Transfer-Encoding in an HTTP/1.0 message",
    ));
});

Deno.test("RequestDecoder rejects malformed chunked framing", async (t) => {
  const head =
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  const cases: [string, string, string][] = [
    [
      "chunk-size overflow",
      "fffffffffffffffff\r\n",
      "Chunk-size overflow in chunk 1",
    ],
    [
      "junk after the chunk-size",
      "5x\r\nhello\r\n0\r\n\r\n",
      "Invalid chunk-size in chunk 1",
    ],
    [
      "a missing chunk-size",
      "\r\nhello\r\n0\r\n\r\n",
      "Invalid chunk-size in chunk 1",
    ],
    [
      "a negative chunk-size",
      "-5\r\nhello\r\n0\r\n\r\n",
      "Invalid chunk-size in chunk 1",
    ],
    [
      "a bad chunk-ext",
      "5;\r\nhello\r\n0\r\n\r\n",
      "Invalid chunk-ext in chunk 1",
    ],
    [
      "an unterminated quoted chunk-ext",
      '5;a="b\r\nhello\r\n0\r\n\r\n',
      "Invalid chunk-ext in chunk 1",
    ],
    [
      "a bare LF after the chunk-size",
      "5\nhello\r\n0\r\n\r\n",
      "Bare LF in chunk-size line of chunk 1",
    ],
    [
      "no CRLF after chunk-data",
      "5\r\nhelloX\r\n0\r\n\r\n",
      "Missing CRLF after chunk-data of chunk 1",
    ],
    ["a second bad chunk", "1\r\na\r\nz\r\n", "Invalid chunk-size in chunk 2"],
    [
      "obs-fold in the trailer section",
      "0\r\nA: 1\r\n b\r\n\r\n",
      "Obsolete line folding at line 2",
    ],
    [
      "a bad trailer field",
      "0\r\nA b: 1\r\n\r\n",
      "Whitespace between field-name and colon at line 1",
    ],
    [
      "a long chunk-size line",
      `1;${"a".repeat(5000)}`,
      "Chunk-size line of chunk 1 exceeds 4096 bytes",
    ],
  ];
  for (const [name, body, message] of cases) {
    await t.step(name, () => rejectRequest(head + body, 400, message));
  }
});

Deno.test("RequestDecoder rejects a missing or repeated Host", async (t) => {
  await t.step(
    "missing in HTTP/1.1",
    () =>
      rejectRequest(
        "GET / HTTP/1.1\r\nX: 1\r\n\r\n",
        400,
        "Missing Host field in HTTP/1.1 request",
      ),
  );
  await t.step(
    "twice",
    () =>
      rejectRequest(
        "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
        400,
        "More than one Host field",
      ),
  );
  await t.step(
    "twice in HTTP/1.0",
    () =>
      rejectRequest(
        "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
        400,
        "More than one Host field",
      ),
  );
  await t.step(
    "invalid",
    () =>
      rejectRequest(
        "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
        400,
        "Invalid Host field at field line 1",
      ),
  );
  await t.step("checked again when it changes on a connection", () => {
    const decoder = new RequestDecoder();
    const bytes = new TextEncoder().encode(
      "GET / HTTP/1.1\r\nHost: example.com:80\r\n\r\n" +
        "GET / HTTP/1.1\r\nHost: example.com:80\r\n\r\n" +
        "GET / HTTP/1.1\r\nHost: example.org:80\r\n\r\n" +
        "GET / HTTP/1.1\r\nHost: example.com:8a\r\n\r\n",
    );
    decoder.push(bytes);
    const hosts: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const head = decoder.next();
      assert(head?.type === "head");
      hosts.push(head.message.headers.get("host"));
      assert.equal(decoder.next()?.type, "end");
    }
    assert.deepEqual(hosts, [
      "example.com:80",
      "example.com:80",
      "example.org:80",
    ]);
    assert.throws(
      () => decoder.next(),
      (e) =>
        e instanceof HTTPParseError &&
        e.message === "Invalid Host field at field line 1",
    );
  });
});

Deno.test("RequestDecoder enforces its limits with the matching status", async (t) => {
  await t.step(
    "request-line over maxStartLineBytes is 414",
    () =>
      rejectRequest(
        `GET /${"a".repeat(8192)} HTTP/1.1\r\nHost: a\r\n\r\n`,
        414,
        "Request-line exceeds 8192 bytes",
      ),
  );
  await t.step(
    "an unterminated long request-line is 414 before its end",
    () => {
      const decoder = new RequestDecoder({ maxStartLineBytes: 100 });
      decoder.push(bytes(`GET /${"a".repeat(200)}`));
      assert.throws(() => decoder.next(), {
        status: 414,
        message: "Request-line exceeds 100 bytes",
      });
    },
  );
  await t.step("header section over maxHeaderBytes is 431", () =>
    rejectRequest(
      `GET / HTTP/1.1\r\nHost: a\r\nX: ${"a".repeat(70000)}\r\n\r\n`,
      431,
      "Header section exceeds 65536 bytes",
    ));
  await t.step("an unterminated header section is 431 before its end", () => {
    const decoder = new RequestDecoder({ maxHeaderBytes: 100 });
    decoder.push(bytes(`GET / HTTP/1.1\r\nHost: a\r\nX: ${"a".repeat(200)}`));
    assert.throws(() => decoder.next(), {
      status: 431,
      message: "Header section exceeds 100 bytes",
    });
  });
  await t.step(
    "more field lines than maxHeaderCount is 431",
    () =>
      rejectRequest(
        `GET / HTTP/1.1\r\nHost: a\r\n${"X: 1\r\n".repeat(100)}\r\n`,
        431,
        "Header section exceeds 100 field lines",
      ),
  );
  await t.step("exactly maxHeaderCount field lines is accepted", () => {
    const r = decodeRequest(
      bytes(`GET / HTTP/1.1\r\nHost: a\r\n${"X: 1\r\n".repeat(99)}\r\n`),
    );
    assert.equal(r.headers.size, 100);
  });
  await t.step("Content-Length over maxBodyBytes is 413", () =>
    rejectRequest(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n",
      413,
      "Content-Length exceeds 10 bytes",
      { maxBodyBytes: 10 },
    ));
  await t.step("chunks over maxBodyBytes are 413", () =>
    rejectRequest(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\naaaaaa\r\n5\r\n",
      413,
      "Content exceeds 10 bytes",
      { maxBodyBytes: 10 },
    ));
  await t.step(
    "trailer section over maxHeaderCount is 431",
    () =>
      rejectRequest(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
        431,
        "Trailer section exceeds 2 field lines",
        { maxHeaderCount: 2 },
      ),
  );
});

Deno.test("RequestDecoder rejects input that ends inside a message", async (t) => {
  const cases: [string, string, string][] = [
    [
      "in the start-line",
      "GET / HT",
      "Unexpected end of input in the start-line",
    ],
    [
      "in the header section",
      "GET / HTTP/1.1\r\nHost: a\r\n",
      "Unexpected end of input in the header section",
    ],
    [
      "in a Content-Length body",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab",
      "Unexpected end of input with 3 bytes of content missing",
    ],
    [
      "in a chunk",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
      "Unexpected end of input in chunk-data",
    ],
  ];
  for (const [name, input, message] of cases) {
    await t.step(name, () => rejectRequest(input, 400, message));
  }
});

Deno.test("decodeRequest() rejects trailing bytes and empty input", () => {
  assert.throws(
    () => decodeRequest(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\nX")),
    { name: "HTTPParseError", message: "Unexpected bytes after the request" },
  );
  assert.throws(() => decodeRequest(new Uint8Array()), {
    name: "HTTPParseError",
    message: "No request in the input",
  });
});

// --- Responses ----------------------------------------------------------

Deno.test("ResponseDecoder decodes a Content-Length response", () => {
  assert.deepEqual(
    responseEvents("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
    [
      ["head", 200, "OK", "HTTP/1.1", [["Content-Length", "2"]]],
      ["data", "hi"],
      ["end", null],
    ],
  );
});

Deno.test("ResponseDecoder accepts an empty or missing reason-phrase", () => {
  assert.equal(decodeResponse(bytes("HTTP/1.1 204 \r\n\r\n")).reason, "");
  assert.equal(decodeResponse(bytes("HTTP/1.1 204\r\n\r\n")).reason, "");
});

Deno.test("ResponseDecoder frames a response to HEAD without content", () => {
  assert.deepEqual(
    responseEvents(
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
      ["HEAD", "GET"],
    ).map((e) => (e as unknown[]).slice(0, 2)),
    [["head", 200], ["end", null], ["head", 200], ["data", "x"], ["end", null]],
  );
});

Deno.test("ResponseDecoder frames 204 and 304 without content", () => {
  assert.deepEqual(
    responseEvents(
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: "x"\r\n\r\n' +
        "HTTP/1.1 204 No Content\r\n\r\n",
      ["GET", "DELETE"],
    ).map((e) => (e as unknown[]).slice(0, 2)),
    [["head", 304], ["end", null], ["head", 204], ["end", null]],
  );
});

Deno.test("ResponseDecoder yields 1xx responses before the final one", () => {
  assert.deepEqual(
    responseEvents(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" +
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
    ).map((e) => (e as unknown[]).slice(0, 2)),
    [
      ["head", 100],
      ["end", null],
      ["head", 103],
      ["end", null],
      ["head", 200],
      ["data", "x"],
      ["end", null],
    ],
  );
  const response = decodeResponse(
    bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n\r\n"),
  );
  assert.equal(response.status, 201);
});

Deno.test("ResponseDecoder ends a close-delimited body at finish()", () => {
  assert.deepEqual(responseEvents("HTTP/1.1 200 OK\r\n\r\nall of it"), [
    ["head", 200, "OK", "HTTP/1.1", []],
    ["data", "all of it"],
    ["end", null],
  ]);
});

Deno.test("ResponseDecoder reads a non-chunked Transfer-Encoding until close", () => {
  const r = decodeResponse(
    bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz"),
  );
  assert.equal(dec.decode(r.body as Uint8Array), "zz");
});

Deno.test("ResponseDecoder replaces obs-fold in a response with SP", () => {
  const r = decodeResponse(
    bytes("HTTP/1.1 200 OK\r\nX: a\r\n  b\r\n\tc\r\nContent-Length: 0\r\n\r\n"),
  );
  assert.equal(r.headers.get("x"), "a b c");
});

Deno.test("ResponseDecoder stops after 101 and keeps the following bytes", () => {
  const decoder = new ResponseDecoder();
  decoder.expect("GET");
  decoder.push(
    bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"),
  );
  decoder.push(new Uint8Array([0x81, 0]));
  assert.equal(decoder.next()?.type, "head");
  assert.equal(decoder.next()?.type, "end");
  assert.equal(decoder.next(), null);
  assert.deepEqual([...decoder.takeBuffered()], [0x81, 0]);
});

Deno.test("ResponseDecoder stops after a 2xx to CONNECT", () => {
  const decoder = new ResponseDecoder();
  decoder.expect("CONNECT");
  decoder.push(bytes("HTTP/1.1 200 Connection Established\r\n\r\ntunnel"));
  assert.equal(decoder.next()?.type, "head");
  assert.equal(decoder.next()?.type, "end");
  assert.equal(decoder.next(), null);
  assert.equal(dec.decode(decoder.takeBuffered()), "tunnel");
});

Deno.test("ResponseDecoder reads the body of a non-2xx to CONNECT", () => {
  const r = decodeResponse(
    bytes(
      "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nno",
    ),
    {
      method: "CONNECT",
    },
  );
  assert.equal(dec.decode(r.body as Uint8Array), "no");
});

Deno.test("ResponseDecoder rejects malformed responses", async (t) => {
  const cases: [string, string, number, string][] = [
    [
      "a bad status-code",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      400,
      "Invalid status-code at line 1",
    ],
    [
      "a four-digit status-code",
      "HTTP/1.1 2000 OK\r\n\r\n",
      400,
      "Invalid status-code at line 1",
    ],
    [
      "a status-code below 100",
      "HTTP/1.1 099 OK\r\n\r\n",
      400,
      "Invalid status-code at line 1",
    ],
    [
      "a CTL in the reason-phrase",
      "HTTP/1.1 200 O\x01K\r\n\r\n",
      400,
      "Invalid character 0x01 in reason-phrase at line 1",
    ],
    [
      "HTTP/2",
      "HTTP/2.0 200 OK\r\n\r\n",
      505,
      "Unsupported HTTP-version HTTP/2.0 at line 1",
    ],
    [
      "no SP after the version",
      "HTTP/1.1_200 OK\r\n\r\n",
      400,
      "Missing SP after HTTP-version at line 1",
    ],
    [
      "Transfer-Encoding with Content-Length",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
      400,
      "Transfer-Encoding and Content-Length in one message",
    ],
    [
      "an unknown transfer coding",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: br\r\n\r\n",
      501,
      "Unsupported transfer coding: br",
    ],
    [
      "whitespace before colon",
      "HTTP/1.1 200 OK\r\nServer : x\r\n\r\n",
      400,
      "Whitespace between field-name and colon at line 2",
    ],
    ["bare LF", "HTTP/1.1 200 OK\nServer: x\r\n\r\n", 400, "Bare LF at line 1"],
    [
      "NUL in a field value",
      "HTTP/1.1 200 OK\r\nServer: \0\r\n\r\n",
      400,
      "NUL in field-value at line 2",
    ],
    [
      "a differing Content-Length",
      "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
      400,
      "Content-Length values differ at field line 1",
    ],
  ];
  for (const [name, input, status, message] of cases) {
    await t.step(name, () => rejectResponse(input, status, message));
  }
  await t.step(
    "a status-line over maxStartLineBytes",
    () =>
      rejectResponse(
        `HTTP/1.1 200 ${"a".repeat(100)}\r\n\r\n`,
        400,
        "Status-line exceeds 50 bytes",
        ["GET"],
        {
          maxStartLineBytes: 50,
        },
      ),
  );
  await t.step(
    "a close-delimited body over maxBodyBytes",
    () =>
      rejectResponse(
        "HTTP/1.1 200 OK\r\n\r\n0123456789ab",
        413,
        "Content exceeds 10 bytes",
        ["GET"],
        {
          maxBodyBytes: 10,
        },
      ),
  );
});

Deno.test("RequestDecoder() throws RangeError for a negative or NaN limit", () => {
  assert.throws(() => new RequestDecoder({ maxHeaderBytes: -1 }), RangeError);
  assert.throws(() => new ResponseDecoder({ maxBodyBytes: NaN }), RangeError);
});

Deno.test("RequestDecoder accepts a head exactly at each limit", () => {
  const head = "GET /abc HTTP/1.1\r\nHost: a\r\nX: 12\r\n\r\n";
  const r = decodeRequest(bytes(head), {
    maxStartLineBytes: "GET /abc HTTP/1.1".length,
    maxHeaderBytes: "Host: a\r\nX: 12\r\n".length,
    maxHeaderCount: 2,
  });
  assert.equal(r.headers.size, 2);
  assert.throws(
    () => decodeRequest(bytes(head), { maxStartLineBytes: 16 }),
    { status: 414 },
  );
  assert.throws(
    () => decodeRequest(bytes(head), { maxHeaderBytes: 15 }),
    { status: 431 },
  );
  assert.throws(() => decodeRequest(bytes(head), { maxHeaderCount: 1 }), {
    status: 431,
  });
});

Deno.test("RequestDecoder applies the limits the same way to a head in pieces", () => {
  const head = bytes("GET /abc HTTP/1.1\r\nHost: a\r\nX: 12\r\n\r\n");
  for (
    const options of [{ maxStartLineBytes: 16 }, { maxHeaderBytes: 15 }, {
      maxHeaderCount: 1,
    }, {}]
  ) {
    const whole = requestEvents("", options, [head]);
    for (let i = 1; i < head.length; i++) {
      const split = requestEvents("", options, [
        head.subarray(0, i),
        head.subarray(i),
      ]);
      assert.deepEqual(
        split,
        whole,
        `${JSON.stringify(options)} split at ${i}`,
      );
    }
  }
});

Deno.test("RequestDecoder decodes a request with Upgrade and keeps what follows", () => {
  const decoder = new RequestDecoder();
  decoder.push(
    bytes(
      "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    ),
  );
  decoder.push(new Uint8Array([0x81, 0x80]));
  const head = decoder.next();
  assert(head?.type === "head");
  assert.equal(head.message.headers.get("upgrade"), "websocket");
  assert.equal(decoder.next()?.type, "end");
  assert.equal(decoder.buffered, 2);
  assert.deepEqual([...decoder.takeBuffered()], [0x81, 0x80]);
  assert.equal(decoder.buffered, 0);
});

Deno.test("RequestDecoder limits the trailer section to maxHeaderBytes with 431", () => {
  rejectRequest(
    `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: ${
      "x".repeat(100)
    }\r\n\r\n`,
    431,
    "Trailer section exceeds 64 bytes",
    { maxHeaderBytes: 64 },
  );
});

/** Asserts that every split of `input` in two gives the events of the whole. */
function assertSameInEverySplit(make: () => Decoder, input: string): unknown[] {
  const b = bytes(input);
  const whole = run(make(), [b]);
  for (let i = 1; i < b.length; i++) {
    const split = run(make(), [b.subarray(0, i), b.subarray(i)]);
    assert.deepEqual(split, whole, `split at ${i} of ${JSON.stringify(input)}`);
  }
  return whole;
}

Deno.test("ResponseDecoder rejects obs-fold continuing Content-Length, Transfer-Encoding or Host", async (t) => {
  const cases: [string, string, string][] = [
    [
      "Transfer-Encoding",
      "Transfer-Encoding: gzip\r\n chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
      "Obsolete line folding in Transfer-Encoding at line 3",
    ],
    [
      "Content-Length",
      "Content-Length: 1\r\n 0\r\n\r\nx",
      "Obsolete line folding in Content-Length at line 3",
    ],
    [
      "Host, after another fold",
      "X: 1\r\nhost: a\r\n\tb\r\n c\r\n\r\n",
      "Obsolete line folding in Host at line 4",
    ],
  ];
  for (const [name, fields, message] of cases) {
    await t.step(name, () => {
      const input = `HTTP/1.1 200 OK\r\n${fields}`;
      rejectResponse(input, 400, message);
      assertSameInEverySplit(() => {
        const decoder = new ResponseDecoder();
        decoder.expect("GET");
        return decoder;
      }, input);
    });
  }
  await t.step("other fields may still fold", () => {
    const res = decodeResponse(
      bytes("HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 1\r\n\r\nx"),
    );
    assert.equal(res.headers.get("x"), "a b");
  });
});

Deno.test('RequestDecoder validates Host as uri-host [":" port]', async (t) => {
  const rejected = [
    "a:b:c",
    "[",
    "[::1",
    "[::1]x",
    "[v1.x]",
    "a:99999",
    ":80",
    "a.1",
    "1.2.3.256",
    "%zz",
    "%25",
    "xn--a",
    "a@b",
  ];
  for (const host of rejected) {
    await t.step(`rejects ${JSON.stringify(host)}`, () =>
      rejectRequest(
        `GET / HTTP/1.1\r\nX: 1\r\nHost: ${host}\r\n\r\n`,
        400,
        "Invalid Host field at field line 2",
      ));
  }
  const accepted = [
    "",
    "a",
    "a:",
    "a:8080",
    "a:065535",
    "127.0.0.1:8080",
    "[::1]:80",
    "[2001:db8::1]",
    "example.com.",
    "a_b~!$&'()*+,;=",
    "a%41",
    "xn--ls8h",
    "1b.c",
  ];
  for (const host of accepted) {
    await t.step(`accepts ${JSON.stringify(host)} and has a url`, () => {
      const request = decodeRequest(
        bytes(`GET /p HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
      );
      assert.equal(request.url.pathname, "/p");
    });
  }
});

Deno.test("RequestDecoder checks CONNECT authority-form and absolute-form like Host", async (t) => {
  for (const target of ["a:99999", "a.1:80", "[::1:80", ":80", "a:"]) {
    await t.step(`rejects CONNECT ${target}`, () =>
      rejectRequest(
        `CONNECT ${target} HTTP/1.1\r\nHost: a\r\n\r\n`,
        400,
        "CONNECT request-target is not authority-form at line 1",
      ));
  }
  await t.step("accepts CONNECT [::1]:443", () => {
    const request = decodeRequest(
      bytes("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n"),
    );
    assert.equal(request.url.port, "443");
  });
  await t.step(
    "rejects an absolute-form URL parsers refuse",
    () =>
      rejectRequest(
        "GET http: HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        "Invalid request-target form at line 1",
      ),
  );
});

Deno.test("RequestDecoder rejects a fragment in the request-target", () => {
  rejectRequest(
    "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n",
    400,
    "Invalid character 0x23 in request-target at line 1",
  );
});

Deno.test("RequestDecoder compares Content-Length by value, not by digit count", async (t) => {
  await t.step("accepts many leading zeros", () => {
    const request = decodeRequest(bytes(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0000000000000003\r\n\r\nabc",
    ));
    assert.equal(dec.decode(request.body as Uint8Array), "abc");
  });
  await t.step("accepts Number.MAX_SAFE_INTEGER", () => {
    const decoder = new RequestDecoder();
    decoder.push(bytes(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740991\r\n\r\n",
    ));
    assert.equal(decoder.next()?.type, "head");
  });
  await t.step("rejects Number.MAX_SAFE_INTEGER + 1", () =>
    rejectRequest(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740992\r\n\r\n",
      400,
      "Content-Length overflow at field line 2",
    ));
  await t.step(
    "rejects values that differ only past the leading zeros",
    () =>
      rejectRequest(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 03, 3\r\nContent-Length: 4\r\n\r\n",
        400,
        "Content-Length values differ at field line 3",
      ),
  );
});

Deno.test("RequestDecoder fails on a bare CR as soon as the byte after it arrives", async (t) => {
  const cases: [string, string][] = [
    ["before the empty line", "GET / HTTP/1.1\r\nHost: a\r\n\r\r"],
    ["at the start of a field line", "GET / HTTP/1.1\r\nHost: a\r\n\rX"],
    ["in a field value", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r2"],
    ["in the request-line", "GET /\rx"],
  ];
  for (const [name, input] of cases) {
    await t.step(name, () => {
      const decoder = new RequestDecoder();
      decoder.push(bytes(input.slice(0, -1)));
      assert.equal(decoder.next(), null);
      decoder.push(bytes(input.slice(-1)));
      assert.throws(() => decoder.next(), {
        name: "HTTPParseError",
        message: /^Bare CR at line [1-3]$/,
      });
      const whole = assertSameInEverySplit(
        () => new RequestDecoder(),
        `${input}\r\n\r\n`,
      );
      assert.match(String((whole.at(-1) as unknown[])[2]), /^Bare CR/);
    });
  }
});

Deno.test("RequestDecoder gives the same limit errors for a head in any split", async (t) => {
  const cases: [string, string, DecoderOptions][] = [
    [
      "the empty line ending a section at maxHeaderBytes",
      "GET / HTTP/1.1\r\nHost: abc\r\n\r\n",
      { maxHeaderBytes: 11 },
    ],
    [
      "a bare LF past maxHeaderBytes",
      "GET / HTTP/1.1\r\nHost: abcdefgh\n\r\n",
      { maxHeaderBytes: 11 },
    ],
    [
      "a bare CR past maxHeaderBytes",
      "GET / HTTP/1.1\r\nHost: abcdefgh\rx\r\n\r\n",
      { maxHeaderBytes: 11 },
    ],
    [
      "a bare CR past maxStartLineBytes",
      "GET /abcdef\rx HTTP/1.1\r\nHost: a\r\n\r\n",
      { maxStartLineBytes: 6 },
    ],
    [
      "a trailer section at maxHeaderBytes",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\n\r\n",
      { maxHeaderBytes: 35 },
    ],
  ];
  for (const [name, input, options] of cases) {
    await t.step(
      name,
      () =>
        void assertSameInEverySplit(() => new RequestDecoder(options), input),
    );
  }
  assert.deepEqual(requestEvents(cases[0][1], cases[0][2]).at(-1), [
    "end",
    null,
  ]);
});

/** A decoder that decodes short heads through an intern table, as the server's do. */
function serverDecoder(table = new InternTable()): RequestDecoder {
  const decoder = new RequestDecoder();
  useInternTable(decoder, table);
  return decoder;
}

Deno.test("RequestDecoder with an intern table decodes repeated and similar heads to exactly their own strings", () => {
  const decoder = serverDecoder();
  const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  // Same lengths and the same first, middle and last bytes: only a full
  // comparison tells them apart.
  const values = ["a1b2c", "a9b8c", "a1b2c", "aXbYc", "a\xe9b\xffc"];
  const longs = ["x".repeat(300), `${"x".repeat(150)}\xe9${"x".repeat(149)}`];
  // Repeats, so that values are remembered and then found again.
  const TARGETS = ["/p/1234", "/p/1234", "/p/1234", "/p/5674", "/p/1234"];
  const heads: string[] = [];
  for (const v of [...values, ...longs]) {
    for (const target of TARGETS) {
      heads.push(`GET ${target} HTTP/1.1\r\nHost: a\r\nX-V: ${v}\r\n\r\n`);
    }
  }
  decoder.push(latin1(heads.join("")));
  for (const v of [...values, ...longs]) {
    for (const target of TARGETS) {
      const head = decoder.next();
      assert(head?.type === "head");
      assert.equal(head.message.target, target);
      assert.deepEqual([...head.message.headers], [["Host", "a"], ["X-V", v]]);
      assert.equal(decoder.next()?.type, "end");
    }
  }
  assert.equal(decoder.next(), null);
});

Deno.test("RequestDecoder with an intern table decodes Cookie and Authorization values, which it does not intern, like any other", () => {
  const decoder = serverDecoder();
  const head = "GET / HTTP/1.1\r\nHost: a\r\nCookie: id=\xe91\r\n" +
    "authorization: Bearer abc\r\nPROXY-AUTHORIZATION: Basic eA==\r\n\r\n";
  decoder.push(Uint8Array.from(head + head, (c) => c.charCodeAt(0)));
  for (let i = 0; i < 2; i++) {
    const event = decoder.next();
    assert(event?.type === "head");
    assert.deepEqual([...event.message.headers], [
      ["Host", "a"],
      ["Cookie", "id=\xe91"],
      ["authorization", "Bearer abc"],
      ["PROXY-AUTHORIZATION", "Basic eA=="],
    ]);
    assert.equal(decoder.next()?.type, "end");
  }
});

Deno.test("RequestDecoder with an intern table gives the same events as without, for heads pushed from a reused buffer", () => {
  // Heads of both sizes (interned parts, or decoded at once), targets short
  // and long, repeated and new values, non-ASCII bytes, a body and
  // trailers; each request is pushed from one buffer whose old bytes stay
  // behind it, as the server's arena does.
  const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const heads: string[] = [];
  for (let i = 0; i < 300; i++) {
    const target = i % 3 === 0
      ? "/"
      : i % 3 === 1
      ? `/items/${i % 7}`
      : `/a/long/request-target/with/a/query?id=${i % 5}&x=${
        "y".repeat(i % 70)
      }`;
    const ua = i % 4 === 0 ? `agent/${i}` : "agent/1.0 (\xe9t\xe9)";
    const extra = i % 11 === 0 ? `X-Pad: ${"p".repeat(200)}\r\n` : "";
    heads.push(
      i % 13 === 0
        ? `POST ${target} HTTP/1.1\r\nHost: h${
          i % 2
        }\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: ${i}\r\n\r\n`
        : `GET ${target} HTTP/1.1\r\nHost: h${
          i % 2
        }:80\r\nUser-Agent: ${ua}\r\n` +
          `Accept: */*\r\nX-Id: ${i % 2 === 0 ? i : "same"}\r\n${extra}\r\n`,
    );
  }
  const arena = new Uint8Array(4096).fill(0x0d);
  const plain = new RequestDecoder();
  const interned = serverDecoder();
  const describe = (e: ReturnType<RequestDecoder["next"]>) =>
    e === null
      ? null
      : e.type === "head"
      ? [e.message.method, e.message.target, [...e.message.headers]]
      : e.type === "data"
      ? new TextDecoder().decode(e.data)
      : [...(e.trailers ?? [])];
  for (const head of heads) {
    const bytes = latin1(head);
    plain.push(bytes);
    arena.set(bytes, 100);
    pushRequestBytes(interned, arena, 100, 100 + bytes.length);
    for (;;) {
      const a = describe(plain.next());
      const b = describe(interned.next());
      assert.deepEqual(b, a);
      if (a === null) break;
    }
  }
});

Deno.test("RequestDecoder with an intern table never puts request-targets or credential values in it", () => {
  /** Records every range the decoder looks up or offers to the table. */
  class SpyTable extends InternTable {
    seen = new Set<string>();
    override get(hash: number, b: Uint8Array, start: number, end: number) {
      this.seen.add(String.fromCharCode(...b.subarray(start, end)));
      return super.get(hash, b, start, end);
    }
    override miss(hash: number, b: Uint8Array, start: number, end: number) {
      this.seen.add(String.fromCharCode(...b.subarray(start, end)));
      super.miss(hash, b, start, end);
    }
    override offer(hash: number, b: Uint8Array, start: number, end: number) {
      this.seen.add(String.fromCharCode(...b.subarray(start, end)));
      super.offer(hash, b, start, end);
    }
  }
  const table = new SpyTable();
  const decoder = serverDecoder(table);
  const head = "GET /reset?token=s3cret HTTP/1.1\r\nHost: a.example\r\n" +
    "Cookie: id=c00kie\r\nAuthorization: Bearer t0ken\r\n" +
    "proxy-authorization: Basic pr0xy\r\nX-Api-Key: k3y\r\nAccept: */*\r\n\r\n";
  // Repeated, so that the table learns the method, names and values it may.
  decoder.push(new TextEncoder().encode(head.repeat(6)));
  for (let i = 0; i < 6; i++) {
    const event = decoder.next();
    assert(event?.type === "head");
    assert.equal(event.message.headers.get("x-api-key"), "k3y");
    assert.equal(decoder.next()?.type, "end");
  }
  for (const expected of ["GET", "Host", "a.example", "Cookie", "*/*"]) {
    assert(table.seen.has(expected), `looked up ${expected}`);
  }
  for (const secret of ["s3cret", "c00kie", "t0ken", "pr0xy", "k3y"]) {
    assert(
      ![...table.seen].some((s) => s.includes(secret)),
      `never looked up a range with ${secret}`,
    );
  }
});
