/**
 * A directory of zone files: every `*.yaml` / `*.yml` directly in it (no recursion, dotfiles
 * skipped, so a Kubernetes ConfigMap mount with its `..data` links works). A broken file is
 * reported and the others still load. Two files with one origin: the first by file name is
 * kept, the second is reported as ZONE_CONFLICT naming both.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MeridianError, type ErrorCode, type Problem } from '../errors.js';
import { nameKey } from '../wire/name.js';
import { loadZoneFile } from './zone-file.js';
import type { ZoneDefinition } from './zone-types.js';

/** A Problem that also says which catalogue error it stands for. */
export interface ZoneDirProblem extends Problem {
  kind: ErrorCode;
}

const ZONE_FILE = /\.ya?ml$/i;

function reason(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** Paths of the zone files in `dir`, sorted by name. Throws CONFIG_INVALID if `dir` is unreadable. */
export async function listZoneFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new MeridianError('CONFIG_INVALID', `cannot read the zone directory ${dir} (${reason(e)})`, [
      { file: dir, message: `cannot read the zone directory (${reason(e)})` },
    ]);
  }
  return names
    .filter((n) => !n.startsWith('.') && ZONE_FILE.test(n))
    .sort()
    .map((n) => join(dir, n));
}

async function loadOne(file: string): Promise<ZoneDefinition | ZoneDirProblem[]> {
  try {
    // stat follows links: a link to a file counts, a directory called x.yaml does not
    if (!(await stat(file)).isFile()) return [];
  } catch (e) {
    return [{ kind: 'ZONE_INVALID', file, message: `cannot read the file (${reason(e)})` }];
  }
  try {
    return await loadZoneFile(file);
  } catch (e) {
    if (!(e instanceof MeridianError)) throw e;
    const problems = e.problems.length ? e.problems : [{ file, message: e.message }];
    return problems.map((p) => ({ kind: e.kind, ...p }));
  }
}

/** Load every zone file in `dir`; problems are collected per file instead of thrown. */
export async function loadZoneDir(dir: string): Promise<{ zones: ZoneDefinition[]; problems: ZoneDirProblem[] }> {
  const files = await listZoneFiles(dir);
  const results = await Promise.all(files.map(loadOne));
  const zones: ZoneDefinition[] = [];
  const problems: ZoneDirProblem[] = [];
  const byOrigin = new Map<string, ZoneDefinition>();
  results.forEach((r, i) => {
    if (Array.isArray(r)) {
      problems.push(...r);
      return;
    }
    const key = nameKey(r.origin);
    const first = byOrigin.get(key);
    if (first) {
      const message = `zone ${r.origin} is also defined in ${first.file}; this file is ignored`;
      problems.push({ kind: 'ZONE_CONFLICT', file: files[i], message });
      return;
    }
    byOrigin.set(key, r);
    zones.push(r);
  });
  return { zones, problems };
}

/** `meridian check`: every problem in the directory, the directory itself included. */
export async function checkZoneDir(dir: string): Promise<ZoneDirProblem[]> {
  try {
    return (await loadZoneDir(dir)).problems;
  } catch (e) {
    if (!(e instanceof MeridianError)) throw e;
    return e.problems.map((p) => ({ kind: e.kind, ...p }));
  }
}
