// Copyright 2026 the socketkit authors. MIT license.

import { isToken } from "./_chars.ts";
import type { HTTPHeaders } from "./headers.ts";

/**
 * A cookie to send with `Set-Cookie` (RFC 6265 section 4.1).
 *
 * @example A session cookie on a response
 * ```ts
 * import {
 *   type Cookie,
 *   HTTPResponse,
 *   setCookie,
 * } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const session: Cookie = {
 *   name: "session",
 *   value: "a3f9",
 *   path: "/",
 *   maxAge: 3600,
 *   secure: true,
 *   httpOnly: true,
 *   sameSite: "Lax",
 * };
 * const response = HTTPResponse.text("signed in");
 * setCookie(response.headers, session);
 * assert.equal(
 *   response.headers.get("set-cookie"),
 *   "session=a3f9; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax",
 * );
 * ```
 */
export interface Cookie {
  /** The cookie-name, a token. */
  name: string;
  /** The cookie-value: cookie-octets, optionally in double quotes. */
  value: string;
  /**
   * When the cookie expires, as a `Date` or milliseconds since the epoch
   * (`Expires`, RFC 6265 5.2.1).
   *
   * @default {undefined}
   */
  expires?: Date | number;
  /**
   * Seconds until the cookie expires, a non-negative integer (`Max-Age`,
   * RFC 6265 5.2.2).
   *
   * @default {undefined}
   */
  maxAge?: number;
  /**
   * The hosts the cookie is sent to (`Domain`).
   *
   * @default {undefined}
   */
  domain?: string;
  /**
   * The path prefix the cookie is sent for (`Path`).
   *
   * @default {undefined}
   */
  path?: string;
  /**
   * Send only over secure channels (`Secure`).
   *
   * @default {false}
   */
  secure?: boolean;
  /**
   * Hide from scripts (`HttpOnly`).
   *
   * @default {false}
   */
  httpOnly?: boolean;
  /**
   * Cross-site policy (`SameSite`); `"None"` requires `secure`.
   *
   * @default {undefined}
   */
  sameSite?: "Strict" | "Lax" | "None";
  /**
   * Partition by top-level site (`Partitioned`, CHIPS); requires `secure`.
   *
   * @default {false}
   */
  partitioned?: boolean;
}

function isCookieValue(value: string): boolean {
  let v = value;
  if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') {
    v = v.slice(1, -1);
  }
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
    if (
      c < 0x21 || c > 0x7e || c === 0x22 || c === 0x2c || c === 0x3b ||
      c === 0x5c
    ) return false;
  }
  return true;
}

function isAttributeValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3b) return false;
  }
  return true;
}

/**
 * Formats a cookie as a `Set-Cookie` field value (RFC 6265 section 4.1).
 *
 * @param cookie The cookie and its attributes.
 * @returns The field value, e.g. `id=1; Path=/; HttpOnly`.
 * @throws {TypeError} If the name is not a token, the value has characters
 * outside cookie-octet, `path` or `domain` has `;` or control characters,
 * `maxAge` is not a non-negative integer, `expires` is an invalid date, or
 * `sameSite: "None"` or `partitioned` come without `secure`.
 *
 * @example Format a session cookie
 * ```ts
 * import { formatSetCookie } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   formatSetCookie({ name: "id", value: "a3f", path: "/", httpOnly: true, maxAge: 3600 }),
 *   "id=a3f; Max-Age=3600; Path=/; HttpOnly",
 * );
 * ```
 */
export function formatSetCookie(cookie: Cookie): string {
  if (!isToken(cookie.name)) {
    throw new TypeError(`Invalid cookie-name: ${JSON.stringify(cookie.name)}`);
  }
  if (!isCookieValue(cookie.value)) {
    throw new TypeError(
      `Invalid cookie-value for ${cookie.name}: ${
        JSON.stringify(cookie.value)
      }`,
    );
  }
  let s = `${cookie.name}=${cookie.value}`;
  if (cookie.expires !== undefined) {
    const date = new Date(cookie.expires);
    if (Number.isNaN(date.getTime())) {
      throw new TypeError(`Invalid Expires for cookie ${cookie.name}`);
    }
    s += `; Expires=${date.toUTCString()}`;
  }
  if (cookie.maxAge !== undefined) {
    if (!Number.isInteger(cookie.maxAge) || cookie.maxAge < 0) {
      throw new TypeError(
        `Max-Age of cookie ${cookie.name} is not a non-negative integer: ${cookie.maxAge}`,
      );
    }
    s += `; Max-Age=${cookie.maxAge}`;
  }
  if (cookie.domain !== undefined) {
    if (!isAttributeValue(cookie.domain)) {
      throw new TypeError(`Invalid Domain for cookie ${cookie.name}`);
    }
    s += `; Domain=${cookie.domain}`;
  }
  if (cookie.path !== undefined) {
    if (!isAttributeValue(cookie.path)) {
      throw new TypeError(`Invalid Path for cookie ${cookie.name}`);
    }
    s += `; Path=${cookie.path}`;
  }
  if (cookie.secure) s += "; Secure";
  if (cookie.httpOnly) s += "; HttpOnly";
  if (cookie.sameSite !== undefined) {
    if (!["Strict", "Lax", "None"].includes(cookie.sameSite)) {
      throw new TypeError(`Invalid SameSite for cookie ${cookie.name}`);
    }
    if (cookie.sameSite === "None" && !cookie.secure) {
      throw new TypeError(`SameSite=None cookie ${cookie.name} must be Secure`);
    }
    s += `; SameSite=${cookie.sameSite}`;
  }
  if (cookie.partitioned) {
    if (!cookie.secure) {
      throw new TypeError(`Partitioned cookie ${cookie.name} must be Secure`);
    }
    s += "; Partitioned";
  }
  return s;
}

/**
 * Reads the cookies a client sent in its `Cookie` field lines
 * (RFC 6265 section 5.4); pairs without `=` are skipped, and a later
 * duplicate name wins.
 *
 * @param headers The request's header section.
 * @returns The cookies by name.
 *
 * @example Read cookies
 * ```ts
 * import { getCookies, HTTPHeaders } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const headers = new HTTPHeaders({ Cookie: "id=a3f; theme=dark" });
 * assert.deepEqual(getCookies(headers), { id: "a3f", theme: "dark" });
 * ```
 */
export function getCookies(
  headers: HTTPHeaders | Headers,
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const lines = "getAll" in headers
    ? headers.getAll("cookie")
    : [headers.get("cookie") ?? ""];
  for (const line of lines) {
    for (const pair of line.split(";")) {
      const eq = pair.indexOf("=");
      if (eq === -1) continue;
      const name = pair.slice(0, eq).trim();
      if (name === "") continue;
      let value = pair.slice(eq + 1).trim();
      if (value.length >= 2 && value[0] === '"' && value.at(-1) === '"') {
        value = value.slice(1, -1);
      }
      out[name] = value;
    }
  }
  return { ...out };
}

/**
 * Appends a `Set-Cookie` field line for `cookie` (RFC 6265 section 4.1).
 *
 * @param headers The response's header section.
 * @param cookie The cookie and its attributes.
 * @throws {TypeError} If the cookie is invalid (see {@linkcode formatSetCookie}).
 *
 * @example Set two cookies
 * ```ts
 * import { HTTPHeaders, setCookie } from "@socketkit/socketkit/http";
 * import assert from "node:assert/strict";
 *
 * const headers = new HTTPHeaders();
 * setCookie(headers, { name: "a", value: "1" });
 * setCookie(headers, { name: "b", value: "2", secure: true, sameSite: "None" });
 * assert.deepEqual(headers.getAll("set-cookie"), [
 *   "a=1",
 *   "b=2; Secure; SameSite=None",
 * ]);
 * ```
 */
export function setCookie(
  headers: HTTPHeaders | Headers,
  cookie: Cookie,
): void {
  headers.append("Set-Cookie", formatSetCookie(cookie));
}
