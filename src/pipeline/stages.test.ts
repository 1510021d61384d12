import { describe, expect, it } from 'vitest';
import { STAGES } from './stages.js';

describe('query path', () => {
  it('runs the stages in the documented order', () => {
    // docs/pipeline.md draws this order; change both together
    expect(STAGES.map((s) => s.name)).toEqual(['validate', 'chaos', 'zone', 'lookup', 'client', 'geo', 'balance']);
  });
});
