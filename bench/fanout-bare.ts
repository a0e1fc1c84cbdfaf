// Child process of bench/fanout.ts: the ceiling. A bare `ws` server that broadcasts the
// same alert frame bytes as the fan-out at the rate the parent asks for, with no Kafka, no
// filters, no cursors, in one of two ways:
//   per alert — one ws.send of one Buffer to every client per alert (the textbook broadcast);
//   batched   — like the fan-out: the frames of each 20 ms window, framed once and
//               concatenated, written to every client's socket in one write.
//   argv: port; IPC { cmd: 'rate', perSecond, template, batched } / { cmd: 'stop' } → { sent }
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';

const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false });
let timer: NodeJS.Timeout | undefined;
let sent = 0;

function textFrame(payload: string): Buffer {
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

process.on('message', (msg: { cmd: string; perSecond?: number; template?: string; batched?: boolean }) => {
  clearInterval(timer);
  if (msg.cmd === 'stop') {
    process.send!({ ok: true, sent });
    return;
  }
  const template = msg.template!;
  const tickMs = msg.batched ? 20 : 10;
  const perTick = (msg.perSecond! * tickMs) / 1000;
  let due = 0;
  timer = setInterval(() => {
    due += perTick;
    const now = new Date().toISOString();
    if (msg.batched) {
      const frames: Buffer[] = [];
      for (; due >= 1; due--) frames.push(textFrame(template.replaceAll('__AT__', now)));
      if (frames.length === 0) return;
      const all = Buffer.concat(frames);
      for (const ws of wss.clients) (ws as unknown as { _socket: Socket })._socket.write(all);
      sent += frames.length;
      return;
    }
    for (; due >= 1; due--) {
      const frame = Buffer.from(template.replaceAll('__AT__', now));
      for (const ws of wss.clients) ws.send(frame, { binary: false });
      sent++;
    }
  }, tickMs);
  process.send!({ ok: true });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => process.send!({ ok: true, ready: true }));
