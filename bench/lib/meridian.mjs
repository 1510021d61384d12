/**
 * Meridian under test: `npm run build` when dist/ is missing or older than src/, then
 * `node dist/src/cli/meridian.js serve --zones <temp dir with the bench zone> --listen host:port`.
 */
import { copyFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { log, makeTempDir, runCommand, startProcess, threadCount, waitForDns } from './proc.mjs';

export const CLI = 'dist/src/cli/meridian.js';

function newestMtime(dir, filter) {
  let newest = 0;
  let newestFile;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (filter(p)) {
        const m = statSync(p).mtimeMs;
        if (m > newest) {
          newest = m;
          newestFile = p;
        }
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { newest, newestFile };
}

/** Why a build is needed, or undefined when dist/ is up to date. */
export function buildReason(root) {
  const cli = join(root, CLI);
  if (!existsSync(cli)) return `${CLI} does not exist`;
  const built = statSync(cli).mtimeMs;
  const src = newestMtime(join(root, 'src'), (p) => p.endsWith('.ts') && !p.endsWith('.test.ts'));
  if (src.newest > built) return `${src.newestFile.slice(root.length + 1)} is newer than ${CLI}`;
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    const p = join(root, f);
    if (existsSync(p) && statSync(p).mtimeMs > built) return `${f} is newer than ${CLI}`;
  }
  return undefined;
}

export async function ensureBuilt(root) {
  const reason = buildReason(root);
  if (!reason) return;
  log(`building Meridian (${reason}): npm run build`);
  const res = await runCommand('npm', ['run', 'build'], { cwd: root });
  if (res.code !== 0) {
    throw new Error(`npm run build failed (code ${res.code}):\n${res.stdout}\n${res.stderr}`);
  }
  if (!existsSync(join(root, CLI))) throw new Error(`npm run build succeeded but ${CLI} is missing`);
}

/**
 * Starts Meridian; resolves { proc, host, port, info }. `nodeArgs` go before the script (e.g.
 * --cpu-prof), `extraArgs` after `serve …`. The zone directory holds a copy of `zoneFile`, or
 * `zoneText` written as `basename(zoneFile)` when given (a zone rewritten at run time).
 * `onStdoutLine` sees each line Meridian logs (pino JSON on stdout).
 */
export async function startMeridian({ root, host, port, zone, zoneFile, zoneText, nodeArgs = [], extraArgs = [], name = 'meridian', onStdoutLine }) {
  const zonesDir = makeTempDir('meridian-bench-zones-');
  if (zoneText !== undefined) writeFileSync(join(zonesDir, basename(zoneFile)), zoneText);
  else copyFileSync(zoneFile, join(zonesDir, basename(zoneFile)));
  // no admin API: it would take the fixed port 8053 and write state/ into the tree; it is idle
  // during a run anyway (--meridian-arg=--admin=… still wins, coming later)
  const args = [...nodeArgs, join(root, CLI), 'serve', '--zones', zonesDir, '--listen', `${host}:${port}`, '--admin', 'off', ...extraArgs];
  log(`starting Meridian: node ${args.join(' ')}`);
  // Meridian reads MERIDIAN_* variables as flag defaults (e.g. MERIDIAN_QUERY_LOG): measure the
  // defaults, whatever the caller's shell has; pass settings with --meridian-arg instead.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MERIDIAN_')));
  const proc = startProcess(name, process.execPath, args, { cwd: root, env: { ...env, NODE_ENV: 'production' }, measured: true, onStdoutLine });
  await waitForDns(proc, host, port, zone, 30000);
  const info = { node: process.version, osThreads: threadCount(proc.pid), jsThreads: 1 };
  log(`${name} ready (pid ${proc.pid}, ${info.osThreads} OS threads, 1 JavaScript thread)`);
  return { proc, host, port, info };
}
