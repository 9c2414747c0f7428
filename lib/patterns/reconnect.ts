// Reconnect loops: a WebSocket or EventSource of one document opened again and
// again to the same endpoint, each attempt after the previous one closed or
// failed. An EventSource's own automatic reconnects (error, then open again)
// are attempts too. Fed in arrival order like the HTTP detector, O(1) per
// connection and event (O(log n) for the running medians); docs/patterns.md
// ("Reconnect loops") gives the rules, rules.ts the thresholds.

import type { Connection, TimelineEvent } from '../timeline/store';
import { RunningMedian } from './median';
import { parseUrl } from './params';
import type {
  Pattern,
  PatternState,
  ReconnectAttempt,
  ReconnectInfo,
  ReconnectStormCause,
  StormInfo,
} from './pattern';
import { RecognisedLoops } from './recognised-loops';
import { RULES } from './rules';
import { shapeOf } from './shapes';

type SocketTransport = 'websocket' | 'eventsource';

/** Gives each recognised loop the next pattern id, shared with the HTTP loops. */
export interface PatternIds {
  nextPatternId(): { id: string; num: number };
}

/**
 * The endpoint a socket connects to: document + transport + origin + path +
 * the query parameters that name something. Parameters whose value looks
 * volatile (a timestamp, a random number or id, a counter such as an attempt
 * number), or whose name is a common cache-buster or names a credential or
 * session (token, sid…), are dropped: a reconnecting client often sends a
 * new token, session id or attempt number each time.
 */
export function endpointOf(
  docId: string,
  transport: SocketTransport,
  url: string,
): { key: string; displayUrl: string } {
  const u = parseUrl(url);
  const kept: string[] = [];
  for (const [name, value] of u.params) {
    const lower = name.toLowerCase();
    if (RULES.params.cacheBusterNames.includes(lower) || RULES.reconnect.credentialNames.includes(lower))
      continue;
    if (value !== '' && shapeOf(value) !== 'other') continue;
    kept.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  const query = kept.length > 0 ? `?${kept.join('&')}` : '';
  const displayUrl = `${u.origin}${u.path}${query}`;
  return { key: `${docId}|${transport}|${displayUrl}`, displayUrl };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Whether a run of delays backs off: the slope of log(delay + floor) over the
 * retries, fitted by least squares, is at least log(backoffGrowth); or the
 * retries are patient anyway (a back-off at its cap).
 */
export function backsOff(delays: readonly number[]): boolean {
  const { backoffGrowth, backoffFloorMs, patientDelayMs } = RULES.reconnect;
  if (delays.length === 0) return false;
  if (median(delays) >= patientDelayMs) return true;
  if (delays.length < 2) return false;
  const n = delays.length;
  const meanX = (n - 1) / 2;
  let meanY = 0;
  const ys = delays.map((d) => Math.log(Math.max(0, d) + backoffFloorMs));
  for (const y of ys) meanY += y / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, i) => {
    num += (i - meanX) * (y - meanY);
    den += (i - meanX) ** 2;
  });
  return num / den >= Math.log(backoffGrowth);
}

/** Why recent retries make a storm, or null: fast or short-lived, and not backing off. */
export function stormCause(
  delays: readonly number[],
  lifetimes: readonly number[],
): ReconnectStormCause | null {
  if (delays.length < RULES.reconnect.stormMinRetries || backsOff(delays)) return null;
  if (median(delays) < RULES.reconnect.fastRetryMs) return 'fast-retries';
  if (lifetimes.length > 0 && median(lifetimes) < RULES.reconnect.shortLifeMs) return 'short-lived';
  return null;
}

/** A chain of attempts to one endpoint; a reconnect loop once it has minCycles attempts. */
class Loop {
  id: string | null = null;
  num = 0;
  readonly attempts: ReconnectAttempt[] = [];
  readonly connectionKeys: string[] = [];
  readonly closeCodes: number[] = [];
  private readonly lifetimes = new RunningMedian();
  private readonly delays = new RunningMedian();
  private readonly intervals = new RunningMedian();
  private failures = 0;
  private backoff = false;
  private stormStart: number | null = null;
  private stormEnd: number | null = null;
  private stormCause: ReconnectStormCause | null = null;
  /** Whether the last `reachedEnd` found the storm over (so a change is told once). */
  private endSeen = false;
  version = 0;

  constructor(
    readonly key: string,
    readonly docId: string,
    readonly transport: SocketTransport,
    readonly url: string,
  ) {}

  get firstAt(): number {
    return (this.attempts[0] as ReconnectAttempt).startedAt;
  }

  get last(): ReconnectAttempt | undefined {
    return this.attempts[this.attempts.length - 1];
  }

  /** Whether a new connection starting at `t` can be this loop's retry. */
  canRetryAt(t: number): boolean {
    const end = this.last?.endedAt;
    return end !== null && end !== undefined && t >= end && t - end <= RULES.reconnect.maxDelayMs;
  }

  add(a: ReconnectAttempt): void {
    const prev = this.last;
    if (prev && prev.endedAt !== null) {
      a.delayMs = Math.max(0, a.startedAt - prev.endedAt);
      this.delays.add(a.delayMs);
      this.intervals.add(a.startedAt - prev.startedAt);
    }
    this.attempts.push(a);
    // A connection's attempts are consecutive (an EventSource's own reconnects): O(1), not a scan.
    if (this.connectionKeys[this.connectionKeys.length - 1] !== a.connectionKey)
      this.connectionKeys.push(a.connectionKey);
    this.judge(a.startedAt);
  }

  ended(a: ReconnectAttempt): void {
    a.lifetimeMs = a.openedAt === null ? 0 : Math.max(0, (a.endedAt as number) - a.openedAt);
    if (a.openedAt === null) this.failures++;
    this.lifetimes.add(a.lifetimeMs);
    this.addCode(a);
    this.judge(a.endedAt as number);
  }

  addCode(a: ReconnectAttempt): void {
    if (a.code !== null && !this.closeCodes.includes(a.code)) this.closeCodes.push(a.code);
    this.version++;
  }

  /** Judges the recent retries: back-off, and whether they storm (a storm ends when they stop). */
  private judge(at: number): void {
    this.version++;
    const w = RULES.reconnect.window;
    const recent = this.attempts.slice(-w - 1);
    const delays = recent.flatMap((a) => (a.delayMs === null ? [] : [a.delayMs]));
    const lifetimes = recent.flatMap((a) => (a.lifetimeMs === null ? [] : [a.lifetimeMs]));
    this.backoff = backsOff(delays);
    if (this.attempts.length < RULES.minCycles) return;
    const cause = stormCause(delays, lifetimes);
    if (cause) {
      this.stormCause = cause;
      if (this.stormStart === null) this.stormStart = (recent[0] as ReconnectAttempt).startedAt;
      this.stormEnd = null;
    } else if (this.stormStart !== null && this.stormEnd === null) this.stormEnd = at;
  }

  /**
   * The storm at `now`: over when the retries stopped storming, or when
   * nothing was retried for a calm period after the last end (the client
   * gave up), or when a connection has now lived that long.
   */
  storm(now: number): StormInfo | null {
    if (this.stormStart === null || this.stormCause === null) return null;
    let endedAt = this.stormEnd;
    const last = this.last as ReconnectAttempt;
    const calm = RULES.storm.calmMs;
    if (endedAt === null) {
      if (last.endedAt !== null && now - last.endedAt >= calm) endedAt = last.endedAt;
      else if (last.endedAt === null && last.openedAt !== null && now - last.openedAt >= calm)
        endedAt = last.openedAt;
    }
    return { peakConcurrency: 1, startedAt: this.stormStart, endedAt, cause: this.stormCause };
  }

  reachedEnd(now: number): boolean {
    const storm = this.storm(now);
    const ended = storm !== null && storm.endedAt !== null;
    if (ended === this.endSeen) return false;
    this.endSeen = ended;
    this.version++;
    return true;
  }

  snapshot(now: number): Pattern {
    const last = this.last as ReconnectAttempt;
    const live = last.endedAt === null;
    const reconnect: ReconnectInfo = {
      transport: this.transport,
      attempts: this.attempts,
      closeCodes: this.closeCodes,
      backoff: this.backoff,
      state: !live ? 'waiting' : last.openedAt === null ? 'connecting' : 'open',
    };
    const state: PatternState = live ? 'held' : 'waiting';
    return {
      id: this.id as string,
      kind: 'reconnect-loop',
      method: 'GET',
      url: this.url,
      key: this.key,
      docId: this.docId,
      httpTransport: null,
      connectionKeys: this.connectionKeys,
      cycleKeys: this.connectionKeys,
      sendKeys: [],
      cycles: this.attempts.length,
      medianHoldMs: round(this.lifetimes.value),
      medianGapMs: round(this.delays.value),
      medianIntervalMs: round(this.intervals.value),
      inFlight: live ? 1 : 0,
      failures: this.failures,
      state,
      storm: this.storm(now),
      transport: null,
      upgrade: null,
      firstAt: (this.attempts[0] as ReconnectAttempt).startedAt,
      lastAt: last.endedAt ?? last.openedAt ?? last.startedAt,
      params: [],
      reconnect,
      version: this.version,
    };
  }
}

const round = (v: number): number => Math.round(v * 10) / 10;

/** How much earlier than the previous close a retry's creation may be recorded (see ReconnectLoops.fresh). */
const SLACK_MS = RULES.handoverSlackMs;

interface Socket {
  loop: Loop;
  transport: SocketTransport;
  /** The attempt that lives now, or null between an EventSource's reconnects. */
  current: ReconnectAttempt | null;
  last: ReconnectAttempt;
}

/** Finds reconnect loops among the WebSocket and EventSource connections. */
export class ReconnectLoops {
  private sockets = new Map<string, Socket>();
  /** Per endpoint key, the loops whose last attempt has ended (a new connection may be their retry). */
  private idle = new Map<string, Loop[]>();
  /**
   * Per endpoint key, loops begun (in the last maxDelayMs) by a connection
   * that found no loop to retry. A close that reaches the detector after the
   * next connection's creation still makes that connection its loop's retry:
   * the page hook sends a close after the messages before it, which may
   * wait, while a creation goes at once; and a close is stamped on the event
   * clock, a creation when it is seen, a few ms apart.
   */
  private fresh = new Map<string, Loop[]>();
  private readonly loops = new RecognisedLoops<Loop>();

  constructor(private readonly ids: PatternIds) {}

  /** A WebSocket or EventSource was created: a new attempt. Returns whether a loop changed. */
  onConnection(conn: Connection): boolean {
    if (conn.transport !== 'websocket' && conn.transport !== 'eventsource') return false;
    if (this.sockets.has(conn.key)) return false;
    const { key, displayUrl } = endpointOf(conn.docId, conn.transport, conn.url);
    let loop = this.takeIdle(key, conn.startedAt);
    if (!loop) {
      loop = new Loop(key, conn.docId, conn.transport, displayUrl);
      const list = (this.fresh.get(key) ?? []).filter(
        (l) => l.id === null && conn.startedAt - l.firstAt <= RULES.reconnect.maxDelayMs,
      );
      list.push(loop);
      this.fresh.set(key, list);
    }
    const attempt = newAttempt(conn.key, conn.startedAt);
    this.sockets.set(conn.key, { loop, transport: conn.transport, current: attempt, last: attempt });
    return this.addAttempt(loop, attempt);
  }

  /** An event of a WebSocket or EventSource, in arrival order. Returns whether a loop changed. */
  onEvent(ev: TimelineEvent): boolean {
    const s = this.sockets.get(ev.connection.key);
    if (!s) return false;
    const rec = ev.record;
    switch (rec.type) {
      case 'open': {
        if (s.current) {
          if (s.current.openedAt === null) s.current.openedAt = rec.time;
          return s.loop.id !== null;
        }
        // A WebSocket opens once; an open after its end is bad input.
        if (s.transport !== 'eventsource') return false;
        // An EventSource reconnected by itself: the next attempt, opened.
        const a = newAttempt(ev.connection.key, rec.time);
        a.openedAt = rec.time;
        s.current = a;
        s.last = a;
        this.forgetIdle(s.loop);
        return this.addAttempt(s.loop, a);
      }
      case 'error':
        if (s.current) return this.end(s, rec.time, null);
        if (s.transport !== 'eventsource') return false;
        // An EventSource's own reconnect that failed before it opened: an attempt that never opened.
        {
          const a = newAttempt(ev.connection.key, rec.time);
          s.current = a;
          s.last = a;
          this.forgetIdle(s.loop);
          this.addAttempt(s.loop, a);
          return this.end(s, rec.time, null);
        }
      case 'close':
        if (s.current) return this.end(s, rec.time, rec.code ?? null);
        // A WebSocket's close after its error: the close code of the attempt that failed.
        if (s.last.code === null && rec.code !== undefined) {
          s.last.code = rec.code;
          s.loop.addCode(s.last);
          return s.loop.id !== null;
        }
        return false;
      default:
        return false;
    }
  }

  /** The reconnect loops (at least minCycles attempts) with their pattern numbers, in recognition order. */
  snapshots(now: number): Array<{ num: number; pattern: Pattern }> {
    return this.loops.snapshots(now);
  }

  patternIdOf(connectionKey: string): string | null {
    return this.sockets.get(connectionKey)?.loop.id ?? null;
  }

  /** Whether any loop's storm ended or flared up by `now` (time alone ends one). */
  reachedEnd(now: number): boolean {
    return this.loops.reachedEnd(now);
  }

  private addAttempt(loop: Loop, a: ReconnectAttempt): boolean {
    loop.add(a);
    if (loop.id === null && loop.attempts.length >= RULES.minCycles) {
      const { id, num } = this.ids.nextPatternId();
      loop.id = id;
      loop.num = num;
      this.loops.add(loop);
    }
    return loop.id !== null;
  }

  private end(s: Socket, time: number, code: number | null): boolean {
    const a = s.current as ReconnectAttempt;
    a.endedAt = Math.max(time, a.startedAt);
    a.code = code;
    s.current = null;
    s.loop.ended(a);
    this.pushIdle(s.loop);
    this.adoptRetry(s.loop, a);
    return s.loop.id !== null;
  }

  /**
   * The attempt `ended` of `loop` just ended. A loop of this endpoint begun
   * after it, or at most the slack before its end, by a connection that found
   * no loop to retry (the close had not reached the detector yet) is this
   * loop's retry: its attempts join this loop. Sockets open side by side
   * began earlier and stay apart.
   */
  private adoptRetry(loop: Loop, ended: ReconnectAttempt): void {
    const end = ended.endedAt as number;
    const list = this.fresh.get(loop.key);
    let retry: Loop | undefined;
    for (const l of list ?? []) {
      if (l === loop || l.id !== null || l.firstAt < end - SLACK_MS || l.firstAt < ended.startedAt) continue;
      if (l.firstAt - end > RULES.reconnect.maxDelayMs) continue;
      if (!retry || l.firstAt < retry.firstAt) retry = l;
    }
    if (!list || !retry) return;
    this.fresh.set(
      loop.key,
      list.filter((l) => l !== retry),
    );
    this.forgetIdle(retry);
    this.forgetIdle(loop);
    for (const a of retry.attempts) {
      this.addAttempt(loop, a);
      if (a.endedAt !== null) loop.ended(a);
    }
    for (const key of retry.connectionKeys) {
      const s = this.sockets.get(key);
      if (s) s.loop = loop;
    }
    if ((loop.last as ReconnectAttempt).endedAt !== null) this.pushIdle(loop);
  }

  /** The loop of this endpoint that ended most recently and may be retried at t; removed from the idle list. */
  private takeIdle(key: string, t: number): Loop | null {
    const list = this.idle.get(key);
    if (!list) return null;
    // Loops that waited too long are no longer retried.
    const fresh = list.filter((l) => t - (l.last?.endedAt ?? t) <= RULES.reconnect.maxDelayMs);
    let best: Loop | null = null;
    for (const l of fresh)
      if (l.canRetryAt(t) && (!best || (l.last?.endedAt as number) > (best.last?.endedAt as number)))
        best = l;
    const rest = fresh.filter((l) => l !== best);
    if (rest.length > 0) this.idle.set(key, rest);
    else this.idle.delete(key);
    return best;
  }

  private pushIdle(loop: Loop): void {
    const list = this.idle.get(loop.key);
    if (!list) this.idle.set(loop.key, [loop]);
    else if (!list.includes(loop)) list.push(loop);
  }

  private forgetIdle(loop: Loop): void {
    const list = this.idle.get(loop.key);
    if (!list) return;
    const rest = list.filter((l) => l !== loop);
    if (rest.length > 0) this.idle.set(loop.key, rest);
    else this.idle.delete(loop.key);
  }
}

function newAttempt(connectionKey: string, startedAt: number): ReconnectAttempt {
  return {
    connectionKey,
    startedAt,
    openedAt: null,
    endedAt: null,
    code: null,
    lifetimeMs: null,
    delayMs: null,
  };
}
