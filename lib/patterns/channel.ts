// All requests of one endpoint key, and the rules that make them a loop.
//
// Each request is linked to its predecessor: the request of the same key that
// completed most recently before it started (allowing the hand-over slack).
// A link is a long-poll link or a polling link depending on how the
// predecessor was answered and how long the client waited (see linkLongPoll
// and linkPoll). Chains of links are tracked per request, so a loop whose
// polls fan out (the seed's storm) still forms chains. The first chain that
// satisfies a rule confirms the pattern; from then on every request of the key
// is a cycle of it.

import { upperBound } from '../sorted';
import type { PatternImpl, PatternKind } from './pattern';
import {
  clearlyHeld,
  endedByTimeout,
  failedForLoop,
  holdOf,
  isEmptyAnswer,
  isSuccess,
  type LongPollRun,
  type PollRun,
  type Req,
} from './request';
import { RULES } from './rules';
import type { TransportLabel } from './transports';

export interface ChannelHost {
  /** Called once a rule is satisfied; returns the pattern (new, or keeping an earlier id on rebuild). */
  confirm(channel: Channel, kind: PatternKind, root: Req): PatternImpl;
  /** Asks for resolve(r) once the clock passes r.start + handover slack. */
  schedule(r: Req): void;
}

const SLACK = RULES.handoverSlackMs;
const RUN_MEMORY = RULES.polling.looseWindow;
/** Early resolution is tried only while few requests are in flight (storms wait for the clock). */
const EARLY_RESOLVE_MAX_OPEN = 4;

function median(a: readonly number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function near(x: number, ref: number, rel: number): boolean {
  return Math.abs(x - ref) <= rel * ref + RULES.polling.tightAbsMs;
}

function tight(a: number, b: number): boolean {
  return Math.abs(a - b) <= RULES.polling.tightAbsMs + RULES.polling.tightRel * Math.max(a, b);
}

/**
 * q completed just after t but was essentially done (its remaining time at
 * most a few ms, or a tenth of how long it had been in flight, and within the
 * slack): a request started at t took over from it (the page re-issued inside
 * the readyState 4 handler, before loadend was recorded). Siblings launched
 * together with r are still far from done, or still waiting for their
 * headers, and count as concurrent.
 */
export function isHandover(q: Pick<Req, 'start' | 'end' | 'headersAt'>, t: number): boolean {
  const end = q.end;
  if (end === null || end <= t || end > t + SLACK || q.start >= t) return false;
  // The readyState 4 handler runs after the response headers arrived. Without
  // this, a storm against a server answering in a few ms (siblings started
  // 1-3 ms apart, answered in turn by Chromium's cache lock) looked like a
  // chain of hand-overs, cutting the loop's first polls out of its channel.
  if (q.headersAt !== null && q.headersAt > t) return false;
  return end - t <= Math.max(RULES.handoverTailMs, 0.1 * (t - q.start));
}

/** A period a timer would be set to: a little after a multiple of a round grain. */
export function isTimerPeriod(ms: number): boolean {
  const { timerGrainMs, timerEarlyMs, timerLateMs } = RULES.polling;
  const grain = timerGrainMs.find(([below]) => ms < below)?.[1] ?? 1000;
  const over = ms % grain;
  return ms >= grain - timerEarlyMs && (over <= timerLateMs || over >= grain - timerEarlyMs);
}

/** All of the values within looseRel of their median. */
function allNear(values: readonly number[]): boolean {
  const m = median(values);
  return values.every((v) => near(v, m, RULES.polling.looseRel));
}

export class Channel {
  /** Requests by start time. */
  reqs: Req[] = [];
  private starts: number[] = [];
  /** Completion times (ascending) and the request of each. */
  private endTimes: number[] = [];
  private endReqs: Req[] = [];
  private open = new Set<Req>();
  private pending = new Set<Req>();
  pattern: PatternImpl | null = null;

  constructor(
    readonly key: string,
    private readonly host: ChannelHost,
    /** Send channels (Engine.IO POSTs, SockJS xhr_send) carry a session's messages, never a loop. */
    readonly sendOnly: boolean,
    readonly label: TransportLabel | null,
    /** Recognised from the URL alone (a known transport's session): no need to wait for 3 cycles. */
    readonly early: boolean,
  ) {}

  get size(): number {
    return this.reqs.length;
  }

  /** A request started. Resolves it now if nothing else of this key is in flight, else later. */
  start(r: Req): void {
    r.end = null;
    r.resolved = false;
    let i = this.reqs.length;
    while (i > 0 && (this.starts[i - 1] as number) > r.start) i--;
    this.reqs.splice(i, 0, r);
    this.starts.splice(i, 0, r.start);
    this.open.add(r);
    if (this.pattern && r.start >= this.pattern.root.start) this.pattern.addMember(r);
    if (this.open.size === 1) this.resolve(r);
    else {
      this.pending.add(r);
      this.host.schedule(r);
    }
  }

  /** A request completed (r.done is set). */
  end(r: Req): void {
    if (r.end !== null || r.done === null || !this.open.has(r)) return;
    r.end = r.done;
    this.open.delete(r);
    let i = this.endTimes.length;
    while (i > 0 && (this.endTimes[i - 1] as number) > r.end) i--;
    this.endTimes.splice(i, 0, r.end);
    this.endReqs.splice(i, 0, r);
    if (r.member === this.pattern && this.pattern) this.pattern.memberEnded(r);
    if (this.pending.size > 0 && this.open.size <= EARLY_RESOLVE_MAX_OPEN) this.resolveUnblocked();
  }

  /** Resolves pending requests that no earlier-started request in flight could still affect. */
  private resolveUnblocked(): void {
    for (const p of this.pending) {
      let blocked = false;
      for (const q of this.open) if (q !== p && q.start <= p.start) blocked = true;
      if (!blocked) this.resolve(p);
    }
  }

  /** Decides a request's predecessor, concurrency and chains; may confirm the pattern. */
  resolve(r: Req): void {
    if (r.resolved) return;
    r.resolved = true;
    this.pending.delete(r);
    r.conc = this.concurrencyAt(r);
    const p = this.predecessorOf(r);
    r.pred = p;
    r.gap = p ? Math.max(0, r.start - (p.end as number)) : 0;
    r.lp = p ? this.linkLongPoll(p, r) : null;
    r.poll = p ? this.linkPoll(p, r) : null;
    if (r.lp === null) r.lp = { depth: 1, clear: 0, ok: 0, root: r };
    if (r.poll === null) r.poll = { len: 1, intervals: [], gaps: [], root: r };
    if (r.member === this.pattern && this.pattern) {
      this.pattern.memberResolved(r);
      return;
    }
    if (this.pattern || this.sendOnly) return;
    if (this.early) {
      this.pattern = this.host.confirm(this, 'long-poll', this.reqs[0] as Req);
      return;
    }
    const lpOk = r.lp.depth >= RULES.minCycles && r.lp.clear >= 1 && r.lp.ok >= 1;
    const fanningOut = p !== null && r.conc >= RULES.polling.fanOutInFlight;
    const pollOk = this.pollConfirmed(r.poll, fanningOut);
    if (!lpOk && !pollOk) return;
    let kind: PatternKind = lpOk ? 'long-poll' : 'polling';
    if (lpOk && pollOk && p) kind = holdOf(p) >= r.gap ? 'long-poll' : 'polling';
    else if (p && holdOf(p) >= RULES.longPoll.emptyHoldMs && this.fannedOut(r.poll.root, r))
      kind = 'long-poll';
    this.pattern = this.host.confirm(
      this,
      kind,
      kind === 'long-poll' ? this.loopStart(r.lp.root, null) : this.loopStart(r.poll.root, r.poll.intervals),
    );
  }

  /**
   * Whether a request of this key started from `root` up to r (r included,
   * at most 64 back) found fanOutInFlight of the key in flight: the loop fans
   * out even when the request that confirms it started alone (the first of a
   * storm's generation), so its kind does not depend on which request came
   * first.
   */
  private fannedOut(root: Req, r: Req): boolean {
    for (let i = this.reqs.indexOf(r), steps = 0; i >= 0 && steps < 64; i--, steps++) {
      const q = this.reqs[i] as Req;
      if (q.start < root.start) break;
      if (q.resolved && q.conc >= RULES.polling.fanOutInFlight) return true;
    }
    return false;
  }

  /**
   * The first request of the loop whose chain starts at `root`: earlier
   * requests linked to it by a long-poll or polling link, each within the
   * long-poll gap. A storm's siblings break chains (a sibling's predecessor is
   * another sibling answered a moment earlier, with no idle gap), so the chain
   * that confirms a storming loop may start a generation or two late; its
   * linked ancestors are the same loop and belong to the channel. A polling
   * loop's (`intervals`: those of its confirming run) also reaches back over
   * ticks whose answer came after the next tick (see overlappedTick).
   */
  private loopStart(root: Req, intervals: readonly number[] | null): Req {
    const period = intervals && intervals.length > 0 ? median(intervals) : null;
    let first = root;
    for (let steps = 0; steps < 64; steps++) {
      const p = first.pred;
      const linked = (first.lp?.depth ?? 1) > 1 || (first.poll?.len ?? 1) > 1;
      if (p && linked && first.gap <= RULES.longPoll.maxGapMs) first = p;
      else {
        const tick = period === null ? null : this.overlappedTick(first, period);
        if (!tick) break;
        first = tick;
      }
    }
    return first;
  }

  /**
   * The previous tick of an interval timer whose answer was slow: the
   * request of this key started last before r, still in flight when r
   * started, one period (within looseRel) earlier. A timer fires whether or
   * not the last answer came, so the two overlap and no polling link (which
   * needs an idle gap) joins them; a page stalled for a second does the same
   * to a loop whose server answers at once.
   */
  private overlappedTick(r: Req, period: number): Req | null {
    const i = this.reqs.indexOf(r);
    const q = i > 0 ? this.reqs[i - 1] : undefined;
    if (!q || q.start >= r.start) return null;
    const inFlight = q.end === null ? q.done === null || q.done > r.start : q.end > r.start;
    if (!inFlight || (q.end !== null && failedForLoop(q))) return null;
    return near(r.start - q.start, period, RULES.polling.looseRel) ? q : null;
  }

  /**
   * Requests of this key in flight when r started (r included), not counting
   * a hand-over: a request that completes within the slack after r started
   * and had been in flight longer than it still had to go.
   */
  private concurrencyAt(r: Req): number {
    const t = r.start;
    const started = upperBound(this.starts, t);
    const endedBefore = upperBound(this.endTimes, t);
    let handovers = 0;
    const last = upperBound(this.endTimes, t + SLACK);
    for (let i = endedBefore; i < last; i++) if (isHandover(this.endReqs[i] as Req, t)) handovers++;
    return Math.max(1, started - endedBefore - handovers);
  }

  /**
   * The request of this key that completed most recently before r started,
   * or that r took over from (see isHandover); never a sibling launched
   * together with r.
   */
  private predecessorOf(r: Req): Req | null {
    let i = upperBound(this.endTimes, r.start + SLACK) - 1;
    for (let steps = 0; i >= 0 && steps < 64; i--, steps++) {
      const q = this.endReqs[i] as Req;
      if (q === r || q.start >= r.start) continue;
      if ((q.end as number) <= r.start || isHandover(q, r.start)) return q;
    }
    return null;
  }

  /**
   * Long-poll link p -> r: p did not fail, r started shortly after p
   * completed, and p was held: its hold is at least the gap, or it ended by a
   * timeout, or it ended empty after a while.
   */
  private linkLongPoll(p: Req, r: Req): LongPollRun | null {
    if (failedForLoop(p) || r.gap > RULES.longPoll.maxGapMs) return null;
    const hold = holdOf(p);
    const held =
      hold >= r.gap || endedByTimeout(p) || (isEmptyAnswer(p) && hold >= RULES.longPoll.emptyHoldMs);
    if (!held) return null;
    const run = p.lp ?? { depth: 1, clear: 0, ok: 0, root: p };
    return {
      depth: run.depth + 1,
      clear: run.clear + (clearlyHeld(p) ? 1 : 0),
      ok: run.ok + (isSuccess(p) ? 1 : 0),
      root: run.root,
    };
  }

  /**
   * Polling link p -> r: p was answered successfully and quickly (its hold
   * no longer than the idle gap after it), and the client then stayed idle
   * for a while. The run continues while intervals (or gaps) stay regular.
   */
  private linkPoll(p: Req, r: Req): PollRun | null {
    const interval = r.start - p.start;
    if (!isSuccess(p) || r.gap < RULES.polling.minGapMs || holdOf(p) > r.gap) return null;
    if (interval > RULES.polling.maxIntervalMs) return null;
    const run = p.poll;
    const fresh: PollRun = { len: 2, intervals: [interval], gaps: [r.gap], root: p };
    if (!run || run.len === 1) return { ...fresh, root: run?.root ?? p };
    const rel = RULES.polling.looseRel;
    const regular = near(interval, median(run.intervals), rel) || near(r.gap, median(run.gaps), rel);
    if (!regular) return fresh;
    return {
      len: run.len + 1,
      intervals: [...run.intervals, interval].slice(-RUN_MEMORY),
      gaps: [...run.gaps, r.gap].slice(-RUN_MEMORY),
      root: run.root,
    };
  }

  /**
   * Three requests whose two intervals (or gaps) agree as a timer's and equal
   * a round timer period; four to six whose intervals (or gaps) all agree as
   * a timer's; or seven and more whose last six intervals (or gaps) are within
   * looseRel of their median; or, while its polls fan out (see fanOutInFlight),
   * three and more whose intervals (or gaps) are within looseRel of their median.
   */
  private pollConfirmed(run: PollRun, fanningOut: boolean): boolean {
    if (run.len < RULES.minCycles) return false;
    if (fanningOut && (allNear(run.intervals) || allNear(run.gaps))) return true;
    const agree = (values: readonly number[], periodic: boolean) =>
      tight(Math.min(...values), Math.max(...values)) && (!periodic || isTimerPeriod(median(values)));
    const periodic = run.len === RULES.minCycles;
    if (agree(run.intervals, periodic) || agree(run.gaps, periodic)) return true;
    const window = RULES.polling.looseWindow;
    return run.len > window && (allNear(run.intervals.slice(-window)) || allNear(run.gaps.slice(-window)));
  }

  /**
   * Replays the given requests from scratch (after their keys changed), in
   * time order, up to `clock`; requests whose decision must still wait are
   * scheduled again.
   */
  rebuild(reqs: readonly Req[], clock: number): void {
    this.reqs = [];
    this.starts = [];
    this.endTimes = [];
    this.endReqs = [];
    this.open = new Set();
    this.pending = new Set();
    this.pattern = null;
    type Op = { t: number; kind: 0 | 1; r: Req };
    const ops: Op[] = [];
    for (const r of reqs) {
      r.end = null;
      r.resolved = false;
      r.pred = null;
      r.lp = null;
      r.poll = null;
      r.conc = 0;
      r.member = null;
      ops.push({ t: r.start, kind: 0, r });
      if (r.done !== null) ops.push({ t: r.done, kind: 1, r });
    }
    ops.sort((a, b) => a.t - b.t || a.kind - b.kind);
    const settle = (before: number) => {
      for (const p of this.pending) if (p.start + SLACK < before) this.resolve(p);
    };
    for (const op of ops) {
      settle(op.t);
      if (op.kind === 0) this.start(op.r);
      else this.end(op.r);
    }
    settle(clock);
  }
}
