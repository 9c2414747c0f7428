// Retry storms over HTTP: the same request (one endpoint key) failing again and
// again (5xx, 429, a network error), each time re-sent soon after the failure
// without backing off and without honouring the server's Retry-After. A client
// that backs off, or waits as long as Retry-After asks, is no storm and no
// pattern. Fed by the detector on each request's start and completion, O(1)
// per request (O(log n) for the running medians); docs/patterns.md ("Retry
// storms") gives the rules, rules.ts the thresholds.

import { RunningMedian } from './median';
import type { Pattern, PatternState, RetryAttempt, RetryInfo, StormInfo } from './pattern';
import { RecognisedLoops } from './recognised-loops';
import { backsOff, type PatternIds } from './reconnect';
import type { Req } from './request';
import { RULES } from './rules';

/** Failed in a way a client retries: 5xx, 429, or a network error (a long-poll's 504 / 408 timeout is not). */
export function retryableFailure(r: Req): boolean {
  if (r.done === null) return false;
  if (r.failure === 'error') return true;
  if (r.failure !== null || r.status === null) return false;
  const hold = r.done - r.start;
  if ((r.status === 504 || r.status === 408) && hold >= RULES.retry.timeoutHoldMs) return false;
  return r.status >= 500 || r.status === 429;
}

/** The Retry-After header's advice in ms (delay-seconds, or an HTTP date relative to `at`); null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, at: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? null : Math.max(0, date - at);
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Whether the recent retries after a Retry-After waited as asked (false when none was asked). */
function honoursRetryAfter(recent: readonly RetryAttempt[]): boolean {
  let asked = 0;
  for (let i = 1; i < recent.length; i++) {
    const advice = (recent[i - 1] as RetryAttempt).retryAfterMs;
    const delay = (recent[i] as RetryAttempt).delayMs;
    if (advice === null || delay === null) continue;
    asked++;
    if (delay < advice - RULES.retry.retryAfterSlackMs) return false;
  }
  return asked > 0;
}

/**
 * Whether a run of failures (in start order, each re-sent after the one
 * before failed) storms: enough of them, the recent retries fast and not
 * backing off, and not waiting as Retry-After asked.
 */
export function retriesStorm(run: readonly RetryAttempt[]): boolean {
  const { minFailures, window, fastRetryMs } = RULES.retry;
  if (run.length < minFailures) return false;
  const recent = run.slice(-window - 1);
  const delays = recent.flatMap((a) => (a.delayMs === null ? [] : [a.delayMs]));
  if (median(delays) >= fastRetryMs || backsOff(delays)) return false;
  return !honoursRetryAfter(recent);
}

const round = (v: number): number => Math.round(v * 10) / 10;

/** A key that stormed: every failed attempt of its storming runs. */
class RetryLoop {
  readonly attempts: RetryAttempt[] = [];
  readonly connectionKeys: string[] = [];
  readonly statuses: number[] = [];
  private readonly holds = new RunningMedian();
  private readonly delays = new RunningMedian();
  private retryAfterSent = false;
  private stormStart: number;
  private stormEnd: number | null = null;
  private endSeen = false;
  version = 0;

  constructor(
    readonly id: string,
    readonly num: number,
    readonly key: string,
    private readonly first: Req,
    private readonly keyState: KeyState,
    startedAt: number,
  ) {
    this.stormStart = startedAt;
  }

  add(a: RetryAttempt): void {
    this.attempts.push(a);
    this.connectionKeys.push(a.connectionKey);
    this.holds.add(a.endedAt - a.startedAt);
    if (a.delayMs !== null) this.delays.add(a.delayMs);
    const status = a.status ?? 0;
    if (!this.statuses.includes(status)) this.statuses.push(status);
    if (a.retryAfterMs !== null) this.retryAfterSent = true;
    this.version++;
  }

  /** A run storms (again): ongoing from `at` unless it already is. */
  storming(at: number): void {
    if (this.stormEnd !== null) this.stormStart = at;
    this.stormEnd = null;
    this.version++;
  }

  /** The retries stopped storming at `at` (a success, a back-off). */
  calmed(at: number): void {
    if (this.stormEnd === null) this.stormEnd = at;
    this.version++;
  }

  storm(now: number): StormInfo {
    let endedAt = this.stormEnd;
    const last = this.attempts[this.attempts.length - 1] as RetryAttempt;
    // No retry for a calm period after the last failure: the client gave up.
    if (endedAt === null && this.keyState.inFlight === 0 && now - last.endedAt >= RULES.storm.calmMs)
      endedAt = last.endedAt;
    return { peakConcurrency: 1, startedAt: this.stormStart, endedAt };
  }

  reachedEnd(now: number): boolean {
    const ended = this.storm(now).endedAt !== null;
    if (ended === this.endSeen) return false;
    this.endSeen = ended;
    this.version++;
    return true;
  }

  snapshot(now: number): Pattern {
    const last = this.attempts[this.attempts.length - 1] as RetryAttempt;
    const storm = this.storm(now);
    const state: PatternState =
      this.keyState.inFlight > 0 ? 'held' : storm.endedAt === null ? 'gap' : 'waiting';
    const retry: RetryInfo = {
      attempts: this.attempts,
      statuses: this.statuses,
      retryAfterSent: this.retryAfterSent,
      retryAfterHonoured: this.retryAfterSent && honoursRetryAfter(this.attempts),
    };
    const first = this.attempts[0] as RetryAttempt;
    return {
      id: this.id,
      kind: 'retry-storm',
      method: this.first.route.method,
      url: this.first.displayUrl,
      key: this.key,
      docId: this.first.route.docId,
      httpTransport: this.first.conn.transport === 'fetch' ? 'fetch' : 'xhr',
      connectionKeys: this.connectionKeys,
      cycleKeys: this.connectionKeys,
      sendKeys: [],
      cycles: this.attempts.length,
      medianHoldMs: round(this.holds.value),
      medianGapMs: round(this.delays.value),
      medianIntervalMs: round(this.delays.value + this.holds.value),
      inFlight: this.keyState.inFlight,
      failures: this.attempts.length,
      state,
      storm,
      transport: null,
      upgrade: null,
      firstAt: first.startedAt,
      lastAt: last.endedAt,
      params: this.first.route.decisions(),
      retry,
      version: this.version,
    };
  }
}

interface KeyState {
  inFlight: number;
  /** The current run of failures, each re-sent after the previous one failed. */
  run: RetryAttempt[];
  /** How many of the run's attempts the loop already holds (the run storms from then on). */
  inLoop: number;
  loop: RetryLoop | null;
}

/** Finds retry storms among the HTTP requests. */
export class RetryLoops {
  private keys = new Map<string, KeyState>();
  private readonly loops = new RecognisedLoops<RetryLoop>();

  constructor(private readonly ids: PatternIds) {}

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { inFlight: 0, run: [], inLoop: 0, loop: null };
      this.keys.set(key, s);
    }
    return s;
  }

  onStart(r: Req): void {
    this.state(r.channelKey).inFlight++;
  }

  /** A request completed (`retryAfter`: its Retry-After header, if any). Returns whether a pattern changed. */
  onEnd(r: Req, retryAfter: string | undefined): boolean {
    const s = this.state(r.channelKey);
    s.inFlight = Math.max(0, s.inFlight - 1);
    const end = r.done as number;
    const prev = s.run[s.run.length - 1];
    const follows =
      prev !== undefined && r.start >= prev.endedAt && r.start - prev.endedAt <= RULES.retry.maxDelayMs;
    if (!retryableFailure(r)) {
      // An abort says nothing; anything else (a success, a 404) ends the run.
      if (r.failure === 'abort') return false;
      if (!follows && s.run.length > 0 && r.start < (prev as RetryAttempt).endedAt) return false;
      s.run = [];
      s.inLoop = 0;
      if (s.loop) {
        s.loop.calmed(r.start);
        return true;
      }
      return false;
    }
    const attempt: RetryAttempt = {
      connectionKey: r.conn.key,
      startedAt: r.start,
      endedAt: end,
      status: r.failure === null ? r.status : null,
      delayMs: follows ? r.start - (prev as RetryAttempt).endedAt : null,
      retryAfterMs: parseRetryAfter(retryAfter, end),
    };
    if (!follows) {
      s.run = [];
      s.inLoop = 0;
    }
    s.run.push(attempt);
    const storming = retriesStorm(s.run);
    if (!storming) {
      if (s.loop && s.inLoop > 0) {
        // Backing off now: the storm is over, and later failures are no longer its attempts.
        s.loop.calmed(r.start);
        s.inLoop = 0;
        s.run = [attempt];
        return true;
      }
      return false;
    }
    if (!s.loop) {
      const { id, num } = this.ids.nextPatternId();
      // Any request of the key names its method and endpoint.
      s.loop = new RetryLoop(id, num, r.channelKey, r, s, (s.run[0] as RetryAttempt).startedAt);
      this.loops.add(s.loop);
    }
    if (s.inLoop === 0) s.loop.storming((s.run[0] as RetryAttempt).startedAt);
    for (; s.inLoop < s.run.length; s.inLoop++) {
      const a = s.run[s.inLoop] as RetryAttempt;
      s.loop.add(a);
      this.loops.assign(a.connectionKey, s.loop);
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
