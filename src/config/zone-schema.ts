/**
 * The shape of a zone file (YAML), as a TypeBox schema. Ajv checks structure only: keys, types,
 * ranges, enums. Meaning (names inside the zone, CNAME rules, pool references) is checked later
 * in zone-file.ts. YAML is read with the failsafe schema (every scalar a string) and Ajv coerces
 * numbers and booleans where the schema asks for them, so `name: 10` stays the string "10".
 *
 * `errorMessage` on a schema is the text reported when that schema fails (see zone-yaml.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import { GeoipSchema, PoolGeoKeys, SitesSchema } from './zone-geo.js';
import { MemberHealthSchema, PoolHealthSchema } from './zone-health.js';
import { ALGORITHMS, LABEL_PATTERN, type AlgorithmName } from './zone-types.js';

const Ttl = Type.Integer({ minimum: 0, maximum: 2147483647 });
const U32 = Type.Integer({ minimum: 0, maximum: 4294967295 });
const Text = Type.String({ minLength: 1 });

function closed<T extends Parameters<typeof Type.Object>[0]>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}

function oneOf<T extends string>(values: readonly T[]) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values] });
}

// defined in zone-types.ts so that zone-geo.ts can share it without an import cycle
export { LABEL_PATTERN };
const Label = Type.String({
  pattern: LABEL_PATTERN,
  errorMessage: 'must be 1 to 63 letters, digits, "-", "_" or ".", starting with a letter or digit',
});

export const SoaSchema = closed({
  mname: Text,
  rname: Text,
  serial: U32,
  refresh: Type.Optional(U32),
  retry: Type.Optional(U32),
  expire: Type.Optional(U32),
  minimum: Type.Optional(U32),
  ttl: Type.Optional(Ttl),
});

export const SOA_DEFAULTS = { refresh: 3600, retry: 600, expire: 604800, minimum: 60 } as const;

export const RecordSchema = closed({
  name: Text,
  type: Type.Optional(Text),
  class: Type.Optional(Type.String({ enum: ['IN'], errorMessage: 'only class IN is supported' })),
  data: Type.Optional(
    Type.Unsafe<string | string[]>({
      type: ['string', 'array'],
      items: { type: 'string' },
      minItems: 1,
      errorMessage: 'must be a string or a non-empty list of strings',
    }),
  ),
  ttl: Type.Optional(Ttl),
  pool: Type.Optional(Label),
});

export const MemberSchema = closed({
  name: Label,
  address: Text,
  weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000000 })),
  site: Type.Optional(Label),
  enabled: Type.Optional(Type.Boolean()),
  drained: Type.Optional(Type.Boolean()),
  'check-address': Type.Optional(Text),
  health: Type.Optional(MemberHealthSchema),
});

export const POOL_DEFAULTS = { ttl: 30, answers: 1, hashPrefix: { v4: 24, v6: 56 } } as const;

export const PoolSchema = closed({
  algorithm: oneOf<AlgorithmName>(ALGORITHMS),
  ttl: Type.Optional(Ttl),
  answers: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  fallback: Type.Optional(
    Type.Union([Type.Literal('all'), Type.Literal('none'), closed({ pool: Label })], {
      errorMessage: 'must be all, none or { pool: NAME }',
    }),
  ),
  empty: Type.Optional(oneOf(['nodata', 'servfail'] as const)),
  'hash-prefix': Type.Optional(
    closed({
      v4: Type.Optional(Type.Integer({ minimum: 0, maximum: 32 })),
      v6: Type.Optional(Type.Integer({ minimum: 0, maximum: 128 })),
    }),
  ),
  ...PoolGeoKeys,
  health: Type.Optional(PoolHealthSchema),
  members: Type.Array(MemberSchema, { minItems: 1 }),
});

export const ZoneFileSchema = closed({
  zone: Text,
  ttl: Type.Optional(Ttl),
  soa: SoaSchema,
  ns: Type.Optional(Type.Array(Text)),
  records: Type.Optional(Type.Array(RecordSchema)),
  geoip: Type.Optional(GeoipSchema),
  sites: Type.Optional(SitesSchema),
  pools: Type.Optional(Type.Record(Type.String(), PoolSchema)),
});

export type ZoneFile = Static<typeof ZoneFileSchema>;
export type ZoneFileRecord = Static<typeof RecordSchema>;
export type ZoneFilePool = Static<typeof PoolSchema>;
export type ZoneFileMember = Static<typeof MemberSchema>;

/** Default TTL when the file has no `ttl:` key. */
export const DEFAULT_ZONE_TTL = 3600;
