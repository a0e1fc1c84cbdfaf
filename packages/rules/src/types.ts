// Compiled rules: what the loader produces and the engine runs.
import type { Severity } from '@soc/schema';
import type { Condition } from './condition.ts';
import type { Requirement } from './detection.ts';
import type { Predicate } from './modifiers.ts';

export interface RuleLoadError {
  file: string;
  line: number;
  message: string;
}

interface CompiledBase {
  /** the identity used for state and alert ids */
  key: string;
  id: string;
  name?: string;
  title: string;
  level: Severity;
  tags: string[];
  /** content hash of the rule's YAML document */
  version: string;
  file: string;
  line: number;
  /** alerts on its own: not referenced by a correlation, or referenced with generate: true */
  standalone: boolean;
  /** correlations that name this rule in `rules` */
  correlations: CompiledCorrelation[];
}

export interface CompiledDetection extends CompiledBase {
  kind: 'detection';
  match: Predicate;
  /** every event field `match` reads */
  fields: string[];
  /** fields `match` needs with given values (for indexing rules by them) */
  requires?: Requirement;
  /** 0–100, from soc.risk_score, carried on its alerts */
  riskScore?: number;
  /** the Sigma logsource, for mapping the field names correlations use with this rule */
  logsource: { category?: string; product?: string; service?: string };
}

export interface Threshold {
  test(n: number): boolean;
  text: string;
}

export type CorrelationType =
  | 'event_count'
  | 'value_count'
  | 'value_sum'
  | 'value_avg'
  | 'value_percentile'
  | 'temporal'
  | 'temporal_ordered';

export type RuleRef = CompiledDetection | CompiledCorrelation;

export interface CompiledCorrelation extends CompiledBase {
  kind: 'correlation';
  type: CorrelationType;
  /** the rules it correlates, in the order listed */
  refs: RuleRef[];
  /** group-by names (field names, or alias names) */
  groupBy: string[];
  /** per ref (same order as refs): the event field each group-by name reads */
  groupFields: string[][];
  timespanMs: number;
  /** the numeric condition (not for boolean temporal conditions) */
  threshold?: Threshold;
  /** value field(s) of value_* types; several fields count distinct tuples */
  fields?: string[];
  /** value_percentile: which percentile (default 50) */
  percentile?: number;
  /**
   * event_count with a condition bounded from above (lt, lte, eq): the window keeps only
   * this many of its newest inputs. Whenever the condition holds the count is below it,
   * so alerts are exact, and a larger count fails the condition whether capped or not —
   * an absence rule over a busy group stays a few numbers instead of every input.
   */
  countCap?: number;
  /** temporal with a boolean condition over the refs' names: the condition over "present" ref indexes */
  expr?: Condition;
  /** the boolean condition negates a rule: decided when the watermark passes the deadline */
  absenceTerms: boolean;
  /** indexes of the refs the boolean condition negates ("not <name>") */
  negated: Set<number>;
  /** decided when an input arrives (the condition does not hold for an empty window) */
  evaluateOnAdd: boolean;
  /** decided as inputs leave the window: absence rules (the condition holds for an empty window), averages and percentiles */
  evaluateOnExpiry: boolean;
  /** after firing, no new alert for the group for this long (event time); the alert is updated instead */
  suppressMs: number;
  action: 'reset' | 'alert';
  /** state keyed without the tenant; alerts belong to tenant "*" */
  crossTenant: boolean;
  riskScore?: number;
  /** `generate: true`: the rules it names still alert on their own */
  generateRefs: boolean;
}

export interface RuleSet {
  detections: CompiledDetection[];
  /** in dependency order: a correlation comes after the correlations it names */
  correlations: CompiledCorrelation[];
  errors: RuleLoadError[];
}
