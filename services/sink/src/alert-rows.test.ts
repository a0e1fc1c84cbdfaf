import type { Alert } from '@soc/schema';
import { describe, expect, it } from 'vitest';
import { alertRow } from './alert-rows.ts';

describe('alertRow', () => {
  it('flattens the group into parallel key/value arrays and keeps the alert as JSON', () => {
    const alert: Alert = {
      id: 'abcdefghijklmnopqrstuv',
      tenant: 't',
      rule: { id: 'r', name: 'R', version: '1', severity: 'high', tags: ['attack.t1046'] },
      group: { 'source.ip': '192.0.2.1', 'destination.ip': '10.0.0.1' },
      window_start: '2026-11-29T10:00:00.000Z',
      window_end: '2026-11-29T10:01:00.000Z',
      first_seen: '2026-11-29T10:00:01.000Z',
      last_seen: '2026-11-29T10:01:00.000Z',
      detected_at: '2026-11-29T10:01:00.500Z',
      event_count: 20,
      distinct_count: 20,
      evidence: { event_ids: ['e1'], values: ['22'] },
      status: 'open',
    };
    const row = alertRow(alert);
    expect(row).toMatchObject({
      group_keys: ['source.ip', 'destination.ip'],
      group_values: ['192.0.2.1', '10.0.0.1'],
      detected_at_ms: Date.parse(alert.detected_at),
    });
    expect(JSON.parse(row.alert_json)).toEqual(alert);
  });
});
