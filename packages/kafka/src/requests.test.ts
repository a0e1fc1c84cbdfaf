import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitRequests } from './requests.ts';

describe('splitRequests', () => {
  it('keeps every message, in order, in requests under the size', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            topic: fc.constantFrom('a', 'b', 'c'),
            messages: fc.array(fc.record({ value: fc.string({ maxLength: 300 }) }), { maxLength: 20 }),
          }),
          { maxLength: 6 },
        ),
        (input) => {
          const requests = splitRequests(input, 1000);
          const flat = (tm: { topic: string; messages: { value: unknown }[] }[]) =>
            tm.flatMap((t) => t.messages.map((m) => `${t.topic}:${m.value}`));
          expect(requests.flatMap(flat)).toEqual(flat(input));
          for (const r of requests) {
            const bytes = r.flatMap((t) => t.messages).reduce((n, m) => n + String(m.value).length + 64, 0);
            expect(bytes <= 1000 || r.flatMap((t) => t.messages).length === 1).toBe(true);
            expect(r.every((t) => t.messages.length > 0)).toBe(true);
          }
        },
      ),
    );
  });
});
