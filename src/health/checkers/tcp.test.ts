import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTcp } from './tcp.js';
import { closedPort, hasIPv6, listen, stoppedListener, target, timed, type Listening } from './testing.js';

describe('checkTcp', () => {
  let open: Listening;
  beforeAll(async () => {
    open = await listen(net.createServer((s) => s.end()));
  });
  afterAll(() => open.close());

  it('is up when the port accepts a connection', async () => {
    const r = await timed(checkTcp)(target('tcp', '127.0.0.1', open.port));
    expect(r).toMatchObject({ ok: true, detail: 'TCP connected' });
    expect(r.latencyMs).toBeLessThan(1000);
  });

  it('is down when the connection is refused', async () => {
    const port = await closedPort();
    const r = await timed(checkTcp)(target('tcp', '127.0.0.1', port));
    expect(r).toMatchObject({ ok: false, detail: 'TCP connect refused (ECONNREFUSED)' });
  });

  it('is down at the timeout when the connection never completes', async () => {
    // A listener that never accepts: a child process listening with a backlog of 1, then stopped.
    // Once the kernel's accept queue is full, further SYNs go unanswered and connect() hangs.
    const stuck = await stoppedListener();
    try {
      const r = await timed(checkTcp)(target('tcp', '127.0.0.1', stuck.port, { timeoutMs: 300 }));
      expect(r).toMatchObject({ ok: false, detail: 'TCP connect timed out after 300 ms' });
      expect(r.latencyMs).toBeGreaterThanOrEqual(290);
      expect(r.latencyMs).toBeLessThan(1500);
    } finally {
      stuck.close();
    }
  });

  it('is down at once when the monitor has aborted', async () => {
    const r = await checkTcp(target('tcp', '127.0.0.1', open.port, { timeoutMs: 5000 }), AbortSignal.abort());
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^TCP connect aborted after \d+ ms$/);
    expect(r.latencyMs).toBeLessThan(100);
  });

  it('returns a failed result for a bad port instead of throwing', async () => {
    const r = await timed(checkTcp)(target('tcp', '127.0.0.1', 70000));
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^TCP connect failed: .*\(ERR_SOCKET_BAD_PORT\)$/);
  });

  it('connects to IPv6 addresses', async (ctx) => {
    if (!(await hasIPv6())) return ctx.skip('no ::1 on this machine');
    const v6 = await listen(net.createServer((s) => s.end()), '::1');
    try {
      expect(await timed(checkTcp)(target('tcp', '::1', v6.port))).toMatchObject({ ok: true, detail: 'TCP connected' });
    } finally {
      await v6.close();
    }
  });
});

