/**
 * Load feedback end to end (issue 4): least-connections fed by load probes of real members — a
 * real nginx (stub_status), a node server publishing a JSON document and one publishing Prometheus
 * text — and judged by real DNS answers. The member reporting the fewest connections gets the
 * answers; when figures go stale (older than `max-age`) the algorithm counts only the answers it
 * handed out, so answers spread, and explain says which members it had no fresh figure for.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { handedOutNow } from '../src/balance/least-connections.js';
import { explain } from '../src/pipeline/explain.js';
import { healthOf, startBackend, until, type Backend } from './helpers/backends.js';
import { query } from './helpers/client.js';
import { startNginx, type NginxServer } from './helpers/nginx.js';
import { one, poolZone } from './helpers/pools.js';
import { startServer, type TestServer } from './helpers/server.js';
import { describeWith } from './helpers/tools.js';

const I = 250;
/** long enough that a stalled event loop on a loaded machine does not age a figure out mid-test */
const MAX_AGE = 1000;
const N = '198.51.100.60';
const J = '198.51.100.61';
const P = '198.51.100.62';
const NAMES: Record<string, string> = { [N]: 'n', [J]: 'j', [P]: 'p' };

/** Open a keep-alive connection to nginx, make one request on it and leave it idle. */
async function idleConnection(port: number): Promise<net.Socket> {
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    let got = '';
    sock.on('error', reject);
    sock.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n\r\n') && got.endsWith('ok')) resolve();
    });
    sock.write('GET /healthz HTTP/1.1\r\nHost: member.test\r\nConnection: keep-alive\r\n\r\n');
  });
  return sock;
}

describeWith('nginx', 'least-connections with load probes', () => {
  let ngx: NginxServer;
  let j: Backend, p: Backend;
  let s: TestServer;
  beforeAll(async () => {
    [ngx, j, p] = await Promise.all([startNginx(), startBackend(), startBackend()]);
    const zone = poolZone(
      'load.test.',
      '  - { name: lc, pool: lc }',
      `
  lc:
    algorithm: least-connections
    ttl: 1
    health: { kind: http, path: /healthz, interval: ${I}ms, timeout: 200ms, load: { kind: nginx-stub-status, max-age: ${MAX_AGE}ms } }
    members:
      - { name: n, address: ${N}, check-address: 127.0.0.1, health: { port: ${ngx.port} } }
      - name: j
        address: ${J}
        check-address: 127.0.0.1
        health: { port: ${j.port}, load: { kind: json, path: /load, field: active, max-age: ${MAX_AGE}ms } }
      - name: p
        address: ${P}
        check-address: 127.0.0.1
        health: { port: ${p.port}, load: { kind: prometheus, metric: conns_active, labels: { service: web }, max-age: ${MAX_AGE}ms } }`,
    );
    s = await startServer(zone, { waitForHealth: true });
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([ngx?.stop(), j?.close(), p?.close()]);
  });

  const figure = (port: number) => healthOf(s.app, port);
  const fresh = (port: number, ok: (n: number) => boolean) => () => {
    const f = figure(port)?.load;
    return f !== undefined && Date.now() - f.at < I + 50 && ok(f.connections);
  };
  const answers = async (times: number) => {
    const out: string[] = [];
    for (let i = 0; i < times; i++) out.push(NAMES[one(await query(s.port, 'lc.load.test'))]);
    return out;
  };
  const count = (names: string[], name: string) => names.filter((x) => x === name).length;
  /** The answers least-connections counts as handed out to n, j, p, decayed to now. */
  const handedOut = () => {
    const pool = [...s.app.snapshot().pools.values()][0].get('lc')!;
    return [0, 1, 2].map((i) => handedOutNow(pool.v4.state, i, Date.now(), pool.ttl));
  };
  const lastStep = () => explain(s.app.snapshot(), { name: 'lc.load.test' }).steps.at(-1);

  it('answers go to the member reporting the fewest connections (nginx, against JSON and Prometheus figures)', async () => {
    j.load = 1000;
    p.load = 1000;
    await until('fresh figures', () => fresh(j.port, (c) => c === 1000)() && fresh(p.port, (c) => c === 1000)() && fresh(ngx.port, (c) => c < 10)());
    expect(await answers(20)).toEqual(Array(20).fill('n'));
    expect(lastStep()).toMatch(/^balance: chose n — least-connections: n has lowest load [\d.]+ \(\d+ probed \+ [\d.]+ handed out\), of 3 members; TTL 1$/);
  });

  it('when nginx reports many connections (idle keep-alives), answers go to the quiet member', async () => {
    const idle = await Promise.all(Array.from({ length: 30 }, () => idleConnection(ngx.port)));
    try {
      p.load = 0;
      await until('nginx counts the idle connections', () => fresh(ngx.port, (c) => c >= 30)() && fresh(p.port, (c) => c === 0)());
      console.log(`[load] nginx stub_status: ${figure(ngx.port)?.load?.connections} active connections`);
      expect(await answers(20)).toEqual(Array(20).fill('p'));
      expect(lastStep()).toMatch(/^balance: chose p — least-connections: p has lowest load [\d.]+ \(0 probed \+ [\d.]+ handed out\), of 3 members; TTL 1$/);
    } finally {
      for (const c of idle) c.destroy();
    }
  });

  it('stale figures are ignored: answers spread by the answers handed out, and explain says so', async () => {
    j.load = 1000;
    p.load = 1000;
    const busy = () => fresh(ngx.port, (c) => c <= 2)() && fresh(j.port, (c) => c === 1000)() && fresh(p.port, (c) => c === 1000)();
    // the answers of the tests before have faded (they decay with the TTL, 1 s)
    await until('nginx idle (≤ 2 connections), j and p at 1000, old answers faded', () => busy() && handedOut().every((h) => h < 0.5), 10_000);
    expect(await answers(3)).toEqual(['n', 'n', 'n']);
    // j and p stop publishing figures (503) but stay healthy; their last figures age out
    j.load = null;
    p.load = null;
    const t0 = Date.now();
    const stale = (port: number) => () => figure(port)?.loadError !== undefined && Date.now() - figure(port)!.load!.at > MAX_AGE;
    const waited = await until('j and p figures older than max-age', () => stale(j.port)() && stale(p.port)(), MAX_AGE + 5000);
    const lastGood = Math.max(figure(j.port)!.load!.at, figure(p.port)!.load!.at) - t0;
    console.log(`[load] figures stopped at ${lastGood} ms (from the change): stale at ${lastGood + MAX_AGE} ms, seen stale at ${waited} ms (max-age ${MAX_AGE} ms, read every ${I} ms)`);
    expect(lastGood).toBeGreaterThanOrEqual(-(I + 100 + 50)); // they were fresh…
    expect(lastGood).toBeLessThanOrEqual(200 + 300); // …and none came after, but a read in flight (its timeout, 200 ms, + slack)
    expect(figure(j.port)?.loadError).toBe(`load read failed: load probe http://127.0.0.1:${j.port}/load: HTTP 503`);
    expect(figure(j.port)?.state).toBe('up');

    const spread = await answers(45);
    const [cn, cj, cp] = ['n', 'j', 'p'].map((name) => count(spread, name));
    console.log(`[load] 45 answers with stale figures: n ${cn}, j ${cj}, p ${cp} (${spread.join('')})`);
    // j and p, at 0 + handed out, take turns; n (≤ 2 probed + 3 handed out) joins once they catch up
    expect(Math.abs(cj - cp)).toBeLessThanOrEqual(1);
    for (const c of [cn, cj, cp]) expect(c).toBeGreaterThanOrEqual(8);
    const step = lastStep()!;
    console.log(`[load] explain: ${step}`);
    expect(step).toMatch(/^balance: chose [njp] — least-connections: [njp] has lowest load [\d.]+ \((\d+ probed|no fresh figure) \+ [\d.]+ handed out\), of 3 members; no fresh load figure for j, p; TTL 1$/);
  });
});
