import { BlockList, isIP } from 'node:net';
import { parseIPv4 } from '@soc/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { subnetTest } from './cidr.ts';

/** The reference: one BlockList per subnet, as node:net decides. */
function reference(subnet: string): (v: unknown) => boolean {
  const [net, bits] = subnet.split('/');
  const list = new BlockList();
  list.addSubnet(net!, Number(bits), isIP(net!) === 4 ? 'ipv4' : 'ipv6');
  return (v) => {
    if (typeof v !== 'string') return false;
    const f = isIP(v);
    return f !== 0 && list.check(v, f === 4 ? 'ipv4' : 'ipv6');
  };
}

const octet = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map(String),
  fc.constantFrom('01', '256', '', 'x', '00'),
);
const address = fc.oneof(
  fc.tuple(octet, octet, octet, octet).map((p) => p.join('.')),
  fc.constantFrom(
    '10.0.0.1',
    '::ffff:10.0.0.1',
    'fd00::1',
    '2001:db8::1',
    '::1',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.4 ',
  ),
  fc.ipV4(),
  fc.ipV6(),
);
const subnets = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.1.77/16',
  '0.0.0.0/0',
  '203.0.113.5/32',
  'fc00::/7',
  '::ffff:0:0/96',
  '::ffff:10.0.0.0/104',
  '::/0',
  '2001:db8::/32',
];

describe('CIDR matching', () => {
  it('parses dotted quads exactly as node:net isIPv4 accepts them', () => {
    fc.assert(
      fc.property(address, (a) => {
        expect(parseIPv4(a) >= 0).toBe(isIP(a) === 4);
      }),
    );
  });
  it('decides as node:net BlockList does, IPv4 and IPv6, subnets of either family', () => {
    for (const subnet of subnets) {
      const fast = subnetTest(subnet, () => new Error('bad'));
      const slow = reference(subnet);
      fc.assert(
        fc.property(address, (a) => {
          expect(fast(a)).toBe(slow(a));
        }),
        { numRuns: 500 },
      );
      for (const v of [undefined, null, 10, true]) expect(fast(v as never)).toBe(false);
    }
  });
});
