/**
 * TypeBox schemas of the admin API: request params, querystrings and bodies (bodies reuse the
 * zone file's schemas, so the API accepts exactly what a zone file may hold) and every response.
 * Responses are serialized with fast-json-stringify, which drops whatever a schema does not list:
 * these mirror the types of service.ts field for field.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { LABEL_PATTERN, MemberSchema, RecordSchema, ZoneFileSchema } from '../config/zone-schema.js';

function closed<T extends Parameters<typeof Type.Object>[0]>(properties: T, options: object = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 255, description });
const IsoTime = Type.String({ description: 'ISO 8601 time' });
const Etag = Type.String({ description: 'the zone version; send it back in If-Match' });

// ---- params and querystrings ----

const zone = Name('zone origin, with or without the final dot: lb.example.test');
const pool = Name('pool name');
export const ZoneParams = closed({ zone });
export const RRsetParams = closed({
  zone,
  name: Name('owner name as in the zone file: "@", "www", or absolute with a final dot'),
  type: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9-]*$', maxLength: 16, description: 'record type mnemonic: A, AAAA, TXT, TYPE65…' }),
});
export const PoolParams = closed({ zone, pool });
export const MemberParams = closed({ zone, pool, member: Name('member name') });

export const ExplainQuery = closed({
  name: Name('query name'),
  type: Type.Optional(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9-]*$', maxLength: 16, description: 'query type (default A)' })),
  client: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'source address of the query (default 127.0.0.1)' })),
  subnet: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'EDNS Client Subnet, e.g. 192.0.2.0/24' })),
});

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'ETag last read ("<etag>" or W/"<etag>"); * = the zone must exist' })),
});

// ---- bodies ----

export const ZoneBody = ZoneFileSchema;
export const RecordBody = RecordSchema;
export const MemberBody = MemberSchema;

/** A record of an RRset being replaced: name and type come from the URL (repeating them is allowed). */
const RRsetRecord = closed({
  ...RecordSchema.properties,
  name: Type.Optional(RecordSchema.properties.name),
  type: Type.Optional(RecordSchema.properties.type),
});
export const RRsetBody = closed({ records: Type.Array(RRsetRecord, { minItems: 1 }) });

/** A string, or null to remove the key. */
function removable(schema: TSchema & { pattern?: string; errorMessage?: string; minLength?: number }) {
  const { pattern, errorMessage, minLength } = schema;
  return Type.Unsafe<string | null>({ type: ['string', 'null'], pattern, minLength, errorMessage });
}
const M = MemberSchema.properties;
export const MemberPatchBody = closed(
  {
    weight: M.weight,
    site: Type.Optional(removable({ ...M.site, pattern: LABEL_PATTERN })),
    enabled: M.enabled,
    address: Type.Optional(M.address),
    'check-address': Type.Optional(removable(M['check-address'])),
  },
  { minProperties: 1, description: 'the keys to change; null removes site or check-address' },
);

export const LoadBody = closed({
  connections: Type.Integer({ minimum: 0, description: 'connections open now' }),
  capacity: Type.Optional(Type.Integer({ minimum: 1, description: 'connections the member can take' })),
});

// ---- responses ----

/**
 * A schema as fast-json-stringify should see it. fjs turns a value into the first of several
 * `type`s it can (a list of strings under `type: [string, array]` came out as "a,b"), so a type
 * list becomes an anyOf, whose branches fjs picks by validation.
 */
export function forSerializer<T extends TSchema>(schema: T): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (k !== 'errorMessage') out[k] = walk(v);
    if (Array.isArray(out.type) && out.type.length > 1) {
      const { type, items, minItems, ...rest } = out as { type: string[]; items?: unknown; minItems?: number };
      return { ...rest, anyOf: type.map((t) => (t === 'array' ? { type: t, items, minItems } : { type: t })) };
    }
    return out;
  };
  return walk(schema) as T;
}

export const ProblemSchema = Type.Object({
  field: Type.Optional(Type.String()),
  message: Type.String(),
  line: Type.Optional(Type.Integer()),
  column: Type.Optional(Type.Integer()),
});

export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'MERIDIAN_ERR_*, see docs/errors.md' }),
    error: Type.String(),
    message: Type.String(),
    problems: Type.Array(ProblemSchema),
  },
  { description: 'the body of every error' },
);

export const ChangeResultSchema = Type.Object({ zone: Type.String(), serial: Type.Integer(), etag: Etag });
export const PutZoneResultSchema = Type.Object({ ...ChangeResultSchema.properties, created: Type.Boolean() });

const ZoneSummaryProps = {
  zone: Type.String(),
  serial: Type.Integer(),
  etag: Etag,
  file: Type.Optional(Type.String({ description: 'zone file backing it' })),
  records: Type.Integer(),
  pools: Type.Integer(),
};
export const ZoneSummarySchema = Type.Object(ZoneSummaryProps);
export const ZoneListSchema = Type.Object({ zones: Type.Array(ZoneSummarySchema) });

const HealthSchema = Type.Object({
  state: Type.String({ enum: ['up', 'down', 'unknown', 'unchecked'] }),
  since: Type.Optional(IsoTime),
  last: Type.Optional(
    Type.Object({ ok: Type.Boolean(), latencyMs: Type.Number(), detail: Type.String(), at: IsoTime }),
  ),
});

const LoadSchema = Type.Object({
  connections: Type.Number(),
  capacity: Type.Optional(Type.Number()),
  at: IsoTime,
  source: Type.String({ enum: ['probe', 'push'] }),
  fresh: Type.Boolean(),
});

export const MemberStateSchema = Type.Object({
  name: Type.String(),
  address: Type.String(),
  weight: Type.Integer(),
  site: Type.Optional(Type.String()),
  enabled: Type.Boolean(),
  drained: Type.Boolean(),
  checkAddress: Type.Optional(Type.String()),
  eligible: Type.Boolean(),
  reason: Type.Optional(Type.String({ description: 'why the member is not eligible' })),
  health: HealthSchema,
  load: Type.Optional(LoadSchema),
  answers: Type.Integer({ description: 'answers naming it since this process started' }),
  lastAnswered: Type.Union([IsoTime, Type.Null()]),
  safeAfter: Type.Optional(IsoTime),
});

export const PoolViewSchema = Type.Object({
  zone: Type.String(),
  name: Type.String(),
  algorithm: Type.String(),
  ttl: Type.Integer(),
  answers: Type.Integer(),
  geo: Type.String(),
  fallback: Type.Unknown({ description: 'all | none | { pool: NAME }' }),
  members: Type.Array(MemberStateSchema),
});

export const ZoneViewSchema = Type.Object({
  ...ZoneSummaryProps,
  document: forSerializer(ZoneFileSchema),
  pools: Type.Array(PoolViewSchema),
});

export const DrainResultSchema = Type.Object({
  ...ChangeResultSchema.properties,
  drained: Type.Boolean(),
  lastAnswered: Type.Union([IsoTime, Type.Null()]),
  safeAfter: Type.String({ description: 'ISO time after which no resolver can still hold an answer naming the member' }),
});

export const LoadPushResultSchema = Type.Object({
  at: IsoTime,
  expires: Type.String({ description: 'ISO time the figure stops counting unless pushed again' }),
});

export const ExplainResultSchema = Type.Object({
  rcode: Type.String(),
  aa: Type.Boolean(),
  answer: Type.Array(Type.String()),
  authority: Type.Array(Type.String()),
  additional: Type.Array(Type.String()),
  ecsScope: Type.Union([Type.Integer(), Type.Null()]),
  steps: Type.Array(Type.String()),
});

export const ProcessHealthSchema = Type.Object({
  status: Type.String({ enum: ['ok', 'starting'] }),
  ready: Type.Boolean(),
  zones: Type.Integer(),
  generation: Type.Integer(),
  uptimeSeconds: Type.Number(),
  etcd: Type.Optional(
    Type.Object(
      {
        connected: Type.Boolean(),
        revision: Type.String({ description: 'etcd revision applied up to' }),
        since: Type.String({ description: 'ISO time of the last connect or disconnect' }),
        lastError: Type.Optional(Type.String()),
      },
      { description: 'present when zones come from etcd; DNS keeps answering while it is disconnected' },
    ),
  ),
});

/** Error responses of a route, for the OpenAPI document (and the serializer). */
export function errors(...codes: number[]): Record<number, typeof ErrorSchema> {
  return Object.fromEntries(codes.map((c) => [c, ErrorSchema]));
}
