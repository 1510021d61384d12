/**
 * `meridian serve`: run the server until SIGINT/SIGTERM; SIGHUP reloads zone files. With
 * `--workers N` (N > 1) this process only supervises N worker processes (see workers.ts).
 */
import { pino } from 'pino';
import { build, type App } from '../app.js';
import type { ServeOptions } from '../config/server-options.js';
import { announceReady, broadcast, hasSiblings, isPrimaryOf, onBroadcast, servesAdmin, supervise } from './workers.js';
import { logStats } from './stats.js';
import { createAdminService } from '../admin/zone-service.js';
import { startAdmin } from '../admin/server.js';
import { loadTokens } from '../admin/tokens.js';

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
    zonesDir: opts.etcd ? undefined : opts.zonesDir,
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
    etcd: opts.etcd,
    stateDir: opts.stateDir,
    logger,
  });
  if (opts.statsIntervalMs > 0) logStats(app, logger, opts.statsIntervalMs);
  const served = app;
  // --workers: apply what the admin worker changed (it persisted it already) before it answers
  onBroadcast((what) => (what.kind === 'reload' ? served.reload() : served.pushLoad(what.zone, what.pool, what.member, what.figure)));
  if (opts.admin && servesAdmin()) {
    const { tokens, generated } = await loadTokens({ envToken: opts.adminToken, tokenFile: opts.adminTokenFile, stateDir: opts.stateDir });
    if (generated) logger.warn({ file: generated }, `no admin token configured: generated one in ${generated} (mode 0600)`);
    const host = {
      ...app,
      siblings: hasSiblings(),
      replaceZone: async (origin: string, def: Parameters<App['replaceZone']>[1]) => {
        await served.replaceZone(origin, def);
        const missed = await broadcast({ kind: 'reload' });
        if (missed) logger.error({ workers: missed }, 'admin change: some workers did not confirm the reload in 5 s');
      },
      pushLoad: async (zone: string, pool: string, member: string, figure: Parameters<App['pushLoad']>[3]) => {
        await served.pushLoad(zone, pool, member, figure);
        await broadcast({ kind: 'load', zone, pool, member, figure });
      },
    };
    const admin = await startAdmin({ service: createAdminService(host), tokens, listen: opts.admin, logger });
    const close = app.close.bind(app);
    app.close = async () => {
      await admin.close();
      await close();
    };
    logger.info({ admin: `http://${admin.address.includes(':') ? `[${admin.address}]` : admin.address}:${admin.port}`, docs: '/docs' }, 'admin API listening');
  }
  if (closing) return void app.close().then(() => process.exit(0));
  if (reloadWanted) void app.reload().catch(() => {});
  const snap = app.snapshot();
  logger.info(
    { listen: app.endpoints.map((e) => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`), zones: [...snap.zones.zones.values()].map((z) => z.name) },
    'meridian serving (UDP and TCP)',
  );
  announceReady();
}
