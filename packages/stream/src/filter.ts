// Subscription filters, evaluated on the server for every frame and every client. A filter
// is compiled once per subscription into a predicate over the few alert fields it looks at
// (AlertMeta), so matching costs a handful of comparisons per client per alert.
import { type Alert, severities } from '@soc/schema';
import { z } from 'zod';

const tenantName = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'a tenant name');

export const filterSchema = z.strictObject({
  /** lowest severity delivered */
  min_severity: z.enum(severities).optional(),
  /** only these rule ids (any of them) */
  rule_ids: z.array(z.string().min(1).max(128)).max(100).optional(),
  /** only alerts whose rule has at least one of these tags */
  tags: z.array(z.string().min(1).max(128)).max(100).optional(),
  /** only these tenants; each must be within the analyst's scope */
  tenants: z.array(tenantName).max(1000).optional(),
  /** case-insensitive substring of one of the alert's group values */
  text: z.string().min(1).max(256).optional(),
});

export type Filter = z.infer<typeof filterSchema>;

export const severityRank: Record<string, number> = Object.fromEntries(severities.map((s, i) => [s, i]));

/** What a filter reads from an alert, extracted once per alert. */
export interface AlertMeta {
  id: string;
  tenant: string;
  severity: number;
  ruleId: string;
  tags: readonly string[];
  /** group values, lower-cased, separated by U+0000 */
  groupText: string;
}

export function alertMeta(alert: Alert): AlertMeta {
  return {
    id: alert.id,
    tenant: alert.tenant,
    severity: severityRank[alert.rule.severity] ?? 0,
    ruleId: alert.rule.id,
    tags: alert.rule.tags,
    groupText: Object.values(alert.group).join('\u0000').toLowerCase(),
  };
}

/** The tenants an analyst may see: a set, or "*" for every tenant. */
export type Scope = ReadonlySet<string> | '*';

export class ScopeError extends Error {
  override name = 'ScopeError';
}

export interface CompiledFilter {
  filter: Filter;
  /** the tenants delivered: requested ∩ scope; "*" when unrestricted */
  tenants: Scope;
  alert(meta: AlertMeta): boolean;
  tenant(tenant: string): boolean;
}

/**
 * Compiles a filter within a scope. Asking for a tenant outside the scope is refused
 * (ScopeError), so a client can never widen what it sees by filtering.
 */
export function compileFilter(filter: Filter, scope: Scope): CompiledFilter {
  let tenants: Scope = scope;
  if (filter.tenants) {
    const outside = scope === '*' ? [] : filter.tenants.filter((t) => !scope.has(t));
    if (outside.length > 0) throw new ScopeError(`tenant(s) outside your scope: ${outside.join(', ')}`);
    tenants = new Set(filter.tenants);
  }
  const minSeverity = filter.min_severity ? (severityRank[filter.min_severity] ?? 0) : 0;
  const rules = filter.rule_ids ? new Set(filter.rule_ids) : undefined;
  const tags = filter.tags ? new Set(filter.tags) : undefined;
  const text = filter.text?.toLowerCase();
  const tenantOk = tenants === '*' ? () => true : (t: string) => (tenants as ReadonlySet<string>).has(t);
  return {
    filter,
    tenants,
    tenant: tenantOk,
    alert(meta) {
      if (!tenantOk(meta.tenant)) return false;
      if (meta.severity < minSeverity) return false;
      if (rules && !rules.has(meta.ruleId)) return false;
      if (tags && !meta.tags.some((t) => tags.has(t))) return false;
      if (text !== undefined && !meta.groupText.includes(text)) return false;
      return true;
    },
  };
}

export function inScope(scope: Scope, tenant: string): boolean {
  return scope === '*' || scope.has(tenant);
}
