import { copyFileSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeridianError } from '../errors.js';
import type { GeoDatabase } from './reader.js';
import { TEST_DB, look, patched, testDbBytes, waitFor } from './testing.js';
import { openWatched, type GeoWatcher } from './watch.js';

const good = testDbBytes();
// a valid database that answers differently: Frankfurt's networks now say "Frankfort"
const modified = patched(good, 'Frankfurt', 'Frankfort');
const broken = good.subarray(0, good.length >> 1);

let dir: string;
let file: string;
let watcher: GeoWatcher | undefined;
let reloads: { db: GeoDatabase; previous: GeoDatabase }[];
let errors: MeridianError[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-geo-watch-'));
  file = join(dir, 'GeoLite2-City.mmdb');
  copyFileSync(TEST_DB, file);
  reloads = [];
  errors = [];
});

afterEach(() => {
  watcher?.close();
  watcher = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<GeoWatcher> {
  watcher = await openWatched(file, {
    debounceMs: 30,
    onReload: (db, previous) => reloads.push({ db, previous }),
    onError: (e) => errors.push(e),
  });
  return watcher;
}

/** Replace the file the way geoipupdate does: write beside it, rename over it. */
function replace(content: Buffer): void {
  const temp = `${file}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, file);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('openWatched', () => {
  it('serves the file, then picks up a replacement renamed over it', async () => {
    const w = await open();
    const first = w.current();
    expect(look(first, '192.0.2.0')).toBe('DE EU Frankfurt 50.11 8.68 /24');
    replace(modified);
    await waitFor(() => reloads.length === 1);
    expect(w.current()).toBe(reloads[0].db);
    expect(reloads[0].previous).toBe(first);
    expect(look(w.current(), '192.0.2.0')).toBe('DE EU Frankfort 50.11 8.68 /24');
    // the old database still answers for whoever holds it (an older snapshot)
    expect(look(first, '192.0.2.0')).toBe('DE EU Frankfurt 50.11 8.68 /24');
    expect(errors).toEqual([]);
  });

  it('keeps the last good database when the new file is broken, and says so once', async () => {
    const w = await open();
    const first = w.current();
    replace(broken);
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(MeridianError);
    expect(errors[0].code).toBe('MERIDIAN_ERR_CONFIG_INVALID');
    expect(errors[0].message).toBe(
      `GeoIP database ${file}: no MaxMind DB metadata found: truncated, or not an mmdb file; ` +
        `still serving the last good database (Meridian-Test-City, built ${first.info.builtAt})`,
    );
    expect(w.current()).toBe(first);
    // looking again at the same broken file reports nothing new
    expect(await w.reload()).toBe(false);
    expect(errors).toHaveLength(1);
    // a good file after the broken one is picked up
    replace(modified);
    await waitFor(() => reloads.length === 1);
    expect(look(w.current(), '192.0.2.0')).toBe('DE EU Frankfort 50.11 8.68 /24');
    expect(errors).toHaveLength(1);
  });

  it('keeps the last good database while the file is missing, and reloads when it is back', async () => {
    const w = await open();
    const first = w.current();
    unlinkSync(file);
    await waitFor(() => errors.length === 1);
    expect(errors[0].message).toMatch(new RegExp(`^GeoIP database ${file}: no such file; still serving the last good database`));
    expect(w.current()).toBe(first);
    expect(look(w.current(), '192.0.2.0')).toBe('DE EU Frankfurt 50.11 8.68 /24');
    replace(good);
    await waitFor(() => reloads.length === 1);
    expect(w.current()).not.toBe(first);
    expect(look(w.current(), '192.0.2.0')).toBe('DE EU Frankfurt 50.11 8.68 /24');
    expect(errors).toHaveLength(1);
  });

  it('reloads on demand, and only when the file changed', async () => {
    const w = await open();
    expect(await w.reload()).toBe(false);
    w.close(); // no events: only reload() looks
    writeFileSync(file, modified); // rewritten in place, not renamed
    watcher = await openWatched(file, { onReload: (db, previous) => reloads.push({ db, previous }) });
    expect(await watcher.reload()).toBe(false);
    replace(good);
    expect(await watcher.reload()).toBe(true);
    expect(look(watcher.current(), '192.0.2.0')).toBe('DE EU Frankfurt 50.11 8.68 /24');
    expect(reloads).toHaveLength(1);
  });

  it('ignores other files in the directory', async () => {
    await open();
    writeFileSync(join(dir, 'GeoLite2-Country.mmdb'), broken);
    writeFileSync(join(dir, 'GeoLite2-City.mmdb.tmp'), broken);
    await sleep(150);
    expect(errors).toEqual([]);
    expect(reloads).toEqual([]);
  });

  it('stops following the file once closed', async () => {
    const w = await open();
    const first = w.current();
    w.close();
    replace(modified);
    await sleep(150);
    expect(reloads).toEqual([]);
    expect(w.current()).toBe(first);
    expect(await w.reload()).toBe(false);
  });

  it('gives each database its own cache', async () => {
    const w = await open();
    w.current().lookup(Uint8Array.of(192, 0, 2, 0), 4);
    replace(modified);
    await waitFor(() => reloads.length === 1);
    expect(w.current().stats()).toMatchObject({ hits: 0, misses: 0, size: 0 });
  });

  it('fails clearly when the file is missing or broken at start', async () => {
    const missing = join(dir, 'none.mmdb');
    const err = await openWatched(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeridianError);
    expect((err as MeridianError).code).toBe('MERIDIAN_ERR_CONFIG_INVALID');
    expect((err as MeridianError).message).toBe(`GeoIP database ${missing}: no such file`);
    writeFileSync(file, broken);
    await expect(openWatched(file)).rejects.toThrow(`GeoIP database ${file}: no MaxMind DB metadata found`);
  });
});
