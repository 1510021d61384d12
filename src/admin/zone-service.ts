/**
 * The admin service: every operator change as one transaction on a zone document.
 *
 *   lock the zone → read its text from the store → check If-Match against the stored revision →
 *   edit the YAML document (comments and layout kept) → bump the SOA serial → validate the whole
 *   text as a zone file → write it durably (the store refuses it if the text changed meanwhile) →
 *   serve it (the next query sees it) → audit log line → answer with serial and ETag.
 *
 * Nothing is acknowledged before it is on disk, and nothing on disk is served before it passed
 * the same validation a zone file gets at startup. A change that leaves the document as it was
 * (drain of a drained member) writes nothing and keeps the serial.
 */
import { pino, type Logger } from 'pino';
import { MeridianError, type Problem } from '../errors.js';
import { parseZoneText } from '../config/zone-file.js';
import { ZoneEditor, zoneTextFromJson } from '../config/zone-edit.js';
import { ZoneSource } from '../config/zone-yaml.js';
import type { ZoneFile } from '../config/zone-schema.js';
import type { MemberDef, PoolDef, ZoneDefinition } from '../config/zone-types.js';
import type { PoolStateStore } from '../balance/pool.js';
import { explain } from '../pipeline/explain.js';
import type { Snapshot } from '../pipeline/snapshot.js';
import type { HealthView } from '../health/types.js';
import { loadMaxAgeMs, type PushedLoad, type PushedLoads } from '../health/pushed.js';
import type { Stats } from '../transport/handler.js';
import type { StoredZone, ZoneStore } from '../store/zone-store.js';
import type { EtcdStatus } from '../store/etcd-store.js';
import { nameKey } from '../wire/name.js';
import type { AdminService, Caller, ChangeResult, EtcdHealth, WriteOptions, ZoneSummary } from './service.js';
import { metricsSample, poolView, safeAfter, type ViewSources } from './views.js';

/** What the service needs from the running server (src/app.ts's App provides it). */
export interface AdminHost {
  readonly store: ZoneStore | null;
  readonly states: PoolStateStore;
  readonly pushedLoads: PushedLoads;
  readonly server: { readonly stats: Stats };
  readonly startedAt: number;
  readonly logger: Logger;
  /** other processes answer queries too (--workers): their last answers are not in our counters */
  readonly siblings?: boolean;
  zoneDefs(): readonly ZoneDefinition[];
  replaceZone(origin: string, def: ZoneDefinition | null): Promise<void>;
  pushLoad(zone: string, pool: string, member: string, figure: PushedLoad): Promise<void>;
  snapshot(): Snapshot;
  health(): HealthView | undefined;
  reloadErrors(): number;
  etcd?(): EtcdStatus | undefined;
}

function etcdHealth(s: EtcdStatus | undefined): EtcdHealth | undefined {
  if (!s) return undefined;
  const out: EtcdHealth = { connected: s.connected, revision: s.revision, since: new Date(s.since).toISOString() };
  if (s.lastError) out.lastError = s.lastError;
  return out;
}

export interface AdminServiceOptions {
  /** audit log (default: the host's logger) */
  logger?: Logger;
  now?: () => number;
}

function invalid(message: string, problems: Problem[] = []): MeridianError {
  return new MeridianError('REQUEST_INVALID', message, problems);
}

/** Where an edit's validation problems point in the request: [path in the zone, path in the request]; "" is the whole zone. */
type FieldMap = Array<[string, string]>;

/** What an edit reports: the audit log's before and after, and the field map for its problems. */
interface Edited {
  before?: unknown;
  after?: unknown;
  fields?: FieldMap;
}

/** A zone validation failure as a 400 whose fields point into the request body where they can. */
function rejected(e: unknown, fields: FieldMap = []): never {
  if (!(e instanceof MeridianError) || e.kind !== 'ZONE_INVALID') throw e;
  const under = (field: string, path: string) => path === '' || field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
  const problems = e.problems.map((p): Problem => {
    const m = p.field === undefined ? undefined : fields.find(([zonePath]) => under(p.field!, zonePath));
    if (!m) return p;
    const rest = m[0] === '' ? `.${p.field}` : p.field!.slice(m[0].length);
    return { field: m[1] + rest, message: p.message };
  });
  const first = problems[0];
  throw invalid(`the change would make the zone invalid: ${first?.field ? `${first.field}: ` : ''}${first?.message ?? e.message}`, problems);
}

export function createAdminService(host: AdminHost, opts: AdminServiceOptions = {}): AdminService {
  const store = host.store;
  if (!store) throw new Error('the admin API needs a zone store (serve zones from a directory)');
  const now = opts.now ?? Date.now;
  const audit = opts.logger ?? host.logger ?? pino({ level: 'silent' });
  const locks = new Map<string, Promise<unknown>>();

  /** Run `fn` alone for this zone: changes to one zone apply one at a time, in arrival order. */
  function locked<T>(origin: string, fn: () => Promise<T>): Promise<T> {
    const key = nameKey(origin);
    const p = (locks.get(key) ?? Promise.resolve()).then(fn);
    const tail = p.catch(() => {});
    locks.set(key, tail);
    void tail.then(() => locks.get(key) === tail && locks.delete(key));
    return p;
  }

  function zoneKey(text: string): string {
    try {
      return nameKey(text.endsWith('.') ? text : `${text}.`);
    } catch (e) {
      throw invalid(`params.zone: ${(e as Error).message}`, [{ field: 'params.zone', message: (e as Error).message }]);
    }
  }

  function findZone(zone: string): ZoneDefinition {
    const key = zoneKey(zone);
    const def = host.zoneDefs().find((z) => nameKey(z.origin) === key);
    if (!def) throw new MeridianError('NOT_FOUND', `no zone ${zone}`);
    return def;
  }

  function findPool(def: ZoneDefinition, pool: string): PoolDef {
    const p = def.pools.find((x) => x.name === pool);
    if (!p) throw new MeridianError('NOT_FOUND', `no pool "${pool}" in zone ${def.origin}`);
    return p;
  }

  function findMember(def: ZoneDefinition, pool: string, member: string): { pool: PoolDef; member: MemberDef } {
    const p = findPool(def, pool);
    const m = p.members.find((x) => x.name === member);
    if (!m) throw new MeridianError('NOT_FOUND', `no member "${member}" in pool "${pool}" of zone ${def.origin}`);
    return { pool: p, member: m };
  }

  async function readStored(def: ZoneDefinition): Promise<StoredZone> {
    const stored = await store!.read(def.origin);
    if (!stored) throw new MeridianError('NOT_FOUND', `zone ${def.origin} is not kept in the zone store (it was given inline)`);
    return stored;
  }

  function checkIfMatch(stored: StoredZone | undefined, ifMatch: string | undefined, origin: string): void {
    if (ifMatch === undefined) return;
    if (ifMatch === '*' ? stored !== undefined : stored?.revision === ifMatch) return;
    throw new MeridianError('EDIT_CONFLICT', `zone ${origin} is at version ${stored ? `"${stored.revision}"` : '(none)'}, not "${ifMatch}": read it again and retry`);
  }

  function writable(caller: Caller): void {
    if (caller.readOnly) throw new MeridianError('FORBIDDEN', `token "${caller.name}" is read-only`);
  }

  function sources(): ViewSources {
    return { health: host.health(), states: host.states, pushed: host.pushedLoads, now: now() };
  }

  /**
   * One change to an existing zone. `edit` changes the document and returns what the audit log
   * records before and after, and where its validation problems point in the request body.
   */
  async function change(
    zone: string,
    opts: WriteOptions,
    action: string,
    edit: (ed: ZoneEditor) => Edited,
  ): Promise<ChangeResult & { def: ZoneDefinition }> {
    writable(opts.caller);
    const origin = findZone(zone).origin;
    // another instance may write between our read and write (etcd): without If-Match, redo the edit on the new text
    return locked(origin, () => retryConflicts(opts.ifMatch === undefined, () => attempt(origin, opts, action, edit)));
  }

  async function retryConflicts<T>(retry: boolean, fn: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await fn();
      } catch (e) {
        if (!retry || tries >= 5 || !(e instanceof MeridianError) || e.kind !== 'EDIT_CONFLICT') throw e;
      }
    }
  }

  async function attempt(
    origin: string,
    opts: WriteOptions,
    action: string,
    edit: (ed: ZoneEditor) => Edited,
  ): Promise<ChangeResult & { def: ZoneDefinition }> {
    const def = findZone(origin);
    const stored = await readStored(def);
    checkIfMatch(stored, opts.ifMatch, def.origin);
    const ed = new ZoneEditor(stored.text);
    const what = edit(ed);
    if (ed.toString() === stored.text) return { zone: def.origin, serial: def.serial, etag: stored.revision, def };
    const serial = ed.bumpSerial(new Date(now()));
    const text = ed.toString();
    let next: ZoneDefinition;
    try {
      next = parseZoneText(text, stored.location);
    } catch (e) {
      rejected(e, what.fields);
    }
    const written = await store!.write(def.origin, text, stored.revision);
    await host.replaceZone(def.origin, next);
    audit.info({ audit: { by: opts.caller.name, action, zone: def.origin, before: what.before ?? null, after: what.after ?? null, serial, etag: written.revision } }, `admin: ${action}`);
    return { zone: next.origin, serial, etag: written.revision, def: next };
  }

  const plain = ({ zone, serial, etag }: ChangeResult): ChangeResult => ({ zone, serial, etag });
  const rrset = (ed: ZoneEditor, name: string, type: string) => {
    const records = ((ed.toJSON() as { records?: unknown[] }).records ?? []) as unknown[];
    return ed.findRRset(name, type).map((i) => records[i]);
  };

  async function summary(def: ZoneDefinition): Promise<ZoneSummary & { text?: string }> {
    const stored = await store!.read(def.origin);
    const out: ZoneSummary & { text?: string } = {
      zone: def.origin,
      serial: def.serial,
      etag: stored?.revision ?? '',
      records: def.records.length + def.poolRecords.length,
      pools: def.pools.length,
      text: stored?.text,
    };
    if (def.file) out.file = def.file;
    return out;
  }

  return {
    health() {
      const snap = host.snapshot();
      return {
        status: 'ok',
        ready: host.health()?.ready ?? true,
        zones: host.zoneDefs().length,
        generation: snap.generation,
        uptimeSeconds: Math.round((now() - host.startedAt) / 1000),
        ...(host.etcd?.() ? { etcd: etcdHealth(host.etcd()) } : {}),
      };
    },

    metrics() {
      const sample = metricsSample(host.zoneDefs(), host.server.stats, host.reloadErrors(), sources());
      const etcd = etcdHealth(host.etcd?.());
      return etcd ? { ...sample, etcd } : sample;
    },

    async listZones() {
      const all = await Promise.all(host.zoneDefs().map(summary));
      return all.map(({ text: _text, ...s }) => s);
    },

    async getZone(zone) {
      const def = findZone(zone);
      const { text, ...s } = await summary(def);
      const src = new ZoneSource(text ?? '', def.file);
      const document = (src.check().data ?? src.doc.toJS()) as ZoneFile;
      const view = sources();
      return { ...s, document, pools: def.pools.map((p) => poolView(def, p, view)) };
    },

    async putZone(zone, doc, opts) {
      writable(opts.caller);
      const key = zoneKey(zone);
      let written: string;
      try {
        written = nameKey(String(doc.zone).endsWith('.') ? String(doc.zone) : `${doc.zone}.`);
      } catch {
        written = '';
      }
      if (written !== key) throw invalid(`body.zone: "${doc.zone}" is not the zone in the URL (${zone})`, [{ field: 'body.zone', message: `must be ${zone}` }]);
      const origin = host.zoneDefs().find((z) => nameKey(z.origin) === key)?.origin ?? doc.zone;
      return locked(origin, async () => {
        const existing = host.zoneDefs().find((z) => nameKey(z.origin) === key);
        const stored = existing ? await readStored(existing) : undefined;
        checkIfMatch(stored, opts.ifMatch, origin);
        const body: ZoneFile = { ...doc, soa: { ...doc.soa } };
        if (stored) {
          // a replacement must be newer than what secondaries and caches saw: at least the next serial
          const next = new ZoneEditor(stored.text).bumpSerial(new Date(now()));
          if (((body.soa.serial - next) | 0) < 0) body.soa.serial = next;
        }
        const text = zoneTextFromJson(body);
        let def: ZoneDefinition;
        try {
          def = parseZoneText(text, stored?.location ?? store.locate(origin));
        } catch (e) {
          rejected(e, [['', 'body']]);
        }
        const saved = await store.write(origin, text, stored ? stored.revision : null);
        await host.replaceZone(origin, def);
        audit.info({ audit: { by: opts.caller.name, action: stored ? 'replace zone' : 'create zone', zone: def.origin, before: existing ? { serial: existing.serial } : null, after: { serial: def.serial }, etag: saved.revision } }, `admin: ${stored ? 'replace' : 'create'} zone`);
        return { zone: def.origin, serial: def.serial, etag: saved.revision, created: !stored };
      });
    },

    async deleteZone(zone, opts) {
      writable(opts.caller);
      const origin = findZone(zone).origin;
      await locked(origin, async () => {
        const def = findZone(origin);
        const stored = await readStored(def);
        checkIfMatch(stored, opts.ifMatch, def.origin);
        await store.remove(def.origin, stored.revision);
        await host.replaceZone(def.origin, null);
        audit.info({ audit: { by: opts.caller.name, action: 'delete zone', zone: def.origin, before: { serial: def.serial }, after: null } }, 'admin: delete zone');
      });
    },

    async addRecord(zone, record, opts) {
      return plain(
        await change(zone, opts, 'add record', (ed) => {
          const index = ((ed.toJSON() as { records?: unknown[] }).records ?? []).length;
          ed.addRecord(record);
          return { after: record, fields: [[`records[${index}]`, 'body']] };
        }),
      );
    },

    async replaceRRset(zone, name, type, records, opts) {
      return plain(
        await change(zone, opts, 'replace rrset', (ed) => {
          const before = rrset(ed, name, type);
          // the new entries take the place of the first old one (or go last): map their problems to the body
          const at = ed.findRRset(name, type)[0] ?? ((ed.toJSON() as { records?: unknown[] }).records ?? []).length;
          ed.replaceRRset(name, type, records);
          return { before, after: rrset(ed, name, type), fields: records.map((_, j): [string, string] => [`records[${at + j}]`, `body.records[${j}]`]) };
        }),
      );
    },

    async deleteRRset(zone, name, type, opts) {
      return plain(
        await change(zone, opts, 'delete rrset', (ed) => {
          const before = rrset(ed, name, type);
          ed.deleteRRset(name, type);
          return { before };
        }),
      );
    },

    async getPool(zone, pool) {
      const def = findZone(zone);
      return poolView(def, findPool(def, pool), sources());
    },

    async addMember(zone, pool, member, opts) {
      return plain(
        await change(zone, opts, 'add member', (ed) => {
          const index = findPool(findZone(zone), pool).members.length;
          ed.addMember(pool, member);
          return { after: { pool, ...member }, fields: [[`pools.${pool}.members[${index}]`, 'body']] };
        }),
      );
    },

    async patchMember(zone, pool, member, patch, opts) {
      if ('name' in patch) throw invalid('body.name: a member cannot be renamed (add a new one and delete this one)', [{ field: 'body.name', message: 'cannot be changed' }]);
      return plain(
        await change(zone, opts, 'change member', (ed) => {
          const before = ed.member(pool, member);
          const index = findPool(findZone(zone), pool).members.findIndex((m) => m.name === member);
          ed.patchMember(pool, member, patch as Record<string, unknown>);
          return { before: { pool, ...before }, after: { pool, ...ed.member(pool, member) }, fields: [[`pools.${pool}.members[${index}]`, 'body']] };
        }),
      );
    },

    async deleteMember(zone, pool, member, opts) {
      return plain(
        await change(zone, opts, 'delete member', (ed) => {
          const before = ed.member(pool, member);
          ed.deleteMember(pool, member);
          return { before: { pool, ...before } };
        }),
      );
    },

    async drain(zone, pool, member, drained, opts) {
      findMember(findZone(zone), pool, member);
      const r = await change(zone, opts, drained ? 'drain member' : 'undrain member', (ed) => {
        ed.setDrained(pool, member, drained);
        return { before: { pool, member, drained: !drained }, after: { pool, member, drained } };
      });
      const p = findPool(r.def, pool);
      const t = now();
      // with sibling processes, any of them may have named the member until the drain reached it, just now
      const lastAt = host.states.peekCounter(r.def.origin, pool, member)?.lastAt ?? 0;
      const latest = host.siblings ? t : lastAt;
      return {
        ...plain(r),
        drained,
        lastAnswered: lastAt > 0 ? new Date(lastAt).toISOString() : null,
        safeAfter: new Date(drained ? safeAfter(latest, p.ttl, t) : t).toISOString(),
      };
    },

    async pushLoad(zone, pool, member, load, caller) {
      writable(caller);
      const def = findZone(zone);
      const { member: m } = findMember(def, pool, member);
      const at = now();
      await host.pushLoad(def.origin, pool, member, { connections: load.connections, capacity: load.capacity, at });
      return { at: new Date(at).toISOString(), expires: new Date(at + loadMaxAgeMs(m)).toISOString() };
    },

    explain(req) {
      return explain(host.snapshot(), req);
    },
  };
}
