// Copyright the socketkit authors. MIT license.
// Test helpers: connected pairs over real loopback sockets.

import { connect, listen, type TCPConnection } from "../mod.ts";

/** A connected pair over 127.0.0.1: `client` dialled, `server` accepted. */
export interface Pair extends AsyncDisposable {
  client: TCPConnection;
  server: TCPConnection;
}

/** Makes a connected TCP pair on loopback; disposing closes both ends. */
export async function tcpPair(
  options: { readTimeout?: number; writeTimeout?: number } = {},
): Promise<Pair> {
  using listener = listen({ hostname: "127.0.0.1", port: 0, ...options });
  const [client, server] = await Promise.all([
    connect(listener.addr, options),
    listener.accept(),
  ]);
  return {
    client,
    server,
    [Symbol.asyncDispose]() {
      client.close();
      server.close();
      return Promise.resolve();
    },
  };
}

/** Waits `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Bytes of a string. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** String of bytes. */
export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}
