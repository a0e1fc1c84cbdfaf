// Child process of bench/fanout.ts: opens N WebSocket clients on a stream endpoint and
// measures, for every alert frame, the delay from the alert's detected_at (stamped when it
// was produced) to its arrival. Frames are not JSON-parsed: detected_at is found in the raw
// bytes, so the client side costs as little as possible. Driven over IPC:
//   { cmd: 'connect', url, n, token?, subscribe } → { ok: true, connected }
//   { cmd: 'reset' }                             → { ok: true }
//   { cmd: 'report' }                            → { ok: true, frames, p50, p99, max }
//   { cmd: 'close' }                             → exits
import WebSocket from 'ws';

const MAX_MS = 60_000;
let hist = new Uint32Array(MAX_MS + 1);
let frames = 0;
const sockets: WebSocket[] = [];
const KEY = Buffer.from('"detected_at":"');

function onFrame(data: Buffer): void {
  const i = data.indexOf(KEY);
  if (i < 0) return;
  const start = i + KEY.length;
  const at = Date.parse(data.toString('latin1', start, start + 24));
  const ms = Math.min(MAX_MS, Math.max(0, Date.now() - at));
  hist[ms]!++;
  frames++;
}

function percentile(p: number): number {
  const target = Math.ceil((p / 100) * frames);
  let seen = 0;
  for (let ms = 0; ms <= MAX_MS; ms++) {
    seen += hist[ms]!;
    if (seen >= target && target > 0) return ms;
  }
  return Number.NaN;
}

async function connect(
  url: string,
  n: number,
  token: string | undefined,
  subscribe: boolean,
): Promise<number> {
  let connected = 0;
  const batch = 50;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, () => {
        const ws = new WebSocket(url, {
          perMessageDeflate: false,
          ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        });
        sockets.push(ws);
        return new Promise<void>((resolve) => {
          ws.once('open', () => {
            connected++;
            if (!subscribe) return resolve();
            ws.send('{"type":"subscribe"}');
            const onLive = (data: Buffer) => {
              if (data.includes('"type":"live"')) {
                ws.off('message', onLive);
                ws.on('message', onFrame);
                resolve();
              }
            };
            ws.on('message', onLive);
          });
          ws.once('error', () => resolve());
          if (!subscribe) ws.on('message', onFrame);
        });
      }),
    );
  }
  return connected;
}

process.on(
  'message',
  async (msg: { cmd: string; url: string; n: number; token?: string; subscribe: boolean }) => {
    if (msg.cmd === 'connect') {
      const connected = await connect(msg.url, msg.n, msg.token, msg.subscribe);
      process.send!({ ok: true, connected });
    } else if (msg.cmd === 'reset') {
      hist = new Uint32Array(MAX_MS + 1);
      frames = 0;
      process.send!({ ok: true });
    } else if (msg.cmd === 'report') {
      let max = 0;
      for (let ms = MAX_MS; ms >= 0; ms--)
        if (hist[ms]! > 0) {
          max = ms;
          break;
        }
      process.send!({ ok: true, frames, p50: percentile(50), p99: percentile(99), max });
    } else if (msg.cmd === 'close') {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  },
);
