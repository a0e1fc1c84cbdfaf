import { createRequire } from 'node:module';
import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { FastDefaultPartitioner, murmur2 } from './partitioner.ts';

const require = createRequire(import.meta.url);
const reference = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  k: string | Buffer,
) => number;

describe('FastDefaultPartitioner', () => {
  it('hashes every key as kafkajs’s murmur2 does', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.uint8Array().map(Buffer.from)),
        (key) => {
          expect(murmur2(key)).toBe(reference(key));
        },
      ),
      { numRuns: 2000 },
    );
    expect(murmur2('acme|198.51.100.7')).toBe(reference('acme|198.51.100.7'));
  });

  it('picks the partitions the default partitioner picks', () => {
    const fast = FastDefaultPartitioner();
    const slow = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 6 }, (_, i) => ({
      partitionId: i,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    fc.assert(
      fc.property(fc.string(), (key) => {
        const args = { topic: 't', partitionMetadata, message: { key, value: 'v' } };
        expect(fast(args)).toBe(slow(args));
      }),
    );
    expect(fast({ topic: 't', partitionMetadata, message: { key: 'k', value: 'v', partition: 4 } })).toBe(4);
  });
});
