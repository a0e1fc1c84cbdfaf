import { describe, expect, it } from 'vitest';
import { backoffDelay, RetryError, retry } from './retry.ts';

describe('retry', () => {
  it('retries retriable failures and returns the first success', async () => {
    let calls = 0;
    const value = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('transient');
        return 'ok';
      },
      { retries: 5, initialDelayMs: 1, maxDelayMs: 2 },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });
  it('stops at once on a non-retriable error and keeps the attempt history', async () => {
    const err = Object.assign(new Error('bad request'), { retriable: false });
    const failure = await retry(
      async () => {
        throw err;
      },
      { retries: 5, initialDelayMs: 1, maxDelayMs: 2 },
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RetryError);
    expect((failure as RetryError).attempts).toEqual([err]);
  });
  it('gives up after the configured retries', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('down');
        },
        { retries: 2, initialDelayMs: 1, maxDelayMs: 1 },
      ),
    ).rejects.toThrow(/3 attempt/);
    expect(calls).toBe(3);
  });
  it('keeps delays within [ceiling/2, ceiling] and under the maximum', () => {
    expect(backoffDelay(0, 100, 1000, () => 0)).toBe(50);
    expect(backoffDelay(0, 100, 1000, () => 1)).toBe(100);
    expect(backoffDelay(10, 100, 1000, () => 1)).toBe(1000);
  });
});
