/**
 * The query path, in order. Rule (as in CoreDNS's plugin.cfg): a stage sees the work of every
 * stage before it and must not care about those after it. Each stage returns CONTINUE, ANSWERED
 * (the answer is complete) or respond(rcode). Stages are synchronous and do no I/O: anything slow
 * (zone parsing, health probes, GeoIP file reads) happens elsewhere and reaches them through the
 * immutable Snapshot. See docs/pipeline.md for the picture.
 *
 *   validate → chaos → zone → lookup → client → geo → balance
 */
import type { Stage } from './context.js';
import { validate } from './stages/validate.js';
import { chaos } from './stages/chaos.js';
import { zone } from './stages/zone.js';
import { lookup } from './stages/lookup.js';
import { client } from './stages/client.js';
import { geo } from './stages/geo.js';
import { balance } from './stages/balance.js';

export const STAGES: readonly Stage[] = Object.freeze([
  validate, // FORMERR, NOTIMP, BADVERS, REFUSED for what we never answer
  chaos, // CHAOS TXT id.server / version.server
  zone, // most specific zone, else REFUSED
  lookup, // authoritative data; ends here unless the name is a pool
  client, // client address from ECS or source (only for pools that depend on it)
  geo, // client location from the GeoIP database (only for geo: nearest pools)
  balance, // choose pool members, fallback, ECS scope
]);
