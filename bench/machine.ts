// What the benchmark ran on, printed with every result.
import { cpus, freemem, totalmem } from 'node:os';

export async function machineInfo(clickhouseUrl?: string): Promise<string> {
  const cpu = cpus();
  let clickhouse = '';
  if (clickhouseUrl) {
    clickhouse = await fetch(`${clickhouseUrl}/?query=SELECT%20version()`)
      .then((r) => r.text())
      .then((v) => `, ClickHouse ${v.trim()}`)
      .catch(() => '');
  }
  return (
    `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM ` +
    `(${(freemem() / 2 ** 30).toFixed(1)} free), Node ${process.version}${clickhouse}`
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
