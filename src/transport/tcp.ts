/**
 * TCP listener (RFC 7766): length-framed messages, several pipelined queries per connection,
 * an idle timeout, a cap on open connections and on bytes a client may leave unread.
 */
import net from 'node:net';
import { FrameReader, frame } from '../wire/framing.js';
import type { Handler } from './handler.js';

export interface TcpLimits {
  idleTimeoutMs: number;
  maxConnections: number;
}

export async function listenTcp(host: string, port: number, handler: Handler, limits: TcpLimits): Promise<net.Server> {
  const server = net.createServer({ noDelay: true }, (sock) => {
    const reader = new FrameReader();
    sock.setTimeout(limits.idleTimeoutMs, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      let msgs: Buffer[];
      try {
        msgs = reader.push(chunk);
      } catch {
        sock.destroy();
        return;
      }
      for (const m of msgs) {
        const len = handler.handle(m, 'tcp', sock.remoteAddress ?? '', sock.remotePort ?? 0);
        if (len > 0 && !sock.destroyed) sock.write(frame(handler.scratch, len));
      }
      // a client that does not read its answers is not allowed to pile them up here
      if (sock.writableLength > 1 << 20) sock.destroy();
    });
  });
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: host.includes(':') }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
