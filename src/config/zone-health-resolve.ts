/**
 * A pool's `health:` and a member's `health:` -> the member's HealthCheckDef.
 *
 * - The member's section overrides the pool's key by key, inside `expect`, `dns` and `load` too;
 *   a member `load:` naming a different load `kind` replaces the pool's load probe instead.
 * - Defaults follow the resulting kind (port 80, 80, 443 or 53 …). Inherited keys that do not fit
 *   that kind are dropped; keys written beside a kind they do not fit are errors.
 * - `kind: none` (or no section at all) gives null: nothing is probed, the member counts as up.
 * - Every problem is reported once, at the section that wrote it: a pool's problems at the pool,
 *   never again at each of its members.
 */
import type { CheckKind, HealthCheckDef, LoadKind, LoadProbeDef } from '../health/types.js';
import { formatDuration, healthLayer, type HealthContext, type HealthLayer, type HealthOverride } from './zone-health.js';
import type { Path } from './zone-yaml.js';

type Probing = Exclude<CheckKind, 'none'>;

export const HEALTH_DEFAULTS = {
  port: { tcp: 80, http: 80, https: 443, dns: 53 } satisfies Record<Probing, number>,
  path: '/',
  expectStatus: [200],
  dnsName: '.',
  dnsType: 'SOA',
  intervalMs: 5000,
  timeoutMs: 2000,
  rise: 2,
  fall: 3,
  initial: 'up',
} as const;

/** URL path of a load probe when none is written (json has no usual place: its `path` is required). */
export const LOAD_PATHS: Record<LoadKind, string | undefined> = {
  'nginx-stub-status': '/nginx_status',
  haproxy: '/stats;csv',
  json: undefined,
  prometheus: '/metrics',
};

const WEB: readonly Probing[] = ['http', 'https'];
/** Keys that fit only some kinds; every other key fits every kind but none. */
const FITS: Record<string, readonly Probing[]> = { path: WEB, host: WEB, expect: WEB, insecure: ['https'], keepalive: WEB, dns: ['dns'] };
const LOAD_FITS: Record<string, LoadKind> = { proxy: 'haproxy', server: 'haproxy', field: 'json', metric: 'prometheus', labels: 'prometheus' };
const LOAD_NEEDS: Partial<Record<LoadKind, { key: 'proxy' | 'field' | 'metric'; what: string }>> = {
  haproxy: { key: 'proxy', what: 'the proxy (pxname) whose scur is read' },
  json: { key: 'field', what: 'the dotted path of the number, e.g. stats.active' },
  prometheus: { key: 'metric', what: 'the metric to read' },
};

type Values = HealthLayer['values'];
type LoadValues = NonNullable<Values['load']>;

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Resolves one member (or a pool on its own): `layers` is [pool, member] or [section]. */
class Resolution {
  readonly top: number;

  constructor(
    readonly layers: readonly HealthLayer[],
    readonly ctx: HealthContext,
  ) {
    this.top = layers.length - 1;
  }

  /** The value of `key` from the last section that wrote it, and that section's index (-1: none). */
  pick<K extends keyof Values>(key: K): [Values[K], number] {
    for (let i = this.top; i >= 0; i--) if (this.layers[i].values[key] !== undefined) return [this.layers[i].values[key], i];
    return [undefined, -1];
  }

  /** Report a problem about `keys` of section `i`, unless another resolution owns that section. */
  report(i: number, keys: Path, message: string, atKey = false): void {
    if (i !== this.top) return;
    const path = [...this.layers[i].path, ...keys];
    this.ctx.problems.push(atKey ? this.ctx.src.keyProblem(path, message) : this.ctx.src.problem(path, message));
  }

  /** Keys the last section wrote beside a kind they do not fit. */
  misplaced(kind: CheckKind): void {
    for (const key of Object.keys(this.layers[this.top].raw)) {
      if (key === 'kind') continue;
      const fits = FITS[key];
      if (kind === 'none') this.report(this.top, [key], `${key} does not go with kind: none (nothing is probed)`, true);
      else if (fits && !fits.includes(kind)) this.report(this.top, [key], `${key} does not go with kind: ${kind} (only with ${fits.join(' or ')})`, true);
    }
  }

  check(): HealthCheckDef | null {
    const [kind] = this.pick('kind');
    if (kind === undefined) {
      this.report(this.top, ['kind'], 'missing (the pool has no health: section to inherit it from)', true);
      return null;
    }
    this.misplaced(kind);
    if (kind === 'none') return null;
    const [intervalMs = HEALTH_DEFAULTS.intervalMs, intervalAt] = this.pick('interval');
    const [timeoutMs = HEALTH_DEFAULTS.timeoutMs, timeoutAt] = this.pick('timeout');
    // a duration that did not read is reported already; comparing its default would only add noise
    const unread = (k: 'interval' | 'timeout') => this.layers.some((l) => l.raw[k] !== undefined && l.values[k] === undefined);
    if (timeoutMs >= intervalMs && !unread('interval') && !unread('timeout')) {
      const key = timeoutAt >= intervalAt ? 'timeout' : 'interval';
      const why = `timeout (${formatDuration(timeoutMs)}) must be shorter than interval (${formatDuration(intervalMs)})`;
      this.report(Math.max(timeoutAt, intervalAt), [key], why);
    }
    const web = WEB.includes(kind);
    const port = this.pick('port')[0] ?? HEALTH_DEFAULTS.port[kind];
    const [host, body] = [this.pick('host')[0], this.pick('body')[0]];
    const load = this.load(kind, port, intervalMs);
    return {
      kind,
      port,
      path: (web && this.pick('path')[0]) || HEALTH_DEFAULTS.path,
      ...(web && host !== undefined ? { host } : {}),
      expectStatus: (web && this.pick('status')[0]) || [...HEALTH_DEFAULTS.expectStatus],
      ...(web && body !== undefined ? { expectBody: body } : {}),
      insecure: kind === 'https' && this.pick('insecure')[0] === true,
      // only when on, so a check without it keeps the key (and the state) it always had
      ...(web && this.pick('keepalive')[0] === true ? { keepalive: true } : {}),
      ...(kind === 'dns'
        ? { dnsName: this.pick('dnsName')[0] ?? HEALTH_DEFAULTS.dnsName, dnsType: this.pick('dnsType')[0] ?? HEALTH_DEFAULTS.dnsType }
        : {}),
      intervalMs,
      timeoutMs,
      rise: this.pick('rise')[0] ?? HEALTH_DEFAULTS.rise,
      fall: this.pick('fall')[0] ?? HEALTH_DEFAULTS.fall,
      initial: this.pick('initial')[0] ?? HEALTH_DEFAULTS.initial,
      ...(load ? { load } : {}),
    };
  }

  /** Merge the sections' `load:` maps; a different load kind starts afresh. */
  mergedLoad(): { load?: LoadValues; kindAt: number; firstAt: number } {
    let load: LoadValues | undefined;
    let kindAt = -1;
    let firstAt = -1;
    this.layers.forEach((layer, i) => {
      const l = layer.values.load;
      if (!l) return;
      if (firstAt < 0) firstAt = i;
      if (l.kind !== undefined && load?.kind !== undefined && l.kind !== load.kind) load = undefined;
      if (l.kind !== undefined) kindAt = i;
      load = { ...load, ...defined(l) };
    });
    return { load, kindAt, firstAt };
  }

  load(checkKind: Probing, checkPort: number, intervalMs: number): LoadProbeDef | undefined {
    const { load, kindAt, firstAt } = this.mergedLoad();
    if (!load) return undefined;
    const kind = load.kind;
    if (kind === undefined) {
      this.report(firstAt, ['load', 'kind'], 'missing (required)', true);
      return undefined;
    }
    for (const key of Object.keys(this.layers[this.top].raw.load ?? {})) {
      const fit = LOAD_FITS[key];
      if (fit && fit !== kind) this.report(this.top, ['load', key], `${key} does not go with load kind ${kind} (only with ${fit})`, true);
    }
    const need = LOAD_NEEDS[kind];
    const path = load.path ?? LOAD_PATHS[kind];
    if (need && load[need.key] === undefined) this.report(kindAt, ['load', need.key], `missing (load kind ${kind} needs ${need.what})`, true);
    if (path === undefined) this.report(kindAt, ['load', 'path'], `missing (load kind ${kind} needs the URL path of the document)`, true);
    if ((need && load[need.key] === undefined) || path === undefined) return undefined;
    const labels = load.labels && Object.fromEntries(Object.entries(load.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return {
      kind,
      port: load.port ?? checkPort,
      path,
      scheme: load.scheme ?? (checkKind === 'https' ? 'https' : 'http'),
      ...(kind === 'haproxy' ? { proxy: load.proxy, server: load.server ?? 'FRONTEND' } : {}),
      ...(kind === 'json' ? { field: load.field } : {}),
      ...(kind === 'prometheus' ? { metric: load.metric, ...(labels ? { labels } : {}) } : {}),
      maxAgeMs: load.maxAge ?? 3 * intervalMs,
    };
  }
}

export interface PoolHealth {
  /** the pool's section, for its members to inherit (absent: the pool has none) */
  layer?: HealthLayer;
  /** the pool's own resolved check: absent without a section, null with kind: none */
  check?: HealthCheckDef | null;
}

/** A pool's `health:` section at `path` (pools.NAME.health). */
export function poolHealth(raw: HealthOverride | undefined, path: Path, ctx: HealthContext): PoolHealth {
  if (raw === undefined) return {};
  const layer = healthLayer(raw, path, ctx);
  return { layer, check: new Resolution([layer], ctx).check() };
}

/** A member's check: its pool's, with the member's `health:` section at `path` on top. */
export function memberCheck(pool: PoolHealth, raw: HealthOverride | undefined, path: Path, ctx: HealthContext): HealthCheckDef | null {
  if (raw === undefined) return pool.check ?? null;
  const layer = healthLayer(raw, path, ctx);
  return new Resolution(pool.layer ? [pool.layer, layer] : [layer], ctx).check();
}
