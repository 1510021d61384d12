/**
 * The `meridian` command as an operator runs it: the built CLI in a child process, asked with dig.
 * serve (flags, environment, several addresses on UDP and TCP, logs, bad flags, SIGTERM), check,
 * import (master file → YAML → check → serve) and explain. Reloading is in reload.test.ts.
 */
import net from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dig } from './helpers/dig.js';
import { describeWith } from './helpers/tools.js';
import { query, rr } from './helpers/client.js';
import { ROOT, ensureBuilt, freePort, hasIPv6Loopback, occupy, runMeridian, startServe, type MeridianProcess, type ServeOptions } from './helpers/process.js';

const ZONES = join(ROOT, 'zones');
const MASTER = join(ROOT, 'test/fixtures/import/example.zone');
const WWW = ['www.lb.example.test. 30 IN A 192.0.2.10'];
let tmp: string;
let ipv6: boolean;

beforeAll(async () => {
  await ensureBuilt();
  tmp = await mkdtemp(join(tmpdir(), 'meridian-cli-'));
  ipv6 = await hasIPv6Loopback();
  if (!ipv6) process.stderr.write('[test] no IPv6 loopback (::1) on this machine: IPv6 listen tests are skipped\n');
}, 180_000);
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Servers started by a test are stopped after it, whatever happened. */
const started: MeridianProcess[] = [];
afterEach(async () => void (await Promise.all(started.splice(0).map((m) => m.stop()))));
async function serve(opts: ServeOptions): Promise<MeridianProcess> {
  const m = await startServe(opts);
  started.push(m);
  return m;
}
const ask = (port: number, name: string, opts: Parameters<typeof query>[2] = {}) => query(port, name, { timeoutMs: 3000, ...opts });

async function dirWith(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(tmp, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  return dir;
}

const soa = (origin: string) => `zone: ${origin}
soa: { mname: ns1.${origin}, rname: hostmaster.${origin}, serial: 7 }
ns: [ns1.${origin}]
records:
  - { name: ns1, type: A, data: 192.0.2.53 }
`;

describe('meridian check', () => {
  it('accepts the repository zones/ and prints a summary', async () => {
    const r = await runMeridian(['check', '--zones', ZONES]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('1 zone(s) OK: lb.example.test.\n');
  });

  it('lists every problem of every broken file as file:line field: message, and exits 1', async () => {
    const dir = await dirWith('broken', {
      'a.yaml': soa('a.test.'),
      'b.yaml': `${soa('b.test.')}  - { name: www, type: A, data: 192.0.2.300 }\n`,
      'c.yaml': `${soa('c.test.')}  - { name: www, type: AAAA, data: 192.0.2.1 }\n  - { name: mx, type: MX, data: "x" }\n`,
    });
    const r = await runMeridian(['check'], { env: { MERIDIAN_ZONES: dir } });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${dir}/b\\.yaml:6(:\\d+)? records\\[1\\]\\.data: .*192\\.0\\.2\\.300`)),
      expect.stringMatching(new RegExp(`^${dir}/c\\.yaml:6(:\\d+)? records\\[1\\]\\.data: .*192\\.0\\.2\\.1`)),
      expect.stringMatching(new RegExp(`^${dir}/c\\.yaml:7(:\\d+)? records\\[2\\]\\.data: .*MX`)),
      '3 problem(s) found',
    ]);
    expect(r.stdout).toBe('');
  });

  it('names a zones directory that does not exist, or has no zone files', async () => {
    const r = await runMeridian(['check', '--zones', join(tmp, 'nowhere')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${join(tmp, 'nowhere')} cannot read the zone directory (ENOENT)`);
    const empty = await dirWith('empty', { 'lb.example.test.zone': '; a master file, not imported yet\n' });
    expect(await runMeridian(['check', '--zones', empty])).toMatchObject({ code: 1, stderr: `no zone files (*.yaml, *.yml) in ${empty}\n` });
  });
});

describe('meridian import', () => {
  it('converts a master file: YAML on stdout, skipped records as warnings on stderr', async () => {
    const r = await runMeridian(['import', MASTER]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^zone: lb\.example\.test\.$/m);
    expect(r.stderr).toMatch(/^warning: .*example\.zone:18 skipped DNSKEY/m);
  });

  it('--origin gives the origin of a file without $ORIGIN: same zone as with it', async () => {
    const body = (yaml: string) => yaml.replace(/^#.*\n/gm, '');
    const text = (await readFile(MASTER, 'utf8')).replace('$ORIGIN lb.example.test.\n', '');
    const bare = join(tmp, 'bare.zone');
    await writeFile(bare, text);
    const [withOrigin, without] = await Promise.all([runMeridian(['import', bare, '--origin', 'lb.example.test']), runMeridian(['import', bare])]);
    expect(withOrigin.code).toBe(0);
    expect(body(withOrigin.stdout)).toBe(body((await runMeridian(['import', MASTER])).stdout));
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/origin/i);
  });

  it('names a file it cannot read, without a stack trace', async () => {
    const r = await runMeridian(['import', join(tmp, 'missing.zone')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`meridian: cannot read ${join(tmp, 'missing.zone')} (ENOENT)\n`);
  });

  describeWith('dig', 'import -o, check, serve: answers as the master file says', () => {
    // each row: query, then the records as written in test/fixtures/import/example.zone
    const rows: [string, string[]][] = [
      ['lb.example.test SOA', ['lb.example.test. 300 IN SOA ns1.lb.example.test. hostmaster.example.test. 2026112501 3600 600 604800 60']],
      ['lb.example.test MX', ['lb.example.test. 300 IN MX 10 mail.example.test.', 'lb.example.test. 300 IN MX 20 mx2.lb.example.test.']],
      ['www.lb.example.test A', ['www.lb.example.test. 30 IN A 192.0.2.10', 'www.lb.example.test. 30 IN A 192.0.2.11']],
      ['ns2.lb.example.test AAAA', ['ns2.lb.example.test. 300 IN AAAA 2001:db8::54']],
      ['quotes.lb.example.test TXT', [String.raw`quotes.lb.example.test. 300 IN TXT "semi;colon" "say \"hi\"" "back\\slash" "caf\195\169"`]],
      ['long.lb.example.test TXT', ['long.lb.example.test. 300 IN TXT "part one, " "part two"']],
      ['api.eu.lb.example.test TXT', ['api.eu.lb.example.test. 15 IN TXT "region=eu"']],
      ['10.eu.lb.example.test PTR', ['10.eu.lb.example.test. 3600 IN PTR api.eu.lb.example.test.']],
      ['x.wild.lb.example.test A', ['x.wild.lb.example.test. 300 IN A 192.0.2.99']],
    ];
    let port: number;
    let stop: () => Promise<unknown>;
    beforeAll(async () => {
      const dir = await dirWith('imported', {});
      const r = await runMeridian(['import', MASTER, '-o', join(dir, 'lb.example.test.yaml')]);
      expect(r).toMatchObject({ code: 0, stdout: '' });
      expect(await runMeridian(['check', '--zones', dir])).toMatchObject({ code: 0, stdout: '1 zone(s) OK: lb.example.test.\n' });
      const m = await startServe({ zones: dir });
      port = m.port;
      stop = () => m.stop();
    });
    afterAll(() => stop?.());

    it.each(rows)('%s', async (q, expected) => {
      const r = await dig(port, `${q} +norec`);
      expect(r.status).toBe('NOERROR');
      expect(r.flags.has('aa')).toBe(true);
      expect([...r.answer].sort()).toEqual(expected);
    });
  });
});

describe('meridian serve', () => {
  describeWith('dig', 'listen addresses', () => {
    it.for([
      ['flags', false],
      ['MERIDIAN_ZONES and MERIDIAN_LISTEN (comma-separated)', true],
    ] as const)('several addresses from %s, IPv4 and IPv6, each on UDP and TCP', async ([, viaEnv], ctx) => {
      if (!ipv6) ctx.skip('no IPv6 loopback (::1) on this machine');
      // given both, flags win over the environment
      const env: Record<string, string> = viaEnv ? {} : { MERIDIAN_ZONES: join(tmp, 'nowhere'), MERIDIAN_LISTEN: '127.0.0.1:99999' };
      const m = await serve({ zones: ZONES, hosts: ['127.0.0.1', '::1'], viaEnv, env });
      try {
        for (const server of ['127.0.0.1', '::1']) {
          for (const tcp of ['+notcp', '+tcp']) {
            const r = await dig(m.port, `www.lb.example.test A ${tcp}`, { server });
            expect(r.protocol, `${server} ${tcp}`).toBe(tcp === '+tcp' ? 'TCP' : 'UDP');
            expect(r.answer, `${server} ${tcp}`).toEqual(WWW);
          }
        }
        const start = await m.waitForLog((l) => l.msg === 'meridian serving (UDP and TCP)');
        expect(start).toMatchObject({ level: 30, listen: [`127.0.0.1:${m.port}`, `[::1]:${m.port}`], zones: ['lb.example.test.'] });
      } finally {
        expect(await m.stop()).toEqual({ code: 0, signal: null });
      }
    });
  });

  it('--query-log logs each query (UDP and TCP); MERIDIAN_QUERY_LOG does the same', async () => {
    for (const how of [{ args: ['--query-log'] }, { env: { MERIDIAN_QUERY_LOG: '1' } }]) {
      const m = await serve({ zones: ZONES, ...how });
      const since = m.logs().length;
      await ask(m.port, 'www.lb.example.test', { type: 'A' });
      await ask(m.port, 'nope.example', { type: 'AAAA', tcp: true });
      const udp = await m.waitForLog((l) => l.msg === 'query' && l.q === 'www.lb.example.test.', { since });
      expect(udp).toMatchObject({ type: 'A', rcode: 'NOERROR', proto: 'udp', client: '127.0.0.1' });
      const tcp = await m.waitForLog((l) => l.msg === 'query' && l.q === 'nope.example.', { since });
      expect(tcp).toMatchObject({ type: 'AAAA', rcode: 'REFUSED', proto: 'tcp' });
      await m.stop();
    }
  });

  it('logs no queries by default nor with MERIDIAN_QUERY_LOG=false', async () => {
    for (const env of [{}, { MERIDIAN_QUERY_LOG: 'false' }] as Record<string, string>[]) {
      const m = await serve({ zones: ZONES, env });
      expect((await ask(m.port, 'www.lb.example.test')).answers?.map(rr)).toEqual(WWW);
      await m.stop();
      expect(m.logs().filter((l) => l.msg === 'query')).toEqual([]);
      expect(m.logs().at(-1)).toMatchObject({ msg: 'shutting down', signal: 'SIGTERM' });
    }
  });

  it('--log-level silent prints nothing at all, even with --query-log', async () => {
    const m = await serve({ zones: ZONES, args: ['--log-level', 'silent', '--query-log'] });
    expect((await ask(m.port, 'www.lb.example.test')).answers?.map(rr)).toEqual(WWW);
    expect(await m.stop()).toEqual({ code: 0, signal: null });
    expect({ stdout: m.stdout, stderr: m.stderr }).toEqual({ stdout: '', stderr: '' });
  });

  it('SIGTERM exits 0 promptly, even with a TCP client connected', async () => {
    const m = await serve({ zones: ZONES });
    const idle = net.connect({ host: '127.0.0.1', port: m.port });
    idle.on('error', () => {});
    await new Promise((r) => idle.once('connect', r));
    const t0 = Date.now();
    expect(await m.stop(10_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(3000);
    idle.destroy();
  });

  it.each([
    [['--listen', '127.0.0.1:99999'], {}, /^meridian: --listen: bad port in "127\.0\.0\.1:99999"/],
    [['--listen', '127.0.0.1:'], {}, /^meridian: --listen: bad port in "127\.0\.0\.1:"/],
    [[], { MERIDIAN_LISTEN: '127.0.0.1:5353,[::1]:70000' }, /^meridian: MERIDIAN_LISTEN: bad port in "\[::1\]:70000"/],
    [['--admin', 'localhost:-1'], {}, /^meridian: --admin: bad port in "localhost:-1"/],
    [[], { MERIDIAN_ADMIN: '127.0.0.1:http' }, /^meridian: MERIDIAN_ADMIN: bad port in "127\.0\.0\.1:http"/],
    [['--tcp-max-connections', '0'], {}, /^meridian: --tcp-max-connections: "0" must be an integer from 1/],
    [['--log-level', 'loud'], {}, /--log-level.*loud.*(info|choices)/],
    [[], { MERIDIAN_LOG_LEVEL: 'loud' }, /'loud' from env 'MERIDIAN_LOG_LEVEL' is invalid/],
    [[], { MERIDIAN_QUERY_LOG: 'maybe' }, /^meridian: MERIDIAN_QUERY_LOG: "maybe" must be true or false/],
  ])('bad value %j %j: exits non-zero naming the flag', async (args, env, message) => {
    const r = await runMeridian(['serve', '--zones', ZONES, ...args], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
  });

  it.each(['udp', 'tcp'] as const)('a port already in use (%s): LISTEN_FAILED naming the address, exit non-zero', async (proto) => {
    const port = await freePort();
    const release = await occupy(proto, '127.0.0.1', port);
    try {
      const r = await runMeridian(['serve', '--zones', ZONES, '--listen', `127.0.0.1:${port}`]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^meridian: cannot listen on 127\\.0\\.0\\.1:${port}\\b.*EADDRINUSE.*LISTEN_FAILED`, 'm'));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await release();
    }
  });
});

describe('meridian explain', () => {
  it('shows the zone, the pool, eligible members, the choice and the answer (zones/)', async () => {
    const r = await runMeridian(['explain', 'api.lb.example.test', '--type', 'A', '--client', '198.51.100.7', '--zones', ZONES]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      'query: api.lb.example.test. A from 198.51.100.7',
      'zone: lb.example.test. (serial 2026112501)',
      'lookup: name is served by pool "web"',
      expect.stringMatching(/^balance: pool "web" \(weighted-round-robin, IPv4\): eligible fra-1; not eligible: iad-1 \(enabled: false\)$/),
      expect.stringMatching(/^balance: chose fra-1\b.*; TTL 20$/),
      'status: NOERROR, authoritative',
      'api.lb.example.test. 20 IN A 198.51.100.10',
    ]));
  });

  it('with an ip-hash pool: the client address or subnet is shown and decides', async () => {
    const dir = await dirWith('explain', {
      'h.yaml': `${soa('h.test.')}  - { name: www, pool: p }
pools:
  p:
    algorithm: ip-hash
    answers: 1
    members:
      - { name: m1, address: 192.0.2.1 }
      - { name: m2, address: 192.0.2.2 }
`,
    });
    const explain = (...args: string[]) => runMeridian(['explain', 'www.h.test', '--zones', dir, ...args]);
    const v4 = await explain('--client', '198.51.100.7');
    expect(v4.code).toBe(0);
    expect(v4.stdout).toContain('client: source address 198.51.100.7/32\n');
    expect((await explain('--client', '2001:db8::7')).stdout).toContain('client: source address 2001:db8::7/128\n');
    const ecs = await explain('--subnet', '198.51.100.0/24', '--json');
    const j = JSON.parse(ecs.stdout) as { rcode: string; ecsScope: number; answer: string[]; steps: string[] };
    expect(j).toMatchObject({ rcode: 'NOERROR', ecsScope: 24 });
    expect(j.steps).toContain('client: EDNS Client Subnet 198.51.100.0/24');
    expect(j.answer).toEqual([expect.stringMatching(/^www\.h\.test\. 30 IN A 192\.0\.2\.[12]$/)]);
  });

  it('a name no zone contains: REFUSED; a bad type: a clear error', async () => {
    const r = await runMeridian(['explain', 'www.example.org', '--zones', ZONES]);
    expect(r.stdout).toContain('zone: no zone served here contains the name → REFUSED');
    expect(r.stdout).toContain('status: REFUSED');
    const bad = await runMeridian(['explain', 'www.lb.example.test', '--type', 'BOGUS', '--zones', ZONES]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toBe('meridian: type: unknown record type "BOGUS" (MERIDIAN_ERR_CONFIG_INVALID)\n');
  });
});
