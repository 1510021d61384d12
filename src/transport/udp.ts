/** UDP listener: one socket per listen address; each datagram is answered from the handler. */
import dgram from 'node:dgram';
import type { Handler } from './handler.js';

/**
 * Replies go to the address the query came from, always an IP literal: resolve it synchronously
 * instead of through dns.lookup, which costs a deferred callback per datagram sent.
 */
function literalLookup(address: string, _family: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  cb(null, address, address.includes(':') ? 6 : 4);
}

export async function listenUdp(host: string, port: number, handler: Handler): Promise<dgram.Socket> {
  const ipv6 = host.includes(':');
  const sock = dgram.createSocket({ type: ipv6 ? 'udp6' : 'udp4', ipv6Only: ipv6, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20, lookup: literalLookup as never });
  sock.on('message', (msg, rinfo) => {
    const len = handler.handle(msg, 'udp', rinfo.address, rinfo.port);
    if (len === 0) return;
    const out = Buffer.allocUnsafe(len);
    handler.scratch.copy(out, 0, 0, len);
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  // errors after bind (e.g. ICMP unreachable on some platforms) must not crash the process
  sock.on('error', () => {});
  return sock;
}
