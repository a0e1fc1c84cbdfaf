// Every registered format has its contract test and fixture; the registry splits lines.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from './contract.ts';
import { formatNames, splitLines } from './registry.ts';

describe('format registry', () => {
  it('has a test file and a fixture with expected events for every format', () => {
    const fixtures = readdirSync(FIXTURES_DIR);
    for (const name of formatNames()) {
      expect(existsSync(join(import.meta.dirname, 'formats', `${name}.test.ts`)), `${name}.test.ts`).toBe(
        true,
      );
      expect(
        fixtures.some((f) => f.startsWith(`${name}.`) && !f.includes('.expected.')),
        `fixture for ${name}`,
      ).toBe(true);
      expect(fixtures).toContain(`${name}.expected.ndjson`);
    }
  });
  it('splits LF and CRLF bodies into lines, dropping only a final empty line', () => {
    expect(splitLines('a\r\nb\n\nc\n')).toEqual(['a', 'b', '', 'c']);
  });
});
