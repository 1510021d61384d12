import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken } from './auth.js';
import { adminFixture, captureLogger, RO_TOKEN, RW_TOKEN, type AdminFixture } from './testing.js';

const ZONE = '/api/v1/zones/lb.example.test';
const MEMBER = `${ZONE}/pools/web/members/fra-1`;

describe('admin API authentication', () => {
  let f: AdminFixture;
  const audit = captureLogger();
  beforeAll(async () => {
    f = await adminFixture({ audit: audit.logger });
  });
  afterAll(() => f.close());

  it('reads the token of an Authorization: Bearer header only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('answers 401 with WWW-Authenticate without a token, with a wrong one, or with another scheme', async () => {
    for (const [headers, challenge] of [
      [{}, 'Bearer realm="meridian"'],
      [{ authorization: 'Bearer wrong-token-0123456789' }, 'Bearer realm="meridian", error="invalid_token"'],
      [{ authorization: `Basic ${Buffer.from(`ops:${RW_TOKEN}`).toString('base64')}` }, 'Bearer realm="meridian"'],
    ] as const) {
      const r = await f.api.inject({ method: 'GET', url: '/api/v1/zones', headers });
      expect(r.statusCode).toBe(401);
      expect(r.headers['www-authenticate']).toBe(challenge);
      expect(r.json()).toMatchObject({ statusCode: 401, code: 'MERIDIAN_ERR_UNAUTHORIZED', error: 'Unauthorized', problems: [] });
    }
  });

  it('asks for the token before saying whether an /api route exists, and before validating the body', async () => {
    expect((await f.call('GET', '/api/v1/nothing-here', { token: null })).statusCode).toBe(401);
    expect((await f.call('GET', '/api/v2/zones', { token: null })).statusCode).toBe(401);
    expect((await f.call('PATCH', MEMBER, { token: null, body: { weight: -1 } })).statusCode).toBe(401);
    const r = await f.call('GET', '/api/v1/nothing-here');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'MERIDIAN_ERR_NOT_FOUND', message: 'no route GET /api/v1/nothing-here' });
  });

  it('lets a read-only token read (GET, HEAD) and answers 403 to its writes', async () => {
    expect((await f.call('GET', ZONE, { token: RO_TOKEN })).statusCode).toBe(200);
    expect((await f.call('HEAD', ZONE, { token: RO_TOKEN })).statusCode).toBe(200);
    expect((await f.call('GET', '/api/v1/explain?name=api.lb.example.test', { token: RO_TOKEN })).statusCode).toBe(200);
    for (const [method, url, body] of [
      ['PATCH', MEMBER, { weight: 5 }],
      ['POST', `${MEMBER}/drain`, undefined],
      ['PUT', `${MEMBER}/load`, { connections: 1 }],
      ['DELETE', ZONE, undefined],
    ] as const) {
      const r = await f.call(method, url, { token: RO_TOKEN, body });
      expect(r.statusCode, `${method} ${url}`).toBe(403);
      expect(r.json()).toMatchObject({ code: 'MERIDIAN_ERR_FORBIDDEN', message: `token "viewer" is read-only: ${method} is not allowed` });
    }
    expect((await f.call('GET', `${ZONE}/pools/web`, { token: RO_TOKEN })).json().members[0]).toMatchObject({ name: 'fra-1', weight: 3, drained: false });
  });

  it("passes the caller's token name to the service, which writes it in the audit log", async () => {
    const r = await f.call('PATCH', MEMBER, { body: { weight: 4 } });
    expect(r.statusCode).toBe(200);
    const line = audit.lines.find((l) => (l.audit as { action?: string } | undefined)?.action === 'change member');
    expect(line?.audit).toMatchObject({ by: 'ops', zone: 'lb.example.test.', after: { pool: 'web', name: 'fra-1', weight: 4 } });
  });

  it('needs no token for /healthz, /metrics and /docs', async () => {
    for (const url of ['/healthz', '/metrics', '/docs', '/docs/json']) {
      const r = await f.call('GET', url, { token: null });
      expect(r.statusCode, url).toBe(200);
    }
  });
});
