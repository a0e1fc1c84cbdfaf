// A status change of an alert (topic <ns>.alert-status.v1, written by the triage API) → a row
// of the `alert_status` table. Read leniently (the triage API's own schema is the strict one):
// fields the table has no column for are ignored.
import { isoTimestamp } from '@soc/schema';
import { z } from 'zod';

const nullableString = (max: number) => z.string().max(max).nullish();

export const statusChangeSchema = z.object({
  event_id: z.string().min(1).max(64),
  alert_id: z.string().min(1).max(64),
  tenant: z.string().min(1).max(128),
  version: z.number().int().min(1).max(4_294_967_295),
  status: z.string().min(1).max(32),
  prev_status: z.string().max(32),
  action: z.string().max(32).optional(),
  assignee: nullableString(128),
  reason: nullableString(64),
  comment: nullableString(2000),
  actor: z.object({ id: z.string().max(128) }).optional(),
  at: isoTimestamp,
});
export type StatusChange = z.infer<typeof statusChangeSchema>;

export function statusRow(c: StatusChange) {
  return {
    alert_id: c.alert_id,
    tenant: c.tenant,
    version: c.version,
    status: c.status,
    previous_status: c.prev_status,
    action: c.action ?? '',
    actor: c.actor?.id ?? '',
    assignee: c.assignee ?? '',
    reason: c.reason ?? '',
    comment: c.comment ?? '',
    changed_at: c.at,
    changed_at_ms: Date.parse(c.at),
    event_id: c.event_id,
  };
}
