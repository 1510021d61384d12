import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startAdmin } from './server.js';
import { adminFixture, RW_TOKEN, type AdminFixture } from './testing.js';
import { TokenSet } from './tokens.js';

describe('startAdmin', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await adminFixture();
  });
  afterAll(() => f.close());

  it('listens over real HTTP on the address given, and reports the port bound', async () => {
    const tokens = new TokenSet([{ name: 'ops', token: RW_TOKEN, readOnly: false }]);
    const admin = await startAdmin({ service: f.service, tokens, listen: { host: '127.0.0.1', port: 0 }, logger: pino({ level: 'silent' }) });
    try {
      expect(admin.address).toBe('127.0.0.1');
      expect(admin.port).toBeGreaterThan(0);
      const base = `http://127.0.0.1:${admin.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/api/v1/zones`)).status).toBe(401);
      const zones = await fetch(`${base}/api/v1/zones`, { headers: { authorization: `Bearer ${RW_TOKEN}` } });
      expect(((await zones.json()) as { zones: unknown[] }).zones).toHaveLength(1);

      // a second server on the same port fails with LISTEN_FAILED, naming the address
      const clash = startAdmin({ service: f.service, tokens, listen: { host: '127.0.0.1', port: admin.port }, logger: pino({ level: 'silent' }) });
      await expect(clash).rejects.toMatchObject({ code: 'MERIDIAN_ERR_LISTEN_FAILED', message: `admin: cannot listen on 127.0.0.1:${admin.port} (EADDRINUSE)` });
    } finally {
      await admin.close();
    }
    await expect(fetch(`http://127.0.0.1:${admin.port}/healthz`)).rejects.toThrow();
  });
});
