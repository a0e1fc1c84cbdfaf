import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringifyInSlices } from './json-slices.ts';

const plain = fc.anything({
  withBigInt: false,
  withBoxedValues: false,
  withDate: false,
  withMap: false,
  withSet: false,
  withObjectString: false,
  withNullPrototype: false,
  withTypedArray: false,
  withSparseArray: false,
  maxDepth: 6,
});

describe('stringifyInSlices', () => {
  it("writes JSON.stringify's text, also when it yields after every item", async () => {
    await fc.assert(
      fc.asyncProperty(plain, fc.constantFrom(0, 4), async (value, sliceMs) => {
        expect(await stringifyInSlices(value, sliceMs)).toBe(JSON.stringify(value) ?? '');
      }),
      { numRuns: 400 },
    );
  });

  it('writes long arrays deep in the value part by part, with the same text', async () => {
    const groups = Array.from({ length: 5000 }, (_, i) => [
      `k${i}`,
      { times: [i, i + 1], head: 0, v: undefined },
    ]);
    const state = {
      v: 1,
      groups: [{ rule: 'r', entries: groups }],
      engines: { u: { groups: [{ entries: groups }] } },
    };
    expect(await stringifyInSlices(state, 0)).toBe(JSON.stringify(state));
  });

  it('lets other work run while it writes', async () => {
    const state = {
      entries: Array.from({ length: 200_000 }, (_, i) => [`key-${i}`, { t: i, ids: ['a', 'b'] }]),
    };
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    await stringifyInSlices(state, 1);
    clearInterval(timer);
    expect(turns).toBeGreaterThan(1);
  });
});
