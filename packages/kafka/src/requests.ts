// Kafka refuses a record batch over max.message.bytes (1 MiB by default), and a produce
// request carries one record batch per partition; so large outputs go out as several
// requests, one after the other (the idempotent producer keeps them in order).
import type { Message, TopicMessages } from 'kafkajs';

/** Below the broker's default max.message.bytes, with room for record overhead. */
export const MAX_REQUEST_BYTES = 900_000;

/** Splits topic messages into requests of at most about `maxBytes` of keys and values, in order. */
export function splitRequests(
  topicMessages: TopicMessages[],
  maxBytes = MAX_REQUEST_BYTES,
): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current: TopicMessages[] = [];
  let bytes = 0;
  for (const { topic, messages } of topicMessages) {
    let run: Message[] = [];
    for (const m of messages) {
      const size = sizeOf(m.value) + sizeOf(m.key) + 64;
      if (bytes > 0 && bytes + size > maxBytes) {
        if (run.length > 0) current.push({ topic, messages: run });
        requests.push(current);
        current = [];
        run = [];
        bytes = 0;
      }
      run.push(m);
      bytes += size;
    }
    if (run.length > 0) current.push({ topic, messages: run });
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

function sizeOf(v: Message['value'] | Message['key']): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? v.length : v.length;
}
