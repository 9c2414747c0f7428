// Latency from request ↔ answer pairs: how long the first answer took (an
// ack, a result, a receipt, the first result of a GraphQL operation), how
// long a streamed operation lived, and a connection's summary of both.

import type { TimelineEvent } from '../timeline/store';

/** A request and what answered it, tied by their pair key. */
export interface MessagePair {
  key: string;
  request: TimelineEvent | null;
  /** The answer (a response or a stream's end); null while unanswered. */
  response: TimelineEvent | null;
  /** Stream results between them (GraphQL next, MQTT PUBREC / PUBREL). */
  stream: TimelineEvent[];
  /** A handshake or heartbeat: measured, but kept out of a connection's call latency. */
  control: boolean;
}

/** The first thing that answered the request: its first streamed result, else its answer. */
export function firstAnswer(pair: MessagePair): TimelineEvent | null {
  return pair.stream[0] ?? pair.response;
}

/** Milliseconds from the request to its first answer; null when either is missing. */
export function pairLatency(pair: MessagePair): number | null {
  const answer = firstAnswer(pair);
  return pair.request && answer ? answer.time - pair.request.time : null;
}

/** Milliseconds a streamed operation lived (request to end); null unless it streamed and ended. */
export function pairLifetime(pair: MessagePair): number | null {
  return pair.request && pair.response && pair.stream.length > 0
    ? pair.response.time - pair.request.time
    : null;
}

export interface LatencyStats {
  /** Requests that got an answer. */
  answered: number;
  /** Requests with no answer (yet, or in the file). */
  unanswered: number;
  /** Of the answered ones, in ms; null when none was answered. */
  medianMs: number | null;
  p95Ms: number | null;
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

/** Call latency over pairs whose request was captured; handshakes and heartbeats left out. */
export function latencyStats(pairs: Iterable<MessagePair>): LatencyStats {
  const latencies: number[] = [];
  let unanswered = 0;
  for (const pair of pairs) {
    if (pair.control || !pair.request) continue;
    const ms = pairLatency(pair);
    if (ms === null) unanswered++;
    else latencies.push(ms);
  }
  latencies.sort((a, b) => a - b);
  return {
    answered: latencies.length,
    unanswered,
    medianMs: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
  };
}
