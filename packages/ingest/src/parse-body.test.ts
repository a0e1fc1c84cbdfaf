import { getParser } from '@soc/parsers';
import { describe, expect, it } from 'vitest';
import { countLines, parseBody } from './parse-body.ts';

const ctx = { tenant: 't1', receivedAt: new Date('2026-11-29T12:00:00Z'), keepOriginal: false };
const good =
  'Nov 29 10:00:01 fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.9 DST=10.0.0.5 LEN=60 PROTO=TCP SPT=40000 DPT=22';

describe('parseBody', () => {
  it('keeps good lines and reports bad ones by line number, with reasons', () => {
    const body = Buffer.concat([
      Buffer.from(`${good}\r\nnot a firewall line\n\n`),
      Buffer.from([0xff, 0xfe, 0x0a]),
      Buffer.from(`${'x'.repeat(300)}\n${good}`),
    ]);
    const batch = parseBody(body, getParser('iptables')!, ctx, 256);
    expect(batch.events).toHaveLength(2);
    expect(batch.rejected.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [2, 'syntax'],
      [4, 'invalid UTF-8'],
      [5, 'line too long'],
    ]);
    expect(batch.lines).toBe(6);
    expect(countLines(body)).toBe(6);
  });
  it('reports the formats it detected with format=auto', () => {
    const eve =
      '{"timestamp":"2026-11-29T10:00:00Z","event_type":"dns","src_ip":"10.0.0.1","dest_ip":"10.0.0.2"}';
    const batch = parseBody(Buffer.from(`${good}\n${eve}\n${good}\n`), getParser('auto')!, ctx, 4096);
    expect(batch.detected).toEqual({ iptables: 2, 'suricata-eve': 1 });
  });
  it('counts lines with and without a final newline', () => {
    expect(countLines(Buffer.from(''))).toBe(0);
    expect(countLines(Buffer.from('a'))).toBe(1);
    expect(countLines(Buffer.from('a\nb\n'))).toBe(2);
  });
});
