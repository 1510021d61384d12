/**
 * http / https: GET check.path from address:port with the check's Host header (and SNI for https,
 * verifying the certificate unless `insecure`). Up when the status is one of `expectStatus`
 * (default 200) and, if `expectBody` is set, the first 64 KiB of the body contain it (a substring,
 * or a regular expression when written `/source/flags`). A member that accepts the connection and
 * never answers is down at the timeout. With `keepalive` the connection is kept for the target's
 * next probe (connection.ts says for how long).
 */
import type { CheckResult, CheckTarget } from '../types.js';
import { KeptConnections } from './connection.js';
import { describeHttpError, httpGet, type GetPhase } from './http-get.js';
import { probe, type Outcome } from './probe.js';
import { bodyPattern } from '../body.js';

/** How much body a check reads at most; the rest is dropped with the connection. */
export const MAX_CHECK_BODY_BYTES = 64 * 1024;

/**
 * Connections kept between probes for checks with `keepalive: true`, one per target object (the
 * monitor keeps one object per target for the target's life, and forgets it when it goes).
 */
export const keptConnections = new KeptConnections<object>();

/** Close the target's kept connection, if any: it is no longer probed. */
export function forgetConnection(target: CheckTarget): void {
  keptConnections.forget(target);
}

export function checkHttp(target: CheckTarget, signal: AbortSignal): Promise<CheckResult> {
  const { check } = target;
  const scheme = check.kind === 'https' ? 'https' : 'http';
  const label = scheme.toUpperCase();
  const progress: { phase: GetPhase } = { phase: 'connect' };
  const expect = check.expectStatus?.length ? check.expectStatus : [200];
  return probe(
    {
      timeoutMs: check.timeoutMs,
      signal,
      onCut: (c) => {
        if (c.reason === 'aborted') return `${label} aborted after ${c.elapsedMs} ms`;
        if (progress.phase === 'connect') return `${label} connect timed out after ${c.timeoutMs} ms`;
        const waiting = progress.phase === 'response' ? 'waiting for the response' : 'reading the body';
        return `${label} timed out after ${c.timeoutMs} ms ${waiting}`;
      },
      onError: (err) => `${label} ${describeHttpError(err)}`,
    },
    async (abort): Promise<Outcome> => {
      const matcher = check.expectBody === undefined ? undefined : bodyMatcher(check.expectBody);
      if (matcher && 'error' in matcher) return { ok: false, detail: matcher.error };
      const res = await httpGet({
        scheme,
        address: target.address,
        port: check.port,
        path: check.path,
        host: check.host,
        insecure: check.insecure,
        maxBodyBytes: matcher ? MAX_CHECK_BODY_BYTES : 0,
        signal: abort,
        progress,
        keep: check.keepalive ? { pool: keptConnections, owner: target } : undefined,
      });
      if (!expect.includes(res.status)) return { ok: false, detail: `HTTP ${res.status} (expected ${expect.join(', ')})` };
      if (matcher && !matcher.test(res.body)) {
        const note = res.truncated ? ` (first ${MAX_CHECK_BODY_BYTES} bytes read)` : '';
        return { ok: false, detail: `body ${matcher.failure}${note}` };
      }
      return { ok: true, detail: `HTTP ${res.status}` };
    },
  );
}

export interface BodyMatcher {
  test(body: string): boolean;
  /** 'does not contain "ok"' or 'does not match /ok/i' */
  failure: string;
}

/**
 * `expectBody` as a matcher: `/source/flags` is a regular expression, anything else a substring.
 * An invalid expression is returned as `{ error }` (the check then fails with that detail).
 */
export function bodyMatcher(expectBody: string): BodyMatcher | { error: string } {
  let pattern: RegExp | string;
  try {
    pattern = bodyPattern(expectBody);
  } catch (err) {
    return { error: `invalid expectBody regular expression ${expectBody}: ${(err as Error).message}` };
  }
  if (typeof pattern === 'string') return { test: (body) => body.includes(pattern), failure: `does not contain ${JSON.stringify(expectBody)}` };
  const re = pattern;
  return { test: (body) => re.test(body), failure: `does not match ${expectBody}` };
}
