// Kafka failures as values with a closed set of codes, so callers decide by `retriable`
// (Kafka unreachable or slow → retry later / 503) rather than by message text.
export type KafkaErrorCode = 'unavailable' | 'timeout' | 'rejected';

export class KafkaError extends Error {
  override name = 'KafkaError';
  readonly code: KafkaErrorCode;
  readonly retriable: boolean;
  constructor(code: KafkaErrorCode, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retriable = retriable;
  }
}

export function toKafkaError(err: unknown): KafkaError {
  if (err instanceof KafkaError) return err;
  const e = err as { name?: string; message?: string; retriable?: boolean };
  const text = `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
  if (/timeout|timed out/i.test(text)) return new KafkaError('timeout', text, true, { cause: err });
  if (/connect|ECONNREFUSED|broker|leader|not available|disconnect|closed/i.test(text) || e?.retriable) {
    return new KafkaError('unavailable', text, true, { cause: err });
  }
  return new KafkaError('rejected', text, false, { cause: err });
}
