import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';
import { bearerToken, hashToken, newToken, SensorRegistry } from './sensors.ts';

const a = newToken();
const b = newToken();
const registry = SensorRegistry.fromYaml(`
sensors:
  - id: fw-a
    tenant: acme
    token_sha256: ${a.sha256}
    format: iptables
    syslog_sources: [192.0.2.0/28, "2001:db8::/64"]
  - id: ids-b
    tenant: beta
    token_sha256: ${b.sha256}
`);

describe('sensors', () => {
  it('authenticates by token and binds the tenant', () => {
    expect(registry.authenticate(a.token)?.tenant).toBe('acme');
    expect(registry.authenticate(b.token)?.id).toBe('ids-b');
    expect(registry.authenticate(`${a.token}x`)).toBeUndefined();
    expect(registry.authenticate(undefined)).toBeUndefined();
    expect(hashToken(a.token)).toBe(a.sha256);
  });
  it('binds syslog senders by address, IPv4-mapped IPv6 included', () => {
    expect(registry.bySource('192.0.2.5')?.id).toBe('fw-a');
    expect(registry.bySource('::ffff:192.0.2.5')?.id).toBe('fw-a');
    expect(registry.bySource('2001:db8::9')?.id).toBe('fw-a');
    expect(registry.bySource('192.0.2.99')).toBeUndefined();
  });
  it('reads bearer tokens and rejects bad files with the field at fault', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(() =>
      SensorRegistry.fromYaml('sensors:\n  - id: x\n    tenant: t\n    token_sha256: nothex\n'),
    ).toThrow(/token_sha256/);
    expect(() =>
      SensorRegistry.fromYaml(
        `sensors:\n  - {id: x, tenant: t, token_sha256: ${a.sha256}}\n  - {id: x, tenant: u, token_sha256: ${b.sha256}}\n`,
      ),
    ).toThrow(/twice/);
  });
});

describe('rate limit', () => {
  it('lets a burst through, then asks the sender to wait until the debt is paid', () => {
    let t = 0;
    const limiter = new RateLimiter(() => t);
    expect(limiter.take('s', 150, 100)).toBe(0); // bucket starts full (200)
    expect(limiter.take('s', 150, 100)).toBe(0); // 50 left, may go to -100
    expect(limiter.take('s', 1, 100)).toBe(1); // 100 in debt: one second
    t = 1500;
    expect(limiter.take('s', 10, 100)).toBe(0);
    expect(limiter.take('other', 10, 100)).toBe(0);
  });
});
