// Synthetic firewall traffic as netfilter log lines (RFC 5424 header, millisecond
// timestamps): background connections from many clients to a few common ports, and port
// scans. Deterministic for a given seed, so tests and benchmarks can rely on it.
// Background sources never touch more than 8 distinct ports, so they never look like a scan.

const COMMON_PORTS = [80, 443, 53, 22, 25, 123, 3389, 8080];

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LineOptions {
  time: Date;
  source: string;
  destination: string;
  port: number;
  action?: 'BLOCK' | 'ALLOW';
  observer?: string;
  id?: number;
}

export function iptablesLine(o: LineOptions): string {
  const action = o.action ?? 'BLOCK';
  return (
    `<4>1 ${o.time.toISOString()} ${o.observer ?? 'fw-demo'} kernel - - - [UFW ${action}] IN=eth0 OUT= ` +
    `SRC=${o.source} DST=${o.destination} LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=${o.id ?? 0} DF PROTO=TCP ` +
    `SPT=${40000 + (o.port % 20000)} DPT=${o.port} WINDOW=29200 RES=0x00 SYN URGP=0`
  );
}

export function backgroundLines(count: number, time: Date, random: () => number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const external = random() < 0.5;
    const source = external
      ? `198.51.100.${1 + Math.floor(random() * 250)}`
      : `10.0.${Math.floor(random() * 4)}.${1 + Math.floor(random() * 250)}`;
    const destination = external
      ? `10.0.0.${1 + Math.floor(random() * 20)}`
      : `192.0.2.${1 + Math.floor(random() * 250)}`;
    lines.push(
      iptablesLine({
        time: new Date(time.getTime() + i),
        source,
        destination,
        port: COMMON_PORTS[Math.floor(random() * COMMON_PORTS.length)]!,
        action: random() < 0.7 ? 'ALLOW' : 'BLOCK',
        id: Math.floor(random() * 65535),
      }),
    );
  }
  return lines;
}

/** One line per port, `stepMs` apart, from `source` to `destination`. */
export function portScanLines(
  source: string,
  destination: string,
  ports: number[],
  start: Date,
  stepMs = 10,
): string[] {
  return ports.map((port, i) =>
    iptablesLine({
      time: new Date(start.getTime() + i * stepMs),
      source,
      destination,
      port,
      action: 'BLOCK',
      id: i,
    }),
  );
}

/** Interleaves `inserted` into `base` at evenly spread positions. */
export function bury(base: string[], inserted: string[]): string[] {
  const out = [...base];
  const step = Math.max(1, Math.floor(base.length / (inserted.length + 1)));
  inserted.forEach((line, i) => {
    out.splice(Math.min(out.length, (i + 1) * step + i), 0, line);
  });
  return out;
}
