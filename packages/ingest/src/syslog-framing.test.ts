import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyslogFrameDecoder } from './syslog-framing.ts';

const texts = (frames: { data: Buffer }[]) => frames.map((f) => f.data.toString());

describe('RFC 6587 framing', () => {
  it('reads octet-counted and newline-framed messages, mixed, across chunk boundaries', () => {
    const stream = Buffer.from('<34>1 a b\n13 <34>1 two\nx y<13>three\0\n10 <1>1 four\n');
    const whole = new SyslogFrameDecoder(1024).push(stream);
    expect(texts(whole)).toEqual(['<34>1 a b', '<34>1 two\nx y', '<13>three', '<1>1 four\n']);
    for (let cut = 1; cut < stream.length; cut++) {
      const d = new SyslogFrameDecoder(1024);
      const frames = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(texts(frames), `cut at ${cut}`).toEqual(texts(whole));
    }
  });
  it('cuts oversized frames and stays in step with the stream', () => {
    const d = new SyslogFrameDecoder(8);
    const frames = d.push(Buffer.from(`19 <1>${'x'.repeat(16)}<2>ok\n${'y'.repeat(30)}\n<3>fine\n`));
    expect(frames.map((f) => [f.data.toString(), f.oversized])).toEqual([
      ['<1>xxxxx', true],
      ['<2>ok', false],
      ['yyyyyyyy', true],
      ['<3>fine', false],
    ]);
  });
  it('keeps a partial frame until the rest arrives, and flushes it at the end', () => {
    const d = new SyslogFrameDecoder(100);
    expect(d.push(Buffer.from('<1>partial'))).toEqual([]);
    expect(d.pending).toBe(10);
    expect(texts(d.end())).toEqual(['<1>partial']);
  });
  it('any byte stream, in any chunks, yields the same frames and never a frame over the limit', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(300), { maxLength: 6 }),
        (bytes, cuts) => {
          const data = Buffer.from(bytes);
          const once = new SyslogFrameDecoder(64);
          const expected = [...once.push(data), ...once.end()];
          const chunked = new SyslogFrameDecoder(64);
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          let prev = 0;
          const got = [];
          for (const p of [...points, data.length]) {
            got.push(...chunked.push(data.subarray(prev, p)));
            prev = p;
          }
          got.push(...chunked.end());
          expect(got.map((f) => f.data.toString('hex'))).toEqual(expected.map((f) => f.data.toString('hex')));
          for (const f of got) expect(f.data.length).toBeLessThanOrEqual(64);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
