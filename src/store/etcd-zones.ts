/**
 * Zones served from etcd: follow the store, hand each zone's new text to the app, and keep a copy
 * of the last texts seen in the state directory. If etcd cannot be reached at start, the copy
 * serves until it can (an instance restarted during an etcd outage still answers); the first
 * successful read replaces it. Connecting is retried in the background, never awaited by queries.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from './file-store.js';
import type { EtcdZoneStore } from './etcd-store.js';
import type { StoredZone } from './zone-store.js';

/** Apply one zone's text (null: the zone was deleted). */
export type ApplyZone = (origin: string, stored: StoredZone | null) => Promise<void>;

const CACHE_FILE = 'etcd-zones.json';

export class EtcdZoneSource {
  private readonly zones = new Map<string, StoredZone>();
  private saveTimer: NodeJS.Timeout | undefined;
  /** the copy's writes, one after another; never rejects */
  private saving: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly store: EtcdZoneStore,
    private readonly opts: { stateDir?: string; logger: Logger; retryMs?: number },
  ) {}

  private get cacheFile(): string | undefined {
    return this.opts.stateDir ? join(this.opts.stateDir, CACHE_FILE) : undefined;
  }

  /**
   * Start following. Resolves once the zones etcd holds (or, when etcd is unreachable, the cached
   * copy) have been applied; keeps trying to connect in the background after that.
   */
  async start(apply: ApplyZone): Promise<void> {
    if (this.opts.stateDir) await mkdir(this.opts.stateDir, { recursive: true }).catch(() => {});
    const pending: Promise<void>[] = [];
    const onZone = (origin: string, stored: StoredZone | null) => {
      if (stored) this.zones.set(origin.toLowerCase(), stored);
      else this.zones.delete(origin.toLowerCase());
      this.scheduleSave();
      pending.push(apply(origin, stored).catch((err) => this.opts.logger.error({ err, zone: origin }, 'could not apply a zone from etcd')));
    };
    const connect = async (): Promise<boolean> => {
      try {
        await this.store.follow(onZone);
        this.opts.logger.info({ revision: this.store.status().revision, zones: this.zones.size }, 'following etcd');
        return true;
      } catch (err) {
        this.opts.logger.error({ err: (err as Error).message }, 'etcd unreachable: serving the last zones seen; retrying');
        return false;
      }
    };
    if (!(await connect())) {
      const cached = await this.readCache();
      this.store.prime(cached);
      for (const z of cached) onZone(z.origin, z);
      const again = () => {
        if (this.closed) return;
        this.retryTimer = setTimeout(() => void connect().then((ok) => ok || again()), this.opts.retryMs ?? 2000);
      };
      again();
    }
    await Promise.all(pending);
  }

  private async readCache(): Promise<StoredZone[]> {
    if (!this.cacheFile) return [];
    try {
      const data = JSON.parse(await readFile(this.cacheFile, 'utf8')) as { zones: StoredZone[] };
      this.opts.logger.warn({ file: this.cacheFile, zones: data.zones.length }, 'serving the zones last seen in etcd, from the state directory');
      return data.zones;
    } catch {
      return [];
    }
  }

  private scheduleSave(): void {
    if (!this.cacheFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.save(), 100);
  }

  /** Write the copy of the zones as they are now, after any write still under way. */
  private save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const file = this.cacheFile;
    if (!file) return;
    const body = JSON.stringify({ revision: this.store.status().revision, zones: [...this.zones.values()] });
    this.saving = this.saving
      .then(() => writeFileAtomic(file, body, 0o600))
      .catch((err) => this.opts.logger.warn({ err: (err as Error).message, file }, 'could not save the etcd zone copy'));
  }

  /**
   * Stop following etcd. Resolves once the copy is on disk: a write under way is awaited and one
   * still waiting for its 100 ms (a change just before the stop) is done now, so the process can
   * exit without losing the last change seen.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.saveTimer) this.save();
    this.store.close();
    await this.saving;
  }
}
