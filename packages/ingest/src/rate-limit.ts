// Per-sensor rate limit, a token bucket in lines per second. A request may take the bucket
// below zero (a large batch is never refused outright when the bucket is full); the next
// request waits until the debt is paid, and learns how long from Retry-After.
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  /** Takes `cost` tokens; returns 0 when allowed, else the seconds to wait. */
  take(key: string, cost: number, ratePerSecond: number): number {
    const t = this.now();
    const burst = ratePerSecond * 2;
    const b = this.buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * ratePerSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens < 0) return Math.max(1, Math.ceil(-b.tokens / ratePerSecond));
    b.tokens -= cost;
    return 0;
  }
}
