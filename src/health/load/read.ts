/**
 * readLoad: fetch a member's load page (`scheme://address:port/path`, Host header from check.host,
 * certificate checks per check.insecure) and read its current connection count with the parser
 * for `check.load.kind`. Unlike a checker it throws: the monitor records the message as the
 * member's `loadError` and keeps its last good figure until it is too old. Like a checker it keeps
 * no deadline of its own: the caller fires the signal at the check's timeout (probe.ts).
 */
import { describeHttpError, httpGet, urlOf, type GetPhase } from '../checkers/http-get.js';
import { cutOf } from '../checkers/probe.js';
import type { LoadProbeDef, LoadReader } from '../types.js';
import { parseHaproxyCsv, parseNginxStubStatus, parsePrometheusGauge, readJsonField } from './parsers.js';

/** Load pages can be long (HAProxy with many proxies, a full /metrics): read this much at most. */
export const MAX_LOAD_BODY_BYTES = 1024 * 1024;

export const readLoad: LoadReader = async (target, signal) => {
  const { check } = target;
  const load = check.load;
  if (!load) throw new Error('no load probe configured for this check');
  const parse = parserFor(load);
  const scheme = load.scheme ?? 'http';
  const req = { scheme, address: target.address, port: load.port ?? check.port, path: load.path } as const;
  const url = urlOf(req);
  const progress: { phase: GetPhase } = { phase: 'connect' };
  const started = performance.now();
  let res;
  try {
    if (signal.aborted) throw signal.reason;
    res = await httpGet({ ...req, host: check.host, insecure: check.insecure, maxBodyBytes: MAX_LOAD_BODY_BYTES, signal, progress });
  } catch (err) {
    if (!signal.aborted) throw new Error(`load probe ${url}: ${describeHttpError(err)}`);
    const cut = cutOf(signal.reason, Math.round(performance.now() - started), check.timeoutMs);
    const what = cut.reason === 'timeout' ? `timed out after ${cut.timeoutMs} ms` : `aborted after ${cut.elapsedMs} ms`;
    throw new Error(`load probe ${url}: ${progress.phase === 'connect' ? 'connect ' : ''}${what}`);
  }
  if (res.status < 200 || res.status > 299) throw new Error(`load probe ${url}: HTTP ${res.status}`);
  try {
    return parse(res.body);
  } catch (err) {
    const note = res.truncated ? ` (first ${MAX_LOAD_BODY_BYTES} bytes read)` : '';
    throw new Error(`load probe ${url}: ${(err as Error).message}${note}`);
  }
};

/** The parser for a load probe definition; throws at once when a field the kind needs is missing. */
export function parserFor(load: LoadProbeDef): (body: string) => number {
  switch (load.kind) {
    case 'nginx-stub-status':
      return parseNginxStubStatus;
    case 'haproxy': {
      const proxy = need(load.proxy, 'haproxy', 'proxy');
      return (body) => parseHaproxyCsv(body, proxy, load.server ?? 'FRONTEND');
    }
    case 'json': {
      const field = need(load.field, 'json', 'field');
      return (body) => {
        let doc: unknown;
        try {
          doc = JSON.parse(body);
        } catch (err) {
          throw new Error(`body is not JSON: ${(err as Error).message}`);
        }
        return readJsonField(doc, field);
      };
    }
    case 'prometheus': {
      const metric = need(load.metric, 'prometheus', 'metric');
      return (body) => parsePrometheusGauge(body, metric, load.labels);
    }
    default:
      throw new Error(`unknown load probe kind ${JSON.stringify((load as { kind: unknown }).kind)}`);
  }
}

function need(value: string | undefined, kind: string, field: string): string {
  if (!value) throw new Error(`load probe kind ${kind} needs "${field}"`);
  return value;
}
