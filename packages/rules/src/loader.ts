// Loads rule files (YAML, one or more documents each, Sigma detection and correlation
// rules) into a RuleSet. A bad rule never stops the others: it is set aside with its
// file, line and reason ("unsupported: ..." for valid Sigma we cannot run yet), and
// everything else is compiled.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stableId } from '@soc/schema';
import { LineCounter, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { compileDetection } from './detection.ts';
import { compileLogsource } from './logsource.ts';
import { type Predicate, UnsupportedError } from './modifiers.ts';
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
    rules: z.union([z.string(), z.array(z.string()).min(1)]),
    'group-by': z.array(z.string().min(1)).optional(),
    timespan: z.string(),
    condition: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
    aliases: z.unknown().optional(),
    generate: z.boolean().optional(),
  }),
});

const SUPPORTED_TYPES = new Set(['event_count', 'value_count']);

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

function compileRuleDocs(docs: (RawDoc | RuleLoadError)[]): RuleSet {
  const errors: RuleLoadError[] = docs.filter(isError);
  const raws = docs.filter((d): d is RawDoc => !isError(d));
  const detections: CompiledDetection[] = [];
  const correlationDocs: { raw: RawDoc; doc: z.infer<typeof correlationDoc> }[] = [];

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
      const logsource: Predicate | null = compileLogsource(d.logsource ?? {});
      const detect = compileDetection(d.detection);
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
        match: logsource ? (e) => logsource(e) && detect(e) : detect,
        standalone: true,
        correlations: [],
      });
    } catch (err) {
      errors.push({ ...at, message: describe(err) });
    }
  }

  const byRef = new Map<string, CompiledDetection>();
  for (const d of detections) {
    if (d.name) byRef.set(d.name, d);
    byRef.set(d.id, d);
  }
  const correlations: CompiledCorrelation[] = [];
  for (const { raw, doc } of correlationDocs) {
    const at = { file: raw.file, line: raw.line };
    try {
      const c = doc.correlation;
      if (!SUPPORTED_TYPES.has(c.type))
        throw new UnsupportedError(`correlation type "${c.type}" is not supported`);
      if (c.aliases !== undefined) throw new UnsupportedError('correlation aliases are not supported');
      const timespanMs = parseTimespan(c.timespan);
      if (timespanMs === null) throw new Error(`timespan "${c.timespan}" is not <number><s|m|h|d|w>`);
      const refs = (Array.isArray(c.rules) ? c.rules : [c.rules]).map((r) => {
        const d = byRef.get(r);
        if (!d) throw new Error(`rule "${r}" named in correlation.rules is not loaded`);
        return d;
      });
      if (typeof c.condition === 'string')
        throw new UnsupportedError('a boolean condition applies to temporal rules only');
      const { threshold, field } = compileThreshold(c.type, c.condition);
      const suppressMs = doc.soc?.suppress === undefined ? timespanMs : parseTimespan(doc.soc.suppress);
      if (suppressMs === null) throw new Error(`soc.suppress "${doc.soc?.suppress}" is not a timespan`);
      const generate = doc.generate ?? c.generate ?? false;
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
        type: c.type as CompiledCorrelation['type'],
        groupBy: c['group-by'] ?? [],
        timespanMs,
        threshold,
        field,
        suppressMs,
        action: doc.soc?.action ?? 'reset',
      };
      for (const d of refs) {
        d.correlations.push(compiled);
        if (!generate) d.standalone = false;
      }
      correlations.push(compiled);
    } catch (err) {
      errors.push({ ...at, message: describe(err) });
    }
  }
  return { detections, correlations, errors };
}

function compileThreshold(
  type: string,
  condition: Record<string, unknown> | undefined,
): { threshold: Threshold; field?: string } {
  if (!condition) throw new Error('correlation.condition is required for this type');
  const { field, ...ops } = condition;
  if (type === 'value_count' && typeof field !== 'string')
    throw new Error('value_count needs condition.field');
  const tests: ((n: number) => boolean)[] = [];
  const parts: string[] = [];
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
  }
  if (tests.length === 0) throw new Error('correlation.condition has no comparison');
  return {
    threshold: { test: (n) => tests.every((t) => t(n)), text: parts.join(' and ') },
    field: typeof field === 'string' ? field : undefined,
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
