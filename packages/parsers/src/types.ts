// The parser contract: a pure function from one raw line (and the context the transport
// knows: tenant, receive time) to one ECS event or a ParseError. Parsers never throw on
// input; `runParser` enforces that and validates every event against the shared schema.
// A parser may leave fields it did not find undefined and objects empty: `runParser` drops
// those (see compact()) as it validates.
import type { EcsEvent } from '@soc/schema';

export interface ParseContext {
  /** organization.id, given by the transport (never taken from the payload) */
  tenant: string;
  /** when the transport received the line; fills in what the line lacks (year, time) */
  receivedAt: Date;
  /** keep the raw line in event.original */
  keepOriginal: boolean;
  /**
   * State carried from line to line of one stream (one request body, one syslog
   * connection, one file): formats with a header line (Zeek TSV "#fields", Windows Firewall
   * "#Fields:", AWS VPC custom field lists) keep the column list here. Absent: no header seen.
   */
  stream?: Record<string, unknown>;
  /**
   * Log prefixes of this sensor's netfilter rules and what they mean, checked before the
   * built-in ones (UFW, DROP/REJECT/ACCEPT): a case-insensitive substring of the prefix.
   */
  iptablesPrefixes?: readonly IptablesPrefix[];
}

export interface IptablesPrefix {
  match: string;
  action: string;
  type: 'allowed' | 'denied' | 'connection';
}

/**
 * Why a line gave no event. `header` is not an error: the line carried stream metadata
 * (a column list) and was consumed; callers count it as neither accepted nor rejected.
 */
export type ParseErrorCode = 'header' | 'empty' | 'syntax' | 'unsupported' | 'schema' | 'internal';

export interface ParseError {
  code: ParseErrorCode;
  message: string;
}

export type ParseResult = { ok: true; event: EcsEvent } | { ok: false; error: ParseError };

export interface Parser {
  /** the `format` name used by the API and the CLI */
  name: string;
  description: string;
  parse(line: string, ctx: ParseContext): ParseResult;
  /** cheap test whether a line looks like this format (for format=auto); no full parse */
  sniff(line: string): boolean;
}

export const fail = (code: ParseErrorCode, message: string): ParseResult => ({
  ok: false,
  error: { code, message },
});

/** The result for a header line that a stateful format consumed. */
export const header = (message = 'header line'): ParseResult => fail('header', message);
