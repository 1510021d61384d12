/**
 * validate: the query is one we answer at all. Ends with FORMERR (malformed, QDCOUNT != 1, two OPT
 * records, bad ECS), NOTIMP (opcode other than QUERY), BADVERS (EDNS version > 0), or REFUSED
 * (zone transfers, classes we do not serve).
 */
import { RCODE } from '../../wire/answer.js';
import { CONTINUE, respond, type QueryContext, type StageResult } from '../context.js';

const CLASS_IN = 1;
const CLASS_CH = 3;
const CLASS_ANY = 255;
const QTYPE_OPT = 41;
const QTYPE_IXFR = 251;
const QTYPE_AXFR = 252;

export const validate = {
  name: 'validate',
  run(ctx: QueryContext): StageResult {
    const q = ctx.query;
    if (q.opcode !== 0) return respond(RCODE.NOTIMP);
    if (q.qdcount !== 1 || q.malformed !== null || q.optCount > 1) {
      if (q.malformed !== null) ctx.answer.question = false;
      if (ctx.trace) ctx.trace.push(`validate: FORMERR (${q.malformed ?? (q.optCount > 1 ? 'two OPT records' : `QDCOUNT ${q.qdcount}`)})`);
      return respond(RCODE.FORMERR);
    }
    if (q.edns) {
      if (q.edns.version > 0) return respond(RCODE.BADVERS);
      if (q.edns.ecsError !== null) {
        if (ctx.trace) ctx.trace.push(`validate: FORMERR (${q.edns.ecsError})`);
        return respond(RCODE.FORMERR);
      }
    }
    if (q.qtype === QTYPE_OPT) return respond(RCODE.FORMERR);
    if (q.qtype === QTYPE_AXFR || q.qtype === QTYPE_IXFR) return respond(RCODE.REFUSED);
    if (q.qclass !== CLASS_IN && q.qclass !== CLASS_CH && q.qclass !== CLASS_ANY) return respond(RCODE.REFUSED);
    return CONTINUE;
  },
};
