/**
 * `meridian serve` with its admin API on a free loopback port, and a small HTTP client for it.
 *
 *   const s = await startAdminServe(dir);                       // token from MERIDIAN_ADMIN_TOKEN
 *   const r = await s.api('POST', '/api/v1/zones/lb.test./pools/web/members/b/drain');
 *   expect(r.status).toBe(200);
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, type MeridianProcess } from './process.js';

export const TOKEN = 'test-token-0123456789abcdef';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface AdminServe {
  m: MeridianProcess;
  url: string;
  stateDir: string;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
}

export async function apiCall(url: string, token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const h: Record<string, string> = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON (metrics, docs) */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Serve `zones` with the admin API on 127.0.0.1:<free>; `token: null` configures none (one is generated). */
export async function startAdminServe(zones: string, opts: { token?: string | null; stateDir?: string; args?: string[] } = {}): Promise<AdminServe> {
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'meridian-state-')));
  const token = opts.token === undefined ? TOKEN : opts.token;
  const env: Record<string, string> = token ? { MERIDIAN_ADMIN_TOKEN: token } : {};
  const m = await startServe({ zones, args: ['--admin', '127.0.0.1:0', '--state', stateDir, '--log-level', 'info', ...(opts.args ?? [])], env });
  const line = await m.waitForLog((l) => l.msg === 'admin API listening');
  const url = String(line.admin);
  return { m, url, stateDir, api: (method, path, body, headers) => apiCall(url, token, method, path, body, headers) };
}
