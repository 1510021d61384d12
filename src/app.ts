/**
 * Composition root: zone source → snapshot → DNS server, plus reload. `build()` is what the CLI
 * and the integration tests use; it reads no environment and parses no flags.
 */
import { pino, type Logger } from 'pino';
import { formatProblem, MeridianError } from './errors.js';
import type { ZoneDefinition } from './config/zone-types.js';
import { PoolStateStore } from './balance/pool.js';
import { buildSnapshot, type ServerIdentity, type Snapshot } from './pipeline/snapshot.js';
import { startDnsServer, type DnsServer, type Endpoint } from './transport/server.js';
import { ZoneFileSource, type ZoneLoadReport } from './store/zone-files.js';
import { FileZoneStore } from './store/file-store.js';
import { EtcdZoneStore, type EtcdOptions, type EtcdStatus } from './store/etcd-store.js';
import { EtcdZoneSource } from './store/etcd-zones.js';
import { parseZoneText } from './config/zone-file.js';
import type { ZoneStore } from './store/zone-store.js';
import { PushedLoads, type PushedLoad } from './health/pushed.js';
import { defaultMemberView } from './balance/pool.js';
import { nameKey } from './wire/name.js';
import { keyToText } from './wire/name.js';
import { RCODE_NAMES } from './wire/answer.js';
import { typeName } from './wire/types.js';
import { HealthService } from './health/service.js';
import { GeoDatabases } from './geo/databases.js';
import type { HealthView } from './health/types.js';
import { emptyFamilies } from './balance/pool.js';

/** Say loudly when a pool family loses its last eligible member (its fallback now answers), and when it recovers. */
function reportEmptyPools(logger: Logger, prev: Snapshot | undefined, next: Snapshot): void {
  const before = new Set(prev ? emptyFamilies(prev.pools) : []);
  const now = new Set(emptyFamilies(next.pools));
  for (const k of now) if (!before.has(k)) logger.error({ pool: k }, `pool ${k} has no eligible member: its fallback answers`);
  for (const k of before) if (!now.has(k)) logger.info({ pool: k }, `pool ${k} has eligible members again`);
}

export interface BuildOptions {
  /** zones directory (watched and reloaded), or … */
  zonesDir?: string;
  /** … zones given directly (tests) */
  zones?: ZoneDefinition[];
  listen: Endpoint[];
  identity?: Partial<ServerIdentity>;
  maxUdpPayload?: number;
  tcpIdleTimeoutMs?: number;
  tcpMaxConnections?: number;
  watch?: boolean;
  queryLog?: boolean;
  logger?: Logger;
  /** health checks of pool members (default on; they only run for pools with a `health:` section) */
  health?: boolean;
  /** start answering only after the first round of health checks is done (readiness) */
  waitForHealth?: boolean;
  /** probe in a worker thread (the CLI does; in-process tests probe on the main thread) */
  healthThread?: boolean;
  /** server-wide GeoIP database, for zones whose `geoip:` names none */
  geoip?: string;
  /** zones from etcd instead of files (shared by every instance) */
  etcd?: EtcdOptions;
  /** state directory: the copy of the zones last seen in etcd lives here */
  stateDir?: string;
}

export interface App {
  readonly logger: Logger;
  readonly endpoints: Endpoint[];
  readonly server: DnsServer;
  snapshot(): Snapshot;
  /** reload zone files (SIGHUP, file change); the previous version of a bad file keeps serving */
  reload(): Promise<ZoneLoadReport | null>;
  /** replace the zone set directly (tests) */
  setZones(zones: ZoneDefinition[]): Promise<void>;
  /** the zone definitions now serving */
  zoneDefs(): readonly ZoneDefinition[];
  /**
   * Serve `def` as zone `origin` (null removes it), after an admin change was persisted. Queued
   * with reloads; resolves once the next query sees it.
   */
  replaceZone(origin: string, def: ZoneDefinition | null): Promise<void>;
  /** where admin changes persist: the zones directory (null when zones were given inline) */
  readonly store: ZoneStore | null;
  /** balancing state and answer counters (admin API, metrics) */
  readonly states: PoolStateStore;
  /** a load figure pushed by a member's load balancer; resolves once answers use it */
  pushLoad(zone: string, pool: string, member: string, figure: PushedLoad): Promise<void>;
  readonly pushedLoads: PushedLoads;
  /** zone files rejected by reloads since start */
  reloadErrors(): number;
  readonly startedAt: number;
  /** etcd connection state, when zones come from etcd */
  etcd(): EtcdStatus | undefined;
  /** resolves once every checked member has its first result */
  ready(): Promise<void>;
  health(): HealthView | undefined;
  close(): Promise<void>;
}

export async function build(opts: BuildOptions): Promise<App> {
  const startedAt = Date.now();
  const logger = opts.logger ?? pino({ level: 'silent' });
  const identity: ServerIdentity = { identity: null, version: null, nsid: null, ...opts.identity };
  const states = new PoolStateStore();
  const source = opts.zonesDir ? new ZoneFileSource(opts.zonesDir) : null;
  let zones: ZoneDefinition[] = opts.zones ?? [];
  let current: Snapshot | undefined;
  const health = opts.health === false ? null : new HealthService({ logger, thread: opts.healthThread, onChange: () => rebuild() });

  // each change of zones or health builds a new snapshot; unchanged parts are reused
  const geo = new GeoDatabases(logger, () => rebuild());
  const geoFile = (z: ZoneDefinition) => z.geoip?.database ?? opts.geoip;
  const pushed = new PushedLoads();
  const rebuild = () => {
    const prev = current;
    const members = pushed.view(health?.memberView() ?? defaultMemberView);
    current = buildSnapshot({ zones, identity, members, geoDatabase: (z) => geo.get(geoFile(z)) }, states, prev);
    reportEmptyPools(logger, prev, current);
  };
  let reloadErrors = 0;
  // new zones take effect at once; GeoIP files they name for the first time are opened first
  const zonesChanged = (retryGeo = false): Promise<void> => {
    health?.setZones(zones);
    pushed.retain(zones);
    const files = zones.filter((z) => z.sites.length > 0).map(geoFile).filter((f): f is string => !!f);
    if (!geo.needsOpening(files, retryGeo)) {
      rebuild();
      return Promise.resolve();
    }
    return geo.ensure(files, retryGeo).then(rebuild);
  };

  const reload = async (): Promise<ZoneLoadReport | null> => {
    if (!source) return null;
    const report = await source.load();
    reloadErrors += report.problems.length;
    for (const p of report.problems) logger.error({ file: p.file, line: p.line, field: p.field }, `zone rejected, previous version keeps serving: ${formatProblem(p)}`);
    for (const z of report.serialNotBumped) logger.warn({ zone: z }, 'zone content changed but its SOA serial did not: secondaries and caches will not notice');
    if (report.changed.length) {
      zones = report.zones;
      try {
        await zonesChanged(true);
      } catch (err) {
        logger.error({ err }, 'could not build the new snapshot; previous one keeps serving');
        return report;
      }
      logger.info({ zones: report.changed, generation: current!.generation }, 'zones loaded');
    }
    return report;
  };

  const etcdStore = opts.etcd ? new EtcdZoneStore(opts.etcd) : null;
  const etcdSource = etcdStore ? new EtcdZoneSource(etcdStore, { stateDir: opts.stateDir, logger }) : null;

  // reloads and admin changes run one at a time, in the order asked for, so neither undoes the other
  let chain: Promise<unknown> = Promise.resolve();
  const queuedReload = (): Promise<ZoneLoadReport | null> => {
    // with etcd: read every zone again
    if (etcdStore) return etcdStore.resync().then(() => null);
    const p = chain.then(reload);
    chain = p.catch((err) => logger.error({ err }, 'reload failed'));
    return p;
  };
  const replaceZone = (origin: string, def: ZoneDefinition | null): Promise<void> => {
    const p = chain.then(() => {
      const key = nameKey(origin);
      const old = zones.find((z) => nameKey(z.origin) === key);
      if (old?.file) source?.forget(old.file);
      if (def?.file) source?.remember(def.file, def);
      zones = def ? (old ? zones.map((z) => (z === old ? def : z)) : [...zones, def]) : zones.filter((z) => z !== old);
      return zonesChanged();
    });
    chain = p.catch(() => {});
    return p;
  };
  // a zone's new text from etcd: served if it is a valid zone, else reported while the previous version serves
  const applyFromEtcd = async (origin: string, stored: { text: string; location: string } | null): Promise<void> => {
    if (!stored) return replaceZone(origin, null);
    let def: ZoneDefinition;
    try {
      def = parseZoneText(stored.text, stored.location);
    } catch (e) {
      if (!(e instanceof MeridianError)) throw e;
      reloadErrors += Math.max(1, e.problems.length);
      for (const p of e.problems) logger.error({ file: p.file, line: p.line, field: p.field }, `zone rejected, previous version keeps serving: ${formatProblem(p)}`);
      return;
    }
    await replaceZone(origin, def);
    logger.info({ zone: def.origin, serial: def.serial, generation: current!.generation }, 'zone loaded from etcd');
  };

  await zonesChanged();
  if (source) await reload();
  if (etcdSource) await etcdSource.start(applyFromEtcd);
  if (health && opts.waitForHealth) {
    logger.info('waiting for the first round of health checks before answering');
    await health.ready();
    logger.info('first round of health checks done');
  }

  const server = await startDnsServer({
    listen: opts.listen,
    maxUdpPayload: opts.maxUdpPayload ?? 1232,
    maxConnections: opts.tcpMaxConnections ?? 1000,
    idleTimeoutMs: opts.tcpIdleTimeoutMs ?? 10_000,
    getSnapshot: () => current!,
    onError: (err, packet) => logger.error({ err, packet: packet.toString('base64') }, 'internal error answering a query (SERVFAIL sent)'),
    onQuery: opts.queryLog
      ? (i) => logger.info({ q: keyToText(i.qname.toString('latin1')), type: typeName(i.qtype), rcode: RCODE_NAMES[i.rcode] ?? i.rcode, proto: i.transport, client: i.address, size: i.size, tc: i.tc }, 'query')
      : undefined,
  });
  const stopWatch = source && opts.watch ? source.watch(() => void queuedReload().catch(() => {})) : () => {};

  const store = source ? new FileZoneStore(source.dir, (origin) => zones.find((z) => nameKey(z.origin) === nameKey(origin))?.file) : etcdStore;
  if (store instanceof FileZoneStore) await store.sweep();
  // pushed figures arriving together share one rebuild
  let pendingPush: Promise<void> | null = null;
  const pushLoad = (zone: string, pool: string, member: string, figure: PushedLoad): Promise<void> => {
    pushed.set(zone, pool, member, figure);
    pendingPush ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        pendingPush = null;
        rebuild();
        resolve();
      }),
    );
    return pendingPush;
  };
  return {
    logger,
    endpoints: server.endpoints,
    server,
    snapshot: () => current!,
    reload: queuedReload,
    setZones(z) {
      zones = z;
      return zonesChanged();
    },
    zoneDefs: () => zones,
    replaceZone,
    store,
    states,
    pushLoad,
    pushedLoads: pushed,
    reloadErrors: () => reloadErrors,
    startedAt,
    etcd: () => etcdStore?.status(),
    ready: () => health?.ready() ?? Promise.resolve(),
    health: () => health?.current(),
    async close() {
      stopWatch();
      const saved = etcdSource?.close();
      health?.stop();
      geo.close();
      await server.close();
      await saved;
    },
  };
}
