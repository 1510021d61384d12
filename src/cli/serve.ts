/**
 * `meridian serve`: run the server until SIGINT/SIGTERM; SIGHUP reloads zone files. With
 * `--workers N` (N > 1) this process only supervises N worker processes (see workers.ts).
 */
import { pino } from 'pino';
import { build, type App } from '../app.js';
import type { ServeOptions } from '../config/server-options.js';
import { announceReady, isPrimaryOf, supervise } from './workers.js';
import { logStats } from './stats.js';

export async function serve(opts: ServeOptions): Promise<void> {
  const logger = pino({ level: opts.logLevel, base: { pid: process.pid } });
  if (isPrimaryOf(opts.workers)) {
    supervise(opts.workers, logger);
    return;
  }
  // signals are handled from the start: a SIGHUP or SIGTERM during startup must not kill us
  let app: App | undefined;
  let reloadWanted = false;
  let closing = false;
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading zones');
    if (app) void app.reload().catch(() => {});
    else reloadWanted = true;
  });
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), 5000).unref();
    if (!app) process.exit(0);
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  app = await build({
    zonesDir: opts.zonesDir,
    listen: opts.listen,
    identity: { identity: opts.identity, version: opts.version, nsid: opts.nsid },
    maxUdpPayload: opts.maxUdpPayload,
    tcpIdleTimeoutMs: opts.tcpIdleTimeoutMs,
    tcpMaxConnections: opts.tcpMaxConnections,
    watch: opts.watch,
    queryLog: opts.queryLog,
    health: opts.health,
    waitForHealth: opts.waitForHealth,
    healthThread: true,
    geoip: opts.geoip,
    logger,
  });
  if (opts.statsIntervalMs > 0) logStats(app, logger, opts.statsIntervalMs);
  if (closing) return void app.close().then(() => process.exit(0));
  if (reloadWanted) void app.reload().catch(() => {});
  const snap = app.snapshot();
  logger.info(
    { listen: app.endpoints.map((e) => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`), zones: [...snap.zones.zones.values()].map((z) => z.name) },
    'meridian serving (UDP and TCP)',
  );
  announceReady();
}
