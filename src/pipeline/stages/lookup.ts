/**
 * lookup: authoritative data from the zone — answer, CNAME chain, wildcard, referral, NXDOMAIN or
 * NODATA. Ends the query unless the name is served by a pool, which `balance` completes; then it
 * also finds the pool's compiled form in the snapshot, once, for the stages after it.
 */
import { lookup as zoneLookup } from '../../zone/lookup.js';
import { RCODE_NAMES } from '../../wire/answer.js';
import { ANSWERED, CONTINUE, type QueryContext, type StageResult } from '../context.js';

const CNAME = 5;

export const lookup = {
  name: 'lookup',
  run(ctx: QueryContext): StageResult {
    const q = ctx.query;
    const hit = zoneLookup(ctx.snapshot.zones, ctx.zone!, q.qkey, q.qname, q.qtype, ctx.answer);
    if (ctx.trace) {
      const a = ctx.answer;
      const cnames = a.answer.filter((p) => p.rrset.type === CNAME).length;
      const chain = cnames ? `followed ${cnames} CNAME(s), ` : '';
      ctx.trace.push(
        hit
          ? `lookup: ${chain}name is served by pool "${hit.pool}"`
          : `lookup: ${chain}${RCODE_NAMES[a.rcode]}${a.aa ? '' : ' (referral)'}${a.answer.length === 0 && a.rcode === 0 && a.aa ? ' (no data of this type)' : ''}`,
      );
    }
    if (!hit) return ANSWERED;
    ctx.poolHit = hit;
    ctx.pool = ctx.snapshot.pools.get(hit.zone.origin)?.get(hit.pool);
    return CONTINUE;
  },
};
