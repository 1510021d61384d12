/**
 * The checkers: one per check kind, each `check(target, signal) → Promise<CheckResult>`, never
 * throwing. `checkerFor` binds the kind once, when a target is scheduled.
 */
import type { CheckKind, CheckResult, Checker } from '../types.js';
import { checkDns } from './dns.js';
import { checkHttp } from './http.js';
import { checkTcp } from './tcp.js';

export { checkDns } from './dns.js';
export { bodyMatcher, checkHttp, forgetConnection, MAX_CHECK_BODY_BYTES } from './http.js';
export { checkTcp } from './tcp.js';

/** kind `none`: the member is always up, without a probe. */
export const checkNone: Checker = async (): Promise<CheckResult> => ({ ok: true, latencyMs: 0, detail: 'no check' });

const CHECKERS: Record<CheckKind, Checker> = {
  tcp: checkTcp,
  http: checkHttp,
  https: checkHttp,
  dns: checkDns,
  none: checkNone,
};

/** The checker for a kind; an unknown kind (config that skipped validation) always fails. */
export function checkerFor(kind: CheckKind): Checker {
  const checker = Object.hasOwn(CHECKERS, kind) ? CHECKERS[kind] : undefined;
  if (checker) return checker;
  return async () => ({ ok: false, latencyMs: 0, detail: `unknown check kind ${JSON.stringify(kind)}` });
}
