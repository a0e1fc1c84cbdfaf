// The alert contract: what the correlator emits on soc.alerts.v1, the sink stores in
// ClickHouse and the fan-out pushes to analysts. Ids are deterministic: the same finding
// (rule, tenant, group key, window end) always has the same id, so replays and restarts
// never make a second alert.
import { z } from 'zod';
import { isoTimestamp } from './event.ts';

export const severities = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

export const alertSchema = z.strictObject({
  id: z.string().min(16).max(64),
  tenant: z.string().min(1).max(128),
  rule: z.strictObject({
    id: z.string().min(1).max(128),
    name: z.string().min(1).max(512),
    version: z.string().max(64),
    severity: z.enum(severities),
    tags: z.array(z.string().max(128)).max(64),
    /** 0–100, from the rule's soc.risk_score */
    risk_score: z.number().min(0).max(100).optional(),
  }),
  /** group-by field → value, e.g. { "source.ip": "203.0.113.9" } */
  group: z.record(z.string().max(128), z.string().max(512)),
  window_start: isoTimestamp,
  window_end: isoTimestamp,
  first_seen: isoTimestamp,
  last_seen: isoTimestamp,
  /** processing time at which the correlator decided */
  detected_at: isoTimestamp,
  event_count: z.number().int().min(1),
  /** number of distinct values for value_count rules */
  distinct_count: z.number().int().min(0).optional(),
  /** the measured number for value_sum / value_avg / value_percentile rules */
  value: z.number().optional(),
  /** 0 when raised; each update of the same alert (same id, new counts) adds one */
  revision: z.number().int().min(0).optional(),
  evidence: z.strictObject({
    event_ids: z.array(z.string()).max(100),
    values: z.array(z.string()).max(100),
  }),
  status: z.enum(['open', 'acknowledged', 'assigned', 'closed']),
});

export type Alert = z.infer<typeof alertSchema>;
