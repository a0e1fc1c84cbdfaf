// format=auto: each line goes to the first format whose `sniff` recognises it, trying the
// format detected last in the same stream first (streams rarely mix formats). What was
// detected is counted in the stream state, so the transport can report it.
import { formats } from './formats/index.ts';
import { fail, type ParseContext, type ParseResult, type Parser } from './types.ts';

const LAST = 'auto.last';
const COUNTS = 'auto.detected';

export function detectFormat(line: string, stream: Record<string, unknown> | undefined): Parser | undefined {
  const last = stream?.[LAST] as Parser | undefined;
  // header lines of stateful formats belong to the stream's format
  if (last && (line.startsWith('#') || last.sniff(line))) return last;
  return formats.find((p) => p.sniff(line));
}

/** Formats detected so far in this stream, with line counts. */
export function detectedFormats(stream: Record<string, unknown> | undefined): Record<string, number> {
  return { ...((stream?.[COUNTS] as Record<string, number> | undefined) ?? {}) };
}

export const autoParser: Parser = {
  name: 'auto',
  description: 'detects the format of each line among all the others',
  sniff: (line) => formats.some((p) => p.sniff(line)),
  parse(line: string, ctx: ParseContext): ParseResult {
    const parser = detectFormat(line, ctx.stream);
    if (!parser) return fail('unsupported', 'format not recognised: no known format matches this line');
    if (ctx.stream) {
      ctx.stream[LAST] = parser;
      const counts = (ctx.stream[COUNTS] as Record<string, number> | undefined) ?? {};
      ctx.stream[COUNTS] = counts;
      counts[parser.name] = (counts[parser.name] ?? 0) + 1;
    }
    return parser.parse(line, ctx);
  },
};
