import { describe, expect, it } from 'vitest';
import {
  AnalystRegistry,
  atOrPast,
  clientMessageSchema,
  compileFilter,
  decodeCursor,
  encodeCursor,
  hashToken,
  maxPosition,
  requestToken,
  ScopeError,
  type StatusEvent,
  StatusStore,
  statusRequestSchema,
  transition,
} from './index.ts';

const parts = { a: 3, s: 2 };

describe('cursor', () => {
  it('round-trips and treats absent partitions as offset 0', () => {
    const p = { a: [18, 5, 0], s: [4, 0] };
    expect(encodeCursor(p)).toBe('a0:18,a1:5,a2:0,s0:4,s1:0');
    expect(decodeCursor(encodeCursor(p), parts)).toEqual(p);
    expect(decodeCursor('a1:7', parts)).toEqual({ a: [0, 7, 0], s: [0, 0] });
    expect(decodeCursor('', parts)).toEqual({ a: [0, 0, 0], s: [0, 0] });
  });
  it('refuses anything else', () => {
    for (const bad of ['x', 'a3:1', 'a0:-1', 'a0:1,', 'b0:1', 'a0:1;s0:2', 'a0:99999999999999999'])
      expect(decodeCursor(bad, parts)).toBeNull();
  });
  it('compares and merges positions partition by partition', () => {
    const a = { a: [5, 5, 5], s: [1, 1] };
    const b = { a: [5, 6, 5], s: [0, 1] };
    expect(atOrPast(a, a)).toBe(true);
    expect(atOrPast(a, b)).toBe(false);
    expect(maxPosition(a, b)).toEqual({ a: [5, 6, 5], s: [1, 1] });
  });
});

const meta = (
  o: Partial<{ tenant: string; severity: number; ruleId: string; tags: string[]; groupText: string }>,
) => ({
  id: 'x'.repeat(22),
  tenant: 'acme',
  severity: 3,
  ruleId: 'r1',
  tags: ['attack.t1046'],
  groupText: '203.0.113.9',
  ...o,
});

describe('filters', () => {
  it('never widen the scope: a tenant outside it is refused', () => {
    expect(() => compileFilter({ tenants: ['globex'] }, new Set(['acme']))).toThrow(ScopeError);
    const f = compileFilter({}, new Set(['acme']));
    expect(f.alert(meta({}))).toBe(true);
    expect(f.alert(meta({ tenant: 'globex' }))).toBe(false);
    expect(compileFilter({ tenants: ['globex'] }, '*').alert(meta({ tenant: 'globex' }))).toBe(true);
  });
  it('match severity, rules, tags and group text', () => {
    expect(compileFilter({ min_severity: 'critical' }, '*').alert(meta({}))).toBe(false);
    expect(compileFilter({ min_severity: 'high' }, '*').alert(meta({}))).toBe(true);
    expect(compileFilter({ rule_ids: ['r2'] }, '*').alert(meta({}))).toBe(false);
    expect(compileFilter({ tags: ['attack.t1046', 'x'] }, '*').alert(meta({}))).toBe(true);
    expect(compileFilter({ tags: ['x'] }, '*').alert(meta({}))).toBe(false);
    expect(compileFilter({ text: '113.9' }, '*').alert(meta({}))).toBe(true);
    expect(compileFilter({ text: 'NOPE' }, '*').alert(meta({}))).toBe(false);
  });
});

describe('analysts', () => {
  const yaml = `analysts:
  - id: alice
    token_sha256: ${hashToken('alice-token')}
    tenants: [acme]
    role: analyst
  - id: old
    token_sha256: ${hashToken('old-token')}
    tenants: "*"
    role: admin
    expires_at: 2020-01-01T00:00:00Z
`;
  const registry = AnalystRegistry.fromYaml(yaml);
  it('authenticates by hashed token, refusing unknown and expired ones', () => {
    const ok = registry.authenticate('alice-token');
    expect(ok.ok && ok.analyst.id).toBe('alice');
    expect(registry.authenticate('nope')).toEqual({ ok: false, reason: 'invalid' });
    expect(registry.authenticate(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(registry.authenticate('old-token')).toEqual({ ok: false, reason: 'expired' });
    expect(registry.authenticate('old-token', new Date('2019-06-01')).ok).toBe(true);
  });
  it('reads the token from the header or the subprotocol list', () => {
    expect(requestToken('Bearer abc', undefined)).toBe('abc');
    expect(requestToken(undefined, 'soc.v1, bearer.abc')).toBe('abc');
    expect(requestToken(undefined, 'soc.v1')).toBeUndefined();
  });
  it('refuses a bad file, naming the problem', () => {
    expect(() =>
      AnalystRegistry.fromYaml(
        'analysts:\n  - id: a\n    token_sha256: x\n    tenants: []\n    role: root\n',
      ),
    ).toThrow(/analysts file/);
  });
});

describe('protocol', () => {
  it('validates client messages', () => {
    expect(
      clientMessageSchema.safeParse({ type: 'subscribe', filter: { min_severity: 'high' } }).success,
    ).toBe(true);
    expect(clientMessageSchema.safeParse({ type: 'subscribe', last: 5000 }).success).toBe(false);
    expect(clientMessageSchema.safeParse({ type: 'subscribe', filter: { bogus: 1 } }).success).toBe(false);
    expect(clientMessageSchema.safeParse({ type: 'subscribe', v: 2 }).success).toBe(false);
    expect(clientMessageSchema.safeParse({ type: 'nope' }).success).toBe(false);
  });
});

function event(o: Partial<StatusEvent>): StatusEvent {
  return {
    event_id: `ev-${Math.random()}`,
    alert_id: 'a'.repeat(22),
    tenant: 'acme',
    version: 1,
    prev_version: 0,
    status: 'acknowledged',
    prev_status: 'open',
    assignee: null,
    action: 'acknowledge',
    reason: null,
    comment: null,
    actor: { id: 'alice', name: 'Alice' },
    at: '2026-11-29T10:00:00.000Z',
    ...o,
  };
}

describe('status', () => {
  it('allows the documented transitions and roles', () => {
    const alice = { id: 'alice', role: 'analyst' as const };
    const req = (o: object) => statusRequestSchema.parse({ version: 0, ...o });
    expect(
      transition({ status: 'open', assignee: null }, req({ action: 'acknowledge' }), alice),
    ).toMatchObject({ ok: true });
    expect(
      transition({ status: 'closed', assignee: null }, req({ action: 'acknowledge' }), alice),
    ).toMatchObject({ http: 422 });
    expect(
      transition({ status: 'open', assignee: null }, req({ action: 'assign', assignee: 'bob' }), alice),
    ).toMatchObject({ http: 403 });
    expect(transition({ status: 'closed', assignee: null }, req({ action: 'reopen' }), alice)).toMatchObject({
      http: 403,
    });
    expect(statusRequestSchema.safeParse({ action: 'close', version: 0 }).success).toBe(false);
  });
  it('folds in log order: the first change based on a version wins, the other is ignored', () => {
    const store = new StatusStore();
    expect(store.apply(event({}))).toBe(true);
    expect(store.apply(event({ status: 'assigned', assignee: 'x' }))).toBe(false); // same base version, lost
    expect(
      store.apply(event({ version: 2, prev_version: 1, status: 'closed', prev_status: 'acknowledged' })),
    ).toBe(true);
    expect(store.get('a'.repeat(22))).toMatchObject({ version: 2, status: 'closed' });
  });
  it('accepts an event further ahead (older ones compacted away) but never goes back', () => {
    const store = new StatusStore();
    store.seed('a'.repeat(22), { tenant: 'acme', version: 1, status: 'acknowledged', assignee: null });
    expect(store.apply(event({ version: 4, prev_version: 3, status: 'closed' }))).toBe(true);
    expect(store.apply(event({ version: 4, prev_version: 3 }))).toBe(false);
    expect(store.apply(event({ version: 2, prev_version: 1 }))).toBe(false);
  });
});
