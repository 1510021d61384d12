import { describe, expect, it } from 'vitest';
import { parseZoneText } from '../config/zone-file.js';
import { PoolStateStore, type MemberView } from '../balance/pool.js';
import { encodeQuestion } from '../../test/helpers/client.js';
import { parseQuery } from '../wire/query.js';
import { buildSnapshot } from './snapshot.js';
import { runPipeline } from './run.js';

const ZONE = parseZoneText(`
zone: s.test.
soa: { mname: ns1.s.test., rname: h.s.test., serial: 1 }
ns: [ns1.s.test.]
records:
  - { name: ns1, type: A, data: 192.0.2.53 }
  - { name: www, pool: web }
pools:
  web:
    algorithm: least-connections
    ttl: 10
    members:
      - { name: a, address: 192.0.2.1 }
      - { name: b, address: 192.0.2.2 }
      - { name: c, address: 192.0.2.3 }
`);
const identity = { identity: null, version: null, nsid: null };

type Snap = ReturnType<typeof buildSnapshot>;
const web = (snap: Snap) => snap.pools.values().next().value!.get('web')!;

function answerOf(snap: Snap): string {
  const q = parseQuery(encodeQuestion('www.s.test'))!;
  return runPipeline(snap, q, 'udp', '127.0.0.1', 53).answer[0].rrset.text[0];
}

describe('snapshot builds', () => {
  it('reuse the zone table for the same definitions and the bound algorithm while eligibility holds', () => {
    const store = new PoolStateStore();
    const zones = [ZONE];
    const first = buildSnapshot({ zones, identity }, store);
    const same = buildSnapshot({ zones, identity }, store, first);
    expect(same.zones).toBe(first.zones);
    expect(web(same).v4.bound).toBe(web(first).v4.bound);
    const down: MemberView = { status: (_z, _p, m) => (m.name === 'b' ? { eligible: false, reason: 'down: HTTP 503' } : { eligible: true }) };
    const fewer = buildSnapshot({ zones, identity, members: down }, store, same);
    const fam = web(fewer).v4;
    expect(fam.bound).not.toBe(web(same).v4.bound);
    expect(fam.members.map((m) => m.name)).toEqual(['a', 'c']);
    expect(fam.excluded).toEqual([{ name: 'b', reason: 'down: HTTP 503' }]);
    expect(buildSnapshot({ zones: [ZONE], identity }, store, fewer).zones).not.toBe(fewer.zones);
  });

  it('give least-connections the fresh load figures and ignore expired ones', () => {
    const store = new PoolStateStore();
    const now = Date.now();
    const loads = (ageMs: number): MemberView => ({
      status: () => ({ eligible: true }),
      load: (_z, _p, m) => ({ connections: m.name === 'c' ? 0 : 1000, at: now - ageMs, maxAgeMs: 15_000 }),
    });
    const fresh = buildSnapshot({ zones: [ZONE], identity, members: loads(1000) }, store);
    // c reports no connections; a and b report 1,000 each: c wins until its handed-out answers add up
    expect([answerOf(fresh), answerOf(fresh), answerOf(fresh)]).toEqual(['192.0.2.3', '192.0.2.3', '192.0.2.3']);
    const stale = buildSnapshot({ zones: [ZONE], identity, members: loads(60_000) }, new PoolStateStore());
    // figures a minute old are ignored: the picks spread by handed-out answers alone
    expect(new Set([answerOf(stale), answerOf(stale), answerOf(stale)])).toEqual(new Set(['192.0.2.1', '192.0.2.2', '192.0.2.3']));
  });
});
