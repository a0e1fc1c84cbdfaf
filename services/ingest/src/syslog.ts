// Syslog intake over UDP (one datagram = one message), TCP and TLS (RFC 6587 framing,
// octet counting and LF both detected per frame). The sender's address picks the sensor
// (and so the tenant and default format); unknown senders are refused and counted.
// Frames are batched (every `flushMs` or `maxBatch` lines) and published together.
// Backpressure: while the batch waiting for Kafka exceeds `maxPendingLines`, or Kafka is
// unavailable, every TCP/TLS socket is paused (the kernel's window then stops the sender)
// and UDP datagrams are dropped and counted. A batch Kafka refused is kept and retried;
// lines are lost only if the process dies holding them (plain syslog has no acknowledgement).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { type Frame, parseLines, type Sensor, type SensorRegistry, SyslogFrameDecoder } from '@soc/ingest';
import { getParser } from '@soc/parsers';
import { backoffDelay, type ComponentCounters, type Logger } from '@soc/telemetry';
import type { Intake, SourcedBatch } from './intake.ts';

type Transport = 'syslog-udp' | 'syslog-tcp' | 'syslog-tls';

export interface SyslogOptions {
  intake: Intake;
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

interface Pending {
  frames: Frame[];
  sensor: Sensor;
  transport: Transport;
  peer: string;
  stream: Record<string, unknown>;
  receivedAt: Date;
}

export class SyslogIntake {
  private readonly o: SyslogOptions;
  private queue: Pending[] = [];
  private queuedLines = 0;
  private inFlight: Pending[] | null = null;
  private failures = 0;
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
        stream: {},
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
    while ((this.queue.length > 0 || this.inFlight) && this.failures < 3) {
      // a flush in flight finishes on its own; wait for it rather than spin on a resolved promise
      if (this.inFlight) await new Promise((r) => setTimeout(r, 20));
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
    const stream: Record<string, unknown> = {};
    const take = (frames: Frame[]) => {
      if (frames.length > 0)
        this.enqueue({ frames, sensor, transport, peer, stream, receivedAt: new Date() });
    };
    socket.on('data', (chunk: Buffer) => take(decoder.push(chunk)));
    socket.on('end', () => take(decoder.end()));
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', (err) => this.o.logger.debug({ err, peer }, 'syslog connection error'));
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
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

  private async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight) return;
    if (this.queue.length === 0) return;
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
    this.inFlight = items;
    const batches: SourcedBatch[] = items.map((p) => {
      const format = p.sensor.format ?? this.o.defaultFormat;
      const parser = getParser(format) ?? getParser('auto')!;
      const batch = parseLines(
        p.frames.map((f) => f.data),
        parser,
        {
          tenant: p.sensor.tenant,
          receivedAt: p.receivedAt,
          keepOriginal: this.o.keepOriginal,
          stream: p.stream,
          iptablesPrefixes: p.sensor.iptables_prefixes,
        },
        this.o.maxLineBytes,
      );
      p.frames.forEach((f, i) => {
        if (f.oversized)
          batch.rejected.push({
            line: i + 1,
            reason: `line too long: over ${this.o.maxLineBytes} bytes`,
            raw: f.data.subarray(0, 4096).toString(),
          });
      });
      return {
        batch,
        sensor: p.sensor,
        format,
        transport: p.transport,
        receivedAt: p.receivedAt,
        peer: p.peer,
      };
    });
    for (;;) {
      try {
        await this.o.intake.publish(batches);
        this.failures = 0;
        break;
      } catch (err) {
        this.failures++;
        this.updatePause();
        this.o.logger.warn(
          { err: (err as Error).message, attempt: this.failures },
          'syslog batch not acknowledged by Kafka; holding it and retrying',
        );
        if (this.closed && this.failures >= 3) break;
        await new Promise((r) => setTimeout(r, backoffDelay(this.failures - 1, 200, 5000)));
      }
    }
    this.queuedLines -= items.reduce((n, p) => n + p.frames.length, 0);
    this.inFlight = null;
    this.updatePause();
    if (this.queue.length > 0) void this.flush();
  }
}
