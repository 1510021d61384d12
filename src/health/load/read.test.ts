import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type NginxServer } from '../../../test/helpers/nginx.js';
import { describeWith } from '../../../test/helpers/tools.js';
import { checkHttp } from '../checkers/http.js';
import { hasIPv6, listen, target, timed, type Listening } from '../checkers/testing.js';
import type { CheckTarget, LoadProbeDef } from '../types.js';
import { parserFor, readLoad } from './read.js';

const PAGES: Record<string, string> = {
  '/nginx_status': 'Active connections: 7 \nserver accepts handled requests\n 10 10 12 \nReading: 0 Writing: 1 Waiting: 6 \n',
  '/stats;csv': '# pxname,svname,qcur,qmax,scur,smax\nweb,FRONTEND,,,23,40\napp,web1,0,0,11,20\n',
  '/stats.json': JSON.stringify({ connections: { active: 5, idle: 2 } }),
  '/metrics': '# TYPE conns gauge\nconns{listener="a"} 3\nconns{listener="b"} 4\nconns_total 99\n',
  '/notjson': 'hello',
};

function loadServer(hosts: string[]): http.RequestListener {
  return (req, res) => {
    hosts.push(req.headers.host ?? '');
    const page = PAGES[req.url ?? ''];
    if (req.url === '/hang') return;
    if (page === undefined) {
      res.statusCode = 503;
      return res.end('busy');
    }
    res.end(page);
  };
}

const withLoad = (address: string, port: number, load: LoadProbeDef, check: Parameters<typeof target>[3] = {}): CheckTarget =>
  target('http', address, port, { ...check, load });

describe('readLoad', () => {
  const hosts: string[] = [];
  let server: Listening;
  beforeAll(async () => {
    server = await listen(http.createServer(loadServer(hosts)));
  });
  afterAll(() => server.close());

  const read = (load: LoadProbeDef, check: Parameters<typeof target>[3] = {}) => timed(readLoad)(withLoad('127.0.0.1', 9, { port: server.port, ...load }, check));

  it('reads each kind of page with its parser', async () => {
    expect(await read({ kind: 'nginx-stub-status', path: '/nginx_status' })).toBe(7);
    expect(await read({ kind: 'haproxy', path: '/stats;csv', proxy: 'web' })).toBe(23);
    expect(await read({ kind: 'haproxy', path: '/stats;csv', proxy: 'app', server: 'web1' })).toBe(11);
    expect(await read({ kind: 'json', path: '/stats.json', field: 'connections.active' })).toBe(5);
    expect(await read({ kind: 'prometheus', path: '/metrics', metric: 'conns' })).toBe(7);
    expect(await read({ kind: 'prometheus', path: '/metrics', metric: 'conns', labels: { listener: 'b' } })).toBe(4);
  });

  it("uses the check's port when the load probe has none, and the check's Host", async () => {
    const t = target('http', '127.0.0.1', server.port, { host: 'www.lb.example.test', load: { kind: 'nginx-stub-status', path: '/nginx_status' } });
    expect(await timed(readLoad)(t)).toBe(7);
    expect(hosts.at(-1)).toBe('www.lb.example.test');
  });

  it('throws with the URL and the reason', async () => {
    const url = `http://127.0.0.1:${server.port}`;
    await expect(read({ kind: 'nginx-stub-status', path: '/down' })).rejects.toThrow(`load probe ${url}/down: HTTP 503`);
    await expect(read({ kind: 'json', path: '/notjson', field: 'a' })).rejects.toThrow(`load probe ${url}/notjson: body is not JSON: `);
    await expect(read({ kind: 'nginx-stub-status', path: '/stats.json' })).rejects.toThrow(
      `load probe ${url}/stats.json: not nginx stub_status output`,
    );
    await expect(read({ kind: 'haproxy', path: '/stats;csv', proxy: 'api' })).rejects.toThrow(
      `load probe ${url}/stats;csv: HAProxy CSV has no row for proxy "api" server "FRONTEND" (proxies: web, app)`,
    );
  });

  it('throws at the timeout when the page never comes', async () => {
    const started = Date.now();
    await expect(read({ kind: 'json', path: '/hang', field: 'a' }, { timeoutMs: 300 })).rejects.toThrow(
      `load probe http://127.0.0.1:${server.port}/hang: timed out after 300 ms`,
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('throws when the member refuses the connection', async () => {
    await expect(timed(readLoad)(withLoad('127.0.0.1', 1, { kind: 'json', path: '/x', field: 'a' }))).rejects.toThrow(
      'load probe http://127.0.0.1:1/x: connect refused (ECONNREFUSED)',
    );
  });

  it('throws at once when the definition lacks what its kind needs', async () => {
    await expect(timed(readLoad)(target('http', '127.0.0.1', server.port))).rejects.toThrow('no load probe configured for this check');
    expect(() => parserFor({ kind: 'haproxy', path: '/' })).toThrow('load probe kind haproxy needs "proxy"');
    expect(() => parserFor({ kind: 'json', path: '/' })).toThrow('load probe kind json needs "field"');
    expect(() => parserFor({ kind: 'prometheus', path: '/' })).toThrow('load probe kind prometheus needs "metric"');
  });

  it('reads from IPv6 members', async (ctx) => {
    if (!(await hasIPv6())) return ctx.skip('no ::1 on this machine');
    const v6hosts: string[] = [];
    const v6 = await listen(http.createServer(loadServer(v6hosts)), '::1');
    try {
      expect(await timed(readLoad)(withLoad('::1', v6.port, { kind: 'nginx-stub-status', path: '/nginx_status' }))).toBe(7);
      expect(v6hosts).toEqual([`[::1]:${v6.port}`]);
    } finally {
      await v6.close();
    }
  });
});

/** Open a keep-alive connection, make one request on it and leave it idle. */
async function idleKeepAlive(port: number): Promise<net.Socket> {
  const sock = net.connect({ host: '127.0.0.1', port });
  let got = '';
  await new Promise<void>((resolve, reject) => {
    sock.on('error', reject);
    sock.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n\r\n') && got.endsWith('ok')) resolve();
    });
    sock.write('GET /healthz HTTP/1.1\r\nHost: member.lb.example.test\r\nConnection: keep-alive\r\n\r\n');
  });
  return sock;
}

describeWith('nginx', 'readLoad and checkHttp against a real nginx', () => {
  let ngx: NginxServer;
  beforeAll(async () => {
    ngx = await startNginx();
  });
  afterAll(() => ngx?.stop());

  const member = () =>
    target('http', '127.0.0.1', ngx.port, {
      path: '/healthz',
      expectBody: 'ok',
      host: 'member.lb.example.test',
      load: { kind: 'nginx-stub-status', path: '/nginx_status' },
    });

  it('checks /healthz', async () => {
    expect(await timed(checkHttp)(member())).toMatchObject({ ok: true, detail: 'HTTP 200' });
  });

  it('counts idle keep-alive connections in Active connections', async () => {
    const idle = await Promise.all([1, 2, 3].map(() => idleKeepAlive(ngx.port)));
    try {
      // three idle connections plus the probe's own
      expect(await timed(readLoad)(member())).toBeGreaterThanOrEqual(4);
    } finally {
      for (const s of idle) s.destroy();
    }
    // once they close, the figure falls back
    let after = Infinity;
    for (let i = 0; i < 40 && after >= 4; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await timed(readLoad)(member());
    }
    expect(after).toBeLessThan(4);
  });
});
