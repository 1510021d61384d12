/**
 * The `health` group (issue 4): what probing 2,000 members once a second costs the query path.
 *
 * One nginx answers every member's check (GET /m/N → 200 "ok"). Each round runs Meridian twice on
 * bench/zones/health.bench.test.yaml (nginx's port written in), one process at a time so the two
 * never compete for the CPU: once with `--no-health`, once with health checks on, both with
 * `--stats-interval 1`; the order alternates between rounds. With health on, the load starts only
 * once a stats line says all 2,000 members are up, and after a few seconds with no queries (the
 * idle cost of probing: CPU per probe). Each start gets `--warmup` seconds of dnsperf,
 * then one measured run; its figures are dnsperf's, the server's CPU time, nginx's CPU time and
 * access-log lines (probes that arrived), and the stats lines logged during the run (event-loop
 * delay and utilisation, members up).
 *
 * The control (a third run per round, after a health-on run; BENCH_HEALTH_CONTROL=0 leaves it
 * out): Meridian with `--no-health` while bench/lib/burn.mjs, a separate process, burns as much CPU
 * as probing alone took in that health-on run (Meridian's + nginx's), in bursts every 10 ms. On a
 * machine whose cores dnsperf and the query thread fill, that CPU costs qps whoever spends it: the
 * control's drop says how much, so the health drop can be read against it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './measure.mjs';
import { startMeridian } from './meridian.mjs';
import { startNginx } from './nginx.mjs';
import { cpuSeconds, dnsQuery, freePort, log, startProcess, stopProcess } from './proc.mjs';
import { parseStatsLine, statsInWindow } from './report.mjs';
import { HEALTH } from '../zones/generate.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

/**
 * The checked-in zone with the placeholder port replaced by nginx's; with `keepalive`, the pool's
 * check also gets `keepalive: true` (a connection kept per member instead of one per probe).
 */
export function healthZoneText(text, port, { keepalive = false } = {}) {
  const re = new RegExp(`^(\\s+)port: ${HEALTH.portPlaceholder}$`, 'gm');
  const hits = text.match(re)?.length ?? 0;
  if (hits !== 1) throw new Error(`${HEALTH.file}: expected one "port: ${HEALTH.portPlaceholder}" line, found ${hits} (node bench/zones/generate.mjs)`);
  return text.replace(re, keepalive ? `$1port: ${port}\n$1keepalive: true` : `$1port: ${port}`);
}

/** BENCH_HEALTH_KEEPALIVE=1: probe with `keepalive: true` (the default is a connection per probe). */
export const healthKeepalive = () => /^(1|true|yes)$/i.test(process.env.BENCH_HEALTH_KEEPALIVE ?? '');

/** BENCH_HEALTH_CONTROL=0: leave out the control runs (health off, the same CPU burnt by burn.mjs). */
export const healthControl = () => !/^(0|false|no)$/i.test(process.env.BENCH_HEALTH_CONTROL ?? '');

/** The burner's period (ms): the probe thread's scheduling timer fires at most this often too. */
const BURN_EVERY_MS = 10;

/**
 * The control: bench/lib/burn.mjs burning `percent` of a core (busy percent/100 × 10 ms of every
 * 10 ms), a process with nothing to do with DNS. Resolves the process (stop it with stopProcess).
 */
function startBurner(bench, percent) {
  const busyMs = (BURN_EVERY_MS * percent) / 100;
  log(`        control: burn.mjs burning ${percent.toFixed(1)}% of a core (${busyMs.toFixed(2)} ms every ${BURN_EVERY_MS} ms)`);
  return startProcess('burn', process.execPath, [join(bench, 'lib', 'burn.mjs'), '--busy-ms', busyMs.toFixed(3), '--every-ms', String(BURN_EVERY_MS)], { measured: true });
}

/** Waits for a stats line with every member up; throws with what was seen instead. */
async function waitForMembersUp(srv, stats, nginx, timeoutMs) {
  const t0 = Date.now();
  const mark = nginx.probes.mark();
  while (Date.now() - t0 < timeoutMs) {
    if (srv.proc.exitInfo) throw new Error(`${srv.label} exited while waiting for health checks (code ${srv.proc.exitInfo.code})\n--- output ---\n${srv.proc.output()}`);
    const last = stats.at(-1);
    if (last && last.health.up === HEALTH.members) return (Date.now() - t0) / 1000;
    await sleep(100);
  }
  const last = stats.at(-1);
  const probes = nginx.probes.since(mark);
  const seen = last
    ? `last stats line: ${last.health.up} up, ${last.health.down} down, ${last.health.unknown} unknown`
    : 'no stats line at all (does this build support --stats-interval? npm run build)';
  const warnings = srv.proc
    .output()
    .split('\n')
    .filter((l) => /"level":(40|50|60)/.test(l))
    .slice(-5)
    .join('\n');
  throw new Error(
    `health: not all ${HEALTH.members} members up ${timeoutMs / 1000} s after Meridian started (${seen}); ` +
      `nginx got ${probes.requests} requests meanwhile (${probes.non200} not 200)` +
      (warnings ? `\n--- Meridian's last warnings ---\n${warnings}` : '') +
      `\n--- nginx output ---\n${nginx.proc.output() || '(none)'}`,
  );
}

/** `seconds` with no queries: Meridian's and nginx's CPU, the probes nginx got, the stats lines. */
async function measureIdle(srv, nginx, stats, seconds) {
  const c0 = cpuSeconds(srv.proc.pid);
  const n0 = cpuSeconds(nginx.proc.pid);
  const mark = nginx.probes.mark();
  const from = Date.now();
  await sleep(seconds * 1000);
  const to = Date.now();
  const cpu = cpuSeconds(srv.proc.pid) - c0;
  const nginxCpu = cpuSeconds(nginx.proc.pid) - n0;
  const probes = nginx.probes.since(mark);
  await sleep(1300);
  const wall = (to - from) / 1000;
  return {
    seconds: wall,
    cpuSeconds: cpu,
    cpuPercent: (100 * cpu) / wall,
    nginxCpuPercent: (100 * nginxCpu) / wall,
    probes,
    cpuMicrosPerProbe: probes.requests > 0 ? (1e6 * cpu) / probes.requests : NaN,
    stats: statsInWindow(stats, from, to),
  };
}

/** The pool name answers pool members, the static name its address. */
async function checkHealthAnswers(srv) {
  const origin = HEALTH.origin.slice(0, -1);
  const problems = [];
  const pool = await dnsQuery(srv.host, srv.port, `${HEALTH.record}.${origin}`, 'A', 2000);
  const a = pool?.answers.filter((x) => x.type === 'A') ?? [];
  if (!pool) problems.push(`no answer to ${HEALTH.record}.${origin} A`);
  else if (pool.rcode !== 'NOERROR' || a.length === 0) problems.push(`${HEALTH.record}.${origin} A → ${pool.rcode}, ${a.length} A records`);
  else if (a.some((x) => !/^198\.(18|19)\.\d+\.\d+$/.test(x.data))) problems.push(`${HEALTH.record}.${origin} A → ${a.map((x) => x.data).join(', ')}, not pool members`);
  const st = await dnsQuery(srv.host, srv.port, `${HEALTH.staticName}.${origin}`, 'A', 2000);
  const sa = st?.answers.filter((x) => x.type === 'A').map((x) => x.data) ?? [];
  if (!st || st.rcode !== 'NOERROR' || sa.join() !== HEALTH.staticAddress) problems.push(`${HEALTH.staticName}.${origin} A → ${st ? `${st.rcode} ${sa.join(', ')}` : 'no answer'}, expected ${HEALTH.staticAddress}`);
  if (problems.length) throw new Error(`${srv.label}: answer check failed (use --no-check to benchmark anyway):\n  ${problems.join('\n  ')}`);
}

/**
 * Runs the group; resolves { runs, meta }. `o`: the benchmark options (rounds, duration, warmup,
 * dnsperf settings, meridianArgs, check). `file`: the dnsperf query file.
 */
export async function runHealthGroup({ o, root, bench, host, file, upTimeoutMs = 60000, idleSeconds = Math.min(5, o.duration) }) {
  const zoneFile = join(bench, 'zones', HEALTH.file);
  const nginx = await startNginx({ host });
  const keepalive = healthKeepalive();
  const withControl = healthControl();
  const zoneText = healthZoneText(readFileSync(zoneFile, 'utf8'), nginx.port, { keepalive });
  log(`health checks: ${keepalive ? 'keepalive: true (BENCH_HEALTH_KEEPALIVE=1), a kept connection per member' : 'a new connection per probe (the default; BENCH_HEALTH_KEEPALIVE=1 for keepalive: true)'}`);
  const runs = [];
  const waits = [];
  const perRun = o.warmup + o.duration + 6 + (idleSeconds + 3) / 2;
  const total = o.rounds * (withControl ? 3 : 2);
  let done = 0;
  const started = Date.now();
  /** what probing alone cost in the last health-on run: Meridian's CPU + nginx's, % of a core */
  let probingShare;
  for (let round = 1; round <= o.rounds; round++) {
    // the control burns what the health-on run before it measured, so it always comes after one
    const modes = round % 2 ? ['off', 'on', 'control'] : ['on', 'control', 'off'];
    for (const mode of modes) {
      if (mode === 'control' && !withControl) continue;
      done++;
      if (mode === 'control' && probingShare === undefined) {
        log(`health round ${round}/${o.rounds}  control skipped: no measure of probing alone yet`);
        continue;
      }
      log(`health round ${round}/${o.rounds}  health checks ${mode.padEnd(3)}  run ${done}/${total}, ~${Math.round((total - done + 1) * perRun)} s left`);
      const stats = [];
      const m = await startMeridian({
        root,
        host,
        port: await freePort(host),
        zone: HEALTH.origin,
        zoneFile,
        zoneText,
        extraArgs: ['--stats-interval', '1', ...(mode === 'on' ? [] : ['--no-health']), ...o.meridianArgs],
        name: `meridian (health ${mode})`,
        onStdoutLine: (line) => {
          const s = parseStatsLine(line);
          if (s) stats.push(s);
        },
      });
      const srv = { ...m, id: 'meridian', label: `Meridian (health checks ${mode})` };
      try {
        if (mode === 'on') {
          const s = await waitForMembersUp(srv, stats, nginx, upTimeoutMs);
          waits.push(s);
          log(`        all ${fmt(HEALTH.members)} members up after ${s.toFixed(1)} s`);
        }
        if (o.check) await checkHealthAnswers(srv);
        let idle;
        if (mode === 'on' && idleSeconds > 0) {
          // what probing costs with no queries: after the first round (a burst) the probes spread
          // over the interval, so wait a second or two, then watch CPU, probes and stats lines
          await sleep(2000);
          idle = await measureIdle(srv, nginx, stats, idleSeconds);
          log(
            `        idle (no queries, ${idleSeconds} s): CPU ${Math.round(idle.cpuPercent)}%, ${fmt(idle.probes.requests / idle.probes.seconds)} probes/s, ` +
              `${Math.round(idle.cpuMicrosPerProbe)} µs CPU per probe, loop delay max ${Math.max(...idle.stats.map((l) => l.loopDelayMs.max)).toFixed(1)} ms`,
          );
        }
        if (idle) probingShare = idle.cpuPercent + idle.nginxCpuPercent;
        const burner = mode === 'control' ? startBurner(bench, probingShare) : undefined;
        let r;
        let probes;
        try {
          if (o.warmup > 0) await measure(srv, file, o.warmup, o);
          const mark = nginx.probes.mark();
          r = await measure(srv, file, o.duration, o, { nginx: nginx.proc.pid, ...(burner ? { burn: burner.pid } : {}) });
          probes = nginx.probes.since(mark);
        } finally {
          if (burner) await stopProcess(burner);
        }
        // the stats line covering the run's last second comes up to a second later
        await sleep(1300);
        const window = statsInWindow(stats, r.startedAt, r.endedAt);
        runs.push({ round, scenario: 'health', server: 'meridian', mode, ...r, probes, stats: window, ...(idle ? { idle } : {}), ...(burner ? { burnTargetPercent: probingShare } : {}) });
        const p99 = window.map((l) => l.loopDelayMs.p99).sort((a, b) => a - b);
        const up = window.map((l) => l.health.up);
        log(
          `        → ${fmt(r.qps)} qps, CPU ${Math.round(r.cpuPercent)}%, loop delay p99 ${p99.length ? p99[p99.length >> 1].toFixed(1) : '—'} ms ` +
            `(max ${window.length ? Math.max(...window.map((l) => l.loopDelayMs.max)).toFixed(1) : '—'} ms), ` +
            (mode === 'on' ? `members up ${Math.min(...up)}–${Math.max(...up)}, ` : '') +
            `${fmt(probes.requests / probes.seconds)} probes/s at nginx (CPU ${Math.round(r.helperCpu.nginx.percent)}%)` +
            (burner ? `, burn.mjs CPU ${Math.round(r.helperCpu.burn?.percent ?? NaN)}%` : '') +
            (r.lost ? `, ${fmt(r.lost)} lost` : '') +
            (r.otherCpuPercent > 10 ? `; other processes used ${Math.round(r.otherCpuPercent)}% CPU` : ''),
        );
        if (window.length < Math.max(1, o.duration - 3)) log(`        note: only ${window.length} stats lines fell inside the ${o.duration} s run`);
      } finally {
        await stopProcess(srv.proc);
      }
    }
  }
  await stopProcess(nginx.proc);
  log(`health group measured for ${Math.round((Date.now() - started) / 1000)} s`);
  return {
    runs,
    meta: {
      zone: HEALTH.origin,
      pool: HEALTH.pool,
      members: HEALTH.members,
      interval: HEALTH.interval,
      // the setup line ends with the timeout: the connection mode reads on from it
      timeout: keepalive ? `${HEALTH.timeout}, keepalive: true` : HEALTH.timeout,
      keepalive,
      control: withControl,
      nginx: nginx.info,
      node: process.version,
      rounds: o.rounds,
      duration: o.duration,
      warmup: o.warmup,
      queries: `bench/queries/health.txt: ${HEALTH.record}.${HEALTH.origin.slice(0, -1)} A (3 of 4), ${HEALTH.staticName}.${HEALTH.origin.slice(0, -1)} A (1 of 4)`,
      secondsUntilAllUp: waits,
    },
  };
}
