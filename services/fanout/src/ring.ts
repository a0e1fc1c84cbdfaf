// A bounded in-memory window of the most recent messages of one topic partition. It knows
// from which offset on it holds every (valid) message — `coverFrom` — so a replay can take
// [coverFrom, next) from memory and must read anything older from Kafka.
import type { AlertMeta, StatusEvent } from '@soc/stream';

export interface Entry {
  kind: 'a' | 's';
  partition: number;
  offset: number;
  /** Kafka message timestamp, ms */
  ts: number;
  /** the message value, valid JSON (an alert or a status event) */
  raw: string;
  /** alerts: what filters look at */
  meta?: AlertMeta;
  /** status events: the parsed event and whether it changed the alert's state */
  status?: StatusEvent;
  applied?: boolean;
}

export class PartitionRing {
  private items: Entry[] = [];
  private head = 0;
  /** every valid message at or after this offset (and before `next`) is held */
  coverFrom: number;
  /** the offset after the last message seen */
  next: number;
  private readonly capacity: number;
  private readonly onEvict: ((e: Entry) => void) | undefined;

  constructor(start: number, capacity: number, onEvict?: (e: Entry) => void) {
    this.coverFrom = start;
    this.next = start;
    this.capacity = capacity;
    this.onEvict = onEvict;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  add(entry: Entry): void {
    this.next = entry.offset + 1;
    if (this.capacity === 0) {
      this.coverFrom = this.next;
      return;
    }
    this.items.push(entry);
    while (this.items.length - this.head > this.capacity) {
      const evicted = this.items[this.head]!;
      this.items[this.head] = undefined as unknown as Entry;
      this.head++;
      this.coverFrom = evicted.offset + 1;
      this.onEvict?.(evicted);
    }
    if (this.head > 1024 && this.head > this.capacity) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** a message that is not delivered (invalid): only the position moves */
  skip(offset: number): void {
    this.next = offset + 1;
    if (this.size === 0) this.coverFrom = this.next;
  }

  /** entries with from <= offset < to, oldest first; `from` must be >= coverFrom */
  slice(from: number, to: number): Entry[] {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.offset < from) lo = mid + 1;
      else hi = mid;
    }
    const out: Entry[] = [];
    for (let i = lo; i < this.items.length; i++) {
      const e = this.items[i]!;
      if (e.offset >= to) break;
      out.push(e);
    }
    return out;
  }

  /** the newest entries first, for "last N" */
  *newestFirst(): Generator<Entry> {
    for (let i = this.items.length - 1; i >= this.head; i--) yield this.items[i]!;
  }
}
