// Syslog intake over UDP (one datagram = one message), TCP and TLS (RFC 6587 framing,
// octet counting and LF both detected per frame). The sender's address picks the sensor
// (and so the tenant and default format); unknown senders are refused and counted.
// Frames are batched (every `flushMs` or `maxBatch` lines) and published together.
// Backpressure: while the batch waiting for Kafka exceeds `maxPendingLines`, or Kafka is
// unavailable, every TCP/TLS socket is paused (the kernel's window then stops the sender)
// and UDP datagrams are dropped and counted. A batch Kafka refused is kept and retried;
// lines are lost only if the process dies holding them (plain syslog has no acknowledgement)
// or its parse thread does (logged and counted as errors at stage "parse").
// Two batches overlap: the next one is parsed while the one before waits for Kafka; they
// are published one after the other, in order.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { type Frame, type Sensor, type SensorRegistry, SyslogFrameDecoder } from '@soc/ingest';
import { backoffDelay, type ComponentCounters, type Logger } from '@soc/telemetry';
import type { Intake, SourcedBatch } from './intake.ts';
import type { ParsePool } from './parse-pool.ts';
import { packFrames } from './prepare.ts';

/** times a batch of syslog lines is given to the parse pool before it is dropped */
const PREPARE_ATTEMPTS = 3;

type Transport = 'syslog-udp' | 'syslog-tcp' | 'syslog-tls';

export interface SyslogOptions {
  intake: Intake;
  pool: ParsePool;
  sensors: () => SensorRegistry;
  logger: Logger;
  counters: ComponentCounters;
  defaultFormat: string;
  keepOriginal: boolean;
  maxLineBytes: number;
  maxPendingLines: number;
  flushMs: number;
  maxBatch: number;
}

/** A TCP/TLS connection: one parse stream, whose state the pool keeps until it ends. */
interface Connection {
  id: number;
  /** its Pending items not yet handed to the pool */
  queued: number;
  closed: boolean;
}

interface Pending {
  frames: Frame[];
  sensor: Sensor;
  transport: Transport;
  peer: string;
  connection?: Connection;
  receivedAt: Date;
}

export class SyslogIntake {
  private readonly o: SyslogOptions;
  private queue: Pending[] = [];
  /** lines received and not yet published (or given up) */
  private queuedLines = 0;
  /** batches taken from the queue and not yet published: at most two */
  private batches = 0;
  private preparing = false;
  /** the latest batch's publication; the next one waits for it */
  private published: Promise<void> = Promise.resolve();
  private failures = 0;
  private nextConnection = 0;
  private paused = false;
  private readonly sockets = new Set<Socket>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  readonly servers: (Server | UdpSocket)[] = [];

  constructor(options: SyslogOptions) {
    this.o = options;
  }

  listenUdp(host: string, port: number): Promise<number> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (msg, rinfo) => {
      if (this.paused || this.queuedLines >= this.o.maxPendingLines) {
        this.o.counters.dropped.inc({ reason: 'udp_backpressure' });
        return;
      }
      const sensor = this.sender(rinfo.address);
      if (!sensor) return;
      let end = msg.length;
      while (end > 0 && (msg[end - 1] === 0x0a || msg[end - 1] === 0x0d || msg[end - 1] === 0)) end--;
      this.enqueue({
        frames: [{ data: msg.subarray(0, end), oversized: false }],
        sensor,
        transport: 'syslog-udp',
        peer: rinfo.address,
        receivedAt: new Date(),
      });
    });
    socket.on('error', (err) => this.o.logger.error({ err }, 'syslog UDP socket error'));
    this.servers.push(socket);
    return new Promise((resolve) => socket.bind(port, host, () => resolve(socket.address().port)));
  }

  listenTcp(host: string, port: number, tls?: { cert: Buffer; key: Buffer }): Promise<number> {
    const transport: Transport = tls ? 'syslog-tls' : 'syslog-tcp';
    const onSocket = (socket: Socket) => this.onConnection(socket, transport);
    const server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, onSocket) : createServer(onSocket);
    server.on('error', (err) => this.o.logger.error({ err, transport }, 'syslog server error'));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as { port: number }).port));
    });
  }

  /** Stops accepting, flushes what is queued (bounded by the caller's timeout). */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.servers) {
      if ('close' in s && typeof (s as Server).listening === 'boolean') (s as Server).close();
      else (s as UdpSocket).close();
    }
    for (const socket of this.sockets) socket.end();
    while ((this.queue.length > 0 || this.batches > 0) && this.failures < 3) {
      // a flush in flight finishes on its own; wait for it rather than spin on a resolved promise
      if (this.batches > 0) await new Promise((r) => setTimeout(r, 20));
      else await this.flush();
    }
  }

  get backpressured(): boolean {
    return this.paused;
  }

  private sender(address: string): Sensor | undefined {
    const sensor = this.o.sensors().bySource(address);
    if (!sensor) {
      this.o.counters.dropped.inc({ reason: 'unknown_sender' });
      this.o.logger.debug({ address }, 'syslog from an address no sensor is bound to');
    }
    return sensor;
  }

  private onConnection(socket: Socket, transport: Transport): void {
    const peer = socket.remoteAddress ?? '';
    const sensor = this.sender(peer);
    if (!sensor) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    if (this.paused) socket.pause();
    const decoder = new SyslogFrameDecoder(this.o.maxLineBytes);
    const connection: Connection = { id: this.nextConnection++, queued: 0, closed: false };
    const take = (frames: Frame[]) => {
      if (frames.length > 0)
        this.enqueue({ frames, sensor, transport, peer, connection, receivedAt: new Date() });
    };
    socket.on('data', (chunk: Buffer) => take(decoder.push(chunk)));
    socket.on('end', () => take(decoder.end()));
    socket.on('close', () => {
      this.sockets.delete(socket);
      connection.closed = true;
      if (connection.queued === 0) this.o.pool.endStream(connection.id);
    });
    socket.on('error', (err) => this.o.logger.debug({ err, peer }, 'syslog connection error'));
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
    if (p.connection) p.connection.queued++;
    this.queuedLines += p.frames.length;
    this.updatePause();
    if (this.queuedLines >= this.o.maxBatch) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.o.flushMs);
  }

  private updatePause(): void {
    const should = this.failures > 0 || this.queuedLines >= this.o.maxPendingLines;
    if (should === this.paused) return;
    this.paused = should;
    for (const s of this.sockets) {
      if (should) s.pause();
      else s.resume();
    }
    this.o.logger.info(
      { paused: should, queuedLines: this.queuedLines },
      should ? 'syslog intake paused (backpressure)' : 'syslog intake resumed',
    );
  }

  /**
   * Takes up to maxBatch queued lines and parses them, while the batch before (if any)
   * waits for Kafka; then publishes them once that one is published, retrying until Kafka
   * acknowledges (or, closing, three failures).
   */
  private async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.preparing || this.batches >= 2 || this.queue.length === 0) return;
    // at most maxBatch lines per flush, so a backlog drains in steps
    let take = 0;
    let lines = 0;
    while (
      take < this.queue.length &&
      (take === 0 || lines + this.queue[take]!.frames.length <= this.o.maxBatch)
    ) {
      lines += this.queue[take]!.frames.length;
      take++;
    }
    const items = this.queue.slice(0, take);
    this.queue = this.queue.slice(take);
    this.batches++;
    this.preparing = true;
    let batches: SourcedBatch[] | undefined;
    // a parse thread that dies takes its jobs with it (the pool starts another): the lines
    // are still here, so they are tried again, up to three times in all
    for (let attempt = 1; batches === undefined && attempt <= PREPARE_ATTEMPTS; attempt++) {
      try {
        batches = await this.prepare(items);
      } catch (err) {
        this.o.counters.errors.inc({ stage: 'parse' });
        if (attempt < PREPARE_ATTEMPTS)
          this.o.logger.warn({ err, lines, attempt }, 'syslog batch not parsed; retrying');
        else {
          this.o.logger.error({ err, lines }, 'syslog batch could not be parsed; dropped');
          this.o.counters.dropped.inc({ reason: 'parse_failed' }, lines);
        }
      }
    }
    this.preparing = false;
    // the jobs are done with: a closed connection's parse state can go after them
    for (const { connection } of items) {
      if (connection && --connection.queued === 0 && connection.closed) this.o.pool.endStream(connection.id);
    }
    if (this.queue.length > 0) void this.flush();
    if (batches) {
      const turn = this.published.then(() => this.publish(batches));
      this.published = turn;
      await turn;
    }
    this.queuedLines -= lines;
    this.batches--;
    this.updatePause();
    if (this.queue.length > 0) void this.flush();
  }

  private prepare(items: Pending[]): Promise<SourcedBatch[]> {
    const formats = items.map((p) => p.sensor.format ?? this.o.defaultFormat);
    const prepared = this.o.pool.prepare(
      items.map((p, i) => ({
        ...packFrames(p.frames),
        format: formats[i]!,
        tenant: p.sensor.tenant,
        receivedAt: p.receivedAt.getTime(),
        keepOriginal: this.o.keepOriginal,
        ...(p.sensor.iptables_prefixes ? { iptablesPrefixes: p.sensor.iptables_prefixes } : {}),
        maxLineBytes: this.o.maxLineBytes,
        ...(p.connection ? { stream: p.connection.id } : {}),
      })),
    );
    return prepared.then((batches) =>
      batches.map((batch, i) => {
        const p = items[i]!;
        return {
          batch,
          sensor: p.sensor,
          format: formats[i]!,
          transport: p.transport,
          receivedAt: p.receivedAt,
          peer: p.peer,
        };
      }),
    );
  }

  private async publish(batches: SourcedBatch[]): Promise<void> {
    for (;;) {
      try {
        await this.o.intake.publish(batches);
        this.failures = 0;
        return;
      } catch (err) {
        this.failures++;
        this.updatePause();
        this.o.logger.warn(
          { err: (err as Error).message, attempt: this.failures },
          'syslog batch not acknowledged by Kafka; holding it and retrying',
        );
        if (this.closed && this.failures >= 3) return;
        await new Promise((r) => setTimeout(r, backoffDelay(this.failures - 1, 200, 5000)));
      }
    }
  }
}
