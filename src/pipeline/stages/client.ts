/**
 * client: where the client is, for steering that depends on it. Uses the EDNS Client Subnet when
 * the resolver sent one (cut to the privacy limit), else the packet's source address. Only runs
 * the address parsing when the pool's answer may depend on the client (it, or a pool it falls
 * back to, is ip-hash: `dependsOnClient`, worked out once per snapshot).
 */
import { formatAddress, parseAddress } from '../../wire/address.js';
import { ecsAddress } from '../../wire/ecs.js';
import { CONTINUE, type QueryContext, type StageResult } from '../context.js';

export const client = {
  name: 'client',
  run(ctx: QueryContext): StageResult {
    if (!ctx.pool?.dependsOnClient) return CONTINUE;
    const ecs = ctx.query.edns?.ecs;
    if (ecs) {
      const limit = ecs.family === 1 ? ctx.snapshot.ecsLimit.v4 : ctx.snapshot.ecsLimit.v6;
      const { bytes, prefix } = ecsAddress(ecs, limit);
      ctx.client = { address: bytes, family: ecs.family === 1 ? 4 : 6, prefix, fromEcs: true };
    } else {
      const a = parseAddress(ctx.sourceAddress);
      if (a) ctx.client = { address: a.bytes, family: a.family, prefix: a.family === 4 ? 32 : 128, fromEcs: false };
    }
    if (ctx.trace && ctx.client) {
      const c = ctx.client;
      ctx.trace.push(`client: ${c.fromEcs ? 'EDNS Client Subnet' : 'source address'} ${formatAddress({ family: c.family, bytes: c.address })}/${c.prefix}`);
    }
    return CONTINUE;
  },
};
