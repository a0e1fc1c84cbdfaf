// ClickHouse client factory and the numbered migrations that own our tables. Migrations
// are plain SQL files (packages/clickhouse/migrations/NNNN_name.sql) with a {db}
// placeholder for the quoted database name; each runs once, in order, at service start,
// and is written to be idempotent so a concurrent start of
// two services is harmless.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { quoteIdentifier, quoteNumber, quoteString } from './quote.ts';

export type { ClickHouseClient };

export interface ClickHouseOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}

export function createClickHouse(options: ClickHouseOptions, withDatabase = true): ClickHouseClient {
  return createClient({
    url: options.url,
    username: options.username ?? 'default',
    password: options.password ?? '',
    ...(withDatabase ? { database: options.database } : {}),
    request_timeout: options.requestTimeoutMs ?? 30_000,
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
}

const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(join(dir, file), 'utf8'),
    }));
}

/** Creates the database if needed and applies the migrations not yet recorded. Returns the versions applied. */
export async function migrate(options: ClickHouseOptions, migrations = loadMigrations()): Promise<number[]> {
  const db = quoteIdentifier(options.database);
  const admin = createClickHouse(options, false);
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
    await admin.command({
      query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = TinyLog`,
    });
    const rows = await (
      await admin.query({
        query: `SELECT DISTINCT version FROM ${db}.schema_migrations`,
        format: 'JSONEachRow',
      })
    ).json<{ version: number }>();
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const statement of splitStatements(m.sql.replaceAll('{db}', db))) {
        await admin.command({ query: statement });
      }
      await admin.command({
        query: `INSERT INTO ${db}.schema_migrations (version, name) VALUES (${quoteNumber(m.version)}, ${quoteString(m.name)})`,
      });
      applied.push(m.version);
    }
    return applied;
  } finally {
    await admin.close();
  }
}

/** Splits a migration file into statements on `;` at line ends, dropping comment-only parts. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.length > 0);
}
