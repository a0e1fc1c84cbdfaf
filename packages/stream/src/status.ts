// Alert triage: the status of an alert changes only through status events on
// <ns>.alert-status.v1 (key = alert id, so all events of one alert are in one partition, in
// order). Each event names the version it was based on (`prev_version`); the log decides:
// an event applies only when it is based on the current version, so of two concurrent
// changes to the same version the first one written wins and the other is refused (409),
// whichever fan-out instance took them. Versions start at 0 (the alert as produced, "open").
import { isoTimestamp } from '@soc/schema';
import { z } from 'zod';
import type { Role } from './auth.ts';

export const statuses = ['open', 'acknowledged', 'assigned', 'closed'] as const;
export type Status = (typeof statuses)[number];
export const actions = ['acknowledge', 'assign', 'close', 'reopen'] as const;
export type Action = (typeof actions)[number];
export const closeReasons = ['true_positive', 'false_positive', 'benign', 'duplicate', 'other'] as const;

const analystId = z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/);

/** Body of POST /v1/alerts/:id/status. */
export const statusRequestSchema = z
  .strictObject({
    action: z.enum(actions),
    /** the version of the alert's status the client saw */
    version: z.number().int().min(0),
    /** for "assign": who (default: the caller) */
    assignee: analystId.optional(),
    /** for "close": why */
    reason: z.enum(closeReasons).optional(),
    comment: z.string().max(2000).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.action === 'close' && !r.reason)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'required to close' });
  });
export type StatusRequest = z.infer<typeof statusRequestSchema>;

/** One status change, as written to Kafka and to ClickHouse alert_status. */
export const statusEventSchema = z.strictObject({
  event_id: z.string().min(8).max(64),
  alert_id: z.string().min(16).max(64),
  tenant: z.string().min(1).max(128),
  version: z.number().int().min(1),
  prev_version: z.number().int().min(0),
  status: z.enum(statuses),
  prev_status: z.enum(statuses),
  assignee: analystId.nullable(),
  action: z.enum(actions),
  reason: z.enum(closeReasons).nullable(),
  comment: z.string().max(2000).nullable(),
  actor: z.strictObject({ id: analystId, name: z.string().max(128) }),
  at: isoTimestamp,
});
export type StatusEvent = z.infer<typeof statusEventSchema>;

/** The current status of one alert. */
export interface AlertState {
  tenant: string;
  version: number;
  status: Status;
  assignee: string | null;
}

export const INITIAL_STATE = { version: 0, status: 'open', assignee: null } as const;

export type TransitionResult =
  | { ok: true; status: Status; assignee: string | null }
  | { ok: false; http: 403 | 422; reason: string };

/**
 * What an action does from a status. Analysts acknowledge, assign to themselves and close;
 * assigning to someone else and reopening a closed alert are for admins.
 */
export function transition(
  current: { status: Status; assignee: string | null },
  request: StatusRequest,
  actor: { id: string; role: Role },
): TransitionResult {
  switch (request.action) {
    case 'acknowledge':
      if (current.status !== 'open')
        return { ok: false, http: 422, reason: `cannot acknowledge a ${current.status} alert` };
      return { ok: true, status: 'acknowledged', assignee: current.assignee };
    case 'assign': {
      if (current.status === 'closed')
        return { ok: false, http: 422, reason: 'cannot assign a closed alert' };
      const assignee = request.assignee ?? actor.id;
      if (assignee !== actor.id && actor.role !== 'admin')
        return { ok: false, http: 403, reason: 'only an admin assigns alerts to someone else' };
      return { ok: true, status: 'assigned', assignee };
    }
    case 'close':
      if (current.status === 'closed') return { ok: false, http: 422, reason: 'the alert is already closed' };
      return { ok: true, status: 'closed', assignee: current.assignee };
    case 'reopen':
      if (actor.role !== 'admin') return { ok: false, http: 403, reason: 'only an admin reopens alerts' };
      if (current.status !== 'closed')
        return { ok: false, http: 422, reason: 'only a closed alert can be reopened' };
      return { ok: true, status: 'open', assignee: null };
  }
}

/**
 * Current status per alert, folded from status events in log order. An event applies when
 * it is based on the current version; an event further ahead (version > current + 1) also
 * applies, because older events of a compacted topic may be gone. An event based on an
 * older version lost a race and is ignored.
 */
export class StatusStore {
  private readonly states = new Map<string, AlertState>();

  get(alertId: string): AlertState | undefined {
    return this.states.get(alertId);
  }

  get size(): number {
    return this.states.size;
  }

  /** Seeds a state (from ClickHouse at start); keeps the higher version. */
  seed(alertId: string, state: AlertState): void {
    const cur = this.states.get(alertId);
    if (!cur || state.version > cur.version) this.states.set(alertId, state);
  }

  apply(event: StatusEvent): boolean {
    const version = this.states.get(event.alert_id)?.version ?? 0;
    if (event.prev_version !== version && event.version <= version + 1) return false;
    if (event.version <= version) return false;
    this.states.set(event.alert_id, {
      tenant: event.tenant,
      version: event.version,
      status: event.status,
      assignee: event.assignee,
    });
    return true;
  }
}

/** The state shown with an alert frame: version 0 / open when never triaged. */
export function stateJson(state: AlertState | undefined): string {
  if (!state) return '{"status":"open","version":0,"assignee":null}';
  return JSON.stringify({ status: state.status, version: state.version, assignee: state.assignee });
}
