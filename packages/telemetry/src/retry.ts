// The one retry helper: exponential backoff with full jitter, decided by the error's
// `retriable` flag, stopped by an AbortSignal at shutdown, keeping the attempt history
// when it gives up.
export interface RetryOptions {
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  signal?: AbortSignal;
  /** whether an error is worth another attempt; default: err.retriable !== false */
  retriable?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export class RetryError extends Error {
  override name = 'RetryError';
  readonly attempts: unknown[];
  constructor(message: string, attempts: unknown[]) {
    super(message, { cause: attempts.at(-1) });
    this.attempts = attempts;
  }
}

const defaultRetriable = (err: unknown) =>
  !(typeof err === 'object' && err !== null && (err as { retriable?: boolean }).retriable === false);

export function backoffDelay(
  attempt: number,
  initialDelayMs: number,
  maxDelayMs: number,
  random = Math.random,
) {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts: unknown[] = [];
  const retriable = options.retriable ?? defaultRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      attempts.push(err);
      if (!retriable(err) || attempt >= options.retries || options.signal?.aborted) {
        throw new RetryError(`gave up after ${attempt + 1} attempt(s): ${String(err)}`, attempts);
      }
      const delay = backoffDelay(attempt, options.initialDelayMs, options.maxDelayMs);
      options.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
