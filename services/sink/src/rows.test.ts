import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EcsEvent, ecsEventSchema } from '@soc/schema';
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

describe('eventRow', () => {
  it('flattens every parser fixture into the events columns', () => {
    const lines = readFileSync(join(fixtures, 'suricata-eve.expected.ndjson'), 'utf8').trim().split('\n');
    for (const line of lines) {
      const event = ecsEventSchema.parse(JSON.parse(line));
      const row = eventRow(event);
      expect(row.event_id).toBe(event.event.id);
      expect(row.tenant).toBe(event.organization.id);
      expect(row.timestamp_ms).toBe(Date.parse(event['@timestamp']));
      expect(JSON.parse(row.event_json)).toEqual(event);
    }
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
    expect(eventRow(event)).toMatchObject({
      timestamp: '2026-11-29T10:00:00.123Z',
      timestamp_ms: Date.parse('2026-11-29T10:00:00.123Z'),
      observer_name: 'fw01',
      event_category: ['network', 'threat'],
      event_outcome: 'failure',
      event_severity: 3,
      source_ip: '203.0.113.9',
      source_port: 40000,
      source_bytes: 60,
      destination_port: 22,
      destination_bytes: 0,
      network_direction: 'inbound',
      network_protocol: '',
      rule_category: 'scan',
      user_name: 'alice',
      url_domain: 'example.org',
      dns_question_name: 'example.org',
      threat_indicators: ['203.0.113.9', 'bad.example'],
      tags: ['t1'],
      original: 'raw line',
      event_ingested: '2026-11-29T10:00:01.000Z',
    });
    const bare = eventRow({ ...event, event: { ...event.event, ingested: undefined } });
    expect(bare.event_ingested).toBe('1970-01-01T00:00:00.000Z');
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
    expect('row' in a && 'row' in c && a.row['id'] !== c.row['id']).toBe(true);
    expect(dlqRow(m, 't', 0, '1')).toMatchObject({ reason_code: 'syntax', line: 2, peer: '' });
    expect(reasonCode('line too long: 70000 bytes')).toBe('line_too_long');
    expect(reasonCode('')).toBe('unknown');
  });
  it('map an alert status change to the alert_status columns', () => {
    const d = decodeStatusChange(
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
    expect(d).toEqual({
      row: {
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
      },
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
