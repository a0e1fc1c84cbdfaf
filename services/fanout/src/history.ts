// Alert history from ClickHouse: the query behind GET /v1/alerts, one alert with its status
// history, and the alert_status rows the triage API writes. ClickHouse 18.16 has no
// server-side parameters, so every request value is validated by a zod schema first and
// then reaches the SQL text only through quote.ts.
import { type ClickHouseClient, quoteNumber, quoteString } from '@soc/clickhouse';
import { severities } from '@soc/schema';
import { inScope, type Scope, type StatusEvent, severityRank, statuses } from '@soc/stream';
import { z } from 'zod';

const tenantName = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'a tenant name');
export const alertId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'an alert id');
const list = <T extends z.ZodType>(item: T, max: number) => z.array(item).min(1).max(max).optional();
const time = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

/** GET /v1/alerts query string (list values: repeat the parameter or separate with commas). */
export const listQuerySchema = z.strictObject({
  tenant: list(tenantName, 100),
  min_severity: z.enum(severities).optional(),
  rule_id: list(z.string().min(1).max(128), 50),
  tag: list(z.string().min(1).max(128), 50),
  status: z.enum(statuses).optional(),
  /** case-insensitive substring of a group value */
  q: z.string().min(1).max(256).optional(),
  /** detected_at bounds: since (inclusive), until (exclusive) */
  since: time.optional(),
  until: time.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** next_cursor of the previous page */
  cursor: z
    .string()
    .regex(/^\d{1,16}~[A-Za-z0-9_-]{16,64}$/, 'a page cursor')
    .optional(),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

const LIST_KEYS = new Set(['tenant', 'rule_id', 'tag']);

/** URLSearchParams → the input object of listQuerySchema. */
export function queryInput(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (LIST_KEYS.has(key))
      out[key] = values
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean);
    else out[key] = values.length === 1 ? values[0] : values;
  }
  return out;
}

export class ForbiddenTenant extends Error {
  override name = 'ForbiddenTenant';
}

const inList = (values: readonly string[]) => `(${values.map(quoteString).join(', ')})`;

/** The SQL of one page of GET /v1/alerts, within the analyst's scope. */
export function listSql(q: ListQuery, scope: Scope): string {
  const where: string[] = [];
  if (q.tenant) {
    const outside = q.tenant.filter((t) => !inScope(scope, t));
    if (outside.length > 0) throw new ForbiddenTenant(`tenant(s) outside your scope: ${outside.join(', ')}`);
    where.push(`tenant IN ${inList(q.tenant)}`);
  } else if (scope !== '*') where.push(`tenant IN ${inList([...scope])}`);
  if (q.min_severity) {
    const min = severityRank[q.min_severity] ?? 0;
    where.push(`severity IN ${inList(severities.filter((s) => (severityRank[s] ?? 0) >= min))}`);
  }
  if (q.rule_id) where.push(`rule_id IN ${inList(q.rule_id)}`);
  if (q.tag) where.push(`hasAny(tags, [${q.tag.map(quoteString).join(', ')}])`);
  if (q.q)
    where.push(
      `arrayExists(v -> position(lowerUTF8(v), ${quoteString(q.q.toLowerCase())}) > 0, group_values)`,
    );
  if (q.since !== undefined) where.push(`detected_at_ms >= ${quoteNumber(q.since)}`);
  if (q.until !== undefined) where.push(`detected_at_ms < ${quoteNumber(q.until)}`);
  if (q.cursor) {
    const [ms, id] = q.cursor.split('~') as [string, string];
    const m = quoteNumber(Number(ms));
    where.push(`(detected_at_ms < ${m} OR (detected_at_ms = ${m} AND id < ${quoteString(id)}))`);
  }
  if (q.status) {
    const triaged = (op: string, status: string) =>
      `SELECT alert_id FROM alert_status GROUP BY alert_id HAVING argMax(status, version) ${op} ${quoteString(status)}`;
    where.push(
      q.status === 'open' ? `id NOT IN (${triaged('!=', 'open')})` : `id IN (${triaged('=', q.status)})`,
    );
  }
  return (
    'SELECT id, detected_at_ms, alert_json FROM alerts FINAL' +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY detected_at_ms DESC, id DESC LIMIT ${quoteNumber(q.limit + 1)}`
  );
}

export interface ListRow {
  id: string;
  detected_at_ms: string | number;
  alert_json: string;
}

export async function listAlerts(
  ch: ClickHouseClient,
  q: ListQuery,
  scope: Scope,
): Promise<{ rows: ListRow[]; next: string | null }> {
  const rows = await (await ch.query({ query: listSql(q, scope), format: 'JSONEachRow' })).json<ListRow>();
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > q.limit && last ? `${last.detected_at_ms}~${last.id}` : null };
}

/** The stored copy of one alert (any copy: replays are identical). */
export async function findAlert(
  ch: ClickHouseClient,
  id: string,
): Promise<{ tenant: string; alert_json: string } | undefined> {
  const rows = await (
    await ch.query({
      query: `SELECT tenant, alert_json FROM alerts WHERE id = ${quoteString(alertId.parse(id))} LIMIT 1`,
      format: 'JSONEachRow',
    })
  ).json<{ tenant: string; alert_json: string }>();
  return rows[0];
}

export interface HistoryEntry {
  version: number;
  status: string;
  previous_status: string;
  action: string;
  actor: string;
  assignee: string | null;
  reason: string | null;
  comment: string | null;
  at: string;
}

/**
 * The status history of one alert. alert_status is a ReplacingMergeTree on (tenant, alert_id,
 * version): the sink (which consumes the status topic) and the fan-out (which writes the
 * change it accepted, so the history is current when POST answers) write the same row.
 */
export async function statusHistory(
  ch: ClickHouseClient,
  tenant: string,
  id: string,
): Promise<HistoryEntry[]> {
  const rows = await (
    await ch.query({
      query:
        'SELECT version, status, previous_status, action, actor, assignee, reason, comment, changed_at_ms' +
        ' FROM alert_status FINAL' +
        ` WHERE tenant = ${quoteString(tenant)} AND alert_id = ${quoteString(alertId.parse(id))}` +
        ' ORDER BY version',
      format: 'JSONEachRow',
    })
  ).json<{
    version: number;
    status: string;
    previous_status: string;
    action: string;
    actor: string;
    assignee: string;
    reason: string;
    comment: string;
    changed_at_ms: string | number;
  }>();
  return rows.map((r) => ({
    version: Number(r.version),
    status: r.status,
    previous_status: r.previous_status,
    action: r.action,
    actor: r.actor,
    assignee: r.assignee || null,
    reason: r.reason || null,
    comment: r.comment || null,
    at: new Date(Number(r.changed_at_ms)).toISOString(),
  }));
}

/** The alert_status row of an accepted status event (the same row the sink writes for it). */
export function statusRow(e: StatusEvent) {
  return {
    alert_id: e.alert_id,
    tenant: e.tenant,
    version: e.version,
    status: e.status,
    previous_status: e.prev_status,
    action: e.action,
    actor: e.actor.id,
    assignee: e.assignee ?? '',
    reason: e.reason ?? '',
    comment: e.comment ?? '',
    changed_at: e.at,
    changed_at_ms: Date.parse(e.at),
    event_id: e.event_id,
  };
}

/** The latest version, status and assignee of every triaged alert, to seed the in-memory state at start. */
export async function currentStates(ch: ClickHouseClient) {
  const rows = await (
    await ch.query({
      query:
        'SELECT alert_id, any(tenant) AS t, max(version) AS v, argMax(status, version) AS s,' +
        ' argMax(assignee, version) AS who FROM alert_status GROUP BY alert_id',
      format: 'JSONEachRow',
    })
  ).json<{ alert_id: string; t: string; v: number; s: string; who: string }>();
  return rows.map((r) => ({
    alertId: r.alert_id,
    tenant: r.t,
    version: Number(r.v),
    status: r.s as (typeof statuses)[number],
    assignee: r.who || null,
  }));
}
