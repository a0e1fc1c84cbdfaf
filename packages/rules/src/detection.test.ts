import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firewallEvent } from './behaviour.ts';
import { compileDetection } from './detection.ts';
import { Engine } from './engine.ts';
import { loadRuleText } from './loader.ts';

const event = {
  event: { category: ['network'], action: 'Drop' },
  source: { ip: '10.1.2.3', port: 51000 },
  destination: { ip: '203.0.113.5', port: 443 },
  url: 'https://Example.org/admin/login.php',
};

const matches = (detection: Record<string, unknown>, e: unknown = event) => compileDetection(detection)(e);

describe('Sigma detection', () => {
  it('matches strings case-insensitively, with wildcards and escapes', () => {
    expect(matches({ s: { 'event.action': 'drop' }, condition: 's' })).toBe(true);
    expect(matches({ s: { 'event.action|cased': 'drop' }, condition: 's' })).toBe(false);
    expect(matches({ s: { url: '*example.org/admin*' }, condition: 's' })).toBe(true);
    expect(matches({ s: { url: 'https://exampl?.org*' }, condition: 's' })).toBe(true);
    expect(matches({ s: { url: 'https://example.org\\*' }, condition: 's' })).toBe(false);
  });
  it('supports contains/startswith/endswith/all/re/cidr/numeric/exists modifiers', () => {
    expect(matches({ s: { 'url|contains': 'ADMIN' }, condition: 's' })).toBe(true);
    expect(matches({ s: { 'url|startswith': 'https://' }, condition: 's' })).toBe(true);
    expect(matches({ s: { 'url|endswith': '.php' }, condition: 's' })).toBe(true);
    expect(matches({ s: { 'url|contains|all': ['admin', 'login'] }, condition: 's' })).toBe(true);
    expect(matches({ s: { 'url|contains|all': ['admin', 'nope'] }, condition: 's' })).toBe(false);
    expect(matches({ s: { 'url|re': 'admin/\\w+\\.php$' }, condition: 's' })).toBe(true);
    expect(matches({ s: { 'source.ip|cidr': '10.0.0.0/8' }, condition: 's' })).toBe(true);
    expect(matches({ s: { 'destination.ip|cidr': ['10.0.0.0/8', '192.168.0.0/16'] }, condition: 's' })).toBe(
      false,
    );
    expect(matches({ s: { 'destination.port|gte': 443, 'destination.port|lt': 444 }, condition: 's' })).toBe(
      true,
    );
    expect(matches({ s: { 'user.name|exists': false }, condition: 's' })).toBe(true);
    expect(matches({ s: { 'destination.port': [22, 443] }, condition: 's' })).toBe(true);
    expect(matches({ s: { 'event.category': 'network' }, condition: 's' })).toBe(true);
  });
  it('combines selections with and/or/not, parentheses and quantifiers', () => {
    const d = {
      sel_web: { 'destination.port': 443 },
      sel_ssh: { 'destination.port': 22 },
      filter: { 'source.ip|cidr': '10.0.0.0/8' },
    };
    expect(matches({ ...d, condition: '1 of sel_* and not filter' })).toBe(false);
    expect(matches({ ...d, condition: '1 of sel_* AND filter' })).toBe(true);
    expect(matches({ ...d, condition: 'all of sel_*' })).toBe(false);
    expect(matches({ ...d, condition: '(sel_ssh or sel_web) and (filter)' })).toBe(true);
    expect(matches({ ...d, condition: '1 of them' })).toBe(true);
    expect(matches({ ...d, condition: ['sel_ssh', 'sel_web'] })).toBe(true);
  });
  it('rejects what it cannot run with a reason', () => {
    expect(() => compileDetection({ s: { 'a|base64': 'x' }, condition: 's' })).toThrow(/base64/);
    expect(() => compileDetection({ s: ['keyword'], condition: 's' })).toThrow(/keyword/);
    expect(() => compileDetection({ s: { a: 1 }, condition: 's and' })).toThrow();
    expect(() => compileDetection({ s: { a: 1 }, condition: 'missing' })).toThrow(/missing/);
  });
  it('never throws on arbitrary condition text other than by a clear error', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          compileDetection({ sel: { a: 1 }, condition: text });
        } catch (err) {
          expect((err as Error).message.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});

describe('rule loading', () => {
  it('sets aside bad rules with file, line and reason while loading the rest', () => {
    const set = loadRuleText(
      [
        'title: good',
        'name: good',
        'detection: { s: { event.action: 1 }, condition: s }',
        '---',
        'title: bad modifier',
        'detection: { s: { "event.action|base64offset": x }, condition: s }',
        '---',
        'title: bad correlation',
        'correlation: { type: sequence, rules: [good], group-by: [source.ip], timespan: 5m }',
        '---',
        'title: unknown ref',
        'correlation: { type: event_count, rules: [nope], group-by: [source.ip], timespan: 5m, condition: { gte: 2 } }',
      ].join('\n'),
      'pack.yml',
    );
    expect(set.detections.map((d) => d.title)).toEqual(['good']);
    expect(set.errors).toEqual([
      { file: 'pack.yml', line: 5, message: 'unsupported: modifier "base64offset" is not supported' },
      { file: 'pack.yml', line: 8, message: 'unsupported: correlation type "sequence" is not supported' },
      { file: 'pack.yml', line: 11, message: 'rule "nope" named in correlation.rules is not loaded' },
    ]);
  });
});

describe('engine: event_count', () => {
  const rules = loadRuleText(
    [
      'title: denied',
      'name: denied',
      'detection: { s: { event.type: denied }, condition: s }',
      '---',
      'title: many denies',
      'id: many-denies',
      'correlation: { type: event_count, rules: [denied], group-by: [source.ip], timespan: 10s, condition: { gte: 3, lte: 100 } }',
      'soc: { suppress: 30s }',
    ].join('\n'),
  );
  const at = (s: number, source = '192.0.2.1') =>
    firewallEvent({
      timestamp: new Date(Date.UTC(2026, 10, 29, 10, 0, s)).toISOString(),
      source,
      destination: '10.0.0.1',
      port: 22,
    });

  it('fires on the event that completes the count, once per suppression period, per tenant', () => {
    const engine = new Engine(rules, { clock: (ms) => new Date(ms) });
    const alerts = [0, 1, 2, 3, 4, 40, 41, 42].flatMap((s) => engine.process(at(s)).alerts);
    // the alert, two updates of it (same id, next revision, new count), then a new alert
    expect(alerts.map((a) => [a.window_end, a.event_count, a.revision])).toEqual([
      ['2026-11-29T10:00:02.000Z', 3, 0],
      ['2026-11-29T10:00:02.000Z', 4, 1],
      ['2026-11-29T10:00:02.000Z', 5, 2],
      ['2026-11-29T10:00:42.000Z', 3, 0],
    ]);
    expect(new Set(alerts.slice(0, 3).map((a) => a.id)).size).toBe(1);
    expect(alerts[0]).toMatchObject({
      tenant: 'acme',
      group: { 'source.ip': '192.0.2.1' },
      rule: { id: 'many-denies' },
    });
    const other = firewallEvent({
      timestamp: '2026-11-29T10:00:05.000Z',
      source: '192.0.2.1',
      destination: '10.0.0.1',
      port: 22,
      tenant: 'other',
    });
    expect(engine.process(other).alerts).toEqual([]);
  });
  it('gives the same ids when the same events are replayed', () => {
    const run = () => {
      const engine = new Engine(rules, { clock: () => new Date() });
      return [0, 1, 2].flatMap((s) => engine.process(at(s)).alerts).map((a) => a.id);
    };
    expect(run()).toEqual(run());
  });
  it('forgets idle groups', () => {
    const engine = new Engine(rules);
    engine.process(at(0, '192.0.2.7'));
    engine.process(at(59, '192.0.2.8'));
    engine.advance(Date.UTC(2026, 10, 29, 10, 1, 5));
    expect(engine.stats().find((s) => s.id === 'many-denies')?.groups).toBe(1);
  });
});

describe('engine: counting', () => {
  const ev = (s: number, port = 22) =>
    firewallEvent({
      timestamp: new Date(Date.UTC(2026, 10, 29, 10, 0, s)).toISOString(),
      source: '192.0.2.1',
      destination: '10.0.0.1',
      port,
    });

  it('counts an event once even when it matches two of the correlation’s rules', () => {
    const rules = loadRuleText(
      [
        'title: a',
        'name: a',
        'detection: { s: { destination.port: 22 }, condition: s }',
        '---',
        'title: b',
        'name: b',
        'detection: { s: { event.type: denied }, condition: s }',
        '---',
        'title: two events',
        'correlation: { type: event_count, rules: [a, b], group-by: [source.ip], timespan: 1m, condition: { gte: 2 } }',
      ].join('\n'),
    );
    const engine = new Engine(rules);
    expect(engine.process(ev(0)).alerts).toEqual([]);
    expect(engine.process(ev(1)).alerts).toHaveLength(1);
  });

  it('keeps evidence within the window, and event_count ignores condition.field', () => {
    const rules = loadRuleText(
      [
        'title: any',
        'name: any',
        'detection: { s: { event.category: network }, condition: s }',
        '---',
        'title: three in ten seconds',
        'correlation: { type: event_count, rules: [any], group-by: [source.ip], timespan: 10s, condition: { gte: 3, field: destination.port } }',
      ].join('\n'),
    );
    const engine = new Engine(rules);
    const alerts = [0, 1, 20, 21, 22].flatMap((s) => engine.process(ev(s, 22)).alerts);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.event_count).toBe(3);
    expect(alerts[0]?.evidence.event_ids).toHaveLength(3);
    expect(alerts[0]?.distinct_count).toBeUndefined();
  });

  it('resolves flat dotted keys as well as nested ones, and rejects two comparisons on one field', () => {
    expect(
      compileDetection({ s: { 'source.ip': '1.2.3.4' }, condition: 's' })({ 'source.ip': '1.2.3.4' }),
    ).toBe(true);
    expect(() => compileDetection({ s: { 'a|gte|lt': 1 }, condition: 's' })).toThrow(/one comparison/);
  });
});
