// Parse + normalise (+ schema validation, as ingest runs it), lines per second on one core,
// per format, over each format's fixture lines repeated, each decoded from its bytes into a
// string of its own as ingest does. Prints the median of several runs. Each format runs in
// a process of its own: in one process, the code the formats share (event building, the
// schema check) is compiled for the formats that ran before, and a format measures ~5-10%
// slower the later it runs. --shared runs them all in this process, one after the other,
// as an ingest serving every format at once would.
// Usage: node bench/parsers.ts [--lines 200000] [--runs 5] [--format <name>] [--shared]
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatNames, getParser, runParser } from '@soc/parsers';
import { FIXTURES_DIR, fixtureLines } from '../packages/parsers/src/contract.ts';
import { machineInfo } from './machine.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '5' },
    format: { type: 'string' },
    shared: { type: 'boolean', default: false },
    /** a child run: the figures line only */
    quiet: { type: 'boolean', default: false },
  },
});
const total = Number(values.lines);
const runs = Number(values.runs);
const decoder = new TextDecoder('utf-8', { fatal: true });
const fixtures = readdirSync(FIXTURES_DIR).filter((f) => !f.includes('.expected.'));

if (!values.quiet) {
  console.log(`machine: ${await machineInfo()}`);
  console.log(
    `${'format'.padEnd(20)} ${'lines/s (median)'.padStart(18)} ${'µs/line'.padStart(9)}  runs${values.shared ? ' (all formats in one process)' : ''}`,
  );
}
for (const name of formatNames()) {
  if (values.format && values.format !== name) continue;
  if (!values.format && !values.shared) {
    const args = [...process.execArgv, import.meta.filename, '--quiet', '--format', name];
    args.push('--lines', String(total), '--runs', String(runs));
    process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8' }));
    continue;
  }
  const file = fixtures.find((f) => f.startsWith(`${name}.`));
  if (!file) continue;
  const parser = getParser(name)!;
  // each line a string of its own, decoded from its bytes, as ingest hands lines to parsers
  // (split from the whole file, they would be slices of it, which string search reads slower)
  const lines = fixtureLines(file).map((l) => decoder.decode(Buffer.from(l)));
  const rates: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const ctx = {
      tenant: 'bench',
      receivedAt: new Date('2026-11-29T12:00:00Z'),
      keepOriginal: true,
      stream: {},
    };
    let ok = 0;
    const start = process.cpuUsage();
    for (let i = 0; i < total; i++) {
      if (runParser(parser, lines[i % lines.length]!, ctx).ok) ok++;
    }
    const used = process.cpuUsage(start);
    if (r > 0) rates.push(total / ((used.user + used.system) / 1e6)); // the first run warms the JIT
    if (ok === 0) throw new Error(`${name}: no line parsed`);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  console.log(
    `${name.padEnd(20)} ${median.toFixed(0).padStart(18)} ${(1e6 / median).toFixed(2).padStart(9)}  ${rates.map((x) => (x / 1000).toFixed(0)).join(' ')}k`,
  );
}
