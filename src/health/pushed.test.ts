import { describe, expect, it } from 'vitest';
import { defaultMemberView, type MemberView } from '../balance/pool.js';
import type { MemberDef, ZoneDefinition } from '../config/zone-types.js';
import { PUSHED_DEFAULT_MAX_AGE_MS, PushedLoads } from './pushed.js';

const member = (name: string): MemberDef => ({ name, address: '192.0.2.1', family: 4, weight: 1, enabled: true, drained: false, check: null });
const zone = (members: string[]) => ({ origin: 'z.test.', pools: [{ name: 'web', members: members.map(member) }] }) as unknown as ZoneDefinition;

describe('pushed load figures', () => {
  it('the fresher of probed and pushed counts, with the same expiry', () => {
    const pushed = new PushedLoads();
    const probed: MemberView = { ...defaultMemberView, load: () => ({ connections: 5, at: 1000, maxAgeMs: 3000 }) };
    const view = pushed.view(probed);
    expect(view.load!('z.test.', 'web', member('a'))).toEqual({ connections: 5, at: 1000, maxAgeMs: 3000 });
    pushed.set('z.test.', 'web', 'a', { connections: 812, capacity: 5000, at: 2000 });
    expect(view.load!('z.test.', 'web', member('a'))).toEqual({ connections: 812, at: 2000, maxAgeMs: PUSHED_DEFAULT_MAX_AGE_MS });
    pushed.set('z.test.', 'web', 'a', { connections: 1, at: 500 });
    expect(view.load!('z.test.', 'web', member('a'))).toEqual({ connections: 5, at: 1000, maxAgeMs: 3000 });
  });

  it('forgets the figures of members the zones no longer define', () => {
    const pushed = new PushedLoads();
    pushed.set('z.test.', 'web', 'a', { connections: 1, at: 1 });
    pushed.set('z.test.', 'web', 'b', { connections: 2, at: 1 });
    pushed.retain([zone(['a'])]);
    expect(pushed.get('z.test.', 'web', 'a')).toEqual({ connections: 1, at: 1 });
    expect(pushed.get('z.test.', 'web', 'b')).toBeUndefined();
  });
});
