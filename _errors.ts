// Copyright the socketkit authors. MIT license.
// Private: error helpers shared by socket.ts and connection.ts.

/** Whether the runtime has the unstable net APIs (`--unstable-net`). */
export function hasUnstableNet(): boolean {
  return typeof (Deno as { listenDatagram?: unknown }).listenDatagram ===
    "function";
}

/** The error to throw when `what` needs `--unstable-net` and it is off. */
export function unstableNetError(what: string): Error {
  return new Deno.errors.NotSupported(
    `${what} needs Deno's unstable net API: add the --unstable-net flag (or "unstable": ["net"] in deno.json)`,
  );
}

/**
 * Rewraps a runtime error as the same class with a message that starts with
 * `what` (e.g. "Cannot connect to 127.0.0.1:9"), keeping it as `cause`.
 * Errors that are not the runtime's are returned as they are.
 */
export function describeError(error: unknown, what: string): unknown {
  if (!(error instanceof Error)) return error;
  if (error instanceof Deno.errors.ConnectionRefused) {
    return new Deno.errors.ConnectionRefused(`${what}: connection refused`, {
      cause: error,
    });
  }
  if (error instanceof Deno.errors.AddrInUse) {
    return new Deno.errors.AddrInUse(`${what}: address already in use`, {
      cause: error,
    });
  }
  const ctor = error.constructor as new (
    message: string,
    options?: ErrorOptions,
  ) => Error;
  if (ctor === Error || Object.values(Deno.errors).includes(ctor as never)) {
    return new ctor(`${what}: ${error.message}`, { cause: error });
  }
  return error;
}
