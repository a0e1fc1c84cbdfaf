// The files ingest reads at start and again whenever they change (sensors, zones,
// threat-intel lists). A change that does not load — a YAML error, a bad CIDR — is
// logged and counted, and the previous version stays in force.
import { existsSync, type FSWatcher, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { basename, join } from 'node:path';
import { ThreatIntel, ZoneMap } from '@soc/enrich';
import { SensorRegistry } from '@soc/ingest';
import type { Counter, Logger } from '@soc/telemetry';

export class Reloadable<T> {
  readonly name: string;
  private value: T;
  private readonly load: () => T;
  private readonly logger: Logger;
  private readonly reloads: Counter<'file' | 'result'>;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(name: string, load: () => T, logger: Logger, reloads: Counter<'file' | 'result'>) {
    this.name = name;
    this.load = load;
    this.logger = logger;
    this.reloads = reloads;
    this.value = load(); // at start a bad file is fatal: the service must not run half-configured
  }

  get(): T {
    return this.value;
  }

  /** Calls `listener` after each reload that loaded. */
  onReload(listener: () => void): void {
    this.listeners.push(listener);
  }

  watch(path: string): void {
    if (!path || !existsSync(path)) return;
    this.watcher = watch(path, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload(), 200);
    });
    this.watcher.on('error', (err) => this.logger.warn({ err, file: path }, 'cannot watch file'));
  }

  reload(): boolean {
    try {
      this.value = this.load();
      this.reloads.inc({ file: this.name, result: 'ok' });
      this.logger.info({ file: this.name }, 'reloaded');
      for (const listener of this.listeners) listener();
      return true;
    } catch (err) {
      this.reloads.inc({ file: this.name, result: 'error' });
      this.logger.error(
        { file: this.name, err: (err as Error).message },
        'reload failed; keeping the previous version',
      );
      return false;
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}

export const loadSensors = (path: string) => () => SensorRegistry.fromYaml(readFileSync(path, 'utf8'));

export const loadZones = (path: string) => () =>
  path && path !== 'none' ? ZoneMap.fromYaml(readFileSync(path, 'utf8')) : undefined;

export const loadIntel = (dir: string) => () => {
  if (!dir || dir === 'none') return undefined;
  const intel = new ThreatIntel();
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`threat-intel folder ${dir} does not exist`);
  for (const f of readdirSync(dir).sort()) {
    if (f.endsWith('.txt')) intel.add(basename(f, '.txt'), readFileSync(join(dir, f), 'utf8'));
  }
  return intel;
};
