// Types for scripts/topology.mjs.
import type { EtcdCluster } from './topology/etcd.mjs';
import type { MeridianInstance } from './topology/meridian.mjs';
import type { NginxServer } from './topology/nginx.mjs';
import type { UnboundServer } from './topology/unbound.mjs';

export * from './topology/etcd.mjs';
export * from './topology/meridian.mjs';
export * from './topology/nginx.mjs';
export * from './topology/unbound.mjs';
export { answersDns, answersTcp, answersUdp } from './topology/dns.mjs';
export { freePort, freePorts } from './topology/process.mjs';

export const NS_ADDRESSES: string[];
export const WEB_ADDRESSES: string[];

export interface Topology {
  /** the directory holding etcd data, zones and state */
  dir: string;
  /** lb.example.test. */
  zone: string;
  /** the admin API token of both instances */
  token: string;
  /** etcd key prefix */
  prefix: string;
  /** the zones directory etcd was seeded from */
  zones: string;
  etcd: EtcdCluster;
  /** web1, web2, web3 on 127.0.0.11-13 */
  web: NginxServer[];
  /** ns1 (127.0.0.2) and ns2 (127.0.0.3), one port */
  ns: MeridianInstance[];
  unbound: UnboundServer;
  stop(): Promise<void>;
}

export function up(opts?: { zone?: string; token?: string; prefix?: string; dir?: string }): Promise<Topology>;
export function describeTopology(t: Topology): string;
