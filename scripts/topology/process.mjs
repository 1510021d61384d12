/**
 * Child processes and ports for the local topology (scripts/topology.mjs) and the tests' helpers.
 *
 *   const port = await freePort(['127.0.0.2', '127.0.0.3']);   // free on UDP and TCP on both
 *   const p = new Service('etcd1', 'etcd', [...args]);          // not started yet
 *   p.start();  await p.kill();  p.start();  await p.stop();
 *   await waitUntil(() => isUp(), { timeoutMs: 10_000, what: 'etcd1 healthy', output: () => p.output() });
 *
 * Each child runs in its own process group (nginx has workers, meridian may have --workers), so
 * kill() and stop() reach all of it. Every child still running when this process exits is
 * SIGKILLed, and every directory registered with removeOnExit() is removed, so a failing test
 * leaves nothing behind; SIGINT, SIGTERM and SIGHUP exit through that cleanup too (unless
 * handleSignalsYourself() was called).
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { constants } from 'node:os';

/** @type {Set<Service>} */
const running = new Set();
/** @type {Set<string>} */
const dirs = new Set();

process.on('exit', () => {
  for (const s of running) s.signalGroup('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// A signal ends a process without 'exit' handlers, and vitest ends its workers with SIGTERM: turn
// the signal into process.exit() so the cleanup above (and every other module's) runs.
let exitOnSignal = true;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (exitOnSignal) process.exit(128 + constants.signals[sig]);
  });
}

/** The caller handles SIGINT, SIGTERM and SIGHUP itself (`topology.mjs up` stops gracefully). */
export function handleSignalsYourself() {
  exitOnSignal = false;
}

/** Remove `dir` when this process exits (unless forgetDir() was called). */
export function removeOnExit(dir) {
  dirs.add(dir);
}

export function forgetDir(dir) {
  dirs.delete(dir);
}

const KEEP = 64 * 1024;

export class Service {
  /**
   * @param {string} name      for messages
   * @param {string} command
   * @param {string[]} args
   * @param {{ env?: NodeJS.ProcessEnv, cwd?: string }} [opts]
   */
  constructor(name, command, args, opts = {}) {
    this.name = name;
    this.command = command;
    this.args = args;
    this.opts = opts;
    /** @type {import('node:child_process').ChildProcess | undefined} */
    this.child = undefined;
    this.out = '';
    /** @type {{ code: number | null, signal: NodeJS.Signals | null } | undefined} */
    this.exit = undefined;
    /** @type {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} */
    this.exited = Promise.resolve({ code: null, signal: null });
  }

  get alive() {
    return this.child !== undefined && this.exit === undefined;
  }

  get pid() {
    return this.child?.pid;
  }

  /** Spawn (again); output accumulates across starts, marked with a line per start. */
  start() {
    if (this.alive) throw new Error(`${this.name} is already running`);
    this.exit = undefined;
    this.append(`--- ${this.name}: start ${this.command} ${this.args.join(' ')}\n`);
    const child = spawn(this.command, this.args, {
      cwd: this.opts.cwd,
      env: this.opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    running.add(this);
    child.stdout.setEncoding('utf8').on('data', (d) => this.append(d));
    child.stderr.setEncoding('utf8').on('data', (d) => this.append(d));
    child.once('error', (err) => this.append(`spawn failed: ${err.message}\n`));
    this.exited = new Promise((resolve) =>
      // 'close': the process exited and its pipes drained
      child.once('close', (code, signal) => {
        running.delete(this);
        this.exit = { code, signal };
        this.append(`--- ${this.name}: exited ${signal ?? `code ${code}`}\n`);
        resolve(this.exit);
      }),
    );
    return this;
  }

  append(text) {
    this.out = (this.out + text).slice(-KEEP);
  }

  /** Everything the process printed (the last 64 KiB). */
  output() {
    return this.out;
  }

  /** Send a signal to the process group (the process and its children). */
  signalGroup(sig) {
    if (!this.alive || this.child?.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGKILL the whole group, as a crash would; resolves once it is gone. */
  async kill() {
    this.signalGroup('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves the exit. */
  async stop(graceMs = 5000) {
    if (!this.alive) return this.exit ?? { code: null, signal: null };
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Poll `check` until it returns a truthy value (returned), the service died, or the deadline.
 * @template T
 * @param {() => Promise<T> | T} check
 * @param {{ timeoutMs?: number, intervalMs?: number, what: string, service?: Service }} opts
 * @returns {Promise<T>}
 */
export async function waitUntil(check, opts) {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (opts.service && !opts.service.alive) {
      throw new Error(`${opts.what}: ${opts.service.name} exited\n${opts.service.output()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${opts.what}: not in time${opts.service ? `\n${opts.service.output()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

// ------------------------------------------------------------------------------------ ports

export function bindUdp(host, port) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind({ address: host, port, exclusive: true }, () => resolve(s));
  });
}

export function bindTcp(host, port) {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port, exclusive: true }, () => resolve(s));
  });
}

export const closeAll = (socks) => Promise.all(socks.map((s) => new Promise((r) => s.close(() => r()))));

/**
 * A port free on UDP and TCP on every host (bind port 0, then the same port elsewhere; retried),
 * and not in `exclude`. Free now: whoever binds it next wins, so starters retry on EADDRINUSE.
 * @param {string[]} [hosts]
 * @param {Iterable<number>} [exclude]
 */
export async function freePort(hosts = ['127.0.0.1'], exclude = []) {
  const taken = new Set(exclude);
  for (let attempt = 0; attempt < 50; attempt++) {
    const socks = [];
    try {
      const first = await bindUdp(hosts[0], 0);
      socks.push(first);
      const port = first.address().port;
      if (taken.has(port)) throw Object.assign(new Error('excluded'), { code: 'EADDRINUSE' });
      for (const [i, h] of hosts.entries()) {
        if (i > 0) socks.push(await bindUdp(h, port));
        socks.push(await bindTcp(h, port));
      }
      await closeAll(socks);
      return port;
    } catch (e) {
      await closeAll(socks);
      if (!['EADDRINUSE', 'EACCES'].includes(e.code ?? '')) throw e;
    }
  }
  throw new Error(`no port free on UDP and TCP on ${hosts.join(', ')}`);
}

/** `count` distinct free ports on `hosts`. */
export async function freePorts(count, hosts = ['127.0.0.1']) {
  const ports = [];
  while (ports.length < count) ports.push(await freePort(hosts, ports));
  return ports;
}

/** Whether a TCP connection to host:port is accepted. */
export function accepts(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(timeoutMs);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** "[::1]" for IPv6, the address itself otherwise. */
export const bracket = (h) => (h.includes(':') ? `[${h}]` : h);
