// Copyright 2026 the socketkit authors. MIT license.
/**
 * HTTP server load benchmark: socketkit's `serve()` against `Deno.serve` and
 * Node's `http`, driven by wrk on 127.0.0.1 in one run.
 *
 *   deno run -A bench/http_server.ts
 *
 * Every server answers `GET /` with "Hello, World!" (bench/_servers/). All
 * three start once and stay up, pinned to core 0 with `taskset -c 0`; wrk
 * runs pinned to core 1, one thread. Scenarios, all keep-alive:
 * - 50 connections, one request at a time each;
 * - 256 connections, one request at a time each;
 * - 50 connections with 16 pipelined requests per write (a wrk Lua script).
 * Each round runs every scenario once per server, in rotating order (so
 * drift and noise on a shared machine hit all servers), each run a short
 * warm-up then a measured wrk run. Reported per server and scenario, as the
 * median over rounds: requests/s, p99 latency (wrk --latency), and server
 * CPU time per request in µs: utime + stime of the server process from
 * /proc/PID/stat before and after the measured run, in ticks of
 * `getconf CLK_TCK`, divided by the requests wrk completed. The last column
 * is the median over rounds of each round's CPU ratio to Deno.serve.
 *
 * Flags: `--rounds N` (default 5), `--seconds S` per measured run (default
 * 3), `--warmup S` (default 1). Defaults take about three and a half
 * minutes. For quicker runs while iterating, `--scenarios` picks scenarios
 * by key (comma-separated: `50`, `256`, `pipelined`; default all) and
 * `--servers` picks servers (`socketkit`, `deno`, `node`, `raw`: a
 * Deno.Conn loop that parses nothing, the floor; default these four;
 * `fair`, not run by default: that loop with serve()'s fair turns, at 128
 * or more connections only, where the turns start: it prices the turns,
 * though its p99 stays far above serve()'s; `deno` is always run, as the
 * ratios need it). Needs wrk, taskset, node
 * and getconf on the PATH.
 *
 * @module
 */

import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  strict: true,
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "3" },
    warmup: { type: "string", default: "1" },
    scenarios: { type: "string", default: "50,256,pipelined" },
    servers: { type: "string", default: "socketkit,deno,node,raw" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(
    "Usage: deno run -A bench/http_server.ts [--rounds 5] [--seconds 3] " +
      "[--warmup 1] [--scenarios 50,256,pipelined] [--servers socketkit,deno,node,raw,fair]",
  );
  Deno.exit(0);
}
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
if (!(ROUNDS >= 1 && SECONDS >= 1 && WARMUP >= 0)) {
  console.error("error: --rounds and --seconds must be at least 1");
  Deno.exit(2);
}

interface Peer {
  key: string;
  name: string;
  command: string[];
  port: number;
  /** Run only in scenarios with at least this many connections. */
  minConnections?: number;
  child?: Deno.ChildProcess;
}

const here = new URL(".", import.meta.url).pathname;
const deno = Deno.execPath();
const ALL_PEERS: Peer[] = [
  {
    key: "socketkit",
    name: "socketkit serve()",
    command: [deno, "run", "-A", `${here}_servers/socketkit.ts`],
    port: 18081,
  },
  {
    key: "deno",
    name: "Deno.serve",
    command: [deno, "run", "-A", `${here}_servers/deno_serve.ts`],
    port: 18082,
  },
  {
    key: "node",
    name: "Node http",
    command: ["node", `${here}_servers/node_http.js`],
    port: 18083,
  },
  {
    key: "raw",
    name: "raw Deno.Conn floor (no parsing)",
    command: [deno, "run", "-A", `${here}_servers/raw_conn.ts`],
    port: 18084,
  },
  {
    key: "fair",
    name: "raw floor with serve()'s fair turns",
    command: [deno, "run", "-A", `${here}_servers/raw_conn.ts`, "--fair"],
    port: 18085,
    // Below serve()'s BURST_CONNECTIONS the turns never start: same as raw.
    minConnections: 128,
  },
];

interface Scenario {
  key: string;
  name: string;
  connections: number;
  pipeline: boolean;
}
const ALL_SCENARIOS: Scenario[] = [
  {
    key: "50",
    name: "keep-alive, 50 conns",
    connections: 50,
    pipeline: false,
  },
  {
    key: "256",
    name: "keep-alive, 256 conns",
    connections: 256,
    pipeline: false,
  },
  {
    key: "pipelined",
    name: "pipelined x16, 50 conns",
    connections: 50,
    pipeline: true,
  },
];

function pick<T extends { key: string }>(all: T[], list: string): T[] {
  const keys = list.split(",").map((key) => key.trim());
  for (const key of keys) {
    if (!all.some((item) => item.key === key)) {
      console.error(
        `error: unknown key ${JSON.stringify(key)}, expected one of ${
          all.map((item) => item.key).join(", ")
        }`,
      );
      Deno.exit(2);
    }
  }
  return all.filter((item) => keys.includes(item.key));
}

const SCENARIOS = pick(ALL_SCENARIOS, values.scenarios);
// Deno.serve is the baseline of the ratios: always run it.
const PEERS = pick(ALL_PEERS, `${values.servers},deno`);
const BASE = PEERS.findIndex((peer) => peer.key === "deno");

const PIPELINE_LUA = `
init = function(args)
  local r = {}
  for i = 1, 16 do r[i] = wrk.format(nil, "/") end
  req = table.concat(r)
end
request = function() return req end
`;

interface Sample {
  rps: number;
  p99ms: number;
  cpuUs: number;
}

async function output(command: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(command, { args, stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`${command} ${args.join(" ")} failed`);
  return new TextDecoder().decode(out.stdout);
}

const TICKS = Number((await output("getconf", ["CLK_TCK"])).trim());

/** utime + stime of a process, in clock ticks (proc(5)). */
function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // fields 14 and 15
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`Server on port ${port} did not start`);
}

/** Parses wrk's "99%   12.34ms" into milliseconds. */
function parseLatency(text: string): number {
  const match = text.match(/^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m);
  if (!match) return NaN;
  const value = Number(match[1]);
  // wrk prints 0 for the 99th percentile of some pipelined runs: no data.
  if (value === 0) return NaN;
  return match[2] === "us"
    ? value / 1000
    : match[2] === "s"
    ? value * 1000
    : value;
}

async function wrk(
  peer: Peer,
  scenario: Scenario,
  seconds: number,
  lua: string,
): Promise<{ requests: number; rps: number; p99ms: number }> {
  const args = [
    "-c",
    "1",
    "wrk",
    "-t1",
    `-c${scenario.connections}`,
    `-d${seconds}s`,
    "--latency",
    ...(scenario.pipeline ? ["-s", lua] : []),
    `http://127.0.0.1:${peer.port}/`,
  ];
  const text = await output("taskset", args);
  const requests = Number(text.match(/(\d+) requests in/)?.[1]);
  const rps = Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  if (/Non-2xx|Socket errors/.test(text)) {
    console.error(
      `  note: ${peer.name}: ${text.match(/(Non-2xx.*|Socket errors.*)/)?.[0]}`,
    );
  }
  return { requests, rps, p99ms: parseLatency(text) };
}

async function measure(
  peer: Peer,
  scenario: Scenario,
  lua: string,
): Promise<Sample> {
  if (WARMUP > 0) await wrk(peer, scenario, WARMUP, lua);
  const pid = peer.child!.pid;
  const before = cpuTicks(pid);
  const result = await wrk(peer, scenario, SECONDS, lua);
  const after = cpuTicks(pid);
  const cpuUs = ((after - before) / TICKS) * 1e6 / result.requests;
  return { rps: result.rps, p99ms: result.p99ms, cpuUs };
}

function formatMs(ms: number): string {
  return Number.isNaN(ms) ? "n/a (wrk printed 0)" : ms.toFixed(2);
}

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const lua = await Deno.makeTempFile({ suffix: ".lua" });
await Deno.writeTextFile(lua, PIPELINE_LUA);
const samples = new Map<string, Sample[]>();
const peersOf = (scenario: Scenario) =>
  PEERS.filter((peer) => scenario.connections >= (peer.minConnections ?? 0));
const key = (peer: Peer, scenario: Scenario) => `${peer.name}|${scenario.name}`;

try {
  for (const peer of PEERS) {
    peer.child = new Deno.Command("taskset", {
      args: ["-c", "0", ...peer.command, String(peer.port)],
      stdout: "null",
      stderr: "inherit",
    }).spawn();
  }
  await Promise.all(PEERS.map((peer) => waitForPort(peer.port)));
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (const scenario of SCENARIOS) {
      const peers = peersOf(scenario);
      for (let i = 0; i < peers.length; i++) {
        const peer = peers[(i + round) % peers.length];
        const sample = await measure(peer, scenario, lua);
        const list = samples.get(key(peer, scenario)) ?? [];
        list.push(sample);
        samples.set(key(peer, scenario), list);
        console.error(
          `round ${round + 1}/${ROUNDS} ${scenario.name} ${peer.name}: ` +
            `${sample.rps.toFixed(0)} req/s, p99 ${
              sample.p99ms.toFixed(2)
            } ms, ` +
            `${sample.cpuUs.toFixed(1)} µs CPU/req`,
        );
      }
    }
  }
  const elapsed = (Date.now() - started) / 1000;

  const lines = [
    `HTTP server, hello world, wrk -t1 on 127.0.0.1 (server on core 0, wrk on core 1); ` +
    `median of ${ROUNDS} rounds of ${SECONDS} s; ${elapsed.toFixed(0)} s total`,
    "",
    "| scenario | server | requests/s | p99 latency (ms) | server CPU per request (µs) | CPU vs Deno.serve (median of per-round ratios) |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const scenario of SCENARIOS) {
    const base = samples.get(key(PEERS[BASE], scenario))!;
    for (const peer of peersOf(scenario)) {
      const list = samples.get(key(peer, scenario))!;
      // Paired within a round: noise on a shared machine hits both alike.
      const ratio = median(list.map((s, i) => s.cpuUs / base[i].cpuUs));
      lines.push(
        `| ${scenario.name} | ${peer.name} | ${
          median(list.map((s) => s.rps)).toFixed(0)
        } | ${formatMs(median(list.map((s) => s.p99ms)))} | ${
          median(list.map((s) => s.cpuUs)).toFixed(1)
        } | ${ratio.toFixed(2)}x |`,
      );
    }
  }
  console.log(lines.join("\n"));
} finally {
  for (const peer of PEERS) {
    try {
      peer.child?.kill("SIGTERM");
    } catch {
      // Already gone.
    }
  }
  for (const peer of PEERS) await peer.child?.status;
  await Deno.remove(lua);
}
