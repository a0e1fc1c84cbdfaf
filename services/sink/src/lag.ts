// Consumer lag per topic: messages on the topic that the sink's group has not committed
// yet (high watermark minus committed offset, summed over partitions; a partition with no
// commit counts from its low watermark). Exported as soc_sink_lag_messages{topic} and
// refreshed every few seconds from the Kafka admin API; while Kafka does not answer the last
// value stays.
import { Gauge, type Logger, type Registry } from '@soc/telemetry';
import type { Admin, Kafka } from 'kafkajs';

export interface PartitionEnd {
  partition: number;
  high: string;
  low: string;
}

/** Lag from the group's committed offsets ("-1": none) and the topic's watermarks. */
export function computeLag(committed: { partition: number; offset: string }[], ends: PartitionEnd[]): number {
  const byPartition = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
  let lag = 0n;
  for (const end of ends) {
    const high = BigInt(end.high);
    const low = BigInt(end.low);
    const done = byPartition.get(end.partition) ?? -1n;
    const from = done < low ? low : done;
    if (high > from) lag += high - from;
  }
  return Number(lag);
}

export interface LagMonitorOptions {
  kafka: Kafka;
  subscriptions: { topic: string; groupId: string }[];
  registry: Registry;
  intervalMs: number;
  logger: Logger;
}

export function startLagMonitor(o: LagMonitorOptions) {
  const gauge = new Gauge({
    name: 'soc_sink_lag_messages',
    help: 'Messages on the topic not yet committed by the sink (inserted into ClickHouse)',
    labelNames: ['topic'],
    registers: [o.registry],
  });
  let admin: Admin | undefined;
  let running = false;

  async function refresh() {
    if (running) return;
    running = true;
    try {
      if (!admin) {
        admin = o.kafka.admin();
        await admin.connect();
      }
      for (const { topic, groupId } of o.subscriptions) {
        const [groups, ends] = await Promise.all([
          admin.fetchOffsets({ groupId, topics: [topic] }),
          admin.fetchTopicOffsets(topic),
        ]);
        gauge.set({ topic }, computeLag(groups.find((g) => g.topic === topic)?.partitions ?? [], ends));
      }
    } catch (err) {
      o.logger.debug({ err }, 'lag not refreshed');
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void refresh(), o.intervalMs);
  timer.unref();
  void refresh();
  return {
    refresh,
    async stop() {
      clearInterval(timer);
      await admin?.disconnect();
    },
  };
}
