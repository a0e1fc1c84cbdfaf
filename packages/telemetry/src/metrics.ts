// Prometheus metrics. Each service owns a registry (passed in, never the global one) and
// names its metrics soc_<component>_<name>_<unit>. Every component reports what it
// received, sent, dropped (by reason) and its errors (by stage).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'soc_process_' });
  return registry;
}

/** The four counters every component reports (docs/operations.md, "Telemetry"). */
export function componentCounters(registry: Registry, component: string) {
  return {
    received: new Counter({
      name: `soc_${component}_received_total`,
      help: `Items received by ${component}`,
      registers: [registry],
    }),
    sent: new Counter({
      name: `soc_${component}_sent_total`,
      help: `Items sent on by ${component}`,
      registers: [registry],
    }),
    dropped: new Counter({
      name: `soc_${component}_dropped_total`,
      help: `Items ${component} did not pass on, by reason`,
      labelNames: ['reason'],
      registers: [registry],
    }),
    errors: new Counter({
      name: `soc_${component}_errors_total`,
      help: `Errors in ${component}, by stage`,
      labelNames: ['stage'],
      registers: [registry],
    }),
  };
}
export type ComponentCounters = ReturnType<typeof componentCounters>;
