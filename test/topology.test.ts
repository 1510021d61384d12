/**
 * The pieces of the local topology (scripts/topology.mjs) work on their own, with the real
 * programs: a 3-node etcd cluster elects a leader, keeps taking writes with one member killed
 * and keeps its data across a full stop; nginx backends serve /healthz and stub_status and come
 * back on their port after a crash; Unbound resolves a zone through a stub zone at two Meridian
 * instances (RA set, AA clear) and nothing else; and the whole topology starts from
 * `node scripts/topology.mjs up` and goes away on Ctrl-C. The end-to-end behaviour of Meridian on
 * that topology is tested elsewhere (test/etcd.test.ts, the e2e tests).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepts } from '../scripts/topology/process.mjs';
import { exec } from './helpers/build.js';
import { dig, splitRecord } from './helpers/dig.js';
import { etcdGet, etcdHealthy, etcdList, etcdPut, etcdPutEventually, etcdStatus, leaderOf, startEtcdCluster, type EtcdCluster } from './helpers/etcd.js';
import { startNginxBackends } from './helpers/nginx.js';
import { ROOT, ensureBuilt, startServe, type MeridianProcess } from './helpers/process.js';
import { NS_ADDRESSES, WEB_ADDRESSES, topologyZone } from './helpers/topology.js';
import { describeWith } from './helpers/tools.js';
import { startUnbound, unboundConf, type UnboundServer } from './helpers/unbound.js';

const STUB_STATUS = /^Active connections: \d+ \nserver accepts handled requests\n \d+ \d+ \d+ \nReading: \d+ Writing: \d+ Waiting: \d+ \n$/;

/**
 * A resolver's answer with each TTL checked (at most `ttl`, at least `ttl - 2`: Unbound counts
 * TTLs down in whole seconds from when the answer arrived) and then written as `ttl`.
 */
function withTtl(answer: string[], ttl: number): string[] {
  return answer.map((rr) => {
    const r = splitRecord(rr);
    expect(r.ttl).toBeLessThanOrEqual(ttl);
    expect(r.ttl).toBeGreaterThanOrEqual(ttl - 2);
    return `${r.name} ${ttl} ${r.class} ${r.type} ${r.data}`;
  });
}

async function get(url: string): Promise<[number, string]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return [res.status, await res.text()];
}

describeWith('etcd', 'a 3-node etcd cluster on loopback', () => {
  let etcd: EtcdCluster;

  beforeAll(async () => {
    etcd = await startEtcdCluster({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    await etcd?.close();
    if (etcd) expect(existsSync(etcd.dataDir)).toBe(false);
  });

  it('has three members on distinct loopback ports that follow one elected leader', async () => {
    expect(etcd.nodes.map((n) => n.name)).toEqual(['etcd1', 'etcd2', 'etcd3']);
    expect(etcd.endpoints).toEqual(etcd.nodes.map((n) => n.clientUrl));
    const ports = etcd.nodes.flatMap((n) => [n.clientUrl, n.peerUrl]).map((u) => {
      expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      return new URL(u).port;
    });
    expect(new Set(ports).size).toBe(6);
    const leader = await leaderOf(etcd);
    const statuses = await Promise.all(etcd.endpoints.map((e) => etcdStatus(e)));
    expect(new Set(statuses.map((s) => s.member)).size).toBe(3);
    expect(statuses.map((s) => s.leader)).toEqual([0, 1, 2].map(() => statuses[leader].member));
  });

  it('replicates a write to every member', async () => {
    await etcdPut(etcd.endpoints[0], '/t/a', 'one');
    expect(await Promise.all(etcd.endpoints.map((e) => etcdGet(e, '/t/a')))).toEqual(['one', 'one', 'one']);
  });

  it('keeps taking writes with its leader killed; the member catches up when it is back', async () => {
    const old = await leaderOf(etcd);
    await etcd.nodes[old].kill();
    expect(etcd.nodes[old].alive).toBe(false);
    const [a, b] = [1, 2].map((k) => etcd.nodes[(old + k) % 3]);
    await etcdPutEventually(a.clientUrl, '/t/b', 'two');
    expect(await etcdGet(b.clientUrl, '/t/b')).toBe('two');
    expect(await leaderOf(etcd)).not.toBe(old);
    await etcd.nodes[old].start();
    await etcd.waitHealthy();
    expect(await etcdGet(etcd.nodes[old].clientUrl, '/t/b')).toBe('two');
  }, 40_000);

  it('refuses writes without a quorum (two members down) and takes them again when one is back', async () => {
    const [first, second, third] = etcd.nodes;
    await second.kill();
    await third.kill();
    await expect(etcdPut(first.clientUrl, '/t/c', 'lost', 1500)).rejects.toThrow();
    await third.start();
    await etcdPutEventually(first.clientUrl, '/t/c', 'three');
    await second.start();
    await etcd.waitHealthy();
    expect(await etcdGet(second.clientUrl, '/t/c')).toBe('three');
  }, 40_000);

  it('stopped entirely and started again, keeps its data and its ports', async () => {
    const before = [...etcd.endpoints];
    await etcd.stop();
    expect(etcd.nodes.map((n) => n.alive)).toEqual([false, false, false]);
    expect(await etcdHealthy(etcd.endpoints[0])).toBe(false);
    await etcd.start();
    expect(etcd.endpoints).toEqual(before);
    expect(await etcdList(etcd.endpoints[2], '/t/')).toEqual([
      { key: '/t/a', value: 'one' },
      { key: '/t/b', value: 'two' },
      { key: '/t/c', value: 'three' },
    ]);
  }, 40_000);
});

describeWith('nginx', 'nginx backends', () => {
  it('answer /healthz and /nginx_status on their own addresses; a killed one comes back on its port', async () => {
    const web = await startNginxBackends(3, { addresses: WEB_ADDRESSES });
    try {
      expect(web.map((w) => w.hosts)).toEqual(WEB_ADDRESSES.map((a) => [a]));
      for (const w of web) {
        expect(await get(w.url('/healthz'))).toEqual([200, 'ok']);
        const [status, text] = await get(w.url('/nginx_status'));
        expect(status).toBe(200);
        expect(text).toMatch(STUB_STATUS);
      }
      const [, second] = web;
      const port = second.port;
      await second.kill();
      // the whole process group went: no worker left serving
      expect(await accepts(second.hosts[0], port)).toBe(false);
      expect(await get(web[0].url('/healthz'))).toEqual([200, 'ok']);
      await second.start();
      expect(second.port).toBe(port);
      expect(await get(second.url('/healthz'))).toEqual([200, 'ok']);
    } finally {
      await Promise.all(web.map((w) => w.stop()));
    }
    expect(web.map((w) => existsSync(w.dir))).toEqual([false, false, false]);
  });

  it('default to 127.0.0.1, each on its own port', async () => {
    const web = await startNginxBackends(2);
    try {
      expect(web.map((w) => w.hosts)).toEqual([['127.0.0.1'], ['127.0.0.1']]);
      expect(web[0].port).not.toBe(web[1].port);
    } finally {
      await Promise.all(web.map((w) => w.stop()));
    }
  });
});

const ZONE = `zone: lb.example.test.
soa: { mname: ns1.lb.example.test., rname: hostmaster.example.test., serial: 7 }
ns: [ns1.lb.example.test., ns2.lb.example.test.]
records:
  - { name: ns1, type: A, data: 127.0.0.2 }
  - { name: ns2, type: A, data: 127.0.0.3 }
  - { name: www, type: A, data: 192.0.2.10, ttl: 30 }
  - { name: www2, type: A, data: 192.0.2.20, ttl: 30 }
`;

describe('unboundConf', () => {
  it('stubs the zone at every name server and stays on loopback', () => {
    const conf = unboundConf({
      dir: '/tmp/u',
      host: '127.0.0.1',
      port: 5300,
      zone: 'lb.example.test',
      nameservers: [{ host: '127.0.0.2', port: 5353 }, { host: '127.0.0.3', port: 5354 }],
    });
    const lines = conf.split('\n').map((l) => l.trim());
    for (const line of [
      'interface: 127.0.0.1',
      'port: 5300',
      'so-reuseport: no',
      'chroot: ""',
      'username: ""',
      'do-not-query-localhost: no',
      'module-config: "iterator"',
      'domain-insecure: "lb.example.test."',
      'local-zone: "." refuse',
      'local-zone: "lb.example.test." transparent',
      'name: "lb.example.test."',
      'stub-addr: 127.0.0.2@5353',
      'stub-addr: 127.0.0.3@5354',
      'control-enable: no',
    ]) {
      expect(lines).toContain(line);
    }
  });
});

describeWith(['unbound', 'dig'], 'Unbound with a stub zone at two Meridian instances', () => {
  let dir: string;
  let ns1: MeridianProcess;
  let ns2: MeridianProcess;
  let ub: UnboundServer;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'meridian-topology-test-'));
    await writeFile(join(dir, 'lb.example.test.yaml'), ZONE);
    [ns1, ns2] = await Promise.all([
      startServe({ zones: dir, hosts: ['127.0.0.2'], args: ['--identity', 'ns1'] }),
      startServe({ zones: dir, hosts: ['127.0.0.3'], args: ['--identity', 'ns2'] }),
    ]);
    ub = await startUnbound({
      zone: 'lb.example.test.',
      nameservers: [{ host: '127.0.0.2', port: ns1.port }, { host: '127.0.0.3', port: ns2.port }],
    });
  }, 60_000);

  afterAll(async () => {
    await ub?.stop();
    await Promise.all([ns1?.stop(), ns2?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a configuration unbound-checkconf accepts', async () => {
    const r = await exec('unbound-checkconf', [ub.conf], { env: process.env, timeoutMs: 10_000 });
    expect([r.code, r.stdout.trim()]).toEqual([0, `unbound-checkconf: no errors in ${ub.conf}`]);
    expect(await readFile(ub.conf, 'utf8')).toContain(`stub-addr: 127.0.0.2@${ns1.port}\n  stub-addr: 127.0.0.3@${ns2.port}\n`);
  });

  it('answers a name in the zone as a resolver: RA set, AA clear', async () => {
    const r = await dig(ub.port, 'www.lb.example.test A');
    expect(r.status).toBe('NOERROR');
    expect([...r.flags].sort()).toEqual(['qr', 'ra', 'rd']);
    expect(withTtl(r.answer, 30)).toEqual(['www.lb.example.test. 30 IN A 192.0.2.10']);
    // the instance itself answers authoritatively
    const direct = await dig(ns1.port, 'www.lb.example.test A +norec', { server: '127.0.0.2' });
    expect([...direct.flags].sort()).toEqual(['aa', 'qr']);
  });

  it('passes on NXDOMAIN with the zone SOA', async () => {
    const r = await dig(ub.port, 'nope.lb.example.test A');
    expect(r.status).toBe('NXDOMAIN');
    expect(r.flags.has('aa')).toBe(false);
    expect(withTtl(r.authority, 60)).toEqual(['lb.example.test. 60 IN SOA ns1.lb.example.test. hostmaster.example.test. 7 3600 600 604800 60']);
  });

  it('refuses names outside the zone itself, without leaving the machine', async () => {
    const started = Date.now();
    const r = await dig(ub.port, 'example.com A');
    expect(r.status).toBe('REFUSED');
    expect(r.answer).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('still resolves with ns1 down: the stub zone points at both instances', async () => {
    await ns1.stop();
    // Unbound takes ns1's silence for a timeout (about 1.7 s here) before it asks ns2
    const r = await dig(ub.port, 'www2.lb.example.test A +time=8');
    expect(r.status).toBe('NOERROR');
    expect(withTtl(r.answer, 30)).toEqual(['www2.lb.example.test. 30 IN A 192.0.2.20']);
  });
});

describe('topologyZone', () => {
  it('puts the instances and backends of the local topology in a zone', () => {
    const text = topologyZone({ nameservers: NS_ADDRESSES, backends: WEB_ADDRESSES.map((host, i) => ({ host, port: 8081 + i })) });
    expect(text).toContain('  - { name: ns1, type: A, data: 127.0.0.2 }\n  - { name: ns2, type: A, data: 127.0.0.3 }\n');
    expect(text).toContain('      load: { kind: nginx-stub-status, path: /nginx_status }\n');
    expect(text).toContain(
      [
        '      - { name: web1, address: 127.0.0.11, health: { port: 8081 } }',
        '      - { name: web2, address: 127.0.0.12, health: { port: 8082 } }',
        '      - { name: web3, address: 127.0.0.13, health: { port: 8083 } }',
      ].join('\n'),
    );
  });
});

/** Read `node scripts/topology.mjs up`'s printed addresses. */
function parseUp(text: string) {
  const field = (re: RegExp) => {
    const m = re.exec(text);
    if (!m) throw new Error(`no ${re} in:\n${text}`);
    return m;
  };
  const ns = [...text.matchAll(/^ {2}(ns\d) +(127\.0\.0\.\d+):(\d+) \(DNS, UDP and TCP\) +admin (http:\S+)$/gm)].map((m) => ({
    name: m[1],
    host: m[2],
    port: Number(m[3]),
    admin: m[4],
  }));
  return {
    dir: field(/files in (\S+);/)[1],
    etcd: field(/^ {2}etcd +(\S+) +prefix (\S+)$/m)[1].split(','),
    web: [...text.matchAll(/^ {2}web\d +(http:\S+)\/ /gm)].map((m) => m[1]),
    ns,
    unbound: Number(field(/^ {2}unbound +127\.0\.0\.1:(\d+) /m)[1]),
    token: field(/^ {2}token +(\S+)$/m)[1],
  };
}

describeWith(['etcd', 'nginx', 'unbound', 'dig'], 'node scripts/topology.mjs up', () => {
  it('starts etcd, nginx, ns1 and ns2 on etcd, and Unbound; Ctrl-C stops them and removes the files', async () => {
    await ensureBuilt();
    const child = spawn(process.execPath, [join(ROOT, 'scripts/topology.mjs'), 'up'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // if this worker ends first, the command still gets its Ctrl-C and takes its processes down
    const stopOnExit = () => child.kill('SIGINT');
    process.once('exit', stopOnExit);
    try {
      const deadline = Date.now() + 60_000;
      while (!/^Try:$/m.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`topology did not come up:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const t = parseUp(out);
      expect(t.ns.map((n) => [n.name, n.host])).toEqual([['ns1', '127.0.0.2'], ['ns2', '127.0.0.3']]);
      expect(t.ns[0].port).toBe(t.ns[1].port);
      expect(t.etcd).toHaveLength(3);
      expect(t.web.map((u) => new URL(u).hostname)).toEqual(WEB_ADDRESSES);

      // etcd holds the seeded zone
      expect((await etcdList(t.etcd[1], '/meridian/zones/')).map((kv) => kv.key)).toEqual(['/meridian/zones/lb.example.test.']);
      // the resolver answers www from the pool of nginx backends, as a resolver
      const r = await dig(t.unbound, 'www.lb.example.test A');
      expect(r.status).toBe('NOERROR');
      expect([...r.flags].sort()).toEqual(['qr', 'ra', 'rd']);
      expect(r.answer).toHaveLength(1);
      expect(WEB_ADDRESSES).toContain(r.answer[0].split(' ')[4]);
      // each instance answers authoritatively, and its admin API takes the printed token
      for (const n of t.ns) {
        const d = await dig(n.port, 'ns1.lb.example.test A +norec', { server: n.host });
        expect([d.status, [...d.flags].sort(), d.answer]).toEqual(['NOERROR', ['aa', 'qr'], ['ns1.lb.example.test. 300 IN A 127.0.0.2']]);
        const res = await fetch(`${n.admin}/api/v1/zones`, { headers: { authorization: `Bearer ${t.token}` } });
        expect(res.status).toBe(200);
      }

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toMatch(/^SIGINT: stopping…$/m);
      expect(existsSync(t.dir)).toBe(false);
      const ports: [string, number][] = [
        ...t.etcd.map((u): [string, number] => ['127.0.0.1', Number(new URL(u).port)]),
        ...t.web.map((u): [string, number] => [new URL(u).hostname, Number(new URL(u).port)]),
        ...t.ns.map((n): [string, number] => [n.host, n.port]),
        ['127.0.0.1', t.unbound],
      ];
      expect(await Promise.all(ports.map(([h, p]) => accepts(h, p)))).toEqual(ports.map(() => false));
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      process.off('exit', stopOnExit);
    }
  }, 120_000);
});
