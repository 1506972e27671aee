// Copyright 2026 the socketkit authors. MIT license.
// Load benchmark of the pooled HTTP client against nginx on loopback:
// sequential and 50-concurrent keep-alive GETs of `return 200 "hello"`, our
// Client against fetch() and npm undici's request(), in interleaved rounds.
//
//   deno run -A bench/http_client.ts [--seconds 3] [--rounds 3] [--concurrency 50]
//
// Prints a markdown table of requests/s (median of the rounds) and the ratio
// to the best peer.

import { parseArgs } from "node:util";
import { request as undiciRequest } from "undici";
import { Client } from "../http/client.ts";
import { startNginx } from "./_nginx.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "50" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(
    "Usage: deno run -A bench/http_client.ts [--seconds 3] [--rounds 3] [--concurrency 50]",
  );
  Deno.exit(0);
}
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);

type Get = (url: string) => Promise<void>;

const client = new Client();
const contenders: Record<string, Get> = {
  "socketkit Client": async (url) => {
    const res = await client.get(url);
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  },
  "fetch()": async (url) => {
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  },
  "undici.request": async (url) => {
    const res = await undiciRequest(url);
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  },
};

/** Requests per second with `workers` loops issuing GETs back to back. */
async function run(get: Get, url: string, workers: number): Promise<number> {
  // Warm up: open the connections.
  await Promise.all(Array.from({ length: workers }, () => get(url)));
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        await get(url);
        count++;
      }
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const nginx = await startNginx();
const url = `${nginx.origin}/`;
const results: Record<string, Record<string, number[]>> = {
  sequential: {},
  [`${concurrency} concurrent`]: {},
};
try {
  for (let round = 0; round < rounds; round++) {
    for (
      const [mode, workers] of [["sequential", 1], [
        `${concurrency} concurrent`,
        concurrency,
      ]] as const
    ) {
      for (const [name, get] of Object.entries(contenders)) {
        const rate = await run(get, url, workers);
        (results[mode][name] ??= []).push(rate);
        console.error(
          `round ${round + 1} ${mode} ${name}: ${rate.toFixed(0)} req/s`,
        );
      }
    }
  }
} finally {
  await client[Symbol.asyncDispose]();
  await nginx.stop();
}

const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
  .match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
console.log(
  `\nnginx ${url} \`return 200 "hello"\`, keep-alive; ${rounds} interleaved rounds of ${seconds} s, median; Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores (${cpu})\n`,
);
console.log("| mode | client | requests/s | vs best peer |");
console.log("| --- | --- | ---: | ---: |");
for (const [mode, byName] of Object.entries(results)) {
  const ours = median(byName["socketkit Client"]);
  const best = Math.max(
    median(byName["fetch()"]),
    median(byName["undici.request"]),
  );
  for (const [name, rates] of Object.entries(byName)) {
    const rate = median(rates);
    const ratio = name === "socketkit Client"
      ? `${(ours / best).toFixed(2)}x`
      : `${(rate / best).toFixed(2)}x`;
    console.log(`| ${mode} | ${name} | ${rate.toFixed(0)} | ${ratio} |`);
  }
}
