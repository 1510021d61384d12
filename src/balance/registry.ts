/**
 * Every balancing algorithm by the name pools use in zone files. Look an algorithm up here once,
 * when a pool is loaded, and keep the BoundAlgorithm: never per query.
 */
import type { AlgorithmName } from '../config/zone-types.js';
import { ipHash } from './ip-hash.js';
import { leastConnections, weightedLeastConnections } from './least-connections.js';
import { random, weightedRandom } from './random.js';
import { roundRobin } from './round-robin.js';
import type { Algorithm } from './types.js';
import { weightedRoundRobin } from './weighted-round-robin.js';

export const algorithms: Readonly<Record<AlgorithmName, Algorithm>> = {
  'round-robin': roundRobin,
  'weighted-round-robin': weightedRoundRobin,
  'least-connections': leastConnections,
  'weighted-least-connections': weightedLeastConnections,
  random,
  'weighted-random': weightedRandom,
  'ip-hash': ipHash,
};
