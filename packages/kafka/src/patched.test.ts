// kafkajs runs with patches (patches/kafkajs@2.2.4.patch). Some of them rewrite encoding,
// and the broker must receive the same bytes: the CRC32C over record batches (native from
// @node-rs/crc32, or a slicing-by-8 JavaScript fallback), both checked against the
// checksum's definition; and uncompressed Produce requests written in
// one pass into one buffer, checked against the request kafkajs's stock encoders (Record,
// RecordBatch and nested Encoders, as its v3 request.js composed them) build from the same
// topics, partitions and messages.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

const require = createRequire(import.meta.url);
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;
const batchCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;

/** CRC-32C by its definition: reflected polynomial 0x82F63B78, one bit at a time. */
function reference(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

interface Encoder {
  buffer: Buffer;
  writeString(v: string | null): Encoder;
  writeInt16(v: number): Encoder;
  writeInt32(v: number): Encoder;
  writeArray(v: unknown[]): Encoder;
  writeEncoder(v: Encoder): Encoder;
  size(): number;
}
type Message = {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  timestamp?: string;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
};
type TopicData = {
  topic: string;
  partitions: { partition: number; firstSequence?: number; messages: Message[] }[];
}[];
type ProduceArgs = {
  acks: number;
  timeout: number;
  transactionalId: string | null;
  producerId: number;
  producerEpoch: number;
  topicData: TopicData;
};

const EncoderClass = require('kafkajs/src/protocol/encoder.js') as new () => Encoder;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => Encoder;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (b: object) => Promise<Encoder>;
};
const produce = require('kafkajs/src/protocol/requests/produce/index.js') as {
  protocol: (v: { version: number }) => (args: object) => { request: { encode(): Promise<Encoder> } };
};

/** The stock kafkajs 2.2.4 Produce v3 encode, uncompressed (its request.js before the patch). */
async function stockEncode(args: ProduceArgs): Promise<Buffer> {
  const { transactionalId, producerId, producerEpoch } = args;
  const topics: Encoder[] = [];
  for (const { topic, partitions } of args.topicData) {
    const encoded: Encoder[] = [];
    for (const { partition, messages, firstSequence } of partitions) {
      const dateNow = Date.now();
      const stamps = messages
        .map((m) => m.timestamp)
        .filter((t) => t != null)
        .sort();
      const timestamps: (string | number)[] = stamps.length === 0 ? [dateNow] : stamps;
      const firstTimestamp = timestamps[0]!;
      const records = messages.map((message, i) =>
        Record({
          ...message,
          offsetDelta: i,
          timestampDelta: Number(message.timestamp || dateNow) - Number(firstTimestamp),
        }),
      );
      const batch = await RecordBatch({
        compression: 0,
        records,
        firstTimestamp,
        maxTimestamp: timestamps[timestamps.length - 1],
        producerId,
        producerEpoch,
        firstSequence,
        transactional: !!transactionalId,
        lastOffsetDelta: records.length - 1,
      });
      encoded.push(new EncoderClass().writeInt32(partition).writeInt32(batch.size()).writeEncoder(batch));
    }
    topics.push(new EncoderClass().writeString(topic).writeArray(encoded));
  }
  return new EncoderClass()
    .writeString(transactionalId)
    .writeInt16(args.acks)
    .writeInt32(args.timeout)
    .writeArray(topics).buffer;
}

async function patchedEncode(args: ProduceArgs, version: number): Promise<Buffer> {
  const { request } = produce.protocol({ version })({ ...args, compression: 0 });
  return (await request.encode()).buffer;
}

const NOW = 1_764_410_000_000;
const bytesOrString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);
const message: fc.Arbitrary<Message> = fc.record(
  {
    key: fc.oneof(bytesOrString, fc.constant(null), fc.constant(undefined)),
    value: fc.oneof(bytesOrString, fc.constant(null)),
    // string timestamps as kafkajs's Message type has them; some outside a 32-bit delta
    timestamp: fc.oneof(
      fc.integer({ min: NOW - 5000, max: NOW + 5000 }).map(String),
      fc.integer({ min: NOW - 2 ** 40, max: NOW + 2 ** 40 }).map(String),
    ),
    headers: fc.oneof(
      fc.constant({}),
      fc.dictionary(
        fc.string({ maxLength: 8 }),
        fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string())),
      ),
    ),
  },
  { requiredKeys: ['value'] },
);
const produceArgs: fc.Arbitrary<ProduceArgs> = fc.record({
  acks: fc.constantFrom(-1, 1),
  timeout: fc.integer({ min: 0, max: 60_000 }),
  transactionalId: fc.oneof(fc.constant(null), fc.string({ maxLength: 10 })),
  producerId: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  producerEpoch: fc.integer({ min: 0, max: 32_767 }),
  topicData: fc.array(
    fc.record({
      topic: fc.string({ minLength: 1, maxLength: 20 }),
      partitions: fc.array(
        fc.record(
          {
            partition: fc.integer({ min: 0, max: 1000 }),
            firstSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
            messages: fc.array(message, { maxLength: 30 }),
          },
          { requiredKeys: ['partition', 'messages'] },
        ),
        { maxLength: 4 },
      ),
    }),
    { maxLength: 3 },
  ),
});

describe('patched kafkajs', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('computes CRC-32C as defined, for any length and content', () => {
    for (const crc of [crc32C, batchCrc]) expect(crc(Buffer.from('123456789'))).toBe(0xe3069283);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32C(Buffer.from(bytes))).toBe(reference(bytes));
        expect(batchCrc(Buffer.from(bytes))).toBe(reference(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('takes record batch checksums from the native CRC32C', () => {
    // index.js loaded afresh, with @node-rs/crc32 stood in for by a spy over the real one
    const kafkaRequire = createRequire(require.resolve('kafkajs'));
    const nativePath = kafkaRequire.resolve('@node-rs/crc32');
    const indexPath = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/index.js');
    const real = kafkaRequire('@node-rs/crc32');
    const spy = vi.fn(real.crc32c as (b: Buffer) => number);
    const saved = { native: require.cache[nativePath], index: require.cache[indexPath] };
    try {
      require.cache[nativePath] = { ...saved.native!, exports: { ...real, crc32c: spy } } as NodeJS.Module;
      delete require.cache[indexPath];
      const fresh = require(indexPath) as (b: Buffer) => number;
      expect(fresh(Buffer.from('123456789'))).toBe(0xe3069283);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      require.cache[nativePath] = saved.native;
      require.cache[indexPath] = saved.index;
    }
  });

  it('writes uncompressed Produce requests byte for byte as the stock encoders do', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    await fc.assert(
      fc.asyncProperty(produceArgs, fc.constantFrom(3, 5, 7), async (args, version) => {
        expect(await patchedEncode(args, version)).toEqual(await stockEncode(args));
      }),
      { numRuns: 500, seed: 20261129 },
    );
  });

  it('encodes messages without timestamps as the producer sends them (the ingest case)', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    const messages = Array.from({ length: 2000 }, (_, i) => ({
      key: `t${i % 7}|198.51.100.${i % 250}`,
      value: JSON.stringify({ n: i, message: 'é'.repeat(i % 5), pad: 'x'.repeat(i % 300) }),
    }));
    const args: ProduceArgs = {
      acks: -1,
      timeout: 30_000,
      transactionalId: null,
      producerId: 4711,
      producerEpoch: 3,
      topicData: [{ topic: 'soc.events', partitions: [{ partition: 2, firstSequence: 77, messages }] }],
    };
    expect(await patchedEncode(args, 7)).toEqual(await stockEncode(args));
  });
});
