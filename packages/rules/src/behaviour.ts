// Behaviour tests for rules (rules/**/<rule>.test.yaml): timestamped events and the exact
// alerts expected, run on the real engine in event time. The same runner serves the test
// suite and `soc rules test`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Alert, ECS_VERSION, type EcsEvent, stableId, validateEvent } from '@soc/schema';
import { parse } from 'yaml';
import { z } from 'zod';
import { Engine } from './engine.ts';
import { loadRuleText } from './loader.ts';
import { parseTimespan } from './timespan.ts';

const shorthand = z.strictObject({
  at: z.string(),
  source: z.string(),
  destination: z.string(),
  ports: z.union([z.string(), z.number()]),
  tenant: z.string().optional(),
  action: z.enum(['allowed', 'denied']).optional(),
  step_ms: z.number().int().min(0).optional(),
});

const watermark = z.strictObject({ watermark: z.string() });

const testFile = z.strictObject({
  rules: z.string(),
  /** allowed lateness of the engine for this file, e.g. "5s" (default 0) */
  lateness: z.string().optional(),
  cases: z.array(
    z.strictObject({
      name: z.string(),
      events: z.array(z.record(z.string(), z.unknown())),
      expect: z.array(z.record(z.string(), z.unknown())),
      /** events expected to arrive too late to count */
      late: z.number().int().min(0).optional(),
    }),
  ),
});

/** A test step: an event, or moving event time forward to an instant. */
export type Step = EcsEvent | { watermark: number };

export interface BehaviourCase {
  name: string;
  events: Step[];
  expect: Record<string, unknown>[];
  late?: number;
}

/** Expands "1-5,8" into [1,2,3,4,5,8]. */
export function expandPorts(spec: string | number): number[] {
  return String(spec)
    .split(',')
    .flatMap((part) => {
      const [a, b] = part.split('-').map(Number);
      if (b === undefined) return [a!];
      return Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
    });
}

/** A firewall connection event, as the iptables parser would produce it. */
export function firewallEvent(o: {
  timestamp: string;
  source: string;
  destination: string;
  port: number;
  tenant?: string;
  action?: 'allowed' | 'denied';
}): EcsEvent {
  const tenant = o.tenant ?? 'acme';
  return {
    '@timestamp': o.timestamp,
    ecs: { version: ECS_VERSION },
    event: {
      id: stableId('behaviour', tenant, o.timestamp, o.source, o.destination, String(o.port)),
      kind: 'event',
      category: ['network'],
      type: [o.action ?? 'denied'],
      action: o.action === 'allowed' ? 'accept' : 'drop',
    },
    organization: { id: tenant },
    observer: { vendor: 'netfilter', product: 'iptables', type: 'firewall', name: 'fw-test' },
    source: { ip: o.source, port: 40000 },
    destination: { ip: o.destination, port: o.port },
    network: { transport: 'tcp', iana_number: '6' },
  };
}

export function loadBehaviourFile(path: string): {
  rulesPath: string;
  latenessMs: number;
  cases: BehaviourCase[];
} {
  const file = testFile.parse(parse(readFileSync(path, 'utf8')));
  const latenessMs =
    file.lateness === undefined || /^0+[smhdw]?$/.test(file.lateness) ? 0 : parseTimespan(file.lateness);
  if (latenessMs === null) throw new Error(`${path}: lateness "${file.lateness}" is not a timespan`);
  const cases = file.cases.map((c) => ({
    name: c.name,
    expect: c.expect,
    late: c.late,
    events: c.events.flatMap((e): Step[] => {
      const w = watermark.safeParse(e);
      if (w.success) {
        const at = Date.parse(w.data.watermark);
        if (Number.isNaN(at)) throw new Error(`${path}: watermark "${w.data.watermark}" is not a timestamp`);
        return [{ watermark: at }];
      }
      const s = shorthand.safeParse(e);
      if (!s.success) {
        if ('ports' in e || 'at' in e)
          throw new Error(`${path}: shorthand event: ${s.error.issues[0]?.message}`);
        const valid = validateEvent(e);
        if (!valid.ok) throw new Error(`${path}: event in case "${c.name}": ${valid.reason}`);
        return [valid.event];
      }
      const start = Date.parse(s.data.at);
      return expandPorts(s.data.ports).map((port, i) =>
        firewallEvent({
          timestamp: new Date(start + i * (s.data.step_ms ?? 1000)).toISOString(),
          source: s.data.source,
          destination: s.data.destination,
          port,
          tenant: s.data.tenant,
          action: s.data.action,
        }),
      );
    }),
  }));
  return { rulesPath: join(dirname(path), file.rules), latenessMs, cases };
}

/**
 * Runs steps through a fresh engine in event time (detected_at = the deciding event's
 * time), then applies what is still buffered (up to the last event time, no further).
 */
export function runEvents(
  rulesText: string,
  steps: Step[],
  file = '<rules>',
  latenessMs = 0,
): { alerts: Alert[]; late: number; errors: string[] } {
  const rules = loadRuleText(rulesText, file);
  const engine = new Engine(rules, { clock: (ms) => new Date(ms), allowedLatenessMs: latenessMs });
  const alerts: Alert[] = [];
  let late = 0;
  for (const step of steps) {
    if ('watermark' in step) {
      alerts.push(...engine.advance(step.watermark));
      continue;
    }
    const out = engine.process(step);
    alerts.push(...out.alerts);
    late += out.late.length;
  }
  alerts.push(...engine.flush());
  return { alerts, late, errors: rules.errors.map((e) => `${e.file}:${e.line}: ${e.message}`) };
}

/** Compares actual alerts to the expected ones (expected fields only; `rule` is the rule's name or id). */
export function checkAlerts(
  actual: Alert[],
  expected: Record<string, unknown>[],
  ruleNames: Map<string, string>,
): string[] {
  const problems: string[] = [];
  if (actual.length !== expected.length) {
    problems.push(
      `expected ${expected.length} alert(s), got ${actual.length}: ${JSON.stringify(actual.map((a) => ({ rule: a.rule.id, group: a.group, window_end: a.window_end })))}`,
    );
    return problems;
  }
  expected.forEach((want, i) => {
    const got = actual[i]! as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) {
      const have = k === 'rule' ? (ruleNames.get(actual[i]!.rule.id) ?? actual[i]!.rule.id) : got[k];
      if (JSON.stringify(have) !== JSON.stringify(v))
        problems.push(`alert ${i + 1}: ${k} is ${JSON.stringify(have)}, expected ${JSON.stringify(v)}`);
    }
  });
  return problems;
}

export interface CaseResult {
  file: string;
  name: string;
  problems: string[];
}

/** Runs every case of one behaviour-test file; a case passes when it has no problems. */
export function runBehaviourFile(path: string): CaseResult[] {
  const { rulesPath, latenessMs, cases } = loadBehaviourFile(path);
  const text = readFileSync(rulesPath, 'utf8');
  const names = new Map<string, string>();
  const set = loadRuleText(text, rulesPath);
  for (const r of [...set.detections, ...set.correlations]) names.set(r.id, r.name ?? r.id);
  return cases.map((c) => {
    const { alerts, late, errors } = runEvents(text, c.events, rulesPath, latenessMs);
    const problems = [...errors, ...checkAlerts(alerts, c.expect, names)];
    if (c.late !== undefined && late !== c.late)
      problems.push(`expected ${c.late} late event(s), got ${late}`);
    return { file: path, name: c.name, problems };
  });
}
