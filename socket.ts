/**
 * A BSD-style {@linkcode Socket}: socket, bind, listen, accept, connect,
 * send, recv, sendto, recvfrom, shutdown and close over Deno's network API.
 *
 * @module
 */

import { type Addr, formatAddr, parseAddr } from "./address.ts";
import { deadline } from "./_deadline.ts";
import { describeError, hasUnstableNet, unstableNetError } from "./_errors.ts";

/**
 * The transport of a {@linkcode Socket}.
 *
 * @example Stream and datagram transports
 * ```ts
 * import { Socket, type SocketTransport } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * function isStream(transport: SocketTransport): boolean {
 *   return transport === "tcp" || transport === "unix";
 * }
 *
 * using socket = new Socket({ transport: "unix" });
 * assert.equal(socket.transport, "unix");
 * assert(isStream(socket.transport));
 * ```
 */
export type SocketTransport = "tcp" | "udp" | "unix";

/**
 * The lifecycle state of a {@linkcode Socket}:
 * - `"open"`: created, neither bound nor connected (after `socket(2)`).
 * - `"bound"`: has a local address (after `bind()`).
 * - `"listening"`: accepts connections (after `listen()`).
 * - `"connected"`: has a peer (after `connect()`, or returned by `accept()`).
 * - `"closed"`: after `close()`; every method but `close()` then throws
 *   `Deno.errors.BadResource`.
 *
 * @example A listening socket's states
 * ```ts
 * import { Socket, type SocketState } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using socket = new Socket();
 * const states: SocketState[] = [socket.state];
 * socket.bind("127.0.0.1:0");
 * states.push(socket.state);
 * socket.listen();
 * states.push(socket.state);
 * socket.close();
 * states.push(socket.state);
 * assert.deepEqual(states, ["open", "bound", "listening", "closed"]);
 * ```
 */
export type SocketState =
  | "open"
  | "bound"
  | "listening"
  | "connected"
  | "closed";

/**
 * Options for the {@linkcode Socket} constructor.
 *
 * @example Two UDP sockets on one port
 * ```ts
 * import { Socket, type SocketOptions } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * const options: SocketOptions = { transport: "udp", reusePort: true };
 * using first = new Socket(options);
 * first.bind("127.0.0.1:0");
 * using second = new Socket(options);
 * second.bind(first.localAddr!);
 * assert.deepEqual(second.localAddr, first.localAddr);
 * ```
 */
export interface SocketOptions {
  /**
   * The transport: `"tcp"` (stream), `"udp"` (datagram; requires
   * `--unstable-net`) or `"unix"` (stream over a unix domain socket).
   *
   * @default {"tcp"}
   */
  transport?: SocketTransport;
  /**
   * Set `SO_REUSEPORT` when the socket binds, so several sockets (and
   * processes) can bind the same address and port and the kernel spreads
   * connections or datagrams among them (Linux `socket(7)`). For UDP this is
   * Deno's `reuseAddress` option, which sets both `SO_REUSEADDR` and
   * `SO_REUSEPORT`. Not supported for unix sockets. Requires
   * `--unstable-net`.
   *
   * @default {false}
   */
  reusePort?: boolean;
}

/**
 * Options for {@linkcode Socket.prototype.connect}.
 *
 * @example Retry after a cancelled connect
 * ```ts
 * import { Socket, type SocketConnectOptions } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using server = new Socket();
 * server.bind("127.0.0.1:0");
 * server.listen();
 * using client = new Socket();
 *
 * const controller = new AbortController();
 * const options: SocketConnectOptions = {
 *   signal: controller.signal,
 *   timeout: 5_000,
 * };
 * controller.abort(new Error("cancelled"));
 * await assert.rejects(client.connect(server.localAddr!, options), {
 *   message: "cancelled",
 * });
 * assert.equal(client.state, "open"); // a failed connect() can be retried
 *
 * const accepted = server.accept();
 * await client.connect(server.localAddr!, { timeout: 5_000 });
 * using _peer = await accepted;
 * assert.equal(client.state, "connected");
 * ```
 */
export interface SocketConnectOptions {
  /**
   * Abort the connection attempt; `connect()` then rejects with
   * `signal.reason`.
   */
  signal?: AbortSignal;
  /**
   * Time limit for the connection attempt, in milliseconds. When it passes,
   * `connect()` rejects with `Deno.errors.TimedOut`. No limit when undefined.
   *
   * @default {undefined}
   */
  timeout?: number;
}

/**
 * Options for {@linkcode Socket.prototype.accept}.
 *
 * @example Stop waiting for a client
 * ```ts
 * import { Socket, type SocketAcceptOptions } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using server = new Socket();
 * server.bind("127.0.0.1:0");
 * server.listen();
 *
 * const options: SocketAcceptOptions = { signal: AbortSignal.timeout(50) };
 * await assert.rejects(
 *   server.accept(options),
 *   (error) => error instanceof DOMException && error.name === "TimeoutError",
 * );
 *
 * // Still listening: the next accept() gets the next client.
 * using client = new Socket();
 * const accepted = server.accept();
 * await client.connect(server.localAddr!);
 * using _peer = await accepted;
 * ```
 */
export interface SocketAcceptOptions {
  /**
   * Stop waiting for a connection; `accept()` then rejects with
   * `signal.reason`. The socket keeps listening, and a connection that
   * arrives afterwards goes to the next `accept()` call.
   */
  signal?: AbortSignal;
}

/**
 * The result of {@linkcode Socket.prototype.receiveFrom}.
 *
 * @example Echo a datagram to its sender
 * ```ts
 * import { type ReceiveFromResult, Socket } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using server = new Socket({ transport: "udp" });
 * server.bind("127.0.0.1:0");
 * using client = new Socket({ transport: "udp" });
 * client.bind("127.0.0.1:0");
 * const serverAddr = server.localAddr as Deno.NetAddr;
 * await client.sendTo(new TextEncoder().encode("ping"), serverAddr);
 *
 * const buffer = new Uint8Array(1500);
 * const result: ReceiveFromResult = await server.receiveFrom(buffer);
 * assert.deepEqual(result.remoteAddr, client.localAddr);
 * await server.sendTo(buffer.subarray(0, result.bytesRead), result.remoteAddr);
 * const { bytesRead } = await client.receiveFrom(buffer);
 * assert.equal(new TextDecoder().decode(buffer.subarray(0, bytesRead)), "ping");
 * ```
 */
export interface ReceiveFromResult {
  /** How many bytes of the datagram were written into the buffer. */
  bytesRead: number;
  /** The address of the sender. */
  remoteAddr: Deno.NetAddr;
}

/**
 * Which direction {@linkcode Socket.prototype.shutdown} closes.
 *
 * @example Half-close after a request
 * ```ts
 * import { type ShutdownHow, Socket } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using server = new Socket();
 * server.bind("127.0.0.1:0");
 * server.listen();
 * using client = new Socket();
 * const accepted = server.accept();
 * await client.connect(server.localAddr!);
 * using peer = await accepted;
 *
 * await client.send(new TextEncoder().encode("request"));
 * const how: ShutdownHow = "write"; // send FIN, keep reading
 * await client.shutdown(how);
 *
 * const buffer = new Uint8Array(64);
 * const n = await peer.receive(buffer);
 * assert.equal(new TextDecoder().decode(buffer.subarray(0, n!)), "request");
 * assert.equal(await peer.receive(buffer), null); // the client's FIN
 * await peer.send(new TextEncoder().encode("reply"));
 * assert.equal(await client.receive(buffer), 5);
 * ```
 */
export type ShutdownHow = "read" | "write" | "both";

function copyAddr<T extends Deno.Addr>(addr: T): T {
  return { ...addr };
}

let adopt: (
  conn: Deno.Conn,
  transport: "tcp" | "unix",
  parent: Socket,
) => Socket;

/**
 * A socket with the BSD lifecycle (`socket(2)`, `bind(2)`, `listen(2)`,
 * `accept(2)`, `connect(2)`, `send(2)`, `recv(2)`, `sendto(2)`,
 * `recvfrom(2)`, `shutdown(2)`, `close(2)`) on top of `Deno.listen`,
 * `Deno.connect` and `Deno.listenDatagram`.
 *
 * A stream socket (`"tcp"`, `"unix"`) either listens
 * (`bind()` → `listen()` → `accept()`) or connects (`connect()` →
 * `send()`/`receive()` → `shutdown()` → `close()`). A datagram socket
 * (`"udp"`) binds and then calls `sendTo()`/`receiveFrom()`.
 *
 * Deno binds and listens in one call, so for TCP and unix sockets `bind()`
 * only checks and records the address: bind errors such as
 * `Deno.errors.AddrInUse` surface in `listen()`, and port 0 is replaced by
 * the port the OS picked only once `listen()` returns. A UDP socket really
 * binds in `bind()`. Deno cannot connect from a chosen local address, so
 * `connect()` needs a socket that is not bound.
 *
 * A call in the wrong state throws at once, naming the state:
 * - `Deno.errors.BadResource`: the socket is closed; or the call needs a
 *   bound or listening socket and it is not (`listen()` before `bind()`,
 *   `accept()` before `listen()`, `sendTo()`/`receiveFrom()` before
 *   `bind()`).
 * - `Deno.errors.NotConnected`: the call needs a connected socket
 *   (`send()`, `receive()`, `shutdown()` before `connect()`), like `ENOTCONN`.
 * - `Deno.errors.AlreadyExists`: the socket already is what the call would
 *   make it (`bind()` twice, `listen()` twice, `connect()` when connected or
 *   listening), like `EINVAL`/`EISCONN`.
 * - `Deno.errors.Busy`: a second `connect()` or `accept()` while one is in
 *   progress, like `EALREADY`.
 * - `Deno.errors.NotSupported`: the call does not exist for the transport
 *   (`listen()` on UDP, `sendTo()` on TCP, `setNoDelay()` on unix, ...), or
 *   Deno cannot do it (`connect()` after `bind()`).
 * - `Deno.errors.BrokenPipe`: `send()` after `shutdown("write")`, like
 *   `EPIPE`.
 *
 * `close()` is idempotent; it makes a pending `accept()`, `connect()`,
 * `receive()` or `receiveFrom()` reject with `Deno.errors.BadResource`.
 *
 * Requires `--allow-net` for TCP, UDP and unix sockets, `--allow-read` and
 * `--allow-write` too for unix sockets, and `--unstable-net` for UDP and `reusePort`.
 *
 * @example TCP echo over loopback
 * ```ts
 * import { Socket } from "@socketkit/socketkit";
 * import assert from "node:assert/strict";
 *
 * using server = new Socket({ transport: "tcp" });
 * server.bind("127.0.0.1:0");
 * server.listen();
 * assert.equal(server.state, "listening");
 *
 * using client = new Socket();
 * const accepted = server.accept();
 * await client.connect(server.localAddr!);
 * using peer = await accepted;
 * await client.send(new TextEncoder().encode("ping"));
 * await client.shutdown("write");
 *
 * const buf = new Uint8Array(16);
 * const n = await peer.receive(buf);
 * assert.equal(new TextDecoder().decode(buf.subarray(0, n!)), "ping");
 * assert.equal(await peer.receive(buf), null); // the client's FIN
 * ```
 */
export class Socket implements Disposable, AsyncDisposable {
  #transport: SocketTransport;
  #reusePort: boolean;
  #state: SocketState = "open";
  #localAddr: Addr | null = null;
  #remoteAddr: Addr | null = null;
  #listener: Deno.Listener | null = null;
  #conn: Deno.Conn | null = null;
  #datagram: Deno.DatagramConn | null = null;
  #pendingAccept: Promise<Deno.Conn> | null = null;
  #acceptWaiting = false;
  #connecting = false;
  #closeController = new AbortController();
  #readShut = false;
  #writeShut = false;
  #noDelay: boolean | undefined;
  #keepAlive: boolean | undefined;

  static {
    adopt = (conn, transport, parent) => {
      const socket = new Socket({ transport });
      socket.#setConnected(conn);
      if (parent.#noDelay !== undefined) socket.setNoDelay(parent.#noDelay);
      if (parent.#keepAlive !== undefined) {
        socket.setKeepAlive(parent.#keepAlive);
      }
      return socket;
    };
  }

  /**
   * Create a socket, like `socket(2)`. No system resource is held until
   * `bind()` (UDP), `listen()` or `connect()`.
   *
   * @param options The transport and `reusePort`.
   * @throws {TypeError} When `transport` is not `"tcp"`, `"udp"` or `"unix"`.
   * @throws {Deno.errors.NotSupported} When the transport is `"udp"` or
   *   `reusePort` is set and Deno runs without `--unstable-net` (the message
   *   says to add the flag), or when `reusePort` is set on a unix socket.
   *
   * @example Create a TCP socket
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using socket = new Socket({ transport: "tcp" });
   * assert.equal(socket.state, "open");
   * assert.equal(socket.localAddr, null);
   * ```
   */
  constructor(options: SocketOptions = {}) {
    const { transport = "tcp", reusePort = false } = options;
    if (transport !== "tcp" && transport !== "udp" && transport !== "unix") {
      throw new TypeError(
        `Invalid socket transport ${
          JSON.stringify(transport)
        }: expected "tcp", "udp" or "unix"`,
      );
    }
    if (transport === "udp" && !hasUnstableNet()) {
      throw unstableNetError("UDP sockets");
    }
    if (reusePort) {
      if (transport === "unix") {
        throw new Deno.errors.NotSupported(
          "Option reusePort is not supported for unix sockets",
        );
      }
      // Deno.listen({ reusePort: true }) exits the process without the flag.
      if (!hasUnstableNet()) {
        throw unstableNetError("Option reusePort");
      }
    }
    this.#transport = transport;
    this.#reusePort = reusePort;
  }

  /** The transport given to the constructor. */
  get transport(): SocketTransport {
    return this.#transport;
  }

  /** The lifecycle state; see {@linkcode SocketState}. */
  get state(): SocketState {
    return this.#state;
  }

  /**
   * The local address: `null` before `bind()` or `connect()`; the address
   * given to `bind()` until `listen()` (TCP, unix); the address the OS
   * assigned once listening, bound (UDP) or connected. After `close()` it
   * keeps its last value.
   */
  get localAddr(): Addr | null {
    return this.#localAddr;
  }

  /**
   * The address of the peer of a connected stream socket; `null` otherwise
   * (UDP sockets have no peer: see `receiveFrom()`). After `close()` it keeps
   * its last value.
   */
  get remoteAddr(): Addr | null {
    return this.#remoteAddr;
  }

  /**
   * Give the socket a local address, like `bind(2)`. A UDP socket binds at
   * once (`Deno.listenDatagram`); a TCP or unix socket records the address
   * for `listen()`. Port 0 lets the OS pick a port.
   *
   * @param addr `"host:port"`, `"[ipv6]:port"`, `"unix:/path"` (a unix socket
   *   also takes a bare path) or a `Deno.NetAddr` / `Deno.UnixAddr`.
   * @throws {TypeError} When `addr` is malformed or of the wrong transport.
   * @throws {RangeError} When the port of an address object is not an
   *   integer from 0 to 65535.
   * @throws {Deno.errors.BadResource} When the socket is closed.
   * @throws {Deno.errors.AlreadyExists} When it is bound, listening or
   *   connected.
   * @throws {Deno.errors.AddrInUse} When a UDP address is taken (TCP and unix
   *   report it from `listen()`).
   *
   * @example Bind a UDP socket to a port the OS picks
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using socket = new Socket({ transport: "udp" });
   * socket.bind("127.0.0.1:0");
   * assert.equal(socket.state, "bound");
   * assert.notEqual((socket.localAddr as Deno.NetAddr).port, 0);
   * ```
   */
  bind(addr: string | Addr): void {
    this.#check("bind()", ["open"]);
    const local = this.#resolve(addr, "bind()");
    if (this.#transport === "udp") {
      const net = local as Deno.NetAddr;
      try {
        this.#datagram = Deno.listenDatagram({
          transport: "udp",
          hostname: net.hostname,
          port: net.port,
          reuseAddress: this.#reusePort,
        });
      } catch (err) {
        throw describeError(err, `Cannot bind to ${formatAddr(local)}`);
      }
      this.#localAddr = copyAddr(this.#datagram.addr as Deno.NetAddr);
    } else {
      this.#localAddr = local;
    }
    this.#state = "bound";
  }

  /**
   * Start accepting connections on the bound address, like `listen(2)`
   * (`Deno.listen`). Afterwards `localAddr` shows the real port when the
   * bound port was 0. Deno picks the backlog.
   *
   * @throws {Deno.errors.NotSupported} On a UDP socket.
   * @throws {Deno.errors.BadResource} When the socket is closed or not bound.
   * @throws {Deno.errors.AlreadyExists} When it is listening or connected.
   * @throws {Deno.errors.AddrInUse} When the address is taken (a unix socket
   *   file that already exists counts).
   *
   * @example Listen on a port the OS picks
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using socket = new Socket();
   * socket.bind("127.0.0.1:0");
   * socket.listen();
   * assert.equal(socket.state, "listening");
   * assert.notEqual((socket.localAddr as Deno.NetAddr).port, 0);
   * ```
   */
  listen(): void {
    this.#unsupported("listen()", ["udp"], "use receiveFrom()");
    this.#check("listen()", ["bound"]);
    const local = this.#localAddr!;
    try {
      this.#listener = "path" in local
        ? Deno.listen({ transport: "unix", path: local.path })
        : Deno.listen({
          transport: "tcp",
          hostname: local.hostname,
          port: local.port,
          ...(this.#reusePort ? { reusePort: true } : {}),
        });
    } catch (err) {
      throw describeError(err, `Cannot listen on ${formatAddr(local)}`);
    }
    this.#localAddr = copyAddr(this.#listener.addr as Addr);
    this.#state = "listening";
  }

  /**
   * Wait for the next connection, like `accept(2)`, and return it as a new
   * socket in state `"connected"`. It inherits `setNoDelay()` and
   * `setKeepAlive()` settings made on this socket.
   *
   * @param options `signal` to stop waiting.
   * @returns The connected socket.
   * @throws {Deno.errors.NotSupported} On a UDP socket.
   * @throws {Deno.errors.BadResource} When the socket is not listening, is
   *   closed, or is closed while waiting.
   * @throws {Deno.errors.Busy} When another `accept()` is waiting.
   * @throws {unknown} `signal.reason` when `signal` aborts.
   *
   * @example Accept a connection
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using server = new Socket();
   * server.bind("127.0.0.1:0");
   * server.listen();
   * using client = new Socket();
   * const accepted = server.accept();
   * await client.connect(server.localAddr!);
   * using peer = await accepted;
   * assert.equal(peer.state, "connected");
   * assert.deepEqual(peer.remoteAddr, client.localAddr);
   * ```
   */
  async accept(options: SocketAcceptOptions = {}): Promise<Socket> {
    this.#unsupported("accept()", ["udp"], "use receiveFrom()");
    this.#check("accept()", ["listening"]);
    if (this.#acceptWaiting) {
      throw new Deno.errors.Busy(
        "Cannot accept(): another accept() is waiting",
      );
    }
    const { signal } = options;
    signal?.throwIfAborted();
    // Deno cannot cancel listener.accept(); an aborted call leaves it parked
    // here for the next accept(), and close() settles it.
    this.#pendingAccept ??= this.#listener!.accept();
    const pending = this.#pendingAccept;
    this.#acceptWaiting = true;
    let conn: Deno.Conn;
    try {
      conn = await deadline(pending, signal);
    } catch (err) {
      if (signal?.aborted && err === signal.reason) throw err;
      this.#pendingAccept = null;
      if (this.#state === "closed") {
        throw new Deno.errors.BadResource(
          "Cannot accept(): socket was closed",
          { cause: err },
        );
      }
      throw describeError(
        err,
        `Cannot accept on ${formatAddr(this.#localAddr!)}`,
      );
    } finally {
      this.#acceptWaiting = false;
    }
    this.#pendingAccept = null;
    if (this.#state === "closed") {
      conn.close();
      throw new Deno.errors.BadResource("Cannot accept(): socket was closed");
    }
    return adopt(conn, this.#transport as "tcp" | "unix", this);
  }

  /**
   * Connect to `addr`, like `connect(2)` (`Deno.connect`, which tries IPv6
   * and IPv4 addresses of a hostname in turn, "Happy Eyeballs"). When it
   * fails the socket stays `"open"` and `connect()` may be called again.
   *
   * @param addr `"host:port"`, `"[ipv6]:port"`, `"unix:/path"` (a unix socket
   *   also takes a bare path) or a `Deno.NetAddr` / `Deno.UnixAddr`.
   * @param options `signal` to abort and `timeout` in milliseconds.
   * @throws {TypeError} When `addr` is malformed or of the wrong transport.
   * @throws {RangeError} When `timeout` is negative or not a number, or the
   *   port of an address object is out of range.
   * @throws {Deno.errors.ConnectionRefused} When nothing listens at `addr`
   *   (`Cannot connect to 127.0.0.1:9: connection refused`).
   * @throws {Deno.errors.TimedOut} When `timeout` ms pass first.
   * @throws {unknown} `signal.reason` when `signal` aborts.
   * @throws {Deno.errors.NotSupported} On a UDP socket, or after `bind()`.
   * @throws {Deno.errors.AlreadyExists} When connected or listening.
   * @throws {Deno.errors.Busy} When another `connect()` is in progress.
   * @throws {Deno.errors.BadResource} When the socket is closed, also while
   *   connecting.
   *
   * @example Connect with a timeout
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using server = new Socket();
   * server.bind("127.0.0.1:0");
   * server.listen();
   * using client = new Socket();
   * const accepted = server.accept();
   * await client.connect(server.localAddr!, { timeout: 5000 });
   * using _peer = await accepted;
   * assert.equal(client.state, "connected");
   * ```
   */
  async connect(
    addr: string | Addr,
    options: SocketConnectOptions = {},
  ): Promise<void> {
    this.#unsupported(
      "connect()",
      ["udp"],
      "Deno has no connected UDP sockets; use sendTo()",
    );
    if (this.#state === "bound") {
      throw new Deno.errors.NotSupported(
        'Cannot connect(): Deno cannot connect from a bound address (state "bound")',
      );
    }
    this.#check("connect()", ["open"]);
    if (this.#connecting) {
      throw new Deno.errors.Busy(
        "Cannot connect(): another connect() is in progress",
      );
    }
    const { signal, timeout } = options;
    if (
      timeout !== undefined &&
      (typeof timeout !== "number" || !(timeout >= 0))
    ) {
      throw new RangeError(
        `Invalid connect timeout ${timeout}: expected milliseconds >= 0`,
      );
    }
    const remote = this.#resolve(addr, "connect()");
    const name = formatAddr(remote);
    signal?.throwIfAborted();

    const controller = new AbortController();
    const closed = this.#closeController.signal;
    const onClose = () =>
      controller.abort(
        new Deno.errors.BadResource(
          `Cannot connect to ${name}: socket was closed`,
        ),
      );
    const onSignal = () => controller.abort(signal!.reason);
    signal?.addEventListener("abort", onSignal, { once: true });
    closed.addEventListener("abort", onClose, { once: true });
    const timer = timeout === undefined ? undefined : setTimeout(() => {
      controller.abort(
        new Deno.errors.TimedOut(
          `Cannot connect to ${name}: timed out after ${timeout} ms`,
        ),
      );
    }, timeout);

    this.#connecting = true;
    const connecting: Promise<Deno.Conn> = "path" in remote
      ? Deno.connect({ transport: "unix", path: remote.path })
      : Deno.connect({
        transport: "tcp",
        hostname: remote.hostname,
        port: remote.port,
        signal: controller.signal,
      });
    let conn: Deno.Conn;
    try {
      conn = await deadline(connecting, controller.signal);
    } catch (err) {
      // A connection that completes after an abort must not leak.
      connecting.then((c) => c.close(), () => {});
      if (controller.signal.aborted && err === controller.signal.reason) {
        throw err;
      }
      throw describeError(err, `Cannot connect to ${name}`);
    } finally {
      this.#connecting = false;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onSignal);
      closed.removeEventListener("abort", onClose);
    }
    if (this.#state === "closed") {
      conn.close();
      throw new Deno.errors.BadResource(
        `Cannot connect to ${name}: socket was closed`,
      );
    }
    this.#setConnected(conn);
    if (this.#noDelay !== undefined) this.setNoDelay(this.#noDelay);
    if (this.#keepAlive !== undefined) this.setKeepAlive(this.#keepAlive);
  }

  /**
   * Send all of `bytes` on a connected stream socket, like `send(2)` in a
   * loop over partial writes.
   *
   * @param bytes The bytes to send.
   * @returns The number of bytes sent: `bytes.byteLength`.
   * @throws {Deno.errors.NotSupported} On a UDP socket (use `sendTo()`).
   * @throws {Deno.errors.NotConnected} When the socket is not connected.
   * @throws {Deno.errors.BrokenPipe} After `shutdown("write")`, or when the
   *   peer has gone.
   * @throws {Deno.errors.BadResource} When the socket is closed, also while
   *   sending.
   *
   * @example Send bytes
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using server = new Socket();
   * server.bind("127.0.0.1:0");
   * server.listen();
   * using client = new Socket();
   * const accepted = server.accept();
   * await client.connect(server.localAddr!);
   * using _peer = await accepted;
   * assert.equal(await client.send(new Uint8Array(1024)), 1024);
   * ```
   */
  async send(bytes: Uint8Array): Promise<number> {
    this.#unsupported("send()", ["udp"], "use sendTo()");
    this.#check("send()", ["connected"]);
    if (this.#writeShut) {
      throw new Deno.errors.BrokenPipe(
        "Cannot send(): socket is shut down for writing",
      );
    }
    const conn = this.#conn!;
    let written = 0;
    try {
      while (written < bytes.byteLength) {
        written += await conn.write(bytes.subarray(written));
      }
    } catch (err) {
      throw this.#closedError("send()", err);
    }
    return written;
  }

  /**
   * Read the next bytes of a connected stream socket into `buffer`, like
   * `recv(2)`.
   *
   * @param buffer Where to put the bytes.
   * @returns The number of bytes read, or `null` at end of stream (the peer
   *   shut down writing or closed) and after `shutdown("read")`.
   * @throws {Deno.errors.NotSupported} On a UDP socket (use `receiveFrom()`).
   * @throws {Deno.errors.NotConnected} When the socket is not connected.
   * @throws {Deno.errors.BadResource} When the socket is closed, also while
   *   waiting.
   * @throws {Deno.errors.ConnectionReset} When the peer reset the
   *   connection.
   *
   * @example Read until end of stream
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using server = new Socket();
   * server.bind("127.0.0.1:0");
   * server.listen();
   * using client = new Socket();
   * const accepted = server.accept();
   * await client.connect(server.localAddr!);
   * using peer = await accepted;
   * await client.send(new Uint8Array([1, 2, 3]));
   * client.close();
   * const buf = new Uint8Array(8);
   * assert.equal(await peer.receive(buf), 3);
   * assert.equal(await peer.receive(buf), null);
   * ```
   */
  async receive(buffer: Uint8Array): Promise<number | null> {
    this.#unsupported("receive()", ["udp"], "use receiveFrom()");
    this.#check("receive()", ["connected"]);
    if (this.#readShut) return null;
    try {
      return await this.#conn!.read(buffer);
    } catch (err) {
      throw this.#closedError("receive()", err);
    }
  }

  /**
   * Send one datagram to `addr` from a bound UDP socket, like `sendto(2)`.
   *
   * @param bytes The datagram.
   * @param addr `"host:port"`, `"[ipv6]:port"` or a `Deno.NetAddr`.
   * @returns The number of bytes sent.
   * @throws {Deno.errors.NotSupported} On a TCP or unix socket.
   * @throws {Deno.errors.BadResource} When the socket is not bound or is
   *   closed.
   * @throws {TypeError} When `addr` is malformed.
   *
   * @example Send a datagram to ourselves
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using socket = new Socket({ transport: "udp" });
   * socket.bind("127.0.0.1:0");
   * const addr = socket.localAddr as Deno.NetAddr;
   * await socket.sendTo(new Uint8Array([42]), addr);
   * const buf = new Uint8Array(16);
   * const { bytesRead, remoteAddr } = await socket.receiveFrom(buf);
   * assert.equal(bytesRead, 1);
   * assert.deepEqual(remoteAddr, socket.localAddr);
   * ```
   */
  async sendTo(
    bytes: Uint8Array,
    addr: string | Deno.NetAddr,
  ): Promise<number> {
    this.#unsupported("sendTo()", ["tcp", "unix"], "use send()");
    this.#check("sendTo()", ["bound"]);
    const remote = this.#resolve(addr, "sendTo()");
    try {
      return await this.#datagram!.send(bytes, remote);
    } catch (err) {
      if (this.#state === "closed") throw this.#closedError("sendTo()", err);
      throw describeError(err, `Cannot send to ${formatAddr(remote)}`);
    }
  }

  /**
   * Wait for the next datagram on a bound UDP socket and copy it into
   * `buffer`, like `recvfrom(2)`. A datagram longer than `buffer` is
   * truncated; the rest is lost.
   *
   * @param buffer Where to put the datagram.
   * @returns How many bytes were written to `buffer` and who sent them.
   * @throws {Deno.errors.NotSupported} On a TCP or unix socket.
   * @throws {Deno.errors.BadResource} When the socket is not bound, is
   *   closed, or is closed while waiting.
   *
   * @example Receive a datagram
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using a = new Socket({ transport: "udp" });
   * using b = new Socket({ transport: "udp" });
   * a.bind("127.0.0.1:0");
   * b.bind("127.0.0.1:0");
   * await a.sendTo(new TextEncoder().encode("hi"), b.localAddr as Deno.NetAddr);
   * const buf = new Uint8Array(64);
   * const { bytesRead, remoteAddr } = await b.receiveFrom(buf);
   * assert.equal(new TextDecoder().decode(buf.subarray(0, bytesRead)), "hi");
   * assert.deepEqual(remoteAddr, a.localAddr);
   * ```
   */
  async receiveFrom(buffer: Uint8Array): Promise<ReceiveFromResult> {
    this.#unsupported("receiveFrom()", ["tcp", "unix"], "use receive()");
    this.#check("receiveFrom()", ["bound"]);
    try {
      const [data, addr] = await this.#datagram!.receive(buffer);
      return {
        bytesRead: data.byteLength,
        remoteAddr: copyAddr(addr as Deno.NetAddr),
      };
    } catch (err) {
      throw this.#closedError("receiveFrom()", err);
    }
  }

  /**
   * Shut down one or both directions of a connected stream socket, like
   * `shutdown(2)`. `"write"` sends a FIN (`closeWrite()`): the peer reads
   * end of stream while this side can still `receive()`. `"read"` makes
   * later `receive()` calls return `null` (a `receive()` already waiting is
   * not affected; data the peer sends is discarded by `close()`). `"both"`
   * does both. Shutting down a direction twice is a no-op. The socket stays
   * `"connected"` until `close()`.
   *
   * @param how The direction to shut down.
   * @throws {TypeError} When `how` is not `"read"`, `"write"` or `"both"`.
   * @throws {Deno.errors.NotSupported} On a UDP socket.
   * @throws {Deno.errors.NotConnected} When the socket is not connected.
   * @throws {Deno.errors.BadResource} When the socket is closed.
   *
   * @example Half-close
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using server = new Socket();
   * server.bind("127.0.0.1:0");
   * server.listen();
   * using client = new Socket();
   * const accepted = server.accept();
   * await client.connect(server.localAddr!);
   * using peer = await accepted;
   * await client.shutdown("write");
   * const buf = new Uint8Array(8);
   * assert.equal(await peer.receive(buf), null);
   * await peer.send(new Uint8Array([7])); // the other direction still works
   * assert.equal(await client.receive(buf), 1);
   * ```
   */
  async shutdown(how: ShutdownHow): Promise<void> {
    if (how !== "read" && how !== "write" && how !== "both") {
      throw new TypeError(
        `Invalid shutdown direction ${
          JSON.stringify(how)
        }: expected "read", "write" or "both"`,
      );
    }
    this.#unsupported("shutdown()", ["udp"], "close() it instead");
    this.#check("shutdown()", ["connected"]);
    if (how !== "write") this.#readShut = true;
    if (how !== "read" && !this.#writeShut) {
      this.#writeShut = true;
      try {
        await this.#conn!.closeWrite();
      } catch (err) {
        throw this.#closedError("shutdown()", err);
      }
    }
  }

  /**
   * Turn Nagle's algorithm off (`true`, `TCP_NODELAY` set: small writes go
   * out at once) or on (`false`), per `tcp(7)`. On a socket that is not yet
   * connected the setting is kept and applied on `connect()`, and to the
   * sockets `accept()` returns.
   *
   * @param noDelay Whether to set `TCP_NODELAY`.
   * @default {true}
   * @throws {Deno.errors.NotSupported} On a UDP or unix socket.
   * @throws {Deno.errors.BadResource} When the socket is closed.
   *
   * @example Disable Nagle's algorithm before connecting
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using socket = new Socket();
   * socket.setNoDelay(true);
   * assert.equal(socket.state, "open");
   * ```
   */
  setNoDelay(noDelay = true): void {
    this.#unsupported("setNoDelay()", ["udp", "unix"], "it is a TCP option");
    this.#check("setNoDelay()", [
      "open",
      "bound",
      "listening",
      "connected",
    ]);
    this.#noDelay = noDelay;
    if (this.#conn) (this.#conn as Deno.TcpConn).setNoDelay(noDelay);
  }

  /**
   * Turn TCP keep-alive probes (`SO_KEEPALIVE`, `socket(7)`) on or off. On a
   * socket that is not yet connected the setting is kept and applied on
   * `connect()`, and to the sockets `accept()` returns.
   *
   * @param keepAlive Whether to set `SO_KEEPALIVE`.
   * @default {true}
   * @throws {Deno.errors.NotSupported} On a UDP or unix socket.
   * @throws {Deno.errors.BadResource} When the socket is closed.
   *
   * @example Enable keep-alive before connecting
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * using socket = new Socket();
   * socket.setKeepAlive(true);
   * assert.equal(socket.state, "open");
   * ```
   */
  setKeepAlive(keepAlive = true): void {
    this.#unsupported("setKeepAlive()", ["udp", "unix"], "it is a TCP option");
    this.#check("setKeepAlive()", [
      "open",
      "bound",
      "listening",
      "connected",
    ]);
    this.#keepAlive = keepAlive;
    if (this.#conn) (this.#conn as Deno.TcpConn).setKeepAlive(keepAlive);
  }

  /**
   * Release the socket, like `close(2)`. Pending `accept()`, `connect()`,
   * `receive()` and `receiveFrom()` calls reject with
   * `Deno.errors.BadResource`. Closing a closed socket does nothing. Closing a
   * listening unix socket removes its socket file (Deno does this).
   *
   * @example Close twice
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   * import assert from "node:assert/strict";
   *
   * const socket = new Socket();
   * socket.close();
   * socket.close();
   * assert.equal(socket.state, "closed");
   * ```
   */
  close(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#closeController.abort();
    const pending = this.#pendingAccept;
    if (pending) {
      this.#pendingAccept = null;
      pending.then((conn) => conn.close(), () => {});
    }
    for (const resource of [this.#listener, this.#conn, this.#datagram]) {
      try {
        resource?.close();
      } catch (err) {
        if (!(err instanceof Deno.errors.BadResource)) throw err;
      }
    }
    this.#listener = null;
    this.#conn = null;
    this.#datagram = null;
  }

  /**
   * Close the socket; see {@linkcode Socket.prototype.close}.
   *
   * @example Close with `using`
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   *
   * using _socket = new Socket();
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Close the socket; see {@linkcode Socket.prototype.close}. Resolves once
   * an `accept()` that was left waiting by an abort has settled.
   *
   * @returns A promise that resolves when the socket is closed.
   *
   * @example Close with `await using`
   * ```ts
   * import { Socket } from "@socketkit/socketkit";
   *
   * await using _socket = new Socket();
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const pending = this.#pendingAccept;
    this.close();
    if (pending) await pending.then(() => {}, () => {});
  }

  #setConnected(conn: Deno.Conn): void {
    this.#conn = conn;
    this.#localAddr = copyAddr(conn.localAddr as Addr);
    this.#remoteAddr = copyAddr(conn.remoteAddr as Addr);
    this.#state = "connected";
  }

  /** Throw unless the state is one of `allowed`; see the class doc. */
  #check(op: string, allowed: readonly SocketState[]): void {
    const state = this.#state;
    if (allowed.includes(state)) return;
    if (state === "closed") {
      throw new Deno.errors.BadResource(`Cannot ${op}: socket is closed`);
    }
    if (allowed.includes("connected")) {
      throw new Deno.errors.NotConnected(
        `Cannot ${op}: socket is not connected (state "${state}")`,
      );
    }
    if (allowed.includes("listening")) {
      throw new Deno.errors.BadResource(
        `Cannot ${op}: socket is not listening (state "${state}")`,
      );
    }
    if (state === "open") {
      throw new Deno.errors.BadResource(
        `Cannot ${op}: socket is not bound (state "open"); call bind() first`,
      );
    }
    throw new Deno.errors.AlreadyExists(
      `Cannot ${op}: socket is already ${state} (state "${state}")`,
    );
  }

  #unsupported(op: string, transports: SocketTransport[], hint: string): void {
    if (this.#state === "closed") {
      throw new Deno.errors.BadResource(`Cannot ${op}: socket is closed`);
    }
    if (transports.includes(this.#transport)) {
      throw new Deno.errors.NotSupported(
        `Cannot ${op} on a ${this.#transport} socket: ${hint}`,
      );
    }
  }

  /** The error for an I/O failure, which is BadResource once closed. */
  #closedError(op: string, err: unknown): unknown {
    if (this.#state === "closed") {
      return new Deno.errors.BadResource(`Cannot ${op}: socket was closed`, {
        cause: err,
      });
    }
    if (err instanceof Deno.errors.BrokenPipe && op === "send()") {
      return describeError(
        err,
        `Cannot send to ${formatAddr(this.#remoteAddr!)}`,
      );
    }
    return err;
  }

  #resolve(addr: string | Addr, op: string): Addr {
    const transport = this.#transport;
    let result: Addr;
    if (typeof addr === "string") {
      if (transport === "unix" && !addr.startsWith("unix:")) {
        if (addr === "") {
          throw new TypeError(`Invalid address "": empty unix socket path`);
        }
        return { transport: "unix", path: addr };
      }
      result = parseAddr(addr, transport === "udp" ? "udp" : "tcp");
    } else if (addr !== null && typeof addr === "object") {
      result = addr;
    } else {
      throw new TypeError(
        `Invalid address ${
          String(addr)
        }: expected a string or an address object`,
      );
    }
    const isUnix = result.transport === "unix";
    if (isUnix !== (transport === "unix")) {
      throw new TypeError(
        `Cannot ${op} a ${transport} socket with address ${
          formatAddr(result)
        }: expected a ${transport === "unix" ? "unix" : "host:port"} address`,
      );
    }
    if ("path" in result) {
      if (result.transport !== "unix") {
        throw new TypeError(
          `Cannot ${op} a unix socket with address ${
            formatAddr(result)
          }: only "unix" is supported`,
        );
      }
      return { transport: "unix", path: result.path };
    }
    const { hostname, port } = result;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(
        `Invalid port ${port} for ${hostname}: expected 0 to 65535`,
      );
    }
    return { transport: transport as "tcp" | "udp", hostname, port };
  }
}
