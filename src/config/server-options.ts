/**
 * Server settings after validation: what `meridian serve` runs with. Flags and environment
 * variables are read only by the CLI entry, which passes plain values here.
 */
import { hostname } from 'node:os';
import { MeridianError } from '../errors.js';
import type { Endpoint } from '../transport/server.js';

export interface ServeOptions {
  zonesDir: string;
  listen: Endpoint[];
  admin: Endpoint | null;
  stateDir: string;
  /** admin API token from MERIDIAN_ADMIN_TOKEN (read-write, named "env") */
  adminToken?: string;
  /** admin API token file (--admin-token-file): NAME TOKEN [read-only] per line */
  adminTokenFile?: string;
  maxUdpPayload: number;
  tcpIdleTimeoutMs: number;
  tcpMaxConnections: number;
  identity: string | null;
  version: string | null;
  nsid: Buffer | null;
  logLevel: string;
  queryLog: boolean;
  watch: boolean;
  /** processes serving the query path (1 = this process) */
  workers: number;
  /** run health checks (pools with a `health:` section) */
  health: boolean;
  /** answer only after the first round of health checks */
  waitForHealth: boolean;
  /** log a stats line (queries, event-loop delay, health) every this many ms; 0 = off */
  statsIntervalMs: number;
  /** server-wide GeoIP database for zones whose `geoip:` names none */
  geoip?: string;
  /** zones in etcd instead of files: client URLs and key prefix */
  etcd?: { hosts: string[]; prefix: string };
}

/** "http://a:2379,http://b:2379" → the URLs, checked. */
export function parseEtcdHosts(text: string, field = 'etcd'): string[] {
  const hosts = text.split(',').map((h) => h.trim()).filter(Boolean);
  if (hosts.length === 0) throw new MeridianError('CONFIG_INVALID', `${field}: no etcd URL given`);
  for (const h of hosts) {
    let u: URL;
    try {
      u = new URL(h);
    } catch {
      throw new MeridianError('CONFIG_INVALID', `${field}: "${h}" is not a URL (http://HOST:2379)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new MeridianError('CONFIG_INVALID', `${field}: "${h}" must be http:// or https://`);
  }
  return hosts;
}

/** The key prefix: absolute, ending in "/". */
export function parseEtcdPrefix(text: string, field = 'etcd-prefix'): string {
  const p = text.trim();
  if (!p.startsWith('/')) throw new MeridianError('CONFIG_INVALID', `${field}: "${text}" must start with "/"`);
  return p.endsWith('/') ? p : `${p}/`;
}

/** Parse "127.0.0.1:5353", "[::1]:5353", "::1" (port defaults), ":53" (all IPv4). */
export function parseEndpoint(text: string, defaultPort: number, field = 'listen'): Endpoint {
  const t = text.trim();
  let host: string;
  let port: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(t);
  if (bracket) [, host, port] = bracket;
  else if ((t.match(/:/g) ?? []).length > 1) host = t;
  else [host, port] = t.split(':');
  if (!host) host = '0.0.0.0';
  const p = port === undefined ? defaultPort : /^\d+$/.test(port) ? Number(port) : NaN;
  if (!Number.isInteger(p) || p < 0 || p > 65535) {
    throw new MeridianError('CONFIG_INVALID', `${field}: bad port in "${text}" (ADDRESS:PORT, [IPv6]:PORT; port 0 to 65535)`);
  }
  return { host, port: p };
}

export function parseNsid(text: string | undefined): Buffer | null {
  if (!text) return null;
  if (text.startsWith('0x')) {
    const hex = text.slice(2);
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new MeridianError('CONFIG_INVALID', `nsid: "${text}" is not hex`);
    return Buffer.from(hex, 'hex');
  }
  return Buffer.from(text, 'utf8');
}

export function intOption(value: string | number | undefined, field: string, def: number, min: number, max: number): number {
  if (value === undefined || value === '') return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new MeridianError('CONFIG_INVALID', `${field}: "${value}" must be an integer from ${min} to ${max}`);
  return n;
}

export const DEFAULTS = {
  zonesDir: 'zones',
  listen: '127.0.0.1:5353',
  admin: '127.0.0.1:8053',
  stateDir: 'state',
  maxUdpPayload: 1232,
  tcpIdleTimeoutMs: 10_000,
  tcpMaxConnections: 1000,
  identity: hostname(),
  logLevel: 'info',
  workers: 1,
  etcdPrefix: '/meridian/',
};
