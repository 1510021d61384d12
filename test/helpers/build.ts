/**
 * The built CLI for tests that run `meridian` as a process (see process.ts).
 *
 * `ensureBuilt` runs `npm run build` when dist/ is missing or older than src/ (or tsconfig,
 * package.json), at most once per test run: test files running in parallel share one build
 * through a lock file in the temp directory. A fresh clone has dist/ already (`npm ci` runs
 * `prepare`), so usually nothing is built. If `tsc` reports type errors but still wrote the CLI
 * (someone's edit in progress), the tests go on with a warning; `npm run typecheck` is the gate.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli/meridian.js');
const STAMP = join(ROOT, 'dist/.test-build-stamp.json');
const LOCK = join(tmpdir(), `meridian-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);

function newestSource(): { mtime: number; file: string } {
  let best = { mtime: 0, file: '' };
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) {
        const m = statSync(p).mtimeMs;
        if (m > best.mtime) best = { mtime: m, file: p };
      }
    }
  };
  walk(join(ROOT, 'src'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    const m = statSync(join(ROOT, f)).mtimeMs;
    if (m > best.mtime) best = { mtime: m, file: join(ROOT, f) };
  }
  return best;
}

interface Stamp {
  startedAt: number;
  cliMtime: number;
  /** the vitest process whose test files started the build */
  run: number;
}

/** What our last build wrote, if the CLI in dist/ is still the one it built. */
async function readStamp(): Promise<Stamp | undefined> {
  try {
    const stamp = JSON.parse(await readFile(STAMP, 'utf8')) as Stamp;
    return existsSync(CLI) && statSync(CLI).mtimeMs === stamp.cliMtime ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/** Why dist/ must be rebuilt, or undefined when it is up to date. */
export async function buildReason(): Promise<string | undefined> {
  if (!existsSync(CLI)) return 'dist/src/cli/meridian.js does not exist';
  const cliMtime = statSync(CLI).mtimeMs;
  // our builds record when they started (a file edited during a build counts as newer); for a
  // build by someone else (npm ci → prepare, npm run build), the CLI's mtime is all we know
  const stamp = await readStamp();
  const builtAt = stamp?.startedAt ?? cliMtime;
  const src = newestSource();
  return src.mtime > builtAt ? `${src.file.slice(ROOT.length)} is newer than dist/` : undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the build lock, or wait for whoever holds it; a lock whose owner died is taken over. */
async function withBuildLock<T>(fn: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(LOCK, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(await readFile(LOCK, 'utf8').catch(() => ''));
      const age = Date.now() - ((await stat(LOCK).catch(() => null))?.mtimeMs ?? Date.now());
      if ((owner && !pidAlive(owner)) || age > timeoutMs) await rm(LOCK, { force: true });
      else if (Date.now() > deadline) throw new Error(`build lock ${LOCK} held by pid ${owner} for ${age} ms`);
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK, { force: true });
  }
}

let building: Promise<void> | undefined;

/** `npm run build` once if dist/ is missing or stale; safe to call from every test file. */
export function ensureBuilt(): Promise<void> {
  building ??= (async () => {
    // Another test file of this run (same vitest process: the forks pool makes it our parent)
    // built already: use that build even if src/ changed since, rather than rewrite dist/ under
    // the servers that file is running. In watch mode every rerun checks again.
    const thisRun = async () => process.env.VITEST_MODE !== 'WATCH' && (await readStamp())?.run === process.ppid;
    if ((await thisRun()) || !(await buildReason())) return;
    await withBuildLock(async () => {
      if (await thisRun()) return;
      const reason = await buildReason();
      if (!reason) return;
      process.stderr.write(`[test] building Meridian (${reason}): npm run build\n`);
      const startedAt = Date.now();
      const res = await exec('npm', ['run', 'build'], { cwd: ROOT, timeoutMs: 170_000, env: process.env });
      // tsc emits even with type errors (someone else's edit in progress): go on if the CLI was written
      const cliMtime = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
      if (cliMtime < startedAt - 1000) throw new Error(`npm run build failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
      if (res.code !== 0) process.stderr.write(`[test] npm run build exited ${res.code}, output written anyway:\n${res.stdout.slice(-2000)}\n`);
      await writeFile(STAMP, JSON.stringify({ startedAt, cliMtime, run: process.ppid } satisfies Stamp));
    });
  })();
  return building;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion; never rejects. */
export function exec(cmd: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      const code = e ? (typeof e.code === 'number' ? e.code : null) : 0;
      resolve({ code, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}
