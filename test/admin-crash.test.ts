/**
 * Durability of admin changes: `kill -9` in the middle of a stream of writes. Every change the
 * API acknowledged must be served after a restart, and the zone file must be whole (it loads;
 * no temporary file is left behind once the server has started again).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from './helpers/client.js';
import { ensureBuilt, runMeridian } from './helpers/process.js';
import { startAdminServe } from './helpers/admin.js';

const ZONE = `# crash test zone
zone: crash.test.
soa: { mname: ns1.crash.test., rname: hostmaster.crash.test., serial: 1 }
ns: [ns1.crash.test.]
records:
  - { name: ns1, type: A, data: 192.0.2.53 }   # kept
pools:
  web:
    algorithm: round-robin
    members:
      - { name: a, address: 192.0.2.1 }
`;

let tmp: string;
beforeAll(async () => {
  await ensureBuilt();
  tmp = await mkdtemp(join(tmpdir(), 'meridian-crash-'));
}, 180_000);
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('kill -9 during a stream of admin writes', () => {
  it.each([150, 400, 900])('loses nothing acknowledged (killed after %i ms)', async (killAfterMs) => {
    const dir = await mkdtemp(join(tmp, 'zones-'));
    await writeFile(join(dir, 'crash.test.yaml'), ZONE);
    const s = await startAdminServe(dir);
    const acked: string[] = [];
    const ackedWeights = new Map<string, number>();
    let stop = false;
    // a request cut off by the kill fails before the exit is seen: give the exit a moment
    const killed = () => Promise.race([s.m.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
    // two writers at once: records (one per name) and weight changes (the last acknowledged wins)
    const records = (async () => {
      for (let i = 0; !stop; i++) {
        const name = `r${i}`;
        try {
          const r = await s.api('POST', '/api/v1/zones/crash.test./records', { name, type: 'A', data: `192.0.2.${(i % 250) + 1}` });
          if (r.status === 201) acked.push(name);
          else throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
        } catch (e) {
          if (await killed()) return;
          throw e;
        }
      }
    })();
    const weights = (async () => {
      for (let w = 1; !stop; w++) {
        try {
          const r = await s.api('PATCH', '/api/v1/zones/crash.test./pools/web/members/a', { weight: w });
          if (r.status === 200) ackedWeights.set('a', w);
          else throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
        } catch (e) {
          if (await killed()) return;
          throw e;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, killAfterMs));
    s.m.signal('SIGKILL');
    await s.m.exited;
    stop = true;
    await Promise.all([records, weights]);
    expect(acked.length).toBeGreaterThan(0);

    // the file loads as it is on disk
    const check = await runMeridian(['check', '--zones', dir]);
    expect(check.code, check.stderr).toBe(0);

    const again = await startAdminServe(dir, { stateDir: s.stateDir });
    try {
      expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
      for (const name of acked) {
        const p = await query(again.m.port, `${name}.crash.test`);
        expect(p.rcode, name).toBe('NOERROR');
      }
      const pool = await again.api('GET', '/api/v1/zones/crash.test./pools/web');
      // the weight is the last one acknowledged, or a later one whose answer the kill cut off
      expect(pool.body.members[0].weight).toBeGreaterThanOrEqual(ackedWeights.get('a') ?? 1);
    } finally {
      await again.m.stop();
    }
  }, 60_000);
});
