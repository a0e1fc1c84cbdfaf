import { getParser, runParser } from '@soc/parsers';
import { describe, expect, it } from 'vitest';
import { backgroundLines, bury, portScanLines, rng } from './lines.ts';

const ctx = { tenant: 't', receivedAt: new Date(), keepOriginal: false };

describe('synthetic traffic', () => {
  it('produces lines the iptables parser accepts, deterministically per seed', () => {
    const a = backgroundLines(200, new Date('2026-11-29T10:00:00Z'), rng(1));
    expect(a).toEqual(backgroundLines(200, new Date('2026-11-29T10:00:00Z'), rng(1)));
    for (const line of a) expect(runParser(getParser('iptables')!, line, ctx).ok).toBe(true);
  });
  it('keeps every background source under 9 distinct ports', () => {
    const ports = new Map<string, Set<number>>();
    for (const line of backgroundLines(5000, new Date(), rng(2))) {
      const src = /SRC=(\S+)/.exec(line)![1]!;
      const dpt = Number(/DPT=(\d+)/.exec(line)![1]);
      ports.set(src, (ports.get(src) ?? new Set()).add(dpt));
    }
    expect(Math.max(...[...ports.values()].map((s) => s.size))).toBeLessThanOrEqual(8);
  });
  it('buries scan lines in order among the background', () => {
    const scan = portScanLines('203.0.113.1', '10.0.0.1', [1, 2, 3], new Date('2026-11-29T10:00:00Z'));
    const mixed = bury(backgroundLines(10, new Date(), rng(3)), scan);
    expect(mixed).toHaveLength(13);
    expect(mixed.filter((l) => l.includes('203.0.113.1'))).toEqual(scan);
  });
});
