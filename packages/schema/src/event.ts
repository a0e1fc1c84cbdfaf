// The normalised event: a subset of the Elastic Common Schema (ECS 8.x), nested as ECS
// specifies. One schema for every service, parser and test. Field reference:
// https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html
import { z } from 'zod';

export const ECS_VERSION = '8.11.0';

/** ISO 8601 in UTC with milliseconds, the only timestamp form on Kafka. */
export const isoTimestamp = z.iso.datetime({ offset: false, precision: 3 });

const port = z.number().int().min(0).max(65535);
const count = z.number().int().min(0);

export const eventKinds = ['alert', 'event', 'metric', 'state', 'signal', 'pipeline_error'] as const;
export const eventCategories = [
  'authentication',
  'configuration',
  'host',
  'intrusion_detection',
  'malware',
  'network',
  'process',
  'session',
  'threat',
  'web',
] as const;
export const eventTypes = [
  'access',
  'allowed',
  'connection',
  'denied',
  'end',
  'error',
  'info',
  'protocol',
  'start',
] as const;
export const eventOutcomes = ['success', 'failure', 'unknown'] as const;
export const networkDirections = ['inbound', 'outbound', 'internal', 'external', 'unknown'] as const;

const endpoint = z.strictObject({
  ip: z.string().min(1).max(64).optional(),
  port: port.optional(),
  bytes: count.optional(),
  packets: count.optional(),
  mac: z.string().max(64).optional(),
  domain: z.string().max(255).optional(),
});

export const ecsEventSchema = z.strictObject({
  '@timestamp': isoTimestamp,
  ecs: z.strictObject({ version: z.string() }),
  event: z.strictObject({
    id: z.string().min(1).max(64),
    kind: z.enum(eventKinds),
    category: z.array(z.enum(eventCategories)).min(1),
    type: z.array(z.enum(eventTypes)).min(1),
    action: z.string().max(128).optional(),
    outcome: z.enum(eventOutcomes).optional(),
    severity: z.number().int().min(0).max(1000).optional(),
    dataset: z.string().max(128).optional(),
    module: z.string().max(64).optional(),
    original: z.string().optional(),
    ingested: isoTimestamp.optional(),
  }),
  organization: z.strictObject({ id: z.string().min(1).max(128) }),
  observer: z
    .strictObject({
      vendor: z.string().max(128).optional(),
      product: z.string().max(128).optional(),
      type: z.string().max(64).optional(),
      name: z.string().max(255).optional(),
      hostname: z.string().max(255).optional(),
      ingress: z.strictObject({ interface: z.strictObject({ name: z.string().max(64) }) }).optional(),
      egress: z.strictObject({ interface: z.strictObject({ name: z.string().max(64) }) }).optional(),
    })
    .optional(),
  source: endpoint.optional(),
  destination: endpoint.optional(),
  network: z
    .strictObject({
      transport: z.string().max(32).optional(),
      protocol: z.string().max(32).optional(),
      iana_number: z.string().max(3).optional(),
      direction: z.enum(networkDirections).optional(),
      bytes: count.optional(),
      packets: count.optional(),
      community_id: z.string().max(64).optional(),
    })
    .optional(),
  rule: z
    .strictObject({
      id: z.string().max(128).optional(),
      name: z.string().max(512).optional(),
      category: z.string().max(256).optional(),
    })
    .optional(),
  host: z.strictObject({ name: z.string().max(255) }).optional(),
  user: z.strictObject({ name: z.string().max(255) }).optional(),
  tags: z.array(z.string().max(128)).max(64).optional(),
  labels: z.record(z.string().max(64), z.string().max(256)).optional(),
});

export type EcsEvent = z.infer<typeof ecsEventSchema>;

/** Validates a value as an ECS event; returns the issues as one readable line on failure. */
export function validateEvent(value: unknown): { ok: true; event: EcsEvent } | { ok: false; reason: string } {
  const result = ecsEventSchema.safeParse(value);
  if (result.success) return { ok: true, event: result.data };
  const first = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return { ok: false, reason: `schema: ${first.join('; ')}` };
}
