// The engine against the Sigma correlation spec's semantics (v2.1, v2.2 draft), and the
// stream properties: order within lateness does not matter, snapshots restore exactly.
import type { Alert, EcsEvent } from '@soc/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { loadRuleText } from './loader.ts';

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);
let n = 0;
/** A minimal ECS event; Sigma-taxonomy shorthands (action, src_ip, dst_port...) become their ECS fields. */
function ev(sec: number, fields: Record<string, unknown>, tenant = 'acme'): EcsEvent {
  const { action, event_type, src_ip, dst_ip, dest_ip, dst_port, bytes_out, ...rest } = fields;
  const e: Record<string, unknown> = {
    '@timestamp': new Date(T0 + sec * 1000).toISOString(),
    event: {
      id: `e${++n}`,
      kind: event_type === 'alert' ? 'alert' : 'event',
      category: ['network'],
      type: ['info'],
      ...(action ? { action } : {}),
    },
    organization: { id: tenant },
    ...rest,
  };
  const source = {
    ...(rest['source'] as object),
    ...(src_ip ? { ip: src_ip } : {}),
    ...(bytes_out !== undefined ? { bytes: bytes_out } : {}),
  };
  const destination = {
    ...(rest['destination'] as object),
    ...(dst_ip || dest_ip ? { ip: dst_ip ?? dest_ip } : {}),
    ...(dst_port !== undefined ? { port: dst_port } : {}),
  };
  if (Object.keys(source).length > 0) e['source'] = source;
  if (Object.keys(destination).length > 0) e['destination'] = destination;
  return e as unknown as EcsEvent;
}

const BASE = `
title: Firewall deny
name: fw_deny
detection: { sel: { event.action: deny }, condition: sel }
---
title: IDS alert
name: ids_alert
detection: { sel: { event.kind: alert }, condition: sel }
---
title: Firewall allow
name: fw_allow
detection: { sel: { event.action: allow }, condition: sel }
`;

function run(rules: string, events: (EcsEvent | number)[], lateness = 0): Alert[] {
  const set = loadRuleText(`${BASE}---\n${rules}`);
  expect(set.errors).toEqual([]);
  const engine = new Engine(set, { clock: (ms) => new Date(ms), allowedLatenessMs: lateness });
  const out: Alert[] = [];
  for (const e of events) {
    if (typeof e === 'number') out.push(...engine.advance(T0 + e * 1000));
    else out.push(...engine.process(e).alerts);
  }
  out.push(...engine.flush());
  return out;
}

const first = (alerts: Alert[]) => alerts.filter((a) => a.revision === 0);

describe('Sigma correlation types (spec examples)', () => {
  it('event_count: many denies from one source', () => {
    const rule = `title: Many denies\nname: many\ncorrelation: { type: event_count, rules: [fw_deny], group-by: [src_ip], timespan: 5m, condition: { gte: 3 } }`;
    const alerts = run(rule, [
      ev(0, { action: 'deny', src_ip: 'a' }),
      ev(1, { action: 'deny', src_ip: 'b' }),
      ev(2, { action: 'deny', src_ip: 'a' }),
      ev(3, { action: 'deny', src_ip: 'a' }),
    ]);
    expect(first(alerts).map((a) => [a.group, a.event_count])).toEqual([[{ src_ip: 'a' }, 3]]);
  });

  it('value_count: distinct destination ports per source and destination, with a range', () => {
    const rule = `title: Vertical scan\nname: vscan\ncorrelation: { type: value_count, rules: [fw_deny], group-by: [src_ip, dst_ip], timespan: 1m, condition: { field: dst_port, gte: 3, lt: 100 } }`;
    const events = [1, 2, 2, 3].map((p, i) =>
      ev(i, { action: 'deny', src_ip: 's', dst_ip: 'd', dst_port: p }),
    );
    const alerts = run(rule, events);
    expect(first(alerts)).toHaveLength(1);
    expect(first(alerts)[0]).toMatchObject({
      distinct_count: 3,
      event_count: 4,
      evidence: { values: ['1', '2', '3'] },
    });
  });

  it('value_count over a list of fields counts distinct tuples', () => {
    const rule = `title: Pairs\nname: pairs\ncorrelation: { type: value_count, rules: [fw_deny], group-by: [src_ip], timespan: 1m, condition: { field: [dst_ip, dst_port], gte: 2 } }`;
    const alerts = run(rule, [
      ev(0, { action: 'deny', src_ip: 's', dst_ip: 'x', dst_port: 1 }),
      ev(1, { action: 'deny', src_ip: 's', dst_ip: 'y', dst_port: 1 }),
    ]);
    expect(first(alerts)[0]?.evidence.values).toEqual(['x,1', 'y,1']);
  });

  it('value_sum, value_avg and value_percentile measure a numeric field', () => {
    const sum = `title: Exfil\nname: exfil\ncorrelation: { type: value_sum, rules: [fw_allow], group-by: [src_ip], timespan: 1h, condition: { field: source.bytes, gt: 1000 } }`;
    const flows = [400, 500, 200].map((b, i) => ev(i, { action: 'allow', src_ip: 's', bytes_out: b }));
    expect(first(run(sum, flows))).toMatchObject([
      { value: 1100, window_end: new Date(T0 + 2000).toISOString() },
    ]);
    const avg = `title: Avg\nname: avg\ncorrelation: { type: value_avg, rules: [fw_allow], group-by: [src_ip], timespan: 1h, condition: { field: source.bytes, gt: 440 } }`;
    expect(first(run(avg, flows))).toMatchObject([
      { value: 450, window_end: new Date(T0 + 1000).toISOString() },
    ]);
    // an average can also rise as flows leave the window: 200 alone, after the others expire
    const low = `title: Low avg\nname: low\ncorrelation: { type: value_avg, rules: [fw_allow], group-by: [src_ip], timespan: 1h, condition: { field: source.bytes, lt: 250 } }`;
    expect(first(run(low, [...flows, 3601]))).toMatchObject([
      { value: 200, window_end: new Date(T0 + 3_601_000).toISOString() },
    ]);
    const pct = `title: P90\nname: p90\ncorrelation: { type: value_percentile, rules: [fw_allow], group-by: [src_ip], timespan: 1h, condition: { field: source.bytes, percentile: 90, gte: 500 } }`;
    expect(first(run(pct, [...flows, 4000]))[0]?.value).toBe(500);
  });

  it('temporal: all rules within the timespan, any order, grouped through aliases', () => {
    const rule = `title: IDS and allow
name: ids_allow
correlation:
  type: temporal
  rules: [ids_alert, fw_allow]
  group-by: [attacker, victim]
  timespan: 10m
  aliases:
    attacker: { ids_alert: src_ip, fw_allow: source.ip }
    victim: { ids_alert: dst_ip, fw_allow: destination.ip }`;
    const alerts = run(rule, [
      ev(0, { action: 'allow', source: { ip: '1.1.1.1' }, destination: { ip: '10.0.0.1' } }),
      ev(60, { event_type: 'alert', src_ip: '1.1.1.1', dest_ip: '10.0.0.1' }),
      ev(61, { event_type: 'alert', src_ip: '2.2.2.2', dest_ip: '10.0.0.1' }),
    ]);
    expect(first(alerts).map((a) => a.group)).toEqual([{ attacker: '1.1.1.1', victim: '10.0.0.1' }]);
  });

  it('temporal_ordered: only in the listed order', () => {
    const rule = `title: Deny then allow\nname: deny_allow\ncorrelation: { type: temporal_ordered, rules: [fw_deny, fw_allow], group-by: [src_ip], timespan: 5m }`;
    expect(
      run(rule, [ev(0, { action: 'allow', src_ip: 'a' }), ev(1, { action: 'deny', src_ip: 'a' })]),
    ).toEqual([]);
    expect(
      first(run(rule, [ev(0, { action: 'deny', src_ip: 'a' }), ev(1, { action: 'allow', src_ip: 'a' })])),
    ).toHaveLength(1);
    expect(
      run(rule, [ev(0, { action: 'deny', src_ip: 'a' }), ev(400, { action: 'allow', src_ip: 'a' })]),
    ).toEqual([]);
  });

  it('chaining: a correlation over a correlation, and generate', () => {
    const rules = `title: Vertical scan
name: vscan
correlation: { type: value_count, rules: [fw_deny], group-by: [src_ip], timespan: 1m, condition: { field: dst_port, gte: 3 } }
---
title: Scan then allow
name: scan_then_allow
correlation: { type: temporal_ordered, rules: [vscan, fw_allow], group-by: [src_ip], timespan: 30m }`;
    const events = [
      ...[1, 2, 3].map((p, i) => ev(i, { action: 'deny', src_ip: 'x', dst_port: p })),
      ev(100, { action: 'allow', src_ip: 'x' }),
    ];
    const alerts = run(rules, events);
    // vscan is named by scan_then_allow without generate: only the outer alert is raised
    expect(first(alerts).map((a) => a.rule.id)).toEqual(['scan_then_allow']);
    expect(
      first(run(rules.replace('timespan: 30m }', 'timespan: 30m, generate: true }'), events)).map(
        (a) => a.rule.id,
      ),
    ).toEqual(['vscan', 'fw_allow', 'scan_then_allow']); // generate: true: the named rules alert on their own too
  });

  it('v2.2 boolean condition with NOT: an IDS alert with no deny for the source, decided at the deadline', () => {
    const rule = `title: IDS without deny\nname: ids_no_deny\ncorrelation: { type: temporal, rules: [ids_alert, fw_deny], group-by: [src_ip], timespan: 5m, condition: ids_alert AND NOT fw_deny }`;
    const blocked = run(rule, [
      ev(0, { event_type: 'alert', src_ip: 'a' }),
      ev(120, { action: 'deny', src_ip: 'a' }),
      1000,
    ]);
    expect(blocked).toEqual([]);
    const missed = run(rule, [ev(0, { event_type: 'alert', src_ip: 'b' }), 299]);
    expect(missed).toEqual([]); // deadline not yet passed
    const fired = run(rule, [ev(0, { event_type: 'alert', src_ip: 'b' }), 300]);
    expect(fired.map((a) => [a.group, a.window_end])).toEqual([
      [{ src_ip: 'b' }, new Date(T0 + 300_000).toISOString()],
    ]);
    // lower-case keywords too
    expect(
      run(rule.replace('AND NOT', 'and not'), [ev(0, { event_type: 'alert', src_ip: 'b' }), 300]),
    ).toHaveLength(1);
  });

  it('absence: event_count lt 1 fires when the group falls silent for the timespan', () => {
    const rule = `title: Sensor silent\nname: silent\ncorrelation: { type: event_count, rules: [fw_allow], group-by: [observer.name], timespan: 10m, condition: { lt: 1 } }`;
    const events = [
      ev(0, { action: 'allow', observer: { name: 'fw1' } }),
      ev(300, { action: 'allow', observer: { name: 'fw1' } }),
    ];
    expect(run(rule, [...events, 899])).toEqual([]);
    const alerts = run(rule, [...events, 900]);
    expect(alerts.map((a) => [a.group, a.window_end])).toEqual([
      [{ 'observer.name': 'fw1' }, new Date(T0 + 900_000).toISOString()],
    ]);
  });

  it('cross-tenant scope: one source probing several institutions', () => {
    const rule = `title: Campaign\nname: campaign\ncorrelation: { type: value_count, rules: [fw_deny], group-by: [src_ip], timespan: 1h, condition: { field: organization.id, gte: 3 } }\nsoc: { scope: cross-tenant, risk_score: 80 }`;
    const events = ['a', 'b', 'c'].map((t, i) => ev(i, { action: 'deny', src_ip: 'x' }, t));
    expect(first(run(rule, events))).toMatchObject([
      { tenant: '*', distinct_count: 3, rule: { risk_score: 80 } },
    ]);
    const perTenant = rule.replace('scope: cross-tenant, ', '');
    expect(run(perTenant, events)).toEqual([]);
  });
});

describe('state', () => {
  it('caps live groups per rule, evicting the oldest and raising one alert', () => {
    const set = loadRuleText(
      `${BASE}---\ntitle: Many\nname: many\ncorrelation: { type: event_count, rules: [fw_deny], group-by: [src_ip], timespan: 1h, condition: { gte: 5 } }`,
    );
    const engine = new Engine(set, { clock: (ms) => new Date(ms), maxGroupsPerRule: 10 });
    const alerts = Array.from(
      { length: 25 },
      (_, i) => engine.process(ev(i, { action: 'deny', src_ip: `s${i}` })).alerts,
    ).flat();
    engine.flush();
    expect(alerts.map((a) => a.rule.id)).toEqual(['soc-state-cap']);
    const stats = engine.stats().find((s) => s.id === 'many')!;
    expect(stats).toMatchObject({ groups: 10, evictions: 15 });
  });
});

describe('stream properties', () => {
  const rules = `title: Vertical scan
name: vscan
correlation: { type: value_count, rules: [fw_deny], group-by: [src_ip], timespan: 1m, condition: { field: dst_port, gte: 5 } }
---
title: Deny then allow
name: deny_allow
correlation: { type: temporal_ordered, rules: [fw_deny, fw_allow], group-by: [src_ip], timespan: 2m }`;
  const stream = () => {
    n = 0;
    const events: EcsEvent[] = [];
    for (let i = 0; i < 60; i++) {
      const src = `s${i % 3}`;
      events.push(
        ev(
          i * 2,
          i % 7 === 0 ? { action: 'allow', src_ip: src } : { action: 'deny', src_ip: src, dst_port: i % 11 },
        ),
      );
    }
    return events;
  };
  const ids = (alerts: Alert[]) => alerts.map((a) => `${a.id}:${a.revision}`);

  it('events shuffled within the allowed lateness give exactly the alerts of the ordered stream', () => {
    const ordered = ids(run(rules, stream(), 20_000));
    expect(ordered.length).toBeGreaterThan(2);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 60, maxLength: 60 }), (delays) => {
        // each event is delayed by up to 9 positions (≤ 18 s of event time): within 20 s
        const events = stream();
        const arrival = events
          .map((e, i) => ({ e, at: i + delays[i]! + i / 1000 }))
          .sort((a, b) => a.at - b.at);
        expect(
          ids(
            run(
              rules,
              arrival.map((x) => x.e),
              20_000,
            ),
          ),
        ).toEqual(ordered);
      }),
      { numRuns: 50 },
    );
  });

  it('a snapshot taken mid-stream restores to exactly the uninterrupted run', () => {
    const set = () => loadRuleText(`${BASE}---\n${rules}`);
    const events = stream();
    const a = new Engine(set(), { clock: (ms) => new Date(ms), allowedLatenessMs: 5000 });
    const uninterrupted = [...events.flatMap((e) => a.process(e).alerts), ...a.flush()];
    for (const cut of [1, 17, 30, 59]) {
      const b = new Engine(set(), { clock: (ms) => new Date(ms), allowedLatenessMs: 5000 });
      const before = events.slice(0, cut).flatMap((e) => b.process(e).alerts);
      const snap = JSON.parse(JSON.stringify(b.snapshot(0)));
      const c = new Engine(set(), { clock: (ms) => new Date(ms), allowedLatenessMs: 5000 });
      c.restore(0, snap);
      const after = [...events.slice(cut).flatMap((e) => c.process(e).alerts), ...c.flush()];
      expect(ids([...before, ...after]), `cut at ${cut}`).toEqual(ids(uninterrupted));
    }
  });
});

describe('event_count bounded from above (absence)', () => {
  it('keeps only the newest inputs the condition needs', () => {
    const set = loadRuleText(
      `${BASE}---\ntitle: Quiet\nname: quiet\ncorrelation: { type: event_count, rules: [fw_allow], group-by: [src_ip], timespan: 1m, condition: { lt: 3 } }`,
    );
    expect(set.correlations[0]!.countCap).toBe(3);
    const engine = new Engine(set, { clock: (ms) => new Date(ms) });
    for (let i = 0; i < 1000; i++) engine.process(ev(i / 100, { action: 'allow', src_ip: 'a' }));
    expect(JSON.stringify(engine.snapshot(0)).length).toBeLessThan(4000);
  });

  it('raises exactly the alerts of a window holding every input', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('lt', 'lte', 'eq'),
        fc.integer({ min: 0, max: 4 }),
        fc.option(fc.constantFrom('gte: 1', 'neq: 2', 'gt: 0'), { nil: undefined }),
        fc.constantFrom('reset', 'alert'),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 150 }), fc.constantFrom('a', 'b')), { maxLength: 60 }),
        (op, bound, extra, action, inputs) => {
          const rule = `title: Few\nname: few\ncorrelation: { type: event_count, rules: [fw_allow], group-by: [src_ip], timespan: 30s, condition: { ${op}: ${bound}${extra ? `, ${extra}` : ''} } }\nsoc: { action: ${action} }`;
          const events = inputs
            .sort((x, y) => x[0] - y[0])
            .map(([sec, src]) => ev(sec, { action: 'allow', src_ip: src }));
          const capped = loadRuleText(`${BASE}---\n${rule}`);
          const full = loadRuleText(`${BASE}---\n${rule}`);
          expect(capped.errors).toEqual([]);
          full.correlations[0]!.countCap = undefined;
          const go = (set: typeof full) => {
            const engine = new Engine(set, { clock: (ms) => new Date(ms) });
            return [
              ...events.flatMap((e) => engine.process(e).alerts),
              ...engine.advance(T0 + 500_000),
              ...engine.flush(),
            ];
          };
          expect(go(capped)).toEqual(go(full));
        },
      ),
      { numRuns: 300 },
    );
  });
});
