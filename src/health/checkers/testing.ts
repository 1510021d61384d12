/**
 * Test helpers for checkers and load readers: targets with the defaults a pool would fill in, and
 * small real servers on loopback (a TCP server that accepts and never answers, a closed port).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import type { CheckKind, CheckTarget, HealthCheckDef } from '../types.js';

/** A target as the monitor would pass it: defaults for a pool, then `check` overrides. */
export function target(kind: CheckKind, address: string, port: number, check: Partial<HealthCheckDef> = {}): CheckTarget {
  return {
    address,
    check: {
      kind,
      port,
      path: '/',
      expectStatus: [200],
      insecure: false,
      intervalMs: 5000,
      timeoutMs: 2000,
      rise: 2,
      fall: 3,
      initial: 'up',
      ...check,
    },
  };
}

/** A signal that never fires. */
export const never = (): AbortSignal => new AbortController().signal;

/**
 * A checker or load reader called as the monitor calls it: with a signal that fires at the
 * check's timeout with a TimeoutError (the only deadline a probe has, see probe.ts).
 */
export const timed =
  <T>(fn: (t: CheckTarget, signal: AbortSignal) => Promise<T>) =>
  (t: CheckTarget): Promise<T> =>
    fn(t, AbortSignal.timeout(t.check.timeoutMs));

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** Listen on host:0; `close` also destroys open connections. */
export async function listen(server: net.Server, host = '127.0.0.1'): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A server that accepts TCP connections and never sends a byte. */
export function hangingServer(host = '127.0.0.1'): Promise<Listening> {
  return listen(net.createServer(() => {}), host);
}

/** A port nothing listens on (bound, then closed): connecting is refused. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const l = await listen(net.createServer(), host);
  await l.close();
  return l.port;
}

/** Whether ::1 can be bound here. */
export async function hasIPv6(): Promise<boolean> {
  try {
    await (await listen(net.createServer(), '::1')).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * A port where connect() hangs: a child process listens with a backlog of 1 and is stopped
 * (SIGSTOP), then connections fill the kernel's accept queue; further SYNs go unanswered.
 */
export async function stoppedListener(): Promise<{ port: number; close(): void }> {
  const script = "require('net').createServer().listen({ host: '127.0.0.1', port: 0, backlog: 1 }, function () { console.log(this.address().port) })";
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  child.kill('SIGSTOP');
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  const fillers: net.Socket[] = [];
  const close = () => {
    for (const f of fillers) f.destroy();
    killChild();
    process.off('exit', killChild);
  };
  // fill the queue: connect until a connection does not complete
  for (let i = 0; i < 16; i++) {
    const f = net.connect({ host: '127.0.0.1', port }).on('error', () => {});
    fillers.push(f);
    const connected = await Promise.race([once(f, 'connect').then(() => true), new Promise((r) => setTimeout(() => r(false), 200))]);
    if (!connected) return { port, close };
  }
  close();
  throw new Error('the accept queue never filled');
}
