// Sensor identity. Each sensor has a bearer token (stored only as its SHA-256 digest),
// belongs to one tenant, and may name a default format, the syslog source addresses it
// sends from, and its own rate limit. The tenant of every line comes from here — from the
// token over HTTP, from the source address over syslog — never from the payload.
//
// File format (YAML):
//   sensors:
//     - id: fw-acme-01
//       tenant: acme
//       token_sha256: 3b4c...            # `soc token new` prints a token and its digest
//       format: iptables                 # optional default for requests without ?format=
//       syslog_sources: [192.0.2.10/32]  # optional: syslog senders bound to this sensor
//       rate_limit_lines_per_second: 50000  # optional
//       iptables_prefixes:                   # optional: this firewall's own log prefixes
//         - { match: "FW-QUARANTINE", action: quarantine, type: denied }
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { parse } from 'yaml';
import { z } from 'zod';

const cidr = z.string().refine((v) => {
  const [net, bits] = v.split('/');
  const family = isIP(net ?? '');
  const n = Number(bits ?? (family === 6 ? 128 : 32));
  return family !== 0 && Number.isInteger(n) && n >= 0 && n <= (family === 6 ? 128 : 32);
}, 'not an IP address or CIDR');

const sensorSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/),
  tenant: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/),
  token_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest, 64 lower-case hex characters'),
  format: z.string().optional(),
  syslog_sources: z.array(cidr).optional(),
  rate_limit_lines_per_second: z.number().int().positive().optional(),
  /** this sensor's netfilter log prefixes and their meaning (iptables format) */
  iptables_prefixes: z
    .array(
      z.strictObject({
        match: z.string().min(1),
        action: z.string().min(1).max(64),
        type: z.enum(['allowed', 'denied', 'connection']),
      }),
    )
    .optional(),
});

export const sensorsFileSchema = z.strictObject({ sensors: z.array(sensorSchema) });

export type Sensor = z.infer<typeof sensorSchema>;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): { token: string; sha256: string } {
  const token = `soc_${randomBytes(24).toString('base64url')}`;
  return { token, sha256: hashToken(token) };
}

export class SensorRegistry {
  private readonly byDigest = new Map<string, { sensor: Sensor; digest: Buffer }>();
  private readonly sources: { sensor: Sensor; list: BlockList }[] = [];
  readonly sensors: readonly Sensor[];

  constructor(sensors: Sensor[]) {
    this.sensors = sensors;
    const ids = new Set<string>();
    for (const s of sensors) {
      if (ids.has(s.id)) throw new Error(`sensor id "${s.id}" appears twice`);
      ids.add(s.id);
      if (this.byDigest.has(s.token_sha256))
        throw new Error(`sensor "${s.id}" shares its token with another sensor`);
      this.byDigest.set(s.token_sha256, { sensor: s, digest: Buffer.from(s.token_sha256, 'hex') });
      if (s.syslog_sources?.length) {
        const list = new BlockList();
        for (const c of s.syslog_sources) {
          const [net, bits] = c.split('/');
          const type = isIP(net!) === 6 ? 'ipv6' : 'ipv4';
          list.addSubnet(net!, Number(bits ?? (type === 'ipv6' ? 128 : 32)), type);
        }
        this.sources.push({ sensor: s, list });
      }
    }
  }

  static fromYaml(text: string): SensorRegistry {
    const parsed = sensorsFileSchema.safeParse(parse(text));
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new Error(`sensors file: ${i.path.join('.')}: ${i.message}`);
    }
    return new SensorRegistry(parsed.data.sensors);
  }

  /**
   * The sensor a bearer token belongs to. The token is hashed first, so the lookup never
   * touches the secret itself; the digests are then compared in constant time.
   */
  authenticate(token: string | undefined): Sensor | undefined {
    if (!token) return undefined;
    const digest = createHash('sha256').update(token, 'utf8').digest();
    const entry = this.byDigest.get(digest.toString('hex'));
    return entry && timingSafeEqual(entry.digest, digest) ? entry.sensor : undefined;
  }

  /** The sensor bound to a syslog sender's address (IPv4-mapped IPv6 is unwrapped). */
  bySource(address: string): Sensor | undefined {
    const ip = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    return this.sources.find((s) => s.list.check(ip, type))?.sensor;
  }
}

/** The token from an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
