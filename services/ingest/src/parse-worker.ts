// A parse thread (see parse-pool.ts): prepares the jobs the main thread posts, in the order
// they arrive, and posts the results back with their buffers transferred. It loads the
// zones and threat-intel files itself, at start and again when the main thread says they
// changed (after its own reload succeeded); one that no longer loads keeps the previous
// version, as the main thread does. It keeps the parse state of the syslog connections
// pinned to it until told they ended.
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '@soc/telemetry';
import { loadIntel, loadZones } from './files.ts';
import { type Enrichment, type PreparedBatch, type PrepareJob, prepare } from './prepare.ts';

export interface WorkerOptions {
  zonesFile: string;
  intelDir: string;
  logLevel: string;
}

export type ToWorker =
  | { type: 'prepare'; id: number; jobs: PrepareJob[] }
  | { type: 'reload'; file: 'zones' | 'intel' }
  | { type: 'end-stream'; stream: number };

export type FromWorker =
  | { type: 'prepared'; id: number; batches: PreparedBatch[] }
  | { type: 'failed'; id: number; message: string };

const options = workerData as WorkerOptions;
const logger = createLogger('ingest', options.logLevel).child({ component: 'parse-thread' });
const loaders = { zones: loadZones(options.zonesFile), intel: loadIntel(options.intelDir) };
const enrichment: Enrichment = { zones: loaders.zones(), intel: loaders.intel() };
const streams = new Map<number, Record<string, unknown>>();
const port = parentPort!;

port.on('message', (message: ToWorker) => {
  if (message.type === 'prepare') {
    try {
      const batches = message.jobs.map((job) => prepare(job, enrichment, streams));
      const transfer = batches.flatMap(
        (b) => [b.valueEnds.buffer, b.keyEnds.buffer, (b.values as Uint8Array).buffer] as ArrayBuffer[],
      );
      port.postMessage({ type: 'prepared', id: message.id, batches } satisfies FromWorker, transfer);
    } catch (err) {
      port.postMessage({ type: 'failed', id: message.id, message: String((err as Error).stack ?? err) });
    }
  } else if (message.type === 'reload') {
    try {
      enrichment[message.file] = loaders[message.file]() as never;
    } catch (err) {
      logger.error(
        { file: message.file, err: (err as Error).message },
        'parse thread kept the previous version',
      );
    }
  } else streams.delete(message.stream);
});
