// Types for scripts/topology/unbound.mjs.
export interface Nameserver {
  host: string;
  port: number;
}

export interface UnboundOptions {
  /** the stub zone, e.g. lb.example.test. (trailing dot optional) */
  zone: string;
  /** its name servers: one stub-addr each */
  nameservers: Nameserver[];
  /** listen address (default 127.0.0.1) */
  host?: string;
  /** listen port (default a free one) */
  port?: number;
  /** more lines inside `server:` */
  server?: string;
  verbosity?: number;
  readyTimeoutMs?: number;
}

export interface UnboundServer {
  host: string;
  port: number;
  dir: string;
  /** the unbound.conf in use */
  conf: string;
  output(): string;
  /** SIGTERM, then remove the directory */
  stop(): Promise<void>;
}

export function unboundConf(o: UnboundOptions & { dir: string; host: string; port: number }): string;
export function startUnbound(opts: UnboundOptions): Promise<UnboundServer>;
