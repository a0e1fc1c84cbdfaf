import { describe, expect, it } from 'vitest';
import { contractContext, fixtureLines, parserContract } from '../contract.ts';
import { runParser } from '../registry.ts';
import type { ParseContext } from '../types.ts';
import { awsVpcFlowParser } from './aws-vpc-flow.ts';

parserContract(awsVpcFlowParser, 'aws-vpc-flow.log');

function parse(line: string, ctx: ParseContext = contractContext()) {
  const r = runParser(awsVpcFlowParser, line, ctx);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.event;
}
function fixtureEvents() {
  const ctx = contractContext();
  return fixtureLines('aws-vpc-flow.log').flatMap((l) => {
    const r = runParser(awsVpcFlowParser, l, ctx);
    return r.ok ? [r.event] : [];
  });
}

const DEFAULT_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

describe('aws-vpc-flow default format', () => {
  it('maps an accepted record without a header line (default version 2 columns)', () => {
    expect(
      parse(
        '2 123456789010 eni-0a1b2c3d4e5f60006 203.0.113.12 10.0.1.20 49761 22 6 20 4249 1795946400 1795946460 ACCEPT OK',
      ),
    ).toMatchObject({
      '@timestamp': '2026-11-29T10:00:00.000Z',
      event: {
        kind: 'event',
        category: ['network'],
        type: ['allowed'],
        action: 'accept',
        outcome: 'success',
        start: '2026-11-29T10:00:00.000Z',
        end: '2026-11-29T10:01:00.000Z',
        dataset: 'aws.vpcflow',
        module: 'aws',
      },
      observer: {
        vendor: 'AWS',
        product: 'VPC Flow Logs',
        type: 'firewall',
        ingress: { interface: { name: 'eni-0a1b2c3d4e5f60006' } },
      },
      source: { ip: '203.0.113.12', port: 49761, bytes: 4249, packets: 20 },
      destination: { ip: '10.0.1.20', port: 22 },
      network: { transport: 'tcp', iana_number: '6', bytes: 4249, packets: 20 },
      cloud: { provider: 'aws', account: { id: '123456789010' } },
    });
  });

  it('maps REJECT to denied, ICMP without ports, and IPv6 addresses', () => {
    const [, reject, , icmp, v6] = fixtureEvents();
    expect(reject).toMatchObject({
      event: { type: ['denied'], action: 'reject', outcome: 'failure' },
      destination: { port: 3389 },
    });
    expect(icmp).toMatchObject({ network: { transport: 'icmp', iana_number: '1' } });
    expect(icmp!.source?.port).toBeUndefined();
    expect(icmp!.destination?.port).toBeUndefined();
    expect(v6).toMatchObject({
      source: { ip: '2001:db8:1234:a100::10', port: 443 },
      destination: { ip: '2001:db8:1234:a102::77' },
    });
  });

  it('turns SKIPDATA into an info event so the gap is visible, and rejects NODATA with a reason', () => {
    const skip = parse('2 123456789010 eni-0a1b2c3d4e5f60007 - - - - - - - 1795946400 1795946460 - SKIPDATA');
    expect(skip).toMatchObject({
      event: { type: ['info'], action: 'skipdata', reason: expect.stringContaining('SKIPDATA') },
      observer: { ingress: { interface: { name: 'eni-0a1b2c3d4e5f60007' } } },
    });
    expect(skip.source).toBeUndefined();
    const nodata = runParser(
      awsVpcFlowParser,
      '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA',
      contractContext(),
    );
    expect(nodata).toMatchObject({
      ok: false,
      error: { code: 'empty', message: expect.stringContaining('NODATA') },
    });
    expect(!nodata.ok && nodata.error.message).toContain('eni-1235b8ca123456789');
  });

  it('drops an "unknown" account id and names protocols common.ts does not know', () => {
    const e = parse(
      '2 unknown eni-0a1b2c3d4e5f60006 10.0.1.1 10.0.1.2 0 0 112 3 120 1795946400 1795946460 ACCEPT OK',
    );
    expect(e.cloud).toEqual({ provider: 'aws' });
    expect(e.network).toMatchObject({ transport: 'vrrp', iana_number: '112' });
  });
});

describe('aws-vpc-flow custom format', () => {
  it('uses the header line for the stream and the packet-level addresses as the endpoints', () => {
    const events = fixtureEvents();
    const [inToNat, natOut, natBack, bpa, s3] = events.slice(6);
    // instance → NAT gateway ENI: the packet is for the internet host
    expect(inToNat).toMatchObject({
      source: { ip: '10.0.1.5', port: 40412 },
      destination: { ip: '203.0.113.5', port: 443 },
      network: { direction: 'inbound' },
      cloud: { region: 'eu-west-1' },
      related: { ip: ['10.0.1.5', '203.0.113.5', '10.0.0.220'] },
    });
    expect(natOut).toMatchObject({ source: { ip: '10.0.0.220' }, network: { direction: 'outbound' } });
    expect(natOut!.related).toBeUndefined();
    expect(natBack).toMatchObject({
      source: { ip: '203.0.113.5', port: 443 },
      destination: { ip: '10.0.1.5', port: 40412 },
      '@timestamp': '2026-11-29T10:01:41.000Z',
    });
    expect(bpa).toMatchObject({ event: { type: ['denied'], reason: 'BPA' } });
    expect(s3).toMatchObject({
      destination: { ip: '198.51.100.200', port: 443 },
      network: { direction: 'outbound' },
    });
  });

  it('accepts the $-and-braces field spelling, fields in any order, and checks the column count', () => {
    const ctx = contractContext();
    const braced = ['srcaddr', 'dstaddr', 'action', 'start'].map((f) => '$' + '{' + f + '}').join(' ');
    expect(runParser(awsVpcFlowParser, braced, ctx)).toMatchObject({
      ok: false,
      error: { code: 'header' },
    });
    expect(parse('192.0.2.1 10.0.0.1 REJECT 1795946400', ctx)).toMatchObject({
      source: { ip: '192.0.2.1' },
      destination: { ip: '10.0.0.1' },
      event: { type: ['denied'] },
      '@timestamp': '2026-11-29T10:00:00.000Z',
    });
    expect(runParser(awsVpcFlowParser, '192.0.2.1 10.0.0.1 REJECT', ctx)).toMatchObject({
      ok: false,
      error: { code: 'syntax', message: expect.stringContaining('header line names 4') },
    });
    // the default header resets the stream to the default columns
    runParser(awsVpcFlowParser, DEFAULT_HEADER, ctx);
    expect(
      parse(
        '2 123456789010 eni-0a1b2c3d4e5f60006 10.0.0.1 10.0.0.2 1 2 17 1 60 1795946400 1795946400 ACCEPT OK',
        ctx,
      ),
    ).toMatchObject({ network: { transport: 'udp' } });
  });

  it('uses the receive time when a custom format has no start or end', () => {
    const ctx = contractContext();
    runParser(awsVpcFlowParser, 'srcaddr dstaddr action', ctx);
    expect(parse('192.0.2.1 10.0.0.1 ACCEPT', ctx)['@timestamp']).toBe('2026-11-29T12:00:00.000Z');
  });
});

describe('aws-vpc-flow rejections', () => {
  it('rejects lines that are not flow log records, with a reason', () => {
    const ctx = contractContext();
    const bad = [
      'Nov 29 10:00:00 host sshd[1]: Accepted password for root',
      '2 123456789010 eni-0a1b2c3d4e5f60006 not-an-ip 10.0.1.20 1 2 6 1 1 1795946400 1795946460 ACCEPT OK',
      '2 123456789010 eni-0a1b2c3d4e5f60006 10.0.1.1 10.0.1.20 x 2 6 1 1 1795946400 1795946460 ACCEPT OK',
      '2 123456789010 eni-0a1b2c3d4e5f60006 10.0.1.1 10.0.1.20 1 2 6 1 1 yesterday 1795946460 ACCEPT OK',
      '2 123456789010 eni-0a1b2c3d4e5f60006 10.0.1.1 10.0.1.20 1 2 6 1 1 1795946400 1795946460 MAYBE OK',
      'v2 123456789010 eni-0a1b2c3d4e5f60006 10.0.1.1 10.0.1.20 1 2 6 1 1 1795946400 1795946460 ACCEPT OK',
    ];
    for (const line of bad) {
      const r = runParser(awsVpcFlowParser, line, ctx);
      expect(r, line).toMatchObject({ ok: false, error: { code: 'syntax' } });
    }
    expect(runParser(awsVpcFlowParser, '', ctx)).toMatchObject({ ok: false, error: { code: 'empty' } });
  });
});
