import { describe, expect, it } from 'vitest';
import { parseQuery } from './query.js';

/** Header (ID 1, QDCOUNT 1) + the given question bytes + type A, class IN. */
function withQuestion(name: number[]): Buffer {
  return Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, 1, 0, 1]);
}

describe('parseQuery: question names', () => {
  it('reads an uncompressed name, keeping its case in qname and lower-casing qkey', () => {
    const q = parseQuery(withQuestion([3, 0x57, 0x77, 0x57, 0]))!;
    expect(q.malformed).toBeNull();
    expect(q.qname).toEqual(Buffer.from([3, 0x57, 0x77, 0x57, 0]));
    expect(q.qkey).toBe('\u0003www\u0000');
  });

  it('follows a backward pointer (here into the header: ID 0x0161, flags 0 read as "a.")', () => {
    const buf = withQuestion([0xc0, 0]);
    buf.writeUInt16BE(0x0161, 0);
    const q = parseQuery(buf)!;
    expect(q.malformed).toBeNull();
    expect(q.qname).toEqual(Buffer.from([1, 0x61, 0]));
  });

  it.each([
    ['a label, then a pointer back to it', [1, 0x61, 0xc0, 12]],
    ['two labels, then a pointer back to the second', [1, 0x61, 1, 0x62, 0xc0, 14]],
    ['a pointer to itself', [0xc0, 12]],
    ['a forward pointer', [0xc0, 14, 1, 0x61, 0]],
  ])('rejects a pointer loop or forward pointer: %s', (_why, name) => {
    expect(parseQuery(withQuestion(name))?.malformed).toMatch(/question/);
  });
});
