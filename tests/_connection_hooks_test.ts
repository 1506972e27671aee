// Copyright the socketkit authors. MIT license.
import assert from "node:assert/strict";
import { countRead, readStraight } from "../_connection_hooks.ts";
import { tcpPair, text } from "./_util.ts";

Deno.test("readStraight() reads like read() and countRead() keeps bytesRead and EOF", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  await client.write("ping");
  const buf = new Uint8Array(16);
  const pending = readStraight(server, buf);
  assert(pending !== null);
  const n = await pending;
  countRead(server, n);
  assert.equal(text(buf.subarray(0, n!)), "ping");
  assert.equal(server.bytesRead, 4);
  await client.closeWrite();
  const end = readStraight(server, buf);
  assert(end !== null);
  countRead(server, await end);
  // At EOF: no straight read, and read() reports EOF without a runtime op.
  assert.equal(readStraight(server, buf), null);
  assert.equal(await server.read(buf), null);
  assert.equal(server.bytesRead, 4);
});

Deno.test("readStraight() returns null whenever read() would not take its unbuffered path", async () => {
  await using pair = await tcpPair();
  const { client, server } = pair;
  const buf = new Uint8Array(16);
  // Bytes buffered behind a line.
  await client.write("line\nmore");
  assert.equal(await server.readLine(), "line");
  assert.equal(readStraight(server, buf), null);
  assert.equal(text(await server.readExactly(4)), "more");
  // An empty buffer, and a read timeout to honour.
  assert.equal(readStraight(server, new Uint8Array(0)), null);
  server.readTimeout = 1000;
  assert.equal(readStraight(server, buf), null);
  server.readTimeout = undefined;
  // Closed.
  server.close();
  assert.equal(readStraight(server, buf), null);
});
