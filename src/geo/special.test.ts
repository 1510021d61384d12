import { describe, expect, it } from 'vitest';
import { specialPrefix, specialRange } from './special.js';
import { addr } from './testing.js';

describe('specialRange', () => {
  it.each([
    ['10.255.255.255', '10.0.0.0/8', 'private', 8],
    ['172.20.1.1', '172.16.0.0/12', 'private', 12],
    ['192.168.255.1', '192.168.0.0/16', 'private', 16],
    ['127.0.0.53', '127.0.0.0/8', 'loopback', 8],
    ['169.254.169.254', '169.254.0.0/16', 'link-local', 16],
    ['0.0.0.0', '0.0.0.0/8', 'unspecified', 8],
    ['::', '::/128', 'unspecified', 128],
    ['::1', '::1/128', 'loopback', 128],
    ['fc00::1', 'fc00::/7', 'private', 7],
    ['fdff:ffff::', 'fc00::/7', 'private', 7],
    ['fe80::1', 'fe80::/10', 'link-local', 10],
    ['febf:ffff::', 'fe80::/10', 'link-local', 10],
    ['::ffff:127.0.0.1', '127.0.0.0/8', 'loopback', 104],
  ])('%s is in %s (%s), prefix /%i', (address, network, kind, prefix) => {
    const { bytes, family } = addr(address);
    expect(specialRange(bytes, family)).toMatchObject({ network, kind });
    expect(specialPrefix(bytes, family)).toBe(prefix);
  });

  it.each(['100.64.0.1', '192.0.2.1', '198.18.0.1', '172.32.0.0', '8.8.8.8', '224.0.0.1', 'fec0::', '::2', '::1:0', '::ffff:8.8.8.8', '2001:db8::', '64:ff9b::a00:1'])(
    '%s is not special',
    (address) => {
      const { bytes, family } = addr(address);
      expect(specialRange(bytes, family)).toBeUndefined();
      expect(specialPrefix(bytes, family)).toBeUndefined();
    },
  );
});
