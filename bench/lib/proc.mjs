/**
 * Child processes, temp dirs and clean-up for the benchmark: every server and dnsperf run is
 * registered here, and `cleanup()` (on exit, Ctrl-C, SIGTERM or error) stops them and removes
 * the temp dirs. Also: the DNS readiness probe, free-port picking and per-process CPU time.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';

const children = new Set();
const tempDirs = new Set();
let cleaning;
let interrupted = false;

/** True once SIGINT/SIGTERM/SIGHUP arrived: errors after that are the shutdown, not failures. */
export const isInterrupted = () => interrupted;

export function log(msg) {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${msg}\n`);
}

export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

let niceLevel = 0;
/** Scheduling priority for the processes under measurement (servers, dnsperf): `nice -n N`. */
export function setNice(n) {
  niceLevel = n;
}

/**
 * Spawns a long-running child (a server), keeping the tail of its stdout/stderr for error
 * reports. Returns { child, name, output(), exited (promise of {code, signal}) }. With
 * `measured: true` it runs under `nice -n <setNice level>` (which execs: same pid, and every
 * thread the program starts inherits the priority). `onStdoutLine(line)` sees every complete
 * stdout line from the first byte on (e.g. Meridian's stats log lines).
 */
export function startProcess(name, cmd, args, { measured = false, onStdoutLine, ...opts } = {}) {
  if (measured && niceLevel !== 0) {
    args = ['-n', String(niceLevel), cmd, ...args];
    cmd = 'nice';
  }
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const chunks = [];
  let size = 0;
  const keep = (buf) => {
    chunks.push(buf);
    size += buf.length;
    while (size > 64 * 1024 && chunks.length > 1) size -= chunks.shift().length;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  if (onStdoutLine) {
    let partial = '';
    child.stdout.on('data', (buf) => {
      const lines = (partial + buf.toString('utf8')).split('\n');
      partial = lines.pop();
      for (const line of lines) onStdoutLine(line);
    });
  }
  const proc = {
    name,
    child,
    pid: child.pid,
    exitInfo: undefined,
    output: () => Buffer.concat(chunks).toString('utf8'),
  };
  proc.exited = new Promise((resolve) => {
    child.on('error', (err) => {
      keep(Buffer.from(`\n[spawn error] ${err.message}\n`));
      proc.exitInfo = { code: null, signal: null, error: err };
      children.delete(proc);
      resolve(proc.exitInfo);
    });
    child.on('exit', (code, signal) => {
      proc.exitInfo = { code, signal };
      children.delete(proc);
      resolve(proc.exitInfo);
    });
  });
  children.add(proc);
  return proc;
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process has exited. */
export async function stopProcess(proc, graceMs = 5000) {
  if (!proc || proc.exitInfo) return proc?.exitInfo;
  try {
    proc.child.kill('SIGTERM');
  } catch {}
  const timer = setTimeout(() => {
    try {
      proc.child.kill('SIGKILL');
    } catch {}
  }, graceMs);
  const info = await proc.exited;
  clearTimeout(timer);
  return info;
}

/** Runs a command to completion; resolves { code, signal, stdout, stderr }. Registered for clean-up. */
export function runCommand(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const proc = startProcess(cmd, cmd, args, opts);
    const cpu = proc.pid ? trackCpu(proc.pid) : undefined;
    proc.child.once('exit', () => {
      if (cpu) cpu.seconds = cpu.stop();
    });
    const out = [];
    const err = [];
    proc.child.stdout.on('data', (b) => out.push(b));
    proc.child.stderr.on('data', (b) => err.push(b));
    proc.exited.then(({ code, signal, error }) =>
      resolve({
        code,
        signal,
        error,
        cpuSeconds: cpu?.seconds,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

export function cleanup() {
  if (cleaning) return cleaning;
  cleaning = (async () => {
    await Promise.all([...children].map((p) => stopProcess(p, 3000)));
    for (const dir of tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {}
    }
    tempDirs.clear();
  })();
  return cleaning;
}

/** Synchronous last resort for process 'exit': kill whatever is left, remove temp dirs. */
function cleanupSync() {
  for (const p of children) {
    try {
      p.child.kill('SIGKILL');
    } catch {}
  }
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
}

export function installSignalHandlers() {
  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${sig}: stopping servers and cleaning up`);
      cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
}

/** A port free for both UDP and TCP on `host`, chosen by the kernel. */
export async function freePort(host = '127.0.0.1') {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, host, () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
    });
    const udpFree = await new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, host, () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('could not find a free port');
}

let probeId = 1;
/** One UDP query; resolves the decoded response or undefined on timeout. */
export function dnsQuery(host, port, name, type = 'A', timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const id = probeId++ & 0xffff;
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    function finish(v) {
      clearTimeout(timer);
      try {
        sock.close();
      } catch {}
      resolve(v);
    }
    sock.on('error', () => finish(undefined));
    sock.on('message', (msg) => {
      try {
        const res = dnsPacket.decode(msg);
        if (res.id === id) finish(res);
      } catch {
        finish(undefined);
      }
    });
    const q = dnsPacket.encode({ type: 'query', id, flags: 0, questions: [{ type, name, class: 'IN' }] });
    sock.send(q, port, host);
  });
}

/**
 * Polls `host:port` with an SOA query for `zone` until it answers authoritatively with the SOA,
 * the process exits, or `timeoutMs` passes. Throws with the process output on failure.
 */
export async function waitForDns(proc, host, port, zone, timeoutMs = 20000, failPattern) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (failPattern && failPattern.test(proc.output())) {
      throw new Error(`${proc.name} failed to load the zone\n--- ${proc.name} output ---\n${proc.output()}`);
    }
    if (proc.exitInfo) {
      throw new Error(
        `${proc.name} exited before answering (code ${proc.exitInfo.code}, signal ${proc.exitInfo.signal})\n` +
          `--- ${proc.name} output ---\n${proc.output()}`,
      );
    }
    const res = await dnsQuery(host, port, zone, 'SOA', 300);
    if (res) {
      if (res.rcode === 'NOERROR' && res.answers.some((a) => a.type === 'SOA')) return;
      last = `rcode ${res.rcode}, ${res.answers.length} answers`;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(
    `${proc.name} did not answer SOA ${zone} on ${host}:${port} within ${timeoutMs} ms (last: ${last})\n` +
      `--- ${proc.name} output ---\n${proc.output()}`,
  );
}

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks

function statOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after "(comm)": state(3) ppid(4) ... utime(14) stime(15) → indexes 11, 12 here
    return { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) used so far by `pid` and its live child processes. */
export function cpuSeconds(pid) {
  let ticks = statOf(pid)?.ticks ?? 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
      const st = statOf(entry);
      if (st && st.ppid === pid) ticks += st.ticks;
    }
  } catch {}
  return ticks / CLK_TCK;
}

/**
 * CPU seconds all CPUs have spent running processes since boot (user, nice, system). Interrupt and
 * softirq time (loopback packet delivery lands there) and steal are left out: they are charged to
 * no process, so they would show up as "other processes" in the noise estimate.
 */
export function systemBusySeconds() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system] = f;
    return (user + nice + system) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * Polls /proc/<pid>/stat every `ms` while the process lives; `value()` is the last CPU time seen
 * (so up to `ms` of CPU at the very end may be missed).
 */
export function trackCpu(pid, ms = 100) {
  let last = 0;
  const poll = () => {
    const st = statOf(pid);
    if (st) last = st.ticks / CLK_TCK;
  };
  poll();
  const timer = setInterval(poll, ms);
  return {
    stop() {
      poll();
      clearInterval(timer);
      return last;
    },
  };
}

/** OS threads of `pid` (entries of /proc/<pid>/task). */
export function threadCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return undefined;
  }
}
