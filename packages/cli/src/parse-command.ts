// soc parse --format <name> [file]: log lines → NDJSON ECS events on stdout; rejected
// lines as "line N: reason" on stderr. The same parsers the ingest service runs.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { formatNames, getParser, runParser } from '@soc/parsers';

export interface ParseOptions {
  format: string;
  tenant: string;
  original: boolean;
}

export async function parseCommand(file: string | undefined, options: ParseOptions): Promise<number> {
  const parser = getParser(options.format);
  if (!parser) {
    process.stderr.write(`unknown format "${options.format}"; known: ${formatNames().join(', ')}\n`);
    return 2;
  }
  const input = file && file !== '-' ? createReadStream(file) : process.stdin;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const stream: Record<string, unknown> = {};
  let lineNo = 0;
  let rejected = 0;
  for await (const line of lines) {
    lineNo++;
    if (line === '') continue;
    const result = runParser(parser, line, {
      tenant: options.tenant,
      receivedAt: new Date(),
      keepOriginal: options.original,
      stream,
    });
    if (!result.ok && result.error.code === 'header') continue;
    if (result.ok) {
      if (!process.stdout.write(`${JSON.stringify(result.event)}\n`))
        await new Promise((r) => process.stdout.once('drain', r));
    } else {
      rejected++;
      process.stderr.write(`line ${lineNo}: ${result.error.code}: ${result.error.message}\n`);
    }
  }
  return rejected > 0 ? 1 : 0;
}
