// Runs the retention (packages/clickhouse/src/retention.ts) at start and then every hour:
// on servers with TTL it sets each table's TTL once; on older ones it drops expired day
// partitions each run. A failed run is logged and counted, and the next run tries again.
import { applyRetention, type ClickHouseClient, type RetentionTable } from '@soc/clickhouse';
import { Counter, type Logger, type Registry } from '@soc/telemetry';

export interface RetentionJobOptions {
  clickhouse: ClickHouseClient;
  database: string;
  days: Partial<Record<RetentionTable, number>>;
  registry: Registry;
  logger: Logger;
  intervalMs?: number;
}

export function startRetentionJob(o: RetentionJobOptions) {
  const dropped = new Counter({
    name: 'soc_sink_retention_dropped_partitions_total',
    help: 'Day partitions dropped by the retention job, by table',
    labelNames: ['table'],
    registers: [o.registry],
  });
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= applyRetention(o.clickhouse, o.database, o.days)
      .then((r) => {
        for (const d of r.dropped) dropped.inc({ table: d.table });
        if (r.ttl.length > 0 || r.dropped.length > 0) o.logger.info(r, 'retention applied');
      })
      .catch((err: unknown) => o.logger.warn({ err }, 'retention run failed; next run in an hour'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void run(), o.intervalMs ?? 3_600_000);
  timer.unref();
  void run();
  return {
    run,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
