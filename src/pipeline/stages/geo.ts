/**
 * geo: where the client is on the map, for pools with `geo: nearest` (or that fall back to one:
 * `dependsOnLocation`, worked out once per snapshot). Only adds data
 * (ctx.client.location and the matched network's prefix); `balance` decides. The database was
 * read into memory off the query path; a lookup is a cache hit or a walk of its search tree.
 */
import { formatAddress } from '../../wire/address.js';
import { maskInPlace } from '../../wire/ecs.js';
import { CONTINUE, type QueryContext, type StageResult } from '../context.js';

export const geo = {
  name: 'geo',
  run(ctx: QueryContext): StageResult {
    const c = ctx.client;
    // the pool, or a pool it falls back to, is geo: nearest
    if (!c || !ctx.pool?.dependsOnLocation) return CONTINUE;
    const zoneGeo = ctx.snapshot.geo.get(ctx.poolHit!.zone.origin);
    if (!zoneGeo) return CONTINUE;
    ctx.zoneGeo = zoneGeo;
    if (!zoneGeo.db || c.prefix === 0) {
      // no database, or the resolver said the client must not be located (ECS source /0)
      c.location = null;
      c.geoPrefix = 0;
    } else {
      // locate the client's /24 or /56 (the ECS privacy limit): one cache entry per subnet
      const limit = c.family === 4 ? ctx.snapshot.ecsLimit.v4 : ctx.snapshot.ecsLimit.v6;
      let bytes = c.address;
      if (c.prefix > limit) {
        bytes = c.address.slice();
        maskInPlace(bytes, limit);
      }
      const found = zoneGeo.db.lookup(bytes, c.family);
      c.location = found.location;
      c.geoPrefix = found.prefix;
    }
    if (ctx.trace) {
      const l = c.location;
      const where = l ? [l.city, l.country, l.continent].filter(Boolean).join(', ') + (l.lat !== undefined ? ` (${l.lat}, ${l.lon})` : '') : 'unknown';
      ctx.trace.push(`geo: ${formatAddress({ family: c.family, bytes: c.address })}/${c.prefix} → ${where}, network /${c.geoPrefix}${zoneGeo.db ? '' : ' (no GeoIP database)'}`);
    }
    return CONTINUE;
  },
};
