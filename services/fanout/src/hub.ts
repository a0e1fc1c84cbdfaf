// The live stream: every alert read from Kafka is serialised once and written to every
// connected client; a recent backlog greets new clients. A client that falls too far
// behind (unsent bytes over the limit) is closed with 1013 so it never slows the others
// or grows memory. Protocol (v1): server → client JSON text frames
//   { "type": "hello", "version": 1, "backlog": n }
//   { "type": "alert", "cursor": "<partition>:<offset>", "alert": { ...Alert } }
import type { IncomingMessage } from 'node:http';
import type { Alert } from '@soc/schema';
import type { Gauge, Logger } from '@soc/telemetry';
import { type WebSocket, WebSocketServer } from 'ws';

export interface HubOptions {
  backlog: number;
  maxBufferedBytes: number;
  heartbeatMs: number;
  logger: Logger;
  clientsGauge: Gauge;
}

export class Hub {
  readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
  private readonly recent: string[] = [];
  private readonly alive = new WeakSet<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly options: HubOptions;
  delivered = 0;

  constructor(options: HubOptions) {
    this.options = options;
    this.wss.on('connection', (ws) => this.onConnection(ws));
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  handleUpgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  publish(alert: Alert, cursor: string): void {
    const frame = JSON.stringify({ type: 'alert', cursor, alert });
    if (this.options.backlog > 0) {
      this.recent.push(frame);
      if (this.recent.length > this.options.backlog) this.recent.shift();
    }
    for (const ws of this.wss.clients) this.send(ws, frame);
  }

  close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket): void {
    this.alive.add(ws);
    this.options.clientsGauge.inc();
    ws.on('pong', () => this.alive.add(ws));
    ws.on('close', () => this.options.clientsGauge.dec());
    ws.on('error', (err) => this.options.logger.debug({ err }, 'client socket error'));
    ws.send(JSON.stringify({ type: 'hello', version: 1, backlog: this.recent.length }));
    for (const frame of this.recent) this.send(ws, frame);
  }

  private send(ws: WebSocket, frame: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.options.maxBufferedBytes) {
      ws.close(1013, 'client too slow');
      return;
    }
    ws.send(frame);
    this.delivered++;
  }

  private ping(): void {
    for (const ws of this.wss.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }
}
