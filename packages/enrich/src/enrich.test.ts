import { BlockList, isIP } from 'node:net';
import { ECS_VERSION, type EcsEvent } from '@soc/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ThreatIntel } from './intel.ts';
import { ZoneMap } from './zones.ts';

const event = (src: string, dst: string, extra: Partial<EcsEvent> = {}): EcsEvent => ({
  '@timestamp': '2026-11-29T10:00:00.000Z',
  ecs: { version: ECS_VERSION },
  event: { id: 'x', kind: 'event', category: ['network'], type: ['connection'] },
  organization: { id: 't' },
  source: { ip: src },
  destination: { ip: dst },
  ...extra,
});

describe('zones', () => {
  const zones = ZoneMap.fromYaml(
    'zones:\n  - name: office\n    cidrs: [10.0.0.0/8, "2001:db8:1::/48"]\n  - name: dmz\n    cidrs: [192.0.2.0/28]\n',
  );
  it('derives the direction from where both ends are', () => {
    const cases: [string, string, string][] = [
      ['10.1.1.1', '192.0.2.5', 'internal'],
      ['10.1.1.1', '198.51.100.1', 'outbound'],
      ['203.0.113.9', '2001:db8:1::5', 'inbound'],
      ['203.0.113.9', '198.51.100.1', 'external'],
    ];
    for (const [s, d, dir] of cases) {
      const e = event(s, d);
      zones.apply(e);
      expect(e.network?.direction, `${s} → ${d}`).toBe(dir);
    }
  });
  it('keeps what the sensor said and names the zones', () => {
    const e = event('10.1.1.1', '192.0.2.5', { network: { direction: 'inbound' } });
    zones.apply(e);
    expect(e).toMatchObject({
      network: { direction: 'inbound' },
      source: { zone: 'office' },
      destination: { zone: 'dmz' },
    });
  });
  it('finds the first zone holding an address, as node:net BlockList decides', () => {
    const v4 = fc
      .tuple(fc.constantFrom(10, 172, 192, 0, 255), fc.nat(255), fc.nat(255), fc.nat(255))
      .map((p) => p.join('.'));
    const cidr = fc.oneof(
      fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, b]) => `${a}/${b}`),
      fc.constantFrom('::ffff:0:0/96', '::ffff:10.0.0.0/104', '2001:db8::/32', '::/0'),
    );
    const address = fc.oneof(
      v4,
      fc.constantFrom('10.0.0.1', '010.0.0.1', '::ffff:10.1.2.3', '2001:db8::1', 'not-an-ip', '1.2.3'),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(cidr, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        fc.array(address, { maxLength: 20 }),
        (lists, addresses) => {
          const spec = lists.map((cidrs, i) => ({ name: `z${i}`, cidrs }));
          const map = new ZoneMap(spec);
          const reference = spec.map(({ name, cidrs }) => {
            const list = new BlockList();
            for (const c of cidrs) {
              const [net, bits] = c.split('/');
              list.addSubnet(net!, Number(bits), isIP(net!) === 6 ? 'ipv6' : 'ipv4');
            }
            return { name, list };
          });
          for (const a of addresses) {
            const family = isIP(a);
            const expected = family
              ? reference.find((z) => z.list.check(a, family === 6 ? 'ipv6' : 'ipv4'))?.name
              : undefined;
            expect(map.zoneOf(a), a).toBe(expected);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
  it('rejects a bad CIDR with its zone name', () => {
    expect(() => ZoneMap.fromYaml('zones:\n  - name: x\n    cidrs: [10.0.0.0/33]\n')).toThrow(/zone "x"/);
  });
});

describe('threat intel', () => {
  const intel = new ThreatIntel();
  intel.add('feed-a', '# bad hosts\n203.0.113.9\n198.51.100.0/24\nevil.example\nnot an indicator\n');
  intel.add('feed-b', '203.0.113.9 # also here\n');
  it('counts what each list holds, and the lines it could not read', () => {
    expect(intel.stats).toEqual([
      { provider: 'feed-a', ips: 1, cidrs: 1, domains: 1, invalid: 1 },
      { provider: 'feed-b', ips: 1, cidrs: 0, domains: 0, invalid: 0 },
    ]);
  });
  it('tags IPs, CIDRs and subdomains with the provider and field that matched', () => {
    const e = event('203.0.113.9', '198.51.100.77', { dns: { question: { name: 'www.Evil.example' } } });
    expect(intel.apply(e)).toBe(4);
    expect(e.threat?.enrichments.map((x) => [x.indicator.provider, x.matched.field])).toEqual([
      ['feed-a', 'source.ip'],
      ['feed-b', 'source.ip'],
      ['feed-a', 'destination.ip'],
      ['feed-a', 'dns.question.name'],
    ]);
    expect(e.threat?.enrichments[3]?.indicator).toEqual({
      type: 'domain-name',
      domain: 'evil.example',
      provider: 'feed-a',
    });
  });
  it('leaves clean events untouched', () => {
    const e = event('10.0.0.1', '10.0.0.2');
    expect(intel.apply(e)).toBe(0);
    expect(e.threat).toBeUndefined();
  });
  it('matches addresses as a Set of IPs and node:net BlockList of CIDRs would', () => {
    const v4 = fc
      .tuple(fc.constantFrom(10, 198, 203, 0, 255), fc.nat(255), fc.nat(255), fc.nat(255))
      .map((p) => p.join('.'));
    const indicator = fc.oneof(
      v4,
      fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, b]) => `${a}/${b}`),
      fc.constantFrom('::ffff:0:0/96', '::ffff:10.0.0.0/104', '2001:db8::/32', '2001:db8::1', '::/0'),
    );
    const address = fc.oneof(
      v4,
      fc.constantFrom('10.0.0.1', '010.0.0.1', '::ffff:10.1.2.3', '2001:db8::1', '2001:DB8::1', '1.2.3'),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(indicator, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.array(address, { maxLength: 20 }),
        (lists, addresses) => {
          const intel = new ThreatIntel();
          const reference = lists.map((indicators, i) => {
            intel.add(`p${i}`, indicators.join('\n'));
            const ips = new Set<string>();
            const cidrs = new BlockList();
            for (const x of indicators) {
              const [net, bits] = x.split('/');
              const family = isIP(net!) === 6 ? 'ipv6' : 'ipv4';
              if (bits === undefined) ips.add(net!.toLowerCase());
              else cidrs.addSubnet(net!, Number(bits), family);
            }
            return { provider: `p${i}`, ips, cidrs };
          });
          for (const a of addresses) {
            const family = isIP(a);
            const expected = family
              ? reference
                  .filter(
                    (r) => r.ips.has(a.toLowerCase()) || r.cidrs.check(a, family === 6 ? 'ipv6' : 'ipv4'),
                  )
                  .map((r) => r.provider)
              : [];
            const e = event(a, '192.0.2.1');
            intel.apply(e);
            const found = (e.threat?.enrichments ?? []).filter((x) => x.matched.field === 'source.ip');
            expect(
              found.map((x) => x.indicator.provider),
              a,
            ).toEqual(expected);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
