// Kafka topic names, versioned. A namespace lets tests and parallel deployments share a
// broker without sharing topics.
export interface Topics {
  events: string;
  alerts: string;
  dlq: string;
  alertStatus: string;
}

export function topicNames(namespace = 'soc'): Topics {
  return {
    events: `${namespace}.events.v1`,
    alerts: `${namespace}.alerts.v1`,
    dlq: `${namespace}.dlq.v1`,
    alertStatus: `${namespace}.alert-status.v1`,
  };
}
