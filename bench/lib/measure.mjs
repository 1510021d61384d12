/**
 * One measured dnsperf run against one server: dnsperf's figures plus the server's CPU time
 * around it and an estimate of the CPU other processes took meanwhile (noise).
 */
import { runDnsperf } from './dnsperf.mjs';
import { cpuSeconds, systemBusySeconds } from './proc.mjs';

/**
 * `srv`: { proc, host, port, label }. `helpers`: { label: pid } of processes that are part of the
 * setup (e.g. the nginx answering health checks): their CPU time is reported in `helperCpu`
 * ({ label: { seconds, percent } }) and not counted as "other processes".
 */
export async function measure(srv, file, seconds, o, helpers = {}) {
  const cpu0 = cpuSeconds(srv.proc.pid);
  const help0 = Object.fromEntries(Object.entries(helpers).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const sys0 = systemBusySeconds();
  const t0 = performance.now();
  const startedAt = Date.now();
  const r = await runDnsperf({ host: srv.host, port: srv.port, file, seconds, clients: o.clients, outstanding: o.outstanding, timeout: o.timeout, threads: o.threads });
  const endedAt = Date.now();
  const cpu = cpuSeconds(srv.proc.pid) - cpu0;
  const helperCpu = Object.fromEntries(Object.entries(helpers).map(([k, pid]) => [k, cpuSeconds(pid) - help0[k]]));
  const wall = (performance.now() - t0) / 1000;
  const sys = systemBusySeconds() - sys0;
  const pct = (x) => (wall > 0 && Number.isFinite(x) ? (100 * x) / wall : NaN);
  const helpersTotal = Object.values(helperCpu).reduce((a, b) => a + b, 0);
  // CPU the rest of the machine used meanwhile (other people's builds and tests): noise
  const other = Math.max(0, sys - cpu - helpersTotal - (r.dnsperfCpuSeconds ?? 0) - 0.02 * wall);
  if (srv.proc.exitInfo) {
    throw new Error(`${srv.label} exited during the run (code ${srv.proc.exitInfo.code}, signal ${srv.proc.exitInfo.signal})\n--- output ---\n${srv.proc.output()}`);
  }
  const out = {
    ...r,
    startedAt,
    endedAt,
    cpuSeconds: cpu,
    cpuPercent: r.runTime > 0 ? (100 * cpu) / r.runTime : NaN,
    dnsperfCpuPercent: pct(r.dnsperfCpuSeconds),
    systemBusyPercent: pct(sys),
    otherCpuPercent: pct(other),
  };
  if (Object.keys(helpers).length) {
    out.helperCpu = Object.fromEntries(Object.entries(helperCpu).map(([k, s]) => [k, { seconds: s, percent: pct(s) }]));
  }
  return out;
}
