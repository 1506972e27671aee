import assert from "node:assert/strict";
import { formatAddr } from "../address.ts";
import { Socket } from "../socket.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type ErrorClass = new (...args: never[]) => Error;

/** Assert `fn` throws (sync) or rejects with `cls` and a message matching `re`. */
async function assertFails(
  fn: () => unknown,
  cls: ErrorClass,
  re: RegExp,
): Promise<void> {
  let error: unknown;
  try {
    await fn();
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof cls, `expected ${cls.name}, got ${error}`);
  assert.match(error.message, re);
}

function listening(transport: "tcp" | "unix" = "tcp", addr?: string): Socket {
  const socket = new Socket({ transport });
  socket.bind(addr ?? "127.0.0.1:0");
  socket.listen();
  return socket;
}

/** A listening server, a connected client and the server's accepted peer. */
async function pair(
  transport: "tcp" | "unix" = "tcp",
  addr?: string,
): Promise<{ server: Socket; client: Socket; peer: Socket } & Disposable> {
  const server = listening(transport, addr);
  const client = new Socket({ transport });
  const [peer] = await Promise.all([
    server.accept(),
    client.connect(server.localAddr!),
  ]);
  return {
    server,
    client,
    peer,
    [Symbol.dispose]() {
      peer.close();
      client.close();
      server.close();
    },
  };
}

async function receiveAll(socket: Socket): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  let total = 0;
  for (let n; (n = await socket.receive(buf)) !== null;) {
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** A port on 127.0.0.1 that nothing listens on (just released). */
function freePort(): number {
  using l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return l.addr.port;
}

function hasIPv6(): boolean {
  try {
    using _l = Deno.listen({ hostname: "::1", port: 0 });
    return true;
  } catch {
    return false;
  }
}

// --- construction -----------------------------------------------------------

Deno.test("Socket() starts open with no addresses", () => {
  using socket = new Socket();
  assert.equal(socket.transport, "tcp");
  assert.equal(socket.state, "open");
  assert.equal(socket.localAddr, null);
  assert.equal(socket.remoteAddr, null);
});

Deno.test("Socket() throws TypeError on an unknown transport", () => {
  assert.throws(
    () => new Socket({ transport: "sctp" as "tcp" }),
    /Invalid socket transport "sctp"/,
  );
});

Deno.test("Socket() throws NotSupported for reusePort on a unix socket", () => {
  assert.throws(
    () => new Socket({ transport: "unix", reusePort: true }),
    Deno.errors.NotSupported,
  );
});

Deno.test("Socket() without --unstable-net says to add the flag", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const config = `${dir}/deno.json`;
    await Deno.writeTextFile(config, "{}\n");
    const url = new URL("../socket.ts", import.meta.url).href;
    for (
      const [name, options] of [
        ["udp", '{ transport: "udp" }'],
        ["reusePort", '{ transport: "tcp", reusePort: true }'],
      ]
    ) {
      await t.step(name, async () => {
        const code = `import { Socket } from ${JSON.stringify(url)};
try { new Socket(${options}); console.log("no error"); }
catch (e) { console.log(e.name + ": " + e.message); }`;
        const { code: status, stdout, stderr } = await new Deno.Command(
          Deno.execPath(),
          {
            args: ["eval", "--config", config, "--no-lock", code],
            cwd: dir,
            stdout: "piped",
            stderr: "piped",
            env: { NO_COLOR: "1" },
          },
        ).output();
        const out = decoder.decode(stdout);
        assert.equal(status, 0, decoder.decode(stderr));
        assert.match(out, /^NotSupported: /);
        assert.match(out, /--unstable-net/);
        assert.match(out, /"unstable": \["net"\]/);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- wrong-state calls --------------------------------------------------------

Deno.test("Socket throws a state error on every wrong-state call", async (t) => {
  const data = new Uint8Array(1);
  const buf = new Uint8Array(8);

  await t.step("open tcp socket", async () => {
    using s = new Socket();
    await assertFails(
      () => s.listen(),
      Deno.errors.BadResource,
      /^Cannot listen\(\): socket is not bound \(state "open"\)/,
    );
    await assertFails(
      () => s.accept(),
      Deno.errors.BadResource,
      /^Cannot accept\(\): socket is not listening \(state "open"\)/,
    );
    for (
      const [name, fn] of [
        ["send()", () => s.send(data)],
        ["receive()", () => s.receive(buf)],
        ["shutdown()", () => s.shutdown("write")],
      ] as const
    ) {
      await assertFails(
        fn,
        Deno.errors.NotConnected,
        new RegExp(
          `^Cannot ${
            name.replace("()", "\\(\\)")
          }: socket is not connected \\(state "open"\\)`,
        ),
      );
    }
    await assertFails(
      () => s.sendTo(data, "127.0.0.1:9"),
      Deno.errors.NotSupported,
      /^Cannot sendTo\(\) on a tcp socket: use send\(\)/,
    );
    await assertFails(
      () => s.receiveFrom(buf),
      Deno.errors.NotSupported,
      /^Cannot receiveFrom\(\) on a tcp socket: use receive\(\)/,
    );
    assert.equal(s.state, "open");
  });

  await t.step("bound tcp socket", async () => {
    using s = new Socket();
    s.bind("127.0.0.1:0");
    assert.equal(s.state, "bound");
    await assertFails(
      () => s.bind("127.0.0.1:0"),
      Deno.errors.AlreadyExists,
      /^Cannot bind\(\): socket is already bound \(state "bound"\)/,
    );
    await assertFails(
      () => s.connect("127.0.0.1:9"),
      Deno.errors.NotSupported,
      /^Cannot connect\(\): .*\(state "bound"\)/,
    );
    await assertFails(
      () => s.accept(),
      Deno.errors.BadResource,
      /socket is not listening \(state "bound"\)/,
    );
    await assertFails(
      () => s.send(data),
      Deno.errors.NotConnected,
      /\(state "bound"\)/,
    );
    await assertFails(
      () => s.receive(buf),
      Deno.errors.NotConnected,
      /\(state "bound"\)/,
    );
  });

  await t.step("listening tcp socket", async () => {
    using s = listening();
    await assertFails(
      () => s.bind("127.0.0.1:0"),
      Deno.errors.AlreadyExists,
      /^Cannot bind\(\): socket is already listening \(state "listening"\)/,
    );
    await assertFails(
      () => s.listen(),
      Deno.errors.AlreadyExists,
      /^Cannot listen\(\): socket is already listening/,
    );
    await assertFails(
      () => s.connect("127.0.0.1:9"),
      Deno.errors.AlreadyExists,
      /^Cannot connect\(\): socket is already listening/,
    );
    for (
      const fn of [
        () => s.send(data),
        () => s.receive(buf),
        () => s.shutdown("both"),
      ]
    ) {
      await assertFails(
        fn,
        Deno.errors.NotConnected,
        /socket is not connected \(state "listening"\)/,
      );
    }
  });

  await t.step("connected tcp socket", async () => {
    using p = await pair();
    for (const s of [p.client, p.peer]) {
      await assertFails(
        () => s.bind("127.0.0.1:0"),
        Deno.errors.AlreadyExists,
        /socket is already connected \(state "connected"\)/,
      );
      await assertFails(
        () => s.listen(),
        Deno.errors.AlreadyExists,
        /^Cannot listen\(\): socket is already connected/,
      );
      await assertFails(
        () => s.connect(p.server.localAddr!),
        Deno.errors.AlreadyExists,
        /^Cannot connect\(\): socket is already connected/,
      );
      await assertFails(
        () => s.accept(),
        Deno.errors.BadResource,
        /socket is not listening \(state "connected"\)/,
      );
    }
  });

  await t.step('send() after shutdown("write")', async () => {
    using p = await pair();
    await p.client.shutdown("write");
    await assertFails(
      () => p.client.send(data),
      Deno.errors.BrokenPipe,
      /^Cannot send\(\): socket is shut down for writing/,
    );
  });

  await t.step("udp socket", async () => {
    using s = new Socket({ transport: "udp" });
    await assertFails(
      () => s.sendTo(data, "127.0.0.1:9"),
      Deno.errors.BadResource,
      /^Cannot sendTo\(\): socket is not bound \(state "open"\)/,
    );
    await assertFails(
      () => s.receiveFrom(buf),
      Deno.errors.BadResource,
      /^Cannot receiveFrom\(\): socket is not bound \(state "open"\)/,
    );
    s.bind("127.0.0.1:0");
    await assertFails(
      () => s.bind("127.0.0.1:0"),
      Deno.errors.AlreadyExists,
      /socket is already bound \(state "bound"\)/,
    );
    for (
      const [name, fn] of [
        ["listen", () => s.listen()],
        ["accept", () => s.accept()],
        ["connect", () => s.connect("127.0.0.1:9")],
        ["send", () => s.send(data)],
        ["receive", () => s.receive(buf)],
        ["shutdown", () => s.shutdown("write")],
        ["setNoDelay", () => s.setNoDelay()],
        ["setKeepAlive", () => s.setKeepAlive()],
      ] as const
    ) {
      await assertFails(
        fn,
        Deno.errors.NotSupported,
        new RegExp(`^Cannot ${name}\\(\\) on a udp socket`),
      );
    }
  });

  await t.step("unix socket", async () => {
    using s = new Socket({ transport: "unix" });
    await assertFails(
      () => s.setNoDelay(),
      Deno.errors.NotSupported,
      /^Cannot setNoDelay\(\) on a unix socket/,
    );
    await assertFails(
      () => s.bind({ transport: "tcp", hostname: "127.0.0.1", port: 80 }),
      TypeError,
      /^Cannot bind\(\) a unix socket with address 127.0.0.1:80/,
    );
  });

  await t.step("tcp socket given a unix address", async () => {
    using s = new Socket();
    await assertFails(
      () => s.bind("unix:/tmp/x.sock"),
      TypeError,
      /^Cannot bind\(\) a tcp socket with address unix:\/tmp\/x.sock/,
    );
    await assertFails(
      () => s.connect({ transport: "tcp", hostname: "127.0.0.1", port: 70000 }),
      RangeError,
      /Invalid port 70000/,
    );
    await assertFails(() => s.bind("nope"), TypeError, /"nope": missing port/);
    assert.equal(s.state, "open");
  });

  await t.step("closed socket", async () => {
    for (const transport of ["tcp", "udp", "unix"] as const) {
      const s = new Socket({ transport });
      s.close();
      assert.equal(s.state, "closed");
      const calls: [string, () => unknown][] = [
        ["bind", () => s.bind("127.0.0.1:0")],
        ["listen", () => s.listen()],
        ["accept", () => s.accept()],
        ["connect", () => s.connect("127.0.0.1:9")],
        ["send", () => s.send(data)],
        ["receive", () => s.receive(buf)],
        ["sendTo", () => s.sendTo(data, "127.0.0.1:9")],
        ["receiveFrom", () => s.receiveFrom(buf)],
        ["shutdown", () => s.shutdown("write")],
        ["setNoDelay", () => s.setNoDelay()],
        ["setKeepAlive", () => s.setKeepAlive()],
      ];
      for (const [name, fn] of calls) {
        await assertFails(
          fn,
          Deno.errors.BadResource,
          new RegExp(`^Cannot ${name}\\(\\)(:| on a \\w+ socket:)? ?.*closed`),
        );
      }
    }
  });

  await t.step("closed connected socket", async () => {
    using p = await pair();
    p.client.close();
    await assertFails(
      () => p.client.send(data),
      Deno.errors.BadResource,
      /^Cannot send\(\): socket is closed/,
    );
    await assertFails(
      () => p.client.receive(buf),
      Deno.errors.BadResource,
      /^Cannot receive\(\): socket is closed/,
    );
  });
});

Deno.test("Socket.shutdown() throws TypeError on an unknown direction", async () => {
  using p = await pair();
  await assertFails(
    () => p.client.shutdown("sideways" as "read"),
    TypeError,
    /Invalid shutdown direction "sideways"/,
  );
});

Deno.test("Socket.close() twice is a no-op", async () => {
  using p = await pair();
  for (const s of [p.client, p.peer, p.server]) {
    s.close();
    s.close();
    assert.equal(s.state, "closed");
  }
  const udp = new Socket({ transport: "udp" });
  udp.bind("127.0.0.1:0");
  udp.close();
  udp.close();
});

Deno.test("Socket.close() keeps the last addresses", async () => {
  using p = await pair();
  const local = p.client.localAddr;
  const remote = p.client.remoteAddr;
  p.client.close();
  assert.deepEqual(p.client.localAddr, local);
  assert.deepEqual(p.client.remoteAddr, remote);
});

// --- TCP lifecycle ------------------------------------------------------------

Deno.test("Socket runs the full TCP lifecycle on loopback", async () => {
  const server = new Socket({ transport: "tcp" });
  assert.equal(server.state, "open");
  server.bind("127.0.0.1:0");
  assert.equal(server.state, "bound");
  assert.deepEqual(server.localAddr, {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 0,
  });
  server.listen();
  assert.equal(server.state, "listening");
  const addr = server.localAddr as Deno.NetAddr;
  assert.equal(addr.hostname, "127.0.0.1");
  assert.ok(addr.port > 0, "listen() shows the port the OS picked");

  const client = new Socket();
  const accepting = server.accept();
  await client.connect(formatAddr(addr));
  const peer = await accepting;
  assert.equal(client.state, "connected");
  assert.equal(peer.state, "connected");
  assert.equal(peer.transport, "tcp");
  assert.deepEqual(client.remoteAddr, addr);
  assert.deepEqual(peer.localAddr, addr);
  assert.deepEqual(peer.remoteAddr, client.localAddr);

  assert.equal(await client.send(encoder.encode("hello")), 5);
  const buf = new Uint8Array(16);
  const n = await peer.receive(buf);
  assert.equal(decoder.decode(buf.subarray(0, n!)), "hello");

  assert.equal(await peer.send(encoder.encode("world")), 5);
  await peer.shutdown("write");
  assert.equal(decoder.decode(await receiveAll(client)), "world");

  await client.shutdown("write");
  assert.equal(await peer.receive(buf), null);

  client.close();
  peer.close();
  server.close();
  for (const s of [client, peer, server]) assert.equal(s.state, "closed");
});

Deno.test('Socket.shutdown("write") half-closes both directions', async (t) => {
  await t.step("client writes, shuts down, then reads the reply", async () => {
    using p = await pair();
    await p.client.send(encoder.encode("request"));
    await p.client.shutdown("write");
    assert.equal(decoder.decode(await receiveAll(p.peer)), "request");
    await p.peer.send(encoder.encode("reply after EOF"));
    await p.peer.shutdown("write");
    assert.equal(decoder.decode(await receiveAll(p.client)), "reply after EOF");
  });
  await t.step("server shuts down first, then reads", async () => {
    using p = await pair();
    await p.peer.shutdown("write");
    assert.equal(await p.client.receive(new Uint8Array(4)), null);
    await p.client.send(encoder.encode("late"));
    await p.client.shutdown("write");
    assert.equal(decoder.decode(await receiveAll(p.peer)), "late");
  });
  await t.step('shutdown("write") twice is a no-op', async () => {
    using p = await pair();
    await p.client.shutdown("write");
    await p.client.shutdown("write");
    assert.equal(p.client.state, "connected");
  });
});

Deno.test('Socket.shutdown("read") makes receive() return null', async () => {
  using p = await pair();
  await p.peer.send(encoder.encode("ignored"));
  await p.client.shutdown("read");
  assert.equal(await p.client.receive(new Uint8Array(16)), null);
  await p.client.send(encoder.encode("still writable"));
  await p.client.shutdown("both");
  assert.equal(decoder.decode(await receiveAll(p.peer)), "still writable");
});

Deno.test("Socket.send() writes every byte of a large buffer", async () => {
  using p = await pair();
  const size = 8 * 1024 * 1024;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) {
    crypto.getRandomValues(data.subarray(i, i + 4096));
  }
  const [sent, received] = await Promise.all([
    p.client.send(data).then(async (n) => {
      await p.client.shutdown("write");
      return n;
    }),
    receiveAll(p.peer),
  ]);
  assert.equal(sent, size);
  assert.equal(received.byteLength, size);
  assert.ok(received.every((b, i) => b === data[i]), "bytes arrive intact");
});

Deno.test("Socket.receive() returns null when the peer closes", async () => {
  using p = await pair();
  p.peer.close();
  assert.equal(await p.client.receive(new Uint8Array(4)), null);
});

Deno.test("Socket.setNoDelay() and setKeepAlive() apply before and after connect", async () => {
  const server = new Socket();
  server.setNoDelay(true);
  server.setKeepAlive(true);
  server.bind("127.0.0.1:0");
  server.listen();
  const client = new Socket();
  client.setNoDelay(false);
  client.setKeepAlive(true);
  const [peer] = await Promise.all([
    server.accept(),
    client.connect(server.localAddr!),
  ]);
  client.setNoDelay(true);
  client.setKeepAlive(false);
  peer.setNoDelay(false);
  assert.equal(await client.send(new Uint8Array([1])), 1);
  assert.equal(await peer.receive(new Uint8Array(1)), 1);
  peer.close();
  client.close();
  server.close();
});

Deno.test("Socket with reusePort lets two sockets listen on one port", () => {
  using a = new Socket({ reusePort: true });
  a.bind("127.0.0.1:0");
  a.listen();
  using b = new Socket({ reusePort: true });
  b.bind(a.localAddr!);
  b.listen();
  assert.deepEqual(b.localAddr, a.localAddr);
});

Deno.test("Socket.listen() throws AddrInUse naming the address", async () => {
  using a = listening();
  const text = formatAddr(a.localAddr!);
  using b = new Socket();
  b.bind(text);
  await assertFails(
    () => b.listen(),
    Deno.errors.AddrInUse,
    new RegExp(`^Cannot listen on ${text}: `),
  );
  assert.equal(b.state, "bound");
});

// --- accept ---------------------------------------------------------------

Deno.test("Socket.accept() rejects with BadResource when closed while waiting", async () => {
  const server = listening();
  const accepting = server.accept();
  server.close();
  await assertFails(
    () => accepting,
    Deno.errors.BadResource,
    /^Cannot accept\(\): socket was closed/,
  );
});

Deno.test("Socket.accept() rejects with signal.reason and keeps listening", async (t) => {
  await t.step("already aborted", async () => {
    using server = listening();
    const reason = new Error("stop");
    await assertFails(
      () => server.accept({ signal: AbortSignal.abort(reason) }),
      Error,
      /^stop$/,
    );
    assert.equal(server.state, "listening");
  });
  await t.step("aborted while waiting, then accept() again", async () => {
    await using server = listening();
    const controller = new AbortController();
    const accepting = server.accept({ signal: controller.signal });
    controller.abort(new DOMException("gave up", "AbortError"));
    await assertFails(() => accepting, DOMException, /gave up/);
    assert.equal(server.state, "listening");
    using client = new Socket();
    const [peer] = await Promise.all([
      server.accept(),
      client.connect(server.localAddr!),
    ]);
    using _peer = peer;
    assert.deepEqual(peer.remoteAddr, client.localAddr);
  });
  await t.step("aborted while waiting, then closed", async () => {
    await using server = listening();
    const controller = new AbortController();
    const accepting = server.accept({ signal: controller.signal });
    controller.abort();
    await assertFails(() => accepting, DOMException, /aborted/);
  });
});

Deno.test("Socket.accept() throws Busy while another accept() waits", async () => {
  using server = listening();
  const first = server.accept();
  await assertFails(
    () => server.accept(),
    Deno.errors.Busy,
    /^Cannot accept\(\): another accept\(\) is waiting/,
  );
  server.close();
  await assertFails(() => first, Deno.errors.BadResource, /closed/);
});

// --- connect ----------------------------------------------------------------

Deno.test("Socket.connect() rejects with ConnectionRefused naming the address", async () => {
  const port = freePort();
  using s = new Socket();
  await assertFails(
    () => s.connect(`127.0.0.1:${port}`),
    Deno.errors.ConnectionRefused,
    new RegExp(
      `^Cannot connect to 127\\.0\\.0\\.1:${port}: connection refused$`,
    ),
  );
  assert.equal(s.state, "open", "a failed connect() leaves the socket open");
});

Deno.test("Socket.connect() rejects with signal.reason when aborted", async (t) => {
  await t.step("already aborted", async () => {
    using server = listening();
    using s = new Socket();
    await assertFails(
      () =>
        s.connect(server.localAddr!, {
          signal: AbortSignal.abort(new Error("no")),
        }),
      Error,
      /^no$/,
    );
    assert.equal(s.state, "open");
  });
  await t.step("closed while connecting", async () => {
    using server = listening();
    const s = new Socket();
    const connecting = s.connect(server.localAddr!);
    s.close();
    await assertFails(
      () => connecting,
      Deno.errors.BadResource,
      /socket was closed/,
    );
  });
});

Deno.test("Socket.connect() throws Busy while another connect() is in progress", async () => {
  using server = listening();
  using s = new Socket();
  const first = s.connect(server.localAddr!);
  await assertFails(
    () => s.connect(server.localAddr!),
    Deno.errors.Busy,
    /another connect\(\) is in progress/,
  );
  await first;
  using _peer = await server.accept();
});

Deno.test("Socket.connect() throws RangeError on a negative timeout", async () => {
  using s = new Socket();
  await assertFails(
    () => s.connect("127.0.0.1:9", { timeout: -1 }),
    RangeError,
    /Invalid connect timeout -1/,
  );
});

Deno.test("Socket.connect() rejects with TimedOut naming the address", async () => {
  // A loopback listener with backlog 0 that never accepts: once its accept
  // queue is full, Linux drops further SYNs, so connect() hangs on loopback.
  const python = new Deno.Command("python3", {
    args: [
      "-c",
      `import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
print(s.getsockname()[1], flush=True)
sys.stdin.read()`,
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const fillers: Socket[] = [];
  try {
    const reader = python.stdout.getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      line += decoder.decode(value);
    }
    reader.releaseLock();
    await python.stdout.cancel();
    const addr = `127.0.0.1:${Number(line.trim())}`;
    let timedOut: Error | undefined;
    for (let i = 0; i < 16 && !timedOut; i++) {
      const s = new Socket();
      fillers.push(s);
      try {
        await s.connect(addr, { timeout: 300 });
      } catch (err) {
        if (!(err instanceof Deno.errors.TimedOut)) throw err;
        timedOut = err;
        assert.equal(s.state, "open");
      }
    }
    assert.ok(timedOut, "a connect() to a full backlog times out");
    assert.equal(
      timedOut.message,
      `Cannot connect to ${addr}: timed out after 300 ms`,
    );
  } finally {
    for (const s of fillers) s.close();
    await python.stdin.close();
    await python.status;
  }
});

// --- UDP --------------------------------------------------------------------

Deno.test("Socket.sendTo() and receiveFrom() exchange datagrams with addresses", async () => {
  using a = new Socket({ transport: "udp" });
  using b = new Socket({ transport: "udp" });
  a.bind("127.0.0.1:0");
  b.bind({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  assert.equal(a.state, "bound");
  const aAddr = a.localAddr as Deno.NetAddr;
  const bAddr = b.localAddr as Deno.NetAddr;
  assert.equal(aAddr.transport, "udp");
  assert.ok(aAddr.port > 0 && bAddr.port > 0);

  assert.equal(await a.sendTo(encoder.encode("ping"), formatAddr(bAddr)), 4);
  const buf = new Uint8Array(64);
  const got = await b.receiveFrom(buf);
  assert.equal(decoder.decode(buf.subarray(0, got.bytesRead)), "ping");
  assert.deepEqual(got.remoteAddr, aAddr);

  assert.equal(await b.sendTo(encoder.encode("pong"), got.remoteAddr), 4);
  const back = await a.receiveFrom(buf);
  assert.equal(decoder.decode(buf.subarray(0, back.bytesRead)), "pong");
  assert.deepEqual(back.remoteAddr, bAddr);
});

Deno.test("Socket.receiveFrom() truncates a datagram to the buffer", async () => {
  using a = new Socket({ transport: "udp" });
  using b = new Socket({ transport: "udp" });
  a.bind("127.0.0.1:0");
  b.bind("127.0.0.1:0");
  await a.sendTo(encoder.encode("abcdef"), b.localAddr as Deno.NetAddr);
  await a.sendTo(encoder.encode("xy"), b.localAddr as Deno.NetAddr);
  const buf = new Uint8Array(3);
  const first = await b.receiveFrom(buf);
  assert.equal(decoder.decode(buf.subarray(0, first.bytesRead)), "abc");
  const second = await b.receiveFrom(buf);
  assert.equal(decoder.decode(buf.subarray(0, second.bytesRead)), "xy");
});

Deno.test("Socket.receiveFrom() rejects with BadResource when closed while waiting", async () => {
  const s = new Socket({ transport: "udp" });
  s.bind("127.0.0.1:0");
  const receiving = s.receiveFrom(new Uint8Array(8));
  s.close();
  await assertFails(
    () => receiving,
    Deno.errors.BadResource,
    /^Cannot receiveFrom\(\): socket was closed/,
  );
});

Deno.test("Socket.bind() with reusePort lets two UDP sockets share a port", () => {
  using a = new Socket({ transport: "udp", reusePort: true });
  a.bind("127.0.0.1:0");
  using b = new Socket({ transport: "udp", reusePort: true });
  b.bind(a.localAddr!);
  assert.deepEqual(b.localAddr, a.localAddr);
});

// --- receive while closing ----------------------------------------------------

Deno.test("Socket.receive() rejects with BadResource when closed while waiting", async () => {
  using p = await pair();
  const receiving = p.client.receive(new Uint8Array(8));
  p.client.close();
  await assertFails(
    () => receiving,
    Deno.errors.BadResource,
    /^Cannot receive\(\): socket was closed/,
  );
});

// --- unix -----------------------------------------------------------------

Deno.test("Socket runs the unix socket lifecycle", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.sock`;
    {
      using server = new Socket({ transport: "unix" });
      server.bind(path); // a bare path works for a unix socket
      assert.deepEqual(server.localAddr, { transport: "unix", path });
      server.listen();
      assert.equal(server.state, "listening");
      assert.deepEqual(server.localAddr, { transport: "unix", path });

      using client = new Socket({ transport: "unix" });
      const [peer] = await Promise.all([
        server.accept(),
        client.connect(`unix:${path}`),
      ]);
      using _peer = peer;
      assert.equal(peer.transport, "unix");
      assert.deepEqual(client.remoteAddr, { transport: "unix", path });
      await client.send(encoder.encode("over unix"));
      await client.shutdown("write");
      assert.equal(decoder.decode(await receiveAll(peer)), "over unix");
      await peer.send(encoder.encode("back"));
      peer.close();
      assert.equal(decoder.decode(await receiveAll(client)), "back");
    }
    // Deno removes the socket file when the listener closes.
    await assertFails(() => Deno.stat(path), Deno.errors.NotFound, /./);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Socket.listen() on a unix path that exists throws AddrInUse", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.sock`;
    using first = listening("unix", path);
    using second = new Socket({ transport: "unix" });
    second.bind({ transport: "unix", path });
    await assertFails(
      () => second.listen(),
      Deno.errors.AddrInUse,
      new RegExp(`^Cannot listen on unix:${dir}/s\\.sock: `),
    );
    first.close();
    await Deno.writeTextFile(path, "stale");
    using third = new Socket({ transport: "unix" });
    third.bind(path);
    await assertFails(() => third.listen(), Deno.errors.AddrInUse, /./);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Socket.connect() on a unix socket with no file rejects with NotFound", async () => {
  const dir = await Deno.makeTempDir();
  try {
    using s = new Socket({ transport: "unix" });
    await assertFails(
      () => s.connect(`${dir}/missing.sock`),
      Deno.errors.NotFound,
      new RegExp(`^Cannot connect to unix:${dir}/missing\\.sock: `),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- IPv6 -----------------------------------------------------------------

Deno.test({
  name: "Socket works over IPv6 loopback",
  ignore: !hasIPv6(),
  async fn() {
    using p = await pair("tcp", "[::1]:0");
    const addr = p.server.localAddr as Deno.NetAddr;
    assert.equal(addr.hostname, "::1");
    assert.match(formatAddr(addr), /^\[::1\]:\d+$/);
    await p.client.send(encoder.encode("v6"));
    const buf = new Uint8Array(4);
    const n = await p.peer.receive(buf);
    assert.equal(decoder.decode(buf.subarray(0, n!)), "v6");

    using a = new Socket({ transport: "udp" });
    using b = new Socket({ transport: "udp" });
    a.bind("[::1]:0");
    b.bind("[::1]:0");
    await a.sendTo(encoder.encode("d6"), formatAddr(b.localAddr!));
    const got = await b.receiveFrom(buf);
    assert.equal(decoder.decode(buf.subarray(0, got.bytesRead)), "d6");
    assert.deepEqual(got.remoteAddr, a.localAddr);
  },
});

// --- dispose --------------------------------------------------------------

Deno.test("Socket closes with using and await using", async () => {
  let outer: Socket;
  {
    await using server = listening();
    outer = server;
    using client = new Socket();
    const accepting = server.accept();
    await client.connect(server.localAddr!);
    using _peer = await accepting;
  }
  assert.equal(outer.state, "closed");
});
