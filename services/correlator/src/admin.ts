// The correlator's admin API, beside /healthz, /readyz and /metrics:
//   GET  /v1/rules                          loaded rules with their counters
//   GET  /v1/rules/<id>/state?tenant=&group=v1,v2   a correlation's live state for one group
//                                           ("why didn't it fire?")
//   POST /v1/rules/reload                   reload the rule folder (refused if it has errors)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '@soc/telemetry';
import type { CorrelatorRuntime } from './runtime.ts';

export function adminHandler(runtime: () => CorrelatorRuntime) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/v1/rules' && req.method === 'GET') {
      const engine = runtime().engine;
      sendJson(res, 200, {
        rules: engine.stats(),
        partitions: engine.partitionStats(),
        set_aside: runtime().ruleErrors,
      });
      return true;
    }
    if (url.pathname === '/v1/rules/reload' && req.method === 'POST') {
      const result = runtime().reload();
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
      const state = runtime().engine.inspect(decodeURIComponent(m[1]!), tenant, group);
      sendJson(res, state ? 200 : 404, state ?? { error: 'no correlation rule with that id or name' });
      return true;
    }
    return false;
  };
}
