/**
 * Zone documents as the YAML files of the zones directory. A write is atomic and durable before
 * it resolves: the new text goes to a temporary dotfile in the same directory (the loader and the
 * watcher skip dotfiles), is fsynced, renamed over the zone file, and the directory is fsynced so
 * the rename itself survives a crash. After `kill -9` or a power cut a zone file is either the old
 * or the new version, never half of one; leftover temporary files are removed at start.
 *
 * The revision of a file is a hash of its bytes, so a hand edit of the file changes it too.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MeridianError } from '../errors.js';
import { nameKey } from '../wire/name.js';
import type { Expected, StoredZone, ZoneStore } from './zone-store.js';

const TEMP = /^\..+\.tmp-\d+-\d+$/;
let tempSeq = 0;

export function revisionOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

function reason(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

async function fsyncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Write `text` to `path` atomically and durably (see the header). */
export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${++tempSeq}`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await fsyncDir(dir);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new MeridianError('STORE_FAILED', `cannot write ${path} (${reason(e)})`, [{ file: path, message: `cannot write (${reason(e)})` }]);
  }
}

export class FileZoneStore implements ZoneStore {
  /**
   * @param dir the zones directory
   * @param fileOf the file a loaded zone came from (undefined for a zone not loaded from `dir`)
   */
  constructor(
    readonly dir: string,
    private readonly fileOf: (origin: string) => string | undefined,
  ) {}

  /** Remove temporary files a crash left behind. */
  async sweep(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => TEMP.test(n)).map((n) => unlink(join(this.dir, n)).catch(() => {})));
  }

  /** The file for an origin: the one it was loaded from, else `<origin>.yaml` in the directory. */
  locate(origin: string): string {
    const known = this.fileOf(origin);
    if (known) return known;
    const base = nameKey(origin) === nameKey('.') ? 'root' : origin.replace(/\.$/, '').toLowerCase();
    return join(this.dir, `${base.replace(/[^a-z0-9._-]/g, '_')}.yaml`);
  }

  async read(origin: string): Promise<StoredZone | undefined> {
    const file = this.fileOf(origin);
    if (!file) return undefined;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new MeridianError('STORE_FAILED', `cannot read ${file} (${reason(e)})`);
    }
    return { origin, text, revision: revisionOf(text), location: file };
  }

  private async check(origin: string, expected: Expected): Promise<StoredZone | undefined> {
    const cur = await this.read(origin);
    if (expected === undefined) return cur;
    if (expected === null ? cur !== undefined : cur?.revision !== expected) {
      throw new MeridianError('EDIT_CONFLICT', `zone ${origin} changed since version "${expected ?? 'none'}" (now ${cur ? `"${cur.revision}"` : 'absent'})`);
    }
    return cur;
  }

  async write(origin: string, text: string, expected: Expected): Promise<StoredZone> {
    const cur = await this.check(origin, expected);
    const file = cur?.location ?? this.locate(origin);
    // keep the file's permissions; never overwrite a file that does not hold this zone
    const mode = await stat(file).then((s) => s.mode & 0o7777, (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : 0o644));
    if (!cur && mode !== null) throw new MeridianError('ALREADY_EXISTS', `${file} exists but does not hold zone ${origin}; move it away first`);
    await writeFileAtomic(file, text, mode ?? 0o644);
    return { origin, text, revision: revisionOf(text), location: file };
  }

  async remove(origin: string, expected: Expected): Promise<void> {
    const cur = await this.check(origin, expected);
    if (!cur) throw new MeridianError('NOT_FOUND', `zone ${origin} is not kept in a file of ${this.dir}`);
    try {
      await unlink(cur.location);
      await fsyncDir(dirname(cur.location));
    } catch (e) {
      throw new MeridianError('STORE_FAILED', `cannot remove ${cur.location} (${reason(e)})`);
    }
  }
}
