/**
 * One HTTP(S) GET to a member, for the http/https checkers and the load reader, written on
 * node:net / node:tls directly: an HTTP/1.1 request in one write, and a reader for the status,
 * the framing and the start of the body (http-response.ts). node:http's client builds request and
 * response objects, an agent and its parser per request: with it a probe of a new connection cost
 * about 190 µs of CPU, without it about 150 (bench/lib/probe-cost.mjs, nginx on loopback), most of
 * the rest being the kernel's connect, write and close.
 *
 * By default each request has a connection of its own (`Connection: close`). With `keep` the
 * connection stays open for the owner's next request; a kept connection that the member closed
 * before answering (its idle timeout racing our request) is not a failed probe: the request is
 * sent again, once, on a fresh connection.
 *
 * It rejects with the socket, TLS or parser error (codes as Node's own: ECONNREFUSED,
 * DEPTH_ZERO_SELF_SIGNED_CERT, HPE_INVALID_CONSTANT …); `describeHttpError` words it. It does not
 * time itself out: the caller fires the signal at its deadline (probe.ts).
 */
import net from 'node:net';
import { Connection, type ConnectionUser, type KeptConnections } from './connection.js';
import { parseError, ResponseParser } from './http-response.js';
import { bracket, describeSocketError, errorCode, errorMessage } from './probe.js';

export const USER_AGENT = 'meridian-health/1';

export type GetPhase = 'connect' | 'response' | 'body';

export interface GetRequest {
  scheme: 'http' | 'https';
  address: string;
  port: number;
  path: string;
  /** Host header and SNI; default address:port (no SNI for an IP) */
  host?: string;
  /** https: accept any certificate */
  insecure?: boolean;
  /** read at most this many body bytes; 0 = do not read the body (resolve on the headers) */
  maxBodyBytes: number;
  signal: AbortSignal;
  /** updated as the request goes: connecting (TCP and TLS), waiting for the response, reading the body */
  progress?: { phase: GetPhase };
  /** keep the connection for the owner's next request (HTTP/1.1 keep-alive) */
  keep?: { pool: KeptConnections<object>; owner: object };
}

export interface GetResponse {
  status: number;
  /** the body as UTF-8, at most maxBodyBytes of it */
  body: string;
  /** the body was longer than maxBodyBytes */
  truncated: boolean;
}

/** "http://[::1]:8080/healthz" */
export function urlOf(req: Pick<GetRequest, 'scheme' | 'address' | 'port' | 'path'>): string {
  return `${req.scheme}://${bracket(req.address)}:${req.port}${normalPath(req.path)}`;
}

/** The path as sent: a leading "/", and bytes outside printable ASCII percent-encoded. */
function normalPath(path: string | undefined): string {
  if (!path) return '/';
  const p = path.startsWith('/') ? path : `/${path}`;
  return /[^\x21-\x7e]/.test(p) ? p.replace(/[^\x21-\x7e]+/g, encodeURIComponent) : p;
}

/** The name to send as TLS SNI: the Host without a port; none for an IP literal. */
function serverName(host: string | undefined): string | undefined {
  if (!host || host.startsWith('[')) return undefined;
  const name = host.split(':').length === 2 ? host.slice(0, host.lastIndexOf(':')) : host;
  return net.isIP(name) ? undefined : name;
}

function requestText(req: GetRequest): string {
  const host = req.host ?? `${bracket(req.address)}:${req.port}`;
  // a header value with a line break would let the config write headers of its own
  if (/[\r\n]/.test(host)) throw Object.assign(new TypeError('invalid character in the Host header'), { code: 'ERR_INVALID_CHAR' });
  const connection = req.keep ? 'keep-alive' : 'close';
  return `GET ${normalPath(req.path)} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${USER_AGENT}\r\nAccept: */*\r\nConnection: ${connection}\r\n\r\n`;
}

/** A kept connection the peer closed before any byte of the response: retry on a fresh one. */
class StaleConnection extends Error {}

export async function httpGet(req: GetRequest): Promise<GetResponse> {
  const progress = req.progress ?? { phase: 'connect' };
  const text = requestText(req);
  const kept = req.keep?.pool.take(req.keep.owner);
  if (kept) {
    try {
      return await exchange(req, text, kept, progress, true);
    } catch (err) {
      if (!(err instanceof StaleConnection)) throw err;
    }
  }
  progress.phase = 'connect';
  const conn = Connection.open({
    scheme: req.scheme,
    address: req.address,
    port: req.port,
    servername: req.scheme === 'https' ? serverName(req.host) : undefined,
    insecure: req.insecure,
  });
  return exchange(req, text, conn, progress, false);
}

/** One request and its response on `conn`; the connection is kept or destroyed at the end. */
function exchange(req: GetRequest, text: string, conn: Connection, progress: { phase: GetPhase }, reused: boolean): Promise<GetResponse> {
  return new Promise<GetResponse>((resolve, reject) => {
    const parser = new ResponseParser(req.maxBodyBytes);
    const { signal } = req;
    let received = false;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      conn.destroy();
      reject(reused && !received && !signal.aborted ? new StaleConnection() : err);
    };
    const succeed = () => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      const body = req.maxBodyBytes > 0 ? parser.body() : '';
      const truncated = req.maxBodyBytes > 0 && (parser.truncated || !parser.complete);
      if (req.keep && parser.complete && parser.reusable) req.keep.pool.put(req.keep.owner, conn);
      else conn.destroy();
      resolve({ status: parser.status, body, truncated });
    };
    const onAbort = () => fail(signal.reason);
    const ended = () => {
      try {
        parser.end();
      } catch (err) {
        return fail(err);
      }
      succeed();
    };
    const user: ConnectionUser = {
      connected: () => {
        if (progress.phase === 'connect') progress.phase = 'response';
      },
      data: (buf) => {
        received = true;
        try {
          parser.push(buf);
        } catch (err) {
          return fail(err);
        }
        if (parser.headDone) progress.phase = 'body';
        if (parser.enough) succeed();
      },
      end: ended,
      error: fail,
      close: ended,
    };
    if (signal.aborted) return fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    conn.user = user;
    if (reused) progress.phase = 'response';
    else if (conn.closed) return fail(parseError('ECONNRESET', 'connection closed before the request'));
    conn.socket.write(text);
  });
}

/** Errors only a connection attempt gets. */
const CONNECT_CODE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/** OpenSSL verification failures as Node reports them (err.code). */
const CERT_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME/;

/**
 * "certificate error: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)",
 * "TLS handshake failed: … (EPROTO)", "invalid response (HPE_INVALID_CONSTANT)",
 * "connect refused (ECONNREFUSED)", "connection reset (ECONNRESET)", "failed: <message> (CODE)".
 */
export function describeHttpError(err: unknown): string {
  const code = errorCode(err);
  if (code && CERT_CODE.test(code)) return `certificate error: ${errorMessage(err)} (${code})`;
  if (code && (code.startsWith('ERR_SSL') || code === 'EPROTO' || code.startsWith('ERR_TLS'))) {
    return `TLS handshake failed: ${tlsReason(err)} (${code})`;
  }
  if (code?.startsWith('HPE_')) return `invalid response (${code})`;
  if (code === 'ECONNRESET') return `connection reset (${code})`;
  if (code && CONNECT_CODE.has(code)) return `connect ${describeSocketError(err)}`;
  return describeSocketError(err);
}

/**
 * The short reason of an OpenSSL error: `err.reason` when Node sets it, else the reason field of
 * "…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:file:line:", else the message.
 */
function tlsReason(err: unknown): string {
  const reason = (err as { reason?: unknown }).reason;
  if (typeof reason === 'string' && reason) return reason;
  const message = errorMessage(err);
  return /:error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+):/.exec(message)?.[1] ?? message;
}
