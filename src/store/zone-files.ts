/**
 * Zones kept as YAML files in one directory. A reload is atomic per zone file: a file that fails
 * to load is reported and the version loaded before keeps serving; a removed file removes its zone.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Problem } from '../errors.js';
import type { ZoneDefinition } from '../config/zone-types.js';
import { loadZoneDir } from '../config/zone-dir.js';

export interface ZoneLoadReport {
  zones: ZoneDefinition[];
  /** problems of files that were rejected this time (their previous version still serves) */
  problems: Problem[];
  /** origins whose content changed but whose SOA serial did not */
  serialNotBumped: string[];
  changed: string[];
}

function sameContent(a: ZoneDefinition, b: ZoneDefinition): boolean {
  const strip = (z: ZoneDefinition) => JSON.stringify({ ...z, file: undefined }, (k, v) => (k === 'line' ? undefined : v));
  return strip(a) === strip(b);
}

export class ZoneFileSource {
  private byFile = new Map<string, ZoneDefinition>();
  constructor(readonly dir: string) {}

  async load(): Promise<ZoneLoadReport> {
    const { zones, problems } = await loadZoneDir(this.dir);
    const failedFiles = new Set(problems.map((p) => p.file).filter((f): f is string => !!f));
    const next = new Map<string, ZoneDefinition>();
    for (const z of zones) if (z.file && !failedFiles.has(z.file)) next.set(z.file, z);
    for (const f of failedFiles) {
      const prev = this.byFile.get(f);
      if (prev) next.set(f, prev);
    }
    const serialNotBumped: string[] = [];
    const changed: string[] = [];
    for (const [f, z] of next) {
      const prev = this.byFile.get(f);
      if (prev === z) continue;
      if (!prev || !sameContent(prev, z)) {
        changed.push(z.origin);
        if (prev && prev.origin === z.origin && prev.serial === z.serial) serialNotBumped.push(z.origin);
      }
    }
    for (const f of this.byFile.keys()) if (!next.has(f)) changed.push(this.byFile.get(f)!.origin);
    this.byFile = next;
    return { zones: [...next.values()], problems, serialNotBumped, changed };
  }

  /** An admin change wrote `def` to `file`: the next load compares against it, not the old version. */
  remember(file: string, def: ZoneDefinition): void {
    this.byFile.set(file, def);
  }

  forget(file: string): void {
    this.byFile.delete(file);
  }

  /** Call `onChange` (debounced) when a file in the directory changes. Returns a stop function. */
  watch(onChange: () => void, debounceMs = 200): () => void {
    let timer: NodeJS.Timeout | undefined;
    let w: FSWatcher | undefined;
    try {
      w = watch(this.dir, { persistent: false }, (_event, name) => {
        // a zone file, or the `..data` link a Kubernetes ConfigMap mount swaps to update every file at once
        if (name && !/\.ya?ml$/i.test(String(name)) && !String(name).startsWith('..')) return;
        clearTimeout(timer);
        timer = setTimeout(onChange, debounceMs);
      });
      w.on('error', () => {});
    } catch {
      /* directory watching unavailable: SIGHUP still reloads */
    }
    return () => {
      clearTimeout(timer);
      w?.close();
    };
  }
}
