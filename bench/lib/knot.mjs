/**
 * Knot DNS (Debian package `knot`) as the reference server: a config and a copy of the zone in a
 * temp dir, `knotd -c knot.conf` in the foreground, ready once it answers SOA.
 *
 * Thread settings are Knot's defaults (the brief: "Knot should use its defaults"): udp-workers =
 * online CPUs, tcp-workers = max(CPUs, 10), background-workers = min(CPUs, 10). Only the UDP
 * workers answer dnsperf's UDP queries; the report records both the nominal worker counts and
 * the OS thread count actually seen.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { log, makeTempDir, startProcess, threadCount, waitForDns } from './proc.mjs';

function which(cmd, fallbacks) {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return fallbacks.find((p) => existsSync(p));
}

export function knotVersion() {
  const bin = which('knotd', ['/usr/sbin/knotd', '/usr/local/sbin/knotd']);
  if (!bin) return undefined;
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

export function knotConfig({ dir, host, port, zone, zoneFile }) {
  let user = '';
  try {
    const u = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    const g = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
    user = `    user: ${u}:${g}\n`;
  } catch {}
  return (
    `# written by bench/run.mjs\n` +
    `server:\n` +
    `    listen: ${host}@${port}\n` +
    `    rundir: ${dir}/run\n` +
    user +
    `log:\n` +
    `  - target: stderr\n` +
    `    any: info\n` +
    `database:\n` +
    `    storage: ${dir}/db\n` +
    `template:\n` +
    `  - id: default\n` +
    `    storage: ${dir}\n` +
    // serve the zone file as is: never write it back, keep no journal
    `    zonefile-sync: -1\n` +
    `    journal-content: none\n` +
    `zone:\n` +
    `  - domain: ${zone}\n` +
    `    file: ${zoneFile}\n`
  );
}

/** Starts knotd; resolves { proc, host, port, threads, info }. Throws (with knotd's output) on failure. */
export async function startKnot({ host, port, zone, zoneFile }) {
  const bin = which('knotd', ['/usr/sbin/knotd', '/usr/local/sbin/knotd']);
  if (!bin) throw new Error('knotd not found (apt-get install knot)');
  const dir = makeTempDir('meridian-bench-knot-');
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'db'));
  copyFileSync(zoneFile, join(dir, 'bench.zone'));
  const conf = join(dir, 'knot.conf');
  writeFileSync(conf, knotConfig({ dir, host, port, zone, zoneFile: 'bench.zone' }));
  log(`starting Knot: ${bin} -c ${conf} (listen ${host}@${port})`);
  const proc = startProcess('knotd', bin, ['-c', conf], { measured: true });
  await waitForDns(proc, host, port, zone, 20000, /failed to load zone|zone event 'load' failed|critical:/);
  const cpus = availableParallelism();
  const info = {
    version: knotVersion(),
    udpWorkers: cpus,
    tcpWorkers: Math.max(cpus, 10),
    backgroundWorkers: Math.min(cpus, 10),
    osThreads: threadCount(proc.pid),
  };
  log(
    `Knot ready (pid ${proc.pid}, ${info.osThreads} OS threads: ${info.udpWorkers} UDP workers, ` +
      `${info.tcpWorkers} TCP workers, ${info.backgroundWorkers} background workers)`,
  );
  return { proc, host, port, info };
}
