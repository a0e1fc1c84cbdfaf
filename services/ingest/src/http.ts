// POST /v1/logs[?format=<name|auto>]: a body of log lines (raw text or NDJSON, optionally
// gzip-compressed) from an authenticated sensor → ECS events on Kafka. The 200 comes only
// after Kafka acknowledged every accepted line; the response counts accepted and rejected
// lines and lists the rejections (line number, reason; capped). Refusals, in the order
// they are checked: 405 not POST, 401 no or unknown token, 400 no or unknown format,
// 415 unsupported content type or encoding, 413 body over the limit (also after
// decompression: a gzip bomb stops at the limit), 429 sensor over its rate (Retry-After),
// 503 Kafka unavailable (Retry-After; resend the whole body — events keep deterministic ids).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';
import { bearerToken, countLines, type RateLimiter, type SensorRegistry } from '@soc/ingest';
import { formatNames, getParser } from '@soc/parsers';
import { type ComponentCounters, type Histogram, type Logger, sendJson } from '@soc/telemetry';
import type { IngestConfig } from './config.ts';
import { type Intake, KafkaUnavailableError } from './intake.ts';
import type { ParsePool } from './parse-pool.ts';

export interface HttpDeps {
  config: IngestConfig;
  intake: Intake;
  pool: ParsePool;
  sensors: () => SensorRegistry;
  limiter: RateLimiter;
  logger: Logger;
  counters: ComponentCounters;
  requestSeconds: Histogram<'status'>;
}

class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

const REFUSED_TYPES = /^(multipart\/|application\/x-www-form-urlencoded)/i;

export function logsHandler(deps: HttpDeps) {
  const { config, counters } = deps;
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const started = performance.now();
    let status = 500;
    try {
      if (req.method !== 'POST') throw new HttpError(405, 'use POST', { allow: 'POST' });
      const sensor = deps.sensors().authenticate(bearerToken(req.headers.authorization));
      if (!sensor) {
        counters.errors.inc({ stage: 'auth' });
        throw new HttpError(401, 'missing or unknown sensor token (Authorization: Bearer <token>)', {
          'www-authenticate': 'Bearer realm="soc-ingest"',
        });
      }
      const format = url.searchParams.get('format') ?? sensor.format ?? '';
      const parser = getParser(format);
      if (!parser) {
        throw new HttpError(
          400,
          `unknown or missing format "${format}"; known: auto, ${formatNames().join(', ')}`,
        );
      }
      const type = req.headers['content-type'] ?? '';
      if (REFUSED_TYPES.test(type)) throw new HttpError(415, `content type "${type}" is not log lines`);
      const body = await readBody(req, config.INGEST_MAX_BODY_BYTES);
      const lines = countLines(body);
      const wait = deps.limiter.take(
        sensor.id,
        lines,
        sensor.rate_limit_lines_per_second ?? config.INGEST_RATE_LIMIT_LINES_PER_SECOND,
      );
      if (wait > 0) {
        counters.dropped.inc({ reason: 'rate_limited' }, lines);
        throw new HttpError(429, `sensor ${sensor.id} is over its rate limit; retry in ${wait} s`, {
          'retry-after': String(wait),
        });
      }
      const receivedAt = new Date();
      // parsed on a parse thread: the body's memory moves there, so it is not read after this
      const [batch] = await deps.pool.prepare([
        {
          data: body,
          format,
          tenant: sensor.tenant,
          receivedAt: receivedAt.getTime(),
          keepOriginal: config.INGEST_KEEP_ORIGINAL,
          ...(sensor.iptables_prefixes ? { iptablesPrefixes: sensor.iptables_prefixes } : {}),
          maxLineBytes: config.INGEST_MAX_LINE_BYTES,
        },
      ]);
      if (!batch) throw new Error('the parse pool returned no batch');
      try {
        await deps.intake.publish([
          { batch, sensor, format, transport: 'http', receivedAt, peer: req.socket.remoteAddress },
        ]);
      } catch (err) {
        if (!(err instanceof KafkaUnavailableError)) throw err;
        deps.logger.warn(
          { err: err.message, sensor: sensor.id },
          'Kafka did not acknowledge a batch; answering 503',
        );
        throw new HttpError(503, 'Kafka is unavailable; retry later', {
          'retry-after': String(config.INGEST_RETRY_AFTER_SECONDS),
        });
      }
      status = batch.valueEnds.length === 0 && batch.rejected.length > 0 ? 422 : 200;
      sendJson(res, status, {
        format,
        ...(batch.detected ? { detected: batch.detected } : {}),
        accepted: batch.valueEnds.length,
        rejected: batch.rejected.length,
        errors: batch.rejected
          .slice(0, config.INGEST_MAX_ERRORS_REPORTED)
          .map((r) => ({ line: r.line, reason: r.reason })),
        errors_truncated: batch.rejected.length > config.INGEST_MAX_ERRORS_REPORTED,
      });
    } catch (err) {
      if (err instanceof HttpError) {
        status = err.status;
        if (err.status !== 401 && err.status !== 503) counters.errors.inc({ stage: 'request' });
        sendJson(res, err.status, { error: err.message }, err.headers);
        if (err.status === 413) req.resume();
        return;
      }
      deps.logger.error({ err }, 'ingest request failed');
      sendJson(res, 500, { error: 'internal error' });
    } finally {
      deps.requestSeconds.observe({ status: String(status) }, (performance.now() - started) / 1000);
    }
  };
}

/** Reads the body, decompressing gzip/deflate, refusing more than `limit` bytes either side. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
    if (!['identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding)) {
      reject(new HttpError(415, `content-encoding "${encoding}" is not supported (use gzip or none)`));
      return;
    }
    const declared = Number(req.headers['content-length'] ?? -1);
    if (declared > limit) {
      reject(new HttpError(413, `body of ${declared} bytes exceeds the limit of ${limit}`));
      return;
    }
    const source =
      encoding === 'identity' ? req : req.pipe(encoding === 'deflate' ? createInflate() : createGunzip());
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (err: HttpError) => {
      if (done) return;
      done = true;
      if (source !== req) source.destroy();
      reject(err);
    };
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(
          new HttpError(
            413,
            `body exceeds the limit of ${limit} bytes${encoding === 'identity' ? '' : ' once decompressed'}`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    source.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    source.on('error', (err: Error) =>
      fail(new HttpError(400, `body could not be decoded as ${encoding}: ${err.message}`)),
    );
    req.on('error', (err: Error) => fail(new HttpError(400, `request aborted: ${err.message}`)));
  });
}
