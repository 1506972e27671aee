// Copyright 2026 the socketkit authors. MIT license.
// Private: hooks into TCPConnection's state for the HTTP server's hot path.
// connection.ts installs them from a static block of TCPConnection, so they
// reach its private fields without those becoming public API; mod.ts does
// not export this module.

import type { TCPConnection } from "./connection.ts";

/** What connection.ts installs. */
export interface ConnectionHooks {
  readStraight(
    conn: TCPConnection,
    buffer: Uint8Array,
  ): Promise<number | null> | null;
  countRead(conn: TCPConnection, n: number | null): void;
}

let hooks: ConnectionHooks | null = null;

/** Called once by connection.ts. */
export function installConnectionHooks(installed: ConnectionHooks): void {
  hooks = installed;
}

/**
 * When `conn.read(buffer)` would take its unbuffered path (nothing buffered,
 * no read under way, no readTimeout, not at EOF or closed), starts that read
 * and returns the runtime's own promise, without the promise `read()` adds
 * to count the bytes; otherwise returns null and starts nothing. The caller
 * must pass the outcome to {@linkcode countRead} before anything else reads
 * `conn`; a rejection is the runtime's error, unmapped.
 */
export function readStraight(
  conn: TCPConnection,
  buffer: Uint8Array,
): Promise<number | null> | null {
  return hooks!.readStraight(conn, buffer);
}

/** Records the outcome of a {@linkcode readStraight} read: bytes, or `null` for EOF. */
export function countRead(conn: TCPConnection, n: number | null): void {
  hooks!.countRead(conn, n);
}
