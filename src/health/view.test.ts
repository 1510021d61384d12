import { describe, expect, it } from 'vitest';
import type { MemberHealth } from './types.js';
import { EMPTY_HEALTH_VIEW, freezeHealthView } from './view.js';

const up: MemberHealth = { state: 'up', since: 1, successes: 3, failures: 0 };

describe('freezeHealthView', () => {
  it('copies the members, so later changes to the source are not seen', () => {
    const source = new Map([['192.0.2.1|{}', up]]);
    const view = freezeHealthView(source, true, 7);
    source.set('192.0.2.2|{}', up);
    expect([...view.members.keys()]).toEqual(['192.0.2.1|{}']);
    expect(view).toMatchObject({ ready: true, generation: 7 });
  });

  it('is immutable: the view is frozen and its map refuses changes', () => {
    const view = freezeHealthView([['k', up]], false, 1);
    expect(Object.isFrozen(view)).toBe(true);
    const members = view.members as Map<string, MemberHealth>;
    expect(() => members.set('x', up)).toThrow(/immutable/);
    expect(() => members.delete('k')).toThrow(/immutable/);
    expect(() => members.clear()).toThrow(/immutable/);
    expect(members.get('k')).toBe(up);
  });

  it('can be shipped to another process as plain data (structured clone)', () => {
    const view = freezeHealthView([['k', up]], true, 2);
    const copy = structuredClone(view);
    expect(copy.members).toBeInstanceOf(Map);
    expect(copy.members.get('k')).toEqual(up);
    expect(copy).toMatchObject({ ready: true, generation: 2 });
  });

  it('starts from an empty view that is not ready', () => {
    expect(EMPTY_HEALTH_VIEW).toMatchObject({ ready: false, generation: 0 });
    expect(EMPTY_HEALTH_VIEW.members.size).toBe(0);
  });
});
