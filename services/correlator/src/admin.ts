// The correlator's admin API, beside /healthz, /readyz and /metrics:
//   GET  /v1/rules                          loaded rules with their counters, which rules are
//                                           repartitioned (and by what key), partition watermarks
//   GET  /v1/rules/<id>/state?tenant=&group=v1,v2   a correlation's live state for one group
//                                           ("why didn't it fire?")
//   POST /v1/rules/reload                   reload the rule folder (refused if it has errors)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '@soc/telemetry';
import type { RepartitionRuntime } from './repartition.ts';
import type { CorrelatorRuntime } from './runtime.ts';

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

export function adminHandler(
  runtime: () => CorrelatorRuntime | undefined,
  stage2: () => RepartitionRuntime | undefined,
) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/v1/rules')) return false;
    const rt = runtime();
    if (!rt) {
      sendJson(res, 503, { error: 'starting: not connected to Kafka yet' });
      return true;
    }
    if (url.pathname === '/v1/rules' && req.method === 'GET') {
      sendJson(res, 200, {
        rules: rt.stats(),
        partitions: rt.engine.partitionStats(),
        repartitioned: rt.units.map((u) => ({ key: u.id, rules: u.rules.correlations.map((c) => c.id) })),
        repartition_partitions: (stage2()?.partitionStats() ?? []).map((p) => ({
          ...p,
          watermark: iso(p.watermark),
        })),
        set_aside: rt.ruleErrors,
      });
      return true;
    }
    if (url.pathname === '/v1/rules/reload' && req.method === 'POST') {
      const result = rt.reload();
      sendJson(
        res,
        result.ok ? 200 : 422,
        result.ok ? { status: 'reloaded' } : { status: 'refused', errors: result.errors },
      );
      return true;
    }
    const m = /^\/v1\/rules\/([^/]+)\/state$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const tenant = url.searchParams.get('tenant') ?? '';
      const group = (url.searchParams.get('group') ?? '').split(',');
      const state = rt.inspect(decodeURIComponent(m[1]!), tenant, group);
      sendJson(res, state ? 200 : 404, state ?? { error: 'no correlation rule with that id or name' });
      return true;
    }
    return false;
  };
}
