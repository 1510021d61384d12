/**
 * A real etcd cluster on loopback for tests (Debian package etcd-server; gate with
 * `describeWith('etcd', …)`). The implementation is scripts/topology/etcd.mjs, shared with
 * `node scripts/topology.mjs up`.
 *
 *   const etcd = await startEtcdCluster({ nodes: 3 });       // temp data dir, free ports
 *   afterAll(() => etcd.close());
 *   await etcdPut(etcd.endpoints[0], '/meridian/x', 'v');
 *   await etcd.nodes[0].kill(); await etcd.nodes[0].start();
 *   await etcd.stop(); await etcd.start();                   // data kept
 *   await leaderOf(etcd);                                    // index of the node that leads
 *
 * Reads and writes go through etcd's v3 JSON gateway (Debian packs etcdctl in etcd-client).
 */
import {
  etcdCall,
  etcdGet,
  etcdHealthy,
  etcdList,
  etcdPut,
  etcdStatus,
  startEtcdCluster,
  type EtcdCluster,
} from '../../scripts/topology/etcd.mjs';

export { etcdCall, etcdGet, etcdHealthy, etcdList, etcdPut, etcdStatus, startEtcdCluster };
export type { EtcdCluster, EtcdClusterOptions, EtcdNode } from '../../scripts/topology/etcd.mjs';

/**
 * The index in `cluster.nodes` of the leader every running member agrees on; waits for one
 * (an election after a kill takes about a second).
 */
export async function leaderOf(cluster: EtcdCluster, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const up = cluster.nodes.map((n, i) => ({ n, i })).filter(({ n }) => n.alive);
    const views = await Promise.all(up.map(({ n }) => etcdStatus(n.clientUrl, 1000).catch((e: Error) => e)));
    const ok = views.every((v) => !(v instanceof Error));
    if (ok) {
      const statuses = views as { member: string; leader: string }[];
      const leader = statuses[0].leader;
      const at = statuses.findIndex((s) => s.member === leader);
      if (leader !== '0' && at >= 0 && statuses.every((s) => s.leader === leader)) return up[at].i;
    }
    last = JSON.stringify(views.map((v) => (v instanceof Error ? v.message : v)));
    if (Date.now() > deadline) throw new Error(`no agreed etcd leader in time: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Put, retrying through an election (a write during one fails): resolves the revision. */
export async function etcdPutEventually(endpoint: string, key: string, value: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await etcdPut(endpoint, key, value, 1000);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
