// Splitting a rule set by group key: which rules run where the events are, which need their
// inputs repartitioned, and — the property that matters — the local engine plus one engine
// per unit over routed inputs raise exactly the alerts of one engine seeing everything.
import { join } from 'node:path';
import type { Alert, EcsEvent } from '@soc/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { loadRuleDir, loadRuleText } from './loader.ts';
import { fieldsRead, partitionOf, project, type RuleSplit, route, splitRuleSet } from './repartition.ts';

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);
const STAGE2_LATENESS = 1e15;

describe('splitRuleSet', () => {
  it('keeps source-keyed rules local and routes the others by their own key', () => {
    const rules = loadRuleDir(join(import.meta.dirname, '..', '..', '..', 'rules'));
    expect(rules.errors).toEqual([]);
    const split = splitRuleSet(rules);
    const local = split.local.correlations.map((c) => c.name);
    expect(local).toEqual(
      expect.arrayContaining(['port_scan', 'ssh_brute_force', 'brute_force_then_success']),
    );
    const units = Object.fromEntries(split.units.map((u) => [u.id, u.rules.correlations.map((c) => c.name)]));
    expect(units['tenant|destination.ip']).toEqual(
      expect.arrayContaining(['syn_flood', 'ddos_many_sources']),
    );
    expect(units['tenant|observer.name']).toEqual(['sensor_silent']);
    expect(units['cross-tenant|source.ip']).toEqual(['cross_tenant_source']);
    const all = [...local, ...Object.values(units).flat()].sort();
    expect(all).toEqual(rules.correlations.map((c) => c.name).sort());
    // detections alert on their own only in the local part
    for (const u of split.units) expect(u.rules.detections.every((d) => !d.standalone)).toBe(true);
    expect(split.local.detections.filter((d) => d.standalone).length).toBe(
      rules.detections.filter((d) => d.standalone).length,
    );
  });

  it('routes an input to the partition of its group key, once per unit', () => {
    const split = splitRuleSet(loadRuleText(RULES));
    const e = event(0, { src: '198.51.100.7', dst: '10.0.0.5', action: 'deny', observer: 'fw1' });
    const routes = route(split.units, e, 6);
    const ids = [...routes.values()].flat().sort();
    expect(ids).toEqual(split.units.map((u) => u.id).sort());
    expect(routes.get(partitionOf('acme\u001f10.0.0.5', 6))).toContain('tenant|destination.ip');
    // without the group field the event is in no group, so it goes nowhere for that unit
    const noObserver = event(0, { src: '198.51.100.7', dst: '10.0.0.5', action: 'deny' });
    expect([...route(split.units, noObserver, 6).values()].flat()).not.toContain('tenant|observer.name');
  });
});

describe('what a repartitioned input carries', () => {
  it('lists the fields a detection reads, modifiers removed', () => {
    expect(
      fieldsRead({
        a: { 'event.action': 'deny', 'destination.ip|cidr': ['10.0.0.0/8'] },
        b: [{ 'source.port|gt': 1024 }, { 'observer.name|exists': true }],
        condition: 'a and b',
      }).sort(),
    ).toEqual(['destination.ip', 'event.action', 'observer.name', 'source.port']);
  });

  it('keeps only those fields, nested as in the event', () => {
    const e = {
      '@timestamp': 't',
      event: { id: 'x', original: 'long' },
      source: { ip: '1.2.3.4', port: 5 },
      'flat.key': 1,
    };
    expect(project(e, ['@timestamp', 'event.id', 'source.ip', 'flat.key', 'missing.field'])).toEqual({
      '@timestamp': 't',
      event: { id: 'x' },
      source: { ip: '1.2.3.4' },
      'flat.key': 1,
    });
    expect(e.event).toEqual({ id: 'x', original: 'long' });
  });

  it('names every field the repartitioned starter rules read', () => {
    const split = splitRuleSet(loadRuleDir(join(import.meta.dirname, '..', '..', '..', 'rules')));
    expect(split.forwardFields).toEqual(
      expect.arrayContaining([
        '@timestamp',
        'event.id',
        'organization.id',
        'destination.ip',
        'observer.name',
        'source.ip',
      ]),
    );
    expect(split.forwardFields).not.toContain('event.original');
  });
});

const RULES = `
title: Deny
name: deny
detection: { sel: { event.action: deny }, condition: sel }
---
title: Allow
name: allow
detection: { sel: { event.action: allow }, condition: sel }
---
title: Seen
name: seen
detection: { sel: { observer.name|exists: true }, condition: sel }
---
title: Many denies to one destination
name: dst_flood
correlation: { type: event_count, rules: [deny], group-by: [destination.ip], timespan: 10s, condition: { gte: 4 } }
---
title: Many sources to one destination
name: dst_sources
correlation: { type: value_count, rules: [deny], group-by: [destination.ip], timespan: 10s, condition: { field: source.ip, gte: 3 } }
soc: { suppress: 30s }
---
title: Sensor silent
name: silent
correlation: { type: event_count, rules: [seen], group-by: [observer.name], timespan: 20s, condition: { lt: 1 } }
---
title: One source, many tenants
name: campaign
correlation: { type: value_count, rules: [deny], group-by: [source.ip], timespan: 30s, condition: { field: organization.id, gte: 2 } }
soc: { scope: cross-tenant }
---
title: Denied then allowed back
name: deny_then_allow
correlation:
  type: temporal_ordered
  rules: [deny, allow]
  group-by: [host]
  aliases: { host: { deny: destination.ip, allow: source.ip } }
  timespan: 20s
---
title: Source denies
name: src_denies
correlation: { type: event_count, rules: [deny], group-by: [source.ip], timespan: 10s, condition: { gte: 3 } }
`;

let n = 0;
function event(
  ms: number,
  f: { src: string; dst: string; action: string; observer?: string },
  tenant = 'acme',
): EcsEvent {
  return {
    '@timestamp': new Date(T0 + ms).toISOString(),
    event: {
      id: `e${String(++n).padStart(6, '0')}`,
      kind: 'event',
      category: ['network'],
      type: ['info'],
      action: f.action,
    },
    organization: { id: tenant },
    source: { ip: f.src },
    destination: { ip: f.dst },
    ...(f.observer ? { observer: { name: f.observer } } : {}),
  } as unknown as EcsEvent;
}

const seenRules = new Map<string, number>();
const keys = (alerts: Alert[]) => [...new Set(alerts.map((a) => `${a.id}#${a.revision}`))].sort();

function whole(rules: string, events: EcsEvent[], end: number): string[] {
  const engine = new Engine(loadRuleText(rules), { clock: (ms) => new Date(ms) });
  const out: Alert[] = [];
  for (const e of events) out.push(...engine.process(e).alerts);
  out.push(...engine.advance(end));
  for (const a of out) seenRules.set(a.rule.name, (seenRules.get(a.rule.name) ?? 0) + 1);
  return keys(out);
}

/** Events in source partitions; inputs routed to `partitions` repartition partitions. */
function split(rules: string, events: EcsEvent[], end: number, partitions: number): string[] {
  const s: RuleSplit = splitRuleSet(loadRuleText(rules));
  const local = new Engine(s.local, { clock: (ms) => new Date(ms) });
  const units = new Map(
    s.units.map((u) => [
      u.id,
      new Engine(u.rules, { clock: (ms) => new Date(ms), allowedLatenessMs: STAGE2_LATENESS }),
    ]),
  );
  const out: Alert[] = [];
  for (const e of events) {
    out.push(...local.process(e).alerts);
    for (const [q, ids] of route(s.units, e, partitions))
      for (const id of ids)
        out.push(...units.get(id)!.process(project(e, s.forwardFields) as unknown as EcsEvent, q).alerts);
  }
  out.push(...local.advance(end));
  for (const engine of units.values())
    for (let q = 0; q < partitions; q++) out.push(...engine.advance(end, q));
  return keys(out);
}

describe('repartitioned rules raise the alerts of one engine', () => {
  const arb = fc.array(
    fc.record({
      gap: fc.integer({ min: 0, max: 700 }),
      src: fc.constantFrom('198.51.100.1', '198.51.100.2', '198.51.100.3', '10.0.0.5', '10.0.0.6'),
      dst: fc.constantFrom('10.0.0.5', '10.0.0.6', '198.51.100.1'),
      action: fc.constantFrom('deny', 'deny', 'allow'),
      observer: fc.constantFrom('fw1', 'fw2', undefined),
      tenant: fc.constantFrom('acme', 'globex'),
    }),
    { minLength: 1, maxLength: 120 },
  );

  it('for any stream, with 1 to 5 repartition partitions', () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 5 }), (items, partitions) => {
        let t = 0;
        const events = items.map((i) => {
          t += i.gap;
          return event(t, i, i.tenant);
        });
        const end = T0 + t + 120_000;
        const reference = whole(RULES, events, end);
        expect(split(RULES, events, end, partitions)).toEqual(reference);
      }),
      { numRuns: 150, seed: 20261129 },
    );
    // the streams exercised every repartitioned rule, not just the local ones
    for (const title of [
      'Many denies to one destination',
      'Many sources to one destination',
      'Sensor silent',
      'One source, many tenants',
      'Denied then allowed back',
    ])
      expect(seenRules.get(title) ?? 0, title).toBeGreaterThan(5);
  });
});
