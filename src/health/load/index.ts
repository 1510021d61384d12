/** Load figures for least-connections: pure parsers, and the reader that fetches and applies them. */
export { parseHaproxyCsv, parseNginxStubStatus, parsePromLine, parsePrometheusGauge, readJsonField, type PromSample } from './parsers.js';
export { MAX_LOAD_BODY_BYTES, parserFor, readLoad } from './read.js';
