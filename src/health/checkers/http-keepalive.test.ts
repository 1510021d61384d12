import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeptConnections } from './connection.js';
import { httpGet } from './http-get.js';
import { checkHttp, forgetConnection, keptConnections } from './http.js';
import { listen, never, target, timed, type Listening } from './testing.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An HTTP server that counts the TCP connections it accepted and notes each request's Connection header. */
async function countingServer(handler: http.RequestListener = (_req, res) => res.end('ok')) {
  const seen = { connections: 0, closed: 0, connection: [] as (string | undefined)[] };
  const server = http.createServer((req, res) => {
    seen.connection.push(req.headers.connection);
    handler(req, res);
  });
  server.on('connection', (s: net.Socket) => {
    seen.connections++;
    s.on('close', () => seen.closed++);
  });
  const l = await listen(server);
  return { ...l, seen, server };
}

/**
 * A raw server answering `ok` with keep-alive framing, except where `answer(connection number,
 * request number on it)` says false: then it hangs up without a byte ('close') or stays silent.
 */
async function scriptedServer(answer: (conn: number, req: number) => boolean | 'silent') {
  const seen = { connections: 0 };
  const l = await listen(
    net.createServer((s) => {
      const conn = ++seen.connections;
      let req = 0;
      s.on('data', () => {
        const a = answer(conn, ++req);
        if (a === 'silent') return;
        if (!a) return void s.destroy();
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    }),
  );
  return { ...l, seen };
}

describe('checkHttp with keepalive', () => {
  let srv: Awaited<ReturnType<typeof countingServer>>;
  beforeAll(async () => {
    srv = await countingServer();
  });
  afterAll(() => srv.close());

  it('sends every probe of a target on one connection, with Connection: keep-alive', async () => {
    const t = target('http', '127.0.0.1', srv.port, { keepalive: true, expectBody: 'ok' });
    const before = srv.seen.connections;
    for (let i = 0; i < 5; i++) expect(await timed(checkHttp)(t)).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(srv.seen.connections - before).toBe(1);
    expect(srv.seen.connection.at(-1)).toBe('keep-alive');
    forgetConnection(t);
  });

  it('opens a connection per probe without it (the default)', async () => {
    const t = target('http', '127.0.0.1', srv.port);
    const before = srv.seen.connections;
    for (let i = 0; i < 3; i++) expect(await timed(checkHttp)(t)).toMatchObject({ ok: true });
    expect(srv.seen.connections - before).toBe(3);
    expect(srv.seen.connection.at(-1)).toBe('close');
  });

  it('keeps one connection per target', async () => {
    const [a, b] = [1, 2].map(() => target('http', '127.0.0.1', srv.port, { keepalive: true }));
    const before = srv.seen.connections;
    for (let i = 0; i < 3; i++) await Promise.all([timed(checkHttp)(a), timed(checkHttp)(b)]);
    expect(srv.seen.connections - before).toBe(2);
    forgetConnection(a);
    forgetConnection(b);
  });

  it('forgetConnection closes the idle connection', async () => {
    const t = target('http', '127.0.0.1', srv.port, { keepalive: true });
    await timed(checkHttp)(t);
    const closed = srv.seen.closed;
    forgetConnection(t);
    for (let i = 0; i < 50 && srv.seen.closed === closed; i++) await sleep(10);
    expect(srv.seen.closed).toBe(closed + 1);
  });

  it('opens a new connection when the member closed the idle one', async () => {
    const t = target('http', '127.0.0.1', srv.port, { keepalive: true });
    const before = srv.seen.connections;
    expect(await timed(checkHttp)(t)).toMatchObject({ ok: true });
    // what the member's idle timeout does, at once
    const closed = srv.seen.closed;
    srv.server.closeIdleConnections();
    for (let i = 0; i < 50 && srv.seen.closed === closed; i++) await sleep(10);
    await sleep(20); // the FIN reaches the probe's side
    expect(await timed(checkHttp)(t)).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(srv.seen.connections - before).toBe(2);
    forgetConnection(t);
  });

  it('does not keep a connection the member says it will close', async () => {
    const closing = await countingServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('ok');
    });
    try {
      const t = target('http', '127.0.0.1', closing.port, { keepalive: true });
      for (let i = 0; i < 2; i++) expect(await timed(checkHttp)(t)).toMatchObject({ ok: true });
      expect(closing.seen.connections).toBe(2);
    } finally {
      await closing.close();
    }
  });

  it('retries once on a fresh connection when the kept one is closed before any answer', async () => {
    // the second request on the first connection is met by a hang-up: the member's idle timeout
    // racing our request, not a dead member
    const racing = await scriptedServer((conn, req) => !(conn === 1 && req === 2));
    try {
      const t = target('http', '127.0.0.1', racing.port, { keepalive: true });
      expect(await timed(checkHttp)(t)).toMatchObject({ ok: true });
      expect(await timed(checkHttp)(t)).toMatchObject({ ok: true, detail: 'HTTP 200' });
      expect(racing.seen.connections).toBe(2);
      forgetConnection(t);
    } finally {
      await racing.close();
    }
  });

  it('fails when the fresh connection is closed too (one retry only)', async () => {
    // only the very first request is answered; every later one, on any connection, is hung up on
    const dying = await scriptedServer((conn, req) => conn === 1 && req === 1);
    try {
      const t = target('http', '127.0.0.1', dying.port, { keepalive: true });
      expect(await timed(checkHttp)(t)).toMatchObject({ ok: true });
      expect(await timed(checkHttp)(t)).toMatchObject({ ok: false, detail: 'HTTP connection reset (ECONNRESET)' });
      expect(dying.seen.connections).toBe(2);
    } finally {
      await dying.close();
    }
  });

  it('counts a kept connection that stays silent as a timeout, without a retry', async () => {
    const silent = await scriptedServer((_conn, req) => (req === 1 ? true : 'silent'));
    try {
      const t = target('http', '127.0.0.1', silent.port, { keepalive: true, timeoutMs: 300 });
      expect(await timed(checkHttp)(t)).toMatchObject({ ok: true });
      const r = await timed(checkHttp)(t);
      expect(r).toMatchObject({ ok: false, detail: 'HTTP timed out after 300 ms waiting for the response' });
      expect(silent.seen.connections).toBe(1);
      // the timed-out connection is not kept: the next probe opens a new one
      await timed(checkHttp)(t);
      expect(silent.seen.connections).toBe(2);
      forgetConnection(t);
    } finally {
      await silent.close();
    }
  });

  it('retires a kept connection once it is older than the pool allows', async () => {
    const pool = new KeptConnections<object>(100);
    const owner = {};
    const get = () => httpGet({ scheme: 'http', address: '127.0.0.1', port: srv.port, path: '/', maxBodyBytes: 16, signal: never(), keep: { pool, owner } });
    const before = srv.seen.connections;
    expect(await get()).toMatchObject({ status: 200, body: 'ok' });
    expect(await get()).toMatchObject({ status: 200, body: 'ok' });
    expect(srv.seen.connections - before).toBe(1);
    await sleep(150);
    expect(await get()).toMatchObject({ status: 200, body: 'ok' });
    expect(srv.seen.connections - before).toBe(2);
    pool.forget(owner);
    expect(pool.size).toBe(0);
  });

  it('keeps nothing for targets without keepalive', async () => {
    const size = keptConnections.size;
    await timed(checkHttp)(target('http', '127.0.0.1', srv.port));
    expect(keptConnections.size).toBe(size);
  });
});
