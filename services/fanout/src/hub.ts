// The live stream (protocol v1, docs/stream.md). Every message read from the alerts and
// status topics goes through `publish`: it is kept in its partition's ring, the stream
// position moves, the frame is serialised once (one Buffer) and written to every live
// client whose subscription matches. Clients that resume from a cursor, ask for the last N
// alerts, or fell behind are brought up to the current position by `resync` — from the rings,
// and from Kafka (RangeSource) for what is older — and then join the live set; the switch to
// live happens in the same synchronous step that finds nothing left to replay, so no frame
// is lost or sent twice.

import {
  type AlertState,
  type Analyst,
  atOrPast,
  CLOSE,
  type CompiledFilter,
  clientMessageSchema,
  compileFilter,
  copyPosition,
  decodeCursor,
  encodeCursor,
  inScope,
  isExpired,
  type Position,
  PROTOCOL_VERSION,
  ScopeError,
  type SubscribeMessage,
  scopeJson,
  stateJson,
  TOPIC_KEYS,
  type TopicKey,
} from '@soc/stream';
import type { Logger } from '@soc/telemetry';
import type { WebSocket } from 'ws';
import { type Entry, PartitionRing } from './ring.ts';

export interface RangeSource {
  /** the valid messages of [from, to) of one partition, oldest first */
  read(kind: TopicKey, partition: number, from: number, to: number): Promise<Entry[]>;
}

export interface HubMetrics {
  clients: { inc(): void; dec(): void };
  gaps: { inc(labels: { reason: string }): void };
  slowCloses: { inc(): void };
  replayed: { inc(labels: { source: string }, n: number): void };
}

export interface HubOptions {
  partitions: { a: number; s: number };
  /** where each partition's ring starts (the first offset the hub will read) */
  start: Position;
  ringPerPartition: number;
  /** unsent bytes above which a client stops getting live frames and is resynced later */
  maxBufferedBytes: number;
  /** a client behind for longer than this is closed (4008) */
  slowClientMs: number;
  heartbeatMs: number;
  /** most messages one resync reads from Kafka; beyond that the client gets a gap */
  replayMax: number;
  /** how long a published frame may wait to be written together with the next ones */
  lingerMs: number;
  states(alertId: string): AlertState | undefined;
  range: RangeSource;
  logger: Logger;
  metrics: HubMetrics;
}

type Mode = 'idle' | 'replaying' | 'live' | 'lagging' | 'closed';

class Client {
  readonly ws: WebSocket;
  readonly analyst: Analyst;
  filter: CompiledFilter | undefined;
  mode: Mode = 'idle';
  subscribed = false;
  alive = true;
  invalid = 0;
  lagFrom: Position | undefined;
  lagSince = 0;
  resyncs: number[] = [];
  get closed(): boolean {
    return this.mode === 'closed';
  }
  readonly socket: import('node:net').Socket | undefined;
  constructor(ws: WebSocket, analyst: Analyst) {
    this.ws = ws;
    this.analyst = analyst;
    this.socket = rawSocket(ws);
  }
}

const SEND_OPTS = { binary: false } as const;

/**
 * A complete unmasked WebSocket text frame (FIN, opcode 1, length, payload), built once per
 * message and written as it is to every client's socket: framing costs nothing per client.
 */
export function textFrame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const n = body.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  body.copy(frame, head);
  return frame;
}

/** The TCP socket under a ws connection (ws keeps it in `_socket`; no compression, so writes stay in order). */
function rawSocket(ws: WebSocket): import('node:net').Socket | undefined {
  return (ws as unknown as { _socket?: import('node:net').Socket })._socket;
}

export class Hub {
  private readonly options: HubOptions;
  readonly rings: Record<TopicKey, PartitionRing[]>;
  /** alert id → its newest ring entry, for the triage API */
  private readonly alertIndex = new Map<string, Entry>();
  private readonly clients = new Set<Client>();
  private readonly live = new Set<Client>();
  private readonly lagging = new Set<Client>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** the stream position after the last message published (replaced, never mutated) */
  pos: Position;
  cursor: string;
  /** frames written to sockets (one per client per frame) */
  delivered = 0;
  private pending: { frame: Buffer; entry: Entry; before: Position }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(options: HubOptions) {
    this.options = options;
    const ring = (k: TopicKey, p: number) =>
      new PartitionRing(options.start[k][p] ?? 0, options.ringPerPartition, (e) => {
        if (e.kind === 'a' && e.meta && this.alertIndex.get(e.meta.id) === e)
          this.alertIndex.delete(e.meta.id);
      });
    this.rings = {
      a: Array.from({ length: options.partitions.a }, (_, p) => ring('a', p)),
      s: Array.from({ length: options.partitions.s }, (_, p) => ring('s', p)),
    };
    this.pos = copyPosition(options.start);
    this.cursor = encodeCursor(this.pos);
    const heartbeat = setInterval(() => this.heartbeat(), options.heartbeatMs);
    const laggards = setInterval(() => this.checkLagging(), 100);
    heartbeat.unref();
    laggards.unref();
    this.timers.push(heartbeat, laggards);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** the newest copy of an alert still in memory */
  recentAlert(id: string): Entry | undefined {
    return this.alertIndex.get(id);
  }

  // ---------------------------------------------------------------- intake (Kafka → hub)

  /**
   * A valid message read live from Kafka: ring, position, frame. Frames are written to the
   * live clients by `flush`, after at most lingerMs: all the frames of that window go to a
   * client in one socket write (the same concatenated Buffer for every client that matches
   * them all), so the cost per client is one write per window, not one per alert.
   */
  publish(entry: Entry): void {
    const before = this.pos;
    this.advance(entry.kind, entry.partition, entry.offset);
    this.rings[entry.kind][entry.partition]!.add(entry);
    if (entry.kind === 'a') this.alertIndex.set(entry.meta!.id, entry);
    else if (!entry.applied) return;
    if (this.live.size === 0) return;
    const frame =
      entry.kind === 'a'
        ? textFrame(
            `{"type":"alert","cursor":"${this.cursor}","state":${stateJson(this.options.states(entry.meta!.id))},"alert":${entry.raw}}`,
          )
        : textFrame(`{"type":"status","cursor":"${this.cursor}","event":${entry.raw}}`);
    this.pending.push({ frame, entry, before });
    this.flushTimer ??= setTimeout(() => this.flush(), this.options.lingerMs);
  }

  /** Writes the pending frames to the live clients (also called before any frame that carries a cursor). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let all: Buffer | undefined;
    const picked: number[] = [];
    for (const c of this.live) {
      picked.length = 0;
      for (let i = 0; i < batch.length; i++) {
        const e = batch[i]!.entry;
        if (e.kind === 'a' ? c.filter!.alert(e.meta!) : this.seesStatus(c, e.status!.tenant)) picked.push(i);
      }
      if (picked.length === 0) continue;
      if (c.ws.bufferedAmount > this.options.maxBufferedBytes) {
        this.lag(c, batch[picked[0]!]!.before);
        continue;
      }
      if (picked.length === batch.length) {
        all ??= batch.length === 1 ? batch[0]!.frame : Buffer.concat(batch.map((b) => b.frame));
        this.write(c, all);
      } else if (picked.length === 1) this.write(c, batch[picked[0]!]!.frame);
      else this.write(c, Buffer.concat(picked.map((i) => batch[i]!.frame)));
      this.delivered += picked.length;
    }
  }

  private seesStatus(c: Client, tenant: string): boolean {
    return inScope(c.analyst.tenants, tenant) && c.filter!.tenant(tenant);
  }

  /** A message that is not delivered (not JSON, fails its schema): only the position moves. */
  skip(kind: TopicKey, partition: number, offset: number): void {
    this.advance(kind, partition, offset);
    this.rings[kind][partition]!.skip(offset);
  }

  private advance(kind: TopicKey, partition: number, offset: number): void {
    const next = copyPosition(this.pos);
    next[kind][partition] = offset + 1;
    this.pos = next;
    this.cursor = encodeCursor(next);
  }

  private lag(c: Client, before: Position): void {
    this.live.delete(c);
    c.mode = 'lagging';
    c.lagFrom = before;
    c.lagSince = Date.now();
    this.lagging.add(c);
  }

  /** writes a prepared frame (textFrame) to a client */
  private write(c: Client, frame: Buffer): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    const socket = c.socket;
    if (socket) socket.write(frame);
    else c.ws.send(frame.subarray(frame[1] === 126 ? 4 : frame[1] === 127 ? 10 : 2), SEND_OPTS);
  }

  // ---------------------------------------------------------------- connections

  accept(ws: WebSocket, analyst: Analyst): void {
    const c = new Client(ws, analyst);
    this.clients.add(c);
    this.options.metrics.clients.inc();
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('close', () => this.drop(c));
    ws.on('error', (err) => this.options.logger.debug({ err }, 'client socket error'));
    ws.on('message', (data, isBinary) => this.onClientMessage(c, isBinary ? null : String(data)));
    this.sendJson(c, {
      type: 'hello',
      version: PROTOCOL_VERSION,
      analyst: { id: analyst.id, name: analyst.name, role: analyst.role },
      tenants: scopeJson(analyst.tenants),
      cursor: this.cursor,
      heartbeat_ms: this.options.heartbeatMs,
    });
  }

  private drop(c: Client): void {
    if (c.mode === 'closed') return;
    c.mode = 'closed';
    this.clients.delete(c);
    this.live.delete(c);
    this.lagging.delete(c);
    this.options.metrics.clients.dec();
  }

  private close(c: Client, code: number, reason: string): void {
    this.drop(c);
    c.ws.close(code, reason);
  }

  private sendJson(c: Client, msg: unknown): void {
    // frames already published go first, so a cursor in this message is never ahead of them
    this.flush();
    if (c.mode !== 'closed') c.ws.send(JSON.stringify(msg));
  }

  private error(c: Client, code: string, message: string): void {
    this.sendJson(c, { type: 'error', code, message });
  }

  private onClientMessage(c: Client, text: string | null): void {
    let parsed: unknown;
    try {
      parsed = text === null ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const msg = clientMessageSchema.safeParse(parsed);
    if (!msg.success) {
      if (++c.invalid > 20) {
        this.close(c, CLOSE.protocolError, 'too many invalid messages');
        return;
      }
      const issue = msg.error.issues[0];
      this.error(
        c,
        'invalid_message',
        issue ? `${issue.path.join('.') || '(message)'}: ${issue.message}` : 'not a JSON message',
      );
      return;
    }
    if (msg.data.type === 'ping') {
      this.sendJson(c, { type: 'pong', ...(msg.data.id ? { id: msg.data.id } : {}), cursor: this.cursor });
      return;
    }
    this.subscribe(c, msg.data);
  }

  private subscribe(c: Client, msg: SubscribeMessage): void {
    let filter: CompiledFilter;
    try {
      filter = compileFilter(msg.filter ?? {}, c.analyst.tenants);
    } catch (err) {
      if (!(err instanceof ScopeError)) throw err;
      this.error(c, 'forbidden_tenant', err.message);
      return;
    }
    let from: Position | undefined;
    if (msg.cursor !== undefined) {
      const decoded = decodeCursor(msg.cursor, this.options.partitions);
      if (c.subscribed || !decoded) {
        if (c.subscribed)
          this.error(c, 'cursor_on_resubscribe', 'a cursor is accepted on the first subscribe only');
        else this.error(c, 'invalid_cursor', 'not a cursor of this stream');
        return;
      }
      from = decoded;
    }
    c.filter = filter;
    this.sendJson(c, { type: 'subscribed', filter: filter.filter, tenants: scopeJson(filter.tenants) });
    const first = !c.subscribed;
    c.subscribed = true;
    if (!first) {
      if (msg.last) this.sendLast(c, msg.last);
      return;
    }
    if (from) {
      void this.resync(c, from, null);
      return;
    }
    const n = msg.last ? this.sendLast(c, msg.last) : 0;
    this.goLive(c, n);
  }

  private goLive(c: Client, replayed: number): void {
    if (c.mode === 'closed') return;
    c.mode = 'live';
    this.sendJson(c, { type: 'live', cursor: this.cursor, replayed });
    this.live.add(c);
  }

  /** The newest `n` alerts in memory that match, oldest first, marked replay, at the current cursor. */
  private sendLast(c: Client, n: number): number {
    const iters = this.rings.a.map((r) => r.newestFirst());
    const heads = iters.map((it) => it.next().value as Entry | undefined);
    const picked: Entry[] = [];
    while (picked.length < n) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h && (best < 0 || h.ts > heads[best]!.ts)) best = i;
      }
      if (best < 0) break;
      const e = heads[best]!;
      heads[best] = iters[best]!.next().value as Entry | undefined;
      if (c.filter!.alert(e.meta!)) picked.push(e);
    }
    for (let i = picked.length - 1; i >= 0; i--) this.sendEntry(c, picked[i]!, this.cursor);
    return picked.length;
  }

  private sendEntry(c: Client, e: Entry, cursor: string): boolean {
    if (e.kind === 'a') {
      if (!c.filter!.alert(e.meta!)) return false;
      c.ws.send(
        `{"type":"alert","cursor":"${cursor}","state":${stateJson(this.options.states(e.meta!.id))},"alert":${e.raw},"replay":true}`,
      );
      return true;
    }
    const t = e.status!.tenant;
    if (e.applied === false || !inScope(c.analyst.tenants, t) || !c.filter!.tenant(t)) return false;
    c.ws.send(`{"type":"status","cursor":"${cursor}","event":${e.raw},"replay":true}`);
    return true;
  }

  // ---------------------------------------------------------------- resync

  /**
   * Brings a client from `from` to the current position: what the rings still hold comes
   * from memory, older ranges from Kafka; then the client joins the live set in the same
   * synchronous step that found nothing left, so nothing is missed or sent twice.
   */
  private async resync(c: Client, from: Position, reason: 'slow_client' | null): Promise<void> {
    c.mode = 'replaying';
    const now = Date.now();
    c.resyncs = c.resyncs.filter((t) => now - t < 60_000);
    c.resyncs.push(now);
    if (reason) {
      if (c.resyncs.length > 3) {
        this.options.metrics.slowCloses.inc();
        return this.close(c, CLOSE.tooSlow, 'client too slow');
      }
      this.options.metrics.gaps.inc({ reason });
      this.sendJson(c, { type: 'gap', reason, from: encodeCursor(from) });
    }
    const cur = copyPosition(from);
    // a cursor ahead of this instance (another cluster, a topic recreated) starts from here
    for (const k of TOPIC_KEYS)
      for (let p = 0; p < cur[k].length; p++) if (cur[k][p]! > this.pos[k][p]!) cur[k][p] = this.pos[k][p]!;
    let replayed = 0;
    try {
      for (;;) {
        if (c.closed) return;
        const target = this.pos;
        if (atOrPast(cur, target)) return this.goLive(c, replayed);
        const fromKafka: { k: TopicKey; p: number; from: number; to: number }[] = [];
        for (const k of TOPIC_KEYS)
          for (let p = 0; p < target[k].length; p++) {
            const f = cur[k][p]!;
            const ring = this.rings[k][p]!;
            if (f < target[k][p]! && f < ring.coverFrom)
              fromKafka.push({ k, p, from: f, to: ring.coverFrom });
          }
        let lists: Entry[][];
        let ends: { k: TopicKey; p: number; to: number }[];
        if (fromKafka.length > 0) {
          this.limitReplay(c, fromKafka, cur);
          lists = await Promise.all(fromKafka.map((r) => this.options.range.read(r.k, r.p, r.from, r.to)));
          this.options.metrics.replayed.inc(
            { source: 'kafka' },
            lists.reduce((n, l) => n + l.length, 0),
          );
          ends = fromKafka;
        } else {
          lists = [];
          ends = [];
          for (const k of TOPIC_KEYS)
            for (let p = 0; p < target[k].length; p++) {
              if (cur[k][p]! >= target[k][p]!) continue;
              lists.push(this.rings[k][p]!.slice(cur[k][p]!, target[k][p]!));
              ends.push({ k, p, to: target[k][p]! });
            }
          this.options.metrics.replayed.inc(
            { source: 'ring' },
            lists.reduce((n, l) => n + l.length, 0),
          );
        }
        replayed += await this.emitMerged(c, lists, cur);
        if (c.closed) return;
        for (const e of ends) cur[e.k][e.p] = Math.max(cur[e.k][e.p]!, e.to);
      }
    } catch (err) {
      this.options.logger.warn({ err, analyst: c.analyst.id }, 'resync failed; closing the client');
      this.close(c, CLOSE.tooSlow, 'resync failed');
    }
  }

  /** Caps the Kafka part of a resync at replayMax messages; the client is told what it misses. */
  private limitReplay(
    c: Client,
    ranges: { k: TopicKey; p: number; from: number; to: number }[],
    cur: Position,
  ) {
    const total = ranges.reduce((n, r) => n + (r.to - r.from), 0);
    if (total <= this.options.replayMax) return;
    const before = encodeCursor(cur);
    let missed = 0;
    for (const r of ranges) {
      const keep = Math.floor((this.options.replayMax * (r.to - r.from)) / total);
      const from = Math.max(r.from, r.to - keep);
      missed += from - r.from;
      r.from = from;
      cur[r.k][r.p] = from;
    }
    this.options.metrics.gaps.inc({ reason: 'replay_limit' });
    this.sendJson(c, { type: 'gap', reason: 'replay_limit', from: before, missed });
  }

  /** Sends the entries of several partitions merged by timestamp (each partition in offset order). */
  private async emitMerged(c: Client, lists: Entry[][], cur: Position): Promise<number> {
    const idx = lists.map(() => 0);
    let sent = 0;
    let sinceCheck = 0;
    for (;;) {
      let best = -1;
      for (let i = 0; i < lists.length; i++) {
        const e = lists[i]![idx[i]!];
        if (e && (best < 0 || e.ts < lists[best]![idx[best]!]!.ts)) best = i;
      }
      if (best < 0) return sent;
      const e = lists[best]![idx[best]!++]!;
      cur[e.kind][e.partition] = e.offset + 1;
      if (this.sendEntry(c, e, encodeCursor(cur))) sent++;
      if (++sinceCheck >= 256) {
        sinceCheck = 0;
        await this.drained(c);
        if (c.closed) return sent;
      }
    }
  }

  /** Waits until the client's unsent bytes are under the limit; closes it after the slow-client timeout. */
  private async drained(c: Client): Promise<void> {
    const deadline = Date.now() + this.options.slowClientMs;
    while (!c.closed && c.ws.bufferedAmount > this.options.maxBufferedBytes) {
      if (Date.now() > deadline) {
        this.options.metrics.slowCloses.inc();
        return this.close(c, CLOSE.tooSlow, 'client too slow');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private checkLagging(): void {
    if (this.lagging.size === 0) return;
    const now = Date.now();
    for (const c of this.lagging) {
      if (c.ws.bufferedAmount <= this.options.maxBufferedBytes / 2) {
        this.lagging.delete(c);
        void this.resync(c, c.lagFrom!, 'slow_client');
      } else if (now - c.lagSince > this.options.slowClientMs) {
        this.options.metrics.slowCloses.inc();
        this.close(c, CLOSE.tooSlow, 'client too slow');
      }
    }
  }

  // ---------------------------------------------------------------- heartbeats, shutdown

  private heartbeat(): void {
    this.flush();
    const now = new Date();
    const frame = textFrame(`{"type":"heartbeat","cursor":"${this.cursor}","at":"${now.toISOString()}"}`);
    for (const c of this.clients) {
      if (isExpired(c.analyst, now)) {
        this.close(c, CLOSE.tokenExpired, 'token expired');
        continue;
      }
      if (!c.alive) {
        this.drop(c);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
      if (c.mode === 'live' && c.ws.bufferedAmount <= this.options.maxBufferedBytes) this.write(c, frame);
    }
  }

  closeAll(): void {
    this.flush();
    for (const t of this.timers) clearInterval(t);
    for (const c of [...this.clients]) this.close(c, CLOSE.shutdown, 'server shutting down');
  }
}
