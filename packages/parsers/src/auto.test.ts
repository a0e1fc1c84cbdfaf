import { describe, expect, it } from 'vitest';
import { detectedFormats } from './auto.ts';
import { contractContext, fixtureLines } from './contract.ts';
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
