// Copyright the socketkit authors. MIT license.
/**
 * Echo benchmark: socketkit's `TCPConnection` against the same loops written
 * on raw `Deno.Conn`, measured in one run and reported as a ratio.
 *
 *   deno run --allow-net --allow-run --allow-read --allow-env bench/echo.ts
 *   deno task bench
 *
 * Each implementation gets its own server process (bench/_echo_server.ts),
 * written against the same API as its client, which runs in this process;
 * both servers start before the first round and stay up. Metrics:
 * - round trips per second with 64-byte messages over 1 connection and over
 *   50 concurrent connections (client: write 64 bytes, then read 64 bytes:
 *   `readExactly(64)` on socketkit, a read-until-64 loop on Deno.Conn; the
 *   server echoes with a read/write loop);
 * - bulk MB/s (10^6 bytes/s) pushing 256 MiB through one connection: the
 *   client writes 256 KiB chunks and half-closes; the server DISCARDS what
 *   it reads and answers with the byte count, which the client checks; the
 *   clock stops when the count arrives.
 * After a warm-up, each of 15 rounds measures every metric as A B B A (raw,
 * socketkit, socketkit, raw; the next round starts with socketkit), so
 * machine noise and drift hit both. Many short rounds beat a few long ones
 * on a shared machine: a burst of load then spoils one round, not a whole
 * metric. The table shows the medians over rounds and the median of the
 * per-round ratios. Everything is on 127.0.0.1; the
 * run takes about a minute and a half.
 *
 * Flags: `--rounds N` (default 15), `--seconds S` per round-trip measurement
 * (default 0.5), `--mib M` for the bulk transfer (default 256).
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { connect, type TCPConnection } from "../mod.ts";

type Impl = "raw" | "socketkit";
const IMPLS: Impl[] = ["raw", "socketkit"];
const MESSAGE = 64;
const CONCURRENT = 50;
const CHUNK = 256 * 1024;

const { values } = parseArgs({
  args: Deno.args,
  strict: true,
  options: {
    rounds: { type: "string", default: "15" },
    seconds: { type: "string", default: "0.5" },
    mib: { type: "string", default: "256" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(
    "Usage: deno run --allow-net --allow-run --allow-read --allow-env bench/echo.ts [--rounds 15] [--seconds 0.5] [--mib 256]",
  );
  Deno.exit(0);
}
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const BULK = Number(values.mib) * 1024 * 1024;

interface Server {
  child: Deno.ChildProcess;
  echo: number;
  sink: number;
  /** Reads the server's stdout lines. */
  lines: ReadableStreamDefaultReader<string>;
  /** Writes to the server's stdin. */
  control: WritableStreamDefaultWriter<Uint8Array>;
}

async function startServer(impl: Impl): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "bench/_echo_server.ts", impl],
    cwd: new URL("../", import.meta.url).pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream())
    .pipeThrough(splitLines()).getReader();
  const { value: text } = await lines.read();
  const match = text?.match(/^echo (\d+) sink (\d+)$/);
  if (!match) throw new Error(`${impl} server said ${JSON.stringify(text)}`);
  const control = child.stdin.getWriter();
  return {
    child,
    echo: Number(match[1]),
    sink: Number(match[2]),
    lines,
    control,
  };
}

async function stopServer(server: Server): Promise<void> {
  await server.control.close(); // the server exits when stdin closes
  await server.lines.cancel();
  await server.child.status;
}

function splitLines(): TransformStream<string, string> {
  let pending = "";
  return new TransformStream({
    transform(chunk, controller) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf("\n")) !== -1) {
        controller.enqueue(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    },
  });
}

/**
 * CPU seconds (user + system) used so far by this process plus the server
 * process. Contention from other processes slows the wall clock far more
 * than it changes the CPU time a round trip costs, so this is the steadier
 * measure of the library's overhead.
 */
async function cpuSeconds(server: Server): Promise<number> {
  await server.control.write(new TextEncoder().encode("cpu\n"));
  const { value } = await server.lines.read();
  const match = value?.match(/^cpu (\d+)$/);
  if (!match) throw new Error(`server said ${JSON.stringify(value)}`);
  const { user, system } = process.cpuUsage();
  return (Number(match[1]) + user + system) / 1e6;
}

// ------------------------------------------------------------------- raw

async function writeAllRaw(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await conn.write(bytes.subarray(written));
  }
}

async function connectRaw(port: number): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  return conn;
}

async function roundTripsRaw(conn: Deno.Conn, until: number): Promise<number> {
  const message = new Uint8Array(MESSAGE).fill(7);
  const reply = new Uint8Array(MESSAGE);
  let count = 0;
  while (performance.now() < until) {
    await writeAllRaw(conn, message);
    let got = 0;
    while (got < MESSAGE) {
      const n = await conn.read(reply.subarray(got));
      if (n === null) throw new Error("EOF in a round trip");
      got += n;
    }
    count++;
  }
  return count;
}

async function bulkRaw(port: number, payload: Uint8Array): Promise<void> {
  const conn = await connectRaw(port);
  try {
    for (let sent = 0; sent < BULK; sent += CHUNK) {
      await writeAllRaw(
        conn,
        payload.subarray(0, Math.min(CHUNK, BULK - sent)),
      );
    }
    await conn.closeWrite();
    const count = new Uint8Array(8);
    let got = 0;
    while (got < 8) {
      const n = await conn.read(count.subarray(got));
      if (n === null) throw new Error("EOF before the byte count");
      got += n;
    }
    checkCount(count);
  } finally {
    conn.close();
  }
}

// -------------------------------------------------------------- socketkit

function connectOurs(port: number): Promise<TCPConnection> {
  return connect({ hostname: "127.0.0.1", port });
}

async function roundTripsOurs(
  conn: TCPConnection,
  until: number,
): Promise<number> {
  const message = new Uint8Array(MESSAGE).fill(7);
  let count = 0;
  while (performance.now() < until) {
    await conn.write(message);
    await conn.readExactly(MESSAGE);
    count++;
  }
  return count;
}

async function bulkOurs(port: number, payload: Uint8Array): Promise<void> {
  const conn = await connectOurs(port);
  try {
    for (let sent = 0; sent < BULK; sent += CHUNK) {
      await conn.write(payload.subarray(0, Math.min(CHUNK, BULK - sent)));
    }
    await conn.closeWrite();
    checkCount(await conn.readExactly(8));
  } finally {
    conn.close();
  }
}

// ----------------------------------------------------------------- driver

function checkCount(count: Uint8Array): void {
  const total = new DataView(count.buffer, count.byteOffset, 8)
    .getBigUint64(0);
  if (total !== BigInt(BULK)) {
    throw new Error(`server counted ${total} bytes, expected ${BULK}`);
  }
}

/** Round trips per second over `connections` connections for `seconds`. */
async function roundTrips(
  impl: Impl,
  port: number,
  connections: number,
  seconds: number,
): Promise<Sample> {
  if (impl === "raw") {
    const conns = await Promise.all(
      Array.from({ length: connections }, () => connectRaw(port)),
    );
    try {
      const start = performance.now();
      const until = start + seconds * 1000;
      const counts = await Promise.all(
        conns.map((conn) => roundTripsRaw(conn, until)),
      );
      const elapsed = (performance.now() - start) / 1000;
      const total = counts.reduce((a, b) => a + b, 0);
      return { rate: total / elapsed, work: total };
    } finally {
      for (const conn of conns) conn.close();
    }
  }
  const conns = await Promise.all(
    Array.from({ length: connections }, () => connectOurs(port)),
  );
  try {
    const start = performance.now();
    const until = start + seconds * 1000;
    const counts = await Promise.all(
      conns.map((conn) => roundTripsOurs(conn, until)),
    );
    const elapsed = (performance.now() - start) / 1000;
    const total = counts.reduce((a, b) => a + b, 0);
    return { rate: total / elapsed, work: total };
  } finally {
    for (const conn of conns) conn.close();
  }
}

/** MB/s (10^6 bytes per second) pushing BULK bytes through one connection. */
async function bulk(
  impl: Impl,
  port: number,
  payload: Uint8Array,
): Promise<Sample> {
  const start = performance.now();
  if (impl === "raw") await bulkRaw(port, payload);
  else await bulkOurs(port, payload);
  const mb = BULK / 1e6;
  return { rate: mb / ((performance.now() - start) / 1000), work: mb };
}

/** One measurement: operations per second, and how many operations. */
interface Sample {
  rate: number;
  work: number;
}

const METRICS = [
  `round trips/s, ${MESSAGE} B, 1 connection`,
  `round trips/s, ${MESSAGE} B, ${CONCURRENT} connections`,
  `bulk MB/s, ${BULK / 1024 / 1024} MiB, 1 connection (server discards)`,
] as const;
const CPU_METRICS = [
  `CPU µs per round trip, 1 connection`,
  `CPU µs per round trip, ${CONCURRENT} connections`,
  `CPU µs per MB, bulk`,
] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function format(value: number): string {
  return value >= 1000
    ? Math.round(value).toLocaleString("en-US")
    : value.toFixed(1);
}

const payload = new Uint8Array(CHUNK);
for (let at = 0; at < CHUNK; at += 65536) {
  crypto.getRandomValues(payload.subarray(at, at + 65536));
}
const servers = new Map<Impl, Server>();
for (const impl of IMPLS) servers.set(impl, await startServer(impl));
const results = new Map<Impl, number[][]>(
  IMPLS.map((impl) => [impl, METRICS.map(() => [])]),
);
/** CPU µs (client + server process) per operation, per round. */
const costs = new Map<Impl, number[][]>(
  IMPLS.map((impl) => [impl, METRICS.map(() => [])]),
);

try {
  // Warm-up: JIT both sides of both implementations, not recorded.
  for (const impl of IMPLS) {
    const server = servers.get(impl)!;
    await roundTrips(impl, server.echo, 1, 0.3);
    await roundTrips(impl, server.echo, CONCURRENT, 0.3);
    await bulk(impl, server.sink, payload);
  }
  for (let round = 0; round < ROUNDS; round++) {
    // A B B A within a round cancels a linear drift; which goes first
    // alternates between rounds.
    const [a, b] = round % 2 === 0 ? IMPLS : [...IMPLS].reverse();
    const line: string[] = [];
    for (let metric = 0; metric < METRICS.length; metric++) {
      const sums = new Map<Impl, number>([[a, 0], [b, 0]]);
      const cpu = new Map<Impl, number>([[a, 0], [b, 0]]);
      for (const impl of [a, b, b, a]) {
        const server = servers.get(impl)!;
        const before = await cpuSeconds(server);
        const sample = metric === 0
          ? await roundTrips(impl, server.echo, 1, SECONDS)
          : metric === 1
          ? await roundTrips(impl, server.echo, CONCURRENT, SECONDS)
          : await bulk(impl, server.sink, payload);
        const used = await cpuSeconds(server) - before;
        sums.set(impl, sums.get(impl)! + sample.rate);
        cpu.set(impl, cpu.get(impl)! + used * 1e6 / sample.work);
      }
      for (const impl of IMPLS) {
        results.get(impl)![metric].push(sums.get(impl)! / 2);
        costs.get(impl)![metric].push(cpu.get(impl)! / 2);
      }
      line.push(
        `${METRICS[metric].split(",")[0]}: raw ${
          format(sums.get("raw")! / 2)
        } socketkit ${format(sums.get("socketkit")! / 2)}`,
      );
    }
    console.error(`round ${round + 1}/${ROUNDS}: ${line.join("; ")}`);
  }
} finally {
  for (const server of servers.values()) await stopServer(server);
}

console.log(
  `\nDeno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs, ` +
    `medians of ${ROUNDS} rounds, each measuring raw and socketkit twice ` +
    `(A B B A, ${SECONDS} s per round-trip run); ratio = median of the ` +
    `per-round ratios\n`,
);
console.log("| metric | raw Deno.Conn | socketkit | ratio (socketkit/raw) |");
console.log("| --- | ---: | ---: | ---: |");
for (let metric = 0; metric < METRICS.length; metric++) {
  const raw = results.get("raw")![metric];
  const ours = results.get("socketkit")![metric];
  const ratios = raw.map((value, round) => ours[round] / value);
  console.log(
    `| ${METRICS[metric]} | ${format(median(raw))} | ${
      format(median(ours))
    } | ${median(ratios).toFixed(3)} |`,
  );
}

{
  console.log(
    "\nCPU time (user + system) of the client and server processes per " +
      "operation; lower is better; ratio raw/socketkit, so again 1.0 is " +
      "parity and higher is better\n",
  );
  console.log("| metric | raw Deno.Conn | socketkit | ratio (raw/socketkit) |");
  console.log("| --- | ---: | ---: | ---: |");
  for (let metric = 0; metric < CPU_METRICS.length; metric++) {
    const raw = costs.get("raw")![metric];
    const ours = costs.get("socketkit")![metric];
    const ratios = raw.map((value, round) => value / ours[round]);
    console.log(
      `| ${CPU_METRICS[metric]} | ${format(median(raw))} | ${
        format(median(ours))
      } | ${median(ratios).toFixed(3)} |`,
    );
  }
}
