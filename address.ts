/**
 * Parse and format socket addresses in Deno's shapes (`Deno.NetAddr`,
 * `Deno.UnixAddr`).
 *
 * @module
 */

/**
 * A socket address: `Deno.NetAddr` for TCP and UDP
 * (`{ transport, hostname, port }`) or `Deno.UnixAddr` for unix domain
 * sockets (`{ transport, path }`).
 *
 * @example Tell TCP and unix addresses apart
 * ```ts
 * import { type Addr, parseAddr } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * function describe(addr: Addr): string {
 *   return "path" in addr ? `socket file ${addr.path}` : `port ${addr.port}`;
 * }
 *
 * const addrs: Addr[] = [
 *   parseAddr("127.0.0.1:8080"),
 *   parseAddr("unix:/tmp/app.sock"),
 * ];
 * assert.deepEqual(addrs.map(describe), [
 *   "port 8080",
 *   "socket file /tmp/app.sock",
 * ]);
 * ```
 */
export type Addr = Deno.NetAddr | Deno.UnixAddr;

const PORT_RE = /^[0-9]+$/;
// Characters that never appear in a hostname or an IP literal.
const BAD_HOST_RE = /[\s\[\]\/\\@?#]/;

function invalid(input: string, reason: string): TypeError {
  return new TypeError(`Invalid address ${JSON.stringify(input)}: ${reason}`);
}

/**
 * Parse an address string into Deno's address shape.
 *
 * Accepted forms:
 * - `host:port` (`"127.0.0.1:8080"`, `"localhost:0"`) → `Deno.NetAddr`
 *   with the given `transport`.
 * - `[ipv6]:port` (`"[::1]:80"`, `"[fe80::1%eth0]:80"`) → `Deno.NetAddr`;
 *   the brackets are removed from `hostname`.
 * - `:port` (`":8080"`) → `Deno.NetAddr` with hostname `"0.0.0.0"`, the
 *   default hostname of `Deno.listen` (Go's `net.Listen` reads an empty host
 *   the same way).
 * - `unix:/path` (`"unix:/tmp/x.sock"`) → `Deno.UnixAddr` with transport
 *   `"unix"`; `unixpacket:/path` → transport `"unixpacket"`. The path is
 *   taken verbatim and must not be empty.
 *
 * Host and port are split like Go's `net.SplitHostPort`: the port is the
 * text after the last colon, an IPv6 literal must be in brackets, and the
 * port must be decimal digits only with a value from 0 to 65535 (a service
 * name such as `"http"` is not looked up). No DNS resolution happens.
 *
 * @param input The address text.
 * @param transport The transport of a `host:port` address. Ignored for
 *   `unix:` addresses.
 * @returns The address as a `Deno.NetAddr` or `Deno.UnixAddr`.
 * @throws {TypeError} When the input is empty, has no port (`"host"`,
 *   `"host:"`), has a port that is not decimal digits or is over 65535
 *   (`"host:-1"`, `"host:99999"`), has an unclosed or misplaced bracket
 *   (`"[::1"`, `"[::1]80"`), has an unbracketed IPv6 literal (`"::1:80"`),
 *   has an empty unix path (`"unix:"`), or when `transport` is not `"tcp"`
 *   or `"udp"`. The message names the input.
 *
 * @example Parse TCP, IPv6 and unix addresses
 * ```ts
 * import { parseAddr } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseAddr("127.0.0.1:8080"), {
 *   transport: "tcp",
 *   hostname: "127.0.0.1",
 *   port: 8080,
 * });
 * assert.deepEqual(parseAddr("[::1]:53", "udp"), {
 *   transport: "udp",
 *   hostname: "::1",
 *   port: 53,
 * });
 * assert.deepEqual(parseAddr("unix:/tmp/x.sock"), {
 *   transport: "unix",
 *   path: "/tmp/x.sock",
 * });
 * assert.throws(() => parseAddr("host:99999"), TypeError);
 * ```
 */
export function parseAddr(
  input: string,
  transport: "tcp" | "udp" = "tcp",
): Addr {
  if (typeof input !== "string") {
    throw new TypeError(
      `Invalid address ${String(input)}: expected a string`,
    );
  }
  for (const scheme of ["unix", "unixpacket"] as const) {
    if (input.startsWith(`${scheme}:`)) {
      const path = input.slice(scheme.length + 1);
      if (path === "") throw invalid(input, "empty unix socket path");
      return { transport: scheme, path };
    }
  }
  if (transport !== "tcp" && transport !== "udp") {
    throw new TypeError(
      `Invalid transport ${JSON.stringify(transport)} for address ${
        JSON.stringify(input)
      }: expected "tcp" or "udp"`,
    );
  }
  if (input === "") throw invalid(input, "empty address");

  let hostname: string;
  let portText: string;
  if (input[0] === "[") {
    const end = input.indexOf("]");
    if (end === -1) throw invalid(input, "missing ']'");
    hostname = input.slice(1, end);
    if (end + 1 === input.length) throw invalid(input, "missing port");
    if (input[end + 1] !== ":") {
      throw invalid(input, "unexpected text after ']'");
    }
    portText = input.slice(end + 2);
    if (!hostname.includes(":")) {
      throw invalid(input, "brackets must enclose an IPv6 address");
    }
    if (BAD_HOST_RE.test(hostname.replace(/%.*$/, ""))) {
      throw invalid(input, "invalid IPv6 address");
    }
  } else {
    const colon = input.lastIndexOf(":");
    if (colon === -1) throw invalid(input, "missing port");
    hostname = input.slice(0, colon);
    portText = input.slice(colon + 1);
    if (hostname.includes(":")) {
      throw invalid(input, "too many colons (put an IPv6 address in brackets)");
    }
    if (BAD_HOST_RE.test(hostname)) throw invalid(input, "invalid hostname");
    if (hostname === "") hostname = "0.0.0.0";
  }
  if (portText === "") throw invalid(input, "missing port");
  if (!PORT_RE.test(portText)) {
    throw invalid(input, "port must be decimal digits");
  }
  const port = Number(portText);
  if (port > 65535) throw invalid(input, "port must be 0 to 65535");
  return { transport, hostname, port };
}

/**
 * Format an address as text; the inverse of {@linkcode parseAddr}.
 *
 * `Deno.NetAddr` becomes `host:port`, with an IPv6 hostname (any hostname
 * containing a colon) in brackets like Go's `net.JoinHostPort`;
 * `Deno.UnixAddr` becomes `unix:/path` (or `unixpacket:/path`); a
 * `Deno.VsockAddr` becomes `vsock:cid:port` (which `parseAddr` does not
 * read). The transport of a `Deno.NetAddr` is not part of the text.
 *
 * @param addr The address, as returned by `Deno.Conn.localAddr`,
 *   `Deno.Listener.addr` or {@linkcode parseAddr}.
 * @returns The address as text.
 * @throws {TypeError} When `addr` has an unknown transport.
 *
 * @example Format addresses
 * ```ts
 * import { formatAddr, parseAddr } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   formatAddr({ transport: "tcp", hostname: "::1", port: 80 }),
 *   "[::1]:80",
 * );
 * assert.equal(formatAddr(parseAddr("127.0.0.1:8080")), "127.0.0.1:8080");
 * assert.equal(
 *   formatAddr({ transport: "unix", path: "/tmp/x.sock" }),
 *   "unix:/tmp/x.sock",
 * );
 * ```
 */
export function formatAddr(addr: Deno.Addr): string {
  switch (addr.transport) {
    case "tcp":
    case "udp":
      return addr.hostname.includes(":")
        ? `[${addr.hostname}]:${addr.port}`
        : `${addr.hostname}:${addr.port}`;
    case "unix":
    case "unixpacket":
      return `${addr.transport}:${addr.path}`;
    case "vsock":
      return `vsock:${addr.cid}:${addr.port}`;
    default:
      throw new TypeError(
        `Cannot format address with transport ${
          JSON.stringify((addr as { transport: unknown }).transport)
        }`,
      );
  }
}
