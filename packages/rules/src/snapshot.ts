// Checkpoints of a partition's correlation state as plain JSON (format v1: every group
// written out whole, inputs in the buffer with their group-by values). Reading checks
// every field, so a damaged or foreign checkpoint is refused with a reason instead of
// leaving state that fails later; rules that no longer exist (or changed) are dropped.
import type { Alert } from '@soc/schema';
import {
  cloneAlert,
  type Episode,
  Group,
  type GroupState,
  identOf,
  Lone,
  MAX_EVIDENCE_IDS,
  SEP,
  Tally,
} from './group.ts';
import { FEED, type Partition, type Pending, type Timer, type TimerKind } from './partition.ts';
import type { CompiledCorrelation } from './types.ts';

const VERSION = 1;

/** State survives a reload only for the same rule at the same version. */
function stateKey(c: CompiledCorrelation): string {
  return `${c.key}@${c.version}`;
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

export function writeSnapshot(part: Partition, correlations: readonly CompiledCorrelation[]): unknown {
  return {
    v: VERSION,
    maxTs: finite(part.maxTs),
    released: part.releasedId === null ? null : { ts: part.releasedTs, id: part.releasedId },
    seq: part.seq,
    releasedCount: part.releasedCount,
    lastCapAlert: part.lastCapAlert.map(finite),
    buffer: part.buffer.toArray().map((p) => ({
      ts: p.ts,
      id: p.id,
      tenant: p.tenant,
      feeds: Array.from({ length: p.feeds.length / FEED }, (_, i) => {
        const c = p.feeds[i * FEED] as number;
        const key = p.feeds[i * FEED + 2] as string;
        return {
          c,
          ref: p.feeds[i * FEED + 1],
          groupValues: identOf(correlations[c]!, key, p.idents?.[i] ?? null).slice(1),
          value: p.feeds[i * FEED + 3],
        };
      }),
    })),
    timers: part.timers.toArray(),
    groups: part.groups.map((groups, ci) => {
      const c = correlations[ci]!;
      return { rule: stateKey(c), entries: [...groups].map(([k, s]) => [k, groupJson(c, k, s)]) };
    }),
  };
}

function groupJson(c: CompiledCorrelation, key: string, s: GroupState): unknown {
  const g = s instanceof Lone ? Group.of(c, s) : s;
  const [tenant, ...values] = identOf(c, key, g.ident);
  return {
    tenant,
    values,
    times: g.times.slice(),
    head: g.head,
    vals: g.vals?.map((v) => (typeof v === 'number' ? v : v.key)) ?? null,
    distinct: g.distinct ? [...g.distinct.values()].map((t) => [t.key, t.n]) : null,
    sum: g.sum,
    perRef: g.perRef?.map((t) => t.slice()) ?? null,
    chain: g.chain?.map(finite) ?? null,
    anchors: g.anchors?.slice() ?? null,
    recentIds: g.recentIds.slice(),
    recentTs: g.recentTs.slice(),
    recentNext: g.recentNext,
    latest: g.latest,
    suppressedUntil: finite(g.suppressedUntil),
    episode: g.episode ? episodeJson(g.episode) : null,
    expiryAt: g.expiryAt,
  };
}

function episodeJson(ep: Episode): unknown {
  const alert =
    ep.lastSeen === null
      ? cloneAlert(ep.alert)
      : { ...cloneAlert(ep.alert), last_seen: new Date(ep.lastSeen).toISOString() };
  return { alert, lastEmit: ep.lastEmit, dirty: ep.dirty, values: ep.values ? [...ep.values] : null };
}

// --- reading, field by field ---

class Unreadable extends Error {
  override name = 'UnreadableSnapshot';
}

function fail(what: string): never {
  throw new Unreadable(`snapshot: ${what}`);
}
type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => x !== null && typeof x === 'object' && !Array.isArray(x);
function obj(x: unknown, what: string): Json {
  return isObj(x) ? x : fail(`${what} is not an object`);
}
function list(x: unknown, what: string): unknown[] {
  return Array.isArray(x) ? x : fail(`${what} is not a list`);
}
function num(x: unknown, what: string): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : fail(`${what} is not a number`);
}
function int(x: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  return Number.isInteger(x) && (x as number) >= min && (x as number) <= max
    ? (x as number)
    : fail(`${what} is not an integer in [${min}, ${max}]`);
}
function str(x: unknown, what: string): string {
  return typeof x === 'string' ? x : fail(`${what} is not a string`);
}
/** null stands for a bound that is not finite */
function bound(x: unknown, ifNull: number, what: string): number {
  return x === null || x === undefined ? ifNull : num(x, what);
}
/** A copy: the state never shares a list with the snapshot it came from. */
function nums(x: unknown, what: string): number[] {
  const a = list(x, what);
  for (const v of a) num(v, `${what} item`);
  return a.slice() as number[];
}
function strs(x: unknown, what: string): string[] {
  const a = list(x, what);
  for (const v of a) str(v, `${what} item`);
  return a.slice() as string[];
}
function scalar(x: unknown, what: string): string | number | undefined {
  return x === undefined || typeof x === 'string' ? x : num(x, what);
}

/** Fills `part` from a snapshot taken by writeSnapshot; throws Unreadable on anything else. */
export function readSnapshot(
  snapshot: unknown,
  correlations: readonly CompiledCorrelation[],
  part: Partition,
): Partition {
  if (!isObj(snapshot) || snapshot['v'] !== VERSION) fail('unknown snapshot version');
  const s = snapshot;
  part.maxTs = bound(s['maxTs'], Number.NEGATIVE_INFINITY, 'maxTs');
  if (s['released'] !== null && s['released'] !== undefined) {
    const r = obj(s['released'], 'released');
    part.releasedTs = num(r['ts'], 'released.ts');
    part.releasedId = str(r['id'], 'released.id');
  }
  part.seq = int(s['seq'], 'seq');
  part.releasedCount = int(s['releasedCount'], 'releasedCount');
  const byKey = new Map(correlations.map((c, i) => [stateKey(c), i]));
  const rules = list(s['groups'], 'groups').map((g, i) => obj(g, `groups[${i}]`));
  const remap = new Map<number, number>();
  rules.forEach((g, old) => {
    const now = byKey.get(str(g['rule'], 'groups[].rule'));
    if (now !== undefined) remap.set(old, now);
  });
  list(s['lastCapAlert'], 'lastCapAlert').forEach((v, old) => {
    const now = remap.get(old);
    const at = bound(v, Number.NEGATIVE_INFINITY, 'lastCapAlert[]');
    if (now !== undefined) part.lastCapAlert[now] = at;
  });
  for (const raw of list(s['buffer'], 'buffer')) {
    const p = obj(raw, 'buffer[]');
    const pending: Pending = {
      ts: num(p['ts'], 'buffer[].ts'),
      id: str(p['id'], 'buffer[].id'),
      tenant: str(p['tenant'], 'buffer[].tenant'),
      feeds: [],
      idents: null,
    };
    const idents: (string[] | null)[] = [];
    for (const rf of list(p['feeds'], 'buffer[].feeds')) {
      const f = obj(rf, 'feed');
      const now = remap.get(int(f['c'], 'feed.c'));
      if (now === undefined) continue;
      const c = correlations[now]!;
      const ref = int(f['ref'], 'feed.ref', 0, c.refs.length - 1);
      const values = strs(f['groupValues'], 'feed.groupValues');
      if (values.length !== c.groupBy.length) fail('feed.groupValues does not match the rule');
      const scope = c.crossTenant ? '*' : pending.tenant;
      const key = scope + SEP + values.join(SEP);
      pending.feeds.push(now, ref, key, scalar(f['value'], 'feed.value'));
      idents.push(sameIdent(c, key, [scope, ...values]) ? null : [scope, ...values]);
    }
    if (idents.some((x) => x !== null)) pending.idents = idents;
    if (pending.feeds.length > 0) part.buffer.push(pending);
  }
  for (const raw of list(s['timers'], 'timers')) {
    const t = obj(raw, 'timers[]');
    const now = remap.get(int(t['c'], 'timer.c'));
    const kind = t['kind'];
    if (kind !== 'expiry' && kind !== 'deadline' && kind !== 'suppress_end') fail('timer.kind is unknown');
    const timer: Timer = {
      at: num(t['at'], 'timer.at'),
      seq: int(t['seq'], 'timer.seq'),
      c: now ?? -1,
      key: str(t['key'], 'timer.key'),
      kind: kind as TimerKind,
    };
    if (t['anchor'] !== undefined) timer.anchor = num(t['anchor'], 'timer.anchor');
    if (kind === 'deadline' && timer.anchor === undefined) fail('a deadline timer has no anchor');
    if (now !== undefined) part.timers.push(timer);
  }
  rules.forEach((g, old) => {
    const now = remap.get(old);
    if (now === undefined) return;
    const c = correlations[now]!;
    const groups = part.groups[now]!;
    for (const entry of list(g['entries'], 'groups[].entries')) {
      const [k, raw] = list(entry, 'group entry');
      const key = str(k, 'group key');
      groups.set(key, readGroup(c, key, obj(raw, `group ${key}`)));
    }
  });
  return part;
}

function sameIdent(c: CompiledCorrelation, key: string, ident: string[]): boolean {
  const derived = identOf(c, key, null);
  return derived.length === ident.length && derived.every((x, i) => x === ident[i]);
}

function readGroup(c: CompiledCorrelation, key: string, r: Json): Group {
  const g = new Group(c, num(r['latest'], 'group.latest'));
  const what = (f: string) => `group ${JSON.stringify(key)}: ${f}`;
  const ident = [str(r['tenant'], what('tenant')), ...strs(r['values'], what('values'))];
  if (ident.length !== c.groupBy.length + 1) fail(what('values do not match the rule'));
  g.ident = sameIdent(c, key, ident) ? null : ident;
  g.times = nums(r['times'], what('times'));
  g.head = int(r['head'], what('head'), 0, g.times.length);
  if (g.distinct) {
    for (const pair of list(r['distinct'], what('distinct'))) {
      const [v, n] = list(pair, what('distinct[]'));
      const t = new Tally(str(v, what('distinct value')));
      t.n = int(n, what('distinct count'), 1);
      g.distinct.set(t.key, t);
    }
  }
  if (g.vals) {
    const vals = list(r['vals'], what('vals'));
    if (vals.length !== g.times.length) fail(what('vals and times differ in length'));
    g.vals = vals.map((x) => {
      const v = scalar(x, what('vals[]')) ?? fail(what('vals[] is missing'));
      if (!g.distinct) return typeof v === 'number' ? v : fail(what('vals[] is not a number'));
      // an input already gone from the window needs no tally of its own
      return g.distinct.get(String(v)) ?? new Tally(String(v));
    });
  }
  g.sum = num(r['sum'], what('sum'));
  if (g.perRef) {
    const perRef = list(r['perRef'], what('perRef'));
    if (perRef.length !== c.refs.length) fail(what('perRef does not match the rule'));
    g.perRef = perRef.map((t) => nums(t, what('perRef[]')));
  }
  if (g.chain) {
    const chain = list(r['chain'], what('chain'));
    if (chain.length !== c.refs.length) fail(what('chain does not match the rule'));
    g.chain = chain.map((x) => bound(x, Number.NEGATIVE_INFINITY, what('chain[]')));
  }
  if (g.anchors) g.anchors = nums(r['anchors'], what('anchors'));
  g.recentIds = strs(r['recentIds'], what('recentIds'));
  g.recentTs = nums(r['recentTs'], what('recentTs'));
  if (g.recentIds.length !== g.recentTs.length || g.recentIds.length > MAX_EVIDENCE_IDS)
    fail(what('recentIds and recentTs do not match'));
  g.recentNext = int(r['recentNext'], what('recentNext'), 0, MAX_EVIDENCE_IDS - 1);
  g.suppressedUntil = bound(r['suppressedUntil'], Number.NEGATIVE_INFINITY, what('suppressedUntil'));
  g.expiryAt =
    r['expiryAt'] === null || r['expiryAt'] === undefined ? null : num(r['expiryAt'], what('expiryAt'));
  if (r['episode'] !== null && r['episode'] !== undefined) {
    const e = obj(r['episode'], what('episode'));
    const alert = readAlert(obj(e['alert'], what('episode.alert')), (f) => what(`episode.alert.${f}`));
    if (typeof e['dirty'] !== 'boolean') fail(what('episode.dirty'));
    g.episode = {
      alert,
      lastEmit: num(e['lastEmit'], what('episode.lastEmit')),
      lastSeen: null,
      dirty: e['dirty'],
      values:
        e['values'] === null || e['values'] === undefined
          ? null
          : new Set(strs(e['values'], what('episode.values'))),
    };
  }
  return g;
}

/** An open alert as the engine keeps it: the fields it updates and copies must have their types. */
function readAlert(a: Json, what: (f: string) => string): Alert {
  for (const f of ['id', 'tenant', 'window_start', 'window_end', 'first_seen', 'last_seen', 'detected_at'])
    str(a[f], what(f));
  int(a['event_count'], what('event_count'));
  if (a['revision'] !== undefined) int(a['revision'], what('revision'));
  if (a['distinct_count'] !== undefined) int(a['distinct_count'], what('distinct_count'));
  const rule = obj(a['rule'], what('rule'));
  strs(rule['tags'], what('rule.tags'));
  for (const v of Object.values(obj(a['group'], what('group')))) str(v, what('group value'));
  const evidence = obj(a['evidence'], what('evidence'));
  strs(evidence['event_ids'], what('evidence.event_ids'));
  strs(evidence['values'], what('evidence.values'));
  return cloneAlert(a as unknown as Alert);
}
