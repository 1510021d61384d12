/**
 * `meridian etcd import|export`: move zones between files and etcd. Import validates every file
 * first and writes nothing if one is bad; each zone is one key, written as the file's text (the
 * operator's comments travel with it). Export writes each zone's text back as `<origin>.yaml`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MeridianError } from '../errors.js';
import { loadZoneDir } from '../config/zone-dir.js';
import { EtcdZoneStore } from '../store/etcd-store.js';
import { writeFileAtomic } from '../store/file-store.js';

interface EtcdTarget {
  hosts: string[];
  prefix: string;
}

/**
 * Import every zone file of `dir`. With `ifAbsent`, a zone etcd holds already is left alone (its
 * text may carry admin changes, drains and weights, that a re-seed must not undo).
 */
export async function etcdImport(dir: string, target: EtcdTarget, ifAbsent = false): Promise<{ imported: string[]; kept: string[] }> {
  const { zones, problems } = await loadZoneDir(dir);
  if (problems.length) throw new MeridianError('ZONE_INVALID', `${problems.length} problem(s) in ${dir}; nothing imported`, problems);
  if (zones.length === 0) throw new MeridianError('CONFIG_INVALID', `no zone files (*.yaml, *.yml) in ${dir}`);
  const store = new EtcdZoneStore(target);
  const imported: string[] = [];
  const kept: string[] = [];
  try {
    for (const z of zones) {
      try {
        // null: only if the key does not exist (one transaction, so two seeders cannot both write)
        await store.write(z.origin, await readFile(z.file!, 'utf8'), ifAbsent ? null : undefined);
        imported.push(z.origin);
      } catch (e) {
        if (!(ifAbsent && e instanceof MeridianError && e.kind === 'EDIT_CONFLICT')) throw e;
        kept.push(z.origin);
      }
    }
  } finally {
    store.close();
  }
  return { imported, kept };
}

export async function etcdExport(dir: string, target: EtcdTarget): Promise<string[]> {
  const store = new EtcdZoneStore(target);
  try {
    const { zones } = await store.loadAll();
    await mkdir(dir, { recursive: true });
    for (const z of zones) await writeFileAtomic(join(dir, `${z.origin.replace(/\.$/, '') || 'root'}.yaml`), z.text);
    return zones.map((z) => z.origin);
  } finally {
    store.close();
  }
}
