// Sigma `logsource` → a predicate over our ECS events. A rule names the kind of log it
// was written for; we map the values we can recognise from observer fields and set the
// rule aside ("unsupported: logsource ...") when we cannot, rather than run it on
// everything.
import { getter } from './fields.ts';
import { type Predicate, UnsupportedError } from './modifiers.ts';

const observerType = getter('observer.type');
const observerProduct = getter('observer.product');
const observerVendor = getter('observer.vendor');
const category = getter('event.category');

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');
const hasCategory = (e: unknown, c: string) => {
  const v = category(e);
  return Array.isArray(v) ? v.includes(c) : v === c;
};

const CATEGORIES: Record<string, Predicate> = {
  firewall: (e) => lower(observerType(e)) === 'firewall',
  ids: (e) => lower(observerType(e)) === 'ids',
  network_connection: (e) => hasCategory(e, 'network'),
  network: (e) => hasCategory(e, 'network'),
};

const PRODUCTS: Record<string, Predicate> = {
  suricata: (e) => lower(observerProduct(e)) === 'suricata',
  iptables: (e) => lower(observerVendor(e)) === 'netfilter',
  netfilter: (e) => lower(observerVendor(e)) === 'netfilter',
};

export function compileLogsource(logsource: Record<string, unknown>): Predicate | null {
  const parts: Predicate[] = [];
  for (const [key, value] of Object.entries(logsource)) {
    if (key === 'definition') continue;
    const table = key === 'category' ? CATEGORIES : key === 'product' ? PRODUCTS : undefined;
    if (!table) throw new UnsupportedError(`logsource ${key}: ${String(value)} is not mapped`);
    const p = table[String(value).toLowerCase()];
    if (!p) throw new UnsupportedError(`logsource ${key}: ${String(value)} is not mapped`);
    parts.push(p);
  }
  if (parts.length === 0) return null;
  return (e) => parts.every((p) => p(e));
}
