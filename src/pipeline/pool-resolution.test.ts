/**
 * The pool a name is served by is found in the snapshot once per query, by `lookup`; `client`,
 * `geo` and `balance` work from that compiled pool (balance also along its fallbacks), and a
 * query keeps the snapshot it started with.
 */
import { describe, expect, it } from 'vitest';
import { parseZoneText } from '../config/zone-file.js';
import { defaultMemberStatus, PoolStateStore, type MemberView } from '../balance/pool.js';
import { GeoDatabase } from '../geo/index.js';
import { TEST_DB, testDbBytes } from '../geo/testing.js';
import { encodeQuestion } from '../../test/helpers/client.js';
import { parseQuery } from '../wire/query.js';
import { CONTINUE, type QueryContext, type Stage } from './context.js';
import { runPipeline } from './run.js';
import { buildSnapshot, type Snapshot } from './snapshot.js';
import { STAGES } from './stages.js';

const ZONE = parseZoneText(`
zone: p.test.
soa: { mname: ns.p.test., rname: h.p.test., serial: 1 }
ns: [ns.p.test.]
geoip: { database: ${JSON.stringify(TEST_DB)}, default-site: iad }
sites:
  fra: { lat: 50.11, lon: 8.68 }
  iad: { lat: 38.95, lon: -77.45 }
records:
  - { name: ns, type: A, data: 192.0.2.1 }
  - { name: near, pool: near }
  - { name: front, pool: front }
  - { name: plain, pool: plain }
pools:
  near: { geo: nearest, algorithm: round-robin, fallback: { pool: plain }, members: [{ name: fra-1, address: 10.1.0.1, site: fra }, { name: iad-1, address: 10.2.0.1, site: iad }] }
  front: { algorithm: round-robin, fallback: { pool: near }, members: [{ name: off, address: 10.9.0.2, enabled: false }] }
  plain: { algorithm: round-robin, members: [{ name: plain-1, address: 10.9.0.1 }] }
`);
const identity = { identity: null, version: null, nsid: null };
const db = GeoDatabase.fromBuffer(testDbBytes(), TEST_DB);
const snapshot = (members?: MemberView, prev?: Snapshot) => buildSnapshot({ zones: [ZONE], identity, members, geoDatabase: () => db }, new PoolStateStore(), prev);
const down = (...names: string[]): MemberView => ({ status: (z, p, m) => (names.includes(m.name) ? { eligible: false, reason: 'down' } : defaultMemberStatus(z, p, m)) });

/** The answer to `name` A with ECS `subnet` (a /24), and the context the stages left behind. */
function ask(snap: Snapshot, name: string, subnet = '192.0.2.0') {
  let ctx: QueryContext | undefined;
  const spy: Stage = {
    name: 'spy',
    run(c) {
      ctx = c;
      return CONTINUE;
    },
  };
  const ecs = { code: 'CLIENT_SUBNET', family: 1, sourcePrefixLength: 24, scopePrefixLength: 0, ip: subnet };
  const q = parseQuery(encodeQuestion(`${name}.p.test`, { edns: { options: [ecs] } }))!;
  const a = runPipeline(snap, q, 'udp', '127.0.0.1', 53, undefined, [spy, ...STAGES]);
  return { addresses: a.answer.flatMap((p) => p.rrset.text), scope: a.ecsScope, ctx: ctx! };
}

const compiled = (snap: Snapshot, pool: string) => snap.pools.get(snap.zones.zones.values().next().value!.origin)!.get(pool)!;

describe('the pool, resolved once by lookup', () => {
  const snap = snapshot();

  it('is the snapshot\'s compiled pool; geo and balance answer from it', () => {
    const { addresses, scope, ctx } = ask(snap, 'near'); // 192.0.2.0/24: Frankfurt
    expect(ctx.pool).toBe(compiled(snap, 'near'));
    expect(ctx.zoneGeo).toBe(snap.geo.values().next().value);
    expect([addresses, scope]).toEqual([['10.1.0.1'], 24]);
    expect(ask(snap, 'near', '198.51.100.0').addresses).toEqual(['10.2.0.1']); // Ashburn
  });

  it('does not make a plain pool locate its clients', () => {
    const { addresses, scope, ctx } = ask(snap, 'plain');
    expect(ctx.pool).toBe(compiled(snap, 'plain'));
    expect([ctx.client, ctx.zoneGeo]).toEqual([undefined, undefined]);
    expect([addresses, scope]).toEqual([['10.9.0.1'], 0]);
  });

  it('still follows the fallback of a plain pool to a geo pool, which steers', () => {
    const front = ask(snap, 'front');
    expect(front.ctx.pool).toBe(compiled(snap, 'front'));
    expect(front).toMatchObject({ addresses: ['10.1.0.1'], scope: 24 });
    expect(ask(snap, 'front', '198.51.100.0')).toMatchObject({ addresses: ['10.2.0.1'], scope: 24 });
  });

  it('still follows the fallback of a geo pool with no eligible member', () => {
    const dark = snapshot(down('fra-1', 'iad-1'));
    expect(ask(dark, 'near')).toMatchObject({ addresses: ['10.9.0.1'], scope: 0 });
    expect(ask(dark, 'front')).toMatchObject({ addresses: ['10.9.0.1'], scope: 0 });
  });

  it('comes from the snapshot the query started with', () => {
    const first = snapshot();
    const next = snapshot(down('iad-1'), first);
    expect(compiled(next, 'near')).not.toBe(compiled(first, 'near'));
    const before = ask(first, 'near', '198.51.100.0');
    const after = ask(next, 'near', '198.51.100.0');
    expect(before.ctx.pool).toBe(compiled(first, 'near'));
    expect(after.ctx.pool).toBe(compiled(next, 'near'));
    expect([before.addresses, after.addresses]).toEqual([['10.2.0.1'], ['10.1.0.1']]);
  });
});
