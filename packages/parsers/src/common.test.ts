// Shared helpers whose output must match a built-in exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bsdTimestamp, isBlank, isIp, isoString, isoTimestamp, MONTHS, utcMillis } from './common.ts';
import { syslogHeaderHost } from './syslog-header.ts';

describe('isoString', () => {
  it('formats like Date#toISOString', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(-1e13), max: new Date(1e15), noInvalidDate: true }), (d) => {
        expect(isoString(d)).toBe(d.toISOString());
      }),
      { numRuns: 20_000 },
    );
    for (const t of [0, 86_399_999, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -1])
      expect(isoString(new Date(t))).toBe(new Date(t).toISOString());
    expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
  });
});

/** isoTimestamp as it was written first: Date's parser on the normalised text. */
function referenceIsoTimestamp(text: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return null;
  const frac = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
  let zone = m[4] ?? 'Z';
  if (zone !== 'Z' && zone.length === 5) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const d = new Date(`${m[1]}T${m[2]}${frac}${zone}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

describe('isoTimestamp', () => {
  it('reads every text as Date does', () => {
    const digits = (n: number, max: number) =>
      fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
    const text = fc
      .tuple(
        digits(4, 9999),
        digits(2, 99),
        digits(2, 99),
        fc.constantFrom('T', ' '),
        digits(2, 99),
        digits(2, 99),
        digits(2, 99),
        fc.option(fc.stringMatching(/^\.\d{1,9}$/)),
        fc.option(fc.stringMatching(/^(Z|[+-]\d{2}:?\d{2})$/)),
      )
      .map(
        ([y, mo, d, t, h, mi, s, frac, zone]) =>
          `${y}-${mo}-${d}${t}${h}:${mi}:${s}${frac ?? ''}${zone ?? ''}`,
      );
    const near = fc
      .date({ min: new Date(-62e12), max: new Date(253402300799999), noInvalidDate: true })
      .map((d) => d.toISOString().replace(/^\+?0*(?=\d{4})/, ''));
    fc.assert(
      fc.property(fc.oneof(text, near, fc.string()), (t) => {
        expect(isoTimestamp(t)?.getTime()).toBe(referenceIsoTimestamp(t)?.getTime());
      }),
      { numRuns: 50_000 },
    );
    const edges = [
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2000-02-29T23:59:59.999+23:59',
      '2026-04-31T10:00:00Z',
      '2026-12-31T24:00:00Z',
      '2026-12-31T23:59:60Z',
      '2026-01-01T00:00:00-24:00',
      '0099-06-01T00:00:00Z',
      '0100-06-01T00:00:00+0130',
      '9999-12-31T23:59:59.9999999-0000',
    ];
    for (const t of edges) expect(isoTimestamp(t)?.getTime(), t).toBe(referenceIsoTimestamp(t)?.getTime());
  });
});

describe('utcMillis', () => {
  it('computes what Date.UTC does, NaN for a day the month lacks', () => {
    // any time of any day in the years it takes, with any day of the month in place of its own
    const dates = fc.date({
      min: new Date(Date.UTC(100, 0, 1)),
      max: new Date(253402300799999),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(dates, fc.integer({ min: 1, max: 31 }), (date, d) => {
        const [y, mo, h, mi, s, ms] = [
          date.getUTCFullYear(),
          date.getUTCMonth() + 1,
          date.getUTCHours(),
          date.getUTCMinutes(),
          date.getUTCSeconds(),
          date.getUTCMilliseconds(),
        ];
        const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
        const expected = new Date(t).getUTCDate() === d ? t : Number.NaN;
        expect(utcMillis(y, mo, d, h, mi, s, ms)).toBe(expected);
      }),
      { numRuns: 50_000 },
    );
    for (const [y, mo, d] of [
      [2024, 2, 29],
      [2023, 2, 29],
      [1900, 2, 29],
      [2000, 2, 29],
      [1970, 1, 1],
      [1969, 12, 31],
      [100, 1, 1],
      [9999, 12, 31],
    ] as const) {
      const t = Date.UTC(y, mo - 1, d);
      expect(utcMillis(y, mo, d, 0, 0, 0)).toBe(new Date(t).getUTCDate() === d ? t : Number.NaN);
    }
  });
});

/** bsdTimestamp as it was written first: Date.UTC for each candidate year. */
function referenceBsdTimestamp(month: string, day: number, time: string, receivedAt: Date): Date | null {
  const m = MONTHS[month];
  const parts = time.split(':');
  if (m === undefined || parts.length !== 3) return null;
  const [hh, mm, ss] = parts.map(Number) as [number, number, number];
  if (!Number.isInteger(hh) || !Number.isInteger(mm) || !Number.isInteger(ss)) return null;
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return null;
  const received = receivedAt.getTime();
  const year = receivedAt.getUTCFullYear();
  let best = Number.NaN;
  for (let y = year - 1; y <= year + 1; y++) {
    const t = Date.UTC(y, m, day, hh, mm, ss);
    if (new Date(t).getUTCDate() !== day) continue;
    if (Number.isNaN(best) || Math.abs(t - received) < Math.abs(best - received)) best = t;
  }
  return Number.isNaN(best) ? null : new Date(best);
}

describe('bsdTimestamp', () => {
  it('picks the year as Date.UTC does', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(2, '0'));
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(MONTHS), 'Foo'),
        fc.oneof(fc.integer({ min: 0, max: 32 }), fc.double({ min: 0, max: 32, noNaN: true })),
        fc.oneof(
          fc.tuple(two(24), two(60), two(61)).map(([h, m, s]) => `${h}:${m}:${s}`),
          fc.string(),
        ),
        fc.date({
          min: new Date(Date.UTC(101, 0, 1)),
          max: new Date(Date.UTC(9998, 0, 1)),
          noInvalidDate: true,
        }),
        (month, day, time, receivedAt) => {
          expect(bsdTimestamp(month, day, time, receivedAt)?.getTime()).toBe(
            referenceBsdTimestamp(month, day, time, receivedAt)?.getTime(),
          );
        },
      ),
      { numRuns: 50_000 },
    );
  });
});

/** Texts made of the given pieces, or any text at all. */
const piecesOrAny = (pieces: fc.Arbitrary<string>, maxLength: number) =>
  fc.oneof(
    fc.array(pieces, { maxLength }).map((a) => a.join('')),
    fc.string(),
  );

describe('isIp', () => {
  it('accepts what the shape regexes accept', () => {
    const reference = (v: string) =>
      v !== '' &&
      v.length <= 45 &&
      (/^(\d{1,3}\.){3}\d{1,3}$/.test(v) || (/^[0-9a-fA-F:.]+$/.test(v) && v.includes(':')));
    const chars = fc.constantFrom('1', '25', '255', '1234', '.', ':', 'a', 'x', ' ', '');
    fc.assert(
      fc.property(piecesOrAny(chars, 12), (v) => {
        expect(isIp(v)).toBe(reference(v));
      }),
      { numRuns: 50_000 },
    );
  });
});

describe('isBlank', () => {
  it('is line.trim() === ""', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(' ', '\t', '\u00a0', '\ufeff', '\u2028', 'a', '\r') }),
        (v) => {
          expect(isBlank(v)).toBe(v.trim() === '');
        },
      ),
      { numRuns: 20_000 },
    );
  });
});

describe('syslogHeaderHost', () => {
  it('finds the host token as splitting on spaces does', () => {
    const reference = (header: string) => {
      let h = header;
      if (h.charCodeAt(0) === 60) {
        const gt = h.indexOf('>');
        if (gt < 0) return undefined;
        h = h.slice(gt + 1);
      }
      const tokens = h.split(' ').filter((t) => t !== '');
      if (tokens[0] === '1' && tokens.length >= 3) return tokens[2];
      if (tokens.length >= 4 && /^[A-Z][a-z]{2}$/.test(tokens[0]!)) return tokens[3];
      if (tokens.length >= 2 && /^\d{4}-\d{2}-\d{2}T/.test(tokens[0]!)) return tokens[1];
      return undefined;
    };
    const token = fc.constantFrom(
      '<14>',
      '<1',
      '1',
      'Nov',
      'nov',
      'Novx',
      '29',
      '10:00:00',
      '2026-11-29T10:00:00Z',
      'fw01',
      '-',
      ' ',
      '  ',
      '>',
    );
    fc.assert(
      fc.property(piecesOrAny(token, 8), (h) => {
        expect(syslogHeaderHost(h)).toBe(reference(h));
      }),
      { numRuns: 50_000 },
    );
  });
});
