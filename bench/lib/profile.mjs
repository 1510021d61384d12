/**
 * Reading a V8 .cpuprofile (written by `node --cpu-prof`): self time per function.
 *
 * A profile is a call tree (`nodes`, each with a callFrame and hitCount) plus the sample stream
 * (`samples`: node ids, `timeDeltas`: µs between samples). A node's self time is the time of the
 * samples that landed in it; we take each sample's duration from the next time delta (what Chrome
 * DevTools does) and fall back to hitCount × mean interval when the stream is absent. Nodes are
 * grouped by function name + url:line, so one function reached through many call paths is one row.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `window` ({ from, to } in µs of the monotonic clock, the clock of profile.startTime — on Linux
 * the same CLOCK_MONOTONIC as process.hrtime in any process) keeps only the samples taken inside
 * it, e.g. while dnsperf ran, leaving out start-up (zone parsing) and shutdown.
 */
export function selfTimes(profile, window) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const total = (profile.endTime ?? 0) - (profile.startTime ?? 0);
  if (samples.length > 0 && deltas.length === samples.length) {
    const mean = total / samples.length;
    let t = profile.startTime ?? 0;
    for (let i = 0; i < samples.length; i++) {
      t += deltas[i];
      if (window && (t < window.from || t > window.to)) continue;
      const d = i + 1 < deltas.length ? deltas[i + 1] : mean;
      selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, d));
    }
  } else {
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const interval = hits > 0 ? total / hits : 0;
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * interval);
  }
  return { byId, selfUs };
}

function location(callFrame, root) {
  let url = callFrame.url || '';
  if (url.startsWith('file://')) {
    try {
      url = fileURLToPath(url);
    } catch {}
  }
  if (root && url.startsWith(root + '/')) url = url.slice(root.length + 1);
  if (!url) return '';
  return `${url}:${callFrame.lineNumber + 1}`;
}

/**
 * Top `n` functions by self time. Returns { rows: [{ name, location, selfMs, percent }], totalMs,
 * idleMs, busyMs }; percent is of busy time (everything but "(idle)").
 */
export function topSelfTime(profile, n = 15, root, window) {
  const { byId, selfUs } = selfTimes(profile, window);
  const groups = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || us === 0) continue;
    totalUs += us;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    const loc = location(node.callFrame, root);
    const key = `${name}\u0000${loc}`;
    const g = groups.get(key) ?? { name, location: loc, us: 0 };
    g.us += us;
    groups.set(key, g);
  }
  const busyUs = totalUs - idleUs;
  const rows = [...groups.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((g) => ({ name: g.name, location: g.location, selfMs: g.us / 1000, percent: busyUs > 0 ? (100 * g.us) / busyUs : 0 }));
  return { rows, totalMs: totalUs / 1000, idleMs: idleUs / 1000, busyMs: busyUs / 1000 };
}

export function formatTop(top) {
  const lines = [];
  lines.push(
    `sampled ${(top.totalMs / 1000).toFixed(2)} s: busy ${(top.busyMs / 1000).toFixed(2)} s, idle ${(top.idleMs / 1000).toFixed(2)} s` +
      ` (${top.totalMs > 0 ? ((100 * top.idleMs) / top.totalMs).toFixed(1) : '0'}% idle)`,
  );
  lines.push('');
  lines.push('  #   self ms   % busy  function  (location)');
  top.rows.forEach((r, i) => {
    lines.push(
      `${String(i + 1).padStart(3)}  ${r.selfMs.toFixed(1).padStart(8)}  ${r.percent.toFixed(1).padStart(6)}%  ${r.name}${r.location ? `  (${r.location})` : ''}`,
    );
  });
  return lines.join('\n');
}

/** The newest .cpuprofile in `dir`. */
export function newestProfile(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f: join(dir, f), m: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.m - a.m);
  return files[0]?.f;
}

export function loadProfile(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

// `node bench/lib/profile.mjs FILE.cpuprofile [N]` prints the top N of any profile.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/lib/profile.mjs FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  console.log(formatTop(topSelfTime(loadProfile(file), Number(process.argv[3] ?? 15), process.cwd())));
}
