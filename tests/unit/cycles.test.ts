import { describe, expect, it } from 'vitest';
import { buildParts } from '../../lib/import/parts';
import { detectPatterns } from '../../lib/patterns';
import { channelCycles, cycleStatusLabel, summarizeCycles } from '../../lib/timeline/cycles';
import { ExchangeIndex } from '../../lib/timeline/exchanges';
import { TimelineStore } from '../../lib/timeline/store';
import {
  type ExchangeSpec,
  exchangeRecords,
  keysOf,
  longPollSpecs,
  storeOfExchanges,
} from './cycle-fixtures';
import { msg } from './store-fixtures';

function cyclesOf(specs: ExchangeSpec[], keys = keysOf(specs.length), imported = false) {
  const store = storeOfExchanges(specs);
  const index = new ExchangeIndex();
  index.update(store);
  return channelCycles({ cycleKeys: keys }, (k) => index.get(k), { imported });
}

describe('channelCycles', () => {
  it('gives each cycle of a held long-poll its start, hold, gap, status, size and in-flight count', () => {
    const cycles = cyclesOf(longPollSpecs(3, 2000, 10));
    expect(cycles.map((c) => [c.number, c.start, c.sincePrevious, c.hold, c.gap])).toEqual([
      [1, 10_000, null, 2000, null],
      [2, 12_011, 2011, 2000, 10],
      [3, 14_022, 2011, 2000, 10],
    ]);
    expect(cycles.map(cycleStatusLabel)).toEqual(['200', '200', '200']);
    expect(cycles.map((c) => c.bytes)).toEqual([20, 21, 22]);
    expect(cycles.map((c) => c.inFlight)).toEqual([1, 1, 1]);
    expect(cycles.some((c) => c.overlapped)).toBe(false);
    expect(cycles[0]?.event?.record.type).toBe('open');
    expect(summarizeCycles(cycles)).toEqual({
      cycles: 3,
      medianHoldMs: 2000,
      medianGapMs: 10,
      failures: 0,
      pending: 0,
      overlapped: 0,
      peakInFlight: 1,
    });
  });

  it('takes the hold to the response headers, else to the end', () => {
    const cycles = cyclesOf([
      { start: 0, answerAt: 1500, endAt: 1600 },
      { start: 1700, endAt: 1900, status: 204 },
    ]);
    expect(cycles.map((c) => c.hold)).toEqual([1500, 200]);
    expect(cycles.map((c) => c.gap)).toEqual([null, 100]);
  });

  it('counts a re-issue inside the previous answer’s handler as a hand-over, not an overlap', () => {
    // The next request starts 2 ms before the previous one is recorded complete.
    const cycles = cyclesOf([
      { start: 0, answerAt: 3000, endAt: 3003 },
      { start: 3001, answerAt: 6000, endAt: 6003 },
      { start: 6001, answerAt: 9000, endAt: 9002 },
    ]);
    expect(cycles.map((c) => c.inFlight)).toEqual([1, 1, 1]);
    expect(cycles.map((c) => c.gap)).toEqual([null, 0, 0]);
    expect(cycles.some((c) => c.overlapped)).toBe(false);
  });

  it('shows a storm: requests in flight at each start, and which overlapped', () => {
    const cycles = cyclesOf([
      { start: 0, answerAt: 1000, endAt: 1001 },
      { start: 1100, answerAt: 5000, endAt: 5001 },
      { start: 1200, answerAt: 5000, endAt: 5001 },
      { start: 1300, answerAt: 5000, endAt: 5001 },
      { start: 6000, answerAt: 7000, endAt: 7001 },
    ]);
    expect(cycles.map((c) => c.inFlight)).toEqual([1, 1, 2, 3, 1]);
    expect(cycles.map((c) => c.overlapped)).toEqual([false, true, true, true, false]);
    expect(cycles.map((c) => c.gap)).toEqual([null, 99, null, null, 999]);
    expect(summarizeCycles(cycles)).toMatchObject({ peakInFlight: 3, overlapped: 3 });
  });

  it('keeps a request never answered pending, in flight under every later cycle', () => {
    const cycles = cyclesOf([
      { start: 0 },
      { start: 500, answerAt: 900, endAt: 901 },
      { start: 1000, answerAt: 1400, endAt: 1401 },
    ]);
    expect(cycles.map(cycleStatusLabel)).toEqual(['pending', '200', '200']);
    expect(cycles[0]).toMatchObject({ hold: null, end: null, overlapped: true });
    expect(cycles.map((c) => c.inFlight)).toEqual([1, 2, 2]);
    // The first is still in flight: the second's gap is an overlap, not a number.
    expect(cycles.map((c) => c.gap)).toEqual([null, null, 99]);
    expect(summarizeCycles(cycles)).toMatchObject({ pending: 1, failures: 0 });
  });

  it('tells failed, aborted, timed-out and HTTP-error cycles apart', () => {
    const cycles = cyclesOf([
      { start: 0, endAt: 10, error: 'network error' },
      { start: 100, endAt: 110, error: 'aborted by the page' },
      { start: 200, endAt: 30_200, error: 'timeout' },
      { start: 30_300, answerAt: 30_400, endAt: 30_401, status: 503 },
    ]);
    expect(cycles.map((c) => c.outcome)).toEqual(['failed', 'aborted', 'timeout', 'http-error']);
    expect(cycles.map(cycleStatusLabel)).toEqual(['failed', 'aborted', 'timed out', '503']);
    expect(cycles[0]?.reason).toBe('network error');
    expect(cycles.map((c) => c.hold)).toEqual([10, 10, 30_000, 100]);
    // A timeout is a hold that ran out; the others are failures.
    expect(summarizeCycles(cycles)).toMatchObject({ failures: 3, medianHoldMs: 30_000 });
  });

  it('orders cycles by start whatever order their keys and records arrived in', () => {
    const specs = longPollSpecs(4, 1000, 5);
    const store = new TimelineStore();
    // Two batches, the later requests first; the channel lists its keys out of order too.
    const records = exchangeRecords(specs);
    const late = records.filter((r) => ('id' in r ? r.id : r.conn) > 2);
    const early = records.filter((r) => ('id' in r ? r.id : r.conn) <= 2);
    store.ingest(msg(late.map((r, i) => ({ ...r, seq: i + 1 }))));
    const index = new ExchangeIndex();
    index.update(store);
    store.ingest(msg(early.map((r, i) => ({ ...r, seq: late.length + i + 1 }))));
    index.update(store);
    const cycles = channelCycles({ cycleKeys: ['d1:3', 'd1:1', 'd1:4', 'd1:2'] }, (k) => index.get(k), {
      imported: false,
    });
    expect(cycles.map((c) => c.key)).toEqual(['d1:1', 'd1:2', 'd1:3', 'd1:4']);
    expect(cycles.map((c) => c.gap)).toEqual([null, 5, 5, 5]);
    expect(cycles.map((c) => c.inFlight)).toEqual([1, 1, 1, 1]);
  });

  it('takes the earliest response when a late event arrives after a later one', () => {
    const store = new TimelineStore();
    store.ingest(
      msg([
        { r: 'conn', seq: 1, time: 0, id: 1, transport: 'fetch', url: 'http://app.test/p', method: 'GET' },
        { r: 'ev', seq: 2, time: 900, conn: 1, type: 'receive', size: 3, data: { text: 'abc' } },
        { r: 'ev', seq: 3, time: 800, conn: 1, type: 'receive', status: 200, headersAt: 700, size: 1 },
        { r: 'ev', seq: 4, time: 950, conn: 1, type: 'close', status: 200 },
        { r: 'ev', seq: 5, time: 990, conn: 1, type: 'close', status: 200 },
      ]),
    );
    const index = new ExchangeIndex();
    index.update(store);
    const [cycle] = channelCycles({ cycleKeys: ['d1:1'] }, (k) => index.get(k), { imported: false });
    expect(cycle).toMatchObject({ hold: 700, end: 950, bytes: 4, outcome: 'ok' });
  });

  it('leaves out keys the store does not hold, and a clock running backwards gives no negative hold', () => {
    const store = new TimelineStore();
    store.ingest(
      msg([
        { r: 'conn', seq: 1, time: 1000, id: 1, transport: 'xhr', url: 'http://app.test/p', method: 'GET' },
        { r: 'ev', seq: 2, time: 900, conn: 1, type: 'receive', status: 200, headersAt: 900, size: 1 },
        { r: 'ev', seq: 3, time: 1200, conn: 1, type: 'close', status: 200 },
      ]),
    );
    const index = new ExchangeIndex();
    index.update(store);
    const cycles = channelCycles({ cycleKeys: ['d1:9', 'd1:1', 'nowhere'] }, (k) => index.get(k), {
      imported: false,
    });
    expect(cycles.map((c) => c.key)).toEqual(['d1:1']);
    expect(cycles[0]?.hold).toBe(0);
  });

  it('marks an imported exchange still open as pending at export', () => {
    const parts = buildParts(
      [
        {
          record: { time: 0, transport: 'xhr', url: 'http://app.test/poll', method: 'GET' },
          frameUrl: 'http://app.test/',
          endedAt: 1001,
          status: 200,
          protocol: null,
        },
        {
          record: { time: 1010, transport: 'xhr', url: 'http://app.test/poll', method: 'GET' },
          frameUrl: 'http://app.test/',
          endedAt: null,
          status: null,
          protocol: null,
        },
      ],
      [
        { connIndex: 0, record: { time: 0, type: 'open' } },
        { connIndex: 0, record: { time: 1000, type: 'receive', status: 200, size: 5 } },
        // The file has no close for the first: its connection's endedAt says when it ended.
        { connIndex: 1, record: { time: 1010, type: 'open' } },
      ],
      { url: 'http://app.test/', title: '' },
    );
    const store = TimelineStore.fromParts(parts);
    const index = new ExchangeIndex();
    index.update(store);
    const cycles = channelCycles({ cycleKeys: ['import:1', 'import:2'] }, (k) => index.get(k), {
      imported: true,
    });
    expect(cycles.map(cycleStatusLabel)).toEqual(['200', 'pending at export']);
    expect(cycles.map((c) => c.end)).toEqual([1001, null]);
    expect(cycles.map((c) => c.gap)).toEqual([null, 9]);
  });

  it('follows the detector’s channel on a live store as it grows', () => {
    const specs = longPollSpecs(6, 1500, 20);
    const store = new TimelineStore();
    const records = exchangeRecords(specs);
    const index = new ExchangeIndex();
    store.ingest(msg(records.slice(0, 10)));
    index.update(store);
    store.ingest(msg(records.slice(10)));
    index.update(store);
    const [pattern] = detectPatterns(store.connections, store.events);
    expect(pattern?.kind).toBe('long-poll');
    const cycles = channelCycles(pattern as { cycleKeys: readonly string[] }, (k) => index.get(k), {
      imported: false,
    });
    expect(cycles).toHaveLength(6);
    const summary = summarizeCycles(cycles);
    expect(summary.medianHoldMs).toBe(1500);
    expect(summary.medianGapMs).toBe(20);
    // A cleared store starts the index over.
    store.clear();
    index.update(store);
    expect(index.get('d1:1')).toBeUndefined();
  });

  it('handles 10,000 cycles (prints the time it took)', () => {
    const n = 10_000;
    const store = storeOfExchanges(longPollSpecs(n, 200, 5));
    const keys = keysOf(n);
    const index = new ExchangeIndex();
    const t0 = performance.now();
    index.update(store);
    const t1 = performance.now();
    let cycles = channelCycles({ cycleKeys: keys }, (k) => index.get(k), { imported: false });
    let summary = summarizeCycles(cycles);
    const t2 = performance.now();
    // Again, as on each redraw of a live panel (warm).
    cycles = channelCycles({ cycleKeys: keys }, (k) => index.get(k), { imported: false });
    summary = summarizeCycles(cycles);
    const t3 = performance.now();
    expect(cycles).toHaveLength(n);
    expect(summary.peakInFlight).toBe(1);
    console.log(
      `cycles: indexing ${store.events.length} events ${(t1 - t0).toFixed(1)} ms; ` +
        `${n} cycles and their summary ${(t2 - t1).toFixed(1)} ms, again ${(t3 - t2).toFixed(1)} ms`,
    );
  });
});
