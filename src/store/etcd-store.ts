/**
 * Zone documents in etcd (v3), shared by every instance: one key per zone,
 * `<prefix>zones/<origin>` → the zone's YAML text, its revision etcd's mod_revision.
 *
 * - Writes are transactions on that revision (`Mod == expected`, or `Create == 0` for a new zone),
 *   so two instances editing one zone at once never lose an update: the loser gets EDIT_CONFLICT.
 * - Every instance watches the prefix and applies each zone's new text as it comes (atomically per
 *   zone, in the app). The watch resumes from the last revision seen after a disconnect, and a
 *   full read on every reconnect catches up even if that revision was compacted away.
 * - Nothing on the query path waits for etcd. While it is unreachable the last texts seen keep
 *   serving, writes fail with STORE_UNAVAILABLE (503), and `status()` says so.
 */
import { ExponentialBackoff, handleWhen, noop, retry, type IBackoff } from 'cockatiel';
import { Etcd3, isRecoverableError, type IKeyValue, type Namespace, type Watcher } from 'etcd3';
import { MeridianError } from '../errors.js';
import { nameKey } from '../wire/name.js';
import type { Expected, StoredZone, ZoneStore } from './zone-store.js';

export interface EtcdOptions {
  /** client URLs, e.g. ["http://127.0.0.1:2379"] */
  hosts: string[];
  /** key prefix, default "/meridian/" */
  prefix?: string;
  /** a call that takes longer fails (ms, default 2000) */
  callTimeoutMs?: number;
}

export interface EtcdStatus {
  connected: boolean;
  /** the etcd revision this instance has applied up to ("0" before the first read) */
  revision: string;
  /** ms timestamp of the last connect or disconnect */
  since: number;
  lastError?: string;
}

/** Called with a zone's new stored text, or null when its key was deleted. */
export type ZoneChange = (origin: string, stored: StoredZone | null) => void;

const ZONES = 'zones/';

function unavailable(e: unknown): MeridianError {
  if (e instanceof MeridianError) return e;
  return new MeridianError('STORE_UNAVAILABLE', `etcd is unreachable (${(e as Error).message ?? e}): DNS keeps answering from the last state seen; retry the change later`);
}

export class EtcdZoneStore implements ZoneStore {
  readonly prefix: string;
  private readonly client: Etcd3;
  private readonly ns: Namespace;
  private readonly timeoutMs: number;
  /** last text seen per zone (by name key): answers reads while etcd is away, skips our own echoes */
  private readonly seen = new Map<string, StoredZone>();
  private watcher: Watcher | undefined;
  private onZone: ZoneChange = () => {};
  private state: EtcdStatus = { connected: false, revision: '0', since: Date.now() };

  constructor(readonly opts: EtcdOptions) {
    this.prefix = opts.prefix ?? '/meridian/';
    this.timeoutMs = opts.callTimeoutMs ?? 2000;
    const timeoutMs = this.timeoutMs;
    this.client = new Etcd3({
      hosts: opts.hosts,
      dialTimeout: timeoutMs,
      // fail fast (our caller reports 503) instead of queueing behind long retries; watch reconnects within 2 s
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
      faultHandling: {
        host: () => noop,
        global: retry(handleWhen(isRecoverableError), { maxAttempts: opts.hosts.length }),
        // etcd3 declares an IBackoff but takes the factory, as its own default does
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }) as unknown as IBackoff<unknown>,
      },
    });
    this.ns = this.client.namespace(this.prefix);
  }

  status(): EtcdStatus {
    return { ...this.state };
  }

  private keyOf(origin: string): string {
    return ZONES + origin.toLowerCase().replace(/\.?$/, '.');
  }

  private toStored(kv: IKeyValue): StoredZone {
    // the namespace gives keys without its prefix
    let key = kv.key.toString();
    if (key.startsWith(this.prefix)) key = key.slice(this.prefix.length);
    return { origin: key.slice(ZONES.length), text: kv.value.toString(), revision: String(kv.mod_revision), location: `etcd:${this.prefix}${key}` };
  }

  private mark(connected: boolean, err?: unknown): void {
    if (connected !== this.state.connected) this.state = { ...this.state, connected, since: Date.now() };
    if (err) this.state.lastError = (err as Error).message ?? String(err);
  }

  locate(origin: string): string {
    return `etcd:${this.prefix}${this.keyOf(origin)}`;
  }

  /** Every zone in etcd now (and the revision read at). */
  async loadAll(): Promise<{ zones: StoredZone[]; revision: string }> {
    try {
      const res = await this.ns.getAll().prefix(ZONES).exec();
      this.mark(true);
      const zones = res.kvs.map((kv) => this.toStored(kv));
      this.seen.clear();
      for (const z of zones) this.seen.set(nameKey(z.origin), z);
      this.state.revision = String(res.header.revision);
      return { zones, revision: this.state.revision };
    } catch (e) {
      this.mark(false, e);
      throw unavailable(e);
    }
  }

  /**
   * Read everything, report it, then follow changes. `onZone` gets each zone whose text differs
   * from what was reported before (after a reconnect: what changed while away, deletions too).
   */
  async follow(onZone: ZoneChange): Promise<void> {
    this.onZone = onZone;
    const revision = await this.resync();
    const w = await this.ns.watch().prefix(ZONES).startRevision(String(BigInt(revision) + 1n)).create();
    this.watcher = w;
    let lost = false;
    w.on('put', (kv) => {
      const z = this.toStored(kv);
      const k = nameKey(z.origin);
      this.state.revision = z.revision;
      if (this.seen.get(k)?.revision === z.revision) return; // our own write, applied already
      this.seen.set(k, z);
      onZone(z.origin, z);
    });
    w.on('delete', (kv) => {
      const z = this.toStored(kv);
      this.state.revision = String(kv.mod_revision);
      if (!this.seen.delete(nameKey(z.origin))) return;
      onZone(z.origin, null);
    });
    w.on('disconnected', (err) => {
      lost = true;
      this.mark(false, err);
    });
    w.on('error', (err) => this.mark(false, err));
    w.on('connected', () => {
      this.mark(true);
      if (!lost) return;
      lost = false;
      // catch up: the watch resumes from the last revision, and a full read covers a compacted one
      this.resync().catch(() => {});
    });
  }

  /** Zones already being served (a saved copy): the first read reports only what differs, deletions too. */
  prime(zones: StoredZone[]): void {
    for (const z of zones) this.seen.set(nameKey(z.origin), z);
  }

  /** Read every zone and report those that differ from what was seen (SIGHUP, reconnects). Returns the revision read at. */
  async resync(): Promise<string> {
    const before = new Map(this.seen);
    const { zones, revision } = await this.loadAll();
    const now = new Set(zones.map((z) => nameKey(z.origin)));
    for (const z of zones) if (before.get(nameKey(z.origin))?.revision !== z.revision) this.onZone(z.origin, z);
    for (const [k, z] of before) if (!now.has(k)) this.onZone(z.origin, null);
    return revision;
  }

  async read(origin: string): Promise<StoredZone | undefined> {
    try {
      const res = await this.ns.get(this.keyOf(origin)).exec();
      this.mark(true);
      const kv = res.kvs[0];
      return kv ? this.toStored(kv) : undefined;
    } catch (e) {
      this.mark(false, e);
      // etcd away: what we saw last (a write based on it fails with 503 anyway)
      return this.seen.get(nameKey(origin));
    }
  }

  async write(origin: string, text: string, expected: Expected): Promise<StoredZone> {
    const key = this.keyOf(origin);
    try {
      const cond = expected === undefined ? null : expected === null ? this.ns.if(key, 'Create', '==', 0) : this.ns.if(key, 'Mod', '==', Number(expected));
      let revision: string;
      if (cond) {
        const res = await cond.then(this.ns.put(key).value(text)).commit();
        if (!res.succeeded) {
          throw new MeridianError('EDIT_CONFLICT', `zone ${origin} changed in etcd since version "${expected ?? 'none'}": read it again and retry`);
        }
        revision = String(res.header.revision);
      } else {
        const res = await this.ns.put(key).value(text).exec();
        revision = String(res.header.revision);
      }
      this.mark(true);
      const stored = { origin, text, revision, location: `etcd:${this.prefix}${key}` };
      this.seen.set(nameKey(origin), stored);
      return stored;
    } catch (e) {
      if (e instanceof MeridianError) throw e;
      this.mark(false, e);
      throw unavailable(e);
    }
  }

  async remove(origin: string, expected: Expected): Promise<void> {
    const key = this.keyOf(origin);
    try {
      const cond = expected ? this.ns.if(key, 'Mod', '==', Number(expected)) : this.ns.if(key, 'Create', '>', 0);
      const res = await cond.then(this.ns.delete().key(key)).commit();
      if (!res.succeeded) {
        if (!expected) throw new MeridianError('NOT_FOUND', `no zone ${origin} in etcd`);
        throw new MeridianError('EDIT_CONFLICT', `zone ${origin} changed in etcd since version "${expected}": read it again and retry`);
      }
      this.mark(true);
      this.seen.delete(nameKey(origin));
    } catch (e) {
      if (e instanceof MeridianError) throw e;
      this.mark(false, e);
      throw unavailable(e);
    }
  }

  close(): void {
    void this.watcher?.cancel().catch(() => {});
    this.client.close();
  }
}
