/**
 * lookup: authoritative data from the zone — answer, CNAME chain, wildcard, referral, NXDOMAIN or
 * NODATA. Ends the query unless the name is served by a pool, which `balance` completes.
 */
import { lookup as zoneLookup } from '../../zone/lookup.js';
import { RCODE_NAMES } from '../../wire/answer.js';
import { ANSWERED, CONTINUE, type QueryContext, type StageResult } from '../context.js';

export const lookup = {
  name: 'lookup',
  run(ctx: QueryContext): StageResult {
    const q = ctx.query;
    const hit = zoneLookup(ctx.snapshot.zones, ctx.zone!, q.qkey, q.qname, q.qtype, ctx.answer);
    if (ctx.trace) {
      const a = ctx.answer;
      const what = a.answer.map((p) => `${p.rrset.type === 5 ? 'CNAME' : 'type ' + p.rrset.type} at ${p.ownerWire.length}`);
      ctx.trace.push(
        hit
          ? `lookup: ${what.length ? `followed ${what.length} CNAME(s), ` : ''}name is served by pool "${hit.pool}"`
          : `lookup: ${RCODE_NAMES[a.rcode]}${a.aa ? '' : ' (referral)'}, ${a.answer.length} answer RRset(s)`,
      );
    }
    if (!hit) return ANSWERED;
    ctx.poolHit = hit;
    return CONTINUE;
  },
};
