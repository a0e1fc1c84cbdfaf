// Compiled rules: what the loader produces and the engine runs.
import type { Severity } from '@soc/schema';
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
}

export interface CompiledDetection extends CompiledBase {
  kind: 'detection';
  match: Predicate;
  /** alerts on its own: not referenced by a correlation, or referenced with generate: true */
  standalone: boolean;
  correlations: CompiledCorrelation[];
}

export interface Threshold {
  test(n: number): boolean;
  text: string;
}

export interface CompiledCorrelation extends CompiledBase {
  kind: 'correlation';
  type: 'event_count' | 'value_count';
  groupBy: string[];
  timespanMs: number;
  threshold: Threshold;
  field?: string;
  /** after firing, no new alert for the same group for this long (event time) */
  suppressMs: number;
  action: 'reset' | 'alert';
}

export interface RuleSet {
  detections: CompiledDetection[];
  correlations: CompiledCorrelation[];
  errors: RuleLoadError[];
}
