// The fan-out's REST API, for the console and scripts (docs/stream.md#rest-api). Every
// request carries an analyst token (Authorization: Bearer); every answer is limited to the
// analyst's tenants — an alert outside them is "not found", not "forbidden".
//   GET  /v1/me                   who the token belongs to
//   GET  /v1/alerts               history from ClickHouse: filters, cursor pagination
//   GET  /v1/alerts/:id           one alert, its current status and its status history
//   POST /v1/alerts/:id/status    acknowledge / assign / close / reopen (optimistic concurrency)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClickHouseClient } from '@soc/clickhouse';
import { type AnalystRegistry, requestToken, scopeJson, statusRequestSchema } from '@soc/stream';
import { type Logger, sendJson } from '@soc/telemetry';
import type { z } from 'zod';
import {
  alertId,
  ForbiddenTenant,
  findAlert,
  listAlerts,
  listQuerySchema,
  queryInput,
  statusHistory,
} from './history.ts';
import type { Hub } from './hub.ts';
import { publicState, type Triage } from './triage.ts';

export interface ApiOptions {
  analysts(): AnalystRegistry;
  triage: Triage;
  hub(): Hub | undefined;
  clickhouse: ClickHouseClient;
  logger: Logger;
  onAuthFailure(reason: string): void;
}

const MAX_BODY = 16 * 1024;
const NO_STORE = { 'cache-control': 'no-store' };

function issues(error: z.ZodError) {
  return error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw Object.assign(new Error('body is not JSON'), { status: 400 });
  }
}

export function apiHandler(options: ApiOptions) {
  const { triage, clickhouse } = options;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (!path.startsWith('/v1/') || path === '/v1/stream') return false;
    const send = (status: number, body: unknown): true => {
      sendJson(res, status, body, NO_STORE);
      return true;
    };
    const auth = options.analysts().authenticate(requestToken(req.headers.authorization, undefined));
    if (!auth.ok) {
      options.onAuthFailure(auth.reason);
      sendJson(res, 401, { error: `token ${auth.reason}` }, { ...NO_STORE, 'www-authenticate': 'Bearer' });
      return true;
    }
    const analyst = auth.analyst;
    try {
      if (path === '/v1/me' && req.method === 'GET') {
        send(200, {
          id: analyst.id,
          name: analyst.name,
          role: analyst.role,
          tenants: scopeJson(analyst.tenants),
          expires_at: analyst.expiresAt?.toISOString() ?? null,
        });
        return true;
      }
      if (path === '/v1/alerts' && req.method === 'GET') {
        const q = listQuerySchema.safeParse(queryInput(url.searchParams));
        if (!q.success) return send(400, { error: 'invalid query', issues: issues(q.error) });
        const { rows, next } = await listAlerts(clickhouse, q.data, analyst.tenants);
        send(200, {
          alerts: rows.map((r) => {
            const alert = JSON.parse(r.alert_json) as { tenant: string };
            return { alert, state: publicState(triage.state(r.id, alert.tenant)) };
          }),
          next_cursor: next,
        });
        return true;
      }
      const m = /^\/v1\/alerts\/([^/]+)(\/status)?$/.exec(path);
      if (m) {
        const id = alertId.safeParse(decodeURIComponent(m[1]!));
        if (!id.success) return send(404, { error: 'no such alert' });
        if (m[2] && req.method === 'POST') {
          const body = statusRequestSchema.safeParse(await readJson(req));
          if (!body.success) return send(400, { error: 'invalid request', issues: issues(body.error) });
          const answer = await triage.change(analyst, id.data, body.data);
          send(answer.status, answer.body);
          return true;
        }
        if (!m[2] && req.method === 'GET') {
          const tenant = await triage.tenantOf(id.data);
          if (!tenant || !(analyst.tenants === '*' || analyst.tenants.has(tenant)))
            return send(404, { error: 'no such alert' });
          const recent = options.hub()?.recentAlert(id.data);
          const alertJson = recent?.raw ?? (await findAlert(clickhouse, id.data))?.alert_json;
          send(200, {
            alert: alertJson ? JSON.parse(alertJson) : null,
            state: publicState(triage.state(id.data, tenant)),
            history: await statusHistory(clickhouse, tenant, id.data),
          });
          return true;
        }
        send(405, { error: 'method not allowed' });
        return true;
      }
      send(404, { error: 'not found' });
      return true;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 413 || status === 400) return send(status, { error: (err as Error).message });
      if (err instanceof ForbiddenTenant) return send(403, { error: err.message });
      options.logger.error({ err, path }, 'API request failed');
      send(503, { error: 'history store unavailable; retry' });
      return true;
    }
  };
}
