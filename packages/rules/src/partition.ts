// A partition's correlation state: the reorder buffer of inputs waiting for the
// watermark, the timer queue (window expiries, deadlines, ends of suppression) and the
// groups of every correlation rule.
import type { GroupState } from './group.ts';
import { MinHeap } from './heap.ts';
import { ReorderBuffer } from './reorder.ts';

/** Correlation inputs of one event, extracted at arrival so the buffer holds no whole events. */
export interface Pending {
  ts: number;
  id: string;
  tenant: string;
  /**
   * FEED slots per input: correlation index, which of its refs matched, the group key
   * (scope — tenant or "*" — and group-by values joined by U+001F), the value or undefined
   */
  feeds: (number | string | undefined)[];
  /** per input: [scope, ...values] where the key cannot give them back; null when no input needs it */
  idents: (string[] | null)[] | null;
}

export const FEED = 4;

export type TimerKind = 'expiry' | 'deadline' | 'suppress_end';

export interface Timer {
  at: number;
  seq: number;
  c: number;
  key: string;
  kind: TimerKind;
  anchor?: number;
}

export class Partition {
  maxTs = Number.NEGATIVE_INFINITY;
  /** the last input applied, (releasedTs, releasedId); null id: none yet */
  releasedTs = Number.NEGATIVE_INFINITY;
  releasedId: string | null = null;
  readonly buffer = new ReorderBuffer<Pending>();
  readonly timers = new MinHeap<Timer>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  seq = 0;
  readonly groups: Map<string, GroupState>[];
  releasedCount = 0;
  /** event time and releasedCount of the last sweep for idle groups (not checkpointed) */
  sweptAt = Number.NEGATIVE_INFINITY;
  sweptAtCount = 0;
  lastCapAlert: number[];

  constructor(correlations: number) {
    this.groups = Array.from({ length: correlations }, () => new Map());
    this.lastCapAlert = new Array(correlations).fill(Number.NEGATIVE_INFINITY);
  }
}
