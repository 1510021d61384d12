/**
 * The `health:` section of pools and members, as written: its schema, and the checks of each
 * value on its own (durations, status codes, body regexes, DNS names and types, label names).
 * zone-health-resolve.ts merges a pool's section with a member's and fills in the defaults.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MeridianError, type Problem } from '../errors.js';
import type { CheckKind, LoadKind } from '../health/types.js';
import { parseName, wireToText } from '../wire/name.js';
import { TYPES, typeCode, typeName } from '../wire/types.js';
import type { Path, ZoneSource } from './zone-yaml.js';
import { bodyPattern } from '../health/body.js';

export const CHECK_KINDS: readonly CheckKind[] = ['tcp', 'http', 'https', 'dns', 'none'];
export const LOAD_KINDS: readonly LoadKind[] = ['nginx-stub-status', 'haproxy', 'json', 'prometheus'];

/** Longest duration accepted anywhere in `health:`. */
export const MAX_DURATION_MS = 3_600_000;

// ---- schema (structure only; values that need a message naming them are checked below) ----

function closed<T extends Parameters<typeof Type.Object>[0]>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}
function oneOf<T extends string>(values: readonly T[]) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values] });
}
const Text = Type.String({ minLength: 1 });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Duration = Type.String({ minLength: 1 });
const UrlPath = Type.String({ pattern: '^/\\S*$', errorMessage: 'must be a URL path starting with "/", without spaces' });

const LoadSchema = closed({
  kind: Type.Optional(oneOf(LOAD_KINDS)),
  port: Type.Optional(Port),
  path: Type.Optional(UrlPath),
  scheme: Type.Optional(oneOf(['http', 'https'] as const)),
  proxy: Type.Optional(Text),
  server: Type.Optional(Text),
  field: Type.Optional(
    Type.String({ pattern: '^[^.]+(\\.[^.]+)*$', errorMessage: 'must be a dotted path into the JSON document, e.g. stats.active' }),
  ),
  metric: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z_:][A-Za-z0-9_:]*$',
      errorMessage: 'must be a Prometheus metric name (letters, digits, "_" and ":", not starting with a digit)',
    }),
  ),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  'max-age': Type.Optional(Duration),
});

function healthSchema<K extends TSchema>(kind: K) {
  return closed({
    kind,
    port: Type.Optional(Port),
    path: Type.Optional(UrlPath),
    host: Type.Optional(Text),
    expect: Type.Optional(
      closed({
        status: Type.Optional(
          Type.Unsafe<number | number[]>({
            type: ['integer', 'array'],
            items: { type: 'integer' },
            minItems: 1,
            errorMessage: 'must be a status code or a non-empty list of status codes',
          }),
        ),
        body: Type.Optional(Text),
      }),
    ),
    interval: Type.Optional(Duration),
    timeout: Type.Optional(Duration),
    rise: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    fall: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    initial: Type.Optional(oneOf(['up', 'down'] as const)),
    insecure: Type.Optional(Type.Boolean()),
    keepalive: Type.Optional(Type.Boolean()),
    dns: Type.Optional(closed({ name: Type.Optional(Text), type: Type.Optional(Text) })),
    load: Type.Optional(LoadSchema),
  });
}

/** A pool's `health:` must say its kind; a member's may inherit it. */
export const PoolHealthSchema = healthSchema(oneOf(CHECK_KINDS));
export const MemberHealthSchema = healthSchema(Type.Optional(oneOf(CHECK_KINDS)));
export type HealthOverride = Static<typeof MemberHealthSchema>;
type LoadFile = Static<typeof LoadSchema>;

// ---- values ----

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60000 } as const;

/** "500ms", "5s", "1m", or a bare number of seconds ("2", "0.5") -> ms; undefined when not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * UNIT_MS[(m[2] ?? 's') as keyof typeof UNIT_MS] : undefined;
}

/** ms -> the shortest way to write it: "1m", "5s", "1500ms". */
export function formatDuration(ms: number): string {
  if (ms % 60000 === 0) return `${ms / 60000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Types a health check cannot ask: OPT is not a question, zone transfers need TCP and a zone. */
const UNASKABLE = new Set<number>([TYPES.OPT, TYPES.IXFR, TYPES.AXFR]);

function dnsType(text: string, path: Path, ctx: HealthContext): string | undefined {
  const code = typeCode(text);
  let why: string | undefined;
  if (code === undefined) why = `unknown record type "${text}"`;
  else if (UNASKABLE.has(code)) why = `type ${typeName(code)} cannot be asked in a health check`;
  if (why === undefined) return typeName(code!);
  ctx.problems.push(ctx.src.problem(path, why));
  return undefined;
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface HealthContext {
  readonly src: ZoneSource;
  /** zone origin: `dns.name` is relative to it, like every name in a zone file */
  readonly origin: string;
  readonly problems: Problem[];
}

interface LoadValues {
  kind?: LoadKind;
  port?: number;
  path?: string;
  scheme?: 'http' | 'https';
  proxy?: string;
  server?: string;
  field?: string;
  metric?: string;
  labels?: Record<string, string>;
  maxAge?: number;
}

interface Values {
  kind?: CheckKind;
  port?: number;
  path?: string;
  host?: string;
  status?: number[];
  body?: string;
  insecure?: boolean;
  keepalive?: boolean;
  dnsName?: string;
  dnsType?: string;
  interval?: number;
  timeout?: number;
  rise?: number;
  fall?: number;
  initial?: 'up' | 'down';
  load?: LoadValues;
}

/** One written `health:` section, its values checked one by one (bad ones left undefined). */
export interface HealthLayer {
  readonly path: Path;
  readonly raw: HealthOverride;
  readonly values: Values;
}

function attempt<T>(ctx: HealthContext, path: Path, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    const message = e instanceof MeridianError ? e.message : undefined;
    if (message === undefined) throw e;
    ctx.problems.push(ctx.src.problem(path, message));
    return undefined;
  }
}

function duration(text: string | undefined, path: Path, ctx: HealthContext): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  const shown = JSON.stringify(text);
  let why: string | undefined;
  if (ms === undefined) why = `${shown} is not a duration (use 500ms, 5s, 1m)`;
  else if (Math.abs(ms - Math.round(ms)) > 1e-6) why = `${shown} is not a whole number of milliseconds`;
  else if (ms < 1 || ms > MAX_DURATION_MS) why = `${shown} is out of range (1ms..${formatDuration(MAX_DURATION_MS)})`;
  if (why === undefined) return Math.round(ms!);
  ctx.problems.push(ctx.src.problem(path, why));
  return undefined;
}

function statusCodes(raw: number | number[] | undefined, path: Path, ctx: HealthContext): number[] | undefined {
  if (raw === undefined) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  const bad = list.filter((code, i) => {
    if (code >= 100 && code <= 599) return false;
    ctx.problems.push(ctx.src.problem(Array.isArray(raw) ? [...path, i] : path, `${code} is not an HTTP status code (100..599)`));
    return true;
  });
  return bad.length ? undefined : [...new Set(list)].sort((a, b) => a - b);
}

function body(text: string | undefined, path: Path, ctx: HealthContext): string | undefined {
  if (text === undefined) return undefined;
  try {
    bodyPattern(text);
    return text;
  } catch (e) {
    const reason = (e as Error).message.replace(/^.*: /, '');
    ctx.problems.push(ctx.src.problem(path, `${JSON.stringify(text)} is not a valid regular expression (${reason})`));
    return undefined;
  }
}

function parseLoad(raw: LoadFile, path: Path, ctx: HealthContext): LoadValues {
  for (const name of Object.keys(raw.labels ?? {})) {
    if (!LABEL_NAME.test(name)) {
      const why = `"${name}" is not a Prometheus label name (letters, digits and "_", not starting with a digit)`;
      ctx.problems.push(ctx.src.keyProblem([...path, 'labels', name], why));
    }
  }
  const { 'max-age': maxAge, ...rest } = raw;
  return { ...rest, maxAge: duration(maxAge, [...path, 'max-age'], ctx) };
}

/** Check the values of one written `health:` section; problems are reported here, once. */
export function healthLayer(raw: HealthOverride, path: Path, ctx: HealthContext): HealthLayer {
  const at = (...keys: string[]) => [...path, ...keys];
  const d = raw.dns;
  const values: Values = {
    kind: raw.kind,
    port: raw.port,
    path: raw.path,
    host: raw.host,
    status: statusCodes(raw.expect?.status, at('expect', 'status'), ctx),
    body: body(raw.expect?.body, at('expect', 'body'), ctx),
    insecure: raw.insecure,
    keepalive: raw.keepalive,
    dnsName: d?.name === undefined ? undefined : attempt(ctx, at('dns', 'name'), () => wireToText(parseName(d.name!, ctx.origin))),
    dnsType: d?.type === undefined ? undefined : dnsType(d.type, at('dns', 'type'), ctx),
    interval: duration(raw.interval, at('interval'), ctx),
    timeout: duration(raw.timeout, at('timeout'), ctx),
    rise: raw.rise,
    fall: raw.fall,
    initial: raw.initial,
    load: raw.load && parseLoad(raw.load, at('load'), ctx),
  };
  return { path, raw, values };
}
