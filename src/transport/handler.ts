/**
 * Bytes in, bytes out: parse → pipeline → encode, with the size limit for the transport. The one
 * point every packet passes, where response rate limiting and DNS Cookies will sit (ROADMAP).
 * Never throws: an internal error becomes SERVFAIL and is reported through `onError`.
 */
import { emptyAnswer, RCODE } from '../wire/answer.js';
import { parseQuery } from '../wire/query.js';
import { encodeResponse, type EncodeOptions } from '../wire/response.js';
import { runPipeline } from '../pipeline/run.js';
import type { Snapshot } from '../pipeline/snapshot.js';

export interface HandlerOptions {
  /** largest UDP payload we send, whatever the client offers (default 1232) */
  maxUdpPayload: number;
  getSnapshot(): Snapshot;
  onError(err: unknown, packet: Buffer): void;
  /** called after each answered query (query log, counters) */
  onQuery?(info: { qname: Buffer; qtype: number; rcode: number; transport: 'udp' | 'tcp'; address: string; size: number; tc: boolean }): void;
}

export interface Stats {
  received: number;
  dropped: number;
  /** responses by rcode (index) */
  rcodes: number[];
  truncated: number;
  errors: number;
  /** queries answered, by QTYPE below 256 (index); higher types in `otherTypes` */
  qtypes: Float64Array;
  otherTypes: Map<number, number>;
}

export function createHandler(opts: HandlerOptions) {
  const scratch = Buffer.allocUnsafe(65536);
  const stats: Stats = { received: 0, dropped: 0, rcodes: new Array(24).fill(0), truncated: 0, errors: 0, qtypes: new Float64Array(256), otherTypes: new Map() };
  const enc: EncodeOptions = { limit: 512, ednsUdpSize: opts.maxUdpPayload, nsid: null };

  /** Returns the response in a shared scratch buffer (valid until the next call) and its length, or 0 to drop. */
  function handle(packet: Buffer, transport: 'udp' | 'tcp', address: string, port: number): number {
    stats.received++;
    const q = parseQuery(packet);
    if (!q) {
      stats.dropped++;
      return 0;
    }
    const snapshot = opts.getSnapshot();
    let answer;
    try {
      answer = runPipeline(snapshot, q, transport, address, port);
    } catch (err) {
      stats.errors++;
      opts.onError(err, packet);
      answer = emptyAnswer();
      answer.rcode = RCODE.SERVFAIL;
    }
    enc.nsid = snapshot.identity.nsid;
    enc.limit = transport === 'tcp' ? 65535 : q.edns ? Math.min(q.edns.udpSize, opts.maxUdpPayload) : 512;
    const len = encodeResponse(q, answer, enc, scratch);
    stats.rcodes[answer.rcode]++;
    if (q.qtype < 256) stats.qtypes[q.qtype]++;
    else stats.otherTypes.set(q.qtype, (stats.otherTypes.get(q.qtype) ?? 0) + 1);
    const tc = (scratch[2] & 0x02) !== 0;
    if (tc) stats.truncated++;
    opts.onQuery?.({ qname: q.qname, qtype: q.qtype, rcode: answer.rcode, transport, address, size: len, tc });
    return len;
  }

  return { handle, scratch, stats };
}

export type Handler = ReturnType<typeof createHandler>;
