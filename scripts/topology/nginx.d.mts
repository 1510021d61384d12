// Types for scripts/topology/nginx.mjs.
import type { Exit } from './process.mjs';

export interface NginxOptions {
  /** listen on these addresses, all on one free port (default 127.0.0.1) */
  hosts?: string[];
  /** more directives inside `server { }` (locations…) */
  server?: string;
  /** more directives inside `http { }` */
  http?: string;
  /** how long to wait for nginx to accept connections (default 10 s) */
  readyTimeoutMs?: number;
  /** name in messages (default nginx) */
  name?: string;
}

export interface NginxServer {
  port: number;
  hosts: string[];
  /** the prefix directory holding nginx.conf, logs and temp paths */
  dir: string;
  readonly alive: boolean;
  /** "http://127.0.0.1:PORT/path" (first host unless given; IPv6 bracketed) */
  url(path: string, host?: string): string;
  /** stderr and stdout so far */
  output(): string;
  /** SIGKILL master and workers, as a crash would; start() brings it back */
  kill(): Promise<Exit>;
  /** start again on the same port (after kill()) */
  start(): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s), then remove the prefix directory */
  stop(): Promise<void>;
}

export function nginxConf(dir: string, hosts: string[], port: number, opts?: NginxOptions): string;
export function startNginx(opts?: NginxOptions): Promise<NginxServer>;
export function startNginxBackends(count: number, opts?: { addresses?: string[]; server?: string; http?: string }): Promise<NginxServer[]>;
