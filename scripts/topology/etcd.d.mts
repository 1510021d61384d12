// Types for scripts/topology/etcd.mjs.
import type { Exit } from './process.mjs';

export interface EtcdNode {
  /** etcd1, etcd2, … */
  name: string;
  /** http://127.0.0.1:PORT */
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  readonly alive: boolean;
  output(): string;
  /** Spawn again with the same ports and data; resolves once the client port accepts. */
  start(): Promise<void>;
  /** SIGKILL; the data directory stays. */
  kill(): Promise<Exit>;
  /** SIGTERM (SIGKILL after graceMs); the data directory stays. */
  stop(graceMs?: number): Promise<Exit>;
}

export interface EtcdCluster {
  endpoints: string[];
  nodes: EtcdNode[];
  dataDir: string;
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Start every member not running, then wait until healthy. */
  start(opts?: { timeoutMs?: number }): Promise<void>;
  /** Stop every member, one after the other; data kept. */
  stop(graceMs?: number): Promise<void>;
  /** Stop, and remove the data directory if startEtcdCluster made it. */
  close(): Promise<void>;
}

export interface EtcdClusterOptions {
  /** members (default 3) */
  nodes?: number;
  /** parent of the members' data directories; default a temporary directory removed by close() */
  dataDir?: string;
  /** address for client and peer URLs (default 127.0.0.1) */
  host?: string;
  readyTimeoutMs?: number;
  /** etcd --log-level (default warn) */
  logLevel?: string;
}

export function startEtcdCluster(opts?: EtcdClusterOptions): Promise<EtcdCluster>;
export function etcdCall(endpoint: string, path: string, body: unknown, timeoutMs?: number): Promise<any>;
export function etcdPut(endpoint: string, key: string, value: string, timeoutMs?: number): Promise<number>;
export function etcdGet(endpoint: string, key: string, timeoutMs?: number): Promise<string | undefined>;
export function etcdList(endpoint: string, prefix: string, timeoutMs?: number): Promise<{ key: string; value: string }[]>;
export function etcdStatus(endpoint: string, timeoutMs?: number): Promise<{ member: string; leader: string; term: number }>;
export function etcdHealthy(endpoint: string, timeoutMs?: number): Promise<boolean>;
