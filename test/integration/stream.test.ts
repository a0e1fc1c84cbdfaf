// The live stream and triage API against the real Kafka broker and ClickHouse server, with
// the real sink and fan-out as processes: tokens, tenant isolation (stream, filters,
// history, status events), filters changed on the fly, resume after a client drop and after
// a fan-out restart (from the ring and from Kafka) with no gap and no duplicate, a slow
// client that does not delay a fast one, and optimistic concurrency on status changes.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  freePort,
  REPO_ROOT,
  type RunningService,
  startService,
  startServices,
  stopServices,
  waitReady,
  writeAnalystsFile,
} from '@soc/devkit';
import { type Alert, type Severity, stableId, topicNames } from '@soc/schema';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../harness/pipeline.ts';

const id = `st${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const logDir = join(REPO_ROOT, 'test-results', 'logs', id);
const topics = topicNames(id);
const TOKENS = {
  acme: 'acme-analyst-token',
  globex: 'globex-analyst-token',
  admin: 'admin-token',
  expired: 'expired-token',
};

let env: Record<string, string>;
let services: Record<string, RunningService>;
let fanoutUrl: string;
let producer: Producer;
let seq = 0;

function makeAlert(
  tenant: string,
  o: { severity?: Severity; rule?: string; tags?: string[]; ip?: string; pad?: number } = {},
): Alert {
  const n = seq++;
  const now = new Date().toISOString();
  return {
    id: stableId(id, tenant, String(n)),
    tenant,
    rule: {
      id: o.rule ?? 'rule-scan',
      name: `Rule ${o.rule ?? 'rule-scan'}`,
      version: 'v1',
      severity: o.severity ?? 'high',
      tags: o.tags ?? ['attack.discovery'],
    },
    group: { 'source.ip': o.ip ?? `203.0.113.${n % 250}` },
    window_start: now,
    window_end: now,
    first_seen: now,
    last_seen: now,
    detected_at: now,
    event_count: 1,
    evidence: {
      event_ids: [`e${n}`],
      values: o.pad ? Array.from({ length: 100 }, () => 'x'.repeat(o.pad!)) : [],
    },
    status: 'open',
  };
}

async function produce(alerts: Alert[]): Promise<void> {
  await producer.send({
    topic: topics.alerts,
    acks: -1,
    messages: alerts.map((a) => ({ key: a.id, value: JSON.stringify(a) })),
  });
}

interface Frame {
  type: string;
  cursor?: string;
  alert?: Alert;
  event?: { alert_id: string; tenant: string; version: number; status: string };
  state?: { status: string; version: number };
  code?: string;
  reason?: string;
  [k: string]: unknown;
}

class Client {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d) => this.frames.push(JSON.parse(String(d)) as Frame));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
  }
  static async open(token: string, via: 'header' | 'protocol' = 'header', url = fanoutUrl): Promise<Client> {
    const target = `${url.replace('http', 'ws')}/v1/stream`;
    const ws =
      via === 'header'
        ? new WebSocket(target, { headers: { authorization: `Bearer ${token}` } })
        : new WebSocket(target, ['soc.v1', `bearer.${token}`]);
    const c = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await c.waitFor('hello', (f) => f.type === 'hello');
    return c;
  }
  send(msg: unknown) {
    this.ws.send(JSON.stringify(msg));
  }
  async subscribe(msg: Record<string, unknown> = {}): Promise<Frame> {
    const before = this.frames.length;
    this.send({ type: 'subscribe', ...msg });
    return waitFor('subscribed', () =>
      this.frames.slice(before).find((f) => f.type === 'subscribed' || f.type === 'error'),
    );
  }
  waitFor(what: string, pred: (f: Frame) => boolean, timeoutMs = 20_000): Promise<Frame> {
    return waitFor(what, () => this.frames.find(pred), timeoutMs);
  }
  alertIds(): string[] {
    return this.frames.filter((f) => f.type === 'alert').map((f) => f.alert!.id);
  }
  lastCursor(): string {
    return this.frames.filter((f) => typeof f.cursor === 'string').at(-1)!.cursor!;
  }
  close() {
    this.ws.close();
  }
}

async function refusal(token: string | undefined, via: 'header' | 'protocol' = 'header'): Promise<number> {
  const target = `${fanoutUrl.replace('http', 'ws')}/v1/stream`;
  const ws =
    token === undefined
      ? new WebSocket(target)
      : via === 'header'
        ? new WebSocket(target, { headers: { authorization: `Bearer ${token}` } })
        : new WebSocket(target, ['soc.v1', `bearer.${token}`]);
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => {});
  });
}

async function api(token: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${fanoutUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function startFanout(extra: Record<string, string> = {}, port?: number): Promise<RunningService> {
  const s = await startService('fanout', port ?? (await freePort()), {
    env: { ...env, ...extra },
    logDir: join(logDir, `fanout-${Date.now()}`),
  });
  await waitReady(s, 60_000);
  return s;
}

beforeAll(async () => {
  env = {
    KAFKA_BROKERS: inject('kafkaBrokers'),
    CLICKHOUSE_URL: inject('clickhouseUrl'),
    SOC_TOPIC_NAMESPACE: id,
    CLICKHOUSE_DATABASE: id,
    SINK_GROUP_ID: `${id}-sink`,
    FANOUT_GROUP_ID: `${id}-fanout`,
    FANOUT_HEARTBEAT_SECONDS: '2',
    FANOUT_ANALYSTS_FILE: writeAnalystsFile(logDir, [
      { id: 'acme-analyst', token: TOKENS.acme, tenants: ['acme'], role: 'analyst' },
      { id: 'globex-analyst', token: TOKENS.globex, tenants: ['globex'], role: 'analyst' },
      { id: 'admin', token: TOKENS.admin, tenants: '*', role: 'admin' },
      {
        id: 'gone',
        token: TOKENS.expired,
        tenants: '*',
        role: 'admin',
        expires_at: '2020-01-01T00:00:00Z',
      },
    ]),
    LOG_LEVEL: 'info',
  };
  services = await startServices({ env, services: ['sink', 'fanout'], logDir });
  fanoutUrl = services['fanout']!.url;
  const kafka = new Kafka({ brokers: env['KAFKA_BROKERS']!.split(','), logLevel: logLevel.NOTHING });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  if (services) await stopServices(Object.values(services));
  await fetch(`${inject('clickhouseUrl')}/`, { method: 'POST', body: `DROP DATABASE IF EXISTS ${id}` }).catch(
    () => {},
  );
});

describe('stream authentication', () => {
  it('refuses a missing, unknown or expired token and accepts a valid one by header or subprotocol', async () => {
    expect(await refusal(undefined)).toBe(401);
    expect(await refusal('not-a-token')).toBe(401);
    expect(await refusal(TOKENS.expired)).toBe(401);
    expect(await refusal('not-a-token', 'protocol')).toBe(401);
    expect(await refusal(TOKENS.acme, 'protocol')).toBe(101);
    const c = await Client.open(TOKENS.acme, 'protocol');
    expect(c.ws.protocol).toBe('soc.v1');
    expect(c.frames[0]).toMatchObject({
      type: 'hello',
      version: 1,
      tenants: ['acme'],
      analyst: { id: 'acme-analyst' },
    });
    c.close();
    expect((await api('nope', '/v1/me')).status).toBe(401);
    expect((await api(TOKENS.expired, '/v1/alerts')).status).toBe(401);
    expect((await api(TOKENS.acme, '/v1/me')).body).toMatchObject({ id: 'acme-analyst', tenants: ['acme'] });
  });
});

describe('isolation, filters and triage', () => {
  it('never shows one tenant another tenant’s alerts or status changes, filters on the server, and refuses stale changes', async () => {
    const acme = await Client.open(TOKENS.acme);
    const globex = await Client.open(TOKENS.globex);
    const admin = await Client.open(TOKENS.admin);
    const highOnly = await Client.open(TOKENS.acme);
    const byRule = await Client.open(TOKENS.admin);
    const byTag = await Client.open(TOKENS.admin);
    expect(await acme.subscribe({ filter: { tenants: ['globex'] } })).toMatchObject({
      type: 'error',
      code: 'forbidden_tenant',
    });
    expect(await acme.subscribe()).toMatchObject({ type: 'subscribed', tenants: ['acme'] });
    await globex.subscribe();
    await admin.subscribe();
    await highOnly.subscribe({ filter: { min_severity: 'high' } });
    await byRule.subscribe({ filter: { rule_ids: ['rule-b'] } });
    await byTag.subscribe({ filter: { tags: ['attack.t1046'] } });

    const a1 = makeAlert('acme', { severity: 'high', tags: ['attack.t1046'], ip: '203.0.113.5' });
    const g1 = makeAlert('globex', { severity: 'critical', tags: ['attack.t1046'] });
    const a2 = makeAlert('acme', { severity: 'low', rule: 'rule-b', ip: '198.51.100.7' });
    await produce([a1, g1, a2]);
    await admin.waitFor('3 alerts', () => admin.alertIds().length >= 3);
    await acme.waitFor('2 alerts', () => acme.alertIds().length >= 2);
    await globex.waitFor('1 alert', () => globex.alertIds().length >= 1);
    expect(new Set(admin.alertIds())).toEqual(new Set([a1.id, g1.id, a2.id]));
    expect(new Set(acme.alertIds())).toEqual(new Set([a1.id, a2.id]));
    expect(globex.alertIds()).toEqual([g1.id]);
    await highOnly.waitFor('a1', (f) => f.alert?.id === a1.id);
    await byRule.waitFor('a2', (f) => f.alert?.id === a2.id);
    await byTag.waitFor('g1', (f) => f.alert?.id === g1.id);

    // change the filter without reconnecting: group-value text
    expect(await highOnly.subscribe({ filter: { text: '198.51.100' } })).toMatchObject({
      type: 'subscribed',
    });
    const a3 = makeAlert('acme', { severity: 'low', ip: '198.51.100.8' });
    const a4 = makeAlert('acme', { severity: 'critical', ip: '192.0.2.1' });
    await produce([a3, a4]);
    await admin.waitFor('a4', (f) => f.alert?.id === a4.id);
    await highOnly.waitFor('a3', (f) => f.alert?.id === a3.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(highOnly.alertIds()).toEqual([a1.id, a3.id]);
    expect(byRule.alertIds()).toEqual([a2.id]);
    expect(new Set(byTag.alertIds())).toEqual(new Set([a1.id, g1.id]));

    // triage: acknowledge, then two concurrent assignments based on the same version
    const ack = await api(TOKENS.acme, `/v1/alerts/${a1.id}/status`, {
      method: 'POST',
      body: JSON.stringify({ action: 'acknowledge', version: 0 }),
    });
    expect(ack).toMatchObject({ status: 200, body: { state: { status: 'acknowledged', version: 1 } } });
    const stale = await api(TOKENS.acme, `/v1/alerts/${a1.id}/status`, {
      method: 'POST',
      body: JSON.stringify({ action: 'acknowledge', version: 0 }),
    });
    expect(stale).toMatchObject({ status: 409, body: { current: { version: 1 } } });
    const race = await Promise.all(
      ['acme', 'admin'].map((who) =>
        api(who === 'acme' ? TOKENS.acme : TOKENS.admin, `/v1/alerts/${a1.id}/status`, {
          method: 'POST',
          body: JSON.stringify({ action: 'assign', version: 1 }),
        }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([200, 409]);
    const close = await api(TOKENS.acme, `/v1/alerts/${a1.id}/status`, {
      method: 'POST',
      body: JSON.stringify({ action: 'close', version: 2, reason: 'false_positive', comment: 'lab scanner' }),
    });
    expect(close).toMatchObject({ status: 200, body: { state: { status: 'closed', version: 3 } } });
    expect(
      (
        await api(TOKENS.acme, `/v1/alerts/${a1.id}/status`, {
          method: 'POST',
          body: JSON.stringify({ action: 'reopen', version: 3 }),
        })
      ).status,
    ).toBe(403);
    // other tenant's alert: not found, whatever the method
    expect(
      (
        await api(TOKENS.acme, `/v1/alerts/${g1.id}/status`, {
          method: 'POST',
          body: JSON.stringify({ action: 'acknowledge', version: 0 }),
        })
      ).status,
    ).toBe(404);
    expect((await api(TOKENS.acme, `/v1/alerts/${g1.id}`)).status).toBe(404);
    expect((await api(TOKENS.acme, '/v1/alerts?tenant=globex')).status).toBe(403);
    expect((await api(TOKENS.acme, "/v1/alerts?q=x'%20OR%201=1")).status).toBe(200);
    expect((await api(TOKENS.acme, '/v1/alerts?limit=0')).status).toBe(400);

    // status events reach those who see the alert, live
    await acme.waitFor('closed', (f) => f.type === 'status' && f.event?.version === 3);
    await admin.waitFor('closed', (f) => f.type === 'status' && f.event?.version === 3);
    expect(acme.frames.filter((f) => f.type === 'status').map((f) => f.event!.status)).toEqual([
      'acknowledged',
      'assigned',
      'closed',
    ]);

    // history from ClickHouse
    const detail = await api(TOKENS.acme, `/v1/alerts/${a1.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body['state']).toMatchObject({ status: 'closed', version: 3 });
    expect(
      (detail.body['history'] as { version: number; status: string; reason: string | null }[]).map((h) => [
        h.version,
        h.status,
      ]),
    ).toEqual([
      [1, 'acknowledged'],
      [2, 'assigned'],
      [3, 'closed'],
    ]);
    const list = await waitFor('alerts in ClickHouse', async () => {
      const r = await api(TOKENS.acme, '/v1/alerts?limit=2');
      return (r.body['alerts'] as unknown[] | undefined)?.length === 2 && r.body['next_cursor']
        ? r
        : undefined;
    });
    const page2 = await api(TOKENS.acme, `/v1/alerts?limit=2&cursor=${list.body['next_cursor']}`);
    const ids = [
      ...(list.body['alerts'] as { alert: Alert }[]),
      ...(page2.body['alerts'] as { alert: Alert }[]),
    ].map((r) => r.alert.id);
    expect(new Set(ids)).toEqual(new Set([a1.id, a2.id, a3.id, a4.id]));
    const closed = await api(TOKENS.acme, '/v1/alerts?status=closed');
    expect(
      (closed.body['alerts'] as { alert: Alert; state: { status: string } }[]).map((r) => [
        r.alert.id,
        r.state.status,
      ]),
    ).toEqual([[a1.id, 'closed']]);
    const all = await api(TOKENS.admin, '/v1/alerts?min_severity=critical');
    expect((all.body['alerts'] as { alert: Alert }[]).map((r) => r.alert.id).sort()).toEqual(
      [g1.id, a4.id].sort(),
    );

    // nothing of acme ever reached globex, and nothing of globex reached acme
    for (const f of globex.frames) {
      if (f.alert) expect(f.alert.tenant).toBe('globex');
      if (f.event) expect(f.event.tenant).toBe('globex');
    }
    for (const f of acme.frames) {
      if (f.alert) expect(f.alert.tenant).toBe('acme');
      if (f.event) expect(f.event.tenant).toBe('acme');
    }
    for (const c of [acme, globex, admin, highOnly, byRule, byTag]) c.close();
  });
});

describe('resume', () => {
  it('replays exactly what a dropped client missed, and the last N for a new one', async () => {
    const c = await Client.open(TOKENS.admin);
    await c.subscribe({ filter: { tenants: ['resume'] } });
    const first = Array.from({ length: 5 }, () => makeAlert('resume'));
    await produce(first);
    await c.waitFor('5 alerts', () => c.alertIds().length === 5);
    const cursor = c.lastCursor();
    c.close();
    const missed = Array.from({ length: 7 }, () => makeAlert('resume'));
    await produce(missed);
    await produce([makeAlert('elsewhere')]);
    const back = await Client.open(TOKENS.admin);
    await back.subscribe({ filter: { tenants: ['resume'] }, cursor });
    await back.waitFor('live', (f) => f.type === 'live');
    expect(new Set(back.alertIds())).toEqual(new Set(missed.map((a) => a.id)));
    expect(back.alertIds()).toHaveLength(7);
    const later = makeAlert('resume');
    await produce([later]);
    await back.waitFor('later', (f) => f.alert?.id === later.id);
    expect(back.alertIds()).toHaveLength(8);

    const fresh = await Client.open(TOKENS.admin);
    await fresh.subscribe({ filter: { tenants: ['resume'] }, last: 3 });
    await fresh.waitFor('live', (f) => f.type === 'live');
    expect(fresh.frames.find((f) => f.type === 'live')).toMatchObject({ replayed: 3 });
    // oldest first; alerts of one produce call share a timestamp, so only `later` is known to be last
    expect(fresh.alertIds()).toHaveLength(3);
    expect(fresh.alertIds()[2]).toBe(later.id);
    for (const a of fresh.alertIds().slice(0, 2)) expect(missed.map((m) => m.id)).toContain(a);
    back.close();
    fresh.close();
  });

  it('resumes across a fan-out restart, from Kafka beyond the ring, with no gap and no duplicate', async () => {
    const c = await Client.open(TOKENS.admin);
    await c.subscribe({ filter: { tenants: ['restart'] } });
    const before = Array.from({ length: 4 }, () => makeAlert('restart'));
    await produce(before);
    await c.waitFor('4 alerts', () => c.alertIds().length === 4);
    const cursor = c.lastCursor();
    c.close();
    const fanout = services['fanout']!;
    await stopServices([fanout]);
    const missed = Array.from({ length: 40 }, () => makeAlert('restart'));
    for (let i = 0; i < missed.length; i += 10) await produce(missed.slice(i, i + 10));
    // a ring of 2 per partition: most of the missed alerts must come back from Kafka
    services['fanout'] = await startFanout({ FANOUT_RING_PER_PARTITION: '2' }, fanout.port);
    const back = await Client.open(TOKENS.admin);
    await back.subscribe({ filter: { tenants: ['restart'] }, cursor });
    await back.waitFor('live', (f) => f.type === 'live');
    expect(back.alertIds()).toHaveLength(40);
    expect(new Set(back.alertIds())).toEqual(new Set(missed.map((a) => a.id)));
    const metrics = await (await fetch(`${fanoutUrl}/metrics`)).text();
    expect(metrics).toMatch(/soc_fanout_replayed_total\{source="kafka"[^}]*\} [1-9]/);
    // the status of a1 etc. survived the restart (from the compacted topic and ClickHouse)
    const after = makeAlert('restart');
    await produce([after]);
    await back.waitFor('after', (f) => f.alert?.id === after.id);
    expect(back.alertIds()).toHaveLength(41);
    back.close();
  });
});

describe('slow clients', () => {
  it('a client that stops reading neither delays a fast one nor grows memory; it gets a gap and resync, or 4008', async () => {
    // a second instance with a small per-client buffer; it also shows that instances do not
    // share partitions: both deliver every alert
    const second = await startFanout({ FANOUT_MAX_BUFFERED_BYTES: '65536', FANOUT_SLOW_CLIENT_SECONDS: '4' });
    try {
      const fast = await Client.open(TOKENS.admin, 'header', second.url);
      const slow = await Client.open(TOKENS.admin, 'header', second.url);
      const other = await Client.open(TOKENS.admin, 'header', fanoutUrl);
      for (const c of [fast, slow, other]) await c.subscribe({ filter: { tenants: ['slow'] } });
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const latencies: number[] = [];
      fast.ws.on('message', (d) => {
        const f = JSON.parse(String(d)) as Frame;
        if (f.alert) latencies.push(Date.now() - Date.parse(f.alert.detected_at));
      });
      const total = 1500;
      for (let i = 0; i < total; i += 50) {
        await produce(Array.from({ length: 50 }, () => makeAlert('slow', { pad: 100 })));
        await new Promise((r) => setTimeout(r, 20));
      }
      await fast.waitFor('all', () => fast.alertIds().length === total, 30_000);
      await other.waitFor('all', () => other.alertIds().length === total, 30_000);
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
      expect(p99).toBeLessThan(1000);
      expect(new Set(fast.alertIds()).size).toBe(total);
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      await waitFor(
        'the slow client to be resynced or closed',
        () => (slow.closed || slow.frames.some((f) => f.type === 'gap') ? true : undefined),
        30_000,
      );
      // the server really found it behind: a gap notice (resync) or a 4008 close
      const m = await (await fetch(`${second.url}/metrics`)).text();
      expect(m).toMatch(/soc_fanout_(gaps_total\{reason="slow_client"|slow_client_closes_total)[^\n]* [1-9]/);
      console.log(
        `slow client: ${slow.closed ? `closed ${slow.closed.code}` : 'resynced'}; fast client p99 ${p99} ms`,
      );
      if (slow.closed) expect(slow.closed.code).toBe(4008);
      else {
        await slow.waitFor('back live', (f) => f.type === 'live' && slow.frames.indexOf(f) > 1, 30_000);
        await waitFor('all alerts on the slow client', () =>
          slow.alertIds().length >= total ? true : undefined,
        );
        expect(slow.alertIds()).toHaveLength(total);
        expect(new Set(slow.alertIds()).size).toBe(total);
      }
      for (const c of [fast, slow, other]) c.close();
    } finally {
      await stopServices([second]);
    }
  });
});
