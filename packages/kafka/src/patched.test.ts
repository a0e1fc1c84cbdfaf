// kafkajs runs with patches (patches/kafkajs@2.2.4.patch): a slicing-by-8 CRC32C over record
// batches and encoders that do not zero their buffers. The checksum must stay the same.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;

/** CRC-32C by its definition: reflected polynomial 0x82F63B78, one bit at a time. */
function reference(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('patched kafkajs', () => {
  it('computes CRC-32C as defined, for any length and content', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32C(Buffer.from(bytes))).toBe(reference(bytes));
      }),
      { numRuns: 1000 },
    );
  });
});
