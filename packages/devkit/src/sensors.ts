// Sensors files for the demo, tests and benchmarks (the ingest service's INGEST_SENSORS_FILE).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The token of deploy/local/sensors.yaml's demo firewall (local stack only). */
export const DEMO_TOKEN = 'soc_demo_local_only';

export interface TestSensor {
  id: string;
  tenant: string;
  token: string;
  format?: string;
  syslog_sources?: string[];
  rate_limit_lines_per_second?: number;
}

export function writeSensorsFile(dir: string, sensors: TestSensor[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'sensors.yaml');
  const entries = sensors.map(({ token, ...s }) => ({
    ...s,
    token_sha256: createHash('sha256').update(token).digest('hex'),
  }));
  writeFileSync(path, JSON.stringify({ sensors: entries }, null, 2)); // JSON is YAML
  return path;
}

export interface TestAnalyst {
  id: string;
  token: string;
  tenants: string[] | '*';
  role: 'analyst' | 'admin';
  expires_at?: string;
}

/** Writes a FANOUT_ANALYSTS_FILE (tokens stored as SHA-256), like writeSensorsFile does for ingest. */
export function writeAnalystsFile(dir: string, analysts: TestAnalyst[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'analysts.yaml');
  const entries = analysts.map(({ token, ...a }) => ({
    ...a,
    token_sha256: createHash('sha256').update(token).digest('hex'),
  }));
  writeFileSync(path, JSON.stringify({ analysts: entries }, null, 2)); // JSON is YAML
  return path;
}
