// The shared parser contract, run for every registered format, plus format specifics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ecsEventSchema } from '@soc/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getParser, parsers, runParser, splitLines } from './registry.ts';
import type { ParseContext } from './types.ts';

const ctx: ParseContext = {
  tenant: 'acme',
  receivedAt: new Date('2026-11-29T12:00:00.000Z'),
  keepOriginal: true,
};
const FIXTURES: Record<string, string> = { iptables: 'iptables.log', 'suricata-eve': 'suricata-eve.ndjson' };

function fixtureLines(format: string): string[] {
  const text = readFileSync(join(import.meta.dirname, '..', 'fixtures', FIXTURES[format]!), 'utf8');
  return splitLines(text).filter((l) => !l.startsWith('#'));
}

for (const [name, parser] of parsers) {
  describe(`parser contract: ${name}`, () => {
    it('parses every fixture line into a schema-valid UTC event with a deterministic id', () => {
      const lines = fixtureLines(name);
      expect(lines.length).toBeGreaterThanOrEqual(10);
      for (const line of lines) {
        const a = runParser(parser, line, ctx);
        if (!a.ok) throw new Error(`${name}: ${a.error.message}\n${line}`);
        expect(ecsEventSchema.safeParse(a.event).success).toBe(true);
        expect(a.event['@timestamp']).toMatch(/Z$/);
        expect(a.event.organization.id).toBe('acme');
        expect(a.event.event.original).toBe(line);
        const b = runParser(parser, line, ctx);
        expect(b.ok && b.event.event.id).toBe(a.event.event.id);
      }
    });
    it('never throws and never yields a schema-invalid event on arbitrary input', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()), (input) => {
          const result = runParser(parser, input, ctx);
          if (result.ok) expect(ecsEventSchema.safeParse(result.event).success).toBe(true);
          else expect(result.error.message.length).toBeGreaterThan(0);
        }),
        { numRuns: 1500 },
      );
    });
    it('survives mutations of real lines', () => {
      const lines = fixtureLines(name);
      fc.assert(
        fc.property(
          fc.constantFrom(...lines),
          fc.nat(),
          fc.nat(),
          fc.string({ maxLength: 8 }),
          (line, at, len, insert) => {
            const i = at % (line.length + 1);
            const mutated = line.slice(0, i) + insert + line.slice(i + (len % 12));
            const result = runParser(parser, mutated, ctx);
            if (result.ok) expect(ecsEventSchema.safeParse(result.event).success).toBe(true);
          },
        ),
        { numRuns: 3000 },
      );
    });
    it('does not keep the original when told not to', () => {
      const r = runParser(parser, fixtureLines(name)[0]!, { ...ctx, keepOriginal: false });
      expect(r.ok && r.event.event.original).toBeUndefined();
    });
  });
}

describe('iptables', () => {
  const parse = (line: string) => {
    const r = runParser(getParser('iptables')!, line, ctx);
    if (!r.ok) throw new Error(r.error.message);
    return r.event;
  };
  it('maps a UFW block with an RFC 3164 header', () => {
    const e = parse(fixtureLines('iptables')[0]!);
    expect(e).toMatchObject({
      '@timestamp': '2026-11-29T10:00:01.000Z',
      event: { kind: 'event', category: ['network'], type: ['denied'], action: 'block', outcome: 'failure' },
      observer: { vendor: 'netfilter', product: 'iptables', type: 'firewall', name: 'fw01' },
      source: { ip: '203.0.113.9', port: 40000, mac: '52-54-00-AB-CD-EF' },
      destination: { ip: '10.0.0.5', port: 22 },
      network: { transport: 'tcp', iana_number: '6', bytes: 60 },
      rule: { name: '[UFW BLOCK]' },
    });
  });
  it('reads RFC 5424 and zoned ISO timestamps as UTC, and common prefixes', () => {
    const [, , rfc5424, iso, bare, v6] = fixtureLines('iptables');
    expect(parse(rfc5424!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:03.250Z',
      event: { action: 'drop' },
    });
    expect(parse(rfc5424!).network).toMatchObject({ transport: 'udp', iana_number: '17', bytes: 76 });
    expect(parse(iso!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:04.500Z',
      event: { action: 'reject' },
    });
    expect(parse(bare!)).toMatchObject({
      '@timestamp': ctx.receivedAt.toISOString(),
      event: { action: 'accept' },
    });
    expect(parse(v6!)).toMatchObject({
      source: { ip: '2001:db8::1' },
      network: { transport: 'ipv6-icmp', iana_number: '58' },
    });
  });
  it('gives the year that puts a yearless timestamp nearest the receive time', () => {
    const line = fixtureLines('iptables')[0]!.replace('Nov 29', 'Dec 31');
    const r = runParser(getParser('iptables')!, line, {
      ...ctx,
      receivedAt: new Date('2027-01-01T00:00:10Z'),
    });
    expect(r.ok && r.event['@timestamp']).toBe('2026-12-31T10:00:01.000Z');
  });
  it('rejects lines that are not netfilter logs, with a reason', () => {
    const r = runParser(getParser('iptables')!, 'Nov 29 10:00:00 host sshd[1]: Accepted password', ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'syntax' } });
  });
});

describe('suricata-eve', () => {
  const parse = (line: string) => {
    const r = runParser(getParser('suricata-eve')!, line, ctx);
    if (!r.ok) throw new Error(r.error.message);
    return r.event;
  };
  it('maps an alert to an ECS alert with the signature as the rule', () => {
    expect(parse(fixtureLines('suricata-eve')[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:00.123Z',
      event: { kind: 'alert', category: ['network', 'intrusion_detection'], type: ['allowed'], severity: 2 },
      rule: { id: '2001219', name: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak' },
      observer: { vendor: 'OISF', product: 'Suricata', type: 'ids', name: 'ids01' },
      source: { ip: '203.0.113.9', port: 40000 },
      destination: { ip: '10.0.0.5', port: 22 },
      network: { transport: 'tcp', iana_number: '6', community_id: '1:abc=' },
    });
    expect(parse(fixtureLines('suricata-eve')[1]!).event).toMatchObject({
      type: ['denied'],
      action: 'blocked',
    });
  });
  it('maps flow byte and packet counts per direction, and zones to UTC', () => {
    const lines = fixtureLines('suricata-eve');
    expect(parse(lines[2]!)).toMatchObject({
      event: { type: ['connection', 'end'] },
      source: { bytes: 2400, packets: 12 },
      destination: { bytes: 18000, packets: 10 },
      network: { protocol: 'tls' },
    });
    expect(parse(lines[7]!)['@timestamp']).toBe('2026-11-29T09:00:07.000Z');
  });
  it('reports truncated JSON and missing fields', () => {
    const p = getParser('suricata-eve')!;
    expect(runParser(p, '{"timestamp":"2026-11-29T10:00:00Z","event_type":"al', ctx)).toMatchObject({
      ok: false,
      error: { code: 'syntax' },
    });
    expect(runParser(p, '{"event_type":"alert"}', ctx)).toMatchObject({
      ok: false,
      error: { code: 'syntax' },
    });
  });
});
