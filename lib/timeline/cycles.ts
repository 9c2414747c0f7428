// A long-poll or polling channel's cycles as a table: each request of the
// loop in start order, with its hold, the gap before it, how it ended, its
// size, and how many of the loop's requests were in flight when it started
// (the poll-storm signal), counted as the detector counts them (a hand-over
// is not an overlap: see lib/patterns/channel.ts). O(n log n) in the cycles.

import { isHandover } from '../patterns/channel';
import { medianOf } from '../patterns/median';
import { RULES } from '../patterns/rules';
import { upperBound } from '../sorted';
import type { ExchangeFacts } from './exchanges';
import type { TimelineEvent } from './store';

/**
 * How a cycle ended: answered ('ok', or 'http-error' for 4xx/5xx), 'failed'
 * (network error), 'aborted', 'timeout'; 'pending' while live and in flight,
 * 'pending-at-export' for an exchange still open when an imported file was saved.
 */
export type CycleOutcome =
  | 'ok'
  | 'http-error'
  | 'failed'
  | 'aborted'
  | 'timeout'
  | 'pending'
  | 'pending-at-export';

export interface Cycle {
  /** Store key of the request. */
  key: string;
  /** 1-based position in start order. */
  number: number;
  start: number;
  /** Start minus the previous cycle's start; null for the first. */
  sincePrevious: number | null;
  /** Start → response headers (or first response), else → end; null while nothing came back. */
  hold: number | null;
  /**
   * The previous cycle's end → this start (0 for a hand-over); null for the
   * first, or when the previous one was still in flight (an overlap).
   */
  gap: number | null;
  end: number | null;
  status: number | null;
  outcome: CycleOutcome;
  /** Why an ended-with-error cycle failed, as recorded. */
  reason: string | null;
  /** Response bytes. */
  bytes: number;
  /** The channel's requests in flight when it started, this one included. */
  inFlight: number;
  /** In flight together with another cycle of the channel at some moment (not a hand-over). */
  overlapped: boolean;
  /** The request's first event, to select it in the list (null before any arrived). */
  event: TimelineEvent | null;
}

/** What a channel's cycles are read from: a Pattern fits. */
export interface CycleChannel {
  cycleKeys: readonly string[];
}

export interface CycleOptions {
  /** An imported (finished) timeline: an exchange still open was pending when it was saved. */
  imported: boolean;
}

const SLACK = RULES.handoverSlackMs;

function outcomeOf(f: ExchangeFacts, end: number | null, imported: boolean): CycleOutcome {
  if (end === null) return imported ? 'pending-at-export' : 'pending';
  if (f.failure === 'abort') return 'aborted';
  if (f.failure === 'timeout') return 'timeout';
  if (f.failure === 'error' || f.connection.state === 'error') return 'failed';
  const status = f.connection.status;
  return status !== null && status >= 400 ? 'http-error' : 'ok';
}

interface Timing {
  start: number;
  end: number | null;
  headersAt: number | null;
}

/** The channel's cycles in start order; keys the index does not know are left out. */
export function channelCycles(
  channel: CycleChannel,
  factsOf: (key: string) => ExchangeFacts | undefined,
  options: CycleOptions,
): Cycle[] {
  const known: ExchangeFacts[] = [];
  for (const key of channel.cycleKeys) {
    const f = factsOf(key);
    if (f) known.push(f);
  }
  // Mostly in order already (the detector adds cycles as they come): a near-linear sort.
  known.sort((a, b) => a.connection.startedAt - b.connection.startedAt);

  const timings: Timing[] = known.map((f) => ({
    start: f.connection.startedAt,
    end: f.endAt ?? f.connection.endedAt,
    headersAt: f.headersAt,
  }));
  const starts = timings.map((t) => t.start);
  const ended = timings.filter((t) => t.end !== null).sort((a, b) => (a.end as number) - (b.end as number));
  const ends = ended.map((t) => t.end as number);

  const inFlightAt = (t: number): number => {
    const started = upperBound(starts, t);
    const endedBefore = upperBound(ends, t);
    let handovers = 0;
    const last = upperBound(ends, t + SLACK);
    for (let i = endedBefore; i < last; i++) if (isHandover(ended[i] as Timing, t)) handovers++;
    return Math.max(1, started - endedBefore - handovers);
  };

  /** A cycle started after `t` (by start order) while `t` was still in flight, and not as its hand-over. */
  const overlappedLater = (i: number): boolean => {
    const own = timings[i] as Timing;
    for (let k = i + 1; k < timings.length; k++) {
      const next = timings[k] as Timing;
      if (own.end !== null && next.start >= own.end) return false;
      if (!isHandover(own, next.start)) return true;
    }
    return false;
  };

  return known.map((f, i): Cycle => {
    const t = timings[i] as Timing;
    const prev = i > 0 ? (timings[i - 1] as Timing) : null;
    let gap: number | null = null;
    if (prev && prev.end !== null && (prev.end <= t.start || isHandover(prev, t.start)))
      gap = Math.max(0, t.start - prev.end);
    const responseAt = t.headersAt ?? t.end;
    const inFlight = inFlightAt(t.start);
    return {
      key: f.connection.key,
      number: i + 1,
      start: t.start,
      sincePrevious: prev ? t.start - prev.start : null,
      hold: responseAt === null ? null : Math.max(0, responseAt - t.start),
      gap,
      end: t.end,
      status: f.connection.status,
      outcome: outcomeOf(f, t.end, options.imported),
      reason: f.reason,
      bytes: f.connection.bytesReceived,
      inFlight,
      overlapped: inFlight > 1 || overlappedLater(i),
      event: f.first,
    };
  });
}

export interface CycleSummary {
  cycles: number;
  /** Median hold of the cycles answered or timed out (null when none was). */
  medianHoldMs: number | null;
  medianGapMs: number | null;
  /** Cycles that failed, were aborted or answered 4xx/5xx. */
  failures: number;
  /** Cycles in flight now (live) or when the file was saved (imported). */
  pending: number;
  overlapped: number;
  /** Most of the channel's requests in flight at once. */
  peakInFlight: number;
}

const FAILED: ReadonlySet<CycleOutcome> = new Set(['failed', 'aborted', 'http-error']);

export function summarizeCycles(cycles: readonly Cycle[]): CycleSummary {
  const holds: number[] = [];
  const gaps: number[] = [];
  let failures = 0;
  let pending = 0;
  let overlapped = 0;
  let peakInFlight = 0;
  for (const c of cycles) {
    if ((c.outcome === 'ok' || c.outcome === 'timeout') && c.hold !== null) holds.push(c.hold);
    if (c.gap !== null) gaps.push(c.gap);
    if (FAILED.has(c.outcome)) failures++;
    if (c.end === null) pending++;
    if (c.overlapped) overlapped++;
    if (c.inFlight > peakInFlight) peakInFlight = c.inFlight;
  }
  return {
    cycles: cycles.length,
    medianHoldMs: holds.length > 0 ? medianOf(holds) : null,
    medianGapMs: gaps.length > 0 ? medianOf(gaps) : null,
    failures,
    pending,
    overlapped,
    peakInFlight,
  };
}

/** The status column: the HTTP status, or what became of a request that has none. */
export function cycleStatusLabel(c: Cycle): string {
  switch (c.outcome) {
    case 'pending':
      return 'pending';
    case 'pending-at-export':
      return 'pending at export';
    case 'aborted':
      return 'aborted';
    case 'timeout':
      return 'timed out';
    case 'failed':
      return 'failed';
    default:
      return c.status !== null ? String(c.status) : 'done';
  }
}
