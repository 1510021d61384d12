/**
 * Run the `meridian` command as an operator does: the built CLI (dist/src/cli/meridian.js) in a
 * child process.
 *
 *   await ensureBuilt();                                   // once per test file, in beforeAll
 *   const m = await startServe({ zones: dir, hosts: ['127.0.0.1', '::1'] });
 *   await dig(m.port, 'www.lb.example.test A');
 *   await m.waitForLog((l) => l.msg === 'zones loaded');
 *   expect(await m.stop()).toEqual({ code: 0, signal: null });
 *   const r = await runMeridian(['check', '--zones', dir]);  // { code, stdout, stderr }
 *
 * `ensureBuilt` (build.ts) runs `npm run build` at most once per test run, when dist/ is stale.
 * Children never inherit MERIDIAN_* variables from the caller's environment; every child still
 * running when the test process exits is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, ROOT, exec, type RunResult } from './build.js';
import { bindTcp, bindUdp, closeAll, freePort } from '../../scripts/topology/process.mjs';
import { encodeQuestion, sendTcp, sendUdp } from './client.js';

export { CLI, ROOT, ensureBuilt, type RunResult } from './build.js';

// ------------------------------------------------------------------------------- one-shot commands

/** The environment of a child: ours without MERIDIAN_*, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MERIDIAN_')));
  return { ...env, ...extra };
}

/** `meridian ARGS…` to completion (check, import, explain; serve with a bad flag). */
export function runMeridian(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return exec(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: childEnv(opts.env), timeoutMs: opts.timeoutMs ?? 15_000 });
}

// ------------------------------------------------------------------------------- ports

// one implementation of free ports for the tests and scripts/topology.mjs
export { freePort } from '../../scripts/topology/process.mjs';

/** Whether this machine has an IPv6 loopback (::1) to bind. */
export async function hasIPv6Loopback(): Promise<boolean> {
  try {
    await closeAll([await bindUdp('::1', 0)]);
    return true;
  } catch {
    return false;
  }
}

/** Occupy `port` on `host` with a UDP or TCP socket (for LISTEN_FAILED tests); returns a closer. */
export async function occupy(proto: 'udp' | 'tcp', host: string, port: number): Promise<() => Promise<void>> {
  const s = proto === 'udp' ? await bindUdp(host, port) : await bindTcp(host, port);
  return async () => void (await closeAll([s]));
}

// ------------------------------------------------------------------------------- long-running serve

/** One pino line as parsed JSON, or `{ raw }` for a line that is not JSON. */
export type LogLine = Record<string, unknown> & { level?: number; msg?: string; raw?: string };

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export class MeridianProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly child: ChildProcess,
    /** the shared port of every listen address (UDP and TCP) */
    readonly port: number,
    readonly hosts: string[],
  ) {
    running.add(child);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    child.on('exit', (code, signal) => {
      running.delete(child);
      this.exitInfo = { code, signal };
    });
    // 'close' comes after 'exit' and after the pipes drained: stdout and stderr are complete
    this.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Complete lines of stdout, parsed. */
  logs(): LogLine[] {
    return this.stdout
      .split('\n')
      .slice(0, -1)
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          return { raw: l };
        }
      });
  }

  /** The first log line from index `since` on that matches; rejects after the timeout or exit. */
  async waitForLog(match: (l: LogLine) => boolean, opts: { since?: number; timeoutMs?: number } = {}): Promise<LogLine> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      const hit = this.logs().slice(opts.since ?? 0).find(match);
      if (hit) return hit;
      if (!this.alive || Date.now() > deadline) {
        throw new Error(`no matching log line${this.alive ? ' in time' : ' (meridian exited)'}; output:\n${this.output()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  output(): string {
    return `--- stdout\n${this.stdout.slice(-8000)}\n--- stderr\n${this.stderr.slice(-4000)}`;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves the exit. */
  async stop(graceMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface ServeOptions {
  /** zones directory */
  zones: string;
  /** listen on these addresses, all on one free port; default 127.0.0.1 */
  hosts?: string[];
  /** more arguments after `serve` */
  args?: string[];
  /** give --zones and --listen as MERIDIAN_ZONES / MERIDIAN_LISTEN instead */
  viaEnv?: boolean;
  env?: Record<string, string>;
  /** how long to wait for answers on every address (default 15 s) */
  readyTimeoutMs?: number;
}

const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);

/** Answers on `host`:`port` over UDP and TCP (any rcode counts). */
async function answers(host: string, port: number): Promise<boolean> {
  const msg = encodeQuestion('ready.invalid', { type: 'SOA' });
  try {
    const udp = await sendUdp(port, msg, { timeoutMs: 250 }, host);
    return udp !== null && (await sendTcp(port, [msg], 1, host, 500)).length === 1;
  } catch {
    return false;
  }
}

/**
 * `meridian serve` on a free loopback port; resolves once every address answers on UDP and TCP.
 * If the port was taken in between (another test, another engineer), retries on a new one.
 */
export async function startServe(opts: ServeOptions): Promise<MeridianProcess> {
  const hosts = opts.hosts ?? ['127.0.0.1'];
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(hosts);
    const listen = hosts.map((h) => `${bracket(h)}:${port}`);
    const args = opts.viaEnv ? [] : ['--zones', opts.zones, ...listen.flatMap((l) => ['--listen', l])];
    // the admin API stays off unless a test asks for it (tests run in parallel: no fixed port)
    const adminAsked = opts.args?.includes('--admin') || opts.env?.MERIDIAN_ADMIN !== undefined;
    const env = { ...(adminAsked ? {} : { MERIDIAN_ADMIN: 'off' }), ...(opts.viaEnv ? { MERIDIAN_ZONES: opts.zones, MERIDIAN_LISTEN: listen.join(',') } : {}), ...opts.env };
    const child = spawn(process.execPath, [CLI, 'serve', ...args, ...(opts.args ?? [])], {
      cwd: ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const m = new MeridianProcess(child, port, hosts);
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
    for (;;) {
      if (!m.alive) break;
      if ((await Promise.all(hosts.map((h) => answers(h, port)))).every(Boolean)) return m;
      if (Date.now() > deadline) {
        await m.stop(1000);
        throw new Error(`meridian serve did not answer on ${listen.join(', ')} in time\n${m.output()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await m.exited;
    if (!/EADDRINUSE/.test(m.stderr) || attempt >= 3) throw new Error(`meridian serve exited early\n${m.output()}`);
  }
}
