// A dead-letter message (docs/ingest.md, "Dead-letter queue") → a row of the `dlq` table.
// The message has no id of its own, so the row id is derived from where it sits in Kafka:
// a redelivered message gets the same id and its copies collapse (ReplacingMergeTree).
import { isoTimestamp, stableId } from '@soc/schema';
import { z } from 'zod';

export const dlqMessageSchema = z.object({
  tenant: z.string().max(128),
  sensor: z.string().max(256).optional(),
  format: z.string().max(64).optional(),
  transport: z.string().max(32).optional(),
  peer: z.string().max(256).optional(),
  line: z.number().int().min(0).optional(),
  reason: z.string().max(4096),
  raw: z.string().max(65_536).optional(),
  received_at: isoTimestamp,
});
export type DlqMessage = z.infer<typeof dlqMessageSchema>;

/** The reason's code: the part before the first colon ("syntax", "schema", "line too long"). */
export function reasonCode(reason: string): string {
  const code = reason.split(':')[0]!.trim().toLowerCase();
  return (
    code
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 64) || 'unknown'
  );
}

export function dlqRow(m: DlqMessage, topic: string, partition: number, offset: string) {
  return {
    id: stableId(topic, String(partition), offset),
    received_at: m.received_at,
    received_at_ms: Date.parse(m.received_at),
    tenant: m.tenant,
    sensor: m.sensor ?? '',
    format: m.format ?? '',
    transport: m.transport ?? '',
    peer: m.peer ?? '',
    line: m.line ?? 0,
    reason: m.reason,
    reason_code: reasonCode(m.reason),
    raw: m.raw ?? '',
  };
}
