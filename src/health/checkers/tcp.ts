/**
 * tcp: the member accepts a TCP connection on address:port within the timeout (the caller fires
 * the signal then, see probe.ts). The connection is closed at once; nothing is sent.
 */
import net from 'node:net';
import type { CheckResult, CheckTarget } from '../types.js';
import { describeSocketError, probe, type Outcome } from './probe.js';

export function checkTcp(target: CheckTarget, signal: AbortSignal): Promise<CheckResult> {
  const { address } = target;
  const { port, timeoutMs } = target.check;
  return probe(
    {
      timeoutMs,
      signal,
      onCut: (c) => (c.reason === 'timeout' ? `TCP connect timed out after ${c.timeoutMs} ms` : `TCP connect aborted after ${c.elapsedMs} ms`),
      onError: (err) => `TCP connect ${describeSocketError(err)}`,
    },
    (abort) => connect(address, port, abort),
  );
}

function connect(host: string, port: number, abort: AbortSignal): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const onAbort = () => {
      sock.destroy();
      reject(abort.reason);
    };
    abort.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => {
      abort.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve({ ok: true, detail: 'TCP connected' });
    });
    sock.once('error', (err) => {
      abort.removeEventListener('abort', onAbort);
      sock.destroy();
      reject(err);
    });
  });
}
