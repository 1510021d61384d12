/**
 * Vitest global setup: the ONE place that gets the Debian tools tests need (dig, kdig, …).
 *
 * Runs once per `vitest` process, before any test file:
 *   1. finds which commands in TOOLS are missing (`command -v`);
 *   2. if some are missing and we run as root with apt-get, installs their packages once
 *      (`apt-get update`, then `apt-get install -y`), non-interactive, with a progress line on stderr;
 *   3. provides the availability map to tests as `inject('tools')`.
 * Tests never call this themselves: they use `describeWith` / `itWith` / `needs` from
 * `test/helpers/tools.ts`, which skip (naming the package) when a tool is unavailable.
 * With CI=true nothing may be skipped, so a tool still missing after install is a hard error.
 *
 * Set MERIDIAN_NO_INSTALL=1 to never run apt-get (tests needing missing tools are skipped).
 */
import { execFile, execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';

/**
 * Command → Debian package that provides it. To give tests a new tool, add one row here and the
 * package to PACKAGES in `.ci/run`; then wrap the tests in `describeWith('<command>', …)`.
 */
export const TOOLS = {
  dig: 'bind9-dnsutils',
  kdig: 'knot-dnsutils',
  'docker-compose': 'docker-compose',
  // knotd: 'knot',
  // dnsperf: 'dnsperf',
  nginx: 'nginx',
  openssl: 'openssl',
  mmdblookup: 'mmdb-bin',
  unbound: 'unbound',
  etcd: 'etcd-server',
  'systemd-analyze': 'systemd',
} as const satisfies Record<string, string>;

export type Tool = keyof typeof TOOLS;
export type ToolMap = Record<Tool, boolean>;

declare module 'vitest' {
  export interface ProvidedContext {
    /** which TOOLS are on PATH, as found (and possibly installed) by test/global-setup.ts */
    tools: ToolMap;
  }
}

const allTools = Object.keys(TOOLS) as Tool[];

/** Which commands are on PATH (one `sh` call, `command -v` for each). */
export function detectTools(tools: readonly string[] = allTools): Record<string, boolean> {
  const script = 'for t do command -v "$t" >/dev/null 2>&1 && echo "$t"; done; exit 0';
  const found = new Set(execFileSync('sh', ['-c', script, 'sh', ...tools], { encoding: 'utf8' }).split('\n'));
  return Object.fromEntries(tools.map((t) => [t, found.has(t)]));
}

function log(line: string): void {
  process.stderr.write(`[test setup] ${line}\n`);
}

function run(cmd: string, args: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const tail = `${stdout}${stderr}`.trim().split('\n').slice(-15).join('\n');
      reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${tail}`));
    });
  });
}

/** `apt-get update` then `apt-get install -y` the packages, quietly; waits for a busy dpkg lock. */
export async function aptInstall(packages: readonly string[]): Promise<void> {
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  await run('apt-get', ['-qq', ...lock, 'update']);
  await run('apt-get', ['-qq', '-y', ...lock, '--no-install-recommends', 'install', ...packages]);
}

function packagesFor(tools: readonly Tool[]): string[] {
  return [...new Set(tools.map((t) => TOOLS[t]))];
}

function missingOf(map: ToolMap): Tool[] {
  return allTools.filter((t) => !map[t]);
}

function mayInstall(): boolean {
  if (process.env.MERIDIAN_NO_INSTALL === '1') return false;
  return process.getuid?.() === 0 && detectTools(['apt-get'])['apt-get'] === true;
}

/** Detect, install what is missing when allowed, and return the final availability map. */
export async function ensureTools(): Promise<ToolMap> {
  let tools = detectTools() as ToolMap;
  let missing = missingOf(tools);
  if (missing.length > 0 && mayInstall()) {
    const pkgs = packagesFor(missing);
    const started = Date.now();
    log(`installing ${pkgs.join(' ')} with apt-get (for ${missing.join(', ')})…`);
    try {
      await aptInstall(pkgs);
      log(`installed in ${((Date.now() - started) / 1000).toFixed(0)}s`);
    } catch (err) {
      log(`install failed: ${(err as Error).message}`);
    }
    tools = detectTools() as ToolMap;
    missing = missingOf(tools);
  }
  if (missing.length > 0) {
    const pkgs = packagesFor(missing).join(' ');
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but ${missing.join(', ')} missing: apt-get install -y ${pkgs}`);
    }
    log(`missing ${missing.join(', ')}: tests that need them are skipped (apt-get install ${pkgs})`);
  }
  return tools;
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('tools', await ensureTools());
}
