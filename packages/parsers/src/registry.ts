// The formats the ingest API and the CLI know, by name, and the one entry point that runs
// a parser safely: never throws, always returns a schema-valid event or a ParseError.
import { compact, fastCompactEventParser, INVALID, validateEvent } from '@soc/schema';
import { autoParser } from './auto.ts';
import { formats } from './formats/index.ts';
import type { ParseContext, ParseResult, Parser } from './types.ts';

export const parsers: ReadonlyMap<string, Parser> = new Map(formats.map((p) => [p.name, p]));

export function formatNames(): string[] {
  return [...parsers.keys()];
}

/** A format by name; "auto" detects the format line by line. */
export function getParser(name: string): Parser | undefined {
  return name === 'auto' ? autoParser : parsers.get(name);
}

export function runParser(parser: Parser, line: string, ctx: ParseContext): ParseResult {
  let result: ParseResult;
  try {
    result = parser.parse(line, ctx);
  } catch (err) {
    return {
      ok: false,
      error: { code: 'internal', message: `parser error: ${(err as Error)?.message ?? err}` },
    };
  }
  if (!result.ok) return result;
  // parsers leave unset fields undefined; the schema sees the event without them
  const fast = fastCompactEventParser(result.event);
  if (fast !== INVALID) return { ok: true, event: fast };
  const valid = validateEvent(compact(result.event));
  return valid.ok
    ? { ok: true, event: valid.event }
    : { ok: false, error: { code: 'schema', message: valid.reason } };
}

/** Splits a text body into lines (LF or CRLF), numbered from 1, dropping a final empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}
