// Triage: status changes go to Kafka (<ns>.alert-status.v1, key = alert id) and only count
// once this instance has read them back in log order — the first change based on a version
// wins, so concurrent changes are decided the same way by every instance. The accepted
// change is then written to ClickHouse alert_status (the sink writes the same row from the
// topic; the table collapses the copies) so the history is current when POST answers, and
// pushed to every analyst who can see the alert (Hub.publish).
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@soc/clickhouse';
import {
  type AlertState,
  type Analyst,
  INITIAL_STATE,
  inScope,
  type StatusEvent,
  type StatusRequest,
  StatusStore,
  transition,
} from '@soc/stream';
import { type Logger, retry } from '@soc/telemetry';
import type { KafkaMessage, Producer } from 'kafkajs';
import { currentStates, findAlert, statusRow } from './history.ts';
import type { Hub } from './hub.ts';
import { decodeMessage } from './kafka.ts';

export interface TriageOptions {
  producer: Producer;
  topic: string;
  clickhouse: ClickHouseClient;
  logger: Logger;
  /** how long a change may take to come back from Kafka */
  confirmTimeoutMs?: number;
  onDropped(reason: string): void;
}

export interface TriageAnswer {
  status: number;
  body: unknown;
}

export class Triage {
  readonly store = new StatusStore();
  private hub: Hub | undefined;
  private readonly options: TriageOptions;
  private readonly pending = new Map<string, (applied: boolean) => void>();
  private readonly locks = new Map<string, Promise<void>>();
  /** versions ClickHouse had at start: events beyond them read during catch-up are written (repair) */
  private readonly stored = new Map<string, number>();
  caughtUp = false;

  constructor(options: TriageOptions) {
    this.options = options;
  }

  attach(hub: Hub): void {
    this.hub = hub;
  }

  async seedFromClickHouse(): Promise<number> {
    const rows = await currentStates(this.options.clickhouse);
    for (const r of rows) {
      this.store.seed(r.alertId, {
        tenant: r.tenant,
        version: r.version,
        status: r.status,
        assignee: r.assignee,
      });
      this.stored.set(r.alertId, r.version);
    }
    return rows.length;
  }

  /** A message of the status topic, in log order (LiveReader). */
  onMessage(partition: number, m: KafkaMessage): void {
    const d = decodeMessage('s', partition, m);
    if (!d.ok) {
      this.options.onDropped(d.reason);
      this.hub!.skip('s', partition, Number(m.offset));
      return;
    }
    const event = d.entry.status!;
    const applied = this.store.apply(event);
    d.entry.applied = applied;
    if (applied && !this.caughtUp && event.version > (this.stored.get(event.alert_id) ?? 0)) {
      // accepted before this instance started, but not in ClickHouse: the instance that took it stopped first
      void this.write(event).catch(() => {});
    }
    this.hub!.publish(d.entry);
    this.pending.get(event.event_id)?.(applied);
  }

  private write(event: StatusEvent): Promise<void> {
    return retry(
      () =>
        this.options.clickhouse
          .insert({ table: 'alert_status', values: [statusRow(event)], format: 'JSONEachRow' })
          .then(() => {}),
      {
        retries: 5,
        initialDelayMs: 100,
        maxDelayMs: 2000,
        onRetry: (err) =>
          this.options.logger.warn({ err, alert: event.alert_id }, 'alert_status insert failed; retrying'),
      },
    );
  }

  /** The tenant of an alert: from memory, else from ClickHouse. */
  async tenantOf(alertId: string): Promise<string | undefined> {
    const recent = this.hub?.recentAlert(alertId);
    if (recent) return recent.meta!.tenant;
    const known = this.store.get(alertId);
    if (known) return known.tenant;
    return (await findAlert(this.options.clickhouse, alertId))?.tenant;
  }

  state(alertId: string, tenant: string): AlertState {
    return this.store.get(alertId) ?? { tenant, ...INITIAL_STATE };
  }

  /**
   * Changes of one alert on this instance run one after the other, so this instance never
   * writes a change that loses (only concurrent changes on two instances can race, and the
   * log decides those).
   */
  change(analyst: Analyst, alertId: string, request: StatusRequest): Promise<TriageAnswer> {
    const run = (this.locks.get(alertId) ?? Promise.resolve()).then(() =>
      this.changeNow(analyst, alertId, request),
    );
    const tail = run.then(
      () => {},
      () => {},
    );
    this.locks.set(alertId, tail);
    void tail.then(() => {
      if (this.locks.get(alertId) === tail) this.locks.delete(alertId);
    });
    return run;
  }

  private async changeNow(analyst: Analyst, alertId: string, request: StatusRequest): Promise<TriageAnswer> {
    if (!this.caughtUp) return { status: 503, body: { error: 'status not loaded yet; retry shortly' } };
    const tenant = await this.tenantOf(alertId);
    if (!tenant || !inScope(analyst.tenants, tenant))
      return { status: 404, body: { error: 'no such alert' } };
    const current = this.state(alertId, tenant);
    if (request.version !== current.version)
      return { status: 409, body: { error: 'stale version', current: publicState(current) } };
    const t = transition(current, request, analyst);
    if (!t.ok) return { status: t.http, body: { error: t.reason, current: publicState(current) } };
    const event: StatusEvent = {
      event_id: randomUUID(),
      alert_id: alertId,
      tenant,
      version: current.version + 1,
      prev_version: current.version,
      status: t.status,
      prev_status: current.status,
      assignee: t.assignee,
      action: request.action,
      reason: request.action === 'close' ? (request.reason ?? null) : null,
      comment: request.comment ?? null,
      actor: { id: analyst.id, name: analyst.name },
      at: new Date().toISOString(),
    };
    const timeoutMs = this.options.confirmTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const confirmed = new Promise<boolean | 'timeout'>((resolve) => {
      this.pending.set(event.event_id, resolve);
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      await this.options.producer.send({
        topic: this.options.topic,
        acks: -1,
        messages: [{ key: alertId, value: JSON.stringify(event) }],
      });
      const applied = await confirmed;
      if (applied === 'timeout')
        return {
          status: 503,
          body: { error: 'the change was sent but not confirmed in time; reload the alert' },
        };
      if (!applied)
        return {
          status: 409,
          body: { error: 'stale version', current: publicState(this.state(alertId, tenant)) },
        };
    } catch (err) {
      this.options.logger.warn({ err, alert: alertId }, 'status change not acknowledged by Kafka');
      return { status: 503, body: { error: 'Kafka did not acknowledge the change; retry' } };
    } finally {
      clearTimeout(timer);
      this.pending.delete(event.event_id);
    }
    try {
      await this.write(event);
    } catch (err) {
      this.options.logger.error(
        { err, alert: alertId },
        'alert_status insert failed; the change is on Kafka only',
      );
    }
    return { status: 200, body: { state: publicState(this.state(alertId, tenant)), event } };
  }
}

export function publicState(s: AlertState) {
  return { status: s.status, version: s.version, assignee: s.assignee };
}
