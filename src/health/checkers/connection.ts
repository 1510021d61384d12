/**
 * Connections of the HTTP(S) probes: a socket to one member, with its events handed to whichever
 * request is using it, and the idle connections kept between probes for checks with
 * `keepalive: true` (one per target, one request at a time).
 *
 * A kept connection is retired once it is older than KEEPALIVE_MAX_AGE_MS, so a member whose
 * listener stops accepting new connections (while old ones still answer) is noticed within that
 * age plus `fall` intervals: reuse never hides a dead listener for long.
 */
import net from 'node:net';
import tls from 'node:tls';

/** A kept connection is used for new requests up to this long after it was opened. */
export const KEEPALIVE_MAX_AGE_MS = 60_000;

/** What a request does with its connection's events (the connection has one user at a time). */
export interface ConnectionUser {
  /** TCP connected (TLS: handshake done) */
  connected(): void;
  data(buf: Buffer): void;
  /** the peer closed its side */
  end(): void;
  error(err: Error): void;
  /** the socket is gone (after end, error or destroy) */
  close(): void;
}

/**
 * One TLS context for every probe (verification is a per-connection option): given none,
 * tls.connect builds a fresh SecureContext, CA list included, for every connection.
 */
let context: tls.SecureContext | undefined;
const secureContext = (): tls.SecureContext => (context ??= tls.createSecureContext());

export interface Endpoint {
  scheme: 'http' | 'https';
  address: string;
  port: number;
  /** TLS SNI; none for an IP literal */
  servername?: string;
  /** https: accept any certificate */
  insecure?: boolean;
}

export class Connection {
  readonly openedAt = performance.now();
  user: ConnectionUser | undefined;
  /** the socket is closed or closing: it cannot carry another request */
  closed = false;

  private constructor(readonly socket: net.Socket) {
    // one set of listeners for the socket's whole life, dispatching to the current user: reusing
    // a connection then costs no listener changes
    socket.on('data', (buf: Buffer) => (this.user ? this.user.data(buf) : this.destroy()));
    socket.on('end', () => {
      this.closed = true;
      this.user?.end();
    });
    socket.on('error', (err) => {
      this.closed = true;
      this.user?.error(err);
    });
    socket.on('close', () => {
      this.closed = true;
      this.user?.close();
    });
  }

  /** Opens a connection; throws synchronously for options Node rejects (a bad port). */
  static open(to: Endpoint): Connection {
    if (to.scheme === 'https') {
      const socket = tls.connect({
        host: to.address,
        port: to.port,
        servername: to.servername,
        rejectUnauthorized: !to.insecure,
        secureContext: secureContext(),
      });
      const conn = new Connection(socket);
      socket.once('secureConnect', () => conn.user?.connected());
      return conn;
    }
    const socket = net.connect({ host: to.address, port: to.port });
    const conn = new Connection(socket);
    socket.once('connect', () => conn.user?.connected());
    return conn;
  }

  destroy(): void {
    this.closed = true;
    this.user = undefined;
    this.socket.destroy();
  }
}

/**
 * Idle connections by owner (a check target): `take` hands one out and forgets it, `put` brings
 * it back after a complete response. Idle sockets are unref'd (they never hold a process open),
 * and a sweep closes those past their age.
 */
export class KeptConnections<K> {
  private readonly idle = new Map<K, Connection>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly maxAgeMs = KEEPALIVE_MAX_AGE_MS) {}

  get size(): number {
    return this.idle.size;
  }

  /** The owner's idle connection if it is still open and young enough; it is the caller's now. */
  take(owner: K): Connection | undefined {
    const conn = this.idle.get(owner);
    if (!conn) return undefined;
    this.idle.delete(owner);
    if (conn.closed || this.old(conn)) {
      conn.destroy();
      return undefined;
    }
    conn.socket.ref();
    return conn;
  }

  /** Keep `conn` for the owner's next request (closing it instead if it is closed or too old). */
  put(owner: K, conn: Connection): void {
    if (conn.closed || this.old(conn)) return conn.destroy();
    this.idle.get(owner)?.destroy();
    conn.user = undefined;
    conn.socket.unref();
    this.idle.set(owner, conn);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(1000, this.maxAgeMs / 2));
      this.sweeper.unref();
    }
  }

  /** Close the owner's idle connection (the target is no longer probed). */
  forget(owner: K): void {
    this.idle.get(owner)?.destroy();
    this.idle.delete(owner);
  }

  private old(conn: Connection): boolean {
    return performance.now() - conn.openedAt > this.maxAgeMs;
  }

  private sweep(): void {
    for (const [owner, conn] of this.idle) {
      if (conn.closed || this.old(conn)) this.forget(owner);
    }
    if (this.idle.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
