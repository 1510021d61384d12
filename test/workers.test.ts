/**
 * `meridian serve --workers N`: N processes share the listen sockets. Every worker answers with
 * the same data, SIGHUP reloads all of them, a crashed worker is replaced, SIGTERM stops them all.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { query, rr } from './helpers/client.js';
import { ensureBuilt, startServe, type LogLine, type MeridianProcess } from './helpers/process.js';

const zone = (serial: number, www: string) => `zone: w.test.
ttl: 60
soa: { mname: ns1.w.test., rname: hostmaster.w.test., serial: ${serial} }
ns: [ns1.w.test.]
records:
  - { name: ns1, type: A, data: 192.0.2.53 }
  - { name: www, type: A, data: ${www} }
`;

let dir: string;
let m: MeridianProcess | undefined;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'meridian-workers-'));
}, 180_000);
afterEach(async () => {
  await m?.stop();
  m = undefined;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const serving = (l: LogLine) => l.msg === 'meridian serving (UDP and TCP)';

/** 40 queries from 40 source ports: the kernel spreads them over the workers' shared socket. */
async function answers(port: number, tcp = false): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const r = await query(port, 'www.w.test', { tcp, timeoutMs: 2000 });
    seen.add(`${r.rcode} ${(r.answers ?? []).map(rr).join(' ')}`);
  }
  return seen;
}

it('serves from every worker, reloads all on SIGHUP, replaces a crashed worker, stops on SIGTERM', async () => {
  await writeFile(join(dir, 'w.yaml'), zone(1, '192.0.2.1'));
  m = await startServe({ zones: dir, args: ['--workers', '2', '--no-watch'] });
  await m.waitForLog((l) => l.msg === 'all workers serving');
  const pids = new Set(m.logs().filter(serving).map((l) => l.pid));
  expect(pids.size).toBe(2);
  expect(await answers(m.port)).toEqual(new Set(['NOERROR www.w.test. 60 IN A 192.0.2.1']));
  expect(await answers(m.port, true)).toEqual(new Set(['NOERROR www.w.test. 60 IN A 192.0.2.1']));

  // SIGHUP to the primary reaches both workers
  const before = m.logs().length;
  await writeFile(join(dir, 'w.yaml'), zone(2, '192.0.2.2'));
  m.signal('SIGHUP');
  for (const pid of pids) await m.waitForLog((l) => l.pid === pid && l.msg === 'zones loaded', { since: before });
  expect(await answers(m.port)).toEqual(new Set(['NOERROR www.w.test. 60 IN A 192.0.2.2']));

  // a worker that dies is replaced, and the others keep answering meanwhile
  const victim = [...pids][0] as number;
  const mark = m.logs().length;
  process.kill(victim, 'SIGKILL');
  await m.waitForLog((l) => l.msg === 'worker died; starting a new one' && l.code === null, { since: mark });
  const fresh = await m.waitForLog((l) => serving(l) && !pids.has(l.pid), { since: mark });
  expect(fresh.pid).not.toBe(victim);
  expect(await answers(m.port)).toEqual(new Set(['NOERROR www.w.test. 60 IN A 192.0.2.2']));

  const exit = await m.stop();
  m = undefined;
  expect(exit.code).toBe(0);
}, 60_000);

it('stops with an error when the workers cannot start', async () => {
  await writeFile(join(dir, 'w.yaml'), zone(1, '192.0.2.1'));
  m = await startServe({ zones: dir, args: ['--workers', '2'] });
  // a second server on the same port: its workers fail to bind, and it exits non-zero
  const second = await import('node:child_process').then(({ spawnSync }) =>
    spawnSync(process.execPath, ['dist/src/cli/meridian.js', 'serve', '--zones', dir, '--listen', `127.0.0.1:${m!.port}`, '--workers', '2'], {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 20_000,
    }),
  );
  expect(second.status).not.toBe(0);
  expect(second.stdout + second.stderr).toMatch(/LISTEN_FAILED|worker failed to start/);
}, 60_000);
