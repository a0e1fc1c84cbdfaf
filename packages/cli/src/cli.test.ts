// The soc command as a user runs it: a real process, real files.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firewallEvent } from '@soc/rules';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const soc = (args: string[], input?: string) =>
  spawnSync(process.execPath, [join(ROOT, 'packages/cli/src/main.ts'), ...args], { input, encoding: 'utf8' });

describe('soc parse', () => {
  it('prints events as NDJSON and rejected lines with their numbers', () => {
    const good =
      'Nov 29 10:00:01 fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.9 DST=10.0.0.5 LEN=60 PROTO=TCP SPT=1 DPT=22';
    const r = soc(['parse', '--format', 'iptables', '--tenant', 'acme'], `${good}\nbroken\n${good}\n`);
    expect(r.status).toBe(1);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ organization: { id: 'acme' }, destination: { port: 22 } });
    expect(r.stderr).toBe('line 2: syntax: not a netfilter log line: no IN= and SRC= fields\n');
  });
  it('names the known formats when given an unknown one', () => {
    const r = soc(['parse', '--format', 'nope'], '');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('iptables');
  });
});

describe('soc rules', () => {
  it('computes alerts from an events file in event time, deterministically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-cli-'));
    const events = Array.from({ length: 21 }, (_, i) =>
      JSON.stringify(
        firewallEvent({
          timestamp: new Date(Date.UTC(2026, 10, 29, 10, 0, i)).toISOString(),
          source: '192.0.2.9',
          destination: '10.0.0.1',
          port: 100 + i,
        }),
      ),
    );
    writeFileSync(join(dir, 'events.ndjson'), `${events.join('\n')}\n`);
    const run = () => soc(['rules', 'test', '--rules', join(ROOT, 'rules'), join(dir, 'events.ndjson')]);
    const first = run();
    expect(first.status).toBe(0);
    const alerts = first.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(alerts).toHaveLength(2); // the alert, and its update a second later
    expect(alerts[0]).toMatchObject({
      group: { 'source.ip': '192.0.2.9' },
      distinct_count: 20,
      detected_at: '2026-11-29T10:00:19.000Z',
      revision: 0,
    });
    expect(alerts[1]).toMatchObject({ id: alerts[0].id, distinct_count: 21, revision: 1 });
    expect(run().stdout).toBe(first.stdout);
  });
  it('runs the behaviour tests and lints the pack', () => {
    const out = execFileSync(
      process.execPath,
      [join(ROOT, 'packages/cli/src/main.ts'), 'rules', 'test', '--rules', join(ROOT, 'rules')],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/\d+ passed, 0 failed/);
    expect(soc(['rules', 'lint', join(ROOT, 'rules')]).status).toBe(0);
  });
});
