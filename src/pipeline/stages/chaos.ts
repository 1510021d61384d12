/**
 * chaos: CHAOS-class TXT queries operators use to see which instance answered
 * (id.server / hostname.bind) and what it runs (version.server / version.bind).
 * Answers them, or REFUSED when the value is disabled or the name is another.
 */
import { RCODE, place, type RRset } from '../../wire/answer.js';
import { parseName, wireToKey } from '../../wire/name.js';
import { ANSWERED, CONTINUE, respond, type QueryContext, type StageResult } from '../context.js';

const CLASS_CH = 3;
const TXT = 16;
const ANY = 255;
const ID_NAMES = new Set(['id.server.', 'hostname.bind.'].map((n) => wireToKey(parseName(n))));
const VERSION_NAMES = new Set(['version.server.', 'version.bind.'].map((n) => wireToKey(parseName(n))));

function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

export const chaos = {
  name: 'chaos',
  run(ctx: QueryContext): StageResult {
    const q = ctx.query;
    if (q.qclass !== CLASS_CH) return CONTINUE;
    const id = ctx.snapshot.identity;
    const value = ID_NAMES.has(q.qkey) ? id.identity : VERSION_NAMES.has(q.qkey) ? id.version : null;
    if (value === null || (q.qtype !== TXT && q.qtype !== ANY)) return respond(RCODE.REFUSED);
    const rrset: RRset = { ownerKey: q.qkey, ownerWire: q.qname, type: TXT, klass: CLASS_CH, ttl: 0, rdata: [txtRdata(value)], text: [JSON.stringify(value)] };
    ctx.answer.aa = true;
    ctx.answer.answer.push(place(rrset));
    return ANSWERED;
  },
};
