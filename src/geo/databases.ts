/**
 * The GeoIP databases the zones use, opened once per file and followed for changes (operators
 * run geoipupdate). The app asks `ensure` for the files the current zones name and reads
 * `get(file)` when it builds a snapshot; a new version of a file triggers `onChange`.
 */
import type { Logger } from 'pino';
import type { GeoDatabase } from './reader.js';
import { openWatched, type GeoWatcher } from './watch.js';

export class GeoDatabases {
  readonly #watchers = new Map<string, GeoWatcher>();
  /** files that failed to open, with when, so a missing file is not retried on every snapshot */
  readonly #failed = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {}

  /** Whether `ensure(files)` would open (or close) anything. */
  needsOpening(files: readonly string[], retryFailed = false): boolean {
    const wanted = new Set(files);
    for (const f of this.#watchers.keys()) if (!wanted.has(f)) return true;
    for (const f of wanted) if (!this.#watchers.has(f) && (retryFailed || !this.#failed.has(f))) return true;
    return false;
  }

  /** Open the files not open yet (failures are logged; geo answers then use the default site). */
  async ensure(files: Iterable<string>, retryFailed = false): Promise<void> {
    const wanted = new Set(files);
    for (const [file, w] of this.#watchers) {
      if (!wanted.has(file)) {
        w.close();
        this.#watchers.delete(file);
      }
    }
    for (const file of wanted) {
      if (this.#watchers.has(file) || (this.#failed.has(file) && !retryFailed)) continue;
      try {
        const w = await openWatched(file, {
          onReload: (db) => {
            this.logger.info({ file, type: db.info.databaseType, built: db.info.builtAt }, 'GeoIP database reloaded');
            this.onChange();
          },
          onError: (err) => this.logger.error({ file }, err.message),
        });
        this.#watchers.set(file, w);
        this.#failed.delete(file);
        const info = w.current().info;
        this.logger.info({ file, type: info.databaseType, built: info.builtAt, nodes: info.nodeCount }, 'GeoIP database opened');
      } catch (err) {
        this.#failed.add(file);
        this.logger.error({ file }, `${(err as Error).message}; clients of geo pools go to the default site until it can be read`);
      }
    }
  }

  get(file: string | undefined): GeoDatabase | undefined {
    return file === undefined ? undefined : this.#watchers.get(file)?.current();
  }

  close(): void {
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }
}
