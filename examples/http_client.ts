// Copyright 2026 the socketkit authors. MIT license.
// GET (or another method on) a URL with the pooled client and print the
// status line, the header section and the body, like `curl -i`.
//
//   deno run --allow-net examples/http_client.ts http://127.0.0.1:8080/
//   deno run --allow-net examples/http_client.ts --method POST \
//     --header "Content-Type: application/json" --data '{"a":1}' http://127.0.0.1:8080/items
//   deno run --allow-net --allow-read --allow-write examples/http_client.ts \
//     http+unix://%2Fvar%2Frun%2Fdocker.sock/version

import { parseArgs } from "node:util";
import { Client } from "../http/client.ts";

const USAGE =
  `Usage: deno run --allow-net examples/http_client.ts [options] <url>

Sends one request and prints the status line, the header fields and the body.
URLs are http: or http+unix: (socket path URL-encoded as the host).

Options:
  -X, --method <method>    request method (default GET, or POST with --data)
  -H, --header <field>     "Name: value", repeatable
  -d, --data <text>        request body
  -L, --location           follow redirects
      --timeout <ms>       whole-request timeout in milliseconds (default 30000)
      --unix-socket <path> send to this unix socket whatever the URL's host
  -h, --help               show this help`;

function usageError(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    args: Deno.args,
    strict: true,
    allowPositionals: true,
    options: {
      method: { type: "string", short: "X" },
      header: { type: "string", short: "H", multiple: true },
      data: { type: "string", short: "d" },
      location: { type: "boolean", short: "L" },
      timeout: { type: "string" },
      "unix-socket": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (error) {
  usageError(error instanceof Error ? error.message : String(error));
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (positionals.length !== 1) usageError("Expected exactly one URL");
const timeout = Number(values.timeout ?? 30_000);
if (!(timeout > 0)) usageError(`Invalid --timeout ${values.timeout}`);
const headers: [string, string][] = [];
for (const field of values.header ?? []) {
  const colon = field.indexOf(":");
  if (colon <= 0) usageError(`Invalid --header ${JSON.stringify(field)}`);
  headers.push([field.slice(0, colon).trim(), field.slice(colon + 1).trim()]);
}

await using client = new Client({ unixPath: values["unix-socket"] });
try {
  const response = await client.request(positionals[0], {
    method: values.method ?? (values.data === undefined ? "GET" : "POST"),
    headers,
    body: values.data ?? null,
    redirect: values.location ? "follow" : "manual",
    timeout,
    stream: true,
  });
  console.log(`${response.version} ${response.status} ${response.reason}`);
  for (const [name, value] of response.headers) {
    console.log(`${name}: ${value}`);
  }
  console.log();
  let last = 0x0a;
  for await (const chunk of response.body as ReadableStream<Uint8Array>) {
    await Deno.stdout.write(chunk);
    if (chunk.length > 0) last = chunk[chunk.length - 1];
  }
  // Trailer fields on lines of their own, after a body without a final newline.
  if (response.trailers !== null && last !== 0x0a) console.log();
  for (const [name, value] of response.trailers ?? []) {
    console.log(`${name}: ${value}`);
  }
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : error}`);
  Deno.exitCode = 1;
}
