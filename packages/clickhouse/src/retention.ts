// Retention per table. Servers from 20.1 on get a table TTL (`ALTER TABLE ... MODIFY TTL`),
// applied once at start; older ones (18.16, the local stack's) have no TTL, so a job drops
// the day partitions (every table is PARTITION BY toYYYYMMDD(<time column>)) that are older
// than the retention, listed from system.parts. The sink runs `applyRetention` at start and
// every hour. A retention of 0 days keeps the table's data forever.
import type { ClickHouseClient } from '@clickhouse/client';
import { ident, sql } from './quote.ts';

/** The tables with a retention, and the DateTime column their partition key is built from. */
export const RETENTION_TABLES = {
  events: 'timestamp',
  alerts: 'window_start',
  alert_status: 'changed_at',
  dlq: 'received_at',
  events_per_minute: 'minute',
  alerts_per_minute: 'minute',
  top_talkers_hourly: 'hour',
} as const;
export type RetentionTable = keyof typeof RETENTION_TABLES;

export interface ServerVersion {
  major: number;
  minor: number;
  text: string;
}

export function parseVersion(text: string): ServerVersion {
  const m = /^\s*(\d+)\.(\d+)/.exec(text);
  if (!m) throw new Error(`not a ClickHouse version: ${JSON.stringify(text)}`);
  return { major: Number(m[1]), minor: Number(m[2]), text: text.trim() };
}

/** Table TTL (`MODIFY TTL`) exists from ClickHouse 19.6 on; we rely on it from 20.1. */
export function supportsTtl(version: ServerVersion): boolean {
  return version.major >= 20;
}

/** `YYYYMMDD` (UTC) of the first day that is kept: partitions before it are dropped. */
export function cutoffDay(days: number, now: Date): number {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days));
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/**
 * The day partitions (`YYYYMMDD`, as system.parts lists them) wholly older than `days` days:
 * with 30 days on 2026-11-29 every day before 2026-10-30 goes. Anything that is not a day
 * partition is left alone; 0 days drops nothing.
 */
export function partitionsToDrop(partitions: readonly string[], days: number, now: Date): string[] {
  if (days <= 0) return [];
  const cutoff = cutoffDay(days, now);
  const out = new Set<string>();
  for (const p of partitions) {
    if (/^\d{8}$/.test(p) && Number(p) < cutoff) out.add(p);
  }
  return [...out].sort();
}

export async function serverVersion(client: ClickHouseClient): Promise<ServerVersion> {
  const rows = await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{
    v: string;
  }>();
  return parseVersion(rows[0]?.v ?? '');
}

export interface RetentionResult {
  mode: 'ttl' | 'drop-partitions';
  /** tables whose TTL was set (ttl mode) */
  ttl: RetentionTable[];
  /** partitions dropped (drop-partitions mode) */
  dropped: { table: RetentionTable; partition: string }[];
}

/** Applies the retention of each table in `days` (missing or 0: kept forever). */
export async function applyRetention(
  client: ClickHouseClient,
  database: string,
  days: Partial<Record<RetentionTable, number>>,
  options: { now?: Date; version?: ServerVersion } = {},
): Promise<RetentionResult> {
  const version = options.version ?? (await serverVersion(client));
  const tables = (Object.keys(RETENTION_TABLES) as RetentionTable[]).filter((t) => (days[t] ?? 0) > 0);
  if (supportsTtl(version)) {
    const ttl: RetentionTable[] = [];
    for (const table of tables) {
      if (await setTtl(client, database, table, days[table]!)) ttl.push(table);
    }
    return { mode: 'ttl', ttl, dropped: [] };
  }
  const dropped: RetentionResult['dropped'] = [];
  for (const table of tables) {
    for (const partition of await dropExpiredPartitions(client, database, table, days[table]!, options.now)) {
      dropped.push({ table, partition });
    }
  }
  return { mode: 'drop-partitions', ttl: [], dropped };
}

/** Sets `TTL <column> + toIntervalDay(days)` unless the table has it already; true when changed. */
async function setTtl(client: ClickHouseClient, database: string, table: RetentionTable, days: number) {
  const column = RETENTION_TABLES[table];
  const rows = await (
    await client.query({
      query: sql`SELECT engine_full FROM system.tables WHERE database = ${database} AND name = ${table}`.text,
      format: 'JSONEachRow',
    })
  ).json<{ engine_full: string }>();
  if (rows[0]?.engine_full.includes(`TTL ${column} + toIntervalDay(${days})`)) return false;
  await client.command({
    query:
      sql`ALTER TABLE ${ident(database)}.${ident(table)} MODIFY TTL ${ident(column)} + toIntervalDay(${days})`
        .text,
  });
  return true;
}

/** Drops the day partitions of one table older than `days` days; returns the partitions dropped. */
export async function dropExpiredPartitions(
  client: ClickHouseClient,
  database: string,
  table: RetentionTable,
  days: number,
  now = new Date(),
): Promise<string[]> {
  const rows = await (
    await client.query({
      query:
        sql`SELECT DISTINCT partition FROM system.parts WHERE database = ${database} AND table = ${table} AND active`
          .text,
      format: 'JSONEachRow',
    })
  ).json<{ partition: string }>();
  const drop = partitionsToDrop(
    rows.map((r) => String(r.partition).replace(/^'|'$/g, '')),
    days,
    now,
  );
  for (const partition of drop) {
    await client.command({
      query: sql`ALTER TABLE ${ident(database)}.${ident(table)} DROP PARTITION ${Number(partition)}`.text,
    });
  }
  return drop;
}
