// From received bytes to what Intake writes to Kafka, the CPU-heavy half of ingest: lines
// parsed into ECS events, enriched (zones, threat intel), serialized, with their Kafka
// keys; rejected lines kept for the dead-letter topic and the sender's report. Runs on a
// parse thread (parse-pool.ts) or, with INGEST_PARSE_THREADS=0, on the main thread: the
// same code either way, and only plain data crosses between threads.
import type { ThreatIntel, ZoneMap } from '@soc/enrich';
import { type ParsedBatch, parseBody, parseLines, type RejectedLine } from '@soc/ingest';
import { getParser, type IptablesPrefix } from '@soc/parsers';
import type { EcsEvent } from '@soc/schema';

/** One sender's lines to prepare: a request body (split on LF) or syslog frames. */
export interface PrepareJob {
  /** the body, or the frames back to back */
  data: Uint8Array;
  /** frames only: where each frame ends in `data` */
  frameEnds?: Int32Array;
  /** frames only: frames cut at the line limit (their data is the first maxLineBytes) */
  oversized?: number[];
  /** a parser name; an unknown one falls back to auto */
  format: string;
  tenant: string;
  /** ms since the epoch */
  receivedAt: number;
  keepOriginal: boolean;
  iptablesPrefixes?: readonly IptablesPrefix[];
  maxLineBytes: number;
  /** a syslog connection: header lines carry over from one of its batches to the next */
  stream?: number;
}

/**
 * A job's result (read it with eventAt). From a parse thread, event i is the UTF-8 bytes
 * `values.subarray(valueEnds[i-1], valueEnds[i])`, keyed `keys.slice(keyEnds[i-1],
 * keyEnds[i])`: the bytes move between threads without a copy, the keys (short) as one
 * string, and the main thread hands Kafka bytes it need not encode. Prepared on the main
 * thread, `values` and `keys` are the events' own strings.
 */
export interface PreparedBatch {
  values: Uint8Array | string[];
  valueEnds: Int32Array;
  keys: string | string[];
  keyEnds: Int32Array;
  rejected: RejectedLine[];
  /** lines seen, empty ones included */
  lines: number;
  /** with format=auto: lines per detected format */
  detected?: Record<string, number>;
  /** events that threat intel matched */
  intelHits: number;
}

export interface Enrichment {
  zones?: ZoneMap | undefined;
  intel?: ThreatIntel | undefined;
}

/** The Kafka key of an event: its tenant and source, so one source's events stay in order. */
export function eventKey(e: EcsEvent): string {
  return `${e.organization.id}|${e.source?.ip ?? e.observer?.name ?? ''}`;
}

/** Event i of a prepared batch: its Kafka key and value. */
export function eventAt(batch: PreparedBatch, i: number): { key: string; value: string | Buffer } {
  const { values, keys } = batch;
  return {
    key:
      typeof keys === 'string' ? keys.slice(i === 0 ? 0 : batch.keyEnds[i - 1], batch.keyEnds[i]) : keys[i]!,
    value: Array.isArray(values)
      ? values[i]!
      : Buffer.from(
          values.buffer,
          values.byteOffset + (i === 0 ? 0 : batch.valueEnds[i - 1]!),
          batch.valueEnds[i]! - (i === 0 ? 0 : batch.valueEnds[i - 1]!),
        ),
  };
}

/**
 * Prepares one job; `streams` holds the parse state of open syslog connections. `packed`:
 * the values as UTF-8 bytes back to back and the keys joined (to cross between threads).
 */
export function prepare(
  job: PrepareJob,
  enrichment: Enrichment,
  streams: Map<number, Record<string, unknown>>,
  packed = true,
): PreparedBatch {
  const parser = getParser(job.format) ?? getParser('auto')!;
  const data = Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength);
  const ctx = {
    tenant: job.tenant,
    receivedAt: new Date(job.receivedAt),
    keepOriginal: job.keepOriginal,
    ...(job.iptablesPrefixes ? { iptablesPrefixes: job.iptablesPrefixes } : {}),
  };
  const out = new Serializer(enrichment);
  const emit = (e: EcsEvent) => out.add(e);
  let batch: ParsedBatch;
  if (!job.frameEnds) batch = parseBody(data, parser, ctx, job.maxLineBytes, emit);
  else {
    let stream: Record<string, unknown> = {};
    if (job.stream !== undefined) {
      stream = streams.get(job.stream) ?? stream;
      streams.set(job.stream, stream);
    }
    batch = parseLines(frames(data, job.frameEnds), parser, { ...ctx, stream }, job.maxLineBytes, 1, emit);
    for (const i of job.oversized ?? []) {
      batch.rejected.push({
        line: i + 1,
        reason: `line too long: over ${job.maxLineBytes} bytes`,
        raw: data
          .subarray(i === 0 ? 0 : job.frameEnds[i - 1], job.frameEnds[i])
          .subarray(0, 4096)
          .toString(),
      });
    }
  }

  return {
    ...out.finish(packed),
    rejected: batch.rejected,
    lines: batch.lines,
    ...(batch.detected ? { detected: batch.detected } : {}),
  };
}

/** Enriches the events and serializes them, back to back, with their keys. */
export function serialize(
  events: EcsEvent[],
  enrichment: Enrichment,
  packed = true,
): Pick<PreparedBatch, 'values' | 'valueEnds' | 'keys' | 'keyEnds' | 'intelHits'> {
  const out = new Serializer(enrichment);
  for (const e of events) out.add(e);
  return out.finish(packed);
}

/** Enriches events one at a time and serializes them, with their keys. */
class Serializer {
  private readonly keys: string[] = [];
  private readonly values: string[] = [];
  private intelHits = 0;
  private readonly enrichment: Enrichment;
  constructor(enrichment: Enrichment) {
    this.enrichment = enrichment;
  }

  add(e: EcsEvent): void {
    const { zones, intel } = this.enrichment;
    if (zones) zones.apply(e);
    if (intel && intel.apply(e) > 0) this.intelHits++;
    this.keys.push(eventKey(e));
    this.values.push(JSON.stringify(e));
  }

  finish(packed: boolean): Pick<PreparedBatch, 'values' | 'valueEnds' | 'keys' | 'keyEnds' | 'intelHits'> {
    const { keys, values, intelHits } = this;
    const keyEnds = new Int32Array(keys.length);
    const valueEnds = new Int32Array(values.length);
    let keyEnd = 0;
    for (let i = 0; i < keys.length; i++) keyEnds[i] = keyEnd += keys[i]!.length;
    if (!packed) {
      let valueEnd = 0;
      for (let i = 0; i < values.length; i++) valueEnds[i] = valueEnd += values[i]!.length;
      return { values, valueEnds, keys, keyEnds, intelHits };
    }
    // Written in place, in one pass. JSON is mostly ASCII (a byte per UTF-16 unit): the
    // buffer starts at that size plus room for the worst case (3 bytes a unit) of the
    // longest value, and grows only when a value needs more than its own length.
    let units = 0;
    let longest = 0;
    for (const v of values) {
      units += v.length;
      if (v.length > longest) longest = v.length;
    }
    // allocUnsafeSlow: memory of its own (never the shared pool), so it can be transferred
    let bytes = Buffer.allocUnsafeSlow(units + 2 * longest);
    let end = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (end + 3 * v.length > bytes.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(2 * bytes.length, end + 3 * v.length));
        bytes.copy(grown, 0, 0, end);
        bytes = grown;
      }
      end += bytes.write(v, end, 'utf8');
      valueEnds[i] = end;
    }
    return { values: bytes.subarray(0, end), valueEnds, keys: keys.join(''), keyEnds, intelHits };
  }
}

function* frames(data: Buffer, ends: Int32Array): Generator<Buffer> {
  let start = 0;
  for (const end of ends) {
    yield data.subarray(start, end);
    start = end;
  }
}

/** Syslog frames as one job's data: the frames copied back to back, with their ends. */
export function packFrames(frames: { data: Buffer; oversized: boolean }[]): {
  data: Uint8Array;
  frameEnds: Int32Array;
  oversized: number[];
} {
  let bytes = 0;
  for (const f of frames) bytes += f.data.length;
  // over 4 KiB its own memory, which moves to a parse thread; under, from the pool, copied
  const data = Buffer.allocUnsafe(bytes);
  const frameEnds = new Int32Array(frames.length);
  const oversized: number[] = [];
  let offset = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    data.set(f.data, offset);
    offset += f.data.length;
    frameEnds[i] = offset;
    if (f.oversized) oversized.push(i);
  }
  return { data, frameEnds, oversized };
}
