/**
 * `--stats-interval N`: one log line every N seconds with what an operator (or the benchmark)
 * watches: queries answered and per second, responses by rcode, truncations, internal errors,
 * event-loop delay (p50/p99/max, ms) and utilisation, and health (members up/down/unknown).
 * The admin API's /metrics will export the same figures.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { App } from '../app.js';
import { RCODE_NAMES } from '../wire/answer.js';

export function logStats(app: App, logger: Logger, intervalMs: number): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let lastElu = performance.eventLoopUtilization();
  let lastReceived = app.server.stats.received;
  let lastAt = Date.now();
  const timer = setInterval(() => {
    const s = app.server.stats;
    const now = Date.now();
    const elu = performance.eventLoopUtilization(lastElu);
    lastElu = performance.eventLoopUtilization();
    const rcodes: Record<string, number> = {};
    s.rcodes.forEach((n, code) => {
      if (n) rcodes[RCODE_NAMES[code] ?? String(code)] = n;
    });
    const health = { up: 0, down: 0, unknown: 0 };
    for (const m of app.health()?.members.values() ?? []) health[m.state]++;
    logger.info(
      {
        queries: s.received,
        qps: Math.round(((s.received - lastReceived) * 1000) / Math.max(1, now - lastAt)),
        rcodes,
        truncated: s.truncated,
        errors: s.errors,
        loopDelayMs: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
        loopUtilisation: Math.round(elu.utilization * 1000) / 1000,
        health,
      },
      'stats',
    );
    lastReceived = s.received;
    lastAt = now;
    delay.reset();
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    delay.disable();
  };
}
