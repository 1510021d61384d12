/**
 * Reloading zones without a restart, as an operator sees it: `meridian serve` in a child process,
 * zone files edited on disk, answers asked over UDP. A reload (file change or SIGHUP) is atomic per
 * zone file: a broken file is logged with its file and line and its previous version keeps
 * serving, while other files are picked up.
 */
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { query, rr } from './helpers/client.js';
import { ensureBuilt, startServe, type LogLine, type MeridianProcess } from './helpers/process.js';

/** A zone whose www record says which version is served; www is on line 7. */
function zone(origin: string, serial: number, www: string): string {
  return `zone: ${origin}
ttl: 60
soa: { mname: ns1.${origin}, rname: hostmaster.${origin}, serial: ${serial} }
ns: [ns1.${origin}]
records:
  - { name: ns1, type: A, data: 192.0.2.53 }
  - { name: www, type: A, data: ${www} }
`;
}

let tmp: string;
let dir: string;
let m: MeridianProcess | undefined;

beforeAll(async () => {
  await ensureBuilt();
  tmp = await mkdtemp(join(tmpdir(), 'meridian-reload-'));
}, 180_000);
afterEach(async () => {
  await m?.stop();
  m = undefined;
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A fresh zones directory with these files, and meridian serving it. */
async function serveZones(files: Record<string, string>, opts: { args?: readonly string[]; env?: Record<string, string> } = {}) {
  dir = await mkdtemp(join(tmp, 'zones-'));
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  m = await startServe({ zones: dir, args: opts.args && [...opts.args], env: opts.env });
  return m;
}

const write = (file: string, text: string) => writeFile(join(dir, file), text);

async function www(origin: string): Promise<string[] | string> {
  const r = await query(m!.port, `www.${origin}`, { type: 'A', timeoutMs: 3000 });
  return r.rcode === 'NOERROR' ? (r.answers ?? []).map(rr) : (r.rcode ?? '?');
}

async function serial(origin: string): Promise<number | undefined> {
  const r = await query(m!.port, origin, { type: 'SOA', timeoutMs: 3000 });
  const soa = r.answers?.find((a) => a.type === 'SOA');
  return soa?.type === 'SOA' ? soa.data.serial : undefined;
}

/** Poll until www.<origin> answers `expected` (a list of records, or an rcode). */
async function served(origin: string, expected: string[] | string): Promise<void> {
  await vi.waitFor(async () => expect(await www(origin)).toEqual(expected), { timeout: 10_000, interval: 100 });
}

const A = (origin: string, address: string) => [`www.${origin} 60 IN A ${address}`];
const isLoaded = (origin: string) => (l: LogLine) => l.msg === 'zones loaded' && (l.zones as string[]).includes(origin);

describe('reload when a file in the zones directory changes', () => {
  it('serves the new version, with the SOA serial exactly as written', async () => {
    await serveZones({ 'a.yaml': zone('a.test.', 2026010101, '192.0.2.1') });
    expect(await serial('a.test.')).toBe(2026010101);
    const since = m!.logs().length;
    await write('a.yaml', zone('a.test.', 2026010102, '192.0.2.2'));
    await served('a.test.', A('a.test.', '192.0.2.2'));
    expect(await serial('a.test.')).toBe(2026010102);
    await m!.waitForLog(isLoaded('a.test.'), { since });
  });

  it('a broken file is logged with file and line and keeps its previous version; another zone changed with it is picked up', async () => {
    await serveZones({ 'a.yaml': zone('a.test.', 1, '192.0.2.1'), 'b.yaml': zone('b.test.', 1, '192.0.2.1') });
    const since = m!.logs().length;
    await Promise.all([write('a.yaml', zone('a.test.', 2, '192.0.2.300')), write('b.yaml', zone('b.test.', 2, '192.0.2.2'))]);
    await served('b.test.', A('b.test.', '192.0.2.2'));
    const rejected = await m!.waitForLog((l) => l.level === 50 && l.file === join(dir, 'a.yaml'), { since });
    expect(rejected).toMatchObject({ line: 7, field: 'records[1].data' });
    expect(rejected.msg).toMatch(new RegExp(`^zone rejected, previous version keeps serving: ${dir}/a\\.yaml:7\\b.*192\\.0\\.2\\.300`));
    expect(await www('a.test.')).toEqual(A('a.test.', '192.0.2.1'));
    expect(await serial('a.test.')).toBe(1);

    // fixed: the new version is served
    await write('a.yaml', zone('a.test.', 3, '192.0.2.3'));
    await served('a.test.', A('a.test.', '192.0.2.3'));
    expect(await serial('a.test.')).toBe(3);
  });

  it('a deleted file takes its zone away: REFUSED; the other zones still answer', async () => {
    await serveZones({ 'a.yaml': zone('a.test.', 1, '192.0.2.1'), 'b.yaml': zone('b.test.', 1, '192.0.2.1') });
    await unlink(join(dir, 'b.yaml'));
    await served('b.test.', 'REFUSED');
    expect(await www('a.test.')).toEqual(A('a.test.', '192.0.2.1'));
  });

  it('content changed without a new serial: served, with a warning naming the zone', async () => {
    await serveZones({ 'a.yaml': zone('a.test.', 7, '192.0.2.1') });
    const since = m!.logs().length;
    await write('a.yaml', zone('a.test.', 7, '192.0.2.2'));
    await served('a.test.', A('a.test.', '192.0.2.2'));
    expect(await serial('a.test.')).toBe(7);
    const warning = await m!.waitForLog((l) => l.level === 40, { since });
    expect(warning).toMatchObject({ zone: 'a.test.', msg: expect.stringMatching(/SOA serial did not/) });
  });

  it('a file broken at startup is logged, the others are served', async () => {
    await serveZones({ 'a.yaml': zone('a.test.', 1, '192.0.2.1'), 'b.yaml': zone('b.test.', 1, 'not-an-address') });
    expect(await www('a.test.')).toEqual(A('a.test.', '192.0.2.1'));
    expect(await www('b.test.')).toBe('REFUSED');
    expect(m!.logs()).toContainEqual(expect.objectContaining({ level: 50, file: join(dir, 'b.yaml'), line: 7 }));
    const start = await m!.waitForLog((l) => l.msg === 'meridian serving (UDP and TCP)');
    expect(start.zones).toEqual(['a.test.']);
  });

  it('a Kubernetes ConfigMap update (the ..data link swapped to a new directory) is picked up', async () => {
    await serveZones({});
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1/a.yaml'), zone('a.test.', 1, '192.0.2.1'));
    await symlink('..v1', join(dir, '..data'));
    await symlink('..data/a.yaml', join(dir, 'a.yaml'));
    await served('a.test.', A('a.test.', '192.0.2.1'));
    // what the kubelet does: write a new directory, point ..data_tmp at it, rename over ..data
    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2/a.yaml'), zone('a.test.', 2, '192.0.2.2'));
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await served('a.test.', A('a.test.', '192.0.2.2'));
  });
});

describe('reload on SIGHUP', () => {
  it.for([
    ['--no-watch', { args: ['--no-watch'] }],
    ['MERIDIAN_WATCH=false', { env: { MERIDIAN_WATCH: 'false' } }],
  ] as const)('with %s: files are read again only on SIGHUP', async ([, opts]) => {
    await serveZones({ 'a.yaml': zone('a.test.', 1, '192.0.2.1'), 'b.yaml': zone('b.test.', 1, '192.0.2.1') }, opts);
    const since = m!.logs().length;
    await write('a.yaml', zone('a.test.', 2, '192.0.2.2'));
    await write('b.yaml', zone('b.test.', 2, '192.0.2.999'));
    // nothing to poll for when nothing should happen: give a watcher (200 ms debounce) time to act
    await new Promise((r) => setTimeout(r, 600));
    expect(await www('a.test.')).toEqual(A('a.test.', '192.0.2.1'));
    expect(m!.logs().slice(since)).toEqual([]);

    m!.signal('SIGHUP');
    await served('a.test.', A('a.test.', '192.0.2.2'));
    expect(await www('b.test.')).toEqual(A('b.test.', '192.0.2.1')); // broken: previous version
    const logs = m!.logs().slice(since);
    expect(logs[0]).toMatchObject({ msg: 'SIGHUP: reloading zones' });
    expect(logs).toContainEqual(expect.objectContaining({ level: 50, file: join(dir, 'b.yaml'), line: 7 }));
    expect(m!.alive).toBe(true);
  });

  it('a SIGHUP with nothing changed reloads nothing and keeps serving', async () => {
    await serveZones({ 'a.yaml': zone('a.test.', 1, '192.0.2.1') });
    const since = m!.logs().length;
    m!.signal('SIGHUP');
    await m!.waitForLog((l) => l.msg === 'SIGHUP: reloading zones', { since });
    expect(await www('a.test.')).toEqual(A('a.test.', '192.0.2.1'));
    expect(m!.logs().slice(since).filter((l) => l.msg === 'zones loaded')).toEqual([]);
  });
});
