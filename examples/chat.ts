// Copyright the socketkit authors. MIT license.
/**
 * A line-based broadcast chat server: every line a client sends goes to all
 * the other clients as `name: line`, where the name is the client's address
 * (`127.0.0.1:54321`). Joins and departures are announced with a leading `*`.
 *
 * A slow or dead client cannot hold up the others: each client has its own
 * bounded queue of outgoing bytes, written by its own loop. A client whose
 * queue grows past 64 KiB, or whose write takes longer than 10 s, is
 * disconnected. Lines longer than 4096 bytes are dropped (the sender is
 * told). SIGINT (Ctrl-C) or SIGTERM closes everything and exits 0.
 *
 * Run: `deno run --allow-net examples/chat.ts [--hostname 127.0.0.1] [--port 8080]`
 * Try: several `nc 127.0.0.1 8080` in different terminals.
 *
 * @module
 */

import {
  BufferFullError,
  formatAddr,
  listen,
  type TCPConnection,
} from "../mod.ts";
import { onShutdown, parseHostPort, serveEach } from "./_cli.ts";

const USAGE = `A line-based broadcast chat server.

Usage: deno run --allow-net examples/chat.ts [options]

Options:
  --hostname HOST  address to listen on (default 127.0.0.1)
  --port PORT      port to listen on; 0 picks a free one (default 8080)
  -h, --help       show this help

Each line a client sends reaches all the others as "ADDRESS: line".`;

/** Outgoing bytes a client may have waiting before it is disconnected. */
const MAX_QUEUED = 64 * 1024;
/** Longest line accepted, in bytes, terminator included. */
const MAX_LINE = 4096;
/** How long one write to a client may take, in milliseconds. */
const WRITE_TIMEOUT = 10_000;

const encoder = new TextEncoder();

/** One connected client and its queue of outgoing bytes. */
interface Client {
  conn: TCPConnection;
  name: string;
  queue: Uint8Array[];
  queued: number;
  flushing: boolean;
  dropped: string | null;
}

const { hostname, port } = parseHostPort(Deno.args, USAGE, {
  hostname: "127.0.0.1",
  port: 8080,
});

const listener = listen({ hostname, port, writeTimeout: WRITE_TIMEOUT });
console.log(`listening on ${formatAddr(listener.addr)}`);

const clients = new Set<Client>();
let stopping = false;

const removeSignalListeners = onShutdown((signal) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down, closing ${clients.size} client(s)`);
  listener.close();
  for (const client of clients) client.conn.close();
});

/** Queues `bytes` for `client` without waiting; drops a client that lags. */
function deliver(client: Client, bytes: Uint8Array): void {
  if (client.conn.closed) return;
  if (client.queued + bytes.length > MAX_QUEUED) {
    drop(client, `too slow: over ${MAX_QUEUED} bytes queued`);
    return;
  }
  client.queue.push(bytes);
  client.queued += bytes.length;
  if (!client.flushing) flush(client);
}

/** Writes a client's queue until it is empty; one loop per client. */
async function flush(client: Client): Promise<void> {
  client.flushing = true;
  try {
    while (client.queue.length > 0) {
      const chunks = client.queue.splice(0);
      const bytes = chunks.length === 1 ? chunks[0] : concat(chunks);
      await client.conn.write(bytes);
      client.queued -= bytes.length;
    }
  } catch (error) {
    drop(
      client,
      `write failed: ${error instanceof Error ? error.message : error}`,
    );
  } finally {
    client.flushing = false;
  }
}

/** Disconnects a client; its read loop then ends and announces it. */
function drop(client: Client, reason: string): void {
  client.dropped ??= reason;
  client.queue.length = 0;
  client.queued = 0;
  client.conn.close();
}

function broadcast(text: string, except?: Client): void {
  const bytes = encoder.encode(text);
  for (const client of clients) {
    if (client !== except) deliver(client, bytes);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

async function serve(conn: TCPConnection): Promise<void> {
  const client: Client = {
    conn,
    name: formatAddr(conn.remoteAddr),
    queue: [],
    queued: 0,
    flushing: false,
    dropped: null,
  };
  const { name } = client;
  console.log(`join ${name}`);
  broadcast(`* ${name} joined\n`);
  clients.add(client);
  deliver(
    client,
    encoder.encode(`* you are ${name}; ${clients.size - 1} other(s) here\n`),
  );
  let lines = 0;
  let skipping = false; // inside a line that was too long
  try {
    while (true) {
      let line: string | null;
      try {
        line = await conn.readLine({ maxBytes: MAX_LINE });
      } catch (error) {
        if (!(error instanceof BufferFullError)) throw error;
        if (!skipping) {
          deliver(
            client,
            encoder.encode(`* line over ${MAX_LINE} bytes dropped\n`),
          );
        }
        skipping = true;
        continue;
      }
      if (line === null) break;
      if (skipping) {
        skipping = false; // the tail of the long line
        continue;
      }
      if (line === "") continue;
      lines++;
      broadcast(`${name}: ${line}\n`, client);
    }
  } catch (error) {
    if (!stopping && client.dropped === null) {
      client.dropped = error instanceof Error ? error.message : String(error);
    }
  } finally {
    clients.delete(client);
    conn.close();
    const why = client.dropped ? ` (${client.dropped})` : "";
    console.log(`leave ${name}${why}: ${lines} line(s)`);
    if (!stopping) broadcast(`* ${name} left${why}\n`);
  }
}

const served = await serveEach(listener, serve);
removeSignalListeners();
console.log(`summary: ${served} client(s) served`);
