/**
 * What the admin API asks of the rest of Meridian: one service object, decorated onto the
 * Fastify instance (`app.meridian`). Routes only translate HTTP to these calls and back; every
 * rule (validation beyond the JSON schema, SOA serial bumps, ETags, persistence, the audit log)
 * lives behind this interface, so the same operations can later be driven from etcd or a
 * dashboard. Methods throw MeridianError (its kind maps to the HTTP status, src/errors.ts).
 */
import type { ExplainRequest, ExplainResult } from '../pipeline/explain.js';
import type { ZoneFile, ZoneFileMember, ZoneFileRecord } from '../config/zone-schema.js';

/** Who asks: the token's name (for the audit log) and whether it may change anything. */
export interface Caller {
  name: string;
  readOnly: boolean;
}

/** Options of every write. `ifMatch`: the ETag the caller last saw (If-Match); absent = no check. */
export interface WriteOptions {
  caller: Caller;
  ifMatch?: string;
}

/** Every successful write answers with the zone's new SOA serial and ETag. */
export interface ChangeResult {
  zone: string;
  serial: number;
  etag: string;
}

export interface ZoneSummary {
  zone: string;
  serial: number;
  etag: string;
  /** zone file backing it (absent for zones not kept in files) */
  file?: string;
  records: number;
  pools: number;
}

export type MemberHealthState = 'up' | 'down' | 'unknown' | 'unchecked';

export interface MemberState {
  name: string;
  address: string;
  weight: number;
  site?: string;
  enabled: boolean;
  drained: boolean;
  checkAddress?: string;
  /** may the balancer pick it now, and if not why */
  eligible: boolean;
  reason?: string;
  health: {
    state: MemberHealthState;
    /** ISO time of the last state change */
    since?: string;
    last?: { ok: boolean; latencyMs: number; detail: string; at: string };
  };
  /** latest load figure (probed or pushed) and whether it is still fresh enough to use */
  load?: { connections: number; capacity?: number; at: string; source: 'probe' | 'push'; fresh: boolean };
  /** answers that named this member, counted by this process since it started */
  answers: number;
  /** ISO time this process last named the member in an answer, or null */
  lastAnswered: string | null;
  /** drained members: when no resolver can still hold an answer naming it (last answer + TTL) */
  safeAfter?: string;
}

export interface PoolView {
  zone: string;
  name: string;
  algorithm: string;
  ttl: number;
  answers: number;
  geo: string;
  fallback: unknown;
  members: MemberState[];
}

export interface ZoneView extends Omit<ZoneSummary, 'pools'> {
  /** the zone as its YAML file has it, as JSON (the shape PUT accepts) */
  document: ZoneFile;
  pools: PoolView[];
}

/** PATCH of a member (JSON merge patch: null removes an optional key) */
export interface MemberPatch {
  weight?: number;
  site?: string | null;
  enabled?: boolean;
  address?: string;
  'check-address'?: string | null;
}

export interface DrainResult extends ChangeResult {
  drained: boolean;
  lastAnswered: string | null;
  /** ISO time after which the member can be taken down: last answer + the pool's TTL (now if never answered) */
  safeAfter: string;
}

export interface LoadPush {
  connections: number;
  capacity?: number;
}

export interface LoadPushResult {
  at: string;
  /** when the figure stops counting unless pushed again */
  expires: string;
}

/** What /metrics exports, read at scrape time (the query path only bumps plain counters). */
export interface MetricsSample {
  /** queries received, by QTYPE mnemonic */
  queriesByType: Record<string, number>;
  /** responses sent, by RCODE mnemonic */
  responsesByRcode: Record<string, number>;
  members: {
    zone: string;
    pool: string;
    member: string;
    state: MemberHealthState;
    eligible: boolean;
    drained: boolean;
    answers: number;
    /** latency of the last probe, when probed */
    probeLatencyMs?: number;
  }[];
  /** zone files rejected by reloads since start */
  reloadErrors: number;
  zones: number;
  /** zones kept in etcd: connection state and the revision applied */
  etcd?: EtcdHealth;
}

export interface EtcdHealth {
  connected: boolean;
  /** etcd revision applied up to */
  revision: string;
  /** ISO time of the last connect or disconnect */
  since: string;
  lastError?: string;
}

/** GET /healthz: is the process serving. */
export interface ProcessHealth {
  status: 'ok' | 'starting';
  /** first round of health checks done */
  ready: boolean;
  zones: number;
  /** snapshot generation now serving */
  generation: number;
  uptimeSeconds: number;
  /** present when zones come from etcd; DNS keeps answering while it is disconnected */
  etcd?: EtcdHealth;
}

export interface AdminService {
  health(): ProcessHealth;
  metrics(): MetricsSample;

  listZones(): Promise<ZoneSummary[]>;
  getZone(zone: string): Promise<ZoneView>;
  /** create or replace a whole zone; `created` tells which */
  putZone(zone: string, doc: ZoneFile, opts: WriteOptions): Promise<ChangeResult & { created: boolean }>;
  deleteZone(zone: string, opts: WriteOptions): Promise<void>;

  addRecord(zone: string, record: ZoneFileRecord, opts: WriteOptions): Promise<ChangeResult>;
  /** replace the RRset name/type with `records` (each without name/type, or with the same) */
  replaceRRset(zone: string, name: string, type: string, records: Omit<ZoneFileRecord, 'name' | 'type'>[], opts: WriteOptions): Promise<ChangeResult>;
  deleteRRset(zone: string, name: string, type: string, opts: WriteOptions): Promise<ChangeResult>;

  getPool(zone: string, pool: string): Promise<PoolView>;
  addMember(zone: string, pool: string, member: ZoneFileMember, opts: WriteOptions): Promise<ChangeResult>;
  patchMember(zone: string, pool: string, member: string, patch: MemberPatch, opts: WriteOptions): Promise<ChangeResult>;
  deleteMember(zone: string, pool: string, member: string, opts: WriteOptions): Promise<ChangeResult>;
  drain(zone: string, pool: string, member: string, drained: boolean, opts: WriteOptions): Promise<DrainResult>;
  pushLoad(zone: string, pool: string, member: string, load: LoadPush, caller: Caller): Promise<LoadPushResult>;

  explain(req: ExplainRequest): ExplainResult;
}
