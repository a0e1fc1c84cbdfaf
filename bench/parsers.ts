// Parse + normalise (+ schema validation, as ingest runs it), lines per second on one core,
// per format, over each format's fixture lines repeated. Prints the median of several runs.
// Usage: node bench/parsers.ts [--lines 200000] [--runs 5] [--format <name>]
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
  },
});
const total = Number(values.lines);
const runs = Number(values.runs);
const fixtures = readdirSync(FIXTURES_DIR).filter((f) => !f.includes('.expected.'));

console.log(`machine: ${await machineInfo()}`);
console.log(`${'format'.padEnd(20)} ${'lines/s (median)'.padStart(18)} ${'µs/line'.padStart(9)}  runs`);
for (const name of formatNames()) {
  if (values.format && values.format !== name) continue;
  const file = fixtures.find((f) => f.startsWith(`${name}.`));
  if (!file) continue;
  const parser = getParser(name)!;
  const lines = fixtureLines(file);
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
