import { describe, expect, it } from 'vitest';
import type { CheckKind } from '../types.js';
import { checkDns, checkerFor, checkHttp, checkTcp } from './index.js';
import { closedPort, never, target } from './testing.js';

describe('checkerFor', () => {
  it('binds each kind to its checker', () => {
    expect(checkerFor('tcp')).toBe(checkTcp);
    expect(checkerFor('http')).toBe(checkHttp);
    expect(checkerFor('https')).toBe(checkHttp);
    expect(checkerFor('dns')).toBe(checkDns);
  });

  it('none: always up, without a probe', async () => {
    const r = await checkerFor('none')(target('none', '192.0.2.1', 1), never());
    expect(r).toEqual({ ok: true, latencyMs: 0, detail: 'no check' });
  });

  it('an unknown kind fails instead of throwing', async () => {
    const r = await checkerFor('smtp' as CheckKind)(target('smtp' as CheckKind, '127.0.0.1', 25), never());
    expect(r).toEqual({ ok: false, latencyMs: 0, detail: 'unknown check kind "smtp"' });
    expect((await checkerFor('toString' as CheckKind)(target('tcp', '127.0.0.1', 1), never())).ok).toBe(false);
  });

  // every checker: a failure is a result with a detail, never a rejection
  it.each(['tcp', 'http', 'https', 'dns'] as const)('%s resolves a failed result against a closed port', async (kind) => {
    const r = await checkerFor(kind)(target(kind, '127.0.0.1', await closedPort(), { timeoutMs: 500 }), never());
    expect(r.ok).toBe(false);
    expect(r.detail).not.toBe('');
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
