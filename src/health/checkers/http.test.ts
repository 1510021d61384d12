import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWith } from '../../../test/helpers/tools.js';
import { bodyMatcher, checkHttp, forgetConnection } from './http.js';
import { closedPort, hangingServer, hasIPv6, listen, stoppedListener, target, timed, type Listening } from './testing.js';

/** What the test servers saw of the last request. */
interface Seen {
  host?: string;
  path?: string;
  servername?: string | false | null;
  connection?: string;
}

const BIG = 1024 * 1024;

function routes(seen: Seen): http.RequestListener {
  return (req, res) => {
    seen.host = req.headers.host;
    seen.path = req.url;
    seen.connection = req.headers.connection;
    seen.servername = (req.socket as TLSSocket).servername;
    switch (req.url) {
      case '/healthz':
        return res.end('all ok here\n');
      case '/down':
        res.statusCode = 503;
        return res.end('maintenance');
      case '/empty':
        res.statusCode = 204;
        return res.end();
      case '/wrong':
        return res.end('nope');
      case '/slow':
        return void setTimeout(() => res.end('ok, eventually'), 1500).unref();
      case '/headers-then-hang':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.write('partial');
      case '/big':
        // 1 MiB of filler, then the word the check looks for: beyond the 64 KiB read
        res.write('x'.repeat(BIG));
        return res.end('ok');
      default:
        res.statusCode = 404;
        return res.end('not found');
    }
  };
}

describe('checkHttp', () => {
  const seen: Seen = {};
  let server: Listening;
  beforeAll(async () => {
    server = await listen(http.createServer(routes(seen)));
  });
  afterAll(() => server.close());

  const t = (path: string, check: Parameters<typeof target>[3] = {}) => target('http', '127.0.0.1', server.port, { path, ...check });

  it('is up on an expected status, and sends Host and Connection: close', async () => {
    const r = await timed(checkHttp)(t('/healthz', { host: 'www.lb.example.test' }));
    expect(r).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(seen).toMatchObject({ host: 'www.lb.example.test', path: '/healthz', connection: 'close' });
  });

  it('percent-encodes bytes outside printable ASCII in the path, and refuses a Host with a line break', async () => {
    await timed(checkHttp)(t('/statüs page'));
    expect(seen.path).toBe('/stat%C3%BCs%20page');
    const r = await timed(checkHttp)(t('/healthz', { host: 'www.lb.example.test\r\nX-Injected: 1' }));
    expect(r).toMatchObject({ ok: false, detail: 'HTTP failed: invalid character in the Host header (ERR_INVALID_CHAR)' });
  });

  it('sends address:port as Host when the check has none', async () => {
    await timed(checkHttp)(t('/healthz'));
    expect(seen.host).toBe(`127.0.0.1:${server.port}`);
  });

  it('is down on another status, naming the expected ones', async () => {
    expect(await timed(checkHttp)(t('/down', { expectStatus: [200, 204] }))).toMatchObject({
      ok: false,
      detail: 'HTTP 503 (expected 200, 204)',
    });
    expect(await timed(checkHttp)(t('/empty', { expectStatus: [200, 204] }))).toMatchObject({ ok: true, detail: 'HTTP 204' });
    expect(await timed(checkHttp)(t('/missing'))).toMatchObject({ ok: false, detail: 'HTTP 404 (expected 200)' });
  });

  it('expects 200 when expectStatus is empty', async () => {
    expect(await timed(checkHttp)(t('/healthz', { expectStatus: [] }))).toMatchObject({ ok: true, detail: 'HTTP 200' });
  });

  it('checks the body for a substring', async () => {
    expect(await timed(checkHttp)(t('/healthz', { expectBody: 'ok' }))).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(await timed(checkHttp)(t('/wrong', { expectBody: 'ok' }))).toMatchObject({ ok: false, detail: 'body does not contain "ok"' });
  });

  it('checks the body against /regex/flags', async () => {
    expect(await timed(checkHttp)(t('/healthz', { expectBody: '/^ALL OK/i' }))).toMatchObject({ ok: true });
    expect(await timed(checkHttp)(t('/healthz', { expectBody: '/^ALL OK/' }))).toMatchObject({
      ok: false,
      detail: 'body does not match /^ALL OK/',
    });
    expect(await timed(checkHttp)(t('/healthz', { expectBody: '/(/' }))).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^invalid expectBody regular expression \/\(\/: /),
    });
  });

  it('reads at most 64 KiB of body', async () => {
    const r = await timed(checkHttp)(t('/big', { expectBody: 'ok' }));
    expect(r).toMatchObject({ ok: false, detail: 'body does not contain "ok" (first 65536 bytes read)' });
    expect(await timed(checkHttp)(t('/big', { expectBody: 'xxxx' }))).toMatchObject({ ok: true });
  });

  it('is down at the timeout when the answer is too slow', async () => {
    const r = await timed(checkHttp)(t('/slow', { timeoutMs: 300 }));
    expect(r).toMatchObject({ ok: false, detail: 'HTTP timed out after 300 ms waiting for the response' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(290);
    expect(r.latencyMs).toBeLessThan(1200);
  });

  it('is down at the timeout when the body never ends', async () => {
    const r = await timed(checkHttp)(t('/headers-then-hang', { timeoutMs: 300, expectBody: 'ok' }));
    expect(r).toMatchObject({ ok: false, detail: 'HTTP timed out after 300 ms reading the body' });
    // without a body to match, the headers are enough
    expect(await timed(checkHttp)(t('/headers-then-hang', { timeoutMs: 300 }))).toMatchObject({ ok: true, detail: 'HTTP 200' });
  });

  it('is down at the timeout when the server accepts and never replies', async () => {
    const hang = await hangingServer();
    try {
      const r = await timed(checkHttp)(target('http', '127.0.0.1', hang.port, { timeoutMs: 300 }));
      expect(r).toMatchObject({ ok: false, detail: 'HTTP timed out after 300 ms waiting for the response' });
      expect(r.latencyMs).toBeGreaterThanOrEqual(290);
      expect(r.latencyMs).toBeLessThan(1200);
    } finally {
      await hang.close();
    }
  });

  it('is down at the timeout when the connection never completes', async () => {
    const stuck = await stoppedListener();
    try {
      const r = await timed(checkHttp)(target('http', '127.0.0.1', stuck.port, { timeoutMs: 300 }));
      expect(r).toMatchObject({ ok: false, detail: 'HTTP connect timed out after 300 ms' });
    } finally {
      stuck.close();
    }
  });

  it("stops when the monitor's signal fires", async () => {
    const hang = await hangingServer();
    try {
      const r = await checkHttp(target('http', '127.0.0.1', hang.port, { timeoutMs: 5000 }), AbortSignal.timeout(200));
      expect(r.ok).toBe(false);
      expect(r.detail).toMatch(/^HTTP timed out after \d+ ms waiting for the response$/);
      expect(r.latencyMs).toBeLessThan(1500);
    } finally {
      await hang.close();
    }
  });

  it('is down when the connection is refused', async () => {
    const r = await timed(checkHttp)(target('http', '127.0.0.1', await closedPort()));
    expect(r).toMatchObject({ ok: false, detail: 'HTTP connect refused (ECONNREFUSED)' });
  });

  it('is down when the server closes without answering', async () => {
    const rude = await listen(new (await import('node:net')).Server((s) => s.destroy()));
    try {
      const r = await timed(checkHttp)(target('http', '127.0.0.1', rude.port));
      expect(r.ok).toBe(false);
      expect(r.detail).toMatch(/^HTTP connection reset \(ECONNRESET\)$/);
    } finally {
      await rude.close();
    }
  });

  it('is down on a reply that is not HTTP', async () => {
    const odd = await listen(new (await import('node:net')).Server((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n')));
    try {
      const r = await timed(checkHttp)(target('http', '127.0.0.1', odd.port));
      expect(r.ok).toBe(false);
      expect(r.detail).toMatch(/^HTTP invalid response \(HPE_[A-Z_]+\)$/);
    } finally {
      await odd.close();
    }
  });

  it('returns a failed result for a bad port instead of throwing', async () => {
    const r = await timed(checkHttp)(target('http', '127.0.0.1', 70000));
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/ERR_SOCKET_BAD_PORT/);
  });

  it('probes IPv6 members, with the address bracketed in Host', async (ctx) => {
    if (!(await hasIPv6())) return ctx.skip('no ::1 on this machine');
    const v6seen: Seen = {};
    const v6 = await listen(http.createServer(routes(v6seen)), '::1');
    try {
      const r = await timed(checkHttp)(target('http', '::1', v6.port, { path: '/healthz', expectBody: 'ok' }));
      expect(r).toMatchObject({ ok: true, detail: 'HTTP 200' });
      expect(v6seen.host).toBe(`[::1]:${v6.port}`);
    } finally {
      await v6.close();
    }
  });
});

describeWith('openssl', 'checkHttp over https with a self-signed certificate', () => {
  const seen: Seen = {};
  let handshakes = 0;
  let dir: string;
  let server: Listening;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-tls-'));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    // an EC key is quick to make; the certificate names probe.lb.example.test only
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=probe.lb.example.test',
      '-addext', 'subjectAltName=DNS:probe.lb.example.test',
    ]);
    const tls = https.createServer({ key: await readFile(key), cert: await readFile(cert) }, routes(seen));
    tls.on('secureConnection', () => handshakes++);
    server = await listen(tls);
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const t = (check: Parameters<typeof target>[3]) =>
    target('https', '127.0.0.1', server.port, { path: '/healthz', host: 'probe.lb.example.test', ...check });

  it('is up with insecure: true, sending the host as SNI and Host', async () => {
    const r = await timed(checkHttp)(t({ insecure: true, expectBody: 'ok' }));
    expect(r).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(seen).toMatchObject({ servername: 'probe.lb.example.test', host: 'probe.lb.example.test' });
  });

  it('is down with insecure: false, naming the certificate error', async () => {
    const r = await timed(checkHttp)(t({ insecure: false }));
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^HTTPS certificate error: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
  });

  it('sends no SNI without a host name', async () => {
    const r = await timed(checkHttp)(target('https', '127.0.0.1', server.port, { path: '/healthz', insecure: true }));
    expect(r).toMatchObject({ ok: true });
    expect(seen.servername).toBeFalsy();
    expect(seen.host).toBe(`127.0.0.1:${server.port}`);
  });

  it('with keepalive, probes a target over one TLS connection', async () => {
    const kept = t({ insecure: true, expectBody: 'ok', keepalive: true });
    const before = handshakes;
    for (let i = 0; i < 3; i++) expect(await timed(checkHttp)(kept)).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(handshakes - before).toBe(1);
    expect(seen).toMatchObject({ servername: 'probe.lb.example.test', connection: 'keep-alive' });
    forgetConnection(kept);
    // without it, one handshake per probe
    for (let i = 0; i < 2; i++) await timed(checkHttp)(t({ insecure: true }));
    expect(handshakes - before).toBe(3);
  });

  it('applies status and body rules as for http', async () => {
    expect(await timed(checkHttp)(t({ insecure: true, path: '/down' }))).toMatchObject({ ok: false, detail: 'HTTP 503 (expected 200)' });
  });

  it('is down when the port speaks plain HTTP', async () => {
    const plain = await listen(http.createServer(routes({})));
    try {
      const r = await timed(checkHttp)(target('https', '127.0.0.1', plain.port, { insecure: true }));
      expect(r.ok).toBe(false);
      expect(r.detail).toMatch(/^HTTPS TLS handshake failed: wrong version number \((EPROTO|ERR_SSL_[A-Z_]+)\)$/);
    } finally {
      await plain.close();
    }
  });

  it('is down at the timeout when the TLS handshake never completes', async () => {
    const hang = await hangingServer();
    try {
      const r = await timed(checkHttp)(target('https', '127.0.0.1', hang.port, { timeoutMs: 300, insecure: true }));
      expect(r).toMatchObject({ ok: false, detail: 'HTTPS connect timed out after 300 ms' });
    } finally {
      await hang.close();
    }
  });
});

describe('bodyMatcher', () => {
  it.each([
    ['ok', 'all ok', true],
    ['/healthz', 'GET /healthz', true], // a leading slash alone is a substring
    ['/^up$/m', 'status\nup\n', true],
    ['/^UP$/', 'up', false],
    ['/a/b', 'x/a/b', true], // "b" is not a flag: substring
    ['/ok/g', 'ok', true], // g is dropped: no lastIndex carried between probes
  ])('%s on %j → %s', (expectBody, body, ok) => {
    const m = bodyMatcher(expectBody);
    if ('error' in m) throw new Error(m.error);
    expect(m.test(body)).toBe(ok);
    expect(m.test(body)).toBe(ok);
  });
});
