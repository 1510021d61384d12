/**
 * Health is data. A checker probes one target and returns a result; the monitor schedules probes,
 * keeps one in flight per target, applies rise/fall, and publishes an immutable HealthView that
 * the snapshot builder reads. Nothing on the query path waits for a probe.
 */

export type CheckKind = 'tcp' | 'http' | 'https' | 'dns' | 'none';
export type LoadKind = 'nginx-stub-status' | 'haproxy' | 'json' | 'prometheus';

/** How to read a member's current connection count (least-connections feedback). */
export interface LoadProbeDef {
  kind: LoadKind;
  /** port; defaults to the check's port */
  port?: number;
  /** URL path, e.g. /nginx_status, /stats;csv, /metrics */
  path: string;
  /** http or https (the zone loader defaults it to the check's scheme) */
  scheme?: 'http' | 'https';
  /** haproxy: `proxy` (pxname) and `server` (svname, default FRONTEND) whose `scur` is read */
  proxy?: string;
  server?: string;
  /** json: dotted path into the document, e.g. "stats.active" */
  field?: string;
  /** prometheus: metric name, optional label matchers {name="value"} */
  metric?: string;
  labels?: Record<string, string>;
  /** figures older than this (ms) are ignored; default 3 × interval */
  maxAgeMs?: number;
}

/** A fully resolved check for one member (pool defaults merged with the member's overrides). */
export interface HealthCheckDef {
  kind: CheckKind;
  port: number;
  /** http(s) */
  path: string;
  host?: string;
  /** accepted status codes (default [200]) */
  expectStatus: number[];
  /** substring, or a /regex/ source string */
  expectBody?: string;
  /** https: skip certificate verification */
  insecure: boolean;
  /** http(s): keep the connection open between probes (HTTP/1.1 keep-alive); absent = a new connection per probe */
  keepalive?: boolean;
  /** dns: name and type asked (the zone loader defaults them to "." and SOA) */
  dnsName?: string;
  dnsType?: string;
  intervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
  /** state before the first probe result */
  initial: 'up' | 'down';
  load?: LoadProbeDef;
}

/** What to probe: a member's check address (or its served address) with a check definition. */
export interface CheckTarget {
  address: string;
  check: HealthCheckDef;
}

export interface CheckResult {
  ok: boolean;
  /** ms from start to result */
  latencyMs: number;
  /** why it failed (or a short success note such as "HTTP 200") */
  detail: string;
}

/**
 * One probe of a target. The caller owns the deadline: `signal` fires at the check's timeout
 * (reason: a TimeoutError) or when the probe is no longer wanted, and the checker then closes its
 * sockets and settles at once, worded ("HTTP timed out after 2000 ms waiting for the response").
 * Never rejects: failures are results.
 */
export type Checker = (target: CheckTarget, signal: AbortSignal) => Promise<CheckResult>;
/** A member's current connection count; the same signal contract as Checker, but rejects on failure. */
export type LoadReader = (target: CheckTarget, signal: AbortSignal) => Promise<number>;

export type HealthState = 'up' | 'down' | 'unknown';

export interface MemberHealth {
  state: HealthState;
  /** ms timestamp of the last state change */
  since: number;
  /** consecutive successes / failures so far */
  successes: number;
  failures: number;
  last?: CheckResult & { at: number };
  /** latest load figure, with its time */
  load?: { connections: number; at: number };
  loadError?: string;
}

/**
 * The monitor's published state: by check key (see `checkKey`). Immutable: a change produces a
 * new view. `ready` turns true once every target known at start has had its first probe.
 */
export interface HealthView {
  readonly members: ReadonlyMap<string, MemberHealth>;
  readonly ready: boolean;
  readonly generation: number;
}

/** One probe per distinct (address, check): members shared by pools or names are probed once. */
export function checkKey(t: CheckTarget): string {
  return `${t.address}|${JSON.stringify(t.check)}`;
}
