// Copyright 2026 the socketkit authors. MIT license.
// Private to http/: the runtime's errors for a connection that broke, given
// a message that names the peer and the exchange.

/** The runtime's errors for a connection that broke mid-exchange. */
export const BROKEN = [
  Deno.errors.ConnectionReset,
  Deno.errors.ConnectionAborted,
  Deno.errors.BrokenPipe,
  Deno.errors.NotConnected,
];

/**
 * A runtime error for a connection that broke, made again with the same
 * class, `context` before the runtime's message and the original as
 * `cause`; any other error as it is.
 */
export function renameBroken(error: unknown, context: string): unknown {
  for (const Class of BROKEN) {
    if (error instanceof Class) {
      return new Class(`${context}: ${error.message}`, { cause: error });
    }
  }
  return error;
}
