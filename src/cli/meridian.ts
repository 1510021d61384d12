#!/usr/bin/env node
/**
 * The `meridian` command. The only module that reads process.env and argv: every flag has an
 * environment variable (MERIDIAN_*), validated here once and passed on as plain values.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { formatProblem, MeridianError } from '../errors.js';
import { DEFAULTS, intOption, parseEndpoint, parseEtcdHosts, parseEtcdPrefix, parseNsid, type ServeOptions } from '../config/server-options.js';
import { etcdExport, etcdImport } from './etcd.js';
import { checkZoneDir, loadZoneDir } from '../config/zone-dir.js';
import { importMasterFile } from '../config/import.js';
import { buildSnapshot } from '../pipeline/snapshot.js';
import { explain } from '../pipeline/explain.js';
import { PoolStateStore } from '../balance/pool.js';
import { serve } from './serve.js';
import { GeoDatabase } from '../geo/reader.js';
import type { ZoneDefinition } from '../config/zone-types.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

function fail(err: unknown): never {
  if (err instanceof MeridianError) {
    process.stderr.write(`meridian: ${err.message} (${err.code})\n`);
    // a lone problem that only repeats the message is not printed twice
    const repeat = err.problems.length === 1 && err.message.includes(err.problems[0].message);
    if (!repeat) for (const p of err.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
  } else process.stderr.write(`meridian: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
}

/** The flag or environment variable the operator set option `key` with, to name it in errors. */
function nameOf(cmd: Command, key: string): string {
  const opt = cmd.options.find((o) => o.attributeName() === key);
  if (!opt) return key;
  return cmd.getOptionValueSource(key) === 'env' && opt.envVar ? opt.envVar : (opt.long ?? key);
}

/**
 * A boolean flag's value. Commander sets a boolean from its variable whenever the variable
 * exists, whatever it says; here MERIDIAN_QUERY_LOG=false means false.
 */
function boolOption(cmd: Command, key: string): boolean {
  const value = cmd.getOptionValue(key) as boolean | undefined;
  const envVar = cmd.options.find((o) => o.attributeName() === key)?.envVar;
  if (cmd.getOptionValueSource(key) !== 'env' || !envVar) return value === true;
  const text = (process.env[envVar] ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(text)) return false;
  throw new MeridianError('CONFIG_INVALID', `${envVar}: "${process.env[envVar]}" must be true or false`);
}

/** A file the operator named cannot be read or written: say which and why, no stack trace. */
function cannot(what: 'read' | 'write', file: string, e: NodeJS.ErrnoException): never {
  process.stderr.write(`meridian: cannot ${what} ${file} (${e.code ?? e.message})\n`);
  process.exit(2);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const program = new Command('meridian')
  .description('Load-balancing authoritative DNS server')
  .version(pkg.version)
  .showHelpAfterError();

program
  .command('serve')
  .description('answer DNS for the zones in a directory (UDP and TCP on every listen address)')
  .addOption(new Option('--zones <dir>', 'zone files directory').env('MERIDIAN_ZONES').default(DEFAULTS.zonesDir))
  .addOption(new Option('--listen <addr:port...>', 'listen address, repeatable (env: comma-separated)').env('MERIDIAN_LISTEN'))
  .addOption(new Option('--workers <n>', 'processes sharing the listen sockets (node:cluster)').env('MERIDIAN_WORKERS'))
  .addOption(new Option('--geoip <file>', 'GeoIP database (MaxMind mmdb) for zones whose geoip: names none').env('MERIDIAN_GEOIP'))
  .addOption(new Option('--no-health', 'do not run health checks (every enabled member counts as up); the variable takes true or false').env('MERIDIAN_HEALTH'))
  .addOption(new Option('--wait-for-health', 'answer only after the first round of health checks').env('MERIDIAN_WAIT_FOR_HEALTH'))
  .addOption(new Option('--stats-interval <seconds>', 'log queries, event-loop delay and health every N seconds (0 = off)').env('MERIDIAN_STATS_INTERVAL'))
  .addOption(new Option('--admin <addr:port>', 'admin API (REST, /docs, /metrics) address; "off" for none').env('MERIDIAN_ADMIN').default(DEFAULTS.admin))
  .addOption(new Option('--etcd <urls>', 'keep zones in etcd (comma-separated client URLs) instead of --zones files').env('MERIDIAN_ETCD'))
  .addOption(new Option('--etcd-prefix <prefix>', 'etcd key prefix').env('MERIDIAN_ETCD_PREFIX').default(DEFAULTS.etcdPrefix))
  .addOption(new Option('--admin-token-file <file>', 'admin API tokens, NAME TOKEN [read-only] per line (MERIDIAN_ADMIN_TOKEN adds one named "env")').env('MERIDIAN_ADMIN_TOKEN_FILE'))
  .addOption(new Option('--state <dir>', 'state directory (admin tokens, journal)').env('MERIDIAN_STATE').default(DEFAULTS.stateDir))
  .addOption(new Option('--max-udp-payload <bytes>', 'largest UDP response, whatever the client offers').env('MERIDIAN_MAX_UDP_PAYLOAD'))
  .addOption(new Option('--tcp-idle-timeout <ms>', 'close idle TCP connections after this long').env('MERIDIAN_TCP_IDLE_TIMEOUT'))
  .addOption(new Option('--tcp-max-connections <n>', 'cap on open TCP connections').env('MERIDIAN_TCP_MAX_CONNECTIONS'))
  .addOption(new Option('--identity <text>', 'CHAOS id.server/hostname.bind answer ("" to refuse)').env('MERIDIAN_IDENTITY'))
  .addOption(new Option('--version-string <text>', 'CHAOS version.server/version.bind answer ("" to refuse)').env('MERIDIAN_VERSION_STRING'))
  .addOption(new Option('--nsid <text|0xHEX>', 'NSID (RFC 5001) value; off when unset').env('MERIDIAN_NSID'))
  .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).env('MERIDIAN_LOG_LEVEL').default(DEFAULTS.logLevel))
  .addOption(new Option('--query-log', 'log every query (info level); the variable takes true or false').env('MERIDIAN_QUERY_LOG'))
  .addOption(new Option('--no-watch', 'do not reload when zone files change (SIGHUP still reloads); the variable takes true or false').env('MERIDIAN_WATCH'))
  .action(async (o, cmd: Command) => {
    try {
      const listenTexts: string[] = o.listen
        ? (Array.isArray(o.listen) ? o.listen : [o.listen]).flatMap((l: string) => l.split(',')).filter(Boolean)
        : [DEFAULTS.listen];
      const opts: ServeOptions = {
        zonesDir: o.zones,
        listen: listenTexts.map((l) => parseEndpoint(l, 53, nameOf(cmd, 'listen'))),
        admin: o.admin === 'off' ? null : parseEndpoint(o.admin, 8053, nameOf(cmd, 'admin')),
        stateDir: o.state,
        // the token itself only from the environment: a flag would show it in `ps`
        adminToken: process.env.MERIDIAN_ADMIN_TOKEN || undefined,
        adminTokenFile: o.adminTokenFile ? resolve(o.adminTokenFile) : undefined,
        maxUdpPayload: intOption(o.maxUdpPayload, nameOf(cmd, 'maxUdpPayload'), DEFAULTS.maxUdpPayload, 512, 65535),
        tcpIdleTimeoutMs: intOption(o.tcpIdleTimeout, nameOf(cmd, 'tcpIdleTimeout'), DEFAULTS.tcpIdleTimeoutMs, 100, 3_600_000),
        tcpMaxConnections: intOption(o.tcpMaxConnections, nameOf(cmd, 'tcpMaxConnections'), DEFAULTS.tcpMaxConnections, 1, 1_000_000),
        identity: o.identity === undefined ? DEFAULTS.identity : o.identity || null,
        version: o.versionString === undefined ? `Meridian ${pkg.version}` : o.versionString || null,
        nsid: parseNsid(o.nsid),
        logLevel: o.logLevel,
        queryLog: boolOption(cmd, 'queryLog'),
        watch: boolOption(cmd, 'watch'), // --no-watch, or MERIDIAN_WATCH=false
        workers: intOption(o.workers, nameOf(cmd, 'workers'), DEFAULTS.workers, 1, 64),
        health: boolOption(cmd, 'health'),
        waitForHealth: boolOption(cmd, 'waitForHealth'),
        geoip: o.geoip ? resolve(o.geoip) : undefined,
        statsIntervalMs: 1000 * intOption(o.statsInterval, nameOf(cmd, 'statsInterval'), 0, 0, 86_400),
        etcd: o.etcd ? { hosts: parseEtcdHosts(o.etcd, nameOf(cmd, 'etcd')), prefix: parseEtcdPrefix(o.etcdPrefix, nameOf(cmd, 'etcdPrefix')) } : undefined,
      };
      await serve(opts);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('check')
  .description('validate zone files; exits non-zero listing every error')
  .addOption(new Option('--zones <dir>', 'zone files directory').env('MERIDIAN_ZONES').default(DEFAULTS.zonesDir))
  .action(async (o) => {
    try {
      const problems = await checkZoneDir(o.zones);
      if (problems.length) {
        for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
        process.stderr.write(`${problems.length} problem(s) found\n`);
        process.exit(1);
      }
      const { zones } = await loadZoneDir(o.zones);
      if (zones.length === 0) {
        // most likely the wrong directory, or master files not yet imported
        process.stderr.write(`no zone files (*.yaml, *.yml) in ${o.zones}\n`);
        process.exit(1);
      }
      process.stdout.write(`${zones.length} zone(s) OK: ${zones.map((z) => z.origin).join(', ')}\n`);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('import')
  .description('convert an RFC 1035 master file (BIND, NSD, Knot) to a Meridian zone file')
  .argument('<file>', 'master file')
  .option('--origin <name>', 'origin when the file has no $ORIGIN')
  .option('-o, --output <file>', 'write here instead of standard output')
  .action(async (file: string, o: { origin?: string; output?: string }) => {
    try {
      const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => cannot('read', file, e));
      const { yaml, warnings } = importMasterFile(text, { origin: o.origin, file });
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      if (o.output) await writeFile(o.output, yaml).catch((e: NodeJS.ErrnoException) => cannot('write', o.output!, e));
      else process.stdout.write(yaml);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('explain')
  .description('show how a query would be answered: zone, pool, eligible members, choice, TTL')
  .argument('<name>', 'query name')
  .option('--type <type>', 'query type', 'A')
  .option('--client <ip>', 'source address of the query', '127.0.0.1')
  .option('--subnet <cidr>', 'EDNS Client Subnet, e.g. 192.0.2.0/24')
  .option('--json', 'print JSON')
  .addOption(new Option('--geoip <file>', 'GeoIP database for zones whose geoip: names none').env('MERIDIAN_GEOIP'))
  .addOption(new Option('--zones <dir>', 'zone files directory').env('MERIDIAN_ZONES').default(DEFAULTS.zonesDir))
  .action(async (name: string, o: { type: string; client: string; subnet?: string; json?: boolean; zones: string; geoip?: string }) => {
    try {
      const { zones, problems } = await loadZoneDir(o.zones);
      for (const p of problems) process.stderr.write(`warning: ${formatProblem(p)}\n`);
      const geoFile = (z: ZoneDefinition) => z.geoip?.database ?? (o.geoip ? resolve(o.geoip) : undefined);
      const dbs = new Map<string, GeoDatabase>();
      for (const file of new Set(zones.filter((z) => z.sites.length > 0).map(geoFile))) {
        if (!file) continue;
        try {
          dbs.set(file, await GeoDatabase.open(file));
        } catch (err) {
          process.stderr.write(`warning: ${(err as Error).message}; geo pools use their default site\n`);
        }
      }
      const snap = buildSnapshot(
        { zones, identity: { identity: null, version: null, nsid: null }, geoDatabase: (z) => dbs.get(geoFile(z) ?? '') },
        new PoolStateStore(),
      );
      const r = explain(snap, { name, type: o.type, client: o.client, subnet: o.subnet });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      for (const s of r.steps) process.stdout.write(`${s}\n`);
      process.stdout.write(`\nstatus: ${r.rcode}${r.aa ? ', authoritative' : ''}${r.ecsScope !== null ? `, ECS scope /${r.ecsScope}` : ''}\n`);
      for (const [title, rows] of [['answer', r.answer], ['authority', r.authority], ['additional', r.additional]] as const) {
        if (rows.length) process.stdout.write(`;; ${title}\n${rows.join('\n')}\n`);
      }
    } catch (err) {
      fail(err);
    }
  });

const etcd = program.command('etcd').description('zones kept in etcd (serve --etcd): seed them from files, or write them back out');
const etcdOptions = (c: Command) =>
  c
    .addOption(new Option('--etcd <urls>', 'etcd client URLs, comma-separated').env('MERIDIAN_ETCD').makeOptionMandatory())
    .addOption(new Option('--etcd-prefix <prefix>', 'etcd key prefix').env('MERIDIAN_ETCD_PREFIX').default(DEFAULTS.etcdPrefix))
    .addOption(new Option('--zones <dir>', 'zone files directory').env('MERIDIAN_ZONES').default(DEFAULTS.zonesDir));
etcdOptions(etcd.command('import').description('put every zone file of --zones into etcd (all are validated first; none is written if one is bad)'))
  .option('--if-absent', 'leave zones etcd already holds as they are (seeding: never undo admin changes)')
  .action(async (o: { etcd: string; etcdPrefix: string; zones: string; ifAbsent?: boolean }, cmd: Command) => {
    try {
      const target = { hosts: parseEtcdHosts(o.etcd, nameOf(cmd, 'etcd')), prefix: parseEtcdPrefix(o.etcdPrefix, nameOf(cmd, 'etcdPrefix')) };
      const { imported, kept } = await etcdImport(o.zones, target, o.ifAbsent === true);
      if (kept.length) process.stdout.write(`left ${kept.length} zone(s) etcd holds already: ${kept.join(', ')}\n`);
      process.stdout.write(`imported ${imported.length} zone(s) into etcd${imported.length ? `: ${imported.join(', ')}` : ''}\n`);
    } catch (err) {
      fail(err);
    }
  });
etcdOptions(etcd.command('export').description('write every zone in etcd to --zones as <origin>.yaml (atomically, replacing files of the same name)')).action(
  async (o: { etcd: string; etcdPrefix: string; zones: string }, cmd: Command) => {
    try {
      const n = await etcdExport(o.zones, { hosts: parseEtcdHosts(o.etcd, nameOf(cmd, 'etcd')), prefix: parseEtcdPrefix(o.etcdPrefix, nameOf(cmd, 'etcdPrefix')) });
      process.stdout.write(`exported ${n.length} zone(s) to ${o.zones}: ${n.join(', ')}\n`);
    } catch (err) {
      fail(err);
    }
  },
);

program.parseAsync().catch(fail);
