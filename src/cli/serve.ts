/** `meridian serve`: run the server until SIGINT/SIGTERM; SIGHUP reloads zone files. */
import { pino } from 'pino';
import { build } from '../app.js';
import type { ServeOptions } from '../config/server-options.js';

export async function serve(opts: ServeOptions): Promise<void> {
  const logger = pino({ level: opts.logLevel, base: { pid: process.pid } });
  const app = await build({
    zonesDir: opts.zonesDir,
    listen: opts.listen,
    identity: { identity: opts.identity, version: opts.version, nsid: opts.nsid },
    maxUdpPayload: opts.maxUdpPayload,
    tcpIdleTimeoutMs: opts.tcpIdleTimeoutMs,
    tcpMaxConnections: opts.tcpMaxConnections,
    watch: opts.watch,
    queryLog: opts.queryLog,
    logger,
  });
  const snap = app.snapshot();
  logger.info(
    { listen: app.endpoints.map((e) => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`), zones: [...snap.zones.zones.values()].map((z) => z.name) },
    'meridian serving (UDP and TCP)',
  );
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading zones');
    void app.reload().catch(() => {});
  });
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
