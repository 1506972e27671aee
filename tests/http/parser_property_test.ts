// Copyright 2026 the socketkit authors. MIT license.
// Property tests of the decoders: a realistic corpus, every split of the
// input, encode → decode round trips and random mutations (npm fast-check).

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeRequest,
  decodeResponse,
  encodeChunk,
  encodeLastChunk,
  encodeRequest,
  encodeRequestHead,
  encodeResponse,
  HTTPHeaders,
  HTTPParseError,
  HTTPRequest,
  HTTPResponse,
  RequestDecoder,
  ResponseDecoder,
} from "../../http/mod.ts";
import { bin, type Decoder, run } from "./_util.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
    (a, b) => a - b,
  );
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(last, p));
    last = p;
  }
  chunks.push(bytes.subarray(last));
  return chunks;
}

function oneByteAtATime(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

interface Sample {
  name: string;
  response: boolean;
  methods?: string[];
  input: string;
}

const CORPUS: Sample[] = [
  {
    name: "browser GET with 14 header fields",
    response: false,
    input:
      "GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n" +
      "Host: www.kittyhell.com\r\n" +
      "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Gecko/20100101 Firefox/119.0\r\n" +
      "Accept: image/avif,image/webp,*/*\r\n" +
      "Accept-Language: ja,en-US;q=0.7,en;q=0.3\r\n" +
      "Accept-Encoding: gzip, deflate, br\r\n" +
      "Referer: http://www.kittyhell.com/\r\n" +
      "Connection: keep-alive\r\n" +
      "Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx\r\n" +
      "Sec-Fetch-Dest: image\r\n" +
      "Sec-Fetch-Mode: no-cors\r\n" +
      "Sec-Fetch-Site: same-origin\r\n" +
      'If-None-Match: "abc"\r\n' +
      "Cache-Control: no-cache\r\n" +
      "Pragma: no-cache\r\n\r\n",
  },
  {
    name: "form POST",
    response: false,
    input: "POST /login HTTP/1.1\r\nHost: example.com\r\n" +
      "Content-Type: application/x-www-form-urlencoded\r\n" +
      "Content-Length: 29\r\nOrigin: https://example.com\r\n\r\n" +
      "user=ann&pass=p%40ss&remember",
  },
  {
    name: "chunked upload with trailers",
    response: false,
    input: "PUT /files/a.bin HTTP/1.1\r\nHost: files.test\r\n" +
      "Transfer-Encoding: chunked\r\nTrailer: Digest\r\n\r\n" +
      "10\r\n0123456789abcdef\r\n" +
      "3;part=2\r\nxyz\r\n" +
      "0\r\nDigest: sha-256=abc\r\nX-Count: 2\r\n\r\n",
  },
  {
    name: "pipelined requests in one buffer",
    response: false,
    input: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
      "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
      "DELETE /3 HTTP/1.1\r\nHost: a\r\n\r\n",
  },
  {
    name: "CONNECT in authority-form",
    response: false,
    input: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n" +
      "Proxy-Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\r\n\r\n",
  },
  {
    name: "OPTIONS *",
    response: false,
    input: "OPTIONS * HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 0\r\n\r\n",
  },
  {
    name: "HTTP/1.0 request after empty lines",
    response: false,
    input: "\r\n\r\nGET /old HTTP/1.0\r\nUser-Agent: x\r\n\r\n",
  },
  {
    name: "304 Not Modified",
    response: true,
    input:
      'HTTP/1.1 304 Not Modified\r\nETag: "abc"\r\nContent-Length: 1234\r\n' +
      "Cache-Control: max-age=60\r\n\r\n",
  },
  {
    name: "response to HEAD",
    response: true,
    methods: ["HEAD"],
    input:
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5120\r\n\r\n",
  },
  {
    name: "close-delimited response",
    response: true,
    input: "HTTP/1.0 200 OK\r\nServer: old\r\n\r\n<html>until the end</html>",
  },
  {
    name: "1xx before the final response",
    response: true,
    input: "HTTP/1.1 100 Continue\r\n\r\n" +
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n" +
      "HTTP/1.1 201 Created\r\nLocation: /items/7\r\nContent-Length: 2\r\n\r\nok",
  },
  {
    name: "chunked response with trailers",
    response: true,
    input:
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\n" +
      "Set-Cookie: b=2\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\nServer-Timing: db;dur=53\r\n\r\n",
  },
  {
    name: "pipelined responses to GET, HEAD and GET",
    response: true,
    methods: ["GET", "HEAD", "GET"],
    input: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na" +
      "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" +
      "HTTP/1.1 204 No Content\r\n\r\n",
  },
];

function decoderFor(sample: Sample): Decoder {
  if (!sample.response) return new RequestDecoder();
  const decoder = new ResponseDecoder();
  for (const m of sample.methods ?? ["GET"]) decoder.expect(m);
  return decoder;
}

Deno.test("RequestDecoder and ResponseDecoder decode the realistic corpus", async (t) => {
  for (const sample of CORPUS) {
    await t.step(sample.name, () => {
      const events = run(decoderFor(sample), [enc.encode(sample.input)]);
      assert.notEqual(
        (events.at(-1) as unknown[])[0],
        "error",
        JSON.stringify(events),
      );
      assert(events.some((e) => (e as unknown[])[0] === "end"));
    });
  }
});

Deno.test("the corpus decodes to the expected messages", () => {
  const get = decodeRequest(enc.encode(CORPUS[0].input));
  assert.equal(get.headers.size, 14);
  assert.equal(get.url.hostname, "www.kittyhell.com");
  const post = decodeRequest(enc.encode(CORPUS[1].input));
  assert.equal(
    dec.decode(post.body as Uint8Array),
    "user=ann&pass=p%40ss&remember",
  );
  const upload = decodeRequest(enc.encode(CORPUS[2].input));
  assert.equal(dec.decode(upload.body as Uint8Array), "0123456789abcdefxyz");
  assert.deepEqual([...upload.trailers!], [["Digest", "sha-256=abc"], [
    "X-Count",
    "2",
  ]]);
  const chunked = decodeResponse(enc.encode(CORPUS[11].input));
  assert.equal(dec.decode(chunked.body as Uint8Array), "hello, world");
  assert.deepEqual(chunked.headers.getAll("set-cookie"), ["a=1", "b=2"]);
  const head = decodeResponse(enc.encode(CORPUS[8].input), { method: "HEAD" });
  assert.equal((head.body as Uint8Array).length, 0);
  const closed = decodeResponse(enc.encode(CORPUS[9].input));
  assert.equal(
    dec.decode(closed.body as Uint8Array),
    "<html>until the end</html>",
  );
});

Deno.test("decoders give the same events for every split in two and one byte at a time", async (t) => {
  for (const sample of CORPUS) {
    await t.step(sample.name, () => {
      const bytes = enc.encode(sample.input);
      const whole = run(decoderFor(sample), [bytes]);
      for (let i = 0; i <= bytes.length; i++) {
        assert.deepEqual(
          run(decoderFor(sample), splitAt(bytes, [i])),
          whole,
          `split at ${i}`,
        );
      }
      assert.deepEqual(run(decoderFor(sample), oneByteAtATime(bytes)), whole);
    });
  }
});

Deno.test("decoders give the same events for random splits", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CORPUS),
      fc.array(fc.nat(), { maxLength: 20 }),
      (sample, cuts) => {
        const bytes = enc.encode(sample.input);
        const whole = run(decoderFor(sample), [bytes]);
        assert.deepEqual(run(decoderFor(sample), splitAt(bytes, cuts)), whole);
      },
    ),
    { numRuns: 300 },
  );
});

// --- Round trips --------------------------------------------------------

const RESERVED = new Set(["host", "content-length", "transfer-encoding"]);
const tokenArb = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
const nameArb = tokenArb.filter((n) => !RESERVED.has(n.toLowerCase()));
const valueArb = fc.oneof(
  fc.constant(""),
  fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e\t]{0,30}[\x21-\x7e])?$/),
  fc.stringMatching(/^[\x21-\x7e\u00a0-\u00ff]{1,10}$/),
);
const fieldsArb = fc.array(fc.tuple(nameArb, valueArb), { maxLength: 12 });
// VCHAR but "#": no request-target has a fragment.
const targetArb = fc.stringMatching(/^\/[\x21\x22\x24-\x7e]{0,40}$/);
const bodyArb = fc.uint8Array({ maxLength: 300 });

const requestArb = fc.record({
  method: tokenArb.filter((m) => m !== "CONNECT"),
  target: targetArb,
  version: fc.constantFrom("HTTP/1.1" as const, "HTTP/1.0" as const),
  fields: fieldsArb,
  body: bodyArb,
  trailers: fc.option(
    fc.array(fc.tuple(nameArb, valueArb), { minLength: 1, maxLength: 3 }),
  ),
});

type RequestSpec = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function buildRequest(r: RequestSpec): HTTPRequest {
  const headers = new HTTPHeaders(r.fields);
  if (r.version === "HTTP/1.1") headers.append("Host", "example.test:8080");
  return new HTTPRequest({
    method: r.method,
    target: r.target,
    version: r.version,
    headers,
    body: r.body,
    trailers: r.trailers ? new HTTPHeaders(r.trailers) : null,
  });
}

function withoutFraming(headers: HTTPHeaders): [string, string][] {
  return [...headers].filter(([n]) =>
    !["content-length", "transfer-encoding"].includes(n.toLowerCase())
  );
}

Deno.test("decodeRequest(encodeRequest(request)) gives the request back", () => {
  fc.assert(
    fc.property(requestArb, (r) => {
      const request = buildRequest(r);
      const decoded = decodeRequest(encodeRequest(request));
      assert.equal(decoded.method, request.method);
      assert.equal(decoded.target, request.target);
      assert.equal(decoded.version, request.version);
      assert.deepEqual(withoutFraming(decoded.headers), [...request.headers]);
      assert.deepEqual(decoded.body, request.body);
      const chunked = request.trailers !== null &&
        request.version === "HTTP/1.1";
      assert.deepEqual(
        decoded.trailers ? [...decoded.trailers] : null,
        chunked ? [...request.trailers!] : null,
      );
    }),
    { numRuns: 300 },
  );
});

const responseArb = fc.record({
  status: fc.integer({ min: 100, max: 999 }).filter((s) => s !== 101),
  reason: fc.stringMatching(/^[\x20-\x7e\t]{0,20}$/),
  version: fc.constantFrom("HTTP/1.1" as const, "HTTP/1.0" as const),
  fields: fieldsArb,
  body: bodyArb,
  head: fc.boolean(),
  trailers: fc.option(
    fc.array(fc.tuple(nameArb, valueArb), { minLength: 1, maxLength: 3 }),
  ),
});

Deno.test("decodeResponse(encodeResponse(response)) gives the response back", () => {
  fc.assert(
    fc.property(responseArb, (r) => {
      const response = new HTTPResponse({
        status: r.status,
        reason: r.reason,
        version: r.version,
        headers: r.fields,
        body: r.body,
        trailers: r.trailers ? new HTTPHeaders(r.trailers) : null,
      });
      const method = r.head ? "HEAD" : "GET";
      const bytes = encodeResponse(response, { method });
      const decoder = new ResponseDecoder();
      decoder.expect(method);
      decoder.push(bytes);
      decoder.finish();
      const events = run(decoder, []);
      const heads = events.filter((e) => (e as unknown[])[0] === "head");
      assert.equal(heads.length, 1, JSON.stringify(events));
      const [, status, reason, version, fields] = heads[0] as [
        string,
        number,
        string,
        string,
        [string, string][],
      ];
      assert.equal(status, r.status);
      assert.equal(reason, r.reason);
      assert.equal(version, r.version);
      assert.deepEqual(
        fields.filter(([n]) =>
          !["content-length", "transfer-encoding"].includes(n.toLowerCase())
        ),
        [...response.headers],
      );
      const bodyless = r.head || r.status < 200 || r.status === 204 ||
        r.status === 304;
      const data = events.find((e) => (e as unknown[])[0] === "data") as [
        string,
        string,
      ] | undefined;
      assert.equal(data?.[1] ?? "", bodyless ? "" : bin(r.body));
    }),
    { numRuns: 300 },
  );
});

Deno.test("round-tripped requests decode the same in random splits", () => {
  fc.assert(
    fc.property(requestArb, fc.array(fc.nat(), { maxLength: 8 }), (r, cuts) => {
      const bytes = encodeRequest(buildRequest(r));
      const whole = run(new RequestDecoder(), [bytes]);
      assert.deepEqual(run(new RequestDecoder(), splitAt(bytes, cuts)), whole);
    }),
    { numRuns: 200 },
  );
});

// --- Mutations ----------------------------------------------------------

const mutationArb = fc.array(
  fc.tuple(
    fc.constantFrom("replace", "insert", "delete"),
    fc.nat(),
    fc.constantFrom(
      0,
      9,
      10,
      13,
      32,
      34,
      44,
      58,
      59,
      48,
      57,
      65,
      97,
      102,
      127,
      128,
      255,
    ),
  ),
  { minLength: 1, maxLength: 4 },
);

function mutate(
  bytes: Uint8Array,
  mutations: [string, number, number][],
): Uint8Array {
  const out = [...bytes];
  for (const [kind, at, byte] of mutations) {
    const i = out.length === 0 ? 0 : at % out.length;
    if (kind === "replace" && out.length > 0) out[i] = byte;
    else if (kind === "insert") out.splice(i, 0, byte);
    else out.splice(i, 1);
  }
  return new Uint8Array(out);
}

Deno.test("decoders decode mutated input or throw the same HTTPParseError, in any split", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CORPUS),
      mutationArb,
      fc.array(fc.nat(), { maxLength: 6 }),
      (sample, mutations, cuts) => {
        const bytes = mutate(enc.encode(sample.input), mutations);
        const whole = run(decoderFor(sample), [bytes]);
        const split = run(decoderFor(sample), splitAt(bytes, cuts));
        // The same events, and the same error if any, whatever the split.
        assert.deepEqual(split, whole);
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("decodeRequest never throws anything but HTTPParseError on random bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        decodeRequest(bytes);
      } catch (error) {
        assert(error instanceof HTTPParseError, String(error));
      }
      try {
        decodeResponse(bytes);
      } catch (error) {
        assert(error instanceof HTTPParseError, String(error));
      }
    }),
    { numRuns: 500 },
  );
});

// --- Differential test against npm http-parser-js ------------------------

Deno.test("RequestDecoder agrees with http-parser-js on random valid requests", async () => {
  const { HTTPParser } = await import("http-parser-js");
  const { Buffer } = await import("node:buffer");
  const asciiValue = fc.oneof(
    fc.constant(""),
    fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/),
  );
  fc.assert(
    fc.property(
      fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
      targetArb,
      fc.array(fc.tuple(nameArb, asciiValue), { maxLength: 10 }),
      bodyArb,
      fc.boolean(),
      (method, target, fields, body, chunked) => {
        const request = new HTTPRequest({
          method,
          target,
          headers: [["Host", "example.test"], ...fields],
          body,
        });
        const bytes = chunked
          ? new Uint8Array([
            ...encodeRequestHead(request, { chunked: true }),
            ...encodeChunk(body),
            ...encodeLastChunk(),
          ])
          : encodeRequest(request);
        const ours = decodeRequest(bytes);
        // deno-lint-ignore no-explicit-any
        const parser: any = new HTTPParser(HTTPParser.REQUEST);
        // deno-lint-ignore no-explicit-any
        let info: any = null;
        const parts: number[] = [];
        parser[HTTPParser.kOnHeadersComplete] = (i: unknown) => {
          info = i;
        };
        parser[HTTPParser.kOnBody] = (
          b: Uint8Array,
          start: number,
          len: number,
        ) => {
          parts.push(...b.subarray(start, start + len));
        };
        parser[HTTPParser.kOnMessageComplete] = () => {};
        const result = parser.execute(Buffer.from(bytes));
        assert(!(result instanceof Error), String(result));
        assert.equal(ours.method, HTTPParser.methods[info.method]);
        assert.equal(ours.target, info.url);
        const theirs: [string, string][] = [];
        for (let i = 0; i < info.headers.length; i += 2) {
          theirs.push([info.headers[i], info.headers[i + 1]]);
        }
        assert.deepEqual([...ours.headers], theirs);
        assert.deepEqual([...(ours.body as Uint8Array)], parts);
      },
    ),
    { numRuns: 200 },
  );
});

// --- Request-target and Host: one rule for encoder, decoder and url -------

Deno.test("encodeRequest() accepts exactly the request-targets and Hosts the decoder accepts, and their url parses", () => {
  const pieces = fc.constantFrom(
    "/",
    "*",
    ":",
    "#",
    "[",
    "]",
    ".",
    "%",
    "%41",
    "a",
    "Z",
    "0",
    "1",
    "9",
    "256",
    "65536",
    "xn--",
    "::1",
    "@",
    "-",
    "_",
    "http:",
    "//",
    "?",
  );
  const partsArb = (max: number) =>
    fc.array(pieces, { maxLength: max }).map((p) => p.join(""));
  fc.assert(
    fc.property(
      fc.constantFrom("GET", "OPTIONS", "CONNECT", "DELETE"),
      partsArb(5).filter((t) => t !== ""),
      partsArb(6),
      (method, target, host) => {
        const raw = new TextEncoder().encode(
          `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        );
        let decoded: HTTPRequest | null = null;
        try {
          decoded = decodeRequest(raw);
        } catch (error) {
          assert(error instanceof HTTPParseError);
        }
        let encoded: Uint8Array | null = null;
        try {
          encoded = encodeRequest(
            new HTTPRequest({ method, target, headers: { Host: host } }),
          );
        } catch (error) {
          assert(error instanceof TypeError);
        }
        assert.equal(
          encoded !== null,
          decoded !== null,
          `encoder ${encoded ? "accepts" : "rejects"} what the decoder ${
            decoded ? "accepts" : "rejects"
          }`,
        );
        if (decoded !== null) {
          assert.deepEqual(encoded, raw);
          assert(decoded.url instanceof URL);
        }
      },
    ),
    { numRuns: 2000 },
  );
});
