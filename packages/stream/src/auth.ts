// Analyst identity for the stream and the triage API. Each analyst has a bearer token
// (stored only as its SHA-256 hex digest), a tenant scope (a list, or "*" for every
// tenant), a role and an optional expiry. The token arrives either in an
// `Authorization: Bearer <token>` header or, from browsers (which cannot set headers on a
// WebSocket), as the subprotocol list `soc.v1, bearer.<token>`.
//
// File format (YAML):
//   analysts:
//     - id: alice
//       name: Alice Example            # optional display name
//       token_sha256: 3b4c...          # sha256 hex of the token
//       tenants: [acme, globex]        # or "*"
//       role: analyst                  # analyst | admin
//       expires_at: 2027-01-01T00:00:00Z   # optional; refused from then on
import { createHash, timingSafeEqual } from 'node:crypto';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Scope } from './filter.ts';

export const roles = ['analyst', 'admin'] as const;
export type Role = (typeof roles)[number];

const analystSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/),
  name: z.string().min(1).max(128).optional(),
  token_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest, 64 lower-case hex characters'),
  tenants: z.union([z.literal('*'), z.array(z.string().regex(/^[A-Za-z0-9._-]{1,128}$/)).min(1)]),
  role: z.enum(roles),
  expires_at: z
    .union([z.iso.datetime({ offset: true }), z.date()])
    .transform((v) => (v instanceof Date ? v : new Date(v)))
    .optional(),
});

export const analystsFileSchema = z.strictObject({ analysts: z.array(analystSchema) });

export interface Analyst {
  id: string;
  name: string;
  role: Role;
  tenants: Scope;
  expiresAt: Date | undefined;
}

export type AuthResult =
  | { ok: true; analyst: Analyst }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class AnalystRegistry {
  private readonly byDigest = new Map<string, { analyst: Analyst; digest: Buffer }>();
  readonly size: number;

  constructor(entries: z.infer<typeof analystSchema>[]) {
    const ids = new Set<string>();
    for (const e of entries) {
      if (ids.has(e.id)) throw new Error(`analyst id "${e.id}" appears twice`);
      ids.add(e.id);
      if (this.byDigest.has(e.token_sha256))
        throw new Error(`analyst "${e.id}" shares its token with another`);
      this.byDigest.set(e.token_sha256, {
        digest: Buffer.from(e.token_sha256, 'hex'),
        analyst: {
          id: e.id,
          name: e.name ?? e.id,
          role: e.role,
          tenants: e.tenants === '*' ? '*' : new Set(e.tenants),
          expiresAt: e.expires_at,
        },
      });
    }
    this.size = entries.length;
  }

  static fromYaml(text: string): AnalystRegistry {
    const parsed = analystsFileSchema.safeParse(parse(text));
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new Error(`analysts file: ${i.path.join('.')}: ${i.message}`);
    }
    return new AnalystRegistry(parsed.data.analysts);
  }

  /** Hashes the token, looks the digest up and compares it in constant time; checks expiry. */
  authenticate(token: string | undefined, now = new Date()): AuthResult {
    if (!token) return { ok: false, reason: 'missing' };
    const digest = createHash('sha256').update(token, 'utf8').digest();
    const entry = this.byDigest.get(digest.toString('hex'));
    if (!entry || !timingSafeEqual(entry.digest, digest)) return { ok: false, reason: 'invalid' };
    if (isExpired(entry.analyst, now)) return { ok: false, reason: 'expired' };
    return { ok: true, analyst: entry.analyst };
  }
}

export function isExpired(analyst: Analyst, now = new Date()): boolean {
  return analyst.expiresAt !== undefined && analyst.expiresAt.getTime() <= now.getTime();
}

/** The subprotocol a stream client must offer, and the server selects. */
export const STREAM_SUBPROTOCOL = 'soc.v1';
const BEARER_PROTOCOL = 'bearer.';

/** The token from `Authorization: Bearer <token>`, else from a `bearer.<token>` subprotocol. */
export function requestToken(
  authorization: string | undefined,
  subprotocols: string | undefined,
): string | undefined {
  if (authorization) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (m) return m[1];
  }
  if (subprotocols) {
    for (const p of subprotocols.split(',')) {
      const v = p.trim();
      if (v.startsWith(BEARER_PROTOCOL) && v.length > BEARER_PROTOCOL.length)
        return v.slice(BEARER_PROTOCOL.length);
    }
  }
  return undefined;
}

export function scopeJson(scope: Scope): string[] | '*' {
  return scope === '*' ? '*' : [...scope].sort();
}
