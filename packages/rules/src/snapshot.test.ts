// Checkpoints: a snapshot restores to the same state (the stream tests in engine.test.ts
// check the alerts); a damaged one is refused with an error, or restores to state the
// engine can keep running on — never to state that fails later.
import type { EcsEvent } from '@soc/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { loadRuleText } from './loader.ts';

const RULES = `{ title: deny, name: deny, detection: { sel: { event.action: deny }, condition: sel } }
---
{ title: allow, name: allow, detection: { sel: { event.action: allow }, condition: sel } }
---
title: Ports
name: ports
correlation: { type: value_count, rules: [deny], group-by: [source.ip], timespan: 1m, condition: { field: destination.port, gte: 3 } }
---
title: Silent
name: silent
correlation: { type: event_count, rules: [allow], group-by: [source.ip], timespan: 1m, condition: { lt: 1 } }
---
title: Deny then allow
name: deny_allow
correlation: { type: temporal_ordered, rules: [deny, allow], group-by: [source.ip], timespan: 2m }
---
title: Deny without allow
name: deny_only
correlation: { type: temporal, rules: [deny, allow], group-by: [source.ip], timespan: 1m, condition: deny and not allow }
`;
const T0 = Date.UTC(2026, 10, 29, 10);
const events = Array.from({ length: 80 }, (_, i) => ({
  '@timestamp': new Date(T0 + i * 3000).toISOString(),
  event: {
    id: `e${i}`,
    kind: 'event',
    category: ['network'],
    type: ['info'],
    action: i % 5 ? 'deny' : 'allow',
  },
  organization: { id: 'acme' },
  source: { ip: `10.0.0.${i % 4}` },
  destination: { port: i % 9 },
})) as unknown as EcsEvent[];

function engineAt(cut: number): Engine {
  const e = new Engine(loadRuleText(RULES), { clock: (ms) => new Date(ms), allowedLatenessMs: 5000 });
  for (const ev of events.slice(0, cut)) e.process(ev);
  return e;
}

/** Replaces the value at one path of a JSON document. */
function damage(doc: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || doc === null || typeof doc !== 'object') return value;
  const keys = Object.keys(doc);
  if (keys.length === 0) return value;
  const k = keys[path[0]! % keys.length]!;
  const copy = (Array.isArray(doc) ? [...doc] : { ...doc }) as Record<string, unknown>;
  copy[k] = damage((doc as Record<string, unknown>)[k], path.slice(1), value);
  return copy;
}

describe('snapshots', () => {
  it('restore a snapshot written by the same rules exactly', () => {
    const a = engineAt(50);
    const snap = JSON.parse(JSON.stringify(a.snapshot(0)));
    const b = new Engine(loadRuleText(RULES), { clock: (ms) => new Date(ms), allowedLatenessMs: 5000 });
    b.restore(0, snap);
    expect(JSON.parse(JSON.stringify(b.snapshot(0)))).toEqual(snap);
  });

  it('refuse garbage and unknown versions', () => {
    const e = engineAt(0);
    for (const garbage of [null, 42, 'x', [], {}, { v: 2 }, { v: 1 }, { v: 1, groups: 'x' }])
      expect(() => e.restore(3, garbage)).toThrow();
    expect(e.partitionsHeld()).not.toContain(3);
  });

  it('are refused or run on when damaged anywhere', () => {
    const snap = JSON.parse(JSON.stringify(engineAt(40).snapshot(0)));
    const anything = fc.oneof(
      fc.constantFrom(null, undefined, -1, 0, 1e20, Number.NaN, '', 'x', [], {}, [1, 'a'], true),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 8 }), anything, (path, value) => {
        const e = new Engine(loadRuleText(RULES), { clock: (ms) => new Date(ms), allowedLatenessMs: 5000 });
        try {
          e.restore(0, damage(snap, path, value));
        } catch {
          return; // refused
        }
        for (const ev of events.slice(40)) e.process(ev);
        e.advance(T0 + 3_600_000);
        e.flush();
        JSON.stringify(e.snapshot(0));
        e.stats();
      }),
      { numRuns: 500 },
    );
  });
});
