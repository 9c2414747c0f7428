// Busy loops: a loop shaped like a long-poll (the next request starts as soon
// as the previous answer arrives) whose server answers every request at once,
// so the client burns requests as fast as the round trip allows. Fed by the
// detector on each request's start and completion, O(1) per request (O(log n)
// for the running medians); docs/patterns.md ("Busy loops") gives the rules,
// rules.ts the thresholds.

import { RunningMedian } from './median';
import type { Pattern, PatternState } from './pattern';
import { RecognisedLoops } from './recognised-loops';
import type { PatternIds } from './reconnect';
import type { Req } from './request';
import { RULES } from './rules';
import { shapeOf } from './shapes';

function answeredOk(r: Req): boolean {
  if (r.done === null || r.failure !== null) return false;
  return r.status === null || (r.status >= 200 && r.status < 400);
}

/** A parameter whose change means nothing: a cache-buster, a timestamp, a random number. */
function volatileParam(name: string, value: string): boolean {
  if (RULES.params.cacheBusterNames.includes(name.toLowerCase())) return true;
  const shape = shapeOf(value);
  return shape === 'timestamp' || shape === 'random-number';
}

/**
 * Whether `next` asks for something else than `prev` did: a parameter other
 * than a cache-buster moved (a page, an offset, a cursor). A crawl moves on
 * every request; a busy loop asks the same thing again.
 */
function movesOn(prev: Req, next: Req): boolean {
  const before = new Map(prev.url.params);
  for (const [name, value] of next.url.params)
    if (before.get(name) !== value && !volatileParam(name, value)) return true;
  return false;
}

/**
 * Whether `next` re-asked at once after `prev` was answered without being
 * held, for the same thing: 'at-once', 'late' (a hand-over a busy machine
 * delayed, RULES.busy.lateGapMs; the run takes one now and then), or null.
 * "Answered at once" is judged over the run (its median hold, see
 * `runIsBusy`): one answer slowed by a busy machine does not break it.
 */
export function busyLink(prev: Req, next: Req): 'at-once' | 'late' | null {
  if (!answeredOk(prev)) return null;
  const done = prev.done as number;
  const gap = next.start - done;
  if (done - prev.start >= RULES.longPoll.clearHoldMs || gap < -RULES.handoverSlackMs) return null;
  if (gap > RULES.busy.lateGapMs || movesOn(prev, next)) return null;
  return gap <= RULES.busy.maxGapMs ? 'at-once' : 'late';
}

const round = (v: number): number => Math.round(v * 10) / 10;

/** A run of busy links is a busy loop once long enough and its recent answers came back at once (median hold). */
export function runIsBusy(run: readonly Req[]): boolean {
  if (run.length < RULES.busy.minCycles) return false;
  const holds = run
    .slice(-RULES.busy.rateWindow)
    .flatMap((r) => (r.done === null ? [] : [r.done - r.start]))
    .sort((a, b) => a - b);
  if (holds.length === 0) return false;
  const m = holds.length >> 1;
  const median =
    holds.length % 2 ? (holds[m] as number) : ((holds[m - 1] as number) + (holds[m] as number)) / 2;
  return median < RULES.busy.maxHoldMs;
}

class BusyLoop {
  readonly connectionKeys: string[] = [];
  private readonly starts: number[] = [];
  private readonly holds = new RunningMedian();
  private readonly gaps = new RunningMedian();
  private busyStart: number;
  private busyEnd: number | null = null;
  private endSeen = false;
  private lastEnd: number | null = null;
  version = 0;

  constructor(
    readonly id: string,
    readonly num: number,
    readonly key: string,
    private readonly first: Req,
    private readonly keyState: KeyState,
    startedAt: number,
  ) {
    this.busyStart = startedAt;
  }

  add(r: Req, gap: number | null): void {
    this.connectionKeys.push(r.conn.key);
    this.starts.push(r.start);
    if (r.done !== null) this.ended(r);
    if (gap !== null) this.gaps.add(Math.max(0, gap));
    this.version++;
  }

  ended(r: Req): void {
    const done = r.done as number;
    this.holds.add(done - r.start);
    if (this.lastEnd === null || done > this.lastEnd) this.lastEnd = done;
    this.version++;
  }

  busyAgain(at: number): void {
    if (this.busyEnd !== null) this.busyStart = at;
    this.busyEnd = null;
    this.version++;
  }

  calmed(at: number): void {
    if (this.busyEnd === null) this.busyEnd = at;
    this.version++;
  }

  /** Requests a second over the last cycles. */
  rate(): number {
    const n = Math.min(this.starts.length, RULES.busy.rateWindow);
    if (n < 2) return 0;
    const span =
      (this.starts[this.starts.length - 1] as number) - (this.starts[this.starts.length - n] as number);
    return span > 0 ? round(((n - 1) * 1000) / span) : 0;
  }

  endedAt(now: number): number | null {
    if (this.busyEnd !== null) return this.busyEnd;
    // Nothing re-asked for a calm period: the loop stopped.
    if (this.keyState.inFlight === 0 && this.lastEnd !== null && now - this.lastEnd >= RULES.storm.calmMs)
      return this.lastEnd;
    return null;
  }

  reachedEnd(now: number): boolean {
    const ended = this.endedAt(now) !== null;
    if (ended === this.endSeen) return false;
    this.endSeen = ended;
    this.version++;
    return true;
  }

  snapshot(now: number): Pattern {
    const endedAt = this.endedAt(now);
    const state: PatternState = this.keyState.inFlight > 0 ? 'held' : endedAt === null ? 'gap' : 'waiting';
    const cycles = this.connectionKeys.length;
    const span = (this.starts[cycles - 1] as number) - (this.starts[0] as number);
    return {
      id: this.id,
      kind: 'busy-loop',
      method: this.first.route.method,
      url: this.first.displayUrl,
      key: this.key,
      docId: this.first.route.docId,
      httpTransport: this.first.conn.transport === 'fetch' ? 'fetch' : 'xhr',
      connectionKeys: this.connectionKeys,
      cycleKeys: this.connectionKeys,
      sendKeys: [],
      cycles,
      medianHoldMs: round(this.holds.value),
      medianGapMs: round(this.gaps.value),
      medianIntervalMs: cycles > 1 ? round(span / (cycles - 1)) : 0,
      inFlight: this.keyState.inFlight,
      failures: 0,
      state,
      // A busy loop is a fault like a storm: the panel warns while it goes on.
      storm: { peakConcurrency: 1, startedAt: this.busyStart, endedAt },
      transport: null,
      upgrade: null,
      firstAt: this.starts[0] as number,
      lastAt: this.lastEnd ?? (this.starts[cycles - 1] as number),
      params: this.first.route.decisions(),
      busy: { requestsPerSecond: this.rate() },
      version: this.version,
    };
  }
}

interface KeyState {
  inFlight: number;
  /** The latest-started request of the key, whose link to the next one is judged once both are known. */
  last: Req | null;
  /** The current run of busy links (its requests in start order). */
  run: Req[];
  inLoop: number;
  /** Index in `run` of its latest late link's request (-1: none). */
  lateAt: number;
  loop: BusyLoop | null;
}

/** Finds busy loops among the HTTP requests. */
export class BusyLoops {
  private keys = new Map<string, KeyState>();
  private readonly loops = new RecognisedLoops<BusyLoop>();
  /** Requests whose link from the previous one waits for that one's answer. */
  private waiting = new Map<Req, Req>();

  constructor(private readonly ids: PatternIds) {}

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { inFlight: 0, last: null, run: [], inLoop: 0, lateAt: -1, loop: null };
      this.keys.set(key, s);
    }
    return s;
  }

  /** A request started. Returns whether a pattern changed. */
  onStart(r: Req): boolean {
    const s = this.state(r.channelKey);
    s.inFlight++;
    const prev = s.last;
    s.last = r;
    if (!prev) return false;
    if (prev.done === null) {
      this.waiting.set(prev, r);
      return false;
    }
    return this.link(s, prev, r);
  }

  /** A request completed. Returns whether a pattern changed. */
  onEnd(r: Req): boolean {
    const s = this.state(r.channelKey);
    s.inFlight = Math.max(0, s.inFlight - 1);
    let changed = false;
    const loop = this.loops.loopOf(r.conn.key);
    if (loop) {
      loop.ended(r);
      changed = true;
    }
    const next = this.waiting.get(r);
    if (next) {
      this.waiting.delete(r);
      if (this.link(s, r, next)) changed = true;
    }
    return changed;
  }

  private link(s: KeyState, prev: Req, next: Req): boolean {
    const link = busyLink(prev, next);
    // A late link continues a run, once in a while; never starts one.
    const lateTaken =
      link === 'late' &&
      s.run.length > 0 &&
      (s.lateAt < 0 || s.run.length - s.lateAt >= RULES.busy.rateWindow);
    if (link === null || (link === 'late' && !lateTaken)) {
      s.run = [];
      s.inLoop = 0;
      s.lateAt = -1;
      if (s.loop && this.loops.loopOf(prev.conn.key) === s.loop) {
        // The loop stopped spinning when the request that was held (or failed, or moved on) was sent.
        s.loop.calmed(prev.start);
        return true;
      }
      return false;
    }
    if (s.run.length === 0) s.run.push(prev);
    s.run.push(next);
    if (lateTaken) s.lateAt = s.run.length - 1;
    if (!runIsBusy(s.run)) {
      // Answers held again: the loop is no longer busy (it may become so again).
      if (s.loop && s.inLoop > 0) {
        s.loop.calmed(next.start);
        s.run = [next];
        s.inLoop = 0;
        s.lateAt = -1;
        return true;
      }
      return false;
    }
    if (!s.loop) {
      const { id, num } = this.ids.nextPatternId();
      s.loop = new BusyLoop(id, num, next.channelKey, next, s, (s.run[0] as Req).start);
      this.loops.add(s.loop);
    }
    if (s.inLoop === 0) s.loop.busyAgain((s.run[0] as Req).start);
    for (; s.inLoop < s.run.length; s.inLoop++) {
      const m = s.run[s.inLoop] as Req;
      const before = s.inLoop > 0 ? (s.run[s.inLoop - 1] as Req) : null;
      s.loop.add(m, before?.done != null ? m.start - before.done : null);
      this.loops.assign(m.conn.key, s.loop);
    }
    return true;
  }

  snapshots(now: number): Array<{ num: number; pattern: Pattern }> {
    return this.loops.snapshots(now);
  }

  patternIdOf(connectionKey: string): string | null {
    return this.loops.patternIdOf(connectionKey);
  }

  reachedEnd(now: number): boolean {
    return this.loops.reachedEnd(now);
  }
}
