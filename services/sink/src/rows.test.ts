import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EcsEvent, ecsEventSchema } from '@soc/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSinkConfig, retentionDays } from './config.ts';
import { decodeAlert, decodeEvent, decodeStatusChange, dlqDecoder } from './decoders.ts';
import { dlqRow, reasonCode } from './dlq-rows.ts';
import { eventRow } from './event-rows.ts';
import { computeLag } from './lag.ts';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'packages', 'parsers', 'fixtures');
const message = (value: unknown, offset = '0') => ({
  key: null,
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  timestamp: '0',
  attributes: 0,
  offset,
  headers: {},
});

/** The events row as an object, as the sink built it before it wrote the JSON text itself. */
function referenceRow(e: EcsEvent) {
  const src = e.source ?? {};
  const dst = e.destination ?? {};
  const indicators = (e.threat?.enrichments ?? [])
    .map((t) => t.matched.atomic ?? t.indicator.ip ?? t.indicator.domain ?? '')
    .filter((v) => v !== '');
  return {
    timestamp: e['@timestamp'],
    timestamp_ms: Date.parse(e['@timestamp']),
    event_id: e.event.id,
    tenant: e.organization.id,
    observer_name: e.observer?.name ?? e.observer?.hostname ?? '',
    observer_vendor: e.observer?.vendor ?? '',
    observer_product: e.observer?.product ?? '',
    observer_type: e.observer?.type ?? '',
    event_kind: e.event.kind,
    event_category: e.event.category,
    event_type: e.event.type,
    event_action: e.event.action ?? '',
    event_outcome: e.event.outcome ?? '',
    event_severity: e.event.severity ?? 0,
    event_dataset: e.event.dataset ?? '',
    event_module: e.event.module ?? '',
    event_ingested: e.event.ingested ?? '1970-01-01T00:00:00.000Z',
    source_ip: src.ip ?? '',
    source_port: src.port ?? 0,
    source_bytes: src.bytes ?? 0,
    source_packets: src.packets ?? 0,
    destination_ip: dst.ip ?? '',
    destination_port: dst.port ?? 0,
    destination_bytes: dst.bytes ?? 0,
    destination_packets: dst.packets ?? 0,
    network_transport: e.network?.transport ?? '',
    network_protocol: e.network?.protocol ?? '',
    network_direction: e.network?.direction ?? '',
    network_bytes: e.network?.bytes ?? 0,
    network_packets: e.network?.packets ?? 0,
    rule_id: e.rule?.id ?? '',
    rule_name: e.rule?.name ?? '',
    rule_category: e.rule?.category ?? '',
    user_name: e.user?.name ?? src.user?.name ?? '',
    host_name: e.host?.name ?? '',
    url_domain: e.url?.domain ?? '',
    dns_question_name: e.dns?.question?.name ?? '',
    threat_indicators: indicators,
    tags: e.tags ?? [],
    original: e.event.original ?? '',
    event_json: JSON.stringify(e),
  };
}

/** The fields of a TSKV line as they are written (the values still escaped). */
function rawFields(line: string): Record<string, string> {
  expect(line).not.toContain('\n');
  return Object.fromEntries(
    line.split('\t').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]),
  );
}

const ESCAPED: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0' };
/** ClickHouse's reading of an escaped or single-quoted string: backslash + c is c, or one of b f n r t 0 */
const unescapeClickHouse = (text: string) => text.replace(/\\(.)/gsu, (_, c: string) => ESCAPED[c] ?? c);

/** The fields of a TSKV line, each value read as a String. */
const fields = (line: string) =>
  Object.fromEntries(Object.entries(rawFields(line)).map(([k, v]) => [k, unescapeClickHouse(v)]));

/** An Array(String) value read as ClickHouse does: ['a','b'] of single-quoted literals. */
function readArray(text: string): string[] {
  if (text === '[]') return [];
  const items: string[] = [];
  const literal = /'((?:[^'\\]|\\.)*)'(,|\])/gsuy;
  expect(text[0]).toBe('[');
  literal.lastIndex = 1;
  for (let m = literal.exec(text); m; m = literal.exec(text)) {
    items.push(unescapeClickHouse(m[1]!));
    if (m[2] === ']' && literal.lastIndex === text.length) return items;
  }
  throw new Error(`not an array: ${text}`);
}

/** A TSKV events row read back in the shape of the reference row (numbers as their text). */
function readRow(line: string, like: Record<string, unknown>) {
  const raw = rawFields(line);
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, Array.isArray(like[k]) ? readArray(v) : unescapeClickHouse(v)]),
  );
}
const asText = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));

/** Events with every field the row reads, present or not, holding any string or number. */
const anyEvent: fc.Arbitrary<EcsEvent> = (() => {
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 }));
  const count = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.double());
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const endpoint = fc.record(
    { ip: text, port: count, bytes: count, packets: count, user: fc.record({ name: text }) },
    { requiredKeys: [] },
  );
  return fc.record(
    {
      '@timestamp': fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        text,
      ),
      ecs: fc.constant({ version: '8.11.0' }),
      event: fc.record(
        {
          id: text,
          kind: text,
          category: fc.array(text, { maxLength: 3 }),
          type: fc.array(text, { maxLength: 3 }),
          action: text,
          outcome: text,
          severity: count,
          dataset: text,
          module: text,
          original: text,
          ingested: text,
          reason: text,
        },
        { requiredKeys: ['id', 'kind', 'category', 'type'] },
      ),
      organization: fc.record({ id: text }),
      observer: opt(
        fc.record(
          { vendor: text, product: text, type: text, name: text, hostname: text },
          { requiredKeys: [] },
        ),
      ),
      source: opt(endpoint),
      destination: opt(endpoint),
      network: opt(
        fc.record(
          { transport: text, protocol: text, direction: text, bytes: count, packets: count },
          { requiredKeys: [] },
        ),
      ),
      rule: opt(fc.record({ id: text, name: text, category: text }, { requiredKeys: [] })),
      user: opt(fc.record({ name: text })),
      host: opt(fc.record({ name: text })),
      url: opt(fc.record({ domain: text }, { requiredKeys: [] })),
      dns: opt(fc.record({ question: opt(fc.record({ name: text }, { requiredKeys: [] })) })),
      threat: opt(
        fc.record({
          enrichments: fc.array(
            fc.record({
              indicator: fc.record(
                { type: fc.constant('ipv4-addr'), ip: text, domain: text },
                {
                  requiredKeys: ['type'],
                },
              ),
              matched: fc.record({ atomic: text }, { requiredKeys: [] }),
            }),
            { maxLength: 3 },
          ),
        }),
      ),
      tags: opt(fc.array(text, { maxLength: 3 })),
    },
    { requiredKeys: ['@timestamp', 'ecs', 'event', 'organization'] },
  ) as unknown as fc.Arbitrary<EcsEvent>;
})();

describe('eventRow', () => {
  it('holds the values of the row object, for every parser fixture', () => {
    const files = readdirSync(fixtures).filter((f) => f.endsWith('.expected.ndjson'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      for (const line of readFileSync(join(fixtures, file), 'utf8').trim().split('\n')) {
        const event = ecsEventSchema.parse(JSON.parse(line));
        const reference = referenceRow(event);
        const row = readRow(eventRow(event), reference);
        expect(row).toEqual(asText(reference));
        expect(row['event_id']).toBe(event.event.id);
        expect(JSON.parse(row['event_json'] as string)).toEqual(event);
      }
    }
  });
  it('holds the values of the row object, for any strings and numbers (fast-check)', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        const reference = referenceRow(event);
        expect(readRow(eventRow(event), reference)).toEqual(asText(reference));
      }),
      { numRuns: 3000 },
    );
  });
  it('maps nested ECS fields to snake_case columns and fills absent ones', () => {
    const event: EcsEvent = {
      '@timestamp': '2026-11-29T10:00:00.123Z',
      ecs: { version: '8.11.0' },
      event: {
        id: 'e1',
        kind: 'alert',
        category: ['network', 'threat'],
        type: ['denied'],
        action: 'drop',
        outcome: 'failure',
        severity: 3,
        dataset: 'iptables.log',
        original: 'raw line',
        ingested: '2026-11-29T10:00:01.000Z',
      },
      organization: { id: 'acme' },
      observer: { vendor: 'netfilter', product: 'iptables', type: 'firewall', name: 'fw01' },
      source: { ip: '203.0.113.9', port: 40000, bytes: 60, packets: 1 },
      destination: { ip: '10.0.0.5', port: 22 },
      network: { transport: 'tcp', direction: 'inbound' },
      rule: { id: 'r1', name: 'block', category: 'scan' },
      user: { name: 'alice' },
      url: { domain: 'example.org' },
      dns: { question: { name: 'example.org' } },
      threat: {
        enrichments: [
          { indicator: { type: 'ipv4-addr', ip: '203.0.113.9' }, matched: { atomic: '203.0.113.9' } },
          { indicator: { type: 'domain-name', domain: 'bad.example' }, matched: {} },
        ],
      },
      tags: ['t1'],
    };
    expect(fields(eventRow(event))).toMatchObject({
      timestamp: '2026-11-29T10:00:00.123Z',
      timestamp_ms: String(Date.parse('2026-11-29T10:00:00.123Z')),
      observer_name: 'fw01',
      event_category: "['network','threat']",
      event_outcome: 'failure',
      event_severity: '3',
      source_ip: '203.0.113.9',
      source_port: '40000',
      source_bytes: '60',
      destination_port: '22',
      destination_bytes: '0',
      network_direction: 'inbound',
      network_protocol: '',
      rule_category: 'scan',
      user_name: 'alice',
      url_domain: 'example.org',
      dns_question_name: 'example.org',
      threat_indicators: "['203.0.113.9','bad.example']",
      tags: "['t1']",
      original: 'raw line',
      event_ingested: '2026-11-29T10:00:01.000Z',
    });
    expect(Object.keys(fields(eventRow(event)))).not.toContain('inserted_at');
    const bare = fields(eventRow({ ...event, event: { ...event.event, ingested: undefined } }));
    expect(bare['event_ingested']).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('decoders', () => {
  it('count what cannot become a row, by reason', () => {
    expect(decodeEvent(message('{not json'))).toEqual({ dropped: 'invalid_json' });
    expect(decodeEvent(message({ event: {} }))).toEqual({ dropped: 'invalid_event' });
    expect(decodeAlert(message({ id: 'x' }))).toEqual({ dropped: 'invalid_alert' });
    expect(dlqDecoder('ns.dlq.v1')(message({ reason: 'x' }), 0)).toEqual({ dropped: 'invalid_dlq' });
    expect(decodeStatusChange(message({}))).toEqual({ dropped: 'invalid_status_change' });
  });
  it('give DLQ rows an id from their Kafka position, the same on redelivery', () => {
    const m = {
      tenant: 'acme',
      sensor: 'fw',
      format: 'iptables',
      transport: 'http',
      line: 2,
      reason: 'syntax: not a netfilter log line',
      raw: 'garbage',
      received_at: '2026-11-29T10:00:05.123Z',
    };
    const a = dlqDecoder('ns.dlq.v1')(message(m, '7'), 3);
    const b = dlqDecoder('ns.dlq.v1')(message(m, '7'), 3);
    const c = dlqDecoder('ns.dlq.v1')(message(m, '8'), 3);
    expect(a).toEqual(b);
    expect('row' in a && 'row' in c && JSON.parse(a.row).id !== JSON.parse(c.row).id).toBe(true);
    expect(dlqRow(m, 't', 0, '1')).toMatchObject({ reason_code: 'syntax', line: 2, peer: '' });
    expect(reasonCode('line too long: 70000 bytes')).toBe('line_too_long');
    expect(reasonCode('')).toBe('unknown');
  });
  it('map an alert status change to the alert_status columns', () => {
    const decoded = decodeStatusChange(
      message({
        event_id: 'evt-0001',
        alert_id: 'abcdefghijklmnopqrstuv',
        tenant: 'acme',
        version: 2,
        prev_version: 1,
        status: 'closed',
        prev_status: 'acknowledged',
        assignee: null,
        action: 'close',
        reason: 'false_positive',
        comment: null,
        actor: { id: 'alice', name: 'Alice' },
        at: '2026-11-29T10:05:00.000Z',
      }),
    );
    expect('row' in decoded && JSON.parse(decoded.row)).toEqual({
      alert_id: 'abcdefghijklmnopqrstuv',
      tenant: 'acme',
      version: 2,
      status: 'closed',
      previous_status: 'acknowledged',
      action: 'close',
      actor: 'alice',
      assignee: '',
      reason: 'false_positive',
      comment: '',
      changed_at: '2026-11-29T10:05:00.000Z',
      changed_at_ms: Date.parse('2026-11-29T10:05:00.000Z'),
      event_id: 'evt-0001',
    });
  });
});

describe('computeLag', () => {
  it('sums high watermark minus committed offset, from the low watermark when nothing is committed', () => {
    const ends = [
      { partition: 0, high: '100', low: '0' },
      { partition: 1, high: '50', low: '10' },
      { partition: 2, high: '7', low: '7' },
    ];
    expect(computeLag([], ends)).toBe(100 + 40);
    expect(
      computeLag(
        [
          { partition: 0, offset: '90' },
          { partition: 1, offset: '-1' },
          { partition: 2, offset: '7' },
        ],
        ends,
      ),
    ).toBe(10 + 40);
    expect(computeLag([{ partition: 0, offset: '100' }], [ends[0]!])).toBe(0);
  });
});

describe('sink config', () => {
  it('has batching and retention defaults and rejects unknown SINK_ variables', () => {
    const c = loadSinkConfig({});
    expect(c.SINK_BATCH_MAX_ROWS).toBe(10_000);
    expect(c.SINK_BATCH_MAX_WAIT_MS).toBe(1_000);
    expect(retentionDays(c)).toMatchObject({ events: 30, alerts: 365, dlq: 14, top_talkers_hourly: 90 });
    expect(retentionDays(loadSinkConfig({ SINK_RETENTION_EVENTS_DAYS: '0' })).events).toBe(0);
    expect(() => loadSinkConfig({ SINK_BATCH_MAX_ROW: '5' })).toThrow(/SINK_BATCH_MAX_ROW/);
    expect(() => loadSinkConfig({ SINK_BATCH_MAX_ROWS: '0' })).toThrow(/SINK_BATCH_MAX_ROWS/);
  });
});
