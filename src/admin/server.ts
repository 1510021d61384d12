/**
 * Listen with the admin API on the `--admin` address. serve.ts starts it beside the DNS server
 * and closes it on shutdown.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { MeridianError } from '../errors.js';
import type { Endpoint } from '../transport/server.js';
import { buildAdminApp } from './app.js';
import type { AdminService } from './service.js';
import type { TokenSet } from './tokens.js';

export interface AdminServer {
  /** address bound (for a wildcard host, the wildcard) */
  address: string;
  /** port bound (the real one when port 0 was asked) */
  port: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startAdmin(opts: { service: AdminService; tokens: TokenSet; listen: Endpoint; logger: Logger }): Promise<AdminServer> {
  const app = await buildAdminApp({ service: opts.service, tokens: opts.tokens, logger: opts.logger });
  try {
    await app.listen({ host: opts.listen.host, port: opts.listen.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw new MeridianError('LISTEN_FAILED', `admin: cannot listen on ${opts.listen.host}:${opts.listen.port} (${e.code ?? e.message})`);
  }
  const bound = app.server.address();
  if (bound === null || typeof bound === 'string') throw new MeridianError('LISTEN_FAILED', 'admin: the server has no TCP address');
  return { address: bound.address, port: bound.port, app, close: () => app.close() };
}
