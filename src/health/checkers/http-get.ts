/**
 * One HTTP(S) GET to a member, for the http/https checkers and the load reader: node:http and
 * node:https directly, a fresh connection per request (agent: false, Connection: close), the Host
 * header and TLS SNI from the check's `host`, the body read up to a limit and then dropped.
 *
 * It rejects with the socket, TLS or parser error as Node reports it; `describeHttpError` words it.
 * It does not time itself out: callers run it under `withDeadline` (probe.ts) and pass that signal.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
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

function normalPath(path: string | undefined): string {
  if (!path) return '/';
  return path.startsWith('/') ? path : `/${path}`;
}

/** The name to send as TLS SNI: the Host without a port; none for an IP literal. */
function serverName(host: string | undefined): string | undefined {
  if (!host || host.startsWith('[')) return undefined;
  const name = host.split(':').length === 2 ? host.slice(0, host.lastIndexOf(':')) : host;
  return net.isIP(name) ? undefined : name;
}

export function httpGet(req: GetRequest): Promise<GetResponse> {
  const progress = req.progress ?? { phase: 'connect' };
  progress.phase = 'connect';
  const headers = {
    Host: req.host ?? `${bracket(req.address)}:${req.port}`,
    'User-Agent': USER_AGENT,
    Accept: '*/*',
    Connection: 'close',
  };
  const common: http.RequestOptions = { host: req.address, port: req.port, path: normalPath(req.path), method: 'GET', headers, agent: false };
  return new Promise<GetResponse>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      req.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const r =
      req.scheme === 'https'
        ? https.request({ ...common, servername: serverName(req.host), rejectUnauthorized: !req.insecure })
        : http.request(common);
    const onAbort = () => {
      r.destroy();
      settle(() => reject(req.signal.reason));
    };
    if (req.signal.aborted) return onAbort();
    req.signal.addEventListener('abort', onAbort, { once: true });

    r.once('socket', (sock) => {
      sock.once(req.scheme === 'https' ? 'secureConnect' : 'connect', () => {
        if (progress.phase === 'connect') progress.phase = 'response';
      });
    });
    r.on('error', (err) => settle(() => reject(err)));
    r.once('response', (res) => {
      progress.phase = 'body';
      const status = res.statusCode ?? 0;
      res.on('error', (err) => settle(() => reject(err)));
      if (req.maxBodyBytes <= 0) {
        settle(() => resolve({ status, body: '', truncated: false }));
        r.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= req.maxBodyBytes) {
          const body = Buffer.concat(chunks).subarray(0, req.maxBodyBytes).toString('utf8');
          settle(() => resolve({ status, body, truncated: size > req.maxBodyBytes }));
          r.destroy();
        }
      });
      res.once('end', () => settle(() => resolve({ status, body: Buffer.concat(chunks).toString('utf8'), truncated: false })));
      res.once('close', () => settle(() => reject(Object.assign(new Error('connection closed before the body ended'), { code: 'ECONNRESET' }))));
    });
    r.end();
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
