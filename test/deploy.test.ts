/**
 * The deployment files hold together. There is no Docker engine here, so Debian's docker-compose
 * validates docker-compose.yml (`config`), and what it would run is checked piece by piece with
 * the real programs: the etcd cluster and the seed job's command (against a local etcd), the zone
 * (`meridian check`), the nginx configuration (served by a real nginx), the Unbound configuration
 * (`unbound-checkconf`), the Dockerfile, and the systemd unit (README = deploy/meridian.service,
 * `systemd-analyze verify`).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../scripts/topology/process.mjs';
import { exec } from './helpers/build.js';
import { etcdList, etcdPut, startEtcdCluster } from './helpers/etcd.js';
import { startNginx } from './helpers/nginx.js';
import { ROOT, ensureBuilt, runMeridian } from './helpers/process.js';
import { describeWith, itWith } from './helpers/tools.js';

const path = (p: string) => join(ROOT, p);
const read = (p: string) => readFile(path(p), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  networks: Record<string, { ipv4_address?: string } | null>;
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { driver: string; ipam: { config: { subnet: string; ip_range?: string; gateway?: string }[] } }>;
  volumes: Record<string, unknown>;
}

const ETCD = 'http://etcd1:2379,http://etcd2:2379,http://etcd3:2379';
const addressOf = (s: Service) => s.networks.meridian?.ipv4_address;

/** `docker-compose config`, parsed: the file as the engine would get it (anchors merged). */
async function composeConfig(): Promise<Compose> {
  const r = await exec('docker-compose', ['-f', path('docker-compose.yml'), 'config'], { cwd: ROOT, env: process.env, timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(0);
  return parse(r.stdout) as Compose;
}

/** The values of `key:` lines in an unbound.conf section ("stub-zone:", "server:"). */
function unboundValues(conf: string, section: string, key: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of conf.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (/^[a-z-]+:$/.test(line)) current = line;
    else if (current === section && line.startsWith(`${key}:`)) out.push(line.slice(key.length + 1).trim());
  }
  return out;
}

describeWith('docker-compose', 'docker-compose.yml', () => {
  let c: Compose;
  beforeAll(async () => {
    c = await composeConfig();
  });

  it('is valid for Debian docker-compose (config -q prints nothing)', async () => {
    const r = await exec('docker-compose', ['-f', path('docker-compose.yml'), 'config', '-q'], { cwd: ROOT, env: process.env, timeoutMs: 30_000 });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
  });

  it('has etcd ×3, the seed job, ns1 and ns2, web ×3 and the resolver on one bridge network', () => {
    expect(Object.keys(c.services).sort()).toEqual(['etcd1', 'etcd2', 'etcd3', 'ns1', 'ns2', 'resolver', 'seed', 'web1', 'web2', 'web3']);
    expect(c.networks.meridian).toEqual({
      driver: 'bridge',
      ipam: { config: [{ subnet: '172.28.53.0/24', ip_range: '172.28.53.128/25', gateway: '172.28.53.1' }] },
    });
    const fixed = Object.entries(c.services).filter(([name]) => name !== 'seed').map(([name, s]) => [name, addressOf(s)]);
    expect(Object.fromEntries(fixed)).toEqual({
      etcd1: '172.28.53.11', etcd2: '172.28.53.12', etcd3: '172.28.53.13',
      ns1: '172.28.53.53', ns2: '172.28.53.54',
      web1: '172.28.53.21', web2: '172.28.53.22', web3: '172.28.53.23',
      resolver: '172.28.53.10',
    });
    expect(c.services.seed.networks).toEqual({ meridian: null });
    expect(Object.keys(c.volumes).sort()).toEqual(['etcd1-data', 'etcd2-data', 'etcd3-data', 'ns1-state', 'ns2-state']);
  });

  it('bootstraps a 3-member etcd v3.5 cluster statically, each member with its volume and a healthcheck', () => {
    for (const n of [1, 2, 3]) {
      const s = c.services[`etcd${n}`];
      expect(s.image).toMatch(/^(gcr\.io\/etcd-development|quay\.io\/coreos)\/etcd:v3\.5\.\d+$/);
      expect(s.command).toEqual([
        '/usr/local/bin/etcd',
        `--name=etcd${n}`,
        '--data-dir=/etcd-data',
        '--listen-client-urls=http://0.0.0.0:2379',
        `--advertise-client-urls=http://etcd${n}:2379`,
        '--listen-peer-urls=http://0.0.0.0:2380',
        `--initial-advertise-peer-urls=http://etcd${n}:2380`,
        '--initial-cluster=etcd1=http://etcd1:2380,etcd2=http://etcd2:2380,etcd3=http://etcd3:2380',
        '--initial-cluster-state=new',
        '--initial-cluster-token=meridian-etcd',
      ]);
      expect(s.volumes).toEqual([`etcd${n}-data:/etcd-data:rw`]);
      expect(s.healthcheck?.test).toEqual(['CMD', '/usr/local/bin/etcdctl', '--endpoints=http://127.0.0.1:2379', 'endpoint', 'health']);
      expect(s.restart).toBe('unless-stopped');
    }
  });

  it('runs ns1 and ns2 from the Dockerfile on port 53 with zones from all three etcd members', () => {
    for (const [name, dns, admin] of [['ns1', 5301, 8053], ['ns2', 5302, 8054]] as const) {
      const s = c.services[name];
      expect(s.build).toEqual({ context: ROOT.replace(/\/$/, '') });
      expect(s.image).toBe('meridian:latest');
      expect(s.command).toEqual([
        'serve', '--etcd', ETCD, '--listen', '0.0.0.0:53', '--admin', '0.0.0.0:8053', '--state', '/var/lib/meridian', '--identity', name,
      ]);
      expect(s.ports).toEqual([`127.0.0.1:${dns}:53/udp`, `127.0.0.1:${dns}:53/tcp`, `127.0.0.1:${admin}:8053/tcp`]);
      expect(s.volumes).toEqual([`${name}-state:/var/lib/meridian:rw`]);
      // the admin token comes from deploy/meridian.env
      expect(s.environment?.MERIDIAN_ADMIN_TOKEN).toMatch(/^\S{16,}$/);
      expect(s.depends_on).toEqual({
        etcd1: { condition: 'service_healthy' },
        etcd2: { condition: 'service_healthy' },
        etcd3: { condition: 'service_healthy' },
        seed: { condition: 'service_completed_successfully' },
        web1: { condition: 'service_started' },
        web2: { condition: 'service_started' },
        web3: { condition: 'service_started' },
      });
      expect(s.healthcheck?.test.join(' ')).toContain("fetch('http://127.0.0.1:8053/healthz')");
      expect(s.restart).toBe('unless-stopped');
    }
  });

  it('seeds etcd once from deploy/zones with a one-shot job after etcd is healthy', () => {
    const s = c.services.seed;
    expect(s.image).toBe('meridian:latest');
    expect(s.restart).toBe('no');
    expect(s.environment).toEqual({ MERIDIAN_ETCD: ETCD });
    expect(s.volumes).toEqual([`${path('deploy/zones')}:/zones:ro`]);
    expect(s.entrypoint).toBeUndefined(); // the image's: node dist/src/cli/meridian.js
    expect(s.command).toEqual(['etcd', 'import', '--zones', '/zones', '--if-absent']);
    expect(s.depends_on).toEqual({
      etcd1: { condition: 'service_healthy' },
      etcd2: { condition: 'service_healthy' },
      etcd3: { condition: 'service_healthy' },
    });
  });

  it('serves the pool members from nginx with deploy/nginx/default.conf', () => {
    for (const n of [1, 2, 3]) {
      const s = c.services[`web${n}`];
      expect(s.image).toBe('nginx:1.27-alpine');
      expect(s.volumes).toEqual([`${path('deploy/nginx/default.conf')}:/etc/nginx/conf.d/default.conf:ro`]);
      expect(s.healthcheck?.test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1/healthz']);
    }
  });

  it('publishes the resolver on 127.0.0.1:5300, built from deploy/unbound with deploy/unbound/unbound.conf', () => {
    const s = c.services.resolver;
    expect(s.build).toEqual({ context: path('deploy/unbound') });
    expect(s.ports).toEqual(['127.0.0.1:5300:53/udp', '127.0.0.1:5300:53/tcp']);
    expect(s.volumes).toEqual([`${path('deploy/unbound/unbound.conf')}:/etc/unbound/unbound.conf:ro`]);
    expect(s.healthcheck?.test).toEqual(['CMD', 'unbound-control', '-c', '/etc/unbound/unbound.conf', 'status']);
  });

  it('points the stub zone at ns1 and ns2, and lets the compose network ask', async () => {
    const conf = await read('deploy/unbound/unbound.conf');
    expect(unboundValues(conf, 'stub-zone:', 'name')).toEqual(['"lb.example.test."']);
    expect(unboundValues(conf, 'stub-zone:', 'stub-addr')).toEqual([addressOf(c.services.ns1), addressOf(c.services.ns2)]);
    expect(unboundValues(conf, 'server:', 'access-control')).toEqual(['127.0.0.0/8 allow', '172.28.53.0/24 allow']);
    expect(unboundValues(conf, 'server:', 'domain-insecure')).toEqual(['"lb.example.test."']);
    expect(unboundValues(conf, 'server:', 'local-zone')).toEqual(['"lb.example.test." transparent']);
    const dockerfile = await read('deploy/unbound/Dockerfile');
    expect(dockerfile).toMatch(/^FROM debian:bookworm-slim$/m);
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends unbound dns-root-data/);
  });

  it('has a zone whose name servers are ns1 and ns2 and whose pool members are web1-3, checked by http and stub_status', async () => {
    const zone = parse(await read('deploy/zones/lb.example.test.yaml'));
    expect(zone.zone).toBe('lb.example.test.');
    expect(zone.ns).toEqual(['ns1.lb.example.test.', 'ns2.lb.example.test.']);
    expect(zone.records.filter((r: { name: string }) => r.name === 'ns1' || r.name === 'ns2')).toEqual([
      { name: 'ns1', type: 'A', data: addressOf(c.services.ns1) },
      { name: 'ns2', type: 'A', data: addressOf(c.services.ns2) },
    ]);
    expect(zone.records).toContainEqual({ name: 'www', pool: 'web' });
    const web = zone.pools.web;
    expect(web.members).toEqual([1, 2, 3].map((n) => ({ name: `web${n}`, address: addressOf(c.services[`web${n}`]) })));
    expect(web.health).toMatchObject({ kind: 'http', port: 80, path: '/healthz', expect: { status: 200, body: 'ok' } });
    expect(web.health.load).toEqual({ kind: 'nginx-stub-status', path: '/nginx_status' });
  });
});

describe('deploy/zones', () => {
  beforeAll(() => ensureBuilt());

  it('passes meridian check', async () => {
    const r = await runMeridian(['check', '--zones', path('deploy/zones')]);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '1 zone(s) OK: lb.example.test.\n', '']);
  });
});

describeWith('etcd', "the seed job's command", () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'meridian-seed-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('imports deploy/zones into an empty etcd, and leaves zones already there alone', async () => {
    const compose = parse(await read('docker-compose.yml')) as { services: { seed: { command: string[] } } };
    // as in the container (the image's entrypoint is the CLI, /zones mounted from deploy/zones)
    const args = compose.services.seed.command.map((a) => (a === '/zones' ? path('deploy/zones') : a));
    const etcd = await startEtcdCluster({ nodes: 1 });
    try {
      const env = { MERIDIAN_ETCD: etcd.endpoints.join(',') };
      const first = await runMeridian(args, { env });
      expect([first.code, first.stdout]).toEqual([0, 'imported 1 zone(s) into etcd: lb.example.test.\n']);
      const seeded = await etcdList(etcd.endpoints[0], '/meridian/zones/');
      expect(seeded).toEqual([{ key: '/meridian/zones/lb.example.test.', value: await read('deploy/zones/lb.example.test.yaml') }]);

      // an admin change made since must survive a second seeding
      await etcdPut(etcd.endpoints[0], '/meridian/zones/lb.example.test.', 'changed by the admin API');
      const second = await runMeridian(args, { env });
      expect([second.code, second.stdout]).toEqual([0, 'left 1 zone(s) etcd holds already: lb.example.test.\nimported 0 zone(s) into etcd\n']);
      expect(await etcdList(etcd.endpoints[0], '/meridian/zones/')).toEqual([{ key: '/meridian/zones/lb.example.test.', value: 'changed by the admin API' }]);
    } finally {
      await etcd.close();
    }
  }, 60_000);
});

describeWith('nginx', 'deploy/nginx/default.conf', () => {
  it('serves /healthz, /nginx_status and / as in the web containers', async () => {
    const port = await freePort();
    const conf = (await read('deploy/nginx/default.conf')).replace('listen 80;', `listen 127.0.0.1:${port};`);
    expect(conf).toContain(`listen 127.0.0.1:${port};`);
    const dir = await mkdtemp(join(tmpdir(), 'meridian-web-conf-'));
    await writeFile(join(dir, 'default.conf'), conf);
    const ngx = await startNginx({ http: `  include ${join(dir, 'default.conf')};` });
    try {
      const get = async (p: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${p}`);
        return [res.status, await res.text()];
      };
      expect(await get('/healthz')).toEqual([200, 'ok']);
      const [status, text] = await get('/nginx_status');
      expect(status).toBe(200);
      expect(text).toMatch(/^Active connections: \d+ \n/);
      const [rootStatus, hostname] = await get('/');
      expect([rootStatus, (hostname as string).endsWith('\n')]).toEqual([200, true]);
    } finally {
      await ngx.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

itWith('unbound', 'deploy/unbound/unbound.conf passes unbound-checkconf', async () => {
  const r = await exec('unbound-checkconf', [path('deploy/unbound/unbound.conf')], { env: process.env, timeoutMs: 10_000 });
  expect([r.code, r.stdout.trim()]).toEqual([0, `unbound-checkconf: no errors in ${path('deploy/unbound/unbound.conf')}`]);
});

describe('Dockerfile', () => {
  it('runs the built CLI as a non-root user with production dependencies only', async () => {
    const text = await read('Dockerfile');
    expect(text).toMatch(/^FROM node:20-bookworm-slim AS build$/m);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).toMatch(/^COPY --from=build \/src\/dist \.\/dist$/m);
    expect(text).toMatch(/ENTRYPOINT \["node", "dist\/src\/cli\/meridian.js"\]/);
    const pkg = JSON.parse(await read('package.json')) as { bin: Record<string, string> };
    expect(pkg.bin.meridian).toBe('dist/src/cli/meridian.js');
  });

  it('gives node the state directory the compose volumes mount', async () => {
    const text = await read('Dockerfile');
    expect(text).toMatch(/^RUN mkdir -p \/var\/lib\/meridian && chown node:node \/var\/lib\/meridian$/m);
    // the USER line comes after: the chown ran as root
    expect(text.indexOf('chown node:node /var/lib/meridian')).toBeLessThan(text.indexOf('USER node'));
  });
});

describe('the systemd unit', () => {
  /** The ```ini block of the README's "## systemd" section. */
  async function readmeUnit(): Promise<string> {
    const readme = await read('README.md');
    const section = /^## systemd\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
    const block = /^```ini\n([\s\S]*?)^```$/m.exec(section);
    if (!block) throw new Error('README.md has no ```ini block under "## systemd"');
    return block[1];
  }

  it('in the README is deploy/meridian.service, byte for byte', async () => {
    expect(await readmeUnit()).toBe(await read('deploy/meridian.service'));
  });

  it('runs as meridian with only CAP_NET_BIND_SERVICE, a read-only system and the token from an environment file', async () => {
    const lines = (await read('deploy/meridian.service')).split('\n');
    for (const line of [
      'Type=exec',
      'User=meridian',
      'EnvironmentFile=/etc/meridian/meridian.env',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'Restart=on-failure',
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ReadWritePaths=/etc/meridian/zones /var/lib/meridian',
    ]) {
      expect(lines).toContain(line);
    }
    const exec = lines.find((l) => l.startsWith('ExecStart='));
    expect(exec).toBe(
      'ExecStart=/usr/local/bin/meridian serve --zones /etc/meridian/zones --state /var/lib/meridian --listen 0.0.0.0:53 --listen [::]:53 --admin 127.0.0.1:8053',
    );
  });

  itWith('systemd-analyze', 'passes systemd-analyze verify without a warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meridian-unit-'));
    try {
      // verify wants ExecStart's program to exist: node stands in for /usr/local/bin/meridian
      const unit = (await read('deploy/meridian.service')).replaceAll('/usr/local/bin/meridian', process.execPath);
      await writeFile(join(dir, 'meridian.service'), unit);
      const r = await exec('systemd-analyze', ['verify', join(dir, 'meridian.service')], { cwd: dir, env: process.env, timeoutMs: 30_000 });
      expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
