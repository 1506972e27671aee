// Copyright 2026 the socketkit authors. MIT license.
// Request parsing speed: socketkit's decoder against npm http-parser-js, on
// the same bytes, in the same run.
//
//   deno bench --allow-read bench/http_parse_bench.ts
//
// parses/s = iter/s; MB/s = parses/s * size / 1e6. On a busy machine the
// averages swing with scheduling stalls; for a steadier table with parses/s,
// MB/s and the ratio (best of 40 batches, the two parsers interleaved):
//
//   deno run --allow-read bench/http_parse_bench.ts --table

import { Buffer } from "node:buffer";
import { HTTPParser } from "http-parser-js";
import { decodeRequest, RequestDecoder } from "../http/mod.ts";

const encoder = new TextEncoder();

/** A browser-like GET, padded to exactly 519 bytes. */
function browserGet(): Uint8Array {
  const lines = [
    "GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1",
    "Host: www.kittyhell.com",
    "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Firefox/119.0",
    "Accept: image/avif,image/webp,*/*",
    "Accept-Language: ja,en-US;q=0.7,en;q=0.3",
    "Accept-Encoding: gzip, deflate, br",
    "Referer: http://www.kittyhell.com/",
    "Connection: keep-alive",
    "Sec-Fetch-Dest: image",
    "Sec-Fetch-Mode: no-cors",
    "Sec-Fetch-Site: same-origin",
    "Cache-Control: no-cache",
    "Pragma: no-cache",
  ];
  let head = lines.join("\r\n") + "\r\n";
  const pad = 519 - head.length - "Cookie: \r\n\r\n".length;
  head += `Cookie: ${"wp_ozh_wsa_visits=2; ".repeat(8).slice(0, pad)}\r\n\r\n`;
  const bytes = encoder.encode(head);
  if (bytes.length !== 519) throw new Error(`GET is ${bytes.length} bytes`);
  return bytes;
}

const GET = browserGet();
const POST = encoder.encode(
  "POST /api/items HTTP/1.1\r\nHost: localhost:8080\r\n" +
    "Content-Type: application/json\r\nContent-Length: 27\r\n\r\n" +
    '{"name":"cup","price":12.5}',
);
/**
 * Small GETs whose request-target and X-Request-Id change every time, as an
 * API client's do, 148 bytes each. (A standalone decoder, as here, decodes
 * each head in one call; the server's decoders also intern the repeated
 * parts of short heads, which this benchmark does not measure.)
 */
const VARYING = Array.from({ length: 4096 }, (_, i) =>
  encoder.encode(
    `GET /api/v1/items/${10000 + i} HTTP/1.1\r\nHost: api.example.com\r\n` +
      "User-Agent: curl/8.5.0\r\nAccept: */*\r\n" +
      `X-Request-Id: ${crypto.randomUUID()}\r\n\r\n`,
  ));
const VARYING_BUF = VARYING.map((bytes) => Buffer.from(bytes));
const GET_BUF = Buffer.from(GET);
const POST_BUF = Buffer.from(POST);

let sink = 0;

function ourDecoder(messages: Uint8Array | Uint8Array[]): () => void {
  const decoder = new RequestDecoder();
  const list = Array.isArray(messages) ? messages : [messages];
  let i = 0;
  return () => {
    decoder.push(list[i]);
    i = (i + 1) % list.length;
    for (;;) {
      const event = decoder.next();
      if (event === null) break;
      if (event.type === "head") sink += event.message.headers.size;
      else if (event.type === "data") sink += event.data.length;
    }
  };
}

function theirParser(messages: Buffer | Buffer[]): () => void {
  const list = Array.isArray(messages) ? messages : [messages];
  let i = 0;
  const parser = new HTTPParser(HTTPParser.REQUEST);
  // deno-lint-ignore no-explicit-any
  const p = parser as any;
  p[HTTPParser.kOnHeadersComplete] = (info: { headers: string[] }) => {
    sink += info.headers.length;
  };
  p[HTTPParser.kOnBody] = (_b: Buffer, _start: number, len: number) => {
    sink += len;
  };
  p[HTTPParser.kOnMessageComplete] = () => {
    sink++;
  };
  return () => {
    parser.execute(list[i]);
    i = (i + 1) % list.length;
  };
}

Deno.bench({
  name: "socketkit RequestDecoder",
  group: `GET ${GET.length} bytes`,
  baseline: true,
  fn: ourDecoder(GET),
});
Deno.bench({
  name: "socketkit decodeRequest",
  group: `GET ${GET.length} bytes`,
  fn: () => {
    sink += decodeRequest(GET).headers.size;
  },
});
Deno.bench({
  name: "http-parser-js",
  group: `GET ${GET.length} bytes`,
  fn: theirParser(GET_BUF),
});

Deno.bench({
  name: "socketkit RequestDecoder",
  group: `POST ${POST.length} bytes`,
  baseline: true,
  fn: ourDecoder(POST),
});
Deno.bench({
  name: "socketkit decodeRequest",
  group: `POST ${POST.length} bytes`,
  fn: () => {
    sink += (decodeRequest(POST).body as Uint8Array).length;
  },
});
Deno.bench({
  name: "http-parser-js",
  group: `POST ${POST.length} bytes`,
  fn: theirParser(POST_BUF),
});

Deno.bench({
  name: "socketkit RequestDecoder",
  group: `GET ${VARYING[0].length} bytes, new values each time`,
  baseline: true,
  fn: ourDecoder(VARYING),
});
Deno.bench({
  name: "http-parser-js",
  group: `GET ${VARYING[0].length} bytes, new values each time`,
  fn: theirParser(VARYING_BUF),
});

function bestNs(fn: () => void, batch: number): number {
  const t = performance.now();
  for (let i = 0; i < batch; i++) fn();
  return (performance.now() - t) * 1e6 / batch;
}

if (Deno.args.includes("--table")) {
  console.log(
    "| message | parser | ns/parse | parses/s | MB/s | vs http-parser-js |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: |");
  const cases = [
    ["GET", [GET], [GET_BUF], ""],
    ["POST", [POST], [POST_BUF], ""],
    ["GET", VARYING, VARYING_BUF, ", new values each time"],
  ] as const;
  for (const [name, list, bufs, note] of cases) {
    const bytes = list[0];
    let next = 0;
    const fns = {
      "socketkit RequestDecoder": ourDecoder([...list]),
      "socketkit decodeRequest": () => {
        sink += decodeRequest(list[next]).headers.size;
        next = (next + 1) % list.length;
      },
      "http-parser-js": theirParser([...bufs]),
    };
    const best: Record<string, number> = {};
    for (let round = 0; round < 40; round++) {
      for (const [label, fn] of Object.entries(fns)) {
        best[label] = Math.min(best[label] ?? Infinity, bestNs(fn, 20_000));
      }
    }
    for (const [label, ns] of Object.entries(best)) {
      const perSecond = 1e9 / ns;
      console.log(
        `| ${name} ${bytes.length} B${note} | ${label} | ${ns.toFixed(0)} | ${
          Math.round(perSecond).toLocaleString("en-US")
        } | ${(perSecond * bytes.length / 1e6).toFixed(0)} | ${
          (best["http-parser-js"] / ns).toFixed(2)
        }x |`,
      );
    }
  }
}

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
