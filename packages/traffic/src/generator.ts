// Streams synthetic traffic to the ingest API at a steady rate, with a port scan from a
// fresh source every `scanEverySeconds`. Used by the demo.
import { backgroundLines, portScanLines, rng } from './lines.ts';

export interface GeneratorOptions {
  ingestUrl: string;
  /** the sensor's bearer token */
  token: string;
  eventsPerSecond: number;
  scanEverySeconds: number;
  scanPorts: number;
  seed?: number;
  onError?: (err: Error) => void;
  onScan?: (source: string) => void;
}

export function startGenerator(options: GeneratorOptions): { stop(): void } {
  const random = rng(options.seed ?? Date.now());
  const tickMs = 200;
  const perTick = Math.max(1, Math.round((options.eventsPerSecond * tickMs) / 1000));
  let lastScan = 0;
  let scanNo = 0;
  let busy = false;
  const post = (lines: string[]) =>
    fetch(`${options.ingestUrl}/v1/logs?format=iptables`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${options.token}` },
      body: `${lines.join('\n')}\n`,
    }).then((res) => {
      if (!res.ok) throw new Error(`ingest answered ${res.status}`);
    });
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const now = new Date();
    const lines = backgroundLines(perTick, now, random);
    if (now.getTime() - lastScan >= options.scanEverySeconds * 1000) {
      lastScan = now.getTime();
      scanNo++;
      const source = `203.0.113.${1 + (scanNo % 250)}`;
      const ports = Array.from({ length: options.scanPorts }, (_, i) => 1 + i * 7);
      lines.push(...portScanLines(source, `10.0.0.${1 + (scanNo % 20)}`, ports, now));
      options.onScan?.(source);
    }
    post(lines)
      .catch((err: Error) => options.onError?.(err))
      .finally(() => {
        busy = false;
      });
  }, tickMs);
  return { stop: () => clearInterval(timer) };
}
