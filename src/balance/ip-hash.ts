/**
 * ip-hash: consistent hashing of the client key (address bytes already masked to the pool's hash
 * prefix) with a Maglev lookup table built at bind.
 *
 * - Each member gets a permutation of the table slots derived from the murmur3 hash of its NAME
 *   (offset and skip, as in Google's Maglev paper), and members take turns claiming their next free
 *   preferred slot, in name order. So the table depends only on names and weights: every server
 *   builds the same table whatever the member order, and a member leaving only frees its own slots
 *   — about 1/N of keys move, the rest keep their member.
 * - Weights are honoured by turns: a member of half the top weight claims a slot every second round.
 *   Relative weights below 1/MAX_WEIGHT_RATIO are raised to it to bound the build work.
 * - The table size is a prime ≥ 100 × members (min 65537), taken from a fixed ladder (the next prime
 *   above 65536·2^j), so pools keep their table size, and hence their mapping, while members come
 *   and go. It is sized from the larger of the eligible count and the highest pool index + 1, so
 *   members failing health checks never shrink it. Crossing a ladder step remaps most keys.
 * - A query hashes the key (murmur3, fixed seed) to a slot: O(1) whatever the pool size. With
 *   `answers: N` the rest are the next distinct members found walking the table on from that slot
 *   (at most WALK_PER_ANSWER slots per answer, then members in name order) — also deterministic.
 *
 * The hash seeds and the ladder are part of the mapping: changing them moves every client.
 */
import { Marks, answerCount } from './common.js';
import { hashString, murmur3 } from './hash.js';
import type { Algorithm, BoundAlgorithm, Candidate, PickContext, PoolState } from './types.js';
import { formatAddress } from '../wire/address.js';

const KEY_SEED = 0;
const OFFSET_SEED = 0x4d61676c;
const SKIP_SEED = 0x65763131;
export const MIN_TABLE_SIZE = 65537;
/** Largest ladder step: the table is then the prime 4194319 (16 MB; 100× for ~42,000 members). */
const MAX_TABLE_BASE = 1 << 22;
export const MAX_WEIGHT_RATIO = 256;
export const WALK_PER_ANSWER = 64;

function isPrime(x: number): boolean {
  if (x < 2) return false;
  for (let d = 2; d * d <= x; d++) if (x % d === 0) return false;
  return true;
}

/** Table size for a pool of `members`: MIN_TABLE_SIZE, or the first prime above a power of two ≥ 100×. */
export function tableSize(members: number): number {
  let base = 65536;
  while (base < 100 * members && base < MAX_TABLE_BASE) base *= 2;
  let m = base + 1;
  while (!isPrime(m)) m++;
  return m;
}

/** The Maglev table: slot → position in `members`. Independent of the order of `members`. */
export function maglevTable(members: readonly Candidate[], size: number): Int32Array {
  const n = members.length;
  const table = new Int32Array(size).fill(-1);
  if (n === 0) return table;
  const byName = nameOrder(members);
  const cursor = new Int32Array(n);
  const skip = new Int32Array(n);
  const weight = new Float64Array(n);
  const credit = new Float64Array(n);
  let top = 0;
  for (const m of members) top = Math.max(top, m.weight);
  for (let i = 0; i < n; i++) {
    cursor[i] = hashString(members[i].name, OFFSET_SEED) % size;
    skip[i] = (hashString(members[i].name, SKIP_SEED) % (size - 1)) + 1;
    weight[i] = Math.max(members[i].weight / top, 1 / MAX_WEIGHT_RATIO);
    credit[i] = 1; // every member claims a slot in the first round
  }
  let filled = 0;
  while (filled < size) {
    for (let r = 0; r < n && filled < size; r++) {
      const i = byName[r];
      const due = credit[i] >= 1;
      credit[i] += due ? weight[i] - 1 : weight[i];
      if (!due) continue;
      let slot = cursor[i];
      while (table[slot] >= 0) slot = (slot + skip[i]) % size;
      table[slot] = i;
      cursor[i] = (slot + skip[i]) % size;
      filled++;
    }
  }
  return table;
}

function nameOrder(members: readonly Candidate[]): Int32Array {
  const order = Int32Array.from(members, (_m, i) => i);
  // Code-unit order (not localeCompare) so every platform sorts the same way.
  order.sort((a, b) => (members[a].name < members[b].name ? -1 : members[a].name > members[b].name ? 1 : 0));
  return order;
}

export const ipHash: Algorithm = {
  name: 'ip-hash',
  bind(members: readonly Candidate[]): BoundAlgorithm {
    const n = members.length;
    let highestIndex = -1;
    for (const m of members) highestIndex = Math.max(highestIndex, m.index);
    const size = tableSize(Math.max(n, highestIndex + 1));
    const table = maglevTable(members, size);
    const byName = nameOrder(members);
    const rank = new Int32Array(n);
    for (let r = 0; r < n; r++) rank[byName[r]] = r;
    const marks = new Marks(n);

    return {
      pick(ctx: PickContext, _state: PoolState, out: Int32Array): number {
        const k = answerCount(ctx.count, n, out.length);
        if (k === 0) return 0;
        const slot = murmur3(ctx.clientKey, KEY_SEED) % size;
        const first = table[slot];
        out[0] = first;
        if (k === 1) return 1;
        marks.clear();
        marks.add(first);
        let written = 1;
        const walk = Math.min(size - 1, WALK_PER_ANSWER * k);
        for (let step = 1; step <= walk && written < k; step++) {
          const m = table[(slot + step) % size];
          if (marks.add(m)) out[written++] = m;
        }
        for (let step = 1; written < k; step++) {
          const m = byName[(rank[first] + step) % n];
          if (marks.add(m)) out[written++] = m;
        }
        return written;
      },
      explain(ctx: PickContext, _state: PoolState, picked: readonly number[]): string {
        if (picked.length === 0) return 'ip-hash: no eligible members';
        const slot = murmur3(ctx.clientKey, KEY_SEED) % size;
        return `ip-hash: key ${formatKey(ctx.clientKey)} → slot ${slot} of ${size} → ${members[picked[0]].name}`;
      },
    };
  },
};

/** Client key as an address when it looks like one (4 or 16 bytes), else hex. */
export function formatKey(key: Uint8Array): string {
  if (key.length === 0) return '(empty)';
  if (key.length === 4 || key.length === 16) return formatAddress({ family: key.length === 4 ? 4 : 6, bytes: key });
  return Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('');
}
