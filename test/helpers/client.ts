/**
 * A dns-packet client for what dig and kdig cannot produce: raw bytes, odd flags, bound source
 * addresses. `query` encodes a question, sends it over UDP or TCP and decodes the reply.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';

export type Packet = dnsPacket.Packet & { flag_aa?: boolean; flag_tc?: boolean; flag_rd?: boolean; flag_ra?: boolean; rcode?: string };

export interface SendOptions {
  tcp?: boolean;
  /** bind the UDP socket to this local address (e.g. 127.0.0.7) */
  localAddress?: string;
  timeoutMs?: number;
}

/** Send raw bytes over UDP; resolves the reply or null after the timeout. */
export function sendUdp(port: number, msg: Buffer, opts: SendOptions = {}, host = '127.0.0.1'): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve(null);
    }, opts.timeoutMs ?? 1000);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(m);
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.bind({ address: opts.localAddress ?? (host.includes(':') ? '::1' : '127.0.0.1'), port: 0 }, () => sock.send(msg, port, host));
  });
}

/** Send raw framed messages over one TCP connection and collect `expect` replies. */
export function sendTcp(port: number, msgs: Buffer[], expect = msgs.length, host = '127.0.0.1', timeoutMs = 2000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const sock = net.connect({ port, host }, () => {
      for (const m of msgs) {
        const f = Buffer.alloc(m.length + 2);
        f.writeUInt16BE(m.length, 0);
        m.copy(f, 2);
        sock.write(f);
      }
    });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(out);
    }, timeoutMs);
    sock.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const len = pending.readUInt16BE(0);
        out.push(pending.subarray(2, 2 + len));
        pending = pending.subarray(2 + len);
      }
      if (out.length >= expect) {
        clearTimeout(timer);
        sock.end();
        resolve(out);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

let nextId = 1;

export interface QuestionOptions extends SendOptions {
  type?: string;
  klass?: string;
  /** EDNS: true for defaults, or an OPT record's fields */
  edns?: boolean | { udpPayloadSize?: number; options?: { code: number | string; data?: Buffer; [k: string]: unknown }[]; flags?: number };
  rd?: boolean;
}

export function encodeQuestion(name: string, opts: QuestionOptions = {}): Buffer {
  const additionals: dnsPacket.Answer[] = [];
  if (opts.edns) {
    const e = opts.edns === true ? {} : opts.edns;
    additionals.push({ type: 'OPT', name: '.', udpPayloadSize: e.udpPayloadSize ?? 1232, flags: e.flags ?? 0, options: e.options ?? [] } as unknown as dnsPacket.Answer);
  }
  return dnsPacket.encode({
    type: 'query',
    id: nextId++ & 0xffff,
    flags: opts.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: (opts.type ?? 'A') as dnsPacket.RecordType, class: (opts.klass ?? 'IN') as dnsPacket.RecordClass }],
    additionals,
  });
}

export async function query(port: number, name: string, opts: QuestionOptions = {}): Promise<Packet> {
  const msg = encodeQuestion(name, opts);
  const reply = opts.tcp ? (await sendTcp(port, [msg]))[0] : await sendUdp(port, msg, opts);
  if (!reply) throw new Error(`no reply for ${name}`);
  return dnsPacket.decode(reply) as Packet;
}

/** Presentation form of a decoded record, e.g. "www.lb.example.test. 30 IN A 192.0.2.10". */
export function rr(a: dnsPacket.Answer): string {
  const r = a as unknown as { name: string; ttl: number; class: string; type: string; data: unknown };
  const name = r.name === '.' || r.name === '' ? '.' : `${r.name}.`;
  const d = r.data as Record<string, unknown> & string;
  const abs = (n: string) => (n.endsWith('.') ? n : `${n}.`);
  let data: string;
  switch (r.type) {
    case 'A':
    case 'AAAA':
      data = d;
      break;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      data = abs(d);
      break;
    case 'MX':
      data = `${d.preference} ${abs(d.exchange as string)}`;
      break;
    case 'SRV':
      data = `${d.priority} ${d.weight} ${d.port} ${abs(d.target as string)}`;
      break;
    case 'SOA':
      data = `${abs(d.mname as string)} ${abs(d.rname as string)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
      break;
    case 'TXT':
      data = (r.data as Buffer[]).map((b) => JSON.stringify(b.toString())).join(' ');
      break;
    default:
      data = JSON.stringify(r.data);
  }
  return `${name} ${r.ttl} ${r.class} ${r.type} ${data}`;
}
