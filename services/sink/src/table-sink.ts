// One Kafka topic → one ClickHouse table, in batches of up to `maxRows` rows or `maxWaitMs`
// milliseconds, whichever comes first, across as many Kafka fetches as that takes.
//
// Why not the shared consumer loop (packages/kafka): it commits a Kafka batch as soon as its
// handler resolves, so rows could only be grouped within one fetch (at most
// maxBytesPerPartition per partition). Here the fetch position and the committed offset are
// kept apart:
//   - each fetched batch is decoded into the pending buffer, each row as its line of text
//     in the table's insert format appended to the buffer's insert body (bytes, sent as they
//     are), and its offsets are *resolved* (kafkajs fetches on from there), but nothing is
//     committed;
//   - a flush inserts the buffer (retried with backoff) and only after ClickHouse accepted it
//     commits, per partition, the offset after the last message the buffer held;
//   - one flush runs at a time; while it runs (or retries through an outage) the next buffer
//     fills up to maxRows, then the consumer waits (heartbeating) instead of fetching: lag
//     grows in Kafka, not in memory;
//   - when a flush gives up, every partition with uncommitted rows is rewound (seek) to its
//     first uncommitted offset and the buffers are dropped, so the rows are fetched again;
//   - after a rebalance kafkajs restarts each partition at its committed offset, so the
//     pending buffer (fetched, not committed) is dropped: it would be fetched twice;
//   - at shutdown fetching is paused, the buffer is flushed and committed, then the consumer
//     leaves (kafkajs ignores commits once it has stopped).
// Offsets are only ever committed for rows ClickHouse has: a crash loses the buffer, never a
// row. A replayed row (insert applied but not committed, or the rows of a rebalance) is
// inserted again and collapses with its copy by id (ReplacingMergeTree, read with FINAL).
import { type ClickHouseClient, InsertBody, insertBody, type TextInsertFormat } from '@soc/clickhouse';
import { type ComponentCounters, type Counter, type Logger, retry, sleep } from '@soc/telemetry';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

/** A message as a row (its line in the table's insert format), or the reason it was dropped. */
export type Decoded = { row: string } | { dropped: string };

export interface TableSinkOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  table: string;
  /** the format of the rows `decode` writes */
  format: TextInsertFormat;
  clickhouse: ClickHouseClient;
  decode(message: KafkaMessage, partition: number): Decoded;
  maxRows: number;
  maxWaitMs: number;
  /** insert retries (after the first attempt) before the rows are left for redelivery */
  retries: number;
  counters: ComponentCounters;
  /** rows inserted, by table */
  inserted: Counter<'table'>;
  logger: Logger;
  signal: AbortSignal;
  /** bytes fetched per partition per request (kafkajs maxBytesPerPartition) */
  maxBytesPerPartition?: number;
}

export interface TableSink {
  consumer: Consumer;
  ready(): boolean;
  /** rows buffered and in flight, not yet committed */
  buffered(): number;
  stop(): Promise<void>;
}

/** how long fetching pauses after an insert gave up, before the rows are fetched again */
const REWIND_PAUSE_MS = 5_000;

interface Span {
  first: bigint;
  last: bigint;
}

class Batch {
  /** the rows, as the text the insert sends */
  readonly body: InsertBody;
  readonly offsets = new Map<number, Span>();
  startedAt = 0;
  constructor(body: InsertBody) {
    this.body = body;
  }
  get empty() {
    return this.offsets.size === 0;
  }
  add(partition: number, first: string, last: string) {
    if (this.empty) this.startedAt = Date.now();
    const span = this.offsets.get(partition);
    if (span) span.last = BigInt(last);
    else this.offsets.set(partition, { first: BigInt(first), last: BigInt(last) });
  }
}

export async function startTableSink(o: TableSinkOptions): Promise<TableSink> {
  const log = o.logger.child({ topic: o.topic, table: o.table });
  const consumer = o.kafka.consumer({
    groupId: o.groupId,
    maxBytesPerPartition: o.maxBytesPerPartition ?? 1_048_576,
    maxWaitTimeInMs: 500,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
  // insert bodies to reuse: at most two are in use (one filling, one being inserted)
  const spareBodies: InsertBody[] = [];
  const newBatch = () => new Batch(spareBodies.pop() ?? new InsertBody());
  /** gives a batch's body back for reuse; only once nothing reads its bytes any more */
  const release = (batch: Batch) => {
    batch.body.clear();
    if (spareBodies.length < 2) spareBodies.push(batch.body);
  };
  let pending = newBatch();
  let inFlight: Promise<void> | null = null;
  let inFlightRows = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let assigned = false;
  let crashed = false;

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assigned = Object.keys(e.payload.memberAssignment).length > 0;
    if (!pending.empty) {
      log.info(
        { rows: pending.body.rows },
        'rebalanced: dropping the uncommitted buffer (it is fetched again)',
      );
      release(pending);
      pending = newBatch();
    }
    log.info({ groupId: o.groupId, assignment: e.payload.memberAssignment }, 'joined consumer group');
  });
  consumer.on(consumer.events.CRASH, (e) => {
    crashed = !e.payload.restart;
    log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
  });

  function schedule() {
    if (timer || inFlight || pending.empty) return;
    const delay = Math.max(0, pending.startedAt + o.maxWaitMs - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      flush();
    }, delay);
    timer.unref();
  }

  /** Starts a flush of the pending buffer unless one is running; returns the running flush. */
  function flush(): Promise<void> | null {
    if (inFlight || pending.empty) return inFlight;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = newBatch();
    inFlightRows = batch.body.rows;
    inFlight = write(batch).finally(() => {
      release(batch);
      inFlight = null;
      inFlightRows = 0;
      if (stopping) return;
      if (pending.body.rows >= o.maxRows || Date.now() - pending.startedAt >= o.maxWaitMs) flush();
      else schedule();
    });
    return inFlight;
  }

  async function write(batch: Batch): Promise<void> {
    const n = batch.body.rows;
    if (n > 0) {
      try {
        await retry(() => insertBody(o.clickhouse, o.table, o.format, batch.body.bytes()), {
          retries: o.retries,
          initialDelayMs: 200,
          maxDelayMs: 10_000,
          signal: o.signal,
          onRetry: (err, attempt, delayMs) => {
            o.counters.errors.inc({ stage: 'insert' });
            log.warn({ err, attempt, delayMs, rows: n }, 'ClickHouse insert failed; retrying');
          },
        });
      } catch (err) {
        o.counters.errors.inc({ stage: 'insert' });
        if (stopping || o.signal.aborted) {
          log.warn(
            { err, rows: n },
            'insert not done at shutdown; the rows stay uncommitted and are redelivered',
          );
          return;
        }
        log.error({ err, rows: n }, 'ClickHouse insert gave up; rewinding to redeliver the rows');
        rewind(batch);
        return;
      }
      o.inserted.inc({ table: o.table }, n);
      o.counters.sent.inc(n);
    }
    const offsets = [...batch.offsets].map(([partition, span]) => ({
      topic: o.topic,
      partition,
      offset: String(span.last + 1n),
    }));
    try {
      await consumer.commitOffsets(offsets);
    } catch (err) {
      // the rows are in ClickHouse; an offset not committed only means they are read again
      o.counters.errors.inc({ stage: 'commit' });
      log.warn({ err, offsets }, 'offset commit failed; the rows will be redelivered and replaced by id');
    }
  }

  /**
   * Seeks every partition with uncommitted rows back to its first one and drops the buffers;
   * fetching pauses for a while first, so a lasting failure is not retried in a tight loop.
   */
  function rewind(failed: Batch) {
    const firsts = new Map<number, bigint>();
    for (const b of [pending, failed]) for (const [p, span] of b.offsets) firsts.set(p, span.first);
    release(pending);
    pending = newBatch();
    consumer.pause([{ topic: o.topic }]);
    const resume = setTimeout(() => {
      if (!stopping) consumer.resume([{ topic: o.topic }]);
    }, REWIND_PAUSE_MS);
    resume.unref();
    for (const [partition, first] of firsts) {
      try {
        consumer.seek({ topic: o.topic, partition, offset: String(first) });
      } catch (err) {
        log.warn(
          { err, partition },
          'seek failed; the partition restarts at its committed offset on rebalance',
        );
      }
    }
  }

  await retry(
    async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    },
    {
      retries: 30,
      initialDelayMs: 200,
      maxDelayMs: 5_000,
      signal: o.signal,
      onRetry: (err, attempt) => log.warn({ err, attempt }, 'could not subscribe yet; retrying'),
    },
  );
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (batch.messages.length === 0 || !isRunning() || isStale() || stopping) return;
      for (const m of batch.messages) {
        o.counters.received.inc();
        const decoded = o.decode(m, batch.partition);
        if ('row' in decoded) pending.body.append(decoded.row);
        else o.counters.dropped.inc({ reason: decoded.dropped });
      }
      pending.add(batch.partition, batch.firstOffset() ?? batch.messages[0]!.offset, batch.lastOffset());
      // moves the fetch position on; the commit waits for the insert (see the header)
      resolveOffset(batch.lastOffset());
      schedule();
      while (pending.body.rows >= o.maxRows && isRunning() && !isStale() && !stopping) {
        const running = flush();
        if (running) await Promise.race([running, sleep(2_000)]);
        await heartbeat();
      }
    },
  });

  return {
    consumer,
    ready: () => assigned && !crashed,
    buffered: () => pending.body.rows + inFlightRows,
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      consumer.pause([{ topic: o.topic }]);
      await inFlight;
      if (!pending.empty) {
        const last = pending;
        pending = newBatch();
        await write(last);
      }
      await consumer.disconnect();
    },
  };
}
