import { describe, expect, it } from 'vitest';
import { alertSchema, ecsEventSchema, stableId, validateEvent } from './index.ts';

const event = {
  '@timestamp': '2026-11-29T10:00:00.000Z',
  ecs: { version: '8.11.0' },
  event: { id: 'abc', kind: 'event', category: ['network'], type: ['denied'], action: 'drop' },
  organization: { id: 'demo' },
  source: { ip: '203.0.113.9', port: 40000 },
  destination: { ip: '10.0.0.5', port: 22 },
};

describe('ecs event schema', () => {
  it('accepts a well-formed event', () => {
    expect(ecsEventSchema.parse(event)).toEqual(event);
  });
  it('rejects unknown fields, bad ports and non-UTC timestamps with a readable reason', () => {
    expect(validateEvent({ ...event, extra: 1 })).toMatchObject({ ok: false });
    const badPort = validateEvent({ ...event, source: { port: 70000 } });
    expect(badPort.ok).toBe(false);
    if (!badPort.ok) expect(badPort.reason).toContain('source.port');
    expect(validateEvent({ ...event, '@timestamp': '2026-11-29T10:00:00+01:00' }).ok).toBe(false);
  });
});

describe('stableId', () => {
  it('is deterministic and separates parts unambiguously', () => {
    expect(stableId('a', 'b')).toBe(stableId('a', 'b'));
    expect(stableId('a\u001fb')).not.toBe(stableId('a', 'b'));
    expect(stableId('ab', 'c')).not.toBe(stableId('a', 'bc'));
    expect(stableId('x')).toHaveLength(22);
  });
});

describe('alert schema', () => {
  it('requires the rule, window and evidence', () => {
    expect(alertSchema.safeParse({ id: 'x' }).success).toBe(false);
  });
});
