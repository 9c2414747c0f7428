// A recognised loop: its members and its running statistics, kept
// incrementally (O(log n) per cycle), and the public snapshot of it.

import { RunningMedian } from './median';
import type { ParamDecision, Route } from './params';
import { failedForLoop, holdOf, type Req } from './request';
import { RULES } from './rules';
import type { TransportLabel } from './transports';

export type PatternKind = 'long-poll' | 'polling' | 'reconnect-loop' | 'retry-storm' | 'busy-loop';

/**
 * - 'held': a request of the loop is in flight (the server holds it / has not answered yet);
 * - 'gap': nothing in flight, and the loop is within its usual gap before the next request;
 * - 'waiting': nothing in flight for longer than the usual gap (paused, backing off, stopped or upgraded).
 */
export type PatternState = 'waiting' | 'held' | 'gap';

export interface StormInfo {
  /** Most requests of this key in flight at once. */
  peakConcurrency: number;
  /** When the second concurrent request started (page clock, ms since epoch). */
  startedAt: number;
  /**
   * When the storm ended: the moment the requests in flight fell back to what
   * the loop needs (one for a long-poll) and stayed there for a calm period
   * (see RULES.storm.calmMs). null while it goes on; a storm that flares up
   * again is ongoing again.
   */
  endedAt: number | null;
  /**
   * Reconnect loops only: why it is a storm: 'fast-retries' (the client
   * reconnects within about a second, without backing off) or 'short-lived'
   * (each connection lives less than a second and the client does not back off).
   */
  cause?: ReconnectStormCause;
}

export type ReconnectStormCause = 'fast-retries' | 'short-lived';

/** One connection attempt of a reconnect loop (an EventSource's own reconnects are attempts too). */
export interface ReconnectAttempt {
  /** Store key of the WebSocket or EventSource. */
  connectionKey: string;
  startedAt: number;
  /** When it opened; null if it never did. */
  openedAt: number | null;
  /** When it closed or failed; null while it lives. */
  endedAt: number | null;
  /** WebSocket close code, when one was recorded. */
  code: number | null;
  /** open → close/error; 0 when it never opened; null while it lives. */
  lifetimeMs: number | null;
  /** The previous attempt's end → this start; null for the first attempt. */
  delayMs: number | null;
}

/** What a reconnect loop adds to a pattern. */
export interface ReconnectInfo {
  transport: 'websocket' | 'eventsource';
  /** Every attempt in start order (shared with the detector; grows in place). */
  attempts: readonly ReconnectAttempt[];
  /** Distinct close codes in the order first seen. */
  closeCodes: readonly number[];
  /** Whether the recent delays grow (or are patient, ≥ 5 s): the client backs off. */
  backoff: boolean;
  /** 'connecting' / 'open': an attempt lives; 'waiting': before the next retry, or given up. */
  state: 'connecting' | 'open' | 'waiting';
}

/** One failed HTTP attempt of a retry storm. */
export interface RetryAttempt {
  /** Store key of the request. */
  connectionKey: string;
  startedAt: number;
  endedAt: number;
  /** HTTP status; null for a network error. */
  status: number | null;
  /** The previous failure's end → this start; null for the first attempt. */
  delayMs: number | null;
  /** The Retry-After the server sent with this failure (ms), when it sent one. */
  retryAfterMs: number | null;
}

/** What a retry storm adds to a pattern. */
export interface RetryInfo {
  /** Every failed attempt in start order (shared with the detector; grows in place). */
  attempts: readonly RetryAttempt[];
  /** Distinct statuses in the order first seen (0: a network error). */
  statuses: readonly number[];
  /** Whether any failure carried a Retry-After header. */
  retryAfterSent: boolean;
  /** Whether the retries after a Retry-After waited at least that long (false when none was sent). */
  retryAfterHonoured: boolean;
}

/** What a busy loop adds to a pattern. */
export interface BusyInfo {
  /** Requests a second over the loop's recent cycles. */
  requestsPerSecond: number;
}

export interface UpgradeInfo {
  /** Store key of the WebSocket the loop upgraded to. */
  connectionKey: string;
  url: string;
  startedAt: number;
}

/** How far a loop's cursor (a parameter dropped as one) has moved. */
export interface CursorProgress {
  /** The parameter's name (`since`, `offset`). */
  name: string;
  /** Values it took, counting each move along the loop's cycles once. */
  values: number;
  /** Its value in the latest cycle. */
  last: string;
}

/** A detected pattern, as handed to the panel and the export. Treat as read-only. */
export interface Pattern {
  /** p1, p2... in order of recognition; never renumbered. */
  id: string;
  kind: PatternKind;
  method: string;
  /** Endpoint: origin + path + the parameters kept in the key. */
  url: string;
  /** Identity of the endpoint (document + method + origin + path + kept parameters). */
  key: string;
  docId: string;
  /** The HTTP API of a long-poll or polling loop; null for a reconnect loop. */
  httpTransport: 'xhr' | 'fetch' | null;
  /** Store keys of every request of the channel: its cycles and its sends, in arrival order. */
  connectionKeys: readonly string[];
  cycleKeys: readonly string[];
  sendKeys: readonly string[];
  cycles: number;
  medianHoldMs: number;
  medianGapMs: number;
  medianIntervalMs: number;
  inFlight: number;
  failures: number;
  state: PatternState;
  storm: StormInfo | null;
  transport: TransportLabel | null;
  upgrade: UpgradeInfo | null;
  firstAt: number;
  lastAt: number;
  /** Why each query parameter was kept in or dropped from the key. */
  params: ParamDecision[];
  /** The loop's cursor, when a parameter was dropped as one. */
  cursor?: CursorProgress;
  /** Reconnect loops: the attempts, close codes, back-off and state; absent or null for HTTP loops. */
  reconnect?: ReconnectInfo | null;
  /** Retry storms: the failed attempts, statuses and Retry-After; absent for other kinds. */
  retry?: RetryInfo;
  /** Busy loops: the request rate they cost; absent for other kinds. */
  busy?: BusyInfo;
  /** Bumped whenever anything above changes. */
  version: number;
}

const round = (v: number): number => Math.round(v * 10) / 10;

export class PatternImpl {
  readonly cycleKeys: string[] = [];
  readonly sendKeys: string[] = [];
  readonly connectionKeys: string[] = [];
  private readonly holds = new RunningMedian();
  private readonly gaps = new RunningMedian();
  private readonly intervals = new RunningMedian();
  private inFlight = 0;
  private failures = 0;
  private lastEnd: number | null = null;
  private lastAt: number;
  private peak = 0;
  private stormStart: number | null = null;
  /** Since when the requests in flight are back to normal (null: not since the storm began, or storming). */
  private calmSince: number | null = null;
  /** Longest quiet spell a storm came back from: a loop storming in bursts needs a longer calm to be over. */
  private longestQuiet = 0;
  /** Whether the last `reachedEnd` found the storm over (so a change is told once). */
  private endSeen = false;
  /** Concurrency the loop already had when recognised (polling storms must exceed it). */
  private baseline = 0;
  /** Each parameter's value in the latest-started cycle and how often it moved (cursor progress). */
  private readonly paramTrail = new Map<string, { last: string; at: number; values: number }>();
  upgrade: UpgradeInfo | null = null;
  label: TransportLabel | null;
  version = 0;

  constructor(
    readonly id: string,
    readonly num: number,
    readonly kind: PatternKind,
    readonly key: string,
    readonly route: Route,
    readonly root: Req,
    label: TransportLabel | null,
  ) {
    this.label = label;
    this.lastAt = root.start;
  }

  /** Call once the initial members are in. */
  sealBaseline(): void {
    this.baseline = this.peak;
    // Replayed members do not tell when the loop calmed down: at best, at its last completion.
    if (this.stormStart !== null && this.inFlight <= this.normalInFlight()) this.calmSince = this.lastEnd;
  }

  /** Requests in flight the loop needs when it works: one for a long-poll, what it had when recognised for polling. */
  private normalInFlight(): number {
    return this.kind === 'long-poll' ? 1 : Math.max(1, this.baseline);
  }

  /** A request started: more in flight than normal ends a calm spell. */
  private breakCalm(at: number): void {
    if (this.calmSince === null || this.inFlight <= this.normalInFlight()) return;
    const quiet = at - this.calmSince;
    if (quiet < this.calmNeeded()) this.longestQuiet = Math.max(this.longestQuiet, quiet);
    this.calmSince = null;
  }

  /** How long the requests in flight must stay normal for the storm to be over. */
  private calmNeeded(): number {
    return Math.max(RULES.storm.calmMs, RULES.storm.calmQuietFactor * this.longestQuiet);
  }

  /**
   * When the storm is over, judged at `now`: the start of the calm spell that
   * has lasted long enough, else null (no storm, or still storming).
   */
  private stormEndAt(now: number): number | null {
    if (this.calmSince === null) return null;
    return now - this.calmSince >= this.calmNeeded() ? this.calmSince : null;
  }

  /**
   * Whether the storm's ended/ongoing state at `now` differs from the last
   * call's: time alone ends a storm, so the detector asks on its clock.
   */
  reachedEnd(now: number): boolean {
    const ended = this.storm() !== null && this.stormEndAt(now) !== null;
    if (ended === this.endSeen) return false;
    this.endSeen = ended;
    this.version++;
    return true;
  }

  addMember(r: Req): void {
    r.member = this;
    this.followParams(r);
    this.cycleKeys.push(r.conn.key);
    this.connectionKeys.push(r.conn.key);
    if (r.start > this.lastAt) this.lastAt = r.start;
    if (r.end === null) {
      this.inFlight++;
      this.breakCalm(r.start);
    } else this.countEnd(r);
    if (r.resolved) this.countResolved(r);
    this.version++;
  }

  private followParams(r: Req): void {
    for (const [name, value] of r.url.params) {
      const t = this.paramTrail.get(name);
      if (!t) this.paramTrail.set(name, { last: value, at: r.start, values: 1 });
      else if (r.start >= t.at) {
        if (value !== t.last) t.values++;
        t.last = value;
        t.at = r.start;
      }
    }
  }

  private cursor(params: readonly ParamDecision[]): CursorProgress | null {
    for (const d of params) {
      const t = d.cursor ? this.paramTrail.get(d.name) : undefined;
      if (t) return { name: d.name, values: t.values, last: t.last };
    }
    return null;
  }

  addSend(r: Req): void {
    if (r.sendOf === this) return;
    r.sendOf = this;
    this.sendKeys.push(r.conn.key);
    this.connectionKeys.push(r.conn.key);
    this.version++;
  }

  memberEnded(r: Req): void {
    this.inFlight--;
    this.countEnd(r);
    if (this.stormStart !== null && this.calmSince === null && this.inFlight <= this.normalInFlight())
      this.calmSince = r.end;
    this.version++;
  }

  memberResolved(r: Req): void {
    this.countResolved(r);
    this.version++;
  }

  private countEnd(r: Req): void {
    if (failedForLoop(r)) this.failures++;
    else this.holds.add(holdOf(r));
    const end = r.end as number;
    if (this.lastEnd === null || end > this.lastEnd) this.lastEnd = end;
    if (end > this.lastAt) this.lastAt = end;
  }

  private countResolved(r: Req): void {
    if (r.conc > this.peak) this.peak = r.conc;
    if (r.conc >= 2 && (this.stormStart === null || r.start < this.stormStart)) this.stormStart = r.start;
    const p = r.pred;
    if (p && p.member === this) {
      this.gaps.add(r.gap);
      this.intervals.add(r.start - p.start);
    }
  }

  storm(now?: number): StormInfo | null {
    if (this.stormStart === null) return null;
    const isStorm =
      this.kind === 'long-poll'
        ? this.peak >= RULES.storm.longPollPeak
        : this.peak >= RULES.storm.pollingPeak && this.peak > this.baseline;
    if (!isStorm) return null;
    const endedAt = now === undefined ? null : this.stormEndAt(now);
    return { peakConcurrency: this.peak, startedAt: this.stormStart, endedAt };
  }

  state(now: number): PatternState {
    if (this.inFlight > 0) return 'held';
    if (this.lastEnd === null) return 'waiting';
    const gap = this.gaps.value;
    const expected = Math.max(2 * gap, gap + 1000);
    return now - this.lastEnd <= expected ? 'gap' : 'waiting';
  }

  snapshot(now: number): Pattern {
    const params = this.route.decisions();
    const cursor = this.cursor(params);
    return {
      id: this.id,
      kind: this.kind,
      method: this.route.method,
      url: this.root.displayUrl,
      key: this.key,
      docId: this.route.docId,
      httpTransport: this.root.conn.transport === 'fetch' ? 'fetch' : 'xhr',
      connectionKeys: this.connectionKeys,
      cycleKeys: this.cycleKeys,
      sendKeys: this.sendKeys,
      cycles: this.cycleKeys.length,
      medianHoldMs: round(this.holds.value),
      medianGapMs: round(this.gaps.value),
      medianIntervalMs: round(this.intervals.value),
      inFlight: this.inFlight,
      failures: this.failures,
      state: this.state(now),
      storm: this.storm(now),
      transport: this.label,
      upgrade: this.upgrade,
      firstAt: this.root.start,
      lastAt: this.lastAt,
      params,
      ...(cursor ? { cursor } : {}),
      reconnect: null,
      version: this.version,
    };
  }
}
