/**
 * dns: one query over UDP to address:port, by default `. SOA` (check.dnsName, check.dnsType),
 * without recursion desired. Up when a reply with our id and question comes back NOERROR within
 * the timeout; any other rcode is down (`DNS REFUSED`, `DNS SERVFAIL`…). Datagrams that are not
 * our reply are ignored; an ICMP port unreachable (ECONNREFUSED on the connected socket) is down.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { CheckResult, CheckTarget } from '../types.js';
import { describeSocketError, errorCode, probe, type Outcome } from './probe.js';

export const DEFAULT_DNS_NAME = '.';
export const DEFAULT_DNS_TYPE = 'SOA';

type Decoded = dnsPacket.Packet & { rcode?: string; flag_qr?: boolean };

export function checkDns(target: CheckTarget, signal: AbortSignal): Promise<CheckResult> {
  const { check } = target;
  return probe(
    {
      timeoutMs: check.timeoutMs,
      signal,
      onCut: (c) => (c.reason === 'timeout' ? `DNS timed out after ${c.timeoutMs} ms` : `DNS aborted after ${c.elapsedMs} ms`),
      onError: (err) => (errorCode(err) === 'ECONNREFUSED' ? 'DNS port unreachable (ECONNREFUSED)' : `DNS ${describeSocketError(err)}`),
    },
    async (abort): Promise<Outcome> => {
      const name = check.dnsName || DEFAULT_DNS_NAME;
      const type = (check.dnsType || DEFAULT_DNS_TYPE).toUpperCase();
      const id = randomInt(0, 0x10000);
      let query: Buffer;
      try {
        query = dnsPacket.encode({ type: 'query', id, flags: 0, questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }] });
      } catch (err) {
        return { ok: false, detail: `DNS query ${name} ${type} cannot be encoded: ${(err as Error).message}` };
      }
      const asked = dnsPacket.decode(query).questions?.[0];
      if (!asked || String(asked.type).startsWith('UNKNOWN')) return { ok: false, detail: `DNS type ${JSON.stringify(type)} is not known` };
      const reply = await exchange(target.address, check.port, query, (r) => r.id === id && sameQuestion(r, asked), abort);
      const rcode = reply.rcode ?? 'NOERROR';
      return { ok: rcode === 'NOERROR', detail: `DNS ${rcode}` };
    },
  );
}

function sameQuestion(reply: Decoded, asked: dnsPacket.Question): boolean {
  const q = reply.questions?.[0];
  // a reply may omit the question (some servers do on errors); the id then has to do
  if (!q) return true;
  return q.type === asked.type && q.name.toLowerCase() === asked.name.toLowerCase();
}

/** Send `query` on a connected UDP socket; resolve the first datagram `isOurs` accepts. */
function exchange(address: string, port: number, query: Buffer, isOurs: (r: Decoded) => boolean, abort: AbortSignal): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    const done = (fn: () => void) => {
      abort.removeEventListener('abort', onAbort);
      close();
      fn();
    };
    const close = () => {
      try {
        sock.close();
      } catch {
        // already closed
      }
    };
    const onAbort = () => {
      close();
      reject(abort.reason);
    };
    abort.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (err) => done(() => reject(err)));
    sock.on('message', (msg) => {
      let reply: Decoded;
      try {
        reply = dnsPacket.decode(msg) as Decoded;
      } catch {
        return; // not a DNS message: not ours
      }
      if (reply.type === 'response' && isOurs(reply)) done(() => resolve(reply));
    });
    sock.connect(port, address, () => sock.send(query));
  });
}
