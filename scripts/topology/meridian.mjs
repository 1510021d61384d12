/**
 * Meridian instances as processes (the built CLI, dist/src/cli/meridian.js), and the zone the
 * local topology serves.
 *
 *   await etcdImport({ zones: dir, etcd: cluster.endpoints });            // meridian etcd import
 *   const ns1 = await startMeridian({ host: '127.0.0.2', port, etcd: cluster.endpoints, identity: 'ns1', token });
 *   await fetch(`${ns1.adminUrl}/healthz`);
 *   await ns1.kill(); await ns1.start();                                  // same flags, same state dir
 *   await ns1.close();                                                    // stop; remove a temp state dir
 *
 * Children never inherit MERIDIAN_* from the caller's environment: every setting is a flag here,
 * except the admin token (MERIDIAN_ADMIN_TOKEN, as an operator would keep it out of `ps`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersDns } from './dns.mjs';
import { Service, accepts, bracket, forgetDir, freePort, removeOnExit, waitUntil } from './process.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli/meridian.js');

/** Our environment without MERIDIAN_*, plus `extra`. */
export function childEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MERIDIAN_')));
  return { ...env, ...extra };
}

const list = (urls) => (Array.isArray(urls) ? urls.join(',') : urls);

/** `meridian ARGS…` to completion: { code, stdout, stderr }; never rejects. */
export function runMeridian(args, { env = {}, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv(env), timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** Seed etcd from a zones directory (`meridian etcd import`); rejects with the output on failure. */
export async function etcdImport({ zones, etcd, prefix }) {
  const args = ['etcd', 'import', '--zones', zones, '--etcd', list(etcd), ...(prefix ? ['--etcd-prefix', prefix] : [])];
  const r = await runMeridian(args);
  if (r.code !== 0) throw new Error(`meridian ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r;
}

/**
 * `meridian serve` on host:port (UDP and TCP), zones from etcd (`etcd`) or from a directory
 * (`zones`); resolves once DNS answers on both transports and, with an admin port, GET /healthz
 * does. Without `port`, a free one (retried if taken in between).
 * @param {{ host?: string, port?: number, etcd?: string | string[], prefix?: string, zones?: string,
 *   adminPort?: number | null, token?: string, stateDir?: string, identity?: string, logLevel?: string,
 *   args?: string[], env?: Record<string, string>, readyTimeoutMs?: number }} opts
 */
export async function startMeridian(opts) {
  const host = opts.host ?? '127.0.0.1';
  const ownState = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'meridian-state-')));
  if (ownState) removeOnExit(stateDir);
  const identity = opts.identity ?? `meridian-${host}`;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort([host]));
    const adminPort = opts.adminPort === null ? null : (opts.adminPort ?? (await freePort(['127.0.0.1'], [port])));
    const args = [
      CLI, 'serve',
      '--listen', `${bracket(host)}:${port}`,
      ...(opts.etcd ? ['--etcd', list(opts.etcd), ...(opts.prefix ? ['--etcd-prefix', opts.prefix] : [])] : []),
      ...(opts.zones ? ['--zones', opts.zones] : []),
      '--admin', adminPort === null ? 'off' : `127.0.0.1:${adminPort}`,
      '--state', stateDir,
      '--identity', identity,
      '--log-level', opts.logLevel ?? 'info',
      ...(opts.args ?? []),
    ];
    const env = childEnv({ ...(opts.token ? { MERIDIAN_ADMIN_TOKEN: opts.token } : {}), ...opts.env });
    const service = new Service(identity, process.execPath, args, { cwd: ROOT, env });
    const adminUrl = adminPort === null ? null : `http://127.0.0.1:${adminPort}`;
    const ready = async () => {
      await waitUntil(
        async () => (await answersDns(host, port)) && (adminUrl === null || (await adminHealthy(adminUrl))),
        { what: `meridian ${identity} answering on ${host}:${port}`, service, timeoutMs: opts.readyTimeoutMs ?? 20_000, intervalMs: 100 },
      );
    };
    service.start();
    try {
      await ready();
    } catch (e) {
      await service.kill();
      if (opts.port !== undefined || !/EADDRINUSE/.test(service.output()) || attempt >= 3) {
        if (ownState) await removeState(stateDir);
        throw e;
      }
      continue;
    }
    return {
      identity,
      host,
      port,
      adminPort,
      adminUrl,
      token: opts.token,
      stateDir,
      get alive() {
        return service.alive;
      },
      output: () => service.output(),
      /** The pino lines printed so far, parsed (other lines left out). */
      logs: () => parseLogs(service.output()),
      /** Send a signal (SIGHUP…) to the process. */
      signal: (sig) => service.signalGroup(sig),
      /** SIGKILL, as a crash would; start() brings it back with the same flags and state. */
      kill: () => service.kill(),
      /** Start again (after kill() or stop()); resolves once it answers. */
      async start() {
        service.start();
        await ready();
      },
      /** SIGTERM (SIGKILL after `graceMs`); the state directory stays. */
      stop: (graceMs) => service.stop(graceMs),
      /** Stop, and remove the state directory if startMeridian made it. */
      async close() {
        await service.stop();
        if (ownState) await removeState(stateDir);
      },
    };
  }
}

async function removeState(dir) {
  await rm(dir, { recursive: true, force: true });
  forgetDir(dir);
}

async function adminHealthy(url) {
  const port = Number(new URL(url).port);
  if (!(await accepts('127.0.0.1', port))) return false;
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

function parseLogs(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a line cut at the 64 KiB window, or not pino's
    }
  }
  return out;
}

/**
 * The zone the local topology serves: ns1/ns2 at the instances' addresses, `www` a
 * least-connections pool of the nginx backends (http /healthz checks, nginx stub_status load),
 * `static` a plain record. Health timings are short so failover shows within seconds.
 * @param {{ zone?: string, nameservers: string[], backends: { host: string, port: number }[], serial?: number }} o
 */
export function topologyZone(o) {
  const zone = o.zone ?? 'lb.example.test.';
  const members = o.backends.map((b, i) => `      - { name: web${i + 1}, address: ${b.host}, health: { port: ${b.port} } }`);
  return `# written by scripts/topology/meridian.mjs: the local topology's zone
zone: ${zone}
ttl: 300
soa: { mname: ns1.${zone}, rname: hostmaster.${zone}, serial: ${o.serial ?? 1}, refresh: 3600, retry: 600, expire: 604800, minimum: 60 }
ns: [${o.nameservers.map((_, i) => `ns${i + 1}.${zone}`).join(', ')}]
records:
${o.nameservers.map((a, i) => `  - { name: ns${i + 1}, type: A, data: ${a} }`).join('\n')}
  - { name: static, type: A, data: 192.0.2.10 }
  - { name: www, pool: web }
pools:
  web:
    algorithm: least-connections
    ttl: 5
    health:
      kind: http
      path: /healthz
      expect: { status: 200, body: ok }
      interval: 1s
      timeout: 500ms
      rise: 2
      fall: 2
      load: { kind: nginx-stub-status, path: /nginx_status }
    members:
${members.join('\n')}
`;
}
