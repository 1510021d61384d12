/** UDP listener: one socket per listen address; each datagram is answered from the handler. */
import dgram from 'node:dgram';
import type { Handler } from './handler.js';

export async function listenUdp(host: string, port: number, handler: Handler): Promise<dgram.Socket> {
  const ipv6 = host.includes(':');
  const sock = dgram.createSocket({ type: ipv6 ? 'udp6' : 'udp4', ipv6Only: ipv6, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
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
