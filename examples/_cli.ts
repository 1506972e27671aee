// Copyright the socketkit authors. MIT license.
// Private helper of the examples: flag parsing with usage text and exit codes
// like a Unix tool (0 after --help, 2 for a usage error).

import { parseArgs } from "node:util";
import type { Listener, TCPConnection } from "../mod.ts";

/** The flags every example takes. */
export interface HostPortFlags {
  hostname: string;
  port: number;
}

/**
 * Parses `--hostname`, `--port` and `--help` (plus any extra string flags),
 * printing `usage` and exiting 0 on `--help`, or printing the problem and
 * exiting 2 on a bad or unknown flag.
 */
export function parseHostPort(
  args: string[],
  usage: string,
  defaults: HostPortFlags,
): HostPortFlags {
  let values: { hostname?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        hostname: { type: "string" },
        port: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error), usage);
  }
  if (values.help) {
    console.log(usage);
    Deno.exit(0);
  }
  const hostname = values.hostname ?? defaults.hostname;
  const portText = values.port ?? String(defaults.port);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    usageError(`Invalid --port ${JSON.stringify(portText)}: 0 to 65535`, usage);
  }
  if (hostname === "") usageError("--hostname must not be empty", usage);
  return { hostname, port: Number(portText) };
}

function usageError(message: string, usage: string): never {
  console.error(`error: ${message}\n\n${usage}`);
  Deno.exit(2);
}

/**
 * Calls `onSignal` once on the first SIGINT or SIGTERM; returns a function
 * that removes the listeners.
 */
export function onShutdown(
  onSignal: (signal: Deno.Signal) => void,
): () => void {
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => onSignal(signal);
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) {
      Deno.removeSignalListener(signal, handler);
    }
  };
}

/**
 * Accepts connections until `listener` is closed and runs `serve` on each,
 * concurrently. An accept error that is not the close (EMFILE, for one) is
 * printed and retried after 100 ms, so the server keeps serving. Resolves
 * with the number of connections accepted, once every `serve` has settled.
 */
export async function serveEach(
  listener: Listener,
  serve: (conn: TCPConnection) => Promise<void>,
): Promise<number> {
  const serving = new Set<Promise<void>>();
  let served = 0;
  while (!listener.closed) {
    let conn: TCPConnection;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (listener.closed) break;
      console.error(
        `accept failed: ${error instanceof Error ? error.message : error}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    served++;
    const task = serve(conn);
    serving.add(task);
    task.finally(() => serving.delete(task));
  }
  await Promise.allSettled(serving);
  return served;
}
