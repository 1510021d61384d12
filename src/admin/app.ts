/**
 * The admin API as a Fastify plugin tree (fastify/demo style), not listening: tests `inject`
 * requests, server.ts listens. The service is a decorator (`fastify.meridian`); routes only turn
 * HTTP into service calls and back. Layout:
 *
 *     /healthz, /metrics            no token (bind --admin to loopback or firewall it)
 *     /docs, /docs/json             Swagger UI and the OpenAPI document, no token
 *     /api                          bearer token (auth.ts), read-only tokens may only GET/HEAD
 *       /v1/zones                   routes/zones.ts
 *       /v1/zones/:zone/records     routes/records.ts
 *       /v1/zones/:zone/pools       routes/pools.ts
 *       /v1/explain                 routes/explain.ts
 *
 * Input is validated by Ajv and rejected, never fixed up: no removal of unknown keys, no
 * defaults, no type coercion of bodies (params and querystrings are text, so they are coerced).
 */
import { existsSync, readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type Options as AjvOptions } from 'ajv';
import type { Logger } from 'pino';
import { adminErrorHandler, notFoundHandler } from './error-handler.js';
import { authHook } from './auth.js';
import { AdminMetrics } from './metrics.js';
import type { AdminService } from './service.js';
import type { TokenSet } from './tokens.js';
import explainRoutes from './routes/explain.js';
import healthzRoutes from './routes/healthz.js';
import metricsRoutes from './routes/metrics.js';
import poolRoutes from './routes/pools.js';
import recordRoutes from './routes/records.js';
import zoneRoutes from './routes/zones.js';
import './http.js';

export interface AdminAppOptions {
  service: AdminService;
  tokens: TokenSet;
  logger?: Logger;
  /** largest request body (default 8 MiB: whole zones are PUT) */
  bodyLimit?: number;
}

const AJV_BASE: AjvOptions = {
  allErrors: true,
  removeAdditional: false,
  useDefaults: false,
  allowUnionTypes: true,
  verbose: true,
  strict: true,
};

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ ...AJV_BASE, coerceTypes });
  ajv.addKeyword('errorMessage'); // messages of the zone file schemas (zone-yaml.ts)
  return ajv;
}

function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(url)) return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

async function docs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Meridian admin API',
        version: packageVersion(),
        description: 'Zones, records, pools, members, drains and load of a Meridian DNS server. See docs/admin-api.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an admin token (docs/admin-api.md)' } } },
      tags: [
        { name: 'zones', description: 'whole zones' },
        { name: 'records', description: 'records and RRsets of a zone' },
        { name: 'pools', description: 'pools and their members: add, change, drain, load' },
        { name: 'explain', description: 'how a query would be answered' },
        { name: 'process', description: 'process health and metrics (no token)' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

/** Everything under /api: the token check, then version 1 of the routes. */
async function api(app: FastifyInstance, opts: { tokens: TokenSet }): Promise<void> {
  app.addHook('onRequest', authHook(opts.tokens));
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: [{ bearer: [] }] };
  });
  app.setNotFoundHandler(notFoundHandler);
  await app.register(
    async (v1) => {
      await v1.register(zoneRoutes, { prefix: '/zones' });
      await v1.register(recordRoutes, { prefix: '/zones/:zone/records' });
      await v1.register(poolRoutes, { prefix: '/zones/:zone/pools' });
      await v1.register(explainRoutes, { prefix: '/explain' });
    },
    { prefix: '/v1' },
  );
}

export async function buildAdminApp(opts: AdminAppOptions): Promise<FastifyInstance> {
  // the app logs errors only: changes go to the service's audit log, and at info Fastify would
  // add its own "Server listening" line beside serve's
  const level = opts.logger && opts.logger.levelVal === 30 ? 'warn' : opts.logger?.level;
  const logging: Partial<FastifyServerOptions> = opts.logger
    ? { loggerInstance: opts.logger.child({ component: 'admin' }, { level }) as unknown as FastifyServerOptions['loggerInstance'] }
    : { logger: false };
  const app = Fastify({
    ...logging,
    // the service writes an audit line per change; a line per request would drown it
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024,
    // a zone name may be 253 characters (the default limit, 100, would make long ones a 404)
    routerOptions: { maxParamLength: 255 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const bodyAjv = makeAjv(false);
  const textAjv = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));

  // the API speaks JSON only: a text/plain body is a 415, not a string that fails validation
  app.removeContentTypeParser('text/plain');
  // an empty body with a JSON content type is no body (POST …/drain from clients that always send the header)
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // PATCH bodies are JSON merge patches (RFC 7396); clients may say so
  app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === '') done(null, undefined);
    else json(request, text, done);
  });

  app.decorate('meridian', opts.service);
  app.decorateRequest('caller', null);
  app.setErrorHandler(adminErrorHandler);
  app.setNotFoundHandler(notFoundHandler);

  const metrics = new AdminMetrics(opts.service);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.adminRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
  });

  await docs(app);
  await app.register(healthzRoutes);
  await app.register(metricsRoutes, { metrics });
  await app.register(api, { prefix: '/api', tokens: opts.tokens });
  return app;
}
