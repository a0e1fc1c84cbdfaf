// Turns received bytes into events and rejected lines. A request body is split on LF (CR
// LF tolerated); syslog frames arrive already split. Each line is decoded as strict UTF-8,
// held to the line limit and parsed; line numbers count every line from 1 so a sender can
// find the bad one. One body (or one syslog connection) is one stream: header lines of
// stateful formats apply to the lines after them.
import { detectedFormats, type ParseContext, type Parser, runParser } from '@soc/parsers';
import type { EcsEvent } from '@soc/schema';

export interface RejectedLine {
  line: number;
  reason: string;
  /** the line as received (lossily decoded, cut to 4 KiB) for the dead-letter topic */
  raw: string;
}

export interface ParsedBatch {
  events: EcsEvent[];
  rejected: RejectedLine[];
  /** lines seen, empty ones included */
  lines: number;
  /** with format=auto: lines per detected format */
  detected?: Record<string, number>;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8', { fatal: false });
const NEWLINE = 0x0a;
const RAW_KEEP = 4096;

/** Splits a body on LF into line buffers (CR before LF dropped). */
export function* bodyLines(body: Buffer): Generator<Buffer> {
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(NEWLINE, start);
    if (end < 0) end = body.length;
    let stop = end;
    if (stop > start && body[stop - 1] === 0x0d) stop--;
    yield body.subarray(start, stop);
    start = end + 1;
  }
}

/** Counts the lines of a body without splitting it (for rate limiting before parsing). */
export function countLines(body: Buffer): number {
  if (body.length === 0) return 0;
  let n = 0;
  for (let i = body.indexOf(NEWLINE); i >= 0; i = body.indexOf(NEWLINE, i + 1)) n++;
  return body[body.length - 1] === NEWLINE ? n : n + 1;
}

/**
 * Parses lines. With `emit`, each event goes to it as soon as it is parsed (and `events`
 * stays empty): a consumer that serializes it then reads it while it is still in cache.
 */
export function parseLines(
  lines: Iterable<Buffer>,
  parser: Parser,
  ctx: ParseContext,
  maxLineBytes: number,
  firstLineNo = 1,
  emit?: (event: EcsEvent) => void,
): ParsedBatch {
  const events: EcsEvent[] = [];
  const rejected: RejectedLine[] = [];
  const streamCtx: ParseContext = ctx.stream ? ctx : { ...ctx, stream: {} };
  let lineNo = firstLineNo - 1;
  for (const bytes of lines) {
    lineNo++;
    if (bytes.length === 0) continue;
    if (bytes.length > maxLineBytes) {
      rejected.push({
        line: lineNo,
        reason: `line too long: ${bytes.length} bytes, limit ${maxLineBytes}`,
        raw: lenient.decode(bytes.subarray(0, RAW_KEEP)),
      });
      continue;
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      rejected.push({
        line: lineNo,
        reason: 'invalid UTF-8',
        raw: lenient.decode(bytes.subarray(0, RAW_KEEP)),
      });
      continue;
    }
    const result = runParser(parser, text, streamCtx);
    if (result.ok) {
      if (emit) emit(result.event);
      else events.push(result.event);
    } else if (result.error.code !== 'header') {
      rejected.push({
        line: lineNo,
        reason: `${result.error.code}: ${result.error.message}`,
        raw: text.slice(0, RAW_KEEP),
      });
    }
  }
  const batch: ParsedBatch = { events, rejected, lines: lineNo - firstLineNo + 1 };
  if (parser.name === 'auto') batch.detected = detectedFormats(streamCtx.stream);
  return batch;
}

export function parseBody(
  body: Buffer,
  parser: Parser,
  ctx: ParseContext,
  maxLineBytes: number,
  emit?: (event: EcsEvent) => void,
): ParsedBatch {
  return parseLines(bodyLines(body), parser, { ...ctx, stream: {} }, maxLineBytes, 1, emit);
}
