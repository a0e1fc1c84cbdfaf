import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { getParser, runParser } from '../registry.ts';

const ctx = contractContext();

parserContract(getParser('suricata-eve')!, 'suricata-eve.ndjson');

describe('suricata-eve', () => {
  const parse = (line: string) => {
    const r = runParser(getParser('suricata-eve')!, line, ctx);
    if (!r.ok) throw new Error(r.error.message);
    return r.event;
  };
  it('maps an alert to an ECS alert with the signature as the rule', () => {
    expect(parse(fixtureLines('suricata-eve.ndjson')[0]!)).toMatchObject({
      '@timestamp': '2026-11-29T10:00:00.123Z',
      event: { kind: 'alert', category: ['network', 'intrusion_detection'], type: ['allowed'], severity: 2 },
      rule: { id: '2001219', name: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak' },
      observer: { vendor: 'OISF', product: 'Suricata', type: 'ids', name: 'ids01' },
      source: { ip: '203.0.113.9', port: 40000 },
      destination: { ip: '10.0.0.5', port: 22 },
      network: { transport: 'tcp', iana_number: '6', community_id: '1:abc=' },
    });
    expect(parse(fixtureLines('suricata-eve.ndjson')[1]!).event).toMatchObject({
      type: ['denied'],
      action: 'blocked',
    });
  });
  it('maps flow byte and packet counts per direction, and zones to UTC', () => {
    const lines = fixtureLines('suricata-eve.ndjson');
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
