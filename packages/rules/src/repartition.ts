// Repartitioning by group key. Events arrive keyed by tenant and source.ip, so a correlation
// whose groups are (tenant, source.ip, ...) sees every input of a group in one partition and
// runs where the events are ("local"). Any other correlation (grouped by destination.ip,
// observer.name, or cross-tenant) needs its inputs moved to a partition chosen by its own
// group key first. `splitRuleSet` divides a rule set into the local part and "units": sets
// of correlations that route their inputs by the same key, each a rule set of its own for a
// separate engine. `route` says, for one event, which repartition partitions it goes to and
// for which units.
//
// Rules connected by chaining (a correlation over correlations) stay together. A unit whose
// inputs are all routed by one key spec (for example tenant + destination.ip) is exact. A
// chain or an aliased rule whose inputs route by different fields (ids alert by
// destination.ip, outbound connection by source.ip) is exact too, except for an event that
// is an input under two different key values at once: it is counted in both partitions.
import { type FieldValue, getter, keyOf } from './fields.ts';
import type { Predicate } from './modifiers.ts';
import type { CompiledCorrelation, CompiledDetection, RuleRef, RuleSet } from './types.ts';

/** The field the events topic is keyed by, beside the tenant. */
export const TOPIC_KEY_FIELD = 'source.ip';

interface Leaf {
  /** the input rule's predicate (shared with the rule it was copied from) */
  match: Predicate;
  crossTenant: boolean;
  getters: ((e: unknown) => FieldValue)[];
}

export interface RepartitionUnit {
  /** stable across instances running the same rules: the routing spec, or the rule keys */
  id: string;
  rules: RuleSet;
  leaves: Leaf[];
}

export interface RuleSplit {
  /** detections and the correlations that run where the events are */
  local: RuleSet;
  units: RepartitionUnit[];
  /** the event fields the units read: all a repartitioned input needs to carry */
  forwardFields: string[];
}

/** Fields the engine reads from every input, whatever the rule. */
const ALWAYS_FORWARDED = ['@timestamp', 'event.id', 'organization.id'];

/** A correlation is local when every input is grouped by tenant and source.ip. */
export function isLocal(c: CompiledCorrelation): boolean {
  return !c.crossTenant && c.groupFields.every((fields) => fields.includes(TOPIC_KEY_FIELD));
}

export function splitRuleSet(rules: RuleSet): RuleSplit {
  // components: correlations linked by chaining
  const parent = new Map<CompiledCorrelation, CompiledCorrelation>();
  const find = (c: CompiledCorrelation): CompiledCorrelation => {
    let r = c;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(c, r);
    return r;
  };
  for (const c of rules.correlations) parent.set(c, c);
  for (const c of rules.correlations)
    for (const r of c.refs) if (r.kind === 'correlation') parent.set(find(r), find(c));
  const components = new Map<CompiledCorrelation, CompiledCorrelation[]>();
  for (const c of rules.correlations) {
    const root = find(c);
    components.set(root, [...(components.get(root) ?? []), c]);
  }

  const local = new Set<CompiledCorrelation>();
  const unitMembers = new Map<string, CompiledCorrelation[]>();
  for (const members of components.values()) {
    if (members.every(isLocal)) {
      for (const c of members) local.add(c);
      continue;
    }
    const specs = new Set(leavesOf(members).map((l) => specOf(l.c, l.ref)));
    const id =
      specs.size === 1
        ? [...specs][0]!
        : `rules:${members
            .map((c) => c.key)
            .sort()
            .join(',')}`;
    unitMembers.set(id, [...(unitMembers.get(id) ?? []), ...members]);
  }

  const units = [...unitMembers].map(([id, members]) => {
    const rulesOfUnit = subset(rules, new Set(members), false);
    return {
      id,
      rules: rulesOfUnit,
      leaves: leavesOf(rulesOfUnit.correlations).map(({ c, ref }) => ({
        match: (c.refs[ref] as CompiledDetection).match,
        crossTenant: c.crossTenant,
        getters: c.groupFields[ref]!.map(getter),
      })),
    };
  });
  const forwardFields = new Set(ALWAYS_FORWARDED);
  for (const u of units) {
    for (const d of u.rules.detections) for (const f of d.fields) forwardFields.add(f);
    for (const c of u.rules.correlations) {
      for (const fields of c.groupFields) for (const f of fields) forwardFields.add(f);
      for (const f of c.fields ?? []) forwardFields.add(f);
    }
  }
  return { local: subset(rules, local, true), units, forwardFields: [...forwardFields] };
}

/** The field names a (mapped) Sigma detection's selections read, modifiers removed. */
export function fieldsRead(detection: Record<string, unknown>): string[] {
  const fields = new Set<string>();
  const add = (body: unknown) => {
    if (Array.isArray(body)) for (const item of body) add(item);
    else if (body !== null && typeof body === 'object')
      for (const key of Object.keys(body)) fields.add(key.split('|')[0]!);
  };
  for (const [name, body] of Object.entries(detection))
    if (name !== 'condition' && name !== 'timeframe') add(body);
  return [...fields];
}

/**
 * A copy of the event with only the given fields (dotted paths, nested as in the event; a
 * literal dotted key is copied too), for repartitioned inputs: they carry what the
 * second stage's rules read, not the whole event.
 */
export function project(event: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of fields) {
    if (path in event) out[path] = event[path];
    const parts = path.split('.');
    let from: unknown = event;
    let to = out;
    for (let i = 0; i < parts.length; i++) {
      if (from === null || typeof from !== 'object' || Array.isArray(from)) break;
      const key = parts[i]!;
      const v = (from as Record<string, unknown>)[key];
      if (v === undefined) break;
      if (i === parts.length - 1) to[key] = v;
      else {
        if (to[key] === undefined || typeof to[key] !== 'object') to[key] = {};
        to = to[key] as Record<string, unknown>;
        from = v;
      }
    }
  }
  return out;
}

/** The repartition partition of each unit an event is an input of: partition → unit ids. */
export function route(units: RepartitionUnit[], event: unknown, partitions: number): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const matched = new Map<Predicate, boolean>();
  const tenant = (event as { organization?: { id?: string } }).organization?.id ?? '';
  for (const unit of units) {
    for (const leaf of unit.leaves) {
      let m = matched.get(leaf.match);
      if (m === undefined) {
        m = leaf.match(event);
        matched.set(leaf.match, m);
      }
      if (!m) continue;
      let key = leaf.crossTenant ? '*' : tenant;
      let complete = true;
      for (const g of leaf.getters) {
        const v = keyOf(g(event));
        if (v === undefined) {
          complete = false; // no value to group on: the event is in no group of this rule
          break;
        }
        key += `\u001f${v}`;
      }
      if (!complete) continue;
      const p = partitionOf(key, partitions);
      const ids = out.get(p);
      if (!ids) out.set(p, [unit.id]);
      else if (!ids.includes(unit.id)) ids.push(unit.id);
    }
  }
  return out;
}

/** FNV-1a over the UTF-16 code units of the key, modulo the partition count. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

function leavesOf(correlations: CompiledCorrelation[]): { c: CompiledCorrelation; ref: number }[] {
  return correlations.flatMap((c) =>
    c.refs.flatMap((r, ref) => (r.kind === 'detection' ? [{ c, ref }] : [])),
  );
}

function specOf(c: CompiledCorrelation, ref: number): string {
  return `${c.crossTenant ? 'cross-tenant' : 'tenant'}|${c.groupFields[ref]!.join('|')}`;
}

/**
 * A rule set with only the given correlations and the detections they (or, for the local
 * part, standalone alerting) need. Rules are copied so that references stay within the set;
 * outside the local part, detections do not alert on their own (the local part does that).
 */
function subset(rules: RuleSet, keep: Set<CompiledCorrelation>, isLocalPart: boolean): RuleSet {
  const detections = new Map<CompiledDetection, CompiledDetection>();
  const correlations = new Map<CompiledCorrelation, CompiledCorrelation>();
  for (const c of rules.correlations)
    if (keep.has(c)) correlations.set(c, { ...c, refs: [], correlations: [] });
  for (const d of rules.detections) {
    const used = d.correlations.some((c) => keep.has(c));
    if (!used && !(isLocalPart && d.standalone)) continue;
    detections.set(d, { ...d, correlations: [], standalone: isLocalPart && d.standalone });
  }
  const copyOf = (r: RuleRef): RuleRef =>
    r.kind === 'detection' ? detections.get(r)! : correlations.get(r)!;
  for (const [c, copy] of correlations) {
    copy.refs = c.refs.map(copyOf);
    copy.correlations = c.correlations.filter((p) => keep.has(p)).map((p) => correlations.get(p)!);
  }
  for (const [d, copy] of detections) {
    copy.correlations = d.correlations.filter((c) => keep.has(c)).map((c) => correlations.get(c)!);
  }
  return { detections: [...detections.values()], correlations: [...correlations.values()], errors: [] };
}
