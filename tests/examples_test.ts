// Copyright the socketkit authors. MIT license.
// The examples run for real: each is started as a subprocess on port 0 and
// driven by clients nobody here wrote (python3's socket module, socat) as
// well as by our own connect().

import assert from "node:assert/strict";
import { connect, formatAddr, type TCPConnection } from "../mod.ts";
import { curl, run } from "./_util.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A running example: its address and the lines it has printed so far. */
interface Running extends AsyncDisposable {
  child: Deno.ChildProcess;
  hostname: string;
  port: number;
  /** Lines printed on stdout so far. */
  lines: string[];
  /** Waits until a stdout line matches, at most `ms` milliseconds. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  /** Sends `signal` (unless exited) and waits for the exit and the output. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  /** What it printed on stderr (complete once stopped). */
  stderr(): string;
}

/**
 * Starts `deno run --allow-net examples/<name> --port 0 ...` and waits for
 * its `listening on HOST:PORT` line. The child is killed after `limitMs`
 * whatever happens, so no test can hang on it.
 */
async function start(
  name: string,
  args: string[] = [],
  limitMs = 60_000,
): Promise<Running> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", `examples/${name}`, "--port", "0", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const killer = setTimeout(() => {
    if (!exited) child.kill("SIGKILL");
  }, limitMs);

  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const stdoutDone = (async () => {
    let pending = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf("\n")) !== -1) {
        lines.push(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
      for (const wake of waiters) wake();
    }
    if (pending !== "") lines.push(pending);
    for (const wake of waiters) wake();
  })();
  let errText = "";
  const stderrDone = (async () => {
    for await (
      const chunk of child.stderr.pipeThrough(new TextDecoderStream())
    ) errText += chunk;
  })();

  async function waitFor(pattern: RegExp, ms = 10_000): Promise<string> {
    const until = Date.now() + ms;
    let seen = 0;
    while (true) {
      for (; seen < lines.length; seen++) {
        if (pattern.test(lines[seen])) return lines[seen];
      }
      const left = until - Date.now();
      if (exited || left <= 0) {
        throw new Error(
          `examples/${name} printed no line matching ${pattern} (${
            exited ? "it exited" : `${ms} ms`
          }); stdout:\n${lines.join("\n")}\nstderr:\n${errText}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 200));
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  async function stop(signal: Deno.Signal = "SIGTERM") {
    if (!exited) {
      try {
        child.kill(signal);
      } catch {
        // Exited meanwhile.
      }
    }
    const result = await status;
    clearTimeout(killer);
    await Promise.all([stdoutDone, stderrDone]);
    return result;
  }

  let hostname = "", port = 0;
  try {
    const line = await waitFor(/^listening on /);
    // "listening on HOST:PORT", or a URL for the HTTP examples.
    const match = line.match(/^listening on (?:http:\/\/)?(.+):(\d+)\/?$/);
    assert.ok(match, `unexpected line ${JSON.stringify(line)}`);
    hostname = match[1];
    port = Number(match[2]);
    assert.ok(port > 0, "port 0 must be replaced by the real port");
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  }
  return {
    child,
    hostname,
    port,
    lines,
    waitFor,
    stop,
    stderr: () => errText,
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL");
    },
  };
}

/** Deterministic pseudo-random bytes (xorshift32), so failures repeat. */
function randomBytes(size: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Reads lines until one matches, at most `limit` lines. */
async function readLineMatching(
  conn: TCPConnection,
  pattern: RegExp,
  limit = 10_000,
): Promise<string> {
  const seen: string[] = [];
  for (let i = 0; i < limit; i++) {
    const line = await conn.readLine();
    if (line === null) {
      throw new Error(`EOF before ${pattern}; got ${JSON.stringify(seen)}`);
    }
    if (pattern.test(line)) return line;
    if (seen.length < 20) seen.push(line.slice(0, 80));
  }
  throw new Error(`no line matching ${pattern} in ${limit} lines`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ------------------------------------------------------------------ echo.ts

const PY_HALF_CLOSE = `
import socket, sys, threading
payload = sys.stdin.buffer.read()
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
def send():
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
sender = threading.Thread(target=send)
sender.start()
chunks = []
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    chunks.append(chunk)
sender.join()
s.close()
sys.stdout.buffer.write(b"".join(chunks))
`;

Deno.test("examples/echo.ts echoes a python3 client's bytes and half-closes after its SHUT_WR", async () => {
  await using server = await start("echo.ts");
  const payload = randomBytes(1024 * 1024, 1);
  const result = await run("python3", [
    "-c",
    PY_HALF_CLOSE,
    server.hostname,
    String(server.port),
  ], payload);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.length, payload.length);
  assert.deepEqual(result.stdout, payload);
  await server.waitFor(
    /^close 127\.0\.0\.1:\d+ .*1048576 bytes in, 1048576 bytes out$/,
  );
});

Deno.test("examples/echo.ts echoes 10 MiB written in random-sized writes while reading, byte-exact", async () => {
  await using server = await start("echo.ts");
  await using conn = await connect(
    { hostname: server.hostname, port: server.port },
    { readTimeout: 20_000, writeTimeout: 20_000 },
  );
  const size = 10 * 1024 * 1024;
  const payload = randomBytes(size, 2);
  const sizes = randomBytes(4096, 3);

  const writing = (async () => {
    let at = 0, i = 0;
    while (at < size) {
      // 1 byte to 64 KiB, from the second random stream.
      const want = 1 + (((sizes[i++ % 4096] << 8) | sizes[i++ % 4096]) % 65536);
      const n = Math.min(want, size - at);
      await conn.write(payload.subarray(at, at + n));
      at += n;
    }
    await conn.closeWrite();
  })();

  const received = new Uint8Array(size);
  const buffer = new Uint8Array(48 * 1024);
  let got = 0;
  for (let reads = 0; reads < size; reads++) { // bounded: ≥ 1 byte per read
    const n = await conn.read(buffer);
    if (n === null) break;
    assert.ok(got + n <= size, `server sent more than ${size} bytes`);
    received.set(buffer.subarray(0, n), got);
    got += n;
  }
  await writing;
  assert.equal(got, size);
  assert.ok(received.every((byte, i) => byte === payload[i]), "bytes differ");
});

Deno.test("examples/echo.ts serves 200 concurrent clients", async () => {
  await using server = await start("echo.ts");
  const clients = 200;
  const conns: TCPConnection[] = [];
  try {
    const results = await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        const conn = await connect(
          { hostname: server.hostname, port: server.port },
          { timeout: 10_000, readTimeout: 20_000, writeTimeout: 20_000 },
        );
        conns.push(conn);
        const message = randomBytes(1000 + i, 100 + i);
        await conn.write(message);
        await conn.closeWrite();
        const echoed = await conn.readAll({ maxBytes: 4096 });
        conn.close();
        return [message, echoed] as const;
      }),
    );
    for (const [message, echoed] of results) assert.deepEqual(echoed, message);
  } finally {
    for (const conn of conns) conn.close();
  }
  const status = await server.stop("SIGINT");
  assert.equal(status.code, 0, server.stderr());
  const opened = server.lines.filter((line) => line.startsWith("open "));
  assert.equal(opened.length, clients);
  assert.ok(
    server.lines.includes(
      `summary: served ${clients} connection(s), echoed ${
        clients * 1000 + (clients * (clients - 1)) / 2
      } bytes`,
    ),
    server.lines.slice(-3).join("\n"),
  );
});

Deno.test("examples/echo.ts echoes for socat and half-closes at its EOF", async () => {
  await using server = await start("echo.ts");
  const input = "hello\nworld\nno newline at the end";
  const result = await run("socat", [
    "-t",
    "10",
    "-",
    `TCP:${server.hostname}:${server.port}`,
  ], encoder.encode(input));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(decoder.decode(result.stdout), input);
});

Deno.test("examples/echo.ts exits 0 with a summary on SIGINT and SIGTERM, closing open connections", async (t) => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    await t.step(signal, async () => {
      await using server = await start("echo.ts");
      await using conn = await connect(
        { hostname: server.hostname, port: server.port },
        { readTimeout: 10_000 },
      );
      await conn.write("ping");
      assert.deepEqual(await conn.readExactly(4), encoder.encode("ping"));
      const status = await server.stop(signal);
      assert.equal(status.code, 0, server.stderr());
      assert.ok(
        server.lines.includes(
          "summary: served 1 connection(s), echoed 4 bytes",
        ),
        server.lines.join("\n"),
      );
      assert.equal(await conn.read(new Uint8Array(16)), null);
    });
  }
});

Deno.test("examples/echo.ts prints usage for --help and exits 2 on an unknown flag", async () => {
  const help = await run(Deno.execPath(), [
    "run",
    "--allow-net",
    "examples/echo.ts",
    "--help",
  ]);
  assert.equal(help.code, 0);
  assert.match(decoder.decode(help.stdout), /^Usage: .*echo\.ts/m);
  const bad = await run(Deno.execPath(), [
    "run",
    "--allow-net",
    "examples/echo.ts",
    "--bogus",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--bogus/);
});

// ----------------------------------------------------------- echo_client.ts

Deno.test("examples/echo_client.ts sends stdin, prints the replies and the rest after EOF", async () => {
  await using server = await start("echo.ts");
  const result = await run(Deno.execPath(), [
    "run",
    "--allow-net",
    "examples/echo_client.ts",
    "--hostname",
    server.hostname,
    "--port",
    String(server.port),
  ], encoder.encode("first\r\nsecond\nlast without newline"));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    decoder.decode(result.stdout),
    "first\nsecond\nlast without newline\n",
  );
});

// ------------------------------------------------------------------ chat.ts

Deno.test("examples/chat.ts sends a line from one of 3 clients to the other two", async () => {
  await using server = await start("chat.ts");
  const addr = { hostname: server.hostname, port: server.port };
  const options = { readTimeout: 10_000 };
  await using a = await connect(addr, options);
  await readLineMatching(a, /^\* you are /);
  await using b = await connect(addr, options);
  await readLineMatching(b, /^\* you are /);
  await using c = await connect(addr, options);
  await readLineMatching(c, /^\* you are .*; 2 other\(s\) here$/);
  const nameA = formatAddr(a.localAddr);
  const nameC = formatAddr(c.localAddr);
  await readLineMatching(a, new RegExp(`^\\* ${escape(nameC)} joined$`));

  await a.write("hello from a\r\n");
  for (const other of [b, c]) {
    assert.equal(
      await readLineMatching(other, /: hello from a$/),
      `${nameA}: hello from a`,
    );
  }
  // The sender does not get its own line back: the next line a sees is c's.
  await c.write("hi\n");
  assert.equal(await a.readLine(), `${nameC}: hi`);

  c.close();
  await readLineMatching(a, new RegExp(`^\\* ${escape(nameC)} left$`));
  await readLineMatching(b, new RegExp(`^\\* ${escape(nameC)} left$`));

  const status = await server.stop("SIGINT");
  assert.equal(status.code, 0, server.stderr());
  assert.ok(
    server.lines.includes("summary: 3 client(s) served"),
    server.lines.join("\n"),
  );
  assert.equal(await a.readLine(), null);
});

Deno.test("examples/chat.ts drops a client that never reads without holding up the others", async () => {
  await using server = await start("chat.ts");
  const addr = { hostname: server.hostname, port: server.port };
  const options = { readTimeout: 20_000, writeTimeout: 20_000 };
  await using talker = await connect(addr, options);
  await using listener = await connect(addr, options);
  await using stuck = await connect(addr, options); // never reads
  const nameStuck = formatAddr(stuck.localAddr);
  await readLineMatching(
    listener,
    new RegExp(`^\\* ${escape(nameStuck)} joined$`),
  );

  // The talker sends batches of lines and the listener reads each batch
  // before the next, so only the stuck client falls behind. Bounded: at most
  // 2000 batches of 64 KB, far more than the stuck client's socket buffers
  // plus the server's 64 KiB queue.
  const batch = 16;
  const line = "x".repeat(4000) + "\n";
  const left = new RegExp(`^\\* ${escape(nameStuck)} left \\(too slow`);
  const until = Date.now() + 25_000;
  let dropped = false;
  for (let i = 0; i < 2000 && !dropped && Date.now() < until; i++) {
    await talker.write(line.repeat(batch));
    for (let got = 0; got < batch;) {
      const received = await listener.readLine({ maxBytes: 8192 });
      assert.notEqual(received, null, "the listener was disconnected");
      if (left.test(received!)) dropped = true;
      else if (received!.endsWith(line.trimEnd())) got++;
    }
  }
  assert.ok(dropped, "the stuck client was never dropped");
  await talker.write("done\n");
  await readLineMatching(listener, /: done$/);
});

// --------------------------------------------------------------- udp_echo.ts

const PY_UDP = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
server = (sys.argv[1], int(sys.argv[2]))
for payload in [b"hello", bytes(range(256)), b"\\x00" * 1200, b""]:
    s.sendto(payload, server)
    data, addr = s.recvfrom(65535)
    print(data.hex(), addr[1] == server[1])
s.close()
`;

Deno.test("examples/udp_echo.ts echoes python3 datagrams to their sender", async () => {
  await using server = await start("udp_echo.ts");
  const result = await run("python3", [
    "-c",
    PY_UDP,
    server.hostname,
    String(server.port),
  ]);
  assert.equal(result.code, 0, result.stderr);
  const hex = (bytes: Uint8Array) =>
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const expected = [
    encoder.encode("hello"),
    Uint8Array.from({ length: 256 }, (_, i) => i),
    new Uint8Array(1200),
    new Uint8Array(0),
  ].map((bytes) => `${hex(bytes)} True`);
  assert.deepEqual(
    decoder.decode(result.stdout).trimEnd().split("\n"),
    expected,
  );
  const status = await server.stop("SIGINT");
  assert.equal(status.code, 0, server.stderr());
  assert.ok(
    server.lines.includes(
      "summary: received 4 datagram(s), echoed 1461 bytes",
    ),
    server.lines.join("\n"),
  );
});

Deno.test("examples/udp_echo.ts without --unstable-net prints the library's error and exits 1", async () => {
  // --no-config drops deno.json's "unstable": ["net"].
  const result = await run(Deno.execPath(), [
    "run",
    "--no-config",
    "--allow-net",
    "examples/udp_echo.ts",
    "--port",
    "0",
  ]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: UDP .*--unstable-net/);
});

// ------------------------------------------------ http_server.ts, http_client.ts, hono.ts

Deno.test("examples/http_server.ts serves its routes to curl on one connection, and stops on SIGTERM", async () => {
  await using server = await start("http_server.ts");
  const base = `http://${server.hostname}:${server.port}`;
  const result = await curl(
    "-v",
    `${base}/`,
    "--next",
    "-d",
    "hi there",
    `${base}/echo`,
    "--next",
    `${base}/nope`,
    "--next",
    `${base}/stream`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    "Hello, World!\nhi there404 Not Found\n" +
      Array.from({ length: 10 }, (_, i) => `line ${i + 1} of 10\n`).join(""),
  );
  // One connection for all four, the 404 included.
  assert.equal(result.stderr.match(/Connected to /g)?.length, 1, result.stderr);
  assert.match(result.stderr, /< Transfer-Encoding: chunked/);
  await server.waitFor(/ GET \/stream$/);
  const status = await server.stop("SIGTERM");
  assert.equal(status.code, 0, server.stderr());
  assert.deepEqual(server.lines.slice(-2), [
    "SIGTERM: shutting down",
    "stopped",
  ]);
});

Deno.test("examples/http_client.ts prints the status line, the fields and the body from examples/http_server.ts", async () => {
  await using server = await start("http_server.ts");
  const result = await run(Deno.execPath(), [
    "run",
    "--allow-net",
    "examples/http_client.ts",
    "-d",
    "ping",
    "-H",
    "Content-Type: text/x-test",
    `http://${server.hostname}:${server.port}/echo`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const out = decoder.decode(result.stdout);
  assert.match(out, /^HTTP\/1\.1 200 OK\n/);
  assert.match(out, /\ncontent-type: text\/x-test\n/i);
  assert.match(out, /\ncontent-length: 4\n/i);
  assert.match(out, /\n\nping$/);
  const missing = await run(Deno.execPath(), [
    "run",
    "--allow-net",
    "examples/http_client.ts",
    `http://${server.hostname}:${server.port}/nope`,
  ]);
  assert.match(decoder.decode(missing.stdout), /^HTTP\/1\.1 404 Not Found\n/);
});

Deno.test("examples/hono.ts runs its Hono app for curl", async () => {
  await using server = await start("hono.ts");
  const base = `http://${server.hostname}:${server.port}`;
  const result = await curl(
    `${base}/`,
    "--next",
    `${base}/users/42`,
    "--next",
    "-H",
    "Content-Type: application/json",
    "-d",
    '{"a":1}',
    `${base}/echo`,
    "--next",
    `${base}/peer`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^Hello from Hono on socketkit!\n\{"id":"42"\}\{"a":1\}you are 127\.0\.0\.1:\d+\n$/,
  );
  assert.equal((await server.stop("SIGINT")).code, 0, server.stderr());
});
