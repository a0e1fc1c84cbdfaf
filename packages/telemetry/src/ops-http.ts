// The operational endpoints every service serves: /healthz (the process is alive),
// /readyz (its dependencies are connected and it is not draining), /metrics (Prometheus).
// `opsHandler` answers those three paths and returns false for anything else, so a
// service with its own HTTP server mounts it first; `startOpsServer` is for services
// that serve nothing else.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Readiness {
  /** returns null when ready, or the reason it is not */
  check(): string | null;
}

export function opsHandler(registry: Registry, readiness: Readiness) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      const reason = readiness.check();
      sendJson(
        res,
        reason === null ? 200 : 503,
        reason === null ? { status: 'ready' } : { status: 'not ready', reason },
      );
      return true;
    }
    if (path === '/metrics') {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(body);
      return true;
    }
    return false;
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export async function listen(server: Server, port: number, host: string): Promise<number> {
  // longer than clients' and load balancers' idle timeouts, so an idle keep-alive
  // connection is never closed under a request that is being sent on it
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function startOpsServer(
  registry: Registry,
  readiness: Readiness,
  port: number,
  host: string,
): Promise<{ server: Server; port: number }> {
  const handle = opsHandler(registry, readiness);
  const server = createServer((req, res) => {
    handle(req, res).then(
      (handled) => {
        if (!handled) sendJson(res, 404, { error: 'not found' });
      },
      () => sendJson(res, 500, { error: 'internal error' }),
    );
  });
  return { server, port: await listen(server, port, host) };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
