// Copyright 2026 the socketkit authors. MIT license.
// Private: the per-origin connection pool behind Client (http/client.ts).
//
// Each idle connection keeps one read pending. If it settles while the
// connection is idle, the peer closed it (or sent something unasked for), and
// the connection is dropped at once; if a request checks the connection out
// first, that read is simply the first read of its response, so watching
// costs nothing per request.

import {
  connect,
  type ConnectOptions,
  type TCPConnection,
} from "../connection.ts";
import { type DecoderOptions, ResponseDecoder } from "./parser.ts";

/** The settings a pool takes from its client. */
export interface PoolSettings {
  maxIdlePerHost: number;
  maxConnectionsPerHost: number;
  idleTimeout: number;
  connectTimeout: number | undefined;
  decoder: DecoderOptions;
  /** Called when a connection goes idle, so the client can arm its sweep. */
  onIdle: (at: number) => void;
}

/** One pooled connection with its reusable response decoder. */
export class PooledConnection {
  readonly tcp: TCPConnection;
  readonly pool: HostPool;
  readonly decoder: ResponseDecoder;
  /** Requests completed on this connection. */
  uses = 0;
  /** When it went idle, in ms since the epoch. */
  idleSince = 0;
  idle = false;
  /** The peer sent EOF. */
  eof = false;
  /** A response byte arrived for the current request. */
  received = false;
  /** The request body is still being sent (the client's `#duplex`). */
  sending = false;
  /** Stops the sending of the request body. */
  halt: () => void = () => {};
  /** Set when sending the request body failed other than by the connection (its source, a bad chunk). */
  sourceError: { error: unknown } | null = null;
  /** The read started while idle; the next request takes it over. */
  #pending: Promise<Uint8Array | null> | null = null;
  /** Settles when the pending read has, never rejects. */
  settled: Promise<void> | null = null;

  constructor(tcp: TCPConnection, pool: HostPool, decoder: DecoderOptions) {
    this.tcp = tcp;
    this.pool = pool;
    this.decoder = new ResponseDecoder(decoder);
  }

  /** The next chunk of input: the read pending since idle, or a new one. */
  read(): Promise<Uint8Array | null> {
    const pending = this.#pending;
    if (pending !== null) {
      this.#pending = null;
      return pending;
    }
    return this.tcp.readChunk();
  }

  /**
   * Starts the read that notices the peer closing while idle; it does not
   * keep the process alive (a script that forgets `client.close()` still
   * exits, as with Node's agent).
   */
  watch(): void {
    const pending = this.tcp.readChunk();
    this.tcp.unref();
    this.#pending = pending;
    this.settled = pending.then((chunk) => {
      // Data or EOF on an idle connection: the peer is done with it.
      if (this.idle) this.pool.discard(this);
      else if (chunk === null) this.eof = true;
    }, () => {
      if (this.idle) this.pool.discard(this);
    });
  }
}

interface Waiter {
  resolve: (conn: PooledConnection) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The connections to one origin (scheme, host and port) or unix socket. */
export class HostPool {
  /** What error messages name: `127.0.0.1:8080` or `unix:/run/x.sock`. */
  readonly name: string;
  readonly idle: PooledConnection[] = [];
  /** Connections open or opening, idle or not. */
  open = 0;
  closed = false;
  #settings: PoolSettings;
  #connect: ConnectOptions;
  #waiters: Waiter[] = [];
  #all = new Set<PooledConnection>();

  constructor(
    name: string,
    connectOptions: ConnectOptions,
    settings: PoolSettings,
  ) {
    this.name = name;
    this.#connect = connectOptions;
    this.#settings = settings;
  }

  /**
   * A connection for one request: an idle one (newest first), a new one, or
   * the next one released once `maxConnectionsPerHost` are open (FIFO).
   * `fresh` skips the idle ones (for a retry).
   */
  acquire(
    signal: AbortSignal | undefined,
    fresh: boolean,
  ): PooledConnection | Promise<PooledConnection> {
    if (this.closed) return Promise.reject(this.#closedError());
    if (!fresh && this.idle.length > 0) {
      const now = Date.now();
      const timeout = this.#settings.idleTimeout;
      while (this.idle.length > 0) {
        const conn = this.idle.pop()!;
        conn.idle = false;
        if (conn.eof || now - conn.idleSince >= timeout) {
          this.#drop(conn, false);
          continue;
        }
        conn.received = false;
        conn.tcp.ref();
        return conn;
      }
    }
    if (this.open < this.#settings.maxConnectionsPerHost) {
      this.open++;
      return this.#dial(signal);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<PooledConnection>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const i = this.#waiters.indexOf(waiter);
          if (i !== -1) this.#waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  async #dial(signal: AbortSignal | undefined): Promise<PooledConnection> {
    let tcp: TCPConnection;
    try {
      tcp = await connect(this.#connect, {
        signal,
        timeout: this.#settings.connectTimeout,
      });
    } catch (error) {
      this.open--;
      this.#wake();
      throw error;
    }
    if (this.closed) {
      tcp.close();
      this.open--;
      throw this.#closedError();
    }
    let conn: PooledConnection;
    try {
      conn = new PooledConnection(tcp, this, this.#settings.decoder);
    } catch (error) {
      // Bad decoder options, say: the connection and its slot are ours.
      tcp.close();
      this.open--;
      this.#wake();
      throw error;
    }
    this.#all.add(conn);
    return conn;
  }

  /** Returns a connection after a request; `reusable` when it may serve another. */
  release(conn: PooledConnection, reusable: boolean): void {
    if (!reusable || this.closed || conn.tcp.closed || conn.eof) {
      this.#drop(conn, true);
      return;
    }
    conn.uses++;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort!);
      conn.received = false;
      waiter.resolve(conn);
      return;
    }
    if (this.idle.length >= this.#settings.maxIdlePerHost) {
      this.#drop(conn, true);
      return;
    }
    conn.idle = true;
    conn.idleSince = Date.now();
    this.idle.push(conn);
    conn.watch();
    this.#settings.onIdle(conn.idleSince);
  }

  /** Drops an idle connection the peer closed. */
  discard(conn: PooledConnection): void {
    const i = this.idle.indexOf(conn);
    if (i === -1) return;
    this.idle.splice(i, 1);
    conn.idle = false;
    this.#drop(conn, true);
  }

  /** Closes idle connections idle since before `before` (ms since the epoch). */
  sweep(before: number): void {
    while (this.idle.length > 0 && this.idle[0].idleSince <= before) {
      const conn = this.idle.shift()!;
      conn.idle = false;
      this.#drop(conn, true);
    }
  }

  #drop(conn: PooledConnection, wake: boolean): void {
    conn.tcp.close();
    if (!this.#all.delete(conn)) return;
    this.open--;
    if (wake) this.#wake();
  }

  /** Opens a connection for the first waiter if a slot is free. */
  #wake(): void {
    while (
      this.#waiters.length > 0 &&
      this.open < this.#settings.maxConnectionsPerHost
    ) {
      const waiter = this.#waiters.shift()!;
      waiter.signal?.removeEventListener("abort", waiter.onAbort!);
      this.open++;
      this.#dial(waiter.signal).then(waiter.resolve, waiter.reject);
    }
  }

  #closedError(): Error {
    return new Deno.errors.BadResource(
      `Cannot request ${this.name}: the client is closed`,
    );
  }

  /** Closes every connection and fails the waiters; returns what to await. */
  close(): Promise<void>[] {
    this.closed = true;
    const settled: Promise<void>[] = [];
    for (const conn of this.#all) {
      if (conn.settled !== null) settled.push(conn.settled);
      conn.idle = false;
      conn.tcp.close();
    }
    this.#all.clear();
    this.idle.length = 0;
    this.open = 0;
    const error = this.#closedError();
    for (const waiter of this.#waiters.splice(0)) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort!);
      waiter.reject(error);
    }
    return settled;
  }
}
