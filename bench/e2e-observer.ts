// The e2e bench's observers, on a thread of their own so that generating and posting the
// traffic does not delay them: a Kafka consumer on the alerts topic and a WebSocket client
// of the fan-out. Each alert seen is posted to the bench with the wall-clock time (ms, with
// fractions) it arrived, the record's producer timestamp and the alert's detected_at.
import { parentPort, workerData } from 'node:worker_threads';
import { Kafka, logLevel } from 'kafkajs';
import WebSocket from 'ws';

export interface Observation {
  via: 'kafka' | 'ws';
  src: string;
  at: number;
  sentAt?: number;
  detectedAt?: number;
}

const { brokers, topic, groupId, wsUrl, token } = workerData as {
  brokers: string;
  topic: string;
  groupId: string;
  wsUrl: string;
  token: string;
};
const now = () => performance.timeOrigin + performance.now();
const port = parentPort!;

const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
await new Promise((r) => ws.once('open', r));
ws.send(JSON.stringify({ type: 'subscribe' }));
ws.on('message', (data) => {
  const at = now();
  const msg = JSON.parse(String(data)) as { alert?: { group: Record<string, string> } };
  const src = msg.alert?.group['source.ip'];
  if (src) port.postMessage({ via: 'ws', src, at } satisfies Observation);
});

const consumer = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).consumer({
  groupId,
  maxWaitTimeInMs: 10,
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: false });
await consumer.run({
  eachMessage: async ({ message }) => {
    const at = now();
    const alert = JSON.parse(String(message.value)) as { group: Record<string, string>; detected_at: string };
    const src = alert.group['source.ip'];
    if (src)
      port.postMessage({
        via: 'kafka',
        src,
        at,
        // taken by the correlator's producer when it sent the record
        sentAt: Number(message.timestamp),
        detectedAt: Date.parse(alert.detected_at),
      } satisfies Observation);
  },
});
await new Promise((r) => setTimeout(r, 3000)); // the consumer joins its group
port.postMessage('ready');
port.once('message', async () => {
  ws.close();
  await consumer.disconnect();
  port.postMessage('stopped');
});
