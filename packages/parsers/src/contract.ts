// The shared parser contract, run by every format's test file (formats/<name>.test.ts):
//  - every data line of fixtures/<name>.<ext> parses into a schema-valid event with a UTC
//    timestamp, the context's tenant, a deterministic id, and event.original when kept;
//  - the events equal fixtures/<name>.expected.ndjson (one line per event, in order);
//  - no input crashes the parser or yields a schema-invalid event (fast-check), neither
//    random text nor mutations of the fixture lines;
//  - `sniff` (used by format=auto) recognises every fixture line.
// Fixture lines starting with "# " (hash, space) are comments: the vendor document the
// samples follow. Header lines of stateful formats ("#fields", "#Fields:") are data.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ecsEventSchema } from '@soc/schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runParser, splitLines } from './registry.ts';
import type { ParseContext, ParseResult, Parser } from './types.ts';

export const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures');
export const contractContext = (): ParseContext => ({
  tenant: 'acme',
  receivedAt: new Date('2026-11-29T12:00:00.000Z'),
  keepOriginal: true,
  stream: {},
});

export function fixtureLines(file: string): string[] {
  return splitLines(readFileSync(join(FIXTURES_DIR, file), 'utf8')).filter(
    (l) => !l.startsWith('# ') && l !== '#',
  );
}

/** Parses a fixture as one stream; returns the results line by line. */
export function parseFixture(parser: Parser, file: string, ctx = contractContext()): ParseResult[] {
  return fixtureLines(file).map((line) => runParser(parser, line, ctx));
}

export function parserContract(parser: Parser, fixtureFile: string): void {
  const expectedFile = fixtureFile.replace(/\.[^.]+$/, '.expected.ndjson');
  describe(`parser contract: ${parser.name}`, () => {
    it('parses every fixture line (at least 10) into a schema-valid UTC event with a deterministic id', () => {
      const lines = fixtureLines(fixtureFile);
      const results = parseFixture(parser, fixtureFile);
      const again = parseFixture(parser, fixtureFile);
      let events = 0;
      results.forEach((r, i) => {
        if (!r.ok && r.error.code === 'header') return;
        if (!r.ok)
          throw new Error(`${parser.name} fixture line "${lines[i]}": ${r.error.code}: ${r.error.message}`);
        events++;
        expect(ecsEventSchema.safeParse(r.event).success).toBe(true);
        expect(r.event['@timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(r.event.organization.id).toBe('acme');
        expect(r.event.event.original).toBe(lines[i]);
        const b = again[i]!;
        expect(b.ok && b.event.event.id).toBe(r.event.event.id);
      });
      expect(events).toBeGreaterThanOrEqual(10);
    });
    it('gives exactly the expected ECS events', () => {
      expect(existsSync(join(FIXTURES_DIR, expectedFile)), `${expectedFile} is missing`).toBe(true);
      const expected = splitLines(readFileSync(join(FIXTURES_DIR, expectedFile), 'utf8')).map((l) =>
        JSON.parse(l),
      );
      const actual = parseFixture(parser, fixtureFile).flatMap((r) => (r.ok ? [r.event] : []));
      expect(actual).toEqual(expected);
    });
    it('never throws and never yields a schema-invalid event on arbitrary input', () => {
      const ctx = contractContext();
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()), (input) => {
          const result = runParser(parser, input, ctx);
          if (result.ok) expect(ecsEventSchema.safeParse(result.event).success).toBe(true);
          else expect(result.error.message.length).toBeGreaterThan(0);
        }),
        { numRuns: 1000 },
      );
    });
    it('survives mutations of real lines', () => {
      const lines = fixtureLines(fixtureFile);
      const ctx = contractContext();
      for (const line of lines) runParser(parser, line, ctx); // headers first, as a stream would
      fc.assert(
        fc.property(
          fc.constantFrom(...lines),
          fc.nat(),
          fc.nat(),
          fc.string({ maxLength: 8 }),
          (line, at, len, insert) => {
            const i = at % (line.length + 1);
            const mutated = line.slice(0, i) + insert + line.slice(i + (len % 12));
            const result = runParser(parser, mutated, ctx);
            if (result.ok) expect(ecsEventSchema.safeParse(result.event).success).toBe(true);
          },
        ),
        { numRuns: 2000 },
      );
    });
    it('does not keep the original when told not to', () => {
      const ctx = { ...contractContext(), keepOriginal: false };
      const results = fixtureLines(fixtureFile).map((l) => runParser(parser, l, ctx));
      const first = results.find((r) => r.ok);
      expect(first?.ok && first.event.event.original).toBeUndefined();
    });
    it('is recognised by its sniff function', () => {
      const lines = fixtureLines(fixtureFile);
      const ctx = contractContext();
      for (const line of lines) {
        if (!runParser(parser, line, ctx).ok) continue;
        expect(parser.sniff(line), `sniff rejects: ${line}`).toBe(true);
      }
    });
  });
}
