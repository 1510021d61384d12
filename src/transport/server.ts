/** Serves every listen address on UDP and TCP with one handler. */
import type dgram from 'node:dgram';
import type net from 'node:net';
import { MeridianError } from '../errors.js';
import { createHandler, type HandlerOptions } from './handler.js';
import { listenTcp, type TcpLimits } from './tcp.js';
import { listenUdp } from './udp.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface DnsServerOptions extends HandlerOptions, TcpLimits {
  listen: Endpoint[];
}

export interface DnsServer {
  /** the bound addresses (ports resolved when 0 was asked for); UDP and TCP share each port */
  readonly endpoints: Endpoint[];
  readonly stats: ReturnType<typeof createHandler>['stats'];
  close(): Promise<void>;
}

async function bindPair(ep: Endpoint, opts: DnsServerOptions, handler: ReturnType<typeof createHandler>) {
  // with port 0, take the UDP port the kernel picks and ask for the same one on TCP (retry if taken)
  for (let attempt = 0; ; attempt++) {
    const udp = await listenUdp(ep.host, ep.port, handler);
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(ep.host, port, handler, opts);
      return { udp, tcp, endpoint: { host: ep.host, port } };
    } catch (err) {
      udp.close();
      if (ep.port !== 0 || attempt > 20) throw err;
    }
  }
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const handler = createHandler(opts);
  const udps: dgram.Socket[] = [];
  const tcps: net.Server[] = [];
  const endpoints: Endpoint[] = [];
  const closeAll = async () => {
    for (const u of udps) u.close();
    await Promise.all(tcps.map((t) => new Promise<void>((r) => t.close(() => r()))));
  };
  for (const ep of opts.listen) {
    try {
      const { udp, tcp, endpoint } = await bindPair(ep, opts, handler);
      udps.push(udp);
      tcps.push(tcp);
      endpoints.push(endpoint);
    } catch (err) {
      await closeAll();
      const e = err as NodeJS.ErrnoException;
      const where = ep.host.includes(':') ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
      throw new MeridianError('LISTEN_FAILED', `cannot listen on ${where}: ${e.code ?? e.message}`);
    }
  }
  const sockets = new Set<net.Socket>();
  for (const t of tcps) t.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    endpoints,
    stats: handler.stats,
    async close() {
      for (const s of sockets) s.destroy();
      await closeAll();
    },
  };
}
