import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MeridianError, formatProblem } from '../errors.js';
import type { HealthCheckDef } from '../health/types.js';
import { HEALTH_DEFAULTS } from './zone-health-resolve.js';
import { formatDuration, parseDuration } from './zone-health.js';
import { bodyPattern } from '../health/body.js';
import { parseZoneText } from './zone-file.js';
import type { PoolDef } from './zone-types.js';

const HEAD = `zone: lb.example.test.
soa: { mname: ns1, rname: hostmaster.example.test., serial: 7 }
ns: [ns1]
pools:
`;

/** The pools of a zone made of HEAD and `pools` (indented under `pools:`). */
function pools(text: string): PoolDef[] {
  return parseZoneText(HEAD + text, 'z.yaml').pools;
}

/** The formatted problems of a zone text that must fail. */
function problems(text: string): string[] {
  try {
    parseZoneText(HEAD + text, 'z.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(MeridianError);
    return (e as MeridianError).problems.map(formatProblem);
  }
  throw new Error('zone unexpectedly loaded');
}

/** Each member as "name: check" in one line: kind, port, then only what differs from the defaults. */
function checks(pool: PoolDef): string[] {
  return pool.members.map((m) => `${m.name}: ${m.check === null ? 'null' : JSON.stringify(m.check)}`);
}

const HTTP_DEFAULTS: HealthCheckDef = {
  kind: 'http',
  port: 80,
  path: '/',
  expectStatus: [200],
  insecure: false,
  intervalMs: 5000,
  timeoutMs: 2000,
  rise: 2,
  fall: 3,
  initial: 'up',
};

// The health section from the issue, with its per-member override, as an operator would write it
// for kind http: the issue's list of keys also has `insecure` (https only) and `dns` (kind dns only),
// which are errors beside kind: http (see the problems below).
const ISSUE = `  web:
    algorithm: least-connections
    health:
      kind: http                 # tcp | http | https | dns | none
      port: 80
      path: /healthz
      host: www.example.test
      expect: { status: [200, 204], body: "ok" }
      interval: 5s
      timeout: 2s
      rise: 2
      fall: 3
      initial: up
      load: { kind: nginx-stub-status, path: /nginx_status }
    members:
      - { name: fra-1, address: 198.51.100.10, check-address: 10.0.0.10, health: { port: 8080 } }
      - { name: fra-2, address: "2001:db8:1::10", check-address: "FD00::0:10" }
`;

describe('health: resolved checks', () => {
  it('resolves the issue example: pool defaults, member override, check-address', () => {
    const [web] = pools(ISSUE);
    const pool: HealthCheckDef = {
      kind: 'http',
      port: 80,
      path: '/healthz',
      host: 'www.example.test',
      expectStatus: [200, 204],
      expectBody: 'ok',
      insecure: false,
      intervalMs: 5000,
      timeoutMs: 2000,
      rise: 2,
      fall: 3,
      initial: 'up',
      load: { kind: 'nginx-stub-status', port: 80, path: '/nginx_status', scheme: 'http', maxAgeMs: 15000 },
    };
    expect(web.health).toEqual(pool);
    expect(web.members).toEqual([
      {
        name: 'fra-1',
        address: '198.51.100.10',
        family: 4,
        weight: 1,
        enabled: true,
        drained: false,
        checkAddress: '10.0.0.10',
        check: { ...pool, port: 8080, load: { ...pool.load!, port: 8080 } },
        line: 20,
      },
      { name: 'fra-2', address: '2001:db8:1::10', family: 6, weight: 1, enabled: true, drained: false, checkAddress: 'fd00::10', check: pool, line: 21 },
    ]);
  });

  it('fills defaults by kind', () => {
    const all = pools(`  t: { algorithm: random, health: { kind: tcp }, members: [{ name: m, address: 192.0.2.1 }] }
  h: { algorithm: random, health: { kind: http }, members: [{ name: m, address: 192.0.2.1 }] }
  s: { algorithm: random, health: { kind: https }, members: [{ name: m, address: 192.0.2.1 }] }
  d: { algorithm: random, health: { kind: dns }, members: [{ name: m, address: 192.0.2.1 }] }
  n: { algorithm: random, health: { kind: none }, members: [{ name: m, address: 192.0.2.1 }] }
  x: { algorithm: random, members: [{ name: m, address: 192.0.2.1 }] }
`);
    expect(all.map((p) => p.health)).toEqual([
      { ...HTTP_DEFAULTS, kind: 'tcp' },
      HTTP_DEFAULTS,
      { ...HTTP_DEFAULTS, kind: 'https', port: 443 },
      { ...HTTP_DEFAULTS, kind: 'dns', port: 53, dnsName: '.', dnsType: 'SOA' },
      null,
      undefined,
    ]);
    expect('health' in all[5]).toBe(false);
    expect(all.map((p) => p.members[0].check)).toEqual(all.map((p) => p.health ?? null));
    expect(HEALTH_DEFAULTS.port).toEqual({ tcp: 80, http: 80, https: 443, dns: 53 });
  });

  it('merges member overrides key by key; inherited keys that do not fit the kind are dropped', () => {
    const [web] = pools(`  web:
    algorithm: random
    health:
      kind: http
      port: 8080
      path: /healthz
      host: www.example.test
      expect: { status: 204, body: "/^ok$/i" }
      interval: 10s
      initial: down
    members:
      - { name: a, address: 192.0.2.1, health: { expect: { body: up } } }
      - { name: b, address: 192.0.2.2, health: { kind: https, insecure: true, rise: 1 } }
      - { name: c, address: 192.0.2.3, health: { kind: tcp } }
      - { name: d, address: 192.0.2.4, health: { kind: dns, port: 5353, dns: { name: www, type: aaaa } } }
      - { name: e, address: 192.0.2.5, health: { kind: none } }
      - { name: f, address: 192.0.2.6, health: {} }
`);
    const base = { intervalMs: 10000, timeoutMs: 2000, rise: 2, fall: 3, initial: 'down' };
    const web8080 = { kind: 'http', port: 8080, path: '/healthz', host: 'www.example.test', expectStatus: [204] };
    expect(web.members.map((m) => m.check)).toEqual([
      { ...web8080, expectBody: 'up', insecure: false, ...base },
      { ...web8080, kind: 'https', expectBody: '/^ok$/i', insecure: true, ...base, rise: 1 },
      { kind: 'tcp', port: 8080, path: '/', expectStatus: [200], insecure: false, ...base },
      { kind: 'dns', port: 5353, path: '/', expectStatus: [200], insecure: false, dnsName: 'www.lb.example.test.', dnsType: 'AAAA', ...base },
      null,
      { ...web8080, expectBody: '/^ok$/i', insecure: false, ...base },
    ]);
  });

  it('keepalive: on for http and https checks when written true, inherited, absent otherwise', () => {
    const [web] = pools(`  web:
    algorithm: random
    health: { kind: http, keepalive: true }
    members:
      - { name: a, address: 192.0.2.1 }
      - { name: b, address: 192.0.2.2, health: { kind: https } }
      - { name: c, address: 192.0.2.3, health: { keepalive: false } }
      - { name: d, address: 192.0.2.4, health: { kind: tcp } }
`);
    expect(web.members.map((m) => m.check?.keepalive)).toEqual([true, true, undefined, undefined]);
    // off is no key at all: the check (and its state key) stays what it was before keepalive existed
    expect('keepalive' in web.members[2].check!).toBe(false);
    expect(
      problems(`  web:
    algorithm: random
    health: { kind: tcp, keepalive: true }
    members:
      - { name: a, address: 192.0.2.1 }
`),
    ).toEqual(['z.yaml:7:26 pools.web.health.keepalive: keepalive does not go with kind: tcp (only with http or https)']);
    expect(
      problems(`  web:
    algorithm: random
    health: { kind: http }
    members:
      - { name: a, address: 192.0.2.1, health: { keepalive: "yes" } }
`),
    ).toEqual(['z.yaml:9:61 pools.web.members[0].health.keepalive: "yes" is not true or false']);
  });

  it('lets members turn checks on in a pool without health, or with kind: none', () => {
    const [p, q] = pools(`  p:
    algorithm: random
    members:
      - { name: a, address: 192.0.2.1 }
      - { name: b, address: 192.0.2.2, health: { kind: tcp, port: 22 } }
  q:
    algorithm: random
    health: { kind: none }
    members:
      - { name: a, address: 192.0.2.1, health: { kind: dns, dns: { name: "@", type: NS } } }
      - { name: b, address: 192.0.2.2, health: { kind: dns, dns: { name: example.org. } } }
`);
    expect(p.health).toBeUndefined();
    expect(checks(p)).toEqual([
      'a: null',
      'b: {"kind":"tcp","port":22,"path":"/","expectStatus":[200],"insecure":false,"intervalMs":5000,"timeoutMs":2000,"rise":2,"fall":3,"initial":"up"}',
    ]);
    expect(q.health).toBeNull();
    expect(q.members.map((m) => m.check && `${m.check.dnsName} ${m.check.dnsType} ${m.check.port}`)).toEqual([
      'lb.example.test. NS 53',
      'example.org. SOA 53',
    ]);
  });

  it('resolves load probes: defaults by kind, per-member server, a different kind starts afresh', () => {
    const [web] = pools(`  web:
    algorithm: weighted-least-connections
    health:
      kind: https
      interval: 3s
      load: { kind: haproxy, proxy: be_web, port: 8404, max-age: 1m }
    members:
      - { name: a, address: 192.0.2.1 }
      - { name: b, address: 192.0.2.2, health: { load: { server: b } } }
      - { name: c, address: 192.0.2.3, health: { load: { kind: prometheus, metric: nginx_connections_active, labels: { z: "1", a: x } } } }
      - { name: d, address: 192.0.2.4, health: { load: { kind: json, path: /status, field: stats.active, scheme: http } } }
      - { name: e, address: 192.0.2.5, health: { kind: tcp, port: 9000, load: { kind: nginx-stub-status } } }
`);
    expect(web.members.map((m) => m.check?.load)).toEqual([
      { kind: 'haproxy', port: 8404, path: '/stats;csv', scheme: 'https', proxy: 'be_web', server: 'FRONTEND', maxAgeMs: 60000 },
      { kind: 'haproxy', port: 8404, path: '/stats;csv', scheme: 'https', proxy: 'be_web', server: 'b', maxAgeMs: 60000 },
      { kind: 'prometheus', port: 443, path: '/metrics', scheme: 'https', metric: 'nginx_connections_active', labels: { a: 'x', z: '1' }, maxAgeMs: 9000 },
      { kind: 'json', port: 443, path: '/status', scheme: 'http', field: 'stats.active', maxAgeMs: 9000 },
      { kind: 'nginx-stub-status', port: 9000, path: '/nginx_status', scheme: 'http', maxAgeMs: 9000 },
    ]);
    expect(Object.keys(web.members[2].check!.load!.labels!)).toEqual(['a', 'z']);
  });

  it('reads durations as ms, seconds or minutes', () => {
    const written = ['500ms', '5s', '1m', '2', '0.5', '1.5s', '0.25m', '60m', '5x', '5 s', '-1s', '1h', 's', ''];
    expect(written.map((t) => parseDuration(t))).toEqual([500, 5000, 60000, 2000, 500, 1500, 15000, 3600000, undefined, undefined, undefined, undefined, undefined, undefined]);
    expect([1, 500, 1500, 2000, 60000, 90000, 3600000].map(formatDuration)).toEqual(['1ms', '500ms', '1500ms', '2s', '1m', '90s', '60m']);
    const [p] = pools(`  p:
    algorithm: random
    health: { kind: tcp, interval: 1.5, timeout: 500ms, load: { kind: nginx-stub-status, max-age: 0.5m } }
    members: [{ name: m, address: 192.0.2.1 }]
`);
    expect([p.health?.intervalMs, p.health?.timeoutMs, p.health?.load?.maxAgeMs]).toEqual([1500, 500, 30000]);
    // a duration that does not read is one problem, not also a timeout compared with a default
    const bad = `  p: { algorithm: random, health: { kind: tcp, interval: 5x, timeout: 6s }, members: [{ name: m, address: 192.0.2.1 }] }\n`;
    expect(problems(bad)).toEqual(['z.yaml:5:58 pools.p.health.interval: "5x" is not a duration (use 500ms, 5s, 1m)']);
  });

  it('reads expect.body as the http checker does: a substring, or a regex when written /…/flags', () => {
    expect(bodyPattern('ok')).toBe('ok');
    expect(bodyPattern('/api/v1')).toBe('/api/v1');
    expect(bodyPattern('/')).toBe('/');
    expect(bodyPattern('/^ok$/i')).toEqual(/^ok$/i);
    expect(bodyPattern('/"status": ?"up"/')).toEqual(/"status": ?"up"/);
    expect(bodyPattern('/a\nb/gs')).toEqual(/a\nb/s);
    expect(() => bodyPattern('/x/ii')).toThrow(SyntaxError);
  });
});

describe('health: problems name file, line, column and field', () => {
  it('reports structure: unknown keys, kinds, ranges, types', () => {
    expect(
      problems(`  web:
    algorithm: random
    health:
      kind: icmp
      intervall: 5s
      port: 0
      rise: 0
      fall: 101
      initial: maybe
      insecure: yes
      path: healthz
      expect: { status: ok, code: 200 }
      load: { kind: apache, metric: "1x", field: a..b }
    members:
      - { name: a, address: 192.0.2.1, health: { kind: http, expect: { status: [200, x] } }, check: tcp }
`),
    ).toEqual([
      'z.yaml:8:13 pools.web.health.kind: "icmp" is not one of: tcp, http, https, dns, none',
      'z.yaml:9:7 pools.web.health.intervall: unknown key (did you mean "interval"?)',
      'z.yaml:10:13 pools.web.health.port: 0 is out of range (1..65535)',
      'z.yaml:11:13 pools.web.health.rise: 0 is out of range (1..100)',
      'z.yaml:12:13 pools.web.health.fall: 101 is out of range (1..100)',
      'z.yaml:13:16 pools.web.health.initial: "maybe" is not one of: up, down',
      'z.yaml:14:17 pools.web.health.insecure: "yes" is not true or false',
      'z.yaml:15:13 pools.web.health.path: must be a URL path starting with "/", without spaces',
      'z.yaml:16:25 pools.web.health.expect.status: must be a status code or a non-empty list of status codes',
      'z.yaml:16:29 pools.web.health.expect.code: unknown key (did you mean "body"?)',
      'z.yaml:17:21 pools.web.health.load.kind: "apache" is not one of: nginx-stub-status, haproxy, json, prometheus',
      'z.yaml:17:37 pools.web.health.load.metric: must be a Prometheus metric name (letters, digits, "_" and ":", not starting with a digit)',
      'z.yaml:17:50 pools.web.health.load.field: must be a dotted path into the JSON document, e.g. stats.active',
      'z.yaml:19:86 pools.web.members[0].health.expect.status[1]: "x" is not a whole number',
      'z.yaml:19:94 pools.web.members[0].check: unknown key',
    ]);
  });

  it('reports values: durations, timeout, status codes, regexes, addresses, DNS names and types', () => {
    expect(
      problems(`  web:
    algorithm: random
    health:
      kind: https
      interval: 5x
      timeout: 0s
      expect: { status: [200, 700], body: "/ok(/" }
      load: { kind: prometheus, metric: up, labels: { job: web, 9x: y }, max-age: 2h }
    members:
      - { name: a, address: 192.0.2.1, check-address: 10.0.0 }
      - { name: b, address: 192.0.2.2, health: { timeout: 1.5ms, expect: { status: 99 } } }
      - { name: c, address: 192.0.2.3, health: { kind: dns, dns: { name: "a..b", type: AXFR } } }
      - { name: d, address: 192.0.2.4, health: { kind: dns, dns: { type: WKS } } }
  p2:
    algorithm: random
    health: { kind: http, interval: 2s, timeout: 2s }
    members:
      - { name: a, address: 192.0.2.1, health: { interval: 1m } }
      - { name: b, address: 192.0.2.2, health: { interval: 1s } }
      - { name: c, address: 192.0.2.3, health: { timeout: 3s, interval: 3s } }
  p3:
    algorithm: random
    health: { kind: tcp, interval: 1s }
    members: [{ name: a, address: 192.0.2.1, health: { timeout: 500ms } }]
`),
    ).toEqual([
      'z.yaml:9:17 pools.web.health.interval: "5x" is not a duration (use 500ms, 5s, 1m)',
      'z.yaml:10:16 pools.web.health.timeout: "0s" is out of range (1ms..60m)',
      'z.yaml:11:31 pools.web.health.expect.status[1]: 700 is not an HTTP status code (100..599)',
      'z.yaml:11:43 pools.web.health.expect.body: "/ok(/" is not a valid regular expression (Unterminated group)',
      'z.yaml:12:65 pools.web.health.load.labels.9x: "9x" is not a Prometheus label name (letters, digits and "_", not starting with a digit)',
      'z.yaml:12:83 pools.web.health.load.max-age: "2h" is not a duration (use 500ms, 5s, 1m)',
      'z.yaml:14:55 pools.web.members[0].check-address: "10.0.0" is not an IPv4 or IPv6 address',
      'z.yaml:15:59 pools.web.members[1].health.timeout: "1.5ms" is not a whole number of milliseconds',
      'z.yaml:15:84 pools.web.members[1].health.expect.status: 99 is not an HTTP status code (100..599)',
      'z.yaml:16:74 pools.web.members[2].health.dns.name: empty label in "a..b"',
      'z.yaml:16:88 pools.web.members[2].health.dns.type: type AXFR cannot be asked in a health check',
      'z.yaml:17:74 pools.web.members[3].health.dns.type: unknown record type "WKS"',
      'z.yaml:20:50 pools.p2.health.timeout: timeout (2s) must be shorter than interval (2s)',
      'z.yaml:23:60 pools.p2.members[1].health.interval: timeout (2s) must be shorter than interval (1s)',
      'z.yaml:24:59 pools.p2.members[2].health.timeout: timeout (3s) must be shorter than interval (3s)',
      'z.yaml:27:36 pools.p3.health.interval: timeout (2s) must be shorter than interval (1s)',
    ]);
  });

  it('reports keys beside a kind they do not fit, missing kinds, and incomplete load probes', () => {
    expect(
      problems(`  web:
    algorithm: random
    health:
      kind: tcp
      path: /healthz
      insecure: false
      dns: { name: "." }
      load: { kind: haproxy, server: web-1, field: a }
    members:
      - { name: a, address: 192.0.2.1, health: { host: www, load: { metric: m } } }
      - { name: b, address: 192.0.2.2, health: { kind: http, insecure: true, load: { kind: json } } }
      - { name: c, address: 192.0.2.3, health: { kind: none, port: 80 } }
      - { name: d, address: 192.0.2.4, health: { port: 81 } }
  p2:
    algorithm: random
    health: { kind: none, interval: 5s, load: { kind: prometheus } }
    members:
      - { name: a, address: 192.0.2.1, health: { rise: 3 } }
      - { name: b, address: 192.0.2.2, health: { kind: https, load: { kind: prometheus } } }
  p3:
    algorithm: random
    members:
      - { name: a, address: 192.0.2.1, health: { port: 80 } }
      - { name: b, address: 192.0.2.2, health: { kind: http, load: { path: /x } } }
`),
    ).toEqual([
      'z.yaml:9:7 pools.web.health.path: path does not go with kind: tcp (only with http or https)',
      'z.yaml:10:7 pools.web.health.insecure: insecure does not go with kind: tcp (only with https)',
      'z.yaml:11:7 pools.web.health.dns: dns does not go with kind: tcp (only with dns)',
      'z.yaml:12:13 pools.web.health.load.proxy: missing (load kind haproxy needs the proxy (pxname) whose scur is read)',
      'z.yaml:12:45 pools.web.health.load.field: field does not go with load kind haproxy (only with json)',
      'z.yaml:14:50 pools.web.members[0].health.host: host does not go with kind: tcp (only with http or https)',
      'z.yaml:14:69 pools.web.members[0].health.load.metric: metric does not go with load kind haproxy (only with prometheus)',
      'z.yaml:15:62 pools.web.members[1].health.insecure: insecure does not go with kind: http (only with https)',
      'z.yaml:15:84 pools.web.members[1].health.load.field: missing (load kind json needs the dotted path of the number, e.g. stats.active)',
      'z.yaml:15:84 pools.web.members[1].health.load.path: missing (load kind json needs the URL path of the document)',
      'z.yaml:16:62 pools.web.members[2].health.port: port does not go with kind: none (nothing is probed)',
      'z.yaml:20:27 pools.p2.health.interval: interval does not go with kind: none (nothing is probed)',
      'z.yaml:20:41 pools.p2.health.load: load does not go with kind: none (nothing is probed)',
      'z.yaml:22:50 pools.p2.members[0].health.rise: rise does not go with kind: none (nothing is probed)',
      'z.yaml:23:69 pools.p2.members[1].health.load.metric: missing (load kind prometheus needs the metric to read)',
      'z.yaml:27:48 pools.p3.members[0].health.kind: missing (the pool has no health: section to inherit it from)',
      'z.yaml:28:68 pools.p3.members[1].health.load.kind: missing (required)',
    ]);
  });
});

describe('health examples', () => {
  it('loads zones/lb.example.test.yaml with its commented health: block uncommented', () => {
    const text = readFileSync('zones/lb.example.test.yaml', 'utf8');
    const block = /^ {4}# health:\n(?: {4}# {3}.*\n)+/m.exec(text)![0];
    const zone = parseZoneText(text.replace(block, block.replace(/^ {4}# /gm, '    ')));
    const web = zone.pools.find((p) => p.name === 'web')!;
    expect(web.health).toEqual({
      kind: 'http',
      port: 80,
      path: '/healthz',
      host: 'www.lb.example.test',
      expectStatus: [200, 204],
      expectBody: 'ok',
      insecure: false,
      intervalMs: 5000,
      timeoutMs: 2000,
      rise: 2,
      fall: 3,
      initial: 'up',
      load: { kind: 'nginx-stub-status', port: 80, path: '/nginx_status', scheme: 'http', maxAgeMs: 15000 },
    });
    expect(web.members.map((m) => m.check)).toEqual([web.health, web.health, web.health]);
    expect(zone.pools.filter((p) => p !== web).map((p) => p.health)).toEqual([undefined, undefined]);
  });

  it('loads the YAML examples of the "Health checks" section of docs/zone-files.md', () => {
    const doc = readFileSync('docs/zone-files.md', 'utf8');
    const section = /\n## Health checks\n([\s\S]*?)\n## /.exec(doc)![1];
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const yaml of blocks) expect(pools(yaml.replace(/^pools:\n/, '')).length).toBeGreaterThan(0);
  });
});
