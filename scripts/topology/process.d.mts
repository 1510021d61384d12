// Types for scripts/topology/process.mjs.
import type { ChildProcess } from 'node:child_process';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function removeOnExit(dir: string): void;
export function forgetDir(dir: string): void;
/** The caller handles SIGINT, SIGTERM and SIGHUP itself; by default they exit through the cleanup. */
export function handleSignalsYourself(): void;

export class Service {
  constructor(name: string, command: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string });
  readonly name: string;
  readonly command: string;
  readonly args: string[];
  child: ChildProcess | undefined;
  exit: Exit | undefined;
  exited: Promise<Exit>;
  readonly alive: boolean;
  readonly pid: number | undefined;
  start(): this;
  output(): string;
  signalGroup(sig: NodeJS.Signals): void;
  kill(): Promise<Exit>;
  stop(graceMs?: number): Promise<Exit>;
}

export function waitUntil<T>(
  check: () => Promise<T> | T,
  opts: { timeoutMs?: number; intervalMs?: number; what: string; service?: Service },
): Promise<T>;

export function bindUdp(host: string, port: number): Promise<import('node:dgram').Socket>;
export function bindTcp(host: string, port: number): Promise<import('node:net').Server>;
export function closeAll(socks: Array<import('node:dgram').Socket | import('node:net').Server>): Promise<void[]>;
export function freePort(hosts?: string[], exclude?: Iterable<number>): Promise<number>;
export function freePorts(count: number, hosts?: string[]): Promise<number[]>;
export function accepts(host: string, port: number, timeoutMs?: number): Promise<boolean>;
export function bracket(host: string): string;
