// Turns a request body into events and rejected lines: splits on LF (CRLF tolerated),
// decodes each line as strict UTF-8, enforces the line limit, and runs the parser.
// Line numbers start at 1 and count every line, so a client can find the bad one.
import { type ParseContext, type Parser, runParser } from '@soc/parsers';
import type { EcsEvent } from '@soc/schema';

export interface RejectedLine {
  line: number;
  reason: string;
  raw: string;
}

export interface ParsedBatch {
  events: EcsEvent[];
  rejected: RejectedLine[];
  lines: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8', { fatal: false });
const NEWLINE = 0x0a;
const RAW_KEEP = 4096;

export function parseBody(
  body: Buffer,
  parser: Parser,
  ctx: ParseContext,
  maxLineBytes: number,
): ParsedBatch {
  const events: EcsEvent[] = [];
  const rejected: RejectedLine[] = [];
  // one request body is one stream: header lines (column lists) apply to the lines after them
  const streamCtx: ParseContext = { ...ctx, stream: {} };
  let lineNo = 0;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(NEWLINE, start);
    if (end < 0) end = body.length;
    lineNo++;
    let stop = end;
    if (stop > start && body[stop - 1] === 0x0d) stop--;
    const bytes = body.subarray(start, stop);
    start = end + 1;
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
    if (result.ok) events.push(result.event);
    else if (result.error.code === 'header') continue;
    else
      rejected.push({
        line: lineNo,
        reason: `${result.error.code}: ${result.error.message}`,
        raw: text.slice(0, RAW_KEEP),
      });
  }
  return { events, rejected, lines: lineNo };
}
