// Copyright the socketkit authors. MIT license.
// Private: racing a runtime operation that cannot be cancelled against an
// AbortSignal and a timer, leaving the operation running.

import { describeValue } from "./_errors.ts";

/**
 * Resolves or rejects like `promise`, unless `signal` aborts first (rejects
 * with `signal.reason`) or `ms` milliseconds pass first (rejects with
 * `onTimeout()`). `promise` itself is left running; the caller must make sure
 * its eventual rejection is handled.
 */
export function deadline<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  ms?: number,
  onTimeout: () => Error = () =>
    new Deno.errors.TimedOut(`Timed out after ${ms} ms`),
): Promise<T> {
  if (signal?.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  if (signal === undefined && (ms === undefined || ms === Infinity)) {
    return promise;
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(signal!.reason);
    };
    if (ms !== undefined && ms !== Infinity) {
      timer = setTimeout(() => {
        cleanup();
        reject(onTimeout());
      }, ms);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    promise.then((value) => {
      cleanup();
      resolve(value);
    }, (error) => {
      cleanup();
      reject(error);
    });
  });
}

/** Throws a `RangeError` unless `ms` is a non-negative number of milliseconds or undefined. */
export function checkTimeout(ms: unknown, name: string): void {
  if (ms === undefined) return;
  if (typeof ms !== "number") {
    // `"10" >= 0` holds, and setTimeout() would take it.
    throw new RangeError(
      `${name} must be a number of milliseconds, got ${describeValue(ms)}`,
    );
  }
  if (!(ms >= 0)) {
    throw new RangeError(
      `${name} must be a non-negative number of milliseconds, got ${ms}`,
    );
  }
}
