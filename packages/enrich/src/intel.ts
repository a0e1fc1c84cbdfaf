// Threat-intelligence lists: files of indicators (one per line: an IP address, a CIDR
// range, or a domain; "#" starts a comment), each file one provider named after it.
// Matching events get ECS threat.enrichments entries naming the indicator, the provider and
// the field that matched. Domains match themselves and their subdomains.
import { BlockList, isIP } from 'node:net';
import { type EcsEvent, parseIPv4 } from '@soc/schema';

type Enrichment = NonNullable<EcsEvent['threat']>['enrichments'][number];

interface List {
  provider: string;
  /** IPv6 addresses */
  ips: Set<string>;
  /** IPv4 addresses and ranges, merged: [v4Starts[i], v4Ends[i]] ascending, disjoint */
  v4Starts: Uint32Array;
  v4Ends: Uint32Array;
  /** every range, for IPv6 addresses (and IPv4 ones when there are IPv6 ranges, which may
   * hold IPv4-mapped addresses): node:net's BlockList decides those */
  cidrs: BlockList;
  cidrCount: number;
  v6CidrCount: number;
  domains: Set<string>;
}

export interface IntelStats {
  provider: string;
  ips: number;
  cidrs: number;
  domains: number;
  invalid: number;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export class ThreatIntel {
  private readonly lists: List[] = [];
  readonly stats: IntelStats[] = [];

  /** Adds one provider's list from its text. Invalid lines are counted, not fatal. */
  add(provider: string, text: string): void {
    const ips = new Set<string>();
    const v4: [number, number][] = [];
    const v4Ips = new Set<number>();
    const blockList = new BlockList();
    let cidrs = 0;
    let v6CidrCount = 0;
    const domains = new Set<string>();
    let invalid = 0;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.replace(/#.*/, '').trim().toLowerCase();
      if (!line) continue;
      const [net, bits] = line.split('/');
      const family = isIP(net ?? '');
      const prefix = Number(bits);
      if (family === 4 && bits === undefined) {
        const a = parseIPv4(net!);
        v4Ips.add(a);
        v4.push([a, a]);
      } else if (family === 6 && bits === undefined) ips.add(net!);
      else if (family && /^\d{1,3}$/.test(bits!) && prefix <= (family === 6 ? 128 : 32)) {
        cidrs++;
        blockList.addSubnet(net!, prefix, family === 6 ? 'ipv6' : 'ipv4');
        if (family === 6) v6CidrCount++;
        else {
          const size = 2 ** (32 - prefix);
          const a = parseIPv4(net!);
          const start = a - (a % size);
          v4.push([start, start + size - 1]);
        }
      } else if (DOMAIN.test(line)) domains.add(line);
      else invalid++;
    }
    const { starts, ends } = mergeRanges(v4);
    this.lists.push({
      provider,
      ips,
      v4Starts: starts,
      v4Ends: ends,
      cidrs: blockList,
      cidrCount: cidrs,
      v6CidrCount,
      domains,
    });
    this.stats.push({ provider, ips: ips.size + v4Ips.size, cidrs, domains: domains.size, invalid });
  }

  get size(): number {
    return this.stats.reduce((n, s) => n + s.ips + s.cidrs + s.domains, 0);
  }

  /** Adds threat.enrichments for every indicator the event matches; returns how many. */
  apply(event: EcsEvent): number {
    if (this.lists.length === 0) return 0;
    let found: Enrichment[] | undefined;
    found = this.matchIp(event.source?.ip, 'source.ip', found);
    found = this.matchIp(event.destination?.ip, 'destination.ip', found);
    found = this.matchDomain(event.destination?.domain, 'destination.domain', found);
    found = this.matchDomain(event.url?.domain, 'url.domain', found);
    found = this.matchDomain(event.dns?.question?.name, 'dns.question.name', found);
    found = this.matchDomain(event.tls?.client?.server_name, 'tls.client.server_name', found);
    if (found === undefined) return 0;
    event.threat = { enrichments: [...(event.threat?.enrichments ?? []), ...found].slice(0, 32) };
    return found.length;
  }

  private matchIp(
    ip: string | undefined,
    field: string,
    out: Enrichment[] | undefined,
  ): Enrichment[] | undefined {
    if (!ip) return out;
    const a = parseIPv4(ip);
    const family = a >= 0 ? 4 : isIP(ip);
    if (!family) return out;
    const key = family === 6 ? ip.toLowerCase() : ip;
    for (const l of this.lists) {
      const hit =
        family === 4
          ? inRanges(l.v4Starts, l.v4Ends, a) || (l.v6CidrCount > 0 && l.cidrs.check(ip, 'ipv4'))
          : l.ips.has(key) || (l.cidrCount > 0 && l.cidrs.check(ip, 'ipv6'));
      if (hit) {
        out ??= [];
        out.push({
          indicator: { type: family === 6 ? 'ipv6-addr' : 'ipv4-addr', ip, provider: l.provider },
          matched: { atomic: ip, field, type: 'indicator_match_rule' },
        });
      }
    }
    return out;
  }

  private matchDomain(
    name: string | undefined,
    field: string,
    out: Enrichment[] | undefined,
  ): Enrichment[] | undefined {
    if (!name) return out;
    let d = name.toLowerCase().replace(/\.$/, '');
    for (;;) {
      for (const l of this.lists) {
        if (l.domains.has(d)) {
          out ??= [];
          out.push({
            indicator: { type: 'domain-name', domain: d, provider: l.provider },
            matched: { atomic: name, field, type: 'indicator_match_rule' },
          });
        }
      }
      const dot = d.indexOf('.');
      if (dot < 0 || d.indexOf('.', dot + 1) < 0) return out;
      d = d.slice(dot + 1);
    }
  }
}

/** Sorts ranges and merges the overlapping and adjacent ones. */
function mergeRanges(ranges: [number, number][]): { starts: Uint32Array; ends: Uint32Array } {
  ranges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const [start, end] of ranges) {
    const last = ends.length - 1;
    if (last >= 0 && start <= ends[last]! + 1) ends[last] = Math.max(ends[last]!, end);
    else {
      starts.push(start);
      ends.push(end);
    }
  }
  return { starts: Uint32Array.from(starts), ends: Uint32Array.from(ends) };
}

/** Whether one of the merged ranges holds the address (binary search). */
function inRanges(starts: Uint32Array, ends: Uint32Array, a: number): boolean {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= a) {
      if (a <= ends[mid]!) return true;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return false;
}
