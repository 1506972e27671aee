// Copyright the socketkit authors. MIT license.
// Test helpers: connected pairs over real loopback sockets, and child
// processes (curl, python3, the examples) run with a time limit.

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

const ROOT = new URL("../", import.meta.url).pathname;

/** How a child process ended: its exit code, stdout bytes and stderr text. */
export interface RunResult {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

/**
 * Runs `command` from the repository root with `input` on stdin; kills it
 * with SIGKILL after `limitMs` milliseconds.
 */
export async function run(
  command: string,
  args: string[],
  input: Uint8Array = new Uint8Array(0),
  limitMs = 30_000,
): Promise<RunResult> {
  const child = new Deno.Command(command, {
    args,
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), limitMs);
  try {
    const writer = child.stdin.getWriter();
    const [output] = await Promise.all([
      child.output(),
      writer.write(input).then(() => writer.close()),
    ]);
    return {
      code: output.code,
      stdout: output.stdout,
      stderr: new TextDecoder().decode(output.stderr),
    };
  } finally {
    clearTimeout(killer);
  }
}

/** Runs `curl -sS --max-time 20` with `args`; stdout as text. */
export async function curl(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await run("curl", ["-sS", "--max-time", "20", ...args]);
  return { ...result, stdout: text(result.stdout) };
}

/**
 * Leaves a unix socket file at `path` that nobody listens on, as a process
 * that died would: python3 binds it and exits without removing it (Deno
 * removes its own on close).
 */
export async function staleUnixSocket(path: string): Promise<void> {
  const result = await run("python3", [
    "-c",
    "import socket,sys\nsocket.socket(socket.AF_UNIX).bind(sys.argv[1])",
    path,
  ]);
  if (result.code !== 0) {
    throw new Error(`python3 could not bind ${path}: ${result.stderr}`);
  }
}
