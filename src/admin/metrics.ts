/**
 * Prometheus metrics for /metrics, in a registry of their own (never prom-client's global one, so
 * several servers in one process, as in tests, do not mix). Figures come from
 * `service.metrics()` at scrape time, in collect callbacks: the query path only bumps plain
 * counters and never touches prom-client. Counters stay monotonic: each scrape adds the
 * difference since the previous one (a figure that went down was reset: its new value is added).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { AdminService, MemberHealthState, MetricsSample } from './service.js';

export const METRIC_PREFIX = 'meridian_';
const MEMBER_LABELS = ['zone', 'pool', 'member'] as const;
const HEALTH_STATES: MemberHealthState[] = ['up', 'down', 'unknown', 'unchecked'];

type Labels = Record<string, string>;

/** Feeds a counter from a running total kept elsewhere. */
class CounterFeed {
  private readonly last = new Map<string, { labels: Labels; value: number }>();
  constructor(private readonly counter: Counter<string>) {}

  update(totals: Iterable<[Labels, number]>): void {
    const seen = new Set<string>();
    for (const [labels, value] of totals) {
      const key = JSON.stringify(labels);
      seen.add(key);
      const before = this.last.get(key)?.value ?? 0;
      const delta = value >= before ? value - before : value;
      this.counter.inc(labels, delta);
      this.last.set(key, { labels, value });
    }
    // series whose source is gone (a member removed) disappear
    for (const [key, { labels }] of this.last) {
      if (seen.has(key)) continue;
      this.counter.remove(labels);
      this.last.delete(key);
    }
  }
}

export class AdminMetrics {
  readonly registry = new Registry();
  readonly adminRequests: Counter<'method' | 'route' | 'status'>;
  private cached: MetricsSample | null = null;

  constructor(private readonly service: AdminService) {
    const r = this.registry;
    const sample = () => this.sample();
    const name = (n: string) => `${METRIC_PREFIX}${n}`;

    const total = (metric: string, help: string, labelNames: readonly string[], totals: (s: MetricsSample) => Iterable<[Labels, number]>) => {
      let feed: CounterFeed | undefined;
      const counter: Counter<string> = new Counter({
        name: name(metric),
        help,
        labelNames,
        registers: [r],
        collect: () => feed?.update(totals(sample())),
      });
      feed = new CounterFeed(counter);
    };
    total('queries_total', 'DNS queries received, by query type', ['type'], (s) => byKey(s.queriesByType, 'type'));
    total('responses_total', 'DNS responses sent, by response code', ['rcode'], (s) => byKey(s.responsesByRcode, 'rcode'));
    total('member_answers_total', 'answers that named the pool member', MEMBER_LABELS, (s) => s.members.map((m) => [memberLabels(m), m.answers]));
    total('zone_reload_errors_total', 'zone files rejected by reloads since start', [], (s) => [[{}, s.reloadErrors]]);

    memberGauge(r, name('member_up'), 'whether the member is up (1) by its health checks; unchecked members count as up', (m) => (m.state === 'up' || m.state === 'unchecked' ? 1 : 0), sample);
    memberGauge(r, name('member_eligible'), 'whether the balancer may pick the member now (1) or not (0)', (m) => (m.eligible ? 1 : 0), sample);
    memberGauge(r, name('member_drained'), 'whether the member is drained (1)', (m) => (m.drained ? 1 : 0), sample);
    memberGauge(r, name('member_probe_latency_seconds'), 'latency of the last health probe', (m) => (m.probeLatencyMs === undefined ? undefined : m.probeLatencyMs / 1000), sample);
    new Gauge({
      name: name('member_health_state'),
      help: 'health state of the member: 1 for its current state',
      labelNames: [...MEMBER_LABELS, 'state'],
      registers: [r],
      collect() {
        this.reset();
        for (const m of sample().members) for (const s of HEALTH_STATES) this.set({ ...memberLabels(m), state: s }, m.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: name('etcd_connected'),
      help: 'zones kept in etcd: whether the store is connected (1) or not (0); no sample without etcd',
      // a label, so that without etcd the family has no sample (a label-less gauge always shows 0)
      labelNames: ['store'],
      registers: [r],
      collect() {
        this.reset();
        const etcd = sample().etcd;
        if (etcd) this.set({ store: 'etcd' }, etcd.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: name('etcd_revision'),
      help: 'zones kept in etcd: the etcd revision this instance has applied (compare instances to see one lagging)',
      labelNames: ['store'],
      registers: [r],
      collect() {
        this.reset();
        const etcd = sample().etcd;
        if (etcd) this.set({ store: 'etcd' }, Number(etcd.revision));
      },
    });
    new Gauge({
      name: name('zones'),
      help: 'zones served',
      registers: [r],
      collect() {
        this.set(sample().zones);
      },
    });

    this.adminRequests = new Counter({
      name: name('admin_requests_total'),
      help: 'admin API requests, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [r],
    });
    collectDefaultMetrics({ register: r, prefix: METRIC_PREFIX });
  }

  /** One service.metrics() call per scrape: every collect callback of a scrape runs in the same turn. */
  private sample(): MetricsSample {
    if (!this.cached) {
      this.cached = this.service.metrics();
      setImmediate(() => {
        this.cached = null;
      });
    }
    return this.cached;
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function byKey(counts: Record<string, number>, label: string): Array<[Labels, number]> {
  return Object.entries(counts).map(([k, v]) => [{ [label]: k }, v]);
}

function memberLabels(m: MetricsSample['members'][number]): Labels {
  return { zone: m.zone, pool: m.pool, member: m.member };
}

function memberGauge(
  registry: Registry,
  name: string,
  help: string,
  value: (m: MetricsSample['members'][number]) => number | undefined,
  sample: () => MetricsSample,
): void {
  new Gauge({
    name,
    help,
    labelNames: MEMBER_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const m of sample().members) {
        const v = value(m);
        if (v !== undefined) this.set(memberLabels(m), v);
      }
    },
  });
}
