import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import type { ParseContext } from '../types.ts';
import { windowsFirewallParser } from './windows-firewall.ts';

parserContract(windowsFirewallParser, 'windows-firewall.log');

function parse(line: string, ctx: ParseContext = contractContext()) {
  const r = runParser(windowsFirewallParser, line, ctx);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.event;
}
function fixtureEvents() {
  const ctx = contractContext();
  return fixtureLines('windows-firewall.log').flatMap((l) => {
    const r = runParser(windowsFirewallParser, l, ctx);
    return r.ok ? [r.event] : [];
  });
}

describe('windows-firewall', () => {
  it('consumes the header lines', () => {
    const ctx = contractContext();
    for (const line of fixtureLines('windows-firewall.log').filter((l) => l.startsWith('#'))) {
      expect(runParser(windowsFirewallParser, line, ctx)).toMatchObject({
        ok: false,
        error: { code: 'header' },
      });
    }
  });

  it('maps ALLOW on the send path to an allowed outbound connection, time read as UTC', () => {
    expect(fixtureEvents()[0]).toMatchObject({
      '@timestamp': '2026-11-29T10:00:01.000Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['allowed'],
        action: 'allow',
        outcome: 'success',
        dataset: 'windows_firewall.log',
        module: 'windows_firewall',
      },
      observer: { vendor: 'Microsoft', product: 'Windows Defender Firewall', type: 'firewall' },
      source: { ip: '10.0.0.5', port: 51500 },
      destination: { ip: '192.0.2.80', port: 443 },
      network: { transport: 'tcp', iana_number: '6', direction: 'outbound' },
    });
    // size 0 means "not recorded": no byte count
    expect(fixtureEvents()[0]!.network?.bytes).toBeUndefined();
  });

  it('maps DROP on the receive path to a denied inbound packet with its size', () => {
    const [, drop, , icmp] = fixtureEvents();
    expect(drop).toMatchObject({
      event: { type: ['denied'], action: 'drop', outcome: 'failure' },
      source: { ip: '203.0.113.9', port: 40000 },
      destination: { ip: '10.0.0.5', port: 3389 },
      network: { transport: 'tcp', direction: 'inbound', bytes: 52 },
    });
    expect(icmp).toMatchObject({ network: { transport: 'icmp', iana_number: '1', bytes: 60 } });
    expect(icmp!.source?.port).toBeUndefined();
  });

  it('reads IPv6 addresses, ICMPv6 and protocol numbers', () => {
    const events = fixtureEvents();
    expect(events[5]).toMatchObject({
      source: { ip: '2001:db8::5' },
      destination: { ip: '2001:db8:1::443' },
    });
    expect(events[6]).toMatchObject({
      source: { ip: 'fe80::1c2d:3e4f:5a6b:7c8d' },
      destination: { ip: 'ff02::fb' },
    });
    expect(events[10]).toMatchObject({ network: { transport: 'ipv6-icmp', iana_number: '58' } });
    expect(events[11]).toMatchObject({ network: { transport: 'igmp', iana_number: '2' } });
  });

  it('turns INFO-EVENTS-LOST into an info event with the number of lost events', () => {
    expect(fixtureEvents()[7]).toMatchObject({
      event: { type: ['info'], action: 'info-events-lost' },
      message: expect.stringContaining('27 events'),
    });
  });

  it('follows a #Fields header with pid, and a reordered column list', () => {
    const ctx = contractContext();
    runParser(
      windowsFirewallParser,
      '#Fields: date time action protocol src-ip dst-ip src-port dst-port path',
      ctx,
    );
    expect(parse('2026-11-29 10:00:00 DROP UDP 192.0.2.1 10.0.0.5 5000 161 RECEIVE', ctx)).toMatchObject({
      source: { ip: '192.0.2.1', port: 5000 },
      destination: { port: 161 },
      network: { direction: 'inbound' },
    });
    expect(
      runParser(windowsFirewallParser, '2026-11-29 10:00:00 DROP UDP 192.0.2.1 10.0.0.5 5000 161', ctx),
    ).toMatchObject({
      ok: false,
      error: { code: 'syntax', message: expect.stringContaining('#Fields header names 9') },
    });
  });

  it('uses the documented default columns before any #Fields header (17, or 18 with pid)', () => {
    expect(
      parse('2026-11-29 10:00:02 DROP TCP 203.0.113.9 10.0.0.5 40000 3389 52 S 1 0 64240 - - - RECEIVE'),
    ).toMatchObject({
      destination: { port: 3389 },
    });
    expect(
      parse('2026-11-29 10:00:02 ALLOW TCP 10.0.0.5 192.0.2.80 1 443 0 - 0 0 0 - - - SEND 4512'),
    ).toMatchObject({
      network: { direction: 'outbound' },
    });
  });

  it('maps the legacy OPEN, OPEN-INBOUND and CLOSE actions', () => {
    expect(parse('2026-11-29 10:00:00 OPEN TCP 10.0.0.5 192.0.2.80 4310 80 - - - - - - - - -')).toMatchObject(
      {
        event: { type: ['connection', 'start'], action: 'open', outcome: 'success' },
        network: { direction: 'outbound' },
      },
    );
    expect(
      parse('2026-11-29 10:00:00 OPEN-INBOUND TCP 192.0.2.80 10.0.0.5 4310 80 - - - - - - - - -'),
    ).toMatchObject({
      network: { direction: 'inbound' },
    });
    expect(
      parse('2026-11-29 10:00:00 CLOSE UDP 10.0.0.5 10.0.0.53 1625 53 - - - - - - - - -').event,
    ).toMatchObject({
      type: ['connection', 'end'],
      action: 'close',
    });
  });

  it('rejects malformed lines with a reason', () => {
    const ctx = contractContext();
    const bad = [
      '2026-13-29 10:00:00 DROP TCP 10.0.0.1 10.0.0.2 1 2 0 - 0 0 0 - - - RECEIVE',
      '2026-11-29 25:00:00 DROP TCP 10.0.0.1 10.0.0.2 1 2 0 - 0 0 0 - - - RECEIVE',
      '2026-11-29 10:00:00 PERMIT TCP 10.0.0.1 10.0.0.2 1 2 0 - 0 0 0 - - - RECEIVE',
      '2026-11-29 10:00:00 DROP TCP host-a 10.0.0.2 1 2 0 - 0 0 0 - - - RECEIVE',
      '2026-11-29 10:00:00 DROP TCP 10.0.0.1 10.0.0.2',
      '# just a comment',
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root from 192.0.2.1 port 22 ssh2 ok now',
    ];
    for (const line of bad)
      expect(runParser(windowsFirewallParser, line, ctx), line).toMatchObject({
        ok: false,
        error: { code: 'syntax' },
      });
  });
});
