// Copyright the socketkit authors. MIT license.
// Private: error helpers shared by the modules.

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

/**
 * The name of `value`'s type for an error message: `null`, `string`,
 * `undefined`, or an object's constructor name (`Object`, `Uint8Array`).
 */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "object";
}

/**
 * A bad option value for an error message: its type, and the value itself
 * when it is short to show (`string "10"`, `boolean true`, `bigint 5`,
 * `null`, `Object`).
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value)}`;
    case "boolean":
    case "bigint":
      return `${typeof value} ${value}`;
    default:
      return typeName(value);
  }
}
