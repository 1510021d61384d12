/**
 * A GeoIP database that follows its file. geoipupdate (and `npm run geoip:install`) write a new
 * file and rename it over the old one, so the directory is watched, not the file: a rename
 * replaces the inode a file watch would hold. Events are debounced; the new file is read and
 * checked off the query path, then swapped in whole. A broken or missing file is reported
 * through `onError` and the last good database keeps serving. Snapshot builders read
 * `current()`; `onReload` tells them when to rebuild.
 */
import { watch, type FSWatcher, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { MeridianError } from '../errors.js';
import { GeoDatabase, invalid, readFailure, type GeoDatabaseOptions } from './reader.js';

export interface GeoWatchOptions extends GeoDatabaseOptions {
  /** a new database is serving (called after `current()` returns it) */
  onReload?: (db: GeoDatabase, previous: GeoDatabase) => void;
  /** the file is broken, missing or unreadable, or watching failed; the previous one serves on */
  onError?: (err: MeridianError) => void;
  /** quiet time after the last change before the file is read, ms (default 500) */
  debounceMs?: number;
  /** keep the process alive while watching (default false: the servers' sockets do that) */
  persistent?: boolean;
}

/** Open `file` (MeridianError CONFIG_INVALID when it is missing or broken) and follow it. */
export async function openWatched(file: string, options: GeoWatchOptions = {}): Promise<GeoWatcher> {
  let before: Stats;
  try {
    before = await stat(file);
  } catch (e) {
    throw invalid(file, readFailure(e));
  }
  const db = await GeoDatabase.open(file, options);
  return new GeoWatcher(file, db, identity(before), options);
}

export class GeoWatcher {
  readonly file: string;
  readonly #options: GeoWatchOptions;
  readonly #watcher: FSWatcher;
  #current: GeoDatabase;
  /** identity (inode, size, times) of the file now serving, and of the last one that failed */
  #loadedId: string;
  #failedId: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(file: string, db: GeoDatabase, id: string, options: GeoWatchOptions) {
    this.file = file;
    this.#current = db;
    this.#loadedId = id;
    this.#options = options;
    const name = basename(file);
    this.#watcher = watch(dirname(file), { persistent: options.persistent ?? false }, (_event, changed) => {
      if (changed === null || changed.toString() === name) this.#schedule();
    });
    this.#watcher.on('error', (e) => {
      this.#report(new MeridianError('CONFIG_INVALID', `GeoIP database ${file}: watching ${dirname(file)} failed (${e.message}); changes are no longer picked up${this.#serving()}`));
      this.close();
    });
  }

  /** The database serving now. */
  current(): GeoDatabase {
    return this.#current;
  }

  /**
   * Look at the file now (e.g. on SIGHUP) instead of waiting for an event. Resolves true when a
   * new database was swapped in; false when the file is unchanged, or broken (reported).
   */
  reload(): Promise<boolean> {
    const next = this.#chain.then(() => this.#load());
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Stop watching; the current database stays usable. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#watcher.close();
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      // only a throwing onReload gets here: report it rather than leave a rejection unhandled
      this.reload().catch((e: unknown) => this.#report(new MeridianError('CONFIG_INVALID', `GeoIP database ${this.file}: reload failed (${(e as Error).message})`)));
    }, this.#options.debounceMs ?? 500);
    if (!(this.#options.persistent ?? false)) this.#timer.unref();
  }

  async #load(): Promise<boolean> {
    if (this.#closed) return false;
    const file = this.file;
    let before: Stats;
    try {
      before = await stat(file);
    } catch (e) {
      return this.#fail(`missing:${(e as NodeJS.ErrnoException).code}`, invalid(file, readFailure(e)));
    }
    const id = identity(before);
    if (id === this.#loadedId || id === this.#failedId) return false;
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (e) {
      return this.#fail(id, invalid(file, readFailure(e)));
    }
    const after = await stat(file).catch(() => undefined);
    if (!after || identity(after) !== id) {
      // still being written (or replaced again meanwhile): look again when it settles
      this.#schedule();
      return false;
    }
    let db: GeoDatabase;
    try {
      db = GeoDatabase.fromBuffer(buf, file, this.#options);
    } catch (e) {
      if (!(e instanceof MeridianError)) throw e;
      return this.#fail(id, e);
    }
    if (this.#closed) return false;
    const previous = this.#current;
    this.#current = db;
    this.#loadedId = id;
    this.#failedId = undefined;
    this.#options.onReload?.(db, previous);
    return true;
  }

  /** Report a failure once per state of the file; the current database serves on. */
  #fail(id: string, err: MeridianError): false {
    if (id === this.#failedId || this.#closed) return false;
    this.#failedId = id;
    this.#report(new MeridianError(err.kind, `${err.message}${this.#serving()}`, err.problems));
    return false;
  }

  #report(err: MeridianError): void {
    this.#options.onError?.(err);
  }

  #serving(): string {
    const { databaseType, builtAt } = this.#current.info;
    return `; still serving the last good database (${databaseType}, built ${builtAt})`;
  }
}

function identity(s: Stats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}
