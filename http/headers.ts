// Copyright 2026 the socketkit authors. MIT license.

import { invalidValueIndex, isToken } from "./_chars.ts";

/**
 * What an {@linkcode HTTPHeaders} can be built from.
 *
 * @example Every form builds the same field lines
 * ```ts
 * import { HTTPHeaders, type HTTPHeadersInit } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const inits: HTTPHeadersInit[] = [
 *   { "Content-Type": "text/plain" },
 *   [["Content-Type", "text/plain"]],
 *   new Headers({ "content-type": "text/plain" }),
 *   new HTTPHeaders({ "Content-Type": "text/plain" }),
 * ];
 * for (const init of inits) {
 *   assert.equal(new HTTPHeaders(init).get("content-type"), "text/plain");
 * }
 * // Only pairs (and `Headers`) can repeat a name.
 * const cookies = new HTTPHeaders([
 *   ["Set-Cookie", "a=1"],
 *   ["Set-Cookie", "b=2"],
 * ]);
 * assert.deepEqual(cookies.getAll("set-cookie"), ["a=1", "b=2"]);
 * ```
 */
export type HTTPHeadersInit =
  | HTTPHeaders
  | Headers
  | Iterable<readonly [string, string]>
  | Record<string, string>;

function checkName(name: string): void {
  if (!isToken(name)) {
    throw new TypeError(`Invalid field-name: ${JSON.stringify(name)}`);
  }
}

function checkValue(name: string, value: string): string {
  const v = trimOWS(String(value));
  const i = invalidValueIndex(v);
  if (i !== -1) {
    throw new TypeError(
      `Invalid field-value for ${name}: character ${
        JSON.stringify(v[i])
      } at index ${i}`,
    );
  }
  return v;
}

function trimOWS(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (
    b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)
  ) {
    b--;
  }
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** ASCII case-insensitive equality of a field name with a lowercase key. */
function sameName(name: string, key: string): boolean {
  if (name.length !== key.length) return false;
  if (name === key) return true;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== key.charCodeAt(i)) return false;
  }
  return true;
}

let raw: (names: string[], values: string[], shared: boolean) => HTTPHeaders;
let namesOf: (headers: HTTPHeaders) => string[];
let valuesOf: (headers: HTTPHeaders) => string[];
let sharedOf: (headers: HTTPHeaders) => boolean;
/** Tells the constructor that `raw` sets the arrays (saves two allocations). */
const RAW: unique symbol = Symbol("raw");

/**
 * The field lines of an HTTP message's header or trailer section
 * (RFC 9110 section 5, RFC 9112 section 5), in the order received or added.
 *
 * Each line keeps its name in its original case for output, while `get`,
 * `getAll`, `has`, `set` and `delete` compare names case-insensitively.
 * `get` combines several lines of the same name with ", " (RFC 9110 5.3);
 * `getAll` returns each line's value separately, which is how `Set-Cookie`
 * must be read (RFC 6265 3). Values are stored without leading or trailing
 * whitespace.
 *
 * @example Case-insensitive access and repeated fields
 * ```ts
 * import { HTTPHeaders } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const headers = new HTTPHeaders({ "Content-Type": "text/plain" });
 * headers.append("Accept", "text/html");
 * headers.append("accept", "application/json");
 * headers.append("Set-Cookie", "a=1");
 * headers.append("Set-Cookie", "b=2");
 * assert.equal(headers.get("content-type"), "text/plain");
 * assert.equal(headers.get("ACCEPT"), "text/html, application/json");
 * assert.deepEqual(headers.getAll("set-cookie"), ["a=1", "b=2"]);
 * assert.deepEqual([...headers][0], ["Content-Type", "text/plain"]);
 * assert.equal(headers.size, 5);
 * ```
 */
export class HTTPHeaders implements Iterable<[string, string]> {
  #names!: string[];
  #values!: string[];
  /** The arrays are shared with other instances: copy them before a change. */
  #shared = false;

  static {
    raw = (names, values, shared) => {
      const h = new HTTPHeaders(RAW as unknown as HTTPHeadersInit);
      h.#names = names;
      h.#values = values;
      h.#shared = shared;
      return h;
    };
    namesOf = (h) => h.#names;
    valuesOf = (h) => h.#values;
    sharedOf = (h) => h.#shared;
  }

  /**
   * Creates field lines from another `HTTPHeaders`, a web `Headers`, an
   * iterable of `[name, value]` pairs, or a record.
   *
   * @param init The initial field lines, in order.
   * @throws {TypeError} If a name is not a token (RFC 9110 5.6.2) or a value
   * contains CR, LF, NUL, another control character or a character above
   * U+00FF.
   */
  constructor(init?: HTTPHeadersInit) {
    if ((init as unknown) === RAW) return;
    this.#names = [];
    this.#values = [];
    if (init === undefined || init === null) return;
    if (init instanceof HTTPHeaders) {
      this.#names = init.#names.slice();
      this.#values = init.#values.slice();
      return;
    }
    if (init instanceof Headers) {
      for (const [name, value] of init) this.append(name, value);
      return;
    }
    if (Symbol.iterator in init) {
      for (const pair of init as Iterable<readonly [string, string]>) {
        if (pair.length !== 2) {
          throw new TypeError("Header pairs must have exactly two items");
        }
        this.append(pair[0], pair[1]);
      }
      return;
    }
    for (const name of Object.keys(init)) {
      this.append(name, (init as Record<string, string>)[name]);
    }
  }

  /** The number of field lines. */
  get size(): number {
    return this.#names.length;
  }

  /**
   * Returns the combined value of all field lines named `name`, joined with
   * ", " (RFC 9110 5.3), or `null` if there is none.
   *
   * @param name The field name, in any case.
   * @returns The combined value, or `null`.
   */
  get(name: string): string | null {
    const names = this.#names;
    const key = name.toLowerCase();
    let result: string | null = null;
    for (let i = 0; i < names.length; i++) {
      if (sameName(names[i], key)) {
        result = result === null
          ? this.#values[i]
          : `${result}, ${this.#values[i]}`;
      }
    }
    return result;
  }

  /**
   * Returns the value of each field line named `name`, in order; this is how
   * to read `Set-Cookie`, whose lines cannot be combined.
   *
   * @param name The field name, in any case.
   * @returns The values; empty if there is none.
   */
  getAll(name: string): string[] {
    const names = this.#names;
    const key = name.toLowerCase();
    const result: string[] = [];
    for (let i = 0; i < names.length; i++) {
      if (sameName(names[i], key)) result.push(this.#values[i]);
    }
    return result;
  }

  /**
   * Whether there is at least one field line named `name`.
   *
   * @param name The field name, in any case.
   * @returns `true` if present.
   */
  has(name: string): boolean {
    return this.#find(name.toLowerCase(), 0) !== -1;
  }

  #find(key: string, from: number): number {
    const names = this.#names;
    for (let i = from; i < names.length; i++) {
      if (sameName(names[i], key)) return i;
    }
    return -1;
  }

  /**
   * Replaces all field lines named `name` by one line with `value`, at the
   * position of the first (or at the end if there was none).
   *
   * @param name The field name; its case is kept for output.
   * @param value The field value; leading and trailing whitespace is removed.
   * @throws {TypeError} If `name` is not a token or `value` contains CR, LF,
   * NUL, another control character or a character above U+00FF.
   */
  set(name: string, value: string): void {
    checkName(name);
    const v = checkValue(name, value);
    const key = name.toLowerCase();
    const first = this.#find(key, 0);
    this.#own();
    if (first === -1) {
      this.#names.push(name);
      this.#values.push(v);
      return;
    }
    this.#names[first] = name;
    this.#values[first] = v;
    for (let i = this.#names.length - 1; i > first; i--) {
      if (sameName(this.#names[i], key)) this.#remove(i);
    }
  }

  /**
   * Adds a field line at the end, keeping any existing lines of that name.
   *
   * @param name The field name; its case is kept for output.
   * @param value The field value; leading and trailing whitespace is removed.
   * @throws {TypeError} If `name` is not a token or `value` contains CR, LF,
   * NUL, another control character or a character above U+00FF.
   */
  append(name: string, value: string): void {
    checkName(name);
    const v = checkValue(name, value);
    this.#own();
    this.#names.push(name);
    this.#values.push(v);
  }

  /** Makes the arrays this instance's own before a change. */
  #own(): void {
    if (!this.#shared) return;
    this.#names = this.#names.slice();
    this.#values = this.#values.slice();
    this.#shared = false;
  }

  #remove(i: number): void {
    this.#own();
    this.#names.splice(i, 1);
    this.#values.splice(i, 1);
  }

  /**
   * Removes every field line named `name`.
   *
   * @param name The field name, in any case.
   */
  delete(name: string): void {
    const key = name.toLowerCase();
    for (let i = this.#names.length - 1; i >= 0; i--) {
      if (sameName(this.#names[i], key)) this.#remove(i);
    }
  }

  /**
   * Iterates over the field lines in order, each as `[name, value]` with the
   * name in its original case.
   *
   * @returns An iterator of `[name, value]` pairs.
   */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const names = this.#names;
    const values = this.#values;
    for (let i = 0; i < names.length; i++) yield [names[i], values[i]];
  }

  /**
   * Converts to a web `Headers` (names lowercased, `Set-Cookie` lines kept
   * apart as `Headers.getSetCookie()` returns them).
   *
   * @returns A new `Headers`.
   * @throws {TypeError} If a value holds a character `Headers` rejects.
   */
  toHeaders(): Headers {
    const headers = new Headers();
    for (let i = 0; i < this.#names.length; i++) {
      headers.append(this.#names[i], this.#values[i]);
    }
    return headers;
  }

  /**
   * Converts a web `Headers` to field lines (names as `Headers` gives them,
   * lowercase).
   *
   * @param headers The web headers.
   * @returns New field lines.
   * @throws {TypeError} If a value contains a character above U+00FF.
   */
  static fromHeaders(headers: Headers): HTTPHeaders {
    return new HTTPHeaders(headers);
  }
}

/**
 * Builds field lines from already validated names and values without copying
 * them (for the decoder).
 *
 * @internal
 */
export function rawHeaders(names: string[], values: string[]): HTTPHeaders {
  return raw(names, values, false);
}

/**
 * Builds field lines over arrays that other instances share and nobody
 * changes (a constant template): the first change copies them.
 *
 * @internal
 */
export function sharedHeaders(names: string[], values: string[]): HTTPHeaders {
  return raw(names, values, true);
}

/**
 * Whether the field lines are still a constant template's (see
 * {@linkcode sharedHeaders}): then their arrays never change.
 *
 * @internal
 */
export function isSharedHeaders(headers: HTTPHeaders): boolean {
  return sharedOf(headers);
}

/**
 * The names array behind field lines, not copied: read only (for the
 * encoders).
 *
 * @internal
 */
export function fieldNames(headers: HTTPHeaders): string[] {
  return namesOf(headers);
}

/**
 * The values array behind field lines, not copied: read only (for the
 * encoders).
 *
 * @internal
 */
export function fieldValues(headers: HTTPHeaders): string[] {
  return valuesOf(headers);
}
