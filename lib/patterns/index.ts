// Long-polling, polling, poll-storm, reconnect-loop, retry-storm and busy-loop detection.
//
// HOW TO WIRE IT (panel):
//
//   const detector = new PatternDetector();
//   // after every store.ingest(...) batch, and on a ~250 ms timer while live:
//   detector.update(store, Date.now());   // processes only what is new; re-reads after clear/navigation
//   const patterns = detector.patterns(Date.now());  // Pattern[] in recognition order (p1, p2, ...)
//   detector.patternIdOf(conn.key);       // 'p3' if the request is a cycle (or a send) of p3, else null
//   detector.version;                     // bumps on every change: cheap "re-render?" check
//
// Imported timeline (one shot, all decisions settled):
//   const patterns = detectPatterns(store.connections, store.events);
//
// Findings: `findingsOf(patterns, …)` gives the storms to show in the strip;
// `findingSentence(p)` says in one sentence what is wrong with a pattern and
// how to fix it (null for a healthy loop), exported as `finding`.
//
// Export: `patterns.map(toPatternForExport)` gives the PatternForExport[] that
// lib/export/timeline.ts maps to `patterns` (storm, transport, upgrade and the
// parameter decisions travel in `extra`).
//
// Lower level (same result as update): detector.onConnection(conn) and
// detector.onEvent(timelineEvent), in arrival order; detector.advance(now);
// detector.flush() at the end of a finished timeline.
//
// What a Pattern holds (see pattern.ts): id, kind 'long-poll' | 'polling' |
// 'reconnect-loop' (WebSocket / EventSource reopened again and again, see
// reconnect.ts; its attempts, close codes, back-off and state in `reconnect`),
// method, url (endpoint, volatile parameters removed), connectionKeys (cycles
// and sends, store keys), cycleKeys, sendKeys, cycles, medianHoldMs,
// medianGapMs, medianIntervalMs, inFlight, failures, state 'held' | 'gap' |
// 'waiting', storm {peakConcurrency, startedAt} | null, transport
// 'engine.io' | 'sockjs-xhr-polling' | 'sockjs-xhr-streaming' | null, upgrade
// {connectionKey, url, startedAt} | null (the WebSocket an Engine.IO session
// upgraded to), params (why each query parameter was kept or dropped), cursor
// {name, values, last} | null (the loop's cursor parameter and its progress);
// kind 'retry-storm' (one failing request re-sent at once again and again,
// retry.ts; its failed attempts, statuses and Retry-After in `retry`) and
// 'busy-loop' (re-requested as soon as each instant answer arrives, busy.ts;
// its rate in `busy`) carry their fault as an ongoing `storm`.
// Snapshot arrays are shared with the detector and grow in place: read them,
// do not modify them.
//
// Cost: O(log n) per request and event (binary searches, heaps, running
// medians); scripts/bench/patterns.ts measures it over 100,000 requests.

import type { PatternForExport } from '../export/timeline';
import type { Connection, TimelineEvent } from '../timeline/store';
import { PatternDetector } from './detector';
import { findingSentence } from './findings';
import type { Pattern } from './pattern';

export { PatternDetector, type StoreLike } from './detector';
export {
  commonInitiator,
  type Finding,
  type FindingKind,
  type FindingsOptions,
  type FindingText,
  findingSentence,
  findingsOf,
  stormText,
} from './findings';
export type { ParamDecision } from './params';
export type {
  BusyInfo,
  CursorProgress,
  Pattern,
  PatternKind,
  PatternState,
  ReconnectAttempt,
  ReconnectInfo,
  ReconnectStormCause,
  RetryAttempt,
  RetryInfo,
  StormInfo,
  UpgradeInfo,
} from './pattern';
export { RULES } from './rules';
export type { TransportLabel } from './transports';

/** Runs the detector over a complete timeline and settles every decision. */
export function detectPatterns(
  connections: readonly Connection[],
  events: readonly TimelineEvent[],
  now?: number,
): Pattern[] {
  const detector = new PatternDetector();
  detector.update({ connections, events });
  detector.flush();
  return detector.patterns(now ?? lastTime(connections, events));
}

function lastTime(connections: readonly Connection[], events: readonly TimelineEvent[]): number {
  let t = 0;
  for (const c of connections) if (c.startedAt > t) t = c.startedAt;
  for (const e of events) if (e.time > t) t = e.time;
  return t;
}

/** The export form: store keys stay keys (the export builder maps them to ids); additions go to `extra`. */
export function toPatternForExport(p: Pattern): PatternForExport {
  const extra: Record<string, unknown> = {
    sends: p.sendKeys.length,
    medianIntervalMs: p.medianIntervalMs,
    failures: p.failures,
    state: p.state,
    storm: p.storm,
    transport: p.transport,
    droppedParams: p.params.filter((d) => !d.kept).map((d) => ({ name: d.name, reason: d.reason })),
  };
  if (p.upgrade) extra.upgrade = { url: p.upgrade.url, startedAt: p.upgrade.startedAt };
  if (p.cursor) extra.cursor = { ...p.cursor };
  if (p.reconnect) {
    const r = p.reconnect;
    extra.transport = r.transport;
    extra.backoff = r.backoff;
    extra.state = r.state;
    extra.closeCodes = [...r.closeCodes];
    extra.attempts = r.attempts.map((a) => ({
      startedAt: a.startedAt,
      openedAt: a.openedAt,
      endedAt: a.endedAt,
      lifetimeMs: a.lifetimeMs,
      delayMs: a.delayMs,
      code: a.code,
    }));
  }
  if (p.retry) {
    const r = p.retry;
    extra.statuses = [...r.statuses];
    extra.retryAfterSent = r.retryAfterSent;
    extra.retryAfterHonoured = r.retryAfterHonoured;
    extra.retries = r.attempts.map((a) => ({
      startedAt: a.startedAt,
      endedAt: a.endedAt,
      status: a.status,
      delayMs: a.delayMs,
      retryAfterMs: a.retryAfterMs,
    }));
  }
  if (p.busy) extra.requestsPerSecond = p.busy.requestsPerSecond;
  extra.finding = findingSentence(p);
  return {
    id: p.id,
    kind: p.kind,
    method: p.method,
    url: p.url,
    connectionKeys: [...p.connectionKeys],
    cycles: p.cycles,
    medianHoldMs: p.medianHoldMs,
    medianGapMs: p.medianGapMs,
    extra,
  };
}
