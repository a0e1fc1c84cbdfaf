// POST /v1/logs?format=<name>: a body of log lines (raw text or NDJSON) → ECS events on
// the events topic, rejected lines on the DLQ topic, both acknowledged by Kafka (acks=all,
// idempotent producer) before the client gets its 2xx. Kafka unavailable → 503 with
// Retry-After; the client resends the whole body. Part of a batch may already have been
// written when the 503 was decided; its events keep their deterministic ids (tenant,
// observer, line), so a resend is recognisable downstream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatNames, getParser } from '@soc/parsers';
import type { EcsEvent, Topics } from '@soc/schema';
import { type ComponentCounters, type Histogram, type Logger, sendJson } from '@soc/telemetry';
import type { Producer } from 'kafkajs';
import { parseBody, type RejectedLine } from './batch.ts';
import type { IngestConfig } from './config.ts';

export interface IngestDeps {
  config: IngestConfig;
  producer: Producer;
  topics: Topics;
  logger: Logger;
  counters: ComponentCounters;
  requestSeconds: Histogram<'status'>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function eventKey(e: EcsEvent): string {
  return `${e.organization.id}|${e.source?.ip ?? e.observer?.name ?? ''}`;
}

export function logsHandler(deps: IngestDeps) {
  const { config, producer, topics, counters } = deps;
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const started = performance.now();
    let status = 500;
    try {
      const format = url.searchParams.get('format') ?? '';
      const parser = getParser(format);
      if (!parser)
        throw new HttpError(400, `unknown or missing format "${format}"; known: ${formatNames().join(', ')}`);
      const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (encoding !== 'identity')
        throw new HttpError(415, `content-encoding "${encoding}" is not supported`);
      const body = await readBody(req, config.INGEST_MAX_BODY_BYTES);
      const receivedAt = new Date();
      const batch = parseBody(
        body,
        parser,
        { tenant: config.INGEST_TENANT, receivedAt, keepOriginal: config.INGEST_KEEP_ORIGINAL },
        config.INGEST_MAX_LINE_BYTES,
      );
      counters.received.inc(batch.events.length + batch.rejected.length);
      try {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [
            {
              topic: topics.events,
              messages: batch.events.map((e) => ({ key: eventKey(e), value: JSON.stringify(e) })),
            },
            {
              topic: topics.dlq,
              messages: batch.rejected.map((r) => dlqMessage(r, format, config.INGEST_TENANT, receivedAt)),
            },
          ].filter((t) => t.messages.length > 0),
        });
      } catch (err) {
        counters.errors.inc({ stage: 'kafka' });
        deps.logger.warn({ err }, 'Kafka did not acknowledge a batch; answering 503');
        status = 503;
        sendJson(
          res,
          503,
          { error: 'Kafka is unavailable; retry later' },
          { 'retry-after': String(config.INGEST_RETRY_AFTER_SECONDS) },
        );
        return;
      }
      counters.sent.inc(batch.events.length);
      for (const r of batch.rejected) counters.dropped.inc({ reason: r.reason.split(':')[0] ?? 'invalid' });
      status = batch.events.length === 0 && batch.rejected.length > 0 ? 422 : 200;
      sendJson(res, status, {
        format,
        accepted: batch.events.length,
        rejected: batch.rejected.length,
        errors: batch.rejected
          .slice(0, config.INGEST_MAX_ERRORS_REPORTED)
          .map((r) => ({ line: r.line, reason: r.reason })),
        errors_truncated: batch.rejected.length > config.INGEST_MAX_ERRORS_REPORTED,
      });
    } catch (err) {
      if (err instanceof HttpError) {
        status = err.status;
        counters.errors.inc({ stage: 'request' });
        sendJson(res, err.status, { error: err.message });
        if (err.status === 413) req.destroy();
        return;
      }
      deps.logger.error({ err }, 'ingest request failed');
      sendJson(res, 500, { error: 'internal error' });
    } finally {
      deps.requestSeconds.observe({ status: String(status) }, (performance.now() - started) / 1000);
    }
  };
}

function dlqMessage(r: RejectedLine, format: string, tenant: string, receivedAt: Date) {
  return {
    key: tenant,
    value: JSON.stringify({
      tenant,
      format,
      line: r.line,
      reason: r.reason,
      raw: r.raw,
      received_at: receivedAt.toISOString(),
      transport: 'http',
    }),
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? -1);
    if (declared > limit)
      return reject(new HttpError(413, `body of ${declared} bytes exceeds the limit of ${limit}`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new HttpError(413, `body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
