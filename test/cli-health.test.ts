/**
 * The health flags of `meridian serve` as an operator uses them: --wait-for-health holds answers
 * until the first round of checks is done, --no-health turns probing off, --stats-interval logs
 * member health and event-loop delay.
 */
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { query, rr } from './helpers/client.js';
import { ensureBuilt, freePort, startServe, type MeridianProcess } from './helpers/process.js';

let dir: string;
let m: MeridianProcess | undefined;
let backend: http.Server;
let upPort: number;
let deadPort: number;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'meridian-cli-health-'));
  backend = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  upPort = (backend.address() as { port: number }).port;
  deadPort = await freePort(); // nothing listens there: connection refused
  await writeFile(
    join(dir, 'h.yaml'),
    `zone: h.test.
soa: { mname: ns1.h.test., rname: hostmaster.h.test., serial: 1 }
ns: [ns1.h.test.]
records:
  - { name: ns1, type: A, data: 192.0.2.53 }
  - { name: www, pool: web }
pools:
  web:
    algorithm: round-robin
    ttl: 5
    fallback: none
    health: { kind: http, path: /healthz, interval: 500ms, timeout: 200ms }
    members:
      - { name: alive, address: 198.51.100.1, check-address: 127.0.0.1, health: { port: ${upPort} } }
      - { name: dead, address: 198.51.100.2, check-address: 127.0.0.1, health: { port: ${deadPort} } }
`,
  );
}, 180_000);
afterEach(async () => {
  await m?.stop();
  m = undefined;
});
afterAll(async () => {
  backend.close();
  await rm(dir, { recursive: true, force: true });
});

async function answers(port: number, n = 6): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await query(port, 'www.h.test')).answers!.map(rr).join(' '));
  return seen;
}

it('--wait-for-health: the first answer already leaves out the dead member; stats show 1 up, 1 down', async () => {
  m = await startServe({ zones: dir, args: ['--wait-for-health', '--stats-interval', '1'] });
  expect(await answers(m.port)).toEqual(new Set(['www.h.test. 5 IN A 198.51.100.1']));
  const stats = await m.waitForLog((l) => l.msg === 'stats');
  expect(stats.health).toEqual({ up: 1, down: 1, unknown: 0 });
  expect(stats).toMatchObject({ errors: 0, loopDelayMs: expect.objectContaining({ p99: expect.any(Number) }) });
  expect(m.logs().some((l) => l.msg === 'first round of health checks done')).toBe(true);
}, 30_000);

it('--no-health: nothing is probed and every enabled member is served', async () => {
  m = await startServe({ zones: dir, args: ['--no-health', '--stats-interval', '1'] });
  expect(await answers(m.port)).toEqual(new Set(['www.h.test. 5 IN A 198.51.100.1', 'www.h.test. 5 IN A 198.51.100.2']));
  const stats = await m.waitForLog((l) => l.msg === 'stats');
  expect(stats.health).toEqual({ up: 0, down: 0, unknown: 0 });
}, 30_000);
