/**
 * Controllable pool members for the health tests: real node:http servers on loopback whose
 * health page can be switched between answering, failing, hanging, holding and not listening at
 * all, and which serve a load figure (JSON and Prometheus text) the test sets.
 *
 *   const b = await startBackend();              // 127.0.0.1, a free port, /healthz → 200 "ok"
 *   b.set('fail');                               // /healthz → 503
 *   b.set('hang');                               // accept, read the request, never answer
 *   b.set('hold');                               // like hang, until b.release() answers 200
 *   await b.stop();  await b.start();            // connection refused, then listening again (same port)
 *   b.load = 12;                                 // /load → {"active":12}, /metrics → conns_active 12
 *   b.load = null;                               // /load and /metrics → 503 (no figure)
 *   b.requests('/healthz');                      // how many health probes it has seen
 *   await b.close();
 *
 * Also: `until` (poll with a deadline), `watch` (DNS answers over time), `captureLogger`,
 * `healthOf` (a member's entry in the health view) and `stallMeter` (event-loop stalls).
 */
import http from 'node:http';
import type net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import type { App } from '../../src/app.js';
import type { MemberHealth } from '../../src/health/types.js';
import { query } from './client.js';
import { addrs } from './pools.js';

export type Mode = 'ok' | 'fail' | 'hang' | 'hold';

export interface Backend {
  readonly host: string;
  readonly port: number;
  mode: Mode;
  /** connection count served at /load and /metrics; null answers 503 there */
  load: number | null;
  set(mode: Mode): void;
  /** answer every held request with 200 "ok" (mode becomes `ok`) */
  release(): void;
  /** requests received for `path` (all paths when omitted) */
  requests(path?: string): number;
  /** ms timestamps of requests for `path` */
  times(path: string): number[];
  /** close the listener and every connection: probes are refused */
  stop(): Promise<void>;
  /** listen again on the same address and port */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startBackend(host = '127.0.0.1'): Promise<Backend> {
  const seen: { path: string; at: number }[] = [];
  const sockets = new Set<net.Socket>();
  const held: http.ServerResponse[] = [];
  let listening = false;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    seen.push({ path, at: Date.now() });
    if (path === '/load' || path === '/metrics') {
      if (b.load === null) return void res.writeHead(503).end('no figure');
      const body = path === '/load' ? JSON.stringify({ active: b.load }) : `# TYPE conns_active gauge\nconns_active{service="web"} ${b.load}\n`;
      return void res.writeHead(200, { 'content-type': path === '/load' ? 'application/json' : 'text/plain' }).end(body);
    }
    switch (b.mode) {
      case 'ok':
        return void res.end('ok');
      case 'fail':
        return void res.writeHead(503).end('unavailable');
      case 'hang':
        return; // the socket stays open; the prober gives up at its timeout
      case 'hold':
        held.push(res);
    }
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let port = 0;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        port = (server.address() as net.AddressInfo).port;
        listening = true;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      held.length = 0;
    });
  await start();
  const b: Backend = {
    host,
    get port() {
      return port;
    },
    mode: 'ok',
    load: 0,
    set(mode) {
      b.mode = mode;
    },
    release() {
      b.mode = 'ok';
      for (const res of held.splice(0)) res.end('ok');
    },
    requests: (path) => seen.filter((r) => path === undefined || r.path === path).length,
    times: (path) => seen.filter((r) => r.path === path).map((r) => r.at),
    stop,
    start,
    close: stop,
  };
  return b;
}

// ------------------------------------------------------------------------------- polling, logs

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `check` every `stepMs` until it returns true; throws `what` after `withinMs`. Resolves the ms it took. */
export async function until(what: string, check: () => boolean | Promise<boolean>, withinMs = 5000, stepMs = 10): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await sleep(stepMs);
  }
}

/** One answer seen while watching: `at` is when the reply arrived, in ms after the watch's `since`. */
export interface Sample {
  at: number;
  rcode: string;
  addrs: string[];
}

/**
 * Ask `name` (A, over UDP) every ~10 ms until `done(sample)` or `withinMs` after `since` (a
 * Date.now()); resolves every sample, the last being the one `done` accepted.
 */
export async function watch(port: number, name: string, since: number, withinMs: number, done: (s: Sample) => boolean): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (;;) {
    const p = await query(port, name);
    const s: Sample = { at: Date.now() - since, rcode: p.rcode ?? '?', addrs: addrs(p) };
    samples.push(s);
    if (done(s)) return samples;
    if (s.at > withinMs) throw new Error(`${name}: not within ${withinMs} ms; last answer ${JSON.stringify(s)}`);
    await sleep(10);
  }
}

export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A pino logger (level debug) whose JSON lines are kept for the test to read. */
export function captureLogger(): { logger: Logger; lines: LogLine[]; messages(level?: number): string[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines, messages: (level) => lines.filter((l) => level === undefined || l.level === level).map((l) => l.msg) };
}

/** The monitor's entry for the member checked on `port` (check keys carry the port). */
export function healthOf(app: App, port: number): MemberHealth | undefined {
  for (const [key, h] of app.health()?.members ?? []) if (key.includes(`"port":${port},`)) return h;
  return undefined;
}

/**
 * The longest event-loop stall (ms) since `start()`: on a loaded machine a stall delays every
 * probe timer that falls in it, so timing bounds add it once per probe they wait for.
 */
export function stallMeter(): { start(): void; longest(): number } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    start: () => h.reset(),
    longest: () => Math.max(0, Math.round(h.max / 1e6 - 10)),
  };
}
