#!/usr/bin/env node
/**
 * The docker-compose.yml topology without Docker, on loopback: a 3-node etcd cluster, three nginx
 * backends, two Meridian instances (ns1 on 127.0.0.2, ns2 on 127.0.0.3, one port) serving the
 * zone from etcd, and Unbound with a stub zone pointing at both.
 *
 *   node scripts/topology.mjs up          # start it, print the addresses; Ctrl-C stops it all
 *
 *   import { up } from './scripts/topology.mjs';
 *   const t = await up();                 // t.etcd, t.web, t.ns (ns1, ns2), t.unbound, t.token
 *   await t.stop();                       // everything down, temporary directory removed
 *
 * The pieces are exported too (startEtcdCluster, startNginxBackends, startUnbound, startMeridian,
 * etcdImport…): the tests use them through test/helpers/{etcd,unbound,topology,nginx}.ts. Needs the
 * Debian packages etcd-server, nginx and unbound, and the built CLI (npm run build). Nothing is
 * downloaded; every port is a free one picked at start.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEtcdCluster } from './topology/etcd.mjs';
import { CLI, etcdImport, runMeridian, startMeridian, topologyZone } from './topology/meridian.mjs';
import { startNginxBackends } from './topology/nginx.mjs';
import { forgetDir, freePort, handleSignalsYourself, removeOnExit } from './topology/process.mjs';
import { startUnbound } from './topology/unbound.mjs';

export * from './topology/etcd.mjs';
export * from './topology/meridian.mjs';
export * from './topology/nginx.mjs';
export * from './topology/unbound.mjs';
export { answersDns, answersTcp, answersUdp } from './topology/dns.mjs';
export { freePort, freePorts } from './topology/process.mjs';

/** The instances' addresses and the backends' (all in 127/8, which Linux routes to lo). */
export const NS_ADDRESSES = ['127.0.0.2', '127.0.0.3'];
export const WEB_ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];

/** Stop what started, in reverse order, whatever fails. */
async function stopAll(stops) {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}

/** ns1 and ns2 on one port free on both addresses (picked again if taken in between). */
async function startInstances(common) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(NS_ADDRESSES);
    const started = [];
    try {
      for (const [i, host] of NS_ADDRESSES.entries()) {
        const name = `ns${i + 1}`;
        started.push(await startMeridian({ ...common, host, port, identity: name, stateDir: join(common.dir, name) }));
      }
      return started;
    } catch (e) {
      await stopAll(started.map((m) => () => m.close()));
      if (!/EADDRINUSE/.test(e.message) || attempt >= 3) throw e;
    }
  }
}

/**
 * Start the whole topology.
 * @param {{ zone?: string, token?: string, prefix?: string, dir?: string }} [opts]
 */
export async function up(opts = {}) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const help = await runMeridian(['serve', '--help']);
  if (!help.stdout.includes('--etcd')) throw new Error('this build of meridian serve has no --etcd flag (npm run build?)');
  const zone = opts.zone ?? 'lb.example.test.';
  const token = opts.token ?? randomBytes(16).toString('hex');
  const prefix = opts.prefix ?? '/meridian/';
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'meridian-topology-')));
  if (ownDir) removeOnExit(dir);
  const stops = [];
  try {
    const [etcd, web] = await Promise.all([
      startEtcdCluster({ nodes: 3, dataDir: join(dir, 'etcd') }),
      startNginxBackends(3, { addresses: WEB_ADDRESSES }),
    ]);
    stops.push(() => etcd.stop(), ...web.map((w) => () => w.stop()));
    const zones = join(dir, 'zones');
    await mkdir(zones, { recursive: true });
    const backends = web.map((w) => ({ host: w.hosts[0], port: w.port }));
    await writeFile(join(zones, `${zone.replace(/\.$/, '')}.yaml`), topologyZone({ zone, nameservers: NS_ADDRESSES, backends }));
    await etcdImport({ zones, etcd: etcd.endpoints, prefix });
    const ns = await startInstances({ etcd: etcd.endpoints, prefix, token, dir });
    stops.push(...ns.map((m) => () => m.stop()));
    const unbound = await startUnbound({ zone, nameservers: ns.map((m) => ({ host: m.host, port: m.port })) });
    stops.push(() => unbound.stop());
    return {
      dir,
      zone,
      token,
      prefix,
      zones,
      etcd,
      web,
      ns,
      unbound,
      /** Stop everything (reverse order) and remove the directory if up() made it. */
      async stop() {
        await stopAll(stops);
        if (ownDir) {
          await rm(dir, { recursive: true, force: true });
          forgetDir(dir);
        }
      },
    };
  } catch (e) {
    await stopAll(stops);
    if (ownDir) {
      await rm(dir, { recursive: true, force: true });
      forgetDir(dir);
    }
    throw e;
  }
}

/** What `up` prints: every address, and commands to try. */
export function describeTopology(t) {
  const zone = t.zone.replace(/\.$/, '');
  const [ns1] = t.ns;
  return [
    `Meridian topology on loopback (files in ${t.dir}; Ctrl-C stops everything and removes them)`,
    `  etcd     ${t.etcd.endpoints.join(',')}   prefix ${t.prefix}`,
    ...t.web.map((w, i) => `  web${i + 1}     ${w.url('/')}   (/healthz, /nginx_status)`),
    ...t.ns.map((m) => `  ${m.identity}      ${m.host}:${m.port} (DNS, UDP and TCP)   admin ${m.adminUrl}`),
    `  unbound  127.0.0.1:${t.unbound.port} (stub zone ${t.zone} → ${t.ns.map((m) => `${m.host}@${m.port}`).join(', ')})`,
    `  token    ${t.token}`,
    '',
    'Try:',
    `  dig @127.0.0.1 -p ${t.unbound.port} www.${zone}                 # through the resolver: ra, no aa`,
    `  dig @${ns1.host} -p ${ns1.port} www.${zone} +norec          # one instance: aa`,
    `  curl -s -H 'Authorization: Bearer ${t.token}' ${ns1.adminUrl}/api/v1/zones`,
    `  curl -s '${t.etcd.endpoints[0]}/health'`,
    '',
  ].join('\n');
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command !== 'up' || rest.length > 0) {
    process.stderr.write('usage: node scripts/topology.mjs up\n');
    process.exit(2);
  }
  // Ctrl-C while starting exits through process.mjs's hook, which kills what has started
  const t = await up();
  handleSignalsYourself();
  process.stdout.write(describeTopology(t));
  let stopping = false;
  const shutdown = async (sig) => {
    if (stopping) process.exit(1); // a second Ctrl-C: the exit hook kills what is left
    stopping = true;
    process.stdout.write(`\n${sig}: stopping…\n`);
    await t.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`topology: ${e.stack ?? e}\n`);
    process.exit(1);
  });
}
