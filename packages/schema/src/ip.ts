// IPv4 addresses as numbers, for CIDR checks in plain arithmetic (the rules' cidr modifier,
// ingest's network zones): node:net's BlockList answers the same but costs far more per call.

/** The address as an unsigned 32-bit number when node:net's isIPv4 accepts it (dotted quad, no leading zeros), else -1. */
export function parseIPv4(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let out = 0;
  let seg = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || seg > 255) return -1;
      out = out * 256 + seg;
      parts++;
      seg = 0;
      digits = 0;
    } else {
      if (c < 48 || c > 57 || (digits > 0 && seg === 0) || digits === 3) return -1;
      seg = seg * 10 + (c - 48);
      digits++;
    }
  }
  return parts === 4 ? out : -1;
}
