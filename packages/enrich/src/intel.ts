// Threat-intelligence lists: files of indicators (one per line: an IP address, a CIDR
// range, or a domain; "#" starts a comment), each file one provider named after it.
// Matching events get ECS threat.enrichments entries naming the indicator, the provider and
// the field that matched. Domains match themselves and their subdomains.
import { BlockList, isIP } from 'node:net';
import type { EcsEvent } from '@soc/schema';

type Enrichment = NonNullable<EcsEvent['threat']>['enrichments'][number];

interface List {
  provider: string;
  ips: Set<string>;
  cidrs: BlockList;
  cidrCount: number;
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
    const list: List = { provider, ips: new Set(), cidrs: new BlockList(), cidrCount: 0, domains: new Set() };
    let invalid = 0;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.replace(/#.*/, '').trim().toLowerCase();
      if (!line) continue;
      const [net, bits] = line.split('/');
      const family = isIP(net ?? '');
      if (family && bits === undefined) list.ips.add(net!);
      else if (family && /^\d{1,3}$/.test(bits!) && Number(bits) <= (family === 6 ? 128 : 32)) {
        list.cidrs.addSubnet(net!, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
        list.cidrCount++;
      } else if (DOMAIN.test(line)) list.domains.add(line);
      else invalid++;
    }
    this.lists.push(list);
    this.stats.push({
      provider,
      ips: list.ips.size,
      cidrs: list.cidrCount,
      domains: list.domains.size,
      invalid,
    });
  }

  get size(): number {
    return this.stats.reduce((n, s) => n + s.ips + s.cidrs + s.domains, 0);
  }

  /** Adds threat.enrichments for every indicator the event matches; returns how many. */
  apply(event: EcsEvent): number {
    if (this.lists.length === 0) return 0;
    const found: Enrichment[] = [];
    this.matchIp(event.source?.ip, 'source.ip', found);
    this.matchIp(event.destination?.ip, 'destination.ip', found);
    this.matchDomain(event.destination?.domain, 'destination.domain', found);
    this.matchDomain(event.url?.domain, 'url.domain', found);
    this.matchDomain(event.dns?.question?.name, 'dns.question.name', found);
    this.matchDomain(event.tls?.client?.server_name, 'tls.client.server_name', found);
    if (found.length === 0) return 0;
    event.threat = { enrichments: [...(event.threat?.enrichments ?? []), ...found].slice(0, 32) };
    return found.length;
  }

  private matchIp(ip: string | undefined, field: string, out: Enrichment[]): void {
    if (!ip) return;
    const family = isIP(ip);
    if (!family) return;
    const key = ip.toLowerCase();
    for (const l of this.lists) {
      if (l.ips.has(key) || (l.cidrCount > 0 && l.cidrs.check(ip, family === 6 ? 'ipv6' : 'ipv4'))) {
        out.push({
          indicator: { type: family === 6 ? 'ipv6-addr' : 'ipv4-addr', ip, provider: l.provider },
          matched: { atomic: ip, field, type: 'indicator_match_rule' },
        });
      }
    }
  }

  private matchDomain(name: string | undefined, field: string, out: Enrichment[]): void {
    if (!name) return;
    let d = name.toLowerCase().replace(/\.$/, '');
    for (;;) {
      for (const l of this.lists) {
        if (l.domains.has(d)) {
          out.push({
            indicator: { type: 'domain-name', domain: d, provider: l.provider },
            matched: { atomic: name, field, type: 'indicator_match_rule' },
          });
        }
      }
      const dot = d.indexOf('.');
      if (dot < 0 || d.indexOf('.', dot + 1) < 0) return;
      d = d.slice(dot + 1);
    }
  }
}
