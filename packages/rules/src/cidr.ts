// CIDR membership for the `cidr` modifier, with node:net's semantics (BlockList, isIP):
// IPv4 addresses are checked in plain arithmetic, which is what almost every event
// carries; IPv6 and IPv4-mapped forms go to node:net's BlockList.
import { BlockList, isIP } from 'node:net';
import { parseIPv4 } from '@soc/schema';
import type { FieldValue } from './fields.ts';

/** A test for one subnet ("10.0.0.0/8", "fc00::/7"); throws when it is not a CIDR. */
export function subnetTest(value: unknown, invalid: () => Error): (v: FieldValue) => boolean {
  const list = new BlockList();
  const [net, bits] = String(value).split('/');
  const family = isIP(net ?? '');
  const prefix = Number(bits);
  if (!family || !Number.isInteger(prefix)) throw invalid();
  list.addSubnet(net!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  const slow = (v: string) => {
    const f = isIP(v);
    return f !== 0 && list.check(v, f === 4 ? 'ipv4' : 'ipv6');
  };
  if (family === 4) {
    const base = parseIPv4(net!);
    const shift = 32 - prefix;
    return (v) => {
      if (typeof v !== 'string') return false;
      if (v.includes(':')) return slow(v);
      const a = parseIPv4(v);
      return a >= 0 && (shift === 32 || (a ^ base) >>> shift === 0);
    };
  }
  // an IPv6 subnet holds IPv4 addresses only where it overlaps ::ffff:0:0/96 (mapped)
  const mapped = new BlockList();
  mapped.addSubnet('::ffff:0:0', 96, 'ipv6');
  const holdsIPv4 = prefix >= 96 ? mapped.check(net!, 'ipv6') : list.check('::ffff:0:0', 'ipv6');
  return (v) => {
    if (typeof v !== 'string') return false;
    if (!holdsIPv4 && !v.includes(':')) return false; // no IPv4 address is in it; isIP would say 0 or 4
    return slow(v);
  };
}
