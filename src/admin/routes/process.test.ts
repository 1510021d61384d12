import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, rr } from '../../../test/helpers/client.js';
import { adminFixture, type AdminFixture } from '../testing.js';

/** The value of one series in Prometheus text, or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const FAMILIES = [
  'meridian_queries_total',
  'meridian_responses_total',
  'meridian_member_answers_total',
  'meridian_member_up',
  'meridian_member_health_state',
  'meridian_member_eligible',
  'meridian_member_drained',
  'meridian_member_probe_latency_seconds',
  'meridian_zone_reload_errors_total',
  'meridian_zones',
  'meridian_admin_requests_total',
  'meridian_process_cpu_seconds_total',
  'meridian_nodejs_eventloop_lag_seconds',
];

describe('/healthz, /metrics and /api/v1/explain', () => {
  let f: AdminFixture;
  let port: number;
  beforeAll(async () => {
    f = await adminFixture();
    port = f.app.endpoints[0].port;
  });
  afterAll(() => f.close());

  const scrape = async () => {
    const r = await f.call('GET', '/metrics', { token: null });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return r.body;
  };

  it('GET /healthz: the process serves, without a token', async () => {
    const r = await f.call('GET', '/healthz', { token: null });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok', ready: true, zones: 1, generation: expect.any(Number), uptimeSeconds: expect.any(Number) });
  });

  it('GET /metrics: every family, counters fed from the query path and kept monotonic', async () => {
    const first = await scrape();
    for (const family of FAMILIES) expect(first, family).toMatch(new RegExp(`^# TYPE ${family} (counter|gauge)$`, 'm'));
    expect(value(first, 'meridian_zones')).toBe(1);
    expect(value(first, 'meridian_zone_reload_errors_total')).toBe(0);
    expect(first).not.toMatch(/^meridian_etcd_connected/m); // zones from files: no etcd sample
    expect(value(first, 'meridian_member_up{zone="lb.example.test.",pool="web",member="fra-1"}')).toBe(1);
    expect(value(first, 'meridian_member_eligible{zone="lb.example.test.",pool="web",member="iad-1"}')).toBe(0);

    const reply = await query(port, 'api.lb.example.test', { type: 'A' });
    expect((reply.answers ?? []).map(rr)).toEqual(['api.lb.example.test. 20 IN A 198.51.100.10']);
    await query(port, 'nope.lb.example.test', { type: 'AAAA' });
    const second = await scrape();
    const a = value(second, 'meridian_queries_total{type="A"}') ?? 0;
    expect(a).toBeGreaterThanOrEqual(1);
    expect(value(second, 'meridian_queries_total{type="AAAA"}')).toBeGreaterThanOrEqual(1);
    expect(value(second, 'meridian_responses_total{rcode="NXDOMAIN"}')).toBeGreaterThanOrEqual(1);
    expect(value(second, 'meridian_member_answers_total{zone="lb.example.test.",pool="web",member="fra-1"}')).toBe(1);

    await query(port, 'api.lb.example.test', { type: 'A' });
    await query(port, 'api.lb.example.test', { type: 'A' });
    const third = await scrape();
    expect(value(third, 'meridian_queries_total{type="A"}')).toBe(a + 2);
    expect(value(third, 'meridian_member_answers_total{zone="lb.example.test.",pool="web",member="fra-1"}')).toBe(3);

    await f.call('POST', '/api/v1/zones/lb.example.test/pools/web/members/fra-1/drain');
    const drained = await scrape();
    expect(value(drained, 'meridian_member_drained{zone="lb.example.test.",pool="web",member="fra-1"}')).toBe(1);
    expect(value(drained, 'meridian_member_eligible{zone="lb.example.test.",pool="web",member="fra-1"}')).toBe(0);
    // a counter never goes back, whatever happens to the zone
    expect(value(drained, 'meridian_member_answers_total{zone="lb.example.test.",pool="web",member="fra-1"}')).toBe(3);
  });

  it('counts admin requests by route template, not by URL', async () => {
    await f.call('GET', '/api/v1/zones/lb.example.test/pools/web');
    await f.call('GET', '/api/v1/zones/lb.example.test/pools/backup');
    await f.call('GET', '/api/v1/zones/lb.example.test/pools/nope');
    await f.call('GET', '/no/such/page');
    const text = await scrape();
    expect(value(text, 'meridian_admin_requests_total{method="GET",route="/api/v1/zones/:zone/pools/:pool",status="200"}')).toBe(2);
    expect(value(text, 'meridian_admin_requests_total{method="GET",route="/api/v1/zones/:zone/pools/:pool",status="404"}')).toBe(1);
    expect(value(text, 'meridian_admin_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(text).not.toContain('route="/api/v1/zones/lb.example.test');
  });

  it('GET /api/v1/explain: the explain result of a query', async () => {
    const r = await f.call('GET', '/api/v1/explain?name=api.lb.example.test&type=AAAA&client=192.0.2.1&subnet=203.0.113.0/24');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      rcode: 'NOERROR',
      aa: true,
      answer: ['api.lb.example.test. 20 IN AAAA 2001:db8:1::10'],
      authority: [],
      additional: [],
      ecsScope: 0,
      steps: expect.arrayContaining(['lookup: name is served by pool "web"', 'ECS: source prefix /24, scope prefix /0']),
    });
    const bad = await f.call('GET', '/api/v1/explain?name=api.lb.example.test&type=BOGUS');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems).toEqual([{ field: 'querystring.type', message: 'unknown record type "BOGUS"' }]);
    const client = await f.call('GET', '/api/v1/explain?name=api.lb.example.test&client=1.2.3');
    expect(client.json().problems).toEqual([{ field: 'querystring.client', message: '"1.2.3" is not an IP address' }]);
  });
});

describe('/healthz while starting', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    // the real service, reporting what a process waiting for its first health round reports
    f = await adminFixture({ wrap: (s) => ({ ...s, health: () => ({ ...s.health(), status: 'starting', ready: false }) }) });
  });
  afterAll(() => f.close());

  it('answers 503 with the same body', async () => {
    const r = await f.call('GET', '/healthz', { token: null });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ status: 'starting', ready: false, zones: 1 });
  });
});
