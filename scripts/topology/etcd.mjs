/**
 * A real etcd cluster on loopback (Debian's etcd-server, etcd 3.4; the flags are the same in 3.5).
 *
 *   const etcd = await startEtcdCluster({ nodes: 3 });        // dataDir: a temp dir unless given
 *   etcd.endpoints;                                          // ['http://127.0.0.1:P1', …]
 *   await etcdPut(etcd.endpoints[0], 'k', 'v');              // the v3 JSON gateway, no client needed
 *   await etcd.nodes[0].kill();                              // SIGKILL one member; data dir kept
 *   await etcd.nodes[0].start();                             // same ports, same data: it rejoins
 *   await etcd.stop(); await etcd.start();                   // all down, all up again, data kept
 *   await etcd.close();                                      // stop, and remove a temp data dir
 *
 * Every node listens for clients and peers on free ports of 127.0.0.1, with a static
 * --initial-cluster. Ports are fixed for the cluster's life (members know each other by URL), so a
 * restarted node comes back where it was. Health is read over HTTP (GET /health: "true" once the
 * member sees a leader): Debian packs etcdctl separately (etcd-client), so nothing needs it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service, accepts, forgetDir, freePorts, removeOnExit, waitUntil } from './process.mjs';

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** POST a v3 gateway call (`/v3/kv/put`…) and return the parsed JSON; throws on HTTP errors. */
export async function etcdCall(endpoint, path, body, timeoutMs = 2000) {
  const res = await fetch(`${endpoint}/v3/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${endpoint} /v3/${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

/** Put `key` = `value`; resolves the revision of the write. */
export async function etcdPut(endpoint, key, value, timeoutMs) {
  const r = await etcdCall(endpoint, 'kv/put', { key: b64(key), value: b64(value) }, timeoutMs);
  return Number(r.header.revision);
}

/** The value of `key` (a linearizable read: needs a quorum), or undefined. */
export async function etcdGet(endpoint, key, timeoutMs) {
  const r = await etcdCall(endpoint, 'kv/range', { key: b64(key) }, timeoutMs);
  return r.kvs?.length ? unb64(r.kvs[0].value) : undefined;
}

/** Every key under `prefix` with its value, sorted by key. */
export async function etcdList(endpoint, prefix, timeoutMs) {
  const end = Buffer.from(prefix, 'utf8');
  end[end.length - 1] += 1; // range_end = prefix with its last byte incremented
  const r = await etcdCall(endpoint, 'kv/range', { key: b64(prefix), range_end: end.toString('base64') }, timeoutMs);
  return (r.kvs ?? []).map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value) }));
}

/** A member's view: its id, the leader it follows (id; "0" for none) and the raft term. */
export async function etcdStatus(endpoint, timeoutMs) {
  const r = await etcdCall(endpoint, 'maintenance/status', {}, timeoutMs);
  return { member: String(r.header.member_id), leader: String(r.leader ?? '0'), term: Number(r.raftTerm ?? r.raft_term ?? 0) };
}

/** Whether GET /health says true (the member has a leader and no alarm). */
export async function etcdHealthy(endpoint, timeoutMs = 1000) {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok && (await res.json()).health === 'true';
  } catch {
    return false;
  }
}

/**
 * @param {{ nodes?: number, dataDir?: string, host?: string, readyTimeoutMs?: number, logLevel?: string }} [opts]
 */
export async function startEtcdCluster(opts = {}) {
  const count = opts.nodes ?? 3;
  const host = opts.host ?? '127.0.0.1';
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'meridian-etcd-')));
  if (ownDir) removeOnExit(dataDir);
  for (let attempt = 1; ; attempt++) {
    const cluster = await createCluster({ count, host, dataDir, ownDir, logLevel: opts.logLevel ?? 'warn' });
    try {
      await cluster.start({ timeoutMs: opts.readyTimeoutMs });
      return cluster;
    } catch (e) {
      await cluster.stop(1000);
      const clash = cluster.nodes.some((n) => /address already in use/i.test(n.output()));
      if (!clash || attempt >= 3) {
        if (ownDir) await cluster.close();
        throw e;
      }
      // another process took one of the ports between freePorts() and etcd's bind: new ports
      for (const n of cluster.nodes) await rm(n.dataDir, { recursive: true, force: true });
    }
  }
}

async function createCluster({ count, host, dataDir, ownDir, logLevel }) {
  const ports = await freePorts(2 * count, [host]);
  const token = `meridian-${randomBytes(6).toString('hex')}`;
  const specs = Array.from({ length: count }, (_, i) => ({
    name: `etcd${i + 1}`,
    clientUrl: `http://${host}:${ports[2 * i]}`,
    peerUrl: `http://${host}:${ports[2 * i + 1]}`,
    dataDir: join(dataDir, `etcd${i + 1}`),
  }));
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
  const nodes = [];
  for (const s of specs) {
    await mkdir(s.dataDir, { recursive: true, mode: 0o700 });
    const args = [
      '--name', s.name,
      '--data-dir', s.dataDir,
      '--listen-client-urls', s.clientUrl,
      '--advertise-client-urls', s.clientUrl,
      '--listen-peer-urls', s.peerUrl,
      '--initial-advertise-peer-urls', s.peerUrl,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', 'new',   // ignored once the data dir holds a member: restarts rejoin
      '--initial-cluster-token', token,
      '--logger', 'zap',
      '--log-outputs', 'stderr',
      '--log-level', logLevel,
    ];
    const service = new Service(s.name, 'etcd', args);
    nodes.push({
      ...s,
      get alive() {
        return service.alive;
      },
      output: () => service.output(),
      /** Spawn again (same ports and data); resolves once the client port accepts connections. */
      async start() {
        service.start();
        const port = Number(new URL(s.clientUrl).port);
        await waitUntil(() => accepts(host, port), { what: `${s.name} listening`, service, timeoutMs: 15_000 });
      },
      kill: () => service.kill(),
      stop: (graceMs) => service.stop(graceMs),
    });
  }
  const endpoints = specs.map((s) => s.clientUrl);
  return {
    endpoints,
    nodes,
    dataDir,
    /** Wait until every running member reports healthy (it has a leader). */
    async waitHealthy(timeoutMs = 30_000) {
      const up = nodes.filter((n) => n.alive);
      await waitUntil(async () => (await Promise.all(up.map((n) => etcdHealthy(n.clientUrl)))).every(Boolean), {
        what: `etcd cluster healthy (${up.map((n) => n.name).join(', ')})`,
        timeoutMs,
        intervalMs: 100,
      }).catch((e) => {
        throw new Error(`${e.message}\n${nodes.map((n) => n.output()).join('\n')}`);
      });
    },
    /** Start every member not running, then wait until the cluster is healthy. */
    async start({ timeoutMs } = {}) {
      await Promise.all(nodes.filter((n) => !n.alive).map((n) => n.start()));
      await this.waitHealthy(timeoutMs);
    },
    /**
     * Stop every member (SIGTERM), one after the other; the data stays for start(). All at once,
     * a leader's shutdown waits for a leadership transfer to followers that are going away too
     * (seconds); in turn each takes about 0.1 s.
     */
    async stop(graceMs) {
      for (const n of nodes) await n.stop(graceMs);
    },
    /** Stop, and remove the data directory if startEtcdCluster made it. */
    async close() {
      await this.stop();
      if (ownDir) {
        await rm(dataDir, { recursive: true, force: true });
        forgetDir(dataDir);
      }
    },
  };
}
