// The reorder buffer of a partition: inputs waiting for the watermark, taken out in
// (time, id) order. Inputs that arrive in order wait in a queue; the others in a binary
// heap whose times sit in a typed array, so sifting compares numbers side by side and
// reads an input only on a tie.

export interface Ordered {
  ts: number;
  id: string;
}

export const before = (a: Ordered, b: Ordered): boolean => a.ts < b.ts || (a.ts === b.ts && a.id < b.id);

export class ReorderBuffer<T extends Ordered> {
  private queue: T[] = [];
  private head = 0;
  private times = new Float64Array(256);
  private items: (T | undefined)[] = [];
  private n = 0;

  get size(): number {
    return this.queue.length - this.head + this.n;
  }

  push(item: T): void {
    const q = this.queue;
    if (this.head === q.length || !before(item, q[q.length - 1]!)) q.push(item);
    else this.heapPush(item);
  }

  peek(): T | undefined {
    const q = this.queue[this.head];
    if (this.n === 0) return q;
    const h = this.items[0]!;
    return q === undefined || before(h, q) ? h : q;
  }

  pop(): T | undefined {
    const q = this.queue[this.head];
    if (this.n > 0 && (q === undefined || before(this.items[0]!, q))) return this.heapPop();
    if (q === undefined) return undefined;
    this.queue[this.head++] = undefined as unknown as T;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return q;
  }

  /** The items in no particular order (for snapshots). */
  toArray(): T[] {
    return [...this.queue.slice(this.head), ...(this.items.slice(0, this.n) as T[])];
  }

  private less(i: number, j: number): boolean {
    const a = this.times[i]!;
    const b = this.times[j]!;
    return a < b || (a === b && this.items[i]!.id < this.items[j]!.id);
  }

  private swap(i: number, j: number): void {
    const t = this.times[i]!;
    this.times[i] = this.times[j]!;
    this.times[j] = t;
    const x = this.items[i];
    this.items[i] = this.items[j];
    this.items[j] = x;
  }

  private heapPush(item: T): void {
    if (this.n === this.times.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.times);
      this.times = grown;
    }
    let i = this.n++;
    this.times[i] = item.ts;
    this.items[i] = item;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private heapPop(): T {
    const top = this.items[0]!;
    const last = --this.n;
    this.times[0] = this.times[last]!;
    this.items[0] = this.items[last];
    this.items[last] = undefined;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}
