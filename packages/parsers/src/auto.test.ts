import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectedFormats } from './auto.ts';
import { contractContext, FIXTURES_DIR, fixtureLines } from './contract.ts';
import { getParser, runParser } from './registry.ts';

describe('format=auto', () => {
  it('detects each line’s format and counts what it found', () => {
    const ctx = contractContext();
    const lines = [
      ...fixtureLines('iptables.log').slice(0, 3),
      ...fixtureLines('suricata-eve.ndjson').slice(0, 2),
    ];
    const results = lines.map((l) => runParser(getParser('auto')!, l, ctx));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(detectedFormats(ctx.stream)).toEqual({ iptables: 3, 'suricata-eve': 2 });
    expect(results[3]?.ok && results[3].event.observer?.product).toBe('Suricata');
  });
  it('rejects a line no format recognises, with a reason', () => {
    expect(runParser(getParser('auto')!, 'hello world', contractContext())).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
  });
});

describe('format=auto on every fixture', () => {
  const fixtures = readdirSync(FIXTURES_DIR).filter((f) => !f.includes('.expected.'));
  for (const file of fixtures) {
    const format = file.replace(/\.[^.]+$/, '');
    it(`detects ${format} in ${file}`, () => {
      const ctx = contractContext();
      const direct = contractContext();
      for (const line of fixtureLines(file)) {
        const expected = runParser(getParser(format)!, line, direct);
        const auto = runParser(getParser('auto')!, line, ctx);
        if (!expected.ok) continue;
        expect(auto.ok ? auto.event : auto, line).toEqual(expected.event);
      }
    });
  }
});
