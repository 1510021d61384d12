import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, formatProblem, MeridianError } from './errors.js';

describe('error catalogue', () => {
  it('is documented completely in docs/errors.md, with the same status and text', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `MERIDIAN_ERR_([A-Z_]+)` \| (\d+) \| (.+) \|$/gm)].map((m) => [m[1], Number(m[2]), m[3]]);
    expect(rows).toEqual(Object.entries(ERRORS).map(([k, v]) => [k, v.http, v.text]));
  });

  it('gives errors a stable code and formats problems as file:line:column field: message', () => {
    const e = new MeridianError('ZONE_INVALID', 'bad', [{ file: 'z.yaml', line: 3, column: 7, field: 'records[0].data', message: 'not an IPv4 address' }]);
    expect(e.code).toBe('MERIDIAN_ERR_ZONE_INVALID');
    expect(e.httpStatus).toBe(400);
    expect(formatProblem(e.problems[0])).toBe('z.yaml:3:7 records[0].data: not an IPv4 address');
    expect(formatProblem({ message: 'plain' })).toBe('plain');
  });
});
