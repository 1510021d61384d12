/**
 * A real Unbound resolver on loopback (Debian package unbound) that knows one zone through a
 * stub zone: the resolver in front of Meridian's instances, as in docker-compose.yml.
 *
 *   const ub = await startUnbound({ zone: 'lb.example.test.', nameservers: [{ host: '127.0.0.2', port }, { host: '127.0.0.3', port }] });
 *   // dig @127.0.0.1 -p ub.port www.lb.example.test  →  the answer, RA set, AA clear
 *   await ub.stop();
 *
 * It stays on loopback and never reaches the internet: only names in the zone are resolved
 * (`local-zone: "." refuse` answers REFUSED for everything else at once, so the root hints are
 * never used), the iterator alone runs (no DNSSEC validator, so no trust anchor to fetch), and
 * loopback name servers are allowed (`do-not-query-localhost: no`). Foreground (-d), no chroot,
 * no privilege drop, no remote control, logs on stderr, everything in a temporary directory.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersUdp } from './dns.mjs';
import { Service, forgetDir, freePort, removeOnExit, waitUntil } from './process.mjs';

const fqdn = (name) => (name.endsWith('.') ? name : `${name}.`);

/**
 * unbound.conf for a stub zone served by `nameservers`, listening on host:port.
 * @param {{ dir: string, host: string, port: number, zone: string, nameservers: { host: string, port: number }[], server?: string, verbosity?: number }} o
 */
export function unboundConf(o) {
  const zone = fqdn(o.zone);
  return `# written by scripts/topology/unbound.mjs
server:
  interface: ${o.host}
  port: ${o.port}
  # two resolvers must not share a port by accident (tests run in parallel)
  so-reuseport: no
  access-control: 127.0.0.0/8 allow
  directory: "${o.dir}"
  chroot: ""
  username: ""
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: ${o.verbosity ?? 1}
  num-threads: 1
  # the name servers are on loopback, which Unbound skips by default
  do-not-query-localhost: no
  # no DNSSEC validation: no trust anchor to read or fetch; the zone is not signed anyway
  module-config: "iterator"
  domain-insecure: "${zone}"
  # only the stub zone is resolved; every other name is refused without leaving the machine.
  # "transparent" also lifts Unbound's built-in local zones over it (test., invalid., …)
  local-zone: "." refuse
  local-zone: "${zone}" transparent
${o.server ?? ''}
stub-zone:
  name: "${zone}"
${o.nameservers.map((ns) => `  stub-addr: ${ns.host}@${ns.port}`).join('\n')}

remote-control:
  control-enable: no
`;
}

/**
 * @param {{ zone: string, nameservers: { host: string, port: number }[], host?: string, port?: number, server?: string, verbosity?: number, readyTimeoutMs?: number }} opts
 */
export async function startUnbound(opts) {
  const host = opts.host ?? '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), 'meridian-unbound-'));
  removeOnExit(dir);
  const conf = join(dir, 'unbound.conf');
  const removeDir = async () => {
    await rm(dir, { recursive: true, force: true });
    forgetDir(dir);
  };
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort([host]));
    await writeFile(conf, unboundConf({ ...opts, dir, host, port }));
    const service = new Service('unbound', 'unbound', ['-d', '-p', '-c', conf]);
    service.start();
    try {
      // a name outside the zone: Unbound refuses it itself, whatever the stub's servers are doing
      await waitUntil(() => answersUdp(host, port, 'ready.invalid'), { what: `unbound on ${host}:${port}`, service, timeoutMs: opts.readyTimeoutMs ?? 10_000 });
      return {
        host,
        port,
        dir,
        conf,
        output: () => service.output(),
        /** SIGTERM, then remove the directory. */
        async stop() {
          await service.stop();
          await removeDir();
        },
      };
    } catch (e) {
      await service.kill();
      if (opts.port !== undefined || !/address already in use/i.test(service.output()) || attempt >= 3) {
        await removeDir();
        throw e;
      }
    }
  }
}
