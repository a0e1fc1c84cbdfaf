// The parse pool prepares the same batches on a parse thread as on the main thread, keeps a
// syslog connection's parse state (Zeek header lines) from one of its batches to the next
// until the connection ends, and serializes every event as JSON.stringify would.
import { readFileSync } from 'node:fs';
import { parseBody } from '@soc/ingest';
import { getParser } from '@soc/parsers';
import { ECS_VERSION } from '@soc/schema';
import { createLogger } from '@soc/telemetry';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ParsePool } from './parse-pool.ts';
import { eventAt, type PreparedBatch, type PrepareJob, packFrames, serialize } from './prepare.ts';

const pools = [0, 1].map(
  (threads) =>
    new ParsePool({
      threads,
      zonesFile: 'none',
      intelDir: 'none',
      logLevel: 'silent',
      logger: createLogger('test', 'silent'),
      enrichment: () => ({}),
    }),
);
afterAll(() => Promise.all(pools.map((p) => p.close())));

const receivedAt = Date.UTC(2026, 10, 29, 10, 5);
const lines = Array.from(
  { length: 300 },
  (_, i) =>
    `<4>1 2026-11-29T10:00:${String(i % 60).padStart(2, '0')}.000Z fw-demo kernel - - - [UFW BLOCK] IN=eth0 ` +
    `OUT= SRC=198.51.100.${i % 250} DST=10.0.0.${i % 7} LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=${i} DF ` +
    `PROTO=TCP SPT=${40000 + i} DPT=${[22, 443, 3389][i % 3]} WINDOW=29200 RES=0x00 SYN URGP=0`,
);
const body = () => Buffer.from(`${lines.join('\n')}\nnot an iptables line\n\n`);
const job = (data: Uint8Array, format = 'iptables'): PrepareJob => ({
  data,
  format,
  tenant: 'acme',
  receivedAt,
  keepOriginal: true,
  maxLineBytes: 4096,
});
const frames = (texts: string[], stream?: number, maxLineBytes = 4096): PrepareJob => ({
  ...job(new Uint8Array(0), 'zeek'),
  ...packFrames(
    texts.map((t) => {
      const data = Buffer.from(t);
      return { data: data.subarray(0, maxLineBytes), oversized: data.length > maxLineBytes };
    }),
  ),
  maxLineBytes,
  ...(stream === undefined ? {} : { stream }),
});

/** The events of a prepared batch, as JSON texts with their keys. */
const records = (b: PreparedBatch) =>
  Array.from(b.valueEnds, (_, i) => {
    const { key, value } = eventAt(b, i);
    return { key, value: String(value) };
  });

const zeek = readFileSync(new URL('../../../packages/parsers/fixtures/zeek.log', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('# '));
const headerEnd = zeek.findIndex((l) => !l.startsWith('#'));
const zeekHeader = zeek.slice(0, headerEnd);
const zeekRecords = zeek.slice(
  headerEnd,
  zeek.findIndex((l, i) => i > headerEnd && l.startsWith('#')),
);

describe.each([0, 1])('parse pool with %i parse threads', (threads) => {
  const pool = pools[threads]!;

  it('prepares a body as parseBody parses it, one JSON text and key per event', async () => {
    const [batch] = await pool.prepare([job(body())]);
    const parsed = parseBody(
      body(),
      getParser('iptables')!,
      { tenant: 'acme', receivedAt: new Date(receivedAt), keepOriginal: true },
      4096,
    );
    expect(parsed.events).toHaveLength(300);
    expect(records(batch!)).toEqual(
      parsed.events.map((e) => ({ key: `acme|${e.source?.ip}`, value: JSON.stringify(e) })),
    );
    expect(batch!.rejected).toEqual(parsed.rejected);
    expect(batch!.lines).toBe(302);
  });

  it('carries a connection’s header lines over to its next batches until it ends', async () => {
    const [head, data, other] = await pool.prepare([
      frames(zeekHeader, 7 + threads * 100),
      frames(zeekRecords, 7 + threads * 100),
      frames(zeekRecords, 8 + threads * 100),
    ]);
    expect(head!.valueEnds).toHaveLength(0);
    expect(head!.rejected).toEqual([]);
    expect(data!.valueEnds).toHaveLength(zeekRecords.length);
    expect(data!.rejected).toEqual([]);
    // another connection has seen no header
    expect(other!.rejected).toHaveLength(zeekRecords.length);
    pool.endStream(7 + threads * 100);
    const [after] = await pool.prepare([frames(zeekRecords, 7 + threads * 100)]);
    expect(after!.rejected).toHaveLength(zeekRecords.length);
  });

  it('rejects frames cut at the line limit, beside whatever the parser made of them', async () => {
    const long = `${zeekRecords[0]!}\t${'x'.repeat(600)}`;
    const [batch] = await pool.prepare([frames([...zeekHeader, long], undefined, 512)]);
    expect(batch!.rejected.at(-1)).toMatchObject({
      line: zeekHeader.length + 1,
      reason: 'line too long: over 512 bytes',
      raw: long.slice(0, 512),
    });
  });
});

describe('serialize', () => {
  it('packs each event as the UTF-8 of its JSON, whatever its strings hold', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 20 }), (names) => {
        const events = names.map((name, i) => ({
          '@timestamp': '2026-11-29T10:00:00.000Z',
          ecs: { version: ECS_VERSION },
          event: {
            id: `e${i}`,
            kind: 'event' as const,
            category: ['network' as const],
            type: ['info' as const],
          },
          organization: { id: 'acme' },
          observer: { name },
        }));
        const packed = serialize(events, {}, true);
        const loose = serialize(events, {}, false);
        const expected = events.map((e) => JSON.stringify(e));
        expect(loose.values).toEqual(expected);
        expect(
          Array.from(packed.valueEnds, (_, i) =>
            String(eventAt({ ...packed, rejected: [], lines: 0 }, i).value),
          ),
        ).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
