/** Runs the stages for one query and returns the finished Answer. */
import { emptyAnswer, type Answer } from '../wire/answer.js';
import type { Query } from '../wire/query.js';
import type { QueryContext, Stage } from './context.js';
import type { Snapshot } from './snapshot.js';
import { STAGES } from './stages.js';

export function runPipeline(
  snapshot: Snapshot,
  query: Query,
  transport: 'udp' | 'tcp',
  sourceAddress: string,
  sourcePort: number,
  trace?: string[],
  stages: readonly Stage[] = STAGES,
): Answer {
  const answer = emptyAnswer();
  const ctx: QueryContext = { query, transport, sourceAddress, sourcePort, snapshot, answer, trace };
  for (let i = 0; i < stages.length; i++) {
    const r = stages[i].run(ctx);
    if (r.kind === 'continue') continue;
    if (r.kind === 'rcode') answer.rcode = r.rcode;
    break;
  }
  return answer;
}
