// Loads rule files (YAML, one or more documents each, Sigma detection and correlation
// rules) into a RuleSet. A bad rule never stops the others: it is set aside with its
// file, line and reason ("unsupported: ..." for valid Sigma we cannot run yet), and
// everything else is compiled.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stableId } from '@soc/schema';
import { LineCounter, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { compileCondition } from './condition.ts';
import { both, compileMatch, type SharedConditions } from './detection.ts';
import { UnsupportedError } from './modifiers.ts';
import { mapDetection, mapField } from './pipelines.ts';
import { fieldsRead } from './repartition.ts';
import { parseTimespan } from './timespan.ts';
import type { CompiledCorrelation, CompiledDetection, RuleLoadError, RuleSet, Threshold } from './types.ts';

const levels = z.enum(['informational', 'low', 'medium', 'high', 'critical']);

const meta = {
  title: z.string().min(1).max(256),
  id: z.string().min(1).max(128).optional(),
  name: z.string().min(1).max(128).optional(),
  status: z.string().optional(),
  description: z.string().optional(),
  level: levels.optional(),
  tags: z.array(z.string().max(128)).max(64).optional(),
  /** our extensions, namespaced: suppression period and what happens after firing */
  soc: z
    .strictObject({
      suppress: z.string().optional(),
      action: z.enum(['reset', 'alert']).optional(),
      /** campaign rules: state across tenants (one source hitting many institutions) */
      scope: z.enum(['tenant', 'cross-tenant']).optional(),
      /** 0–100, carried on the alert */
      risk_score: z.number().min(0).max(100).optional(),
    })
    .optional(),
};

const detectionDoc = z.looseObject({
  ...meta,
  logsource: z.record(z.string(), z.unknown()).optional(),
  detection: z.record(z.string(), z.unknown()),
});

const comparison = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);
const correlationDoc = z.looseObject({
  ...meta,
  generate: z.boolean().optional(),
  correlation: z.looseObject({
    type: z.string(),
    rules: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    'group-by': z.array(z.string().min(1)).optional(),
    timespan: z.string(),
    condition: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
    aliases: z.unknown().optional(),
    generate: z.boolean().optional(),
  }),
});

interface RawDoc {
  file: string;
  line: number;
  source: string;
  value: Record<string, unknown>;
}

/** Reads every *.yml / *.yaml under `dir` (skipping *.test.yaml) and compiles the rules. */
export function loadRuleDir(dir: string): RuleSet {
  const files = listRuleFiles(dir);
  return compileRuleDocs(
    files.flatMap((f) => readDocs(f, readFileSync(f, 'utf8'), relative(process.cwd(), f))),
  );
}

/** Compiles rules from YAML text (one file's content). */
export function loadRuleText(text: string, file = '<inline>'): RuleSet {
  return compileRuleDocs(readDocs(file, text, file));
}

function listRuleFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listRuleFiles(path));
    else if (/\.ya?ml$/.test(entry) && !/\.test\.ya?ml$/.test(entry)) out.push(path);
  }
  return out;
}

function readDocs(_path: string, text: string, file: string): (RawDoc | RuleLoadError)[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(docs)) return [{ file, line: 1, message: 'not a YAML document stream' }];
  return docs.flatMap((doc): (RawDoc | RuleLoadError)[] => {
    const start = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    const line = lineCounter.linePos(start).line;
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      return [
        { file, line: lineCounter.linePos(err.pos[0]).line, message: `YAML: ${err.message.split('\n')[0]}` },
      ];
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) return [];
    if (typeof value !== 'object' || Array.isArray(value))
      return [{ file, line, message: 'a rule must be a YAML map' }];
    return [
      {
        file,
        line,
        source: text.slice(start, doc.range?.[2] ?? text.length),
        value: value as Record<string, unknown>,
      },
    ];
  });
}

const isError = (d: RawDoc | RuleLoadError): d is RuleLoadError => 'message' in d;

type CorrelationDoc = z.infer<typeof correlationDoc>;

function compileRuleDocs(docs: (RawDoc | RuleLoadError)[]): RuleSet {
  const errors: RuleLoadError[] = docs.filter(isError);
  const raws = docs.filter((d): d is RawDoc => !isError(d));
  const detections: CompiledDetection[] = [];
  const correlationDocs: { raw: RawDoc; doc: CorrelationDoc }[] = [];
  const shared: SharedConditions = new Map();

  for (const raw of raws) {
    const at = { file: raw.file, line: raw.line };
    if ('correlation' in raw.value) {
      const parsed = correlationDoc.safeParse(raw.value);
      if (!parsed.success) errors.push({ ...at, message: zodMessage(parsed.error) });
      else correlationDocs.push({ raw, doc: parsed.data });
      continue;
    }
    const parsed = detectionDoc.safeParse(raw.value);
    if (!parsed.success) {
      errors.push({ ...at, message: zodMessage(parsed.error) });
      continue;
    }
    try {
      const d = parsed.data;
      // Sigma field names (generic taxonomy, Zeek, Suricata) become ECS fields through the
      // field-mapping pipelines; the logsource becomes conditions on the event
      const ls = d.logsource ?? {};
      const logsourceSpec = {
        category: typeof ls['category'] === 'string' ? ls['category'] : undefined,
        product: typeof ls['product'] === 'string' ? ls['product'] : undefined,
        service: typeof ls['service'] === 'string' ? ls['service'] : undefined,
      };
      const mapped = mapDetection(d.detection, logsourceSpec);
      const detect = compileMatch(mapped.detection, shared);
      const logsource =
        mapped.conditions.length > 0
          ? compileMatch({ logsource: mapped.conditions, condition: 'logsource' }, shared)
          : null;
      detections.push({
        kind: 'detection',
        key: d.id ?? d.name ?? stableId(raw.source),
        id: d.id ?? d.name ?? stableId(raw.source),
        name: d.name,
        title: d.title,
        level: d.level ?? 'medium',
        tags: d.tags ?? [],
        version: stableId(raw.source).slice(0, 8),
        file: raw.file,
        line: raw.line,
        match: logsource ? (e) => logsource.match(e) && detect.match(e) : detect.match,
        requires: logsource ? both(logsource.requires, detect.requires) : detect.requires,
        fields: fieldsRead({ ...mapped.detection, logsource: mapped.conditions }),
        logsource: logsourceSpec,
        riskScore: d.soc?.risk_score,
        standalone: true,
        correlations: [],
      });
    } catch (err) {
      errors.push({ ...at, message: describe(err) });
    }
  }

  // Correlations may name detections or other correlations (chaining), in any file order:
  // resolve them repeatedly until nothing more resolves; what is left names a rule that is
  // missing, set aside, or part of a cycle.
  const byRef = new Map<string, CompiledDetection | CompiledCorrelation>();
  for (const d of detections) {
    if (d.name) byRef.set(d.name, d);
    byRef.set(d.id, d);
  }
  const correlations: CompiledCorrelation[] = [];
  let pending = correlationDocs.map((c) => ({ ...c, names: refNames(c.doc) }));
  for (;;) {
    const next: typeof pending = [];
    for (const item of pending) {
      if (!item.names.every((n) => byRef.has(n))) {
        next.push(item);
        continue;
      }
      try {
        const compiled = compileCorrelation(
          item.raw,
          item.doc,
          item.names.map((n) => byRef.get(n)!),
        );
        correlations.push(compiled);
        if (compiled.name) byRef.set(compiled.name, compiled);
        byRef.set(compiled.id, compiled);
      } catch (err) {
        errors.push({ file: item.raw.file, line: item.raw.line, message: describe(err) });
      }
    }
    if (next.length === pending.length) {
      for (const item of next) {
        const missing = item.names.filter((n) => !byRef.has(n));
        const inPending = missing.filter((n) => next.some((o) => o.doc.name === n || o.doc.id === n));
        errors.push({
          file: item.raw.file,
          line: item.raw.line,
          message:
            inPending.length === missing.length && inPending.length > 0
              ? `rule(s) ${missing.map((n) => `"${n}"`).join(', ')} named in correlation.rules form a cycle or are set aside`
              : `rule "${missing.find((n) => !inPending.includes(n)) ?? missing[0]}" named in correlation.rules is not loaded`,
        });
      }
      break;
    }
    pending = next;
  }
  // wire references only for the correlations that compiled
  for (const c of correlations) {
    for (const r of c.refs) {
      r.correlations.push(c);
      if (!c.generateRefs) r.standalone = false;
    }
  }
  return { detections, correlations, errors };
}

/** The names a correlation refers to: `rules`, or (v2.2) the identifiers of a boolean condition. */
function refNames(doc: CorrelationDoc): string[] {
  const c = doc.correlation;
  if (c.rules !== undefined) return Array.isArray(c.rules) ? c.rules : [c.rules];
  if (typeof c.condition === 'string') {
    return [
      ...new Set(c.condition.split(/[\s()]+/).filter((w) => w && !/^(and|or|not|of|1|all|them)$/i.test(w))),
    ];
  }
  return [];
}

const TYPES = new Set([
  'event_count',
  'value_count',
  'value_sum',
  'value_avg',
  'value_percentile',
  'temporal',
  'temporal_ordered',
]);

function compileCorrelation(
  raw: RawDoc,
  doc: CorrelationDoc,
  refs: (CompiledDetection | CompiledCorrelation)[],
) {
  const c = doc.correlation;
  if (!TYPES.has(c.type)) throw new UnsupportedError(`correlation type "${c.type}" is not supported`);
  const type = c.type as CompiledCorrelation['type'];
  if (refs.length === 0) throw new Error('correlation.rules names no rule');
  const timespanMs = parseTimespan(c.timespan);
  if (timespanMs === null) throw new Error(`timespan "${c.timespan}" is not <number><s|m|h|d|w>`);
  const groupBy = c['group-by'] ?? [];
  const aliases = parseAliases(c.aliases);
  const refName = (r: CompiledDetection | CompiledCorrelation) => r.name ?? r.id;
  for (const [alias, perRule] of aliases) {
    if (!groupBy.includes(alias)) throw new Error(`alias "${alias}" is not used in group-by`);
    for (const name of perRule.keys()) {
      if (!refs.some((r) => refName(r) === name || r.id === name))
        throw new Error(`alias "${alias}" names rule "${name}", which correlation.rules does not list`);
    }
  }
  // field names follow the named rule's logsource through the mapping pipelines (src_ip →
  // source.ip); a correlation named in rules offers its own group-by names as they are
  const ecsName = (field: string, r: CompiledDetection | CompiledCorrelation) =>
    r.kind === 'detection' ? (mapField(field, r.logsource) ?? field) : field;
  const groupFields = refs.map((r) =>
    groupBy.map((g) => {
      const perRule = aliases.get(g);
      if (!perRule) return ecsName(g, r);
      const field = perRule.get(refName(r)) ?? perRule.get(r.id);
      if (!field) throw new Error(`alias "${g}" gives no field for rule "${refName(r)}"`);
      return ecsName(field, r);
    }),
  );

  let threshold: Threshold | undefined;
  let fields: string[] | undefined;
  let percentile: number | undefined;
  let countCap: number | undefined;
  let expr: CompiledCorrelation['expr'];
  let absenceTerms = false;
  const negated = new Set<number>();
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  if (typeof c.condition === 'string') {
    if (!temporal) throw new Error('a boolean condition applies to temporal rules only');
    const selections = new Map<string, (present: unknown) => boolean>();
    refs.forEach((r, i) => {
      const has = (present: unknown) => (present as Set<number>).has(i);
      selections.set(refName(r), has);
      selections.set(r.id, has);
    });
    expr = compileCondition(c.condition, selections);
    absenceTerms = /\bnot\b/i.test(c.condition);
    for (const m of c.condition.matchAll(/\bnot\s+([^\s()]+)/gi)) {
      const i = refs.findIndex((r) => refName(r) === m[1] || r.id === m[1]);
      if (i < 0) throw new UnsupportedError(`"not" applies to rule names only, not to "${m[1]}"`);
      negated.add(i);
    }
    if (absenceTerms && type === 'temporal_ordered')
      throw new UnsupportedError('a negated term in a temporal_ordered condition');
  } else if (temporal) {
    threshold = c.condition
      ? compileThreshold(c.condition).threshold
      : { test: (n) => n >= refs.length, text: `gte ${refs.length}` };
  } else {
    if (!c.condition) throw new Error('correlation.condition is required for this type');
    const compiled = compileThreshold(c.condition);
    threshold = compiled.threshold;
    const firstDetection = refs.find((r) => r.kind === 'detection');
    // event_count counts inputs: a condition.field there is ignored
    fields =
      type === 'event_count'
        ? undefined
        : compiled.fields?.map((f) => (firstDetection ? ecsName(f, firstDetection) : f));
    percentile = compiled.percentile;
    // a count the condition bounds from above is decided by the newest (bound + 1) inputs
    if (type === 'event_count' && compiled.upper !== undefined) countCap = Math.max(1, compiled.upper + 1);
    if (type !== 'event_count' && !fields) throw new Error(`${type} needs condition.field`);
    if (type === 'value_percentile' && percentile === undefined) percentile = 50;
  }
  const suppressMs = doc.soc?.suppress === undefined ? timespanMs : parseTimespan(doc.soc.suppress);
  if (suppressMs === null) throw new Error(`soc.suppress "${doc.soc?.suppress}" is not a timespan`);
  const evaluateOnAdd = temporal || !threshold!.test(0);
  const evaluateOnExpiry =
    !temporal && (threshold!.test(0) || type === 'value_avg' || type === 'value_percentile');
  const compiled: CompiledCorrelation = {
    kind: 'correlation',
    key: doc.id ?? doc.name ?? stableId(raw.source),
    id: doc.id ?? doc.name ?? stableId(raw.source),
    name: doc.name,
    title: doc.title,
    level: doc.level ?? 'medium',
    tags: doc.tags ?? [],
    version: stableId(raw.source).slice(0, 8),
    file: raw.file,
    line: raw.line,
    standalone: true,
    correlations: [],
    type,
    refs,
    groupBy,
    groupFields,
    timespanMs,
    threshold,
    fields,
    percentile,
    countCap,
    expr,
    absenceTerms,
    negated,
    evaluateOnAdd,
    evaluateOnExpiry,
    suppressMs,
    action: doc.soc?.action ?? 'reset',
    crossTenant: doc.soc?.scope === 'cross-tenant',
    riskScore: doc.soc?.risk_score,
    generateRefs: doc.generate ?? c.generate ?? false,
  };
  return compiled;
}

function parseAliases(raw: unknown): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('correlation.aliases must map alias → { rule: field }');
  for (const [alias, perRule] of Object.entries(raw as Record<string, unknown>)) {
    if (!perRule || typeof perRule !== 'object' || Array.isArray(perRule))
      throw new Error(`alias "${alias}" must map rule names to fields`);
    const m = new Map<string, string>();
    for (const [rule, field] of Object.entries(perRule as Record<string, unknown>)) {
      if (typeof field !== 'string' || !field)
        throw new Error(`alias "${alias}": field for "${rule}" must be a string`);
      m.set(rule, field);
    }
    out.set(alias, m);
  }
  return out;
}

function compileThreshold(condition: Record<string, unknown>): {
  threshold: Threshold;
  fields?: string[];
  percentile?: number;
  /** the largest whole number the condition can hold for, when it has one (lt, lte, eq) */
  upper?: number;
} {
  const { field, percentile, ...ops } = condition;
  const tests: ((n: number) => boolean)[] = [];
  const parts: string[] = [];
  let upper: number | undefined;
  for (const [op, raw] of Object.entries(ops)) {
    const parsed = comparison.safeParse(raw);
    if (!parsed.success) throw new Error(`condition.${op} must be a number`);
    const v = parsed.data;
    const test = {
      gt: (n: number) => n > v,
      gte: (n: number) => n >= v,
      lt: (n: number) => n < v,
      lte: (n: number) => n <= v,
      eq: (n: number) => n === v,
      neq: (n: number) => n !== v,
    }[op as 'gt'];
    if (!test) throw new Error(`condition operator "${op}" is not one of gt gte lt lte eq neq`);
    tests.push(test);
    parts.push(`${op} ${v}`);
    const most = op === 'lt' ? Math.ceil(v) - 1 : op === 'lte' || op === 'eq' ? Math.floor(v) : undefined;
    if (most !== undefined) upper = Math.min(upper ?? most, most);
  }
  if (tests.length === 0) throw new Error('correlation.condition has no comparison');
  if (percentile !== undefined && (typeof percentile !== 'number' || percentile <= 0 || percentile > 100)) {
    throw new Error('condition.percentile must be a number in (0, 100]');
  }
  const fields =
    typeof field === 'string'
      ? [field]
      : Array.isArray(field) && field.every((f) => typeof f === 'string')
        ? (field as string[])
        : undefined;
  if (field !== undefined && !fields)
    throw new Error('condition.field must be a field name or a list of them');
  return {
    threshold: {
      test: (n) => {
        for (const t of tests) if (!t(n)) return false;
        return true;
      },
      text: parts.join(' and '),
    },
    fields,
    percentile: percentile as number | undefined,
    upper,
  };
}

function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(rule)'}: ${i.message}`)
    .join('; ');
}

function describe(err: unknown): string {
  if (err instanceof UnsupportedError) return `unsupported: ${err.message}`;
  return (err as Error)?.message ?? String(err);
}
