import { describe, expect, it } from 'vitest';
import { cutoffDay, parseVersion, partitionsToDrop, supportsTtl } from './retention.ts';

describe('version gating', () => {
  it('parses server versions and uses TTL from 20.x on', () => {
    expect(parseVersion('18.16.1')).toEqual({ major: 18, minor: 16, text: '18.16.1' });
    expect(supportsTtl(parseVersion('18.16.1'))).toBe(false);
    expect(supportsTtl(parseVersion('19.17.4.11'))).toBe(false);
    expect(supportsTtl(parseVersion('20.3.21.2'))).toBe(true);
    expect(supportsTtl(parseVersion('24.8.14.39'))).toBe(true);
    expect(supportsTtl(parseVersion('25.10.1.3832'))).toBe(true);
    expect(() => parseVersion('')).toThrow();
    expect(() => parseVersion('latest')).toThrow();
  });
});

describe('partition selection', () => {
  const now = new Date('2026-11-29T10:00:00Z');
  it('computes the first day kept, in UTC, across month and year ends', () => {
    expect(cutoffDay(30, now)).toBe(20261030);
    expect(cutoffDay(0, now)).toBe(20261129);
    expect(cutoffDay(365, now)).toBe(20251129);
    expect(cutoffDay(1, new Date('2026-03-01T00:00:00Z'))).toBe(20260228);
    expect(cutoffDay(1, new Date('2024-03-01T23:59:59Z'))).toBe(20240229);
    expect(cutoffDay(1, new Date('2027-01-01T00:30:00Z'))).toBe(20261231);
  });
  it('drops whole days older than the retention and nothing else', () => {
    const parts = [
      '20261019',
      '20261029',
      '20261030',
      '20261129',
      '20261130',
      '20261029',
      'all',
      '202610',
      '',
    ];
    expect(partitionsToDrop(parts, 30, now)).toEqual(['20261019', '20261029']);
    expect(partitionsToDrop(parts, 0, now)).toEqual([]);
    expect(partitionsToDrop(parts, 3650, now)).toEqual([]);
    expect(partitionsToDrop(['19700101'], 1, now)).toEqual(['19700101']);
  });
});
