/**
 * The smallest DNS client the topology needs: "does something answer DNS on host:port?" (UDP or
 * TCP, any rcode counts). Readiness checks only; tests use dig and the helpers in test/helpers/.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

/** A query message for `name` (type number, class number; default SOA, IN), RD clear. */
export function queryMessage(name, type = 6, klass = 1, id = randomInt(0, 65536)) {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(klass, 2);
  return Buffer.concat([header, qname, tail]);
}

const isReplyTo = (reply, query) => reply.length >= 12 && reply.readUInt16BE(0) === query.readUInt16BE(0) && (reply[2] & 0x80) !== 0;

/** Whether a reply to a query for `name` comes back over UDP within `timeoutMs`. */
export function answersUdp(host, port, name = 'ready.invalid', timeoutMs = 300) {
  const query = queryMessage(name);
  return new Promise((resolve) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    let finished = false;
    const done = (ok) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      s.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('message', (msg) => isReplyTo(msg, query) && done(true));
    s.send(query, port, host);
  });
}

/** Whether a reply to a query for `name` comes back over TCP within `timeoutMs`. */
export function answersTcp(host, port, name = 'ready.invalid', timeoutMs = 500) {
  const query = queryMessage(name);
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const done = (ok) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('connect', () => s.write(Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query])));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(isReplyTo(buf.subarray(2), query));
    });
  });
}

/** Both UDP and TCP answer. */
export async function answersDns(host, port, name) {
  return (await answersUdp(host, port, name)) && (await answersTcp(host, port, name));
}
