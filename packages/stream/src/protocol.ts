// The /v1/stream protocol, version 1 (docs/stream.md). JSON text frames both ways. The
// client messages are validated with these schemas; the server frames are described by
// types (and a schema tests and clients can use to check what they receive).
import { alertSchema } from '@soc/schema';
import { z } from 'zod';
import { filterSchema } from './filter.ts';
import { statusEventSchema, statuses } from './status.ts';

export const PROTOCOL_VERSION = 1;
/** most alerts a client may ask for with `last` */
export const MAX_LAST = 1000;

const cursorText = z.string().max(40_000);

/** client → server */
export const subscribeSchema = z.strictObject({
  type: z.literal('subscribe'),
  /** optional protocol version check: must be 1 when given */
  v: z.literal(PROTOCOL_VERSION).optional(),
  /** what to deliver; empty or absent: every alert in the analyst's scope */
  filter: filterSchema.optional(),
  /** resume: deliver what followed this cursor, then live (first subscribe only) */
  cursor: cursorText.optional(),
  /** start with the most recent N alerts that match, then live */
  last: z.number().int().min(0).max(MAX_LAST).optional(),
});

export const pingSchema = z.strictObject({
  type: z.literal('ping'),
  id: z.string().max(64).optional(),
});

export const clientMessageSchema = z.discriminatedUnion('type', [subscribeSchema, pingSchema]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type SubscribeMessage = z.infer<typeof subscribeSchema>;

export const alertStateSchema = z.strictObject({
  status: z.enum(statuses),
  version: z.number().int().min(0),
  assignee: z.string().nullable(),
});

/** server → client */
export const serverMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('hello'),
    version: z.literal(PROTOCOL_VERSION),
    analyst: z.strictObject({ id: z.string(), name: z.string(), role: z.string() }),
    tenants: z.union([z.literal('*'), z.array(z.string())]),
    cursor: z.string(),
    heartbeat_ms: z.number(),
  }),
  z.strictObject({
    type: z.literal('subscribed'),
    filter: filterSchema,
    tenants: z.union([z.literal('*'), z.array(z.string())]),
  }),
  z.strictObject({
    type: z.literal('alert'),
    cursor: z.string(),
    state: alertStateSchema,
    alert: alertSchema,
    replay: z.literal(true).optional(),
  }),
  z.strictObject({
    type: z.literal('status'),
    cursor: z.string(),
    event: statusEventSchema,
    replay: z.literal(true).optional(),
  }),
  z.strictObject({ type: z.literal('live'), cursor: z.string(), replayed: z.number() }),
  z.strictObject({ type: z.literal('heartbeat'), cursor: z.string(), at: z.string() }),
  z.strictObject({
    type: z.literal('gap'),
    reason: z.enum(['slow_client', 'replay_limit', 'retention']),
    from: z.string(),
    missed: z.number().optional(),
  }),
  z.strictObject({ type: z.literal('pong'), id: z.string().optional(), cursor: z.string() }),
  z.strictObject({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** WebSocket close codes the server uses (besides 1001 shutdown and 1009 message too big). */
export const CLOSE = {
  shutdown: 1001,
  tooBig: 1009,
  /** the analyst's token expired while connected */
  tokenExpired: 4001,
  /** behind for longer than the slow-client timeout, or its replay could not be delivered */
  tooSlow: 4008,
  /** too many invalid messages */
  protocolError: 4002,
} as const;
