import { describe, expect, it } from 'vitest';
import { parseHaproxyCsv, parseNginxStubStatus, parsePromLine, parsePrometheusGauge, readJsonField } from './parsers.js';

describe('parseNginxStubStatus', () => {
  // as nginx 1.22 writes it (note the trailing spaces)
  const SAMPLE = 'Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n';

  it('reads Active connections', () => {
    expect(parseNginxStubStatus(SAMPLE)).toBe(291);
    expect(parseNginxStubStatus('Active connections: 1\r\nserver accepts handled requests\r\n')).toBe(1);
  });

  it('throws on anything else', () => {
    expect(() => parseNginxStubStatus('<html>404 Not Found</html>')).toThrow(
      'not nginx stub_status output: no "Active connections: N" line in "<html>404 Not Found</html>"',
    );
    expect(() => parseNginxStubStatus('')).toThrow('in an empty body');
    expect(() => parseNginxStubStatus('Active connections: many\n')).toThrow(/no "Active connections: N" line/);
  });
});

describe('parseHaproxyCsv', () => {
  // `show stat` / stats page `;csv`, first 39 columns of HAProxy 2.x, with the trailing commas
  const SAMPLE = [
    '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,',
    'stats,FRONTEND,,,1,2,3000,15,2301,48213,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,2,,,,',
    'web,FRONTEND,,,17,42,3000,98231,18236101,923843201,0,0,3,,,,,OPEN,,,,,,,,,1,3,0,,,,0,12,0,87,,,,',
    'app,web1,0,0,9,25,,49120,9118050,461921600,,0,,0,0,0,0,UP,1,1,0,0,0,86012,0,,1,4,1,,49120,,2,6,,44,L7OK,200,1,',
    'app,web2,0,0,8,21,,49111,9118051,461921601,,0,,0,0,0,0,UP,1,1,0,0,0,86012,0,,1,4,2,,49111,,2,6,,43,L7OK,200,1,',
    'app,web3,0,0,,0,,0,,,,,,,,,,MAINT,0,1,0,,,,,,1,4,3,,,,2,,,,,,,',
    'app,BACKEND,0,0,17,42,300,98231,18236101,923843201,0,0,,0,0,0,0,UP,2,2,0,,,86012,0,,1,4,0,,98231,,1,12,,87,,,,',
    '',
  ].join('\n');

  it('reads scur of a frontend by default', () => {
    expect(parseHaproxyCsv(SAMPLE, 'web')).toBe(17);
    expect(parseHaproxyCsv(SAMPLE, 'stats', 'FRONTEND')).toBe(1);
  });

  it('reads scur of a server or a backend', () => {
    expect(parseHaproxyCsv(SAMPLE, 'app', 'web1')).toBe(9);
    expect(parseHaproxyCsv(SAMPLE, 'app', 'web2')).toBe(8);
    expect(parseHaproxyCsv(SAMPLE, 'app', 'BACKEND')).toBe(17);
  });

  it('finds the column by name, not position', () => {
    const moved = '# svname,pxname,scur\nFRONTEND,web,5\n';
    expect(parseHaproxyCsv(moved, 'web')).toBe(5);
  });

  it('throws when the row, the header or the figure is missing', () => {
    expect(() => parseHaproxyCsv(SAMPLE, 'app')).toThrow('HAProxy CSV has no row for proxy "app" server "FRONTEND"');
    expect(() => parseHaproxyCsv(SAMPLE, 'nope')).toThrow('HAProxy CSV has no row for proxy "nope" server "FRONTEND" (proxies: stats, web, app)');
    expect(() => parseHaproxyCsv(SAMPLE, 'app', 'web3')).toThrow('HAProxy CSV app/web3: scur is empty, not a count');
    expect(() => parseHaproxyCsv('stats,FRONTEND,,,1\n', 'stats')).toThrow('not HAProxy CSV: no header line "# pxname,svname,…"');
    expect(() => parseHaproxyCsv('# pxname,svname,qcur\n', 'stats')).toThrow('HAProxy CSV header has no "scur" column');
  });
});

describe('readJsonField', () => {
  const DOC = {
    status: 'ok',
    stats: { active: 12, waiting: 3, ratio: 0.5 },
    servers: [{ name: 'a', conns: 5 }, { name: 'b', conns: 7 }],
    text: '42',
    word: 'busy',
    nothing: null,
  };

  it('follows a dotted path, with numeric segments into arrays', () => {
    expect(readJsonField(DOC, 'stats.active')).toBe(12);
    expect(readJsonField(DOC, 'stats.ratio')).toBe(0.5);
    expect(readJsonField(DOC, 'servers.1.conns')).toBe(7);
    expect(readJsonField(DOC, 'text')).toBe(42);
    expect(readJsonField(7, '')).toBe(7);
  });

  it('throws naming the missing step or the wrong type', () => {
    expect(() => readJsonField(DOC, 'stats.idle')).toThrow('JSON field "stats.idle" not found: no "idle" in object at stats');
    expect(() => readJsonField(DOC, 'servers.2.conns')).toThrow('JSON field "servers.2.conns" not found: no "2" in array[2] at servers');
    expect(() => readJsonField(DOC, 'nothing.x')).toThrow('no "x" in null at nothing');
    expect(() => readJsonField(DOC, 'stats')).toThrow('JSON field "stats" is not a number: {"active":12,"waiting":3,"ratio":0.5}');
    expect(() => readJsonField(DOC, 'word')).toThrow('JSON field "word" is not a number: "busy"');
    expect(() => readJsonField(DOC, 'stats.constructor')).toThrow(/not found/);
  });
});

describe('parsePrometheusGauge', () => {
  // nginx-prometheus-exporter and HAProxy's exporter, as scraped
  const SAMPLE = `# HELP nginx_connections_active Active client connections
# TYPE nginx_connections_active gauge
nginx_connections_active 4
# HELP nginx_connections_active_peak Highest active connections (same prefix: must not match)
# TYPE nginx_connections_active_peak gauge
nginx_connections_active_peak 93
# HELP nginx_connections_accepted Accepted client connections
# TYPE nginx_connections_accepted counter
nginx_connections_accepted 1234
# HELP haproxy_server_current_sessions Number of current sessions on the frontend, backend or server
# TYPE haproxy_server_current_sessions gauge
haproxy_server_current_sessions{proxy="app",server="web1"} 9
haproxy_server_current_sessions{proxy="app",server="web2"} 8 1700000000000
haproxy_server_current_sessions{proxy="api",server="web1"} 3
# TYPE envoy_cluster_upstream_cx_active gauge
envoy_cluster_upstream_cx_active{envoy_cluster_name="odd,name}with \\"quotes\\"",zone=""} 2.5e1
worker_connections{worker="0"} NaN
process_start_time_seconds 1.7e+09
`;

  it('matches the metric name exactly', () => {
    expect(parsePrometheusGauge(SAMPLE, 'nginx_connections_active')).toBe(4);
    expect(parsePrometheusGauge(SAMPLE, 'nginx_connections_active_peak')).toBe(93);
    expect(() => parsePrometheusGauge(SAMPLE, 'nginx_connections')).toThrow('Prometheus metric "nginx_connections" not found');
  });

  it('selects series by labels, summing several', () => {
    expect(parsePrometheusGauge(SAMPLE, 'haproxy_server_current_sessions', { proxy: 'app', server: 'web1' })).toBe(9);
    expect(parsePrometheusGauge(SAMPLE, 'haproxy_server_current_sessions', { proxy: 'app' })).toBe(17);
    expect(parsePrometheusGauge(SAMPLE, 'haproxy_server_current_sessions', { server: 'web1' })).toBe(12);
    expect(parsePrometheusGauge(SAMPLE, 'haproxy_server_current_sessions')).toBe(20);
  });

  it('reads label values with commas, braces and escapes', () => {
    expect(parsePrometheusGauge(SAMPLE, 'envoy_cluster_upstream_cx_active', { envoy_cluster_name: 'odd,name}with "quotes"' })).toBe(25);
    expect(parsePrometheusGauge(SAMPLE, 'envoy_cluster_upstream_cx_active', { zone: '' })).toBe(25);
  });

  it('throws when no series has the labels, listing those seen', () => {
    expect(() => parsePrometheusGauge(SAMPLE, 'haproxy_server_current_sessions', { proxy: 'web' })).toThrow(
      'Prometheus metric "haproxy_server_current_sessions" has no series with {proxy="web"} (seen: ' +
        'haproxy_server_current_sessions{proxy="app",server="web1"}, haproxy_server_current_sessions{proxy="app",server="web2"}, ' +
        'haproxy_server_current_sessions{proxy="api",server="web1"})',
    );
  });

  it('throws on a value that is not a count, or a malformed line for the metric', () => {
    expect(() => parsePrometheusGauge(SAMPLE, 'worker_connections')).toThrow('Prometheus worker_connections{worker="0"} is NaN, not a count');
    expect(() => parsePrometheusGauge('up{job="a" 1\n', 'up')).toThrow('Prometheus line 1 for "up" is malformed');
    // malformed lines of other metrics are skipped
    expect(parsePrometheusGauge('junk{ 1\nup 1\n', 'up')).toBe(1);
  });

  it('parses single lines', () => {
    expect(parsePromLine('a_b:c{x="1"} -Inf')).toEqual({ name: 'a_b:c', labels: { x: '1' }, value: -Infinity });
    expect(parsePromLine('a{x="1",} 2')).toEqual({ name: 'a', labels: { x: '1' }, value: 2 });
    expect(parsePromLine('a{} .5 123')).toEqual({ name: 'a', labels: {}, value: 0.5 });
    expect(parsePromLine('a 1 2 3')).toBeUndefined();
    expect(parsePromLine('a x')).toBeUndefined();
    expect(parsePromLine('a-b 1')).toBeUndefined();
    expect(parsePromLine('a')).toBeUndefined();
  });
});
