// Where prepare (parse, enrich, serialize: prepare.ts) runs. With threads > 0, on that many
// worker threads (parse-worker.ts), so the main thread goes on reading requests and
// writing to Kafka meanwhile; with 0, on the main thread itself. Jobs reach a thread with
// their bytes transferred, not copied, and come back the same way.
// A syslog connection's jobs all go to one thread, in order, so its parse state (header
// lines) carries over; other jobs go to the thread with the fewest waiting. A thread that
// dies fails the calls it held and is replaced.
import { Worker } from 'node:worker_threads';
import type { Logger } from '@soc/telemetry';
import type { FromWorker, ToWorker, WorkerOptions } from './parse-worker.ts';
import type { Enrichment, PreparedBatch, PrepareJob } from './prepare.ts';
import { prepare } from './prepare.ts';

export interface ParsePoolOptions extends WorkerOptions {
  threads: number;
  logger: Logger;
  /** the main thread's zones and intel, for threads = 0 */
  enrichment: () => Enrichment;
}

interface Call {
  resolve: (batches: PreparedBatch[]) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  calls: Map<number, Call>;
}

export class ParsePool {
  private readonly o: ParsePoolOptions;
  private readonly threads: Thread[] = [];
  /** syslog connection → the thread holding its parse state */
  private readonly pinned = new Map<number, Thread>();
  /** parse state of syslog connections, for threads = 0 */
  private readonly streams = new Map<number, Record<string, unknown>>();
  private nextId = 0;
  private closing = false;

  constructor(options: ParsePoolOptions) {
    this.o = options;
    for (let i = 0; i < options.threads; i++) this.threads.push(this.start());
  }

  private start(): Thread {
    const { zonesFile, intelDir, logLevel } = this.o;
    const worker = new Worker(new URL('./parse-worker.ts', import.meta.url), {
      workerData: { zonesFile, intelDir, logLevel } satisfies WorkerOptions,
    });
    const thread: Thread = { worker, calls: new Map() };
    worker.on('message', (m: FromWorker) => {
      const call = thread.calls.get(m.id);
      if (!call) return;
      thread.calls.delete(m.id);
      if (m.type === 'prepared') call.resolve(m.batches);
      else call.reject(new Error(`parse thread failed: ${m.message}`));
    });
    worker.on('error', (err) => this.o.logger.error({ err }, 'parse thread crashed'));
    worker.on('exit', (code) => {
      for (const call of thread.calls.values()) call.reject(new Error(`parse thread exited (${code})`));
      thread.calls.clear();
      for (const [stream, t] of this.pinned) if (t === thread) this.pinned.delete(stream);
      const i = this.threads.indexOf(thread);
      if (i >= 0 && !this.closing) this.threads[i] = this.start();
    });
    worker.unref();
    return thread;
  }

  /** Prepares the jobs (in order); a syslog connection's jobs are prepared in the order given. */
  async prepare(jobs: PrepareJob[]): Promise<PreparedBatch[]> {
    if (this.threads.length === 0) {
      const enrichment = this.o.enrichment();
      return jobs.map((job) => prepare(job, enrichment, this.streams, false));
    }
    // jobs of pinned connections to their thread, the rest to the least busy one
    const idle = this.threads.reduce((a, b) => (b.calls.size < a.calls.size ? b : a));
    const groups = new Map<Thread, number[]>();
    jobs.forEach((job, i) => {
      let thread = idle;
      if (job.stream !== undefined) {
        thread = this.pinned.get(job.stream) ?? idle;
        this.pinned.set(job.stream, thread);
      }
      const group = groups.get(thread);
      if (group) group.push(i);
      else groups.set(thread, [i]);
    });
    const results: PreparedBatch[] = new Array(jobs.length);
    await Promise.all(
      [...groups].map(async ([thread, indexes]) => {
        const mine = indexes.map((i) => jobs[i]!);
        const batches = await this.post(thread, mine);
        indexes.forEach((i, k) => {
          results[i] = batches[k]!;
        });
      }),
    );
    return results;
  }

  private post(thread: Thread, jobs: PrepareJob[]): Promise<PreparedBatch[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      thread.calls.set(id, { resolve, reject });
      // a job's buffer moves to the thread when it owns all of its memory; else it is copied
      const transfer = jobs
        .map((j) => j.data)
        .filter((d) => d.byteOffset === 0 && d.byteLength === d.buffer.byteLength)
        .map((d) => d.buffer as ArrayBuffer);
      this.send(thread, { type: 'prepare', id, jobs }, [...new Set(transfer)]);
    });
  }

  private send(thread: Thread, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    thread.worker.postMessage(message, transfer);
  }

  /** The zones or intel file changed and the main thread reloaded it: the threads follow. */
  reloaded(file: 'zones' | 'intel'): void {
    for (const thread of this.threads) this.send(thread, { type: 'reload', file });
  }

  /** A syslog connection closed and its last jobs were posted: its parse state can go. */
  endStream(stream: number): void {
    this.streams.delete(stream);
    const thread = this.pinned.get(stream);
    if (!thread) return;
    this.pinned.delete(stream);
    this.send(thread, { type: 'end-stream', stream });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
