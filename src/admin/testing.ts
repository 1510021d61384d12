/**
 * Test helpers for the admin API: a real Meridian (zones copied to a temp directory, DNS on a
 * loopback port 0, no health checks), the real admin service, and the Fastify app to `inject`
 * into, with a read-write token ("ops") and a read-only one ("viewer").
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino, type Logger } from 'pino';
import { build, type App } from '../app.js';
import { buildAdminApp } from './app.js';
import { TokenSet } from './tokens.js';
import { createAdminService } from './zone-service.js';
import type { AdminService } from './service.js';

export const RW_TOKEN = 'rw-token-0123456789abcdef';
export const RO_TOKEN = 'ro-token-0123456789abcdef';
export const EXAMPLE_ZONES = new URL('../../zones/', import.meta.url);

/** A pino logger whose lines land in `lines`, parsed. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export interface FixtureOptions {
  /** audit log of the service */
  audit?: Logger;
  /** logger of the admin app (errors) */
  logger?: Logger;
  /** run health checks (default off: the example zone's members do not exist) */
  health?: boolean;
  /** wrap the real service (e.g. to make one method fail like a bug would) */
  wrap?: (service: AdminService) => AdminService;
}

export interface AdminFixture {
  dir: string;
  app: App;
  service: AdminService;
  api: FastifyInstance;
  /** inject with the read-write token unless `token` says otherwise (null: no Authorization header) */
  call(method: InjectOptions['method'], url: string, opts?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function adminFixture(opts: FixtureOptions = {}): Promise<AdminFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'meridian-admin-'));
  await cp(EXAMPLE_ZONES, dir, { recursive: true });
  const app = await build({ zonesDir: dir, listen: [{ host: '127.0.0.1', port: 0 }], health: opts.health ?? false, watch: false });
  const real = createAdminService(app, opts.audit ? { logger: opts.audit } : {});
  const service = opts.wrap ? opts.wrap(real) : real;
  const tokens = new TokenSet([
    { name: 'ops', token: RW_TOKEN, readOnly: false },
    { name: 'viewer', token: RO_TOKEN, readOnly: true },
  ]);
  const api = await buildAdminApp({ service, tokens, logger: opts.logger });
  return {
    dir,
    app,
    service,
    api,
    call(method, url, o = {}) {
      const token = o.token === undefined ? RW_TOKEN : o.token;
      const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...o.headers };
      return api.inject({ method, url, headers, ...(o.body === undefined ? {} : { payload: o.body as object }) });
    },
    async close() {
      await api.close();
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
