import { describe, expect, it } from 'vitest';
import {
  firstAnswer,
  latencyStats,
  type MessagePair,
  pairLatency,
  pairLifetime,
} from '../../lib/decode/pair-latency';
import type { TimelineEvent } from '../../lib/timeline/store';

const at = (time: number) => ({ time }) as TimelineEvent;
const pair = (
  request: number | null,
  response: number | null,
  stream: number[] = [],
  control = false,
): MessagePair => ({
  key: 'k',
  request: request === null ? null : at(request),
  response: response === null ? null : at(response),
  stream: stream.map(at),
  control,
});

describe('pair latency', () => {
  it('is the time to the first answer: a stream result before the end', () => {
    expect(pairLatency(pair(100, 130))).toBe(30);
    expect(pairLatency(pair(100, 900, [110, 500]))).toBe(10);
    expect(firstAnswer(pair(100, 900, [110]))?.time).toBe(110);
    expect(pairLatency(pair(100, null))).toBeNull();
    expect(pairLatency(pair(null, 130))).toBeNull();
  });

  it("gives a streamed operation's lifetime only once it streamed and ended", () => {
    expect(pairLifetime(pair(100, 900, [110]))).toBe(800);
    expect(pairLifetime(pair(100, 130))).toBeNull();
    expect(pairLifetime(pair(100, null, [110]))).toBeNull();
  });
});

describe('latencyStats', () => {
  it('counts answered and unanswered calls, median and p95 by nearest rank', () => {
    const pairs = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((ms) => pair(0, ms));
    expect(latencyStats(pairs)).toEqual({ answered: 10, unanswered: 0, medianMs: 50, p95Ms: 100 });
    const one = latencyStats([pair(0, 7), pair(5, null)]);
    expect(one).toEqual({ answered: 1, unanswered: 1, medianMs: 7, p95Ms: 7 });
  });

  it('leaves out handshakes, heartbeats and answers to requests never captured', () => {
    const stats = latencyStats([
      pair(0, 5000, [], true),
      pair(0, null, [], true),
      pair(null, 3),
      pair(0, 12),
    ]);
    expect(stats).toEqual({ answered: 1, unanswered: 0, medianMs: 12, p95Ms: 12 });
    expect(latencyStats([])).toEqual({ answered: 0, unanswered: 0, medianMs: null, p95Ms: null });
  });

  it('does not depend on the order pairs come in', () => {
    const ms = [250, 5, 90, 1, 40, 7, 600, 33];
    const a = latencyStats(ms.map((x) => pair(0, x)));
    const b = latencyStats([...ms].reverse().map((x) => pair(0, x)));
    expect(a).toEqual(b);
    expect(a.medianMs).toBe(33);
    expect(a.p95Ms).toBe(600);
  });
});
