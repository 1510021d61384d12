#!/usr/bin/env node
/**
 * A control for the `health` group: burns CPU the way probing does (a burst every few
 * milliseconds) with nothing to do with DNS, to show what taking that much CPU from a 2-core
 * machine costs dnsperf against Meridian whoever takes it.
 *
 *   node bench/lib/burn.mjs [--busy-ms 1.7] [--every-ms 10] &   # ~17% of a core
 *   npm run bench -- --only static-a --servers meridian
 *   kill %1                                                     # prints the CPU it used
 */
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({ options: { 'busy-ms': { type: 'string', default: '1.7' }, 'every-ms': { type: 'string', default: '10' } } });
const busy = Number(a['busy-ms']);
const every = Number(a['every-ms']);
const started = performance.now();
setInterval(() => {
  const end = performance.now() + busy;
  while (performance.now() < end);
}, every);
const report = () => {
  const { user, system } = process.cpuUsage();
  const wall = (performance.now() - started) / 1000;
  process.stderr.write(`burn: ${(((user + system) / 1e6 / wall) * 100).toFixed(1)}% of a core over ${wall.toFixed(0)} s (${busy} ms every ${every} ms)\n`);
  process.exit(0);
};
process.on('SIGTERM', report);
process.on('SIGINT', report);
