/** zone: find the most specific zone we serve for the name; REFUSED (no AA) when there is none. */
import { RCODE } from '../../wire/answer.js';
import { CONTINUE, respond, type QueryContext, type StageResult } from '../context.js';

export const zone = {
  name: 'zone',
  run(ctx: QueryContext): StageResult {
    const z = ctx.snapshot.zones.find(ctx.query.qkey);
    if (!z) {
      if (ctx.trace) ctx.trace.push('zone: no zone served here contains the name → REFUSED');
      return respond(RCODE.REFUSED);
    }
    ctx.zone = z;
    if (ctx.trace) ctx.trace.push(`zone: ${z.name} (serial ${z.serial})`);
    return CONTINUE;
  },
};
