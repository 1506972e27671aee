// Copyright the socketkit authors. MIT license.
import assert from "node:assert/strict";
import {
  BufferFullError,
  connect,
  listen,
  listenDatagram,
  type TCPConnection,
  type UnexpectedEofError,
} from "../mod.ts";
import { bytes, delay, staleUnixSocket, tcpPair, text } from "./_util.ts";

/** Writes `parts` as separate TCP segments (a pause between them). */
async function segments(conn: TCPConnection, ...parts: string[]) {
  for (const part of parts) {
    await conn.write(part);
    await delay(15);
  }
}

Deno.test("connect() and accept() exchange bytes both ways with addresses", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  assert.deepEqual(client.remoteAddr, server.localAddr);
  assert.deepEqual(server.remoteAddr, client.localAddr);
  assert.equal(await client.write("ping"), 4);
  assert.equal(text(await server.readExactly(4)), "ping");
  await server.write(bytes("pong"));
  const buf = new Uint8Array(16);
  const n = await client.read(buf);
  assert.equal(text(buf.subarray(0, n!)), "pong");
  assert.equal(client.bytesWritten, 4);
  assert.equal(client.bytesRead, 4);
  assert.equal(server.bytesRead, 4);
});

Deno.test("connect() accepts host:port strings and option objects", async () => {
  using listener = listen("127.0.0.1:0");
  const port = (listener.addr as Deno.NetAddr).port;
  for (const addr of [`127.0.0.1:${port}`, { hostname: "127.0.0.1", port }]) {
    const accepted = listener.accept();
    using conn = await connect(addr);
    using _ = await accepted;
    assert.equal((conn.remoteAddr as Deno.NetAddr).port, port);
  }
});

Deno.test("readLine() handles LF, CRLF and a line split across segments", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  const writing = segments(client, "one\r\ntw", "o\n", "thr", "ee\r", "\nlast");
  assert.equal(await server.readLine(), "one");
  assert.equal(await server.readLine(), "two");
  assert.equal(await server.readLine(), "three");
  await writing;
  await client.closeWrite();
  assert.equal(await server.readLine(), "last");
  assert.equal(await server.readLine(), null);
});

Deno.test("readUntil() finds a delimiter split across two segments", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  const writing = segments(client, "head\r\n\r", "\nbody");
  const head = await server.readUntil("\r\n\r\n");
  assert.equal(text(head!), "head\r\n\r\n");
  await writing;
  assert.equal(text(await server.readExactly(4)), "body");
});

Deno.test("readUntil() throws UnexpectedEof with the partial bytes, then returns null", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write("no delimiter");
  await client.closeWrite();
  const error = await server.readUntil("|").catch((e) => e);
  assert.ok(error instanceof Deno.errors.UnexpectedEof);
  assert.equal(
    text((error as UnexpectedEofError).partial),
    "no delimiter",
  );
  assert.equal(await server.readUntil("|"), null);
});

Deno.test("readLine() over maxBytes throws BufferFullError and the connection stays usable", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write("0123456789abcdef\nnext\n");
  const error = await server.readLine({ maxBytes: 10 }).catch((e) => e);
  assert.ok(error instanceof BufferFullError);
  assert.equal(error.limit, 10);
  assert.equal(text(error.partial), "0123456789");
  assert.match(error.message, /10 bytes/);
  assert.equal(await server.readLine(), "abcdef");
  assert.equal(await server.readLine({ maxBytes: 5 }), "next");
});

Deno.test("readExactly() collects bytes across segments", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  const writing = segments(client, "ab", "cd", "efgh");
  assert.equal(text(await server.readExactly(3)), "abc");
  assert.equal(text(await server.readExactly(5)), "defgh");
  await writing;
  assert.equal((await server.readExactly(0)).length, 0);
});

Deno.test("readExactly() at EOF throws UnexpectedEof carrying the bytes that arrived", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write("abc");
  await client.closeWrite();
  const error = await server.readExactly(10).catch((e) => e);
  assert.ok(error instanceof Deno.errors.UnexpectedEof);
  assert.match(error.message, /3 of 10 bytes/);
  assert.equal(text((error as UnexpectedEofError).partial), "abc");
  await assert.rejects(server.readExactly(-1), RangeError);
});

Deno.test("readUint8/16/32/BigUint64() read network byte order across segments", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  const data = new Uint8Array([
    0xfe,
    0x12,
    0x34,
    0xde,
    0xad,
    0xbe,
    0xef,
    0x01,
    0x02,
    0x03,
    0x04,
    0x05,
    0x06,
    0x07,
    0xff,
  ]);
  const writing = (async () => {
    for (let i = 0; i < data.length; i += 2) {
      await client.write(data.subarray(i, i + 2));
      await delay(5);
    }
  })();
  assert.equal(await server.readUint8(), 0xfe);
  assert.equal(await server.readUint16(), 0x1234);
  assert.equal(await server.readUint32(), 0xdeadbeef);
  assert.equal(await server.readBigUint64(), 0x01020304050607ffn);
  await writing;
  await client.closeWrite();
  await assert.rejects(server.readUint16(), Deno.errors.UnexpectedEof);
});

Deno.test("TCPConnection.write() made while closeWrite() waits for earlier writes rejects with BrokenPipe", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  // Big enough that the first write is still pending when closeWrite() starts.
  const big = new Uint8Array(8 * 1024 * 1024);
  const first = client.write(big);
  const shutting = client.closeWrite();
  const late = client.write("x");
  const received = server.readAll({ maxBytes: 16 * 1024 * 1024 });
  await assert.rejects(late, Deno.errors.BrokenPipe);
  assert.equal(await first, big.length);
  await shutting;
  assert.equal((await received).length, big.length);
});

Deno.test("read methods share one buffer and can be mixed", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write("LINE\r\n\x00\x05hello");
  await client.closeWrite();
  assert.equal(await server.readLine(), "LINE");
  const length = await server.readUint16();
  const buf = new Uint8Array(2);
  assert.equal(await server.read(buf), 2);
  assert.equal(text(buf), "he");
  assert.equal(text(await server.readAll()), "llo");
  assert.equal(length, 5);
  assert.equal(await server.read(buf), null);
});

Deno.test("readAll() stops at maxBytes with BufferFullError", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write(new Uint8Array(100));
  await client.closeWrite();
  const error = await server.readAll({ maxBytes: 64 }).catch((e) => e);
  assert.ok(error instanceof BufferFullError);
  assert.equal(error.partial.length, 64);
});

Deno.test("closeWrite() half-closes in both directions", async (t) => {
  await t.step("client half-closes, server still answers", async () => {
    await using pair = await tcpPair();
    const { client, server } = pair;
    await client.write("question");
    await client.closeWrite();
    assert.equal(text(await server.readAll()), "question");
    await server.write("answer");
    await server.closeWrite();
    assert.equal(text(await client.readAll()), "answer");
  });
  await t.step("server half-closes, client still sends", async () => {
    await using pair = await tcpPair();
    const { client, server } = pair;
    await server.write("banner");
    await server.closeWrite();
    assert.equal(text(await client.readAll()), "banner");
    await client.write("late");
    await client.closeWrite();
    assert.equal(text(await server.readAll()), "late");
  });
});

Deno.test("write() sends all of a large buffer, in order with concurrent writes", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  const big = new Uint8Array(8 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  const reading = server.readAll({ maxBytes: big.length + 10 });
  const writes = [client.write(big), client.write("tail")];
  assert.deepEqual(await Promise.all(writes), [big.length, 4]);
  await client.closeWrite();
  const got = await reading;
  assert.equal(got.length, big.length + 4);
  assert.deepEqual(got.subarray(0, big.length), big);
  assert.equal(text(got.subarray(big.length)), "tail");
});

Deno.test("connect() rejects with ConnectionRefused naming the address", async () => {
  const listener = listen("127.0.0.1:0");
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const error = await connect(`127.0.0.1:${port}`).catch((e) => e);
  assert.ok(error instanceof Deno.errors.ConnectionRefused);
  assert.equal(
    error.message,
    `Cannot connect to 127.0.0.1:${port}: connection refused`,
  );
});

Deno.test("connect() with a timeout rejects with TimedOut when the peer's backlog is full", async () => {
  // python3 listens with backlog 0 and never accepts: after the queue fills,
  // Linux drops SYNs and connect() hangs, all on loopback.
  const child = new Deno.Command("python3", {
    args: [
      "-c",
      "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\n" +
      "print(s.getsockname()[1],flush=True)\nsys.stdin.read()",
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const port = Number(text((await reader.read()).value!).trim());
  reader.releaseLock();
  const opened: TCPConnection[] = [];
  try {
    let error: unknown;
    for (let i = 0; i < 8 && error === undefined; i++) {
      try {
        opened.push(
          await connect({ hostname: "127.0.0.1", port, timeout: 300 }),
        );
      } catch (e) {
        error = e;
      }
    }
    assert.ok(error instanceof Deno.errors.TimedOut, String(error));
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}.*300 ms`));
  } finally {
    for (const conn of opened) conn.close();
    await child.stdin.close();
    await child.stdout.cancel();
    await child.status;
  }
});

Deno.test("connect() rejects with the signal's reason when aborted", async () => {
  using listener = listen("127.0.0.1:0");
  const error = await connect(listener.addr, { signal: AbortSignal.abort() })
    .catch((e) => e);
  assert.equal(error.name, "AbortError");
});

Deno.test("read() times out with TimedOut and a later read gets the data", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  server.readTimeout = 50;
  const error = await server.readLine().catch((e) => e);
  assert.ok(error instanceof Deno.errors.TimedOut);
  assert.match(error.message, /timed out after 50 ms/);
  await client.write("late\n");
  assert.equal(await server.readLine(), "late");
  server.readTimeout = undefined;
  await client.write("x");
  const buf = new Uint8Array(4);
  assert.equal(await server.read(buf), 1);
});

Deno.test("read() aborted by a signal rejects with its reason and the connection stays usable", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  const controller = new AbortController();
  const pending = server.readExactly(3, { signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(pending, { message: "stop" });
  await client.write("abc");
  assert.equal(text(await server.readExactly(3)), "abc");
  await assert.rejects(
    server.read(new Uint8Array(1), { signal: AbortSignal.abort() }),
    { name: "AbortError" },
  );
});

Deno.test("write() with a writeTimeout rejects with TimedOut and closes when the peer does not read", async () => {
  await using pair = await tcpPair({ writeTimeout: 100 });
  const { client } = pair;
  const error = await client.write(new Uint8Array(64 * 1024 * 1024)).catch((
    e,
  ) => e);
  assert.ok(error instanceof Deno.errors.TimedOut);
  assert.ok(client.closed);
});

Deno.test("close() is idempotent and later calls reject with BadResource", async () => {
  await using pair = await tcpPair();
  const { client } = pair;
  client.close();
  client.close();
  await assert.rejects(client.write("x"), Deno.errors.BadResource);
  await assert.rejects(client.readLine(), Deno.errors.BadResource);
});

Deno.test("close() during a pending read rejects it with BadResource", async () => {
  await using pair = await tcpPair();
  const { server } = pair;
  const pending = server.readLine();
  await delay(10);
  server.close();
  await assert.rejects(pending, Deno.errors.BadResource);
});

Deno.test("readable and writable streams keep half-close working", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write("pre");
  const writer = client.writable.getWriter();
  await writer.write(bytes("-streamed"));
  await writer.close(); // half-close, not close
  const got = await new Response(server.readable).text();
  assert.equal(got, "pre-streamed");
  assert.ok(!client.closed && !server.closed);
  await server.write("reply");
  await server.closeWrite();
  assert.equal(text(await client.readAll()), "reply");
});

Deno.test("a cancelled readable leaves the connection open", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write("a");
  const reader = server.readable.getReader();
  assert.equal(text((await reader.read()).value!), "a");
  await reader.cancel();
  await client.write("b\n");
  assert.equal(await server.readLine(), "b");
});

Deno.test("async iteration over a connection yields chunks until EOF", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write("x".repeat(1000));
  await client.closeWrite();
  let total = 0;
  for await (const chunk of server) total += chunk.length;
  assert.equal(total, 1000);
});

Deno.test("unread() puts bytes back in front of the buffer", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write("world\n");
  const chunk = await server.readChunk();
  server.unread(chunk!);
  server.unread(bytes("hello "));
  assert.equal(await server.readLine(), "hello world");
});

Deno.test("Listener serves 200 concurrent clients", async () => {
  using listener = listen("127.0.0.1:0");
  const serving = (async () => {
    const tasks: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const conn = await listener.accept();
      tasks.push((async () => {
        await using c = conn;
        const line = await c.readLine();
        await c.write(`${line}!\n`);
      })());
    }
    await Promise.all(tasks);
  })();
  const replies = await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      await using conn = await connect(listener.addr);
      await conn.write(`client ${i}\n`);
      return await conn.readLine();
    }),
  );
  await serving;
  replies.forEach((reply, i) => assert.equal(reply, `client ${i}!`));
});

Deno.test("Listener.close() ends the accept loop cleanly", async () => {
  const listener = listen("127.0.0.1:0");
  let accepted = 0;
  const loop = (async () => {
    for await (const conn of listener) {
      accepted++;
      conn.close();
    }
  })();
  (await connect(listener.addr)).close();
  await delay(20);
  listener.close();
  await loop;
  assert.equal(accepted, 1);
  await assert.rejects(listener.accept(), Deno.errors.BadResource);
  listener.close();
});

Deno.test("Listener.close() with an accept under way: the accept rejects, and await using resolves, once a unix socket's file is gone", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/l.sock`;
  try {
    for (let i = 0; i < 3; i++) {
      const listener = listen({ transport: "unix", path });
      const pending = listener.accept();
      pending.catch(() => {});
      listener.close();
      await assert.rejects(pending, Deno.errors.BadResource);
      assert.throws(() => Deno.lstatSync(path), Deno.errors.NotFound);
    }
    {
      await using listener = listen({ transport: "unix", path });
      listener.accept().catch(() => {});
    }
    assert.throws(() => Deno.lstatSync(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Listener.accept() aborted by a signal leaves the listener usable", async () => {
  using listener = listen("127.0.0.1:0");
  const controller = new AbortController();
  const pending = listener.accept({ signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, { name: "AbortError" });
  using client = await connect(listener.addr);
  using server = await listener.accept({
    signal: AbortSignal.timeout(2_000),
  });
  assert.deepEqual(server.remoteAddr, client.localAddr);
});

Deno.test("Listener.accept() rejects with TimeoutError for AbortSignal.timeout", async () => {
  using listener = listen("127.0.0.1:0");
  await assert.rejects(
    listener.accept({ signal: AbortSignal.timeout(30) }),
    { name: "TimeoutError" },
  );
});

Deno.test("listen() on a taken port throws AddrInUse naming the address", () => {
  using listener = listen("127.0.0.1:0");
  const port = (listener.addr as Deno.NetAddr).port;
  assert.throws(() => listen(`127.0.0.1:${port}`), {
    name: "AddrInUse",
    message: `Cannot listen on 127.0.0.1:${port}: address already in use`,
  });
});

Deno.test("listen() with reusePort lets two listeners share a port", () => {
  using a = listen({ hostname: "127.0.0.1", port: 0, reusePort: true });
  const port = (a.addr as Deno.NetAddr).port;
  using b = listen({ hostname: "127.0.0.1", port, reusePort: true });
  assert.equal((b.addr as Deno.NetAddr).port, port);
});

Deno.test("unix socket listener and connection echo, and the file is removed on close", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/echo.sock`;
  try {
    const listener = listen(`unix:${path}`);
    const serving = (async () => {
      await using conn = await listener.accept();
      await conn.write(await conn.readAll());
    })();
    {
      await using conn = await connect({ transport: "unix", path });
      await conn.write("over unix");
      await conn.closeWrite();
      assert.equal(text(await conn.readAll()), "over unix");
    }
    await serving;
    listener.close();
    await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("listen() on a stale unix socket file needs removeExisting", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/stale.sock`;
  try {
    // A socket file nobody listens on, as a crashed server leaves.
    await staleUnixSocket(path);
    assert.throws(() => listen({ transport: "unix", path }), {
      name: "AddrInUse",
    });
    using listener = listen({ transport: "unix", path, removeExisting: true });
    assert.equal((listener.addr as Deno.UnixAddr).path, path);
    await Deno.writeTextFile(`${dir}/plain`, "x");
    assert.throws(
      () =>
        listen({
          transport: "unix",
          path: `${dir}/plain`,
          removeExisting: true,
        }),
      { name: "AlreadyExists" },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UDPConnection sends and receives datagrams with addresses", async () => {
  using a = listenDatagram("127.0.0.1:0");
  using b = listenDatagram({
    hostname: "127.0.0.1",
    port: 0,
    remote: a.localAddr,
  });
  assert.equal(await b.send("hello"), 5);
  const first = await a.receive({ signal: AbortSignal.timeout(2_000) });
  assert.equal(text(first.data), "hello");
  assert.deepEqual(first.remoteAddr, b.localAddr);
  await a.send(bytes("back"), first.remoteAddr);
  const reply = await b.receive({ signal: AbortSignal.timeout(2_000) });
  assert.equal(text(reply.data), "back");
  assert.equal(reply.remoteAddr.port, a.localAddr.port);
  await assert.rejects(a.send("x"), TypeError);
});

Deno.test("UDPConnection iteration ends on close and an aborted receive keeps its datagram", async () => {
  using udp = listenDatagram("127.0.0.1:0");
  const controller = new AbortController();
  const pending = udp.receive({ signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, { name: "AbortError" });
  await udp.send("kept", udp.localAddr);
  const got: string[] = [];
  for await (const { data } of udp) {
    got.push(text(data));
    udp.close();
  }
  assert.deepEqual(got, ["kept"]);
  await assert.rejects(udp.receive(), Deno.errors.BadResource);
});

Deno.test("IPv6 loopback works when the machine has ::1", async () => {
  let listener;
  try {
    listener = listen("[::1]:0");
  } catch {
    return; // no IPv6 loopback here
  }
  using l = listener;
  const accepted = l.accept();
  using conn = await connect(l.addr);
  using server = await accepted;
  await conn.write("v6\n");
  assert.equal(await server.readLine(), "v6");
  assert.equal((conn.remoteAddr as Deno.NetAddr).hostname, "::1");
});

Deno.test("listenDatagram() without --unstable-net says which flag to add", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const url = new URL("../mod.ts", import.meta.url).href;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--no-config",
        `import { listenDatagram } from "${url}"; listenDatagram("127.0.0.1:0");`,
      ],
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.notEqual(code, 0);
    const message = text(stderr);
    assert.match(message, /NotSupported/);
    assert.match(message, /--unstable-net/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Listener.close() closes a connection that arrived after its accept() was aborted", async () => {
  const listener = listen("127.0.0.1:0");
  const controller = new AbortController();
  const pending = listener.accept({ signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, { name: "AbortError" });
  using client = await connect(listener.addr, { readTimeout: 2_000 });
  await delay(30);
  listener.close();
  assert.equal(await client.read(new Uint8Array(1)), null);
});

Deno.test("Listener.accept() can be awaited by several callers at once", async () => {
  using listener = listen("127.0.0.1:0");
  const accepts = [listener.accept(), listener.accept(), listener.accept()];
  const clients = await Promise.all(accepts.map(() => connect(listener.addr)));
  const servers = await Promise.all(accepts);
  assert.equal(servers.length, 3);
  for (const conn of [...clients, ...servers]) conn.close();
});

Deno.test("write() with an aborted signal sends nothing and leaves the connection open", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await assert.rejects(
    client.write("secret\n", { signal: AbortSignal.abort() }),
    {
      name: "AbortError",
    },
  );
  assert.ok(!client.closed);
  await client.write("public\n");
  assert.equal(await server.readLine(), "public");
});

Deno.test("write() after closeWrite() rejects with BrokenPipe naming the peer", async () => {
  await using pair = await tcpPair();
  const { client } = pair;
  await client.closeWrite();
  await client.closeWrite();
  await assert.rejects(client.write("x"), {
    name: "BrokenPipe",
    message: /127\.0\.0\.1:\d+ is shut down for writing/,
  });
});

Deno.test("readTimeout bounds a whole readLine() even when bytes trickle in", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  server.readTimeout = 150;
  // The peer sends a byte every 20 ms for up to 4 s (bounded), never a
  // line end: a timeout per read would never fire while it sends.
  let sent = 0;
  let stop = false;
  const trickle = (async () => {
    for (; sent < 200 && !stop && !client.closed; sent++) {
      await client.write("x").catch(() => {});
      await delay(20);
    }
  })();
  await assert.rejects(server.readLine(), Deno.errors.TimedOut);
  const atTimeout = sent;
  stop = true;
  await trickle;
  assert.ok(atTimeout < 200, "the read timed out only after the peer stopped");
});

Deno.test("a readable cancelled during a pending read returns its bytes to the buffer", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  const reader = client.readable.getReader();
  const pending = reader.read();
  await delay(20);
  await reader.cancel();
  await pending;
  await server.write("hello\n");
  client.readTimeout = 2_000;
  assert.equal(await client.readLine(), "hello");
});

Deno.test("bad options throw before any socket is opened", async (t) => {
  for (
    const [kind, readTimeout, expected] of [
      ["negative", -1, RangeError],
      ["string", "10", {
        name: "RangeError",
        message:
          'readTimeout must be a number of milliseconds, got string "10"',
      }],
    ] as const
  ) {
    await t.step(`connect() with a ${kind} readTimeout`, async () => {
      using listener = listen("127.0.0.1:0");
      await assert.rejects(
        connect(listener.addr, { readTimeout: readTimeout as number }),
        expected,
      );
      await assert.rejects(
        listener.accept({ signal: AbortSignal.timeout(50) }),
        { name: "TimeoutError" },
      );
    });
  }
  await t.step("listen() with a null writeTimeout", () => {
    assert.throws(
      () => listen("127.0.0.1:0", { writeTimeout: null as unknown as number }),
      {
        name: "RangeError",
        message: "writeTimeout must be a number of milliseconds, got null",
      },
    );
  });
  await t.step("listen() with a negative writeTimeout", () => {
    assert.throws(
      () => listen("127.0.0.1:0", { writeTimeout: -5 }),
      RangeError,
    );
  });
  await t.step("listenDatagram() with a bad remote", () => {
    assert.throws(
      () => listenDatagram("127.0.0.1:0", { remote: "nope" }),
      TypeError,
    );
  });
  await t.step("unix-style addresses for the wrong call", () => {
    assert.throws(() => listen("unixpacket:/tmp/x.sock"), TypeError);
    assert.throws(() => listenDatagram("unix:/tmp/y.sock"), TypeError);
  });
  await t.step("readLine() with maxBytes 0", async () => {
    await using pair = await tcpPair();
    await assert.rejects(pair.server.readLine({ maxBytes: 0 }), RangeError);
  });
});
