// Network zones: named CIDR ranges that are "ours" (internal). An event's direction
// follows from where its two ends are: internal → internal is internal, internal →
// elsewhere outbound, elsewhere → internal inbound, elsewhere → elsewhere external.
// The zone map only fills what the sensor did not say: a vendor's own direction and zone
// names are kept.
//
// File format (YAML):
//   zones:
//     - name: office
//       cidrs: [10.0.0.0/16, 2001:db8:1::/48]
//     - name: dmz
//       cidrs: [192.0.2.0/28]
import { BlockList, isIP } from 'node:net';
import { type EcsEvent, parseIPv4 } from '@soc/schema';
import { parse } from 'yaml';
import { z } from 'zod';

const zonesFile = z.strictObject({
  zones: z.array(z.strictObject({ name: z.string().min(1).max(128), cidrs: z.array(z.string()).min(1) })),
});

/** addresses whose zone is remembered, at most */
const SEEN_MAX = 65_536;

interface Zone {
  name: string;
  list: BlockList;
  /** its IPv4 subnets as (network, 32 − prefix), checked in arithmetic */
  v4: { base: number; shift: number }[];
  /** it has IPv6 subnets, which may hold IPv4 addresses (as ::ffff:a.b.c.d): BlockList decides */
  v6: boolean;
}

export class ZoneMap {
  private readonly zones: Zone[];
  private readonly seen = new Map<string, string>();

  constructor(zones: { name: string; cidrs: string[] }[]) {
    this.zones = zones.map((z) => {
      const list = new BlockList();
      const v4: Zone['v4'] = [];
      let v6 = false;
      for (const c of z.cidrs) {
        const [net, bits] = c.split('/');
        const family = isIP(net ?? '');
        if (!family) throw new Error(`zone "${z.name}": "${c}" is not a CIDR`);
        const max = family === 6 ? 128 : 32;
        const prefix = bits === undefined ? max : Number(bits);
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
          throw new Error(`zone "${z.name}": bad prefix in "${c}"`);
        list.addSubnet(net!, prefix, family === 6 ? 'ipv6' : 'ipv4');
        if (family === 6) v6 = true;
        else v4.push({ base: parseIPv4(net!), shift: 32 - prefix });
      }
      return { name: z.name, list, v4, v6 };
    });
  }

  static fromYaml(text: string): ZoneMap {
    const parsed = zonesFile.safeParse(parse(text));
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new Error(`zones file: ${i.path.join('.')}: ${i.message}`);
    }
    return new ZoneMap(parsed.data.zones);
  }

  zoneOf(ip: string | undefined): string | undefined {
    if (!ip) return undefined;
    const cached = this.seen.get(ip);
    if (cached !== undefined) return cached || undefined;
    const zone = this.lookup(ip);
    // a map is immutable (a reload builds a new one), so answers can be kept; '' is "none"
    if (this.seen.size >= SEEN_MAX) this.seen.clear();
    this.seen.set(ip, zone ?? '');
    return zone;
  }

  /** The first zone (in file order) holding the address, as node:net's BlockList decides. */
  private lookup(ip: string): string | undefined {
    const a = parseIPv4(ip);
    if (a < 0) {
      const family = isIP(ip);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      return family ? this.zones.find((z) => z.list.check(ip, type))?.name : undefined;
    }
    for (const z of this.zones) {
      for (const { base, shift } of z.v4) if (shift === 32 || (a ^ base) >>> shift === 0) return z.name;
      if (z.v6 && z.list.check(ip, 'ipv4')) return z.name;
    }
    return undefined;
  }

  /** Sets network.direction and source/destination.zone where the sensor did not. */
  apply(event: EcsEvent): void {
    const srcIp = event.source?.ip;
    const dstIp = event.destination?.ip;
    if (!srcIp || !dstIp) return;
    const src = this.zoneOf(srcIp);
    const dst = this.zoneOf(dstIp);
    if (src && event.source && !event.source.zone) event.source.zone = src;
    if (dst && event.destination && !event.destination.zone) event.destination.zone = dst;
    event.network ??= {};
    if (!event.network.direction) {
      event.network.direction = src && dst ? 'internal' : src ? 'outbound' : dst ? 'inbound' : 'external';
    }
  }
}
