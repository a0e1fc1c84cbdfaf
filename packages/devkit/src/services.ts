// Starts the real services as child processes (node services/<name>/src/main.ts) with a
// given environment, waits until each answers /readyz, and stops them with SIGTERM. Used
// by the demo, the end-to-end tests and the benchmarks, so all three run the same thing.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
export const SERVICE_NAMES = ['ingest', 'correlator', 'sink', 'fanout'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const PORT_VARIABLE: Record<ServiceName, string> = {
  ingest: 'INGEST_PORT',
  correlator: 'CORRELATOR_PORT',
  sink: 'SINK_PORT',
  fanout: 'FANOUT_PORT',
};

export interface RunningService {
  name: ServiceName;
  port: number;
  url: string;
  process: ChildProcess;
  /** resolves with the exit code once the process has ended */
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** environment shared by all services (KAFKA_BROKERS, CLICKHOUSE_URL, namespace...) */
  env: Record<string, string>;
  /** ports per service; a free port is picked when absent */
  ports?: Partial<Record<ServiceName, number>>;
  /** folder for each service's log file (<name>.log); inherit stdio when absent */
  logDir?: string;
  services?: readonly ServiceName[];
  readyTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startService(
  name: ServiceName,
  port: number,
  options: StartOptions,
): Promise<RunningService> {
  const env = { ...process.env, ...options.env, [PORT_VARIABLE[name]]: String(port) };
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services', name, 'src', 'main.ts')], {
    env,
    stdio: options.logDir ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  if (options.logDir) {
    mkdirSync(options.logDir, { recursive: true });
    const log = createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, port, url: `http://127.0.0.1:${port}`, process: child, exited };
}

export async function waitReady(service: RunningService, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  let ended = false;
  void service.exited.then(() => {
    ended = true;
  });
  while (Date.now() < deadline) {
    if (ended)
      throw new Error(`${service.name} exited before it was ready (exit code ${service.process.exitCode})`);
    try {
      const res = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = JSON.stringify(await res.json());
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${service.name} not ready after ${timeoutMs} ms: ${last}`);
}

export async function startServices(options: StartOptions): Promise<Record<ServiceName, RunningService>> {
  const names = options.services ?? SERVICE_NAMES;
  const running: RunningService[] = [];
  try {
    for (const name of names)
      running.push(await startService(name, options.ports?.[name] ?? (await freePort()), options));
    await Promise.all(running.map((s) => waitReady(s, options.readyTimeoutMs ?? 60_000)));
  } catch (err) {
    await stopServices(running);
    throw err;
  }
  return Object.fromEntries(running.map((s) => [s.name, s])) as Record<ServiceName, RunningService>;
}

/** SIGTERM to each, waits for exit (SIGKILL after the timeout); returns the exit codes. */
export async function stopServices(
  services: Iterable<RunningService>,
  timeoutMs = 30_000,
): Promise<Record<string, number | null>> {
  const list = [...services];
  const codes = await Promise.all(
    list.map(async (s) => {
      if (s.process.exitCode !== null || s.process.signalCode !== null) return s.process.exitCode;
      s.process.kill('SIGTERM');
      const timer = setTimeout(() => s.process.kill('SIGKILL'), timeoutMs);
      const code = await s.exited;
      clearTimeout(timer);
      return code;
    }),
  );
  return Object.fromEntries(list.map((s, i) => [s.name, codes[i] ?? null]));
}
