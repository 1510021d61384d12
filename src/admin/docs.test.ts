import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFixture, type AdminFixture } from './testing.js';

/** Every route of the API, as OpenAPI paths. */
const API_ROUTES = [
  'get /api/v1/zones',
  'get /api/v1/zones/{zone}',
  'put /api/v1/zones/{zone}',
  'delete /api/v1/zones/{zone}',
  'post /api/v1/zones/{zone}/records',
  'put /api/v1/zones/{zone}/records/{name}/{type}',
  'delete /api/v1/zones/{zone}/records/{name}/{type}',
  'get /api/v1/zones/{zone}/pools/{pool}',
  'post /api/v1/zones/{zone}/pools/{pool}/members',
  'patch /api/v1/zones/{zone}/pools/{pool}/members/{member}',
  'delete /api/v1/zones/{zone}/pools/{pool}/members/{member}',
  'post /api/v1/zones/{zone}/pools/{pool}/members/{member}/drain',
  'post /api/v1/zones/{zone}/pools/{pool}/members/{member}/undrain',
  'put /api/v1/zones/{zone}/pools/{pool}/members/{member}/load',
  'get /api/v1/explain',
];

interface Operation {
  security?: unknown;
  tags?: string[];
  summary?: string;
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

describe('/docs', () => {
  let f: AdminFixture;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: unknown } };
  beforeAll(async () => {
    f = await adminFixture();
    doc = (await f.call('GET', '/docs/json', { token: null })).json();
  });
  afterAll(() => f.close());

  it('serves Swagger UI from the package, without a token', async () => {
    const r = await f.call('GET', '/docs', { token: null });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toContain('Swagger UI');
    const bundle = await f.call('GET', '/docs/static/swagger-ui-bundle.js', { token: null });
    expect(bundle.statusCode).toBe(200);
  });

  it('lists every /api/v1 route, each with bearer security, a tag, a summary and its error responses', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    const listed = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(listed.sort()).toEqual([...API_ROUTES].sort());
    for (const route of API_ROUTES) {
      const [method, path] = route.split(' ');
      const op = doc.paths[path][method];
      expect(op.security, route).toEqual([{ bearer: [] }]);
      expect(op.tags?.length, route).toBe(1);
      expect(op.summary, route).toBeTruthy();
      expect(Object.keys(op.responses), route).toContain('401');
      if (method !== 'get') expect(Object.keys(op.responses), route).toContain('403');
    }
    expect(doc.paths['/api/v1/zones/{zone}'].put.requestBody).toBeTruthy();
  });

  it('lists /healthz and /metrics without security', () => {
    expect(doc.paths['/healthz'].get.security).toBeUndefined();
    expect(doc.paths['/metrics'].get.security).toBeUndefined();
  });
});
