// Types for scripts/topology/dns.mjs.
export function queryMessage(name: string, type?: number, klass?: number, id?: number): Buffer;
export function answersUdp(host: string, port: number, name?: string, timeoutMs?: number): Promise<boolean>;
export function answersTcp(host: string, port: number, name?: string, timeoutMs?: number): Promise<boolean>;
export function answersDns(host: string, port: number, name?: string): Promise<boolean>;
