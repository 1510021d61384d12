// Types for scripts/topology/meridian.mjs.
import type { Exit } from './process.mjs';

export const ROOT: string;
export const CLI: string;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function childEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
export function runMeridian(args: string[], opts?: { env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>;
export function etcdImport(opts: { zones: string; etcd: string | string[]; prefix?: string }): Promise<RunResult>;

export interface MeridianOptions {
  /** listen address (default 127.0.0.1), UDP and TCP */
  host?: string;
  /** listen port (default a free one) */
  port?: number;
  /** zones from etcd: client URLs */
  etcd?: string | string[];
  /** --etcd-prefix */
  prefix?: string;
  /** zones from a directory instead */
  zones?: string;
  /** admin API port on 127.0.0.1 (default a free one; null: --admin off) */
  adminPort?: number | null;
  /** MERIDIAN_ADMIN_TOKEN */
  token?: string;
  /** --state (default a temporary directory removed by close()) */
  stateDir?: string;
  /** --identity (default meridian-HOST) */
  identity?: string;
  logLevel?: string;
  /** more arguments after the others */
  args?: string[];
  /** more environment (MERIDIAN_* from the caller's environment are never passed) */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface MeridianInstance {
  identity: string;
  host: string;
  port: number;
  adminPort: number | null;
  /** http://127.0.0.1:PORT, or null with the admin API off */
  adminUrl: string | null;
  token: string | undefined;
  stateDir: string;
  readonly alive: boolean;
  output(): string;
  logs(): (Record<string, unknown> & { level?: number; msg?: string })[];
  signal(sig: NodeJS.Signals): void;
  kill(): Promise<Exit>;
  start(): Promise<void>;
  stop(graceMs?: number): Promise<Exit>;
  close(): Promise<void>;
}

export function startMeridian(opts: MeridianOptions): Promise<MeridianInstance>;
export function topologyZone(o: { zone?: string; nameservers: string[]; backends: { host: string; port: number }[]; serial?: number }): string;
