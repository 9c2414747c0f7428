import { describe, expect, it } from 'vitest';
import type { CaptureRecord, EventRecord } from '../../lib/model';
import { buildEntries, type ListEntry } from '../../lib/timeline/channels';
import { EventColumns } from '../../lib/timeline/event-columns';
import { EventVisibility } from '../../lib/timeline/event-visibility';
import {
  AXIS_STRIP_PX,
  assignLanes,
  binOverview,
  brushRange,
  labelWidthFor,
  laneHeightFor,
  lanesThatFit,
  MAX_LANE_PX,
  MIN_SPAN_MS,
  overviewHeightFor,
  plotXOf,
  RATE_STRIP_PX,
  requestsOpenDuring,
  summaryNear,
  TimeAxis,
  timeAtPlotX,
  timeSpan,
} from '../../lib/timeline/overview';
import { TimelineStore } from '../../lib/timeline/store';
import { conn, ev, listEntry, msg } from './store-fixtures';

const http = (seq: number, id: number, time: number): CaptureRecord => ({
  r: 'conn',
  seq,
  time,
  id,
  transport: 'xhr',
  url: `http://x/api/${id}`,
  method: 'GET',
});
const close = (seq: number, id: number, time: number): EventRecord => ({
  r: 'ev',
  seq,
  time,
  conn: id,
  type: 'close',
});

function entry(id: string, keys: string[], extra: Partial<ListEntry> = {}): ListEntry {
  return listEntry(id, 'channel', keys, extra);
}

/** A store, its list entries and its events as columns: what the overview draws from. */
function scene(records: CaptureRecord[]) {
  const store = new TimelineStore();
  store.ingest(msg(records));
  const entries = buildEntries(store.connections, [], (c) => store.numberOf(c));
  const columns = new EventColumns();
  columns.sync(store.events);
  return { store, entries, columns };
}

const sum = (a: ArrayLike<number>): number => {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += a[i] as number;
  return n;
};

describe('lanes', () => {
  it('gives no lanes to no entries', () => {
    const lanes = assignLanes([], 5);
    expect(lanes.titles).toEqual([]);
    expect(lanes.keys).toEqual([]);
    expect(lanes.laneOf.size).toBe(0);
  });

  it('gives each entry its own lane in order, numbered connections by number', () => {
    const lanes = assignLanes(
      [
        entry('a', ['k1'], { kind: 'connection', number: 3, title: '/live' }),
        entry('Long-poll GET /poll', ['k2', 'k3']),
      ],
      5,
    );
    expect(lanes.titles).toEqual(['#3 /live', 'Long-poll GET /poll']);
    expect(lanes.laneOf.get('k1')).toBe(0);
    expect(lanes.laneOf.get('k3')).toBe(1);
    expect([...(lanes.keys[1] ?? [])]).toEqual(['k2', 'k3']);
  });

  it('folds the entries that do not fit into the last lane, counting them', () => {
    const entries = Array.from({ length: 10 }, (_, i) => entry(`e${i}`, [`k${i}`]));
    const lanes = assignLanes(entries, 4);
    expect(lanes.titles).toEqual(['e0', 'e1', 'e2', '+7 more']);
    for (let i = 3; i < 10; i++) expect(lanes.laneOf.get(`k${i}`)).toBe(3);
    expect(lanes.keys[3]?.size).toBe(7);
  });

  it('keeps the last title when the entries fill the lanes exactly', () => {
    const lanes = assignLanes([entry('a', ['1']), entry('b', ['2'])], 2);
    expect(lanes.titles).toEqual(['a', 'b']);
  });

  it('always has room for one lane, however little height there is', () => {
    expect(lanesThatFit(0, 14)).toBe(1);
    expect(lanesThatFit(-30, 14)).toBe(1);
    expect(lanesThatFit(110, 14)).toBe(7);
    expect(assignLanes([entry('a', ['1']), entry('b', ['2'])], 0).titles).toEqual(['+2 more']);
  });

  it('sizes the overview for its lanes, the time axis and the rate strip', () => {
    expect(overviewHeightFor(2)).toBe(AXIS_STRIP_PX + 2 * MAX_LANE_PX + RATE_STRIP_PX);
    expect(overviewHeightFor(0)).toBe(overviewHeightFor(1));
  });

  it('narrows the lane titles in a narrow panel, within bounds', () => {
    expect(labelWidthFor(1280)).toBe(150);
    expect(labelWidthFor(500)).toBe(110);
    expect(labelWidthFor(300)).toBe(96);
    expect(labelWidthFor(0)).toBe(96);
  });

  it('makes few lanes taller, within bounds', () => {
    expect(laneHeightFor(110, 1, 14, 22)).toBe(22);
    expect(laneHeightFor(110, 7, 14, 22)).toBe(15);
    expect(laneHeightFor(110, 50, 14, 22)).toBe(14);
    expect(laneHeightFor(110, 0, 14, 22)).toBe(22);
  });
});

describe('time span and axis', () => {
  it('has no span before anything has a time', () => {
    expect(timeSpan(new EventColumns(), [])).toBeNull();
  });

  it('widens a single event, or a zero-width range, to the minimum span', () => {
    // One connection (opened at 1) with one event at the same moment.
    const { columns, store } = scene([conn(1, 1), ev(2, 1, 1)]);
    expect(timeSpan(columns, store.connections)).toEqual({ t0: 1, t1: 1 + MIN_SPAN_MS });
    expect(timeSpan({ minTime: 5000, maxTime: 5000 }, [])).toEqual({ t0: 5000, t1: 5000 + MIN_SPAN_MS });
  });

  it('spans connections that started before and ended after every event', () => {
    const span = timeSpan({ minTime: 100, maxTime: 5000 }, [
      { startedAt: 50, endedAt: null },
      { startedAt: 200, endedAt: 9000 },
    ]);
    expect(span).toEqual({ t0: 50, t1: 9000 });
  });

  it('knows a connection with no events yet', () => {
    expect(timeSpan(new EventColumns(), [{ startedAt: 70, endedAt: null }])).toEqual({
      t0: 70,
      t1: 70 + MIN_SPAN_MS,
    });
  });

  it('maps the ends of the axis to the first and last column, and clamps outside it', () => {
    const axis = new TimeAxis(1000, 2000, 101);
    expect(axis.colOf(1000)).toBe(0);
    expect(axis.colOf(2000)).toBe(100);
    expect(axis.colOf(1500)).toBe(50);
    expect(axis.colOf(0)).toBe(0);
    expect(axis.colOf(1e9)).toBe(100);
    expect(axis.msPerCol).toBeCloseTo(1000 / 101);
    expect(axis.timeOfCol(0)).toBe(1000);
  });

  it('keeps a huge range (decades, in epoch milliseconds) in bounds and in order', () => {
    const t0 = 0;
    const t1 = 8.64e15;
    const axis = new TimeAxis(t0, t1, 800);
    expect(axis.colOf(t0)).toBe(0);
    expect(axis.colOf(t1)).toBe(799);
    expect(axis.colOf(t1 / 2)).toBe(399);
    // A millisecond apart is the same pixel, and never outside the plot.
    expect(axis.colOf(t1 - 1)).toBe(798);
    expect(axis.colOf(t0 + 1)).toBe(0);
  });

  it('works with a plot one column wide (or less)', () => {
    for (const cols of [1, 0.5, 0, -3]) {
      const axis = new TimeAxis(0, 1000, cols);
      expect(axis.cols).toBe(1);
      expect(axis.colOf(0)).toBe(0);
      expect(axis.colOf(1000)).toBe(0);
    }
  });

  it('maps plot pixels to times and back, clamped, also on a degenerate plot', () => {
    const span = { t0: 1000, t1: 2000 };
    expect(plotXOf(1000, span, 101)).toBe(0);
    expect(plotXOf(2000, span, 101)).toBe(100);
    expect(timeAtPlotX(50, span, 101)).toBe(1500);
    expect(timeAtPlotX(-20, span, 101)).toBe(1000);
    expect(timeAtPlotX(500, span, 101)).toBe(2000);
    for (let x = 0; x <= 100; x += 10) expect(plotXOf(timeAtPlotX(x, span, 101), span, 101)).toBeCloseTo(x);
    expect(timeAtPlotX(5, span, 1)).toBe(1000);
    expect(plotXOf(1500, span, 0)).toBe(0);
  });
});

describe('binning', () => {
  it('bins nothing when there are no events, and still reports a peak of 1', () => {
    const bins = binOverview(
      new EventColumns(),
      [],
      { laneOf: new Map(), count: 0 },
      new TimeAxis(0, 1000, 50),
    );
    expect(sum(bins.rate)).toBe(0);
    expect(bins.counts.length).toBe(0);
    expect(bins.peak).toBe(1);
    expect(bins.held).toEqual([]);
  });

  it('puts one event in its lane and column, and in the rate strip', () => {
    const { columns, store, entries } = scene([conn(1, 1), ev(2, 1, 500, 'hi', 'send')]);
    const lanes = assignLanes(entries, 4);
    const span = timeSpan(columns, store.connections);
    if (!span) throw new Error('no span');
    const axis = new TimeAxis(span.t0, span.t1, 100);
    const bins = binOverview(columns, store.connections, { laneOf: lanes.laneOf, count: 1 }, axis);
    const col = axis.colOf(500);
    expect(bins.counts[col]).toBe(1);
    expect(bins.sends[col]).toBe(1);
    expect(bins.rate[col]).toBe(1);
    expect(sum(bins.counts)).toBe(1);
    expect(sum(bins.rate)).toBe(1);
    expect(bins.peak).toBe(1);
  });

  it('counts every event once in the rate strip, lane or not, and finds the busiest column', () => {
    const records: CaptureRecord[] = [conn(1, 1), conn(2, 2)];
    let seq = 3;
    for (let i = 0; i < 30; i++) records.push(ev(seq++, 1, 1000 + i * 100));
    for (let i = 0; i < 5; i++) records.push(ev(seq++, 2, 1000, `burst ${i}`, i === 0 ? 'send' : 'receive'));
    const { columns, store, entries } = scene(records);
    // Only the first connection has a lane: the second's events still count in the rate.
    const lanes = assignLanes(entries.slice(0, 1), 1);
    const span = timeSpan(columns, store.connections);
    if (!span) throw new Error('no span');
    const axis = new TimeAxis(span.t0, span.t1, 300);
    const bins = binOverview(columns, store.connections, { laneOf: lanes.laneOf, count: 1 }, axis);
    expect(sum(bins.rate)).toBe(35);
    expect(sum(bins.counts)).toBe(30);
    expect(bins.peak).toBe(6);
    expect(bins.rate[axis.colOf(1000)]).toBe(6);
    // The send was on the connection without a lane: no send mark anywhere.
    expect(sum(bins.sends)).toBe(0);
  });

  it('bins a huge time range without losing or misplacing events', () => {
    const far = 8.64e15;
    const { columns, store, entries } = scene([conn(1, 1), ev(2, 1, 0), ev(3, 1, far / 2), ev(4, 1, far)]);
    const lanes = assignLanes(entries, 3);
    const span = timeSpan(columns, store.connections);
    if (!span) throw new Error('no span');
    expect(span).toEqual({ t0: 0, t1: far });
    const axis = new TimeAxis(span.t0, span.t1, 1000);
    const bins = binOverview(columns, store.connections, { laneOf: lanes.laneOf, count: 1 }, axis);
    expect([bins.rate[0], bins.rate[499], bins.rate[999]]).toEqual([1, 1, 1]);
    expect(sum(bins.counts)).toBe(3);
  });

  it('puts every event of a zero-width range in one column', () => {
    const { columns, store, entries } = scene([conn(1, 1000), ev(2, 1000, 1000), ev(3, 1000, 1000)]);
    const lanes = assignLanes(entries, 3);
    const axis = new TimeAxis(1000, 1000 + MIN_SPAN_MS, 200);
    const bins = binOverview(columns, store.connections, { laneOf: lanes.laneOf, count: 1 }, axis);
    expect(bins.rate[0]).toBe(2);
    expect(bins.peak).toBe(2);
    // Even on a one-column plot, and even if the axis were to have no width at all.
    const one = binOverview(
      columns,
      store.connections,
      { laneOf: lanes.laneOf, count: 1 },
      new TimeAxis(0, 0, 1),
    );
    expect([...one.rate]).toEqual([2]);
  });

  it('draws held HTTP requests as runs of columns, merging overlaps, open ones to the end', () => {
    const { columns, store } = scene([
      http(1, 1, 0),
      close(2, 1, 300),
      http(3, 2, 200),
      close(4, 2, 400),
      http(5, 3, 700),
      // Request 3 never ends: held to the end of the axis.
      ev(6, 3, 1000),
    ]);
    const keys = store.connections.map((c) => c.key);
    const lanes = assignLanes([entry('poll', keys)], 2);
    const axis = new TimeAxis(0, 1000, 11);
    const bins = binOverview(columns, store.connections, { laneOf: lanes.laneOf, count: 1 }, axis);
    // 100 ms per column: 0-400 is columns 0..4, 700-1000 is 7..10.
    expect(bins.held).toEqual([
      [
        [0, 5],
        [7, 11],
      ],
    ]);
  });

  it('gives no bars to WebSockets, or to requests without a lane', () => {
    const { columns, store } = scene([conn(1, 1), close(2, 1, 500), http(3, 2, 0), close(4, 2, 500)]);
    const ws = store.connections[0];
    if (!ws) throw new Error('no connection');
    const lanes = assignLanes([entry('ws', [ws.key])], 2);
    const bins = binOverview(
      columns,
      store.connections,
      { laneOf: lanes.laneOf, count: 1 },
      new TimeAxis(0, 1000, 20),
    );
    expect(bins.held).toEqual([[]]);
  });

  it('sums the events near a column: how many, how many messages, the first and last time', () => {
    const { columns, store, entries } = scene([
      conn(1, 0),
      ev(2, 0, 0),
      ev(3, 0, 100, 'out', 'send'),
      close(4, 0, 120),
      ev(5, 0, 900),
    ]);
    const lanes = assignLanes(entries, 2);
    const axis = new TimeAxis(0, 1000, 11);
    const bins = binOverview(columns, store.connections, { laneOf: lanes.laneOf, count: 1 }, axis);
    expect(summaryNear(bins, 0, 0, 2)).toEqual({ events: 3, messages: 2, first: 0, last: 120 });
    expect(summaryNear(bins, 0, 10, 2)).toEqual({ events: 1, messages: 1, first: 900, last: 900 });
    expect(summaryNear(bins, 'all', 10, 2)).toEqual({ events: 1, messages: 1, first: 900, last: 900 });
    const none = summaryNear(bins, 0, 5, 2);
    expect(none.events).toBe(0);
    expect(none.first).toBeNaN();
    expect(summaryNear(bins, 1, 0, 2).events).toBe(0);
    expect(summaryNear(bins, -1, 0, 2).events).toBe(0);
    // A radius past the ends of the axis stays inside it.
    expect(summaryNear(bins, 'all', 0, 50).events).toBe(4);
  });

  it('leaves out what the filter hides: ticks, rate, and requests with nothing shown', () => {
    const { columns, store } = scene([
      conn(1, 1),
      ev(2, 1, 100, 'ping'),
      ev(3, 1, 200, 'pong'),
      http(4, 2, 300),
      ev(5, 2, 400, 'pong'),
      close(6, 2, 500),
    ]);
    const keys = store.connections.map((c) => c.key);
    const lanes = assignLanes([entry('all', keys)], 2);
    const axis = new TimeAxis(0, 1000, 11);
    const vis = new EventVisibility();
    vis.sync(
      store.events,
      (e) => e.record.data !== undefined && 'text' in e.record.data && e.record.data.text === 'ping',
    );
    const bins = binOverview(columns, store.connections, { laneOf: lanes.laneOf, count: 1 }, axis, vis);
    expect(sum(bins.counts)).toBe(1);
    expect(sum(bins.rate)).toBe(1);
    expect(bins.counts[axis.colOf(100)]).toBe(1);
    expect(bins.held).toEqual([[]]);
    // Unfiltered, the same scene draws everything.
    const all = binOverview(columns, store.connections, { laneOf: lanes.laneOf, count: 1 }, axis);
    expect(sum(all.rate)).toBe(store.events.length);
    expect(all.held).toEqual([[[3, 6]]]);
  });

  it('finds the requests of a lane open during a time window, shown ones only when asked', () => {
    const { store } = scene([http(1, 1, 0), close(2, 1, 300), http(3, 2, 200), http(4, 3, 250)]);
    const [a, b] = store.connections;
    if (!a || !b) throw new Error('no connections');
    const keys = new Set([a.key, b.key]);
    expect(requestsOpenDuring(store.connections, keys, 250, 250, 1000)).toEqual([a, b]);
    expect(requestsOpenDuring(store.connections, keys, 500, 600, 1000)).toEqual([b]);
    // A window that only touches a request's end still holds it.
    expect(requestsOpenDuring(store.connections, keys, 300, 310, 1000)).toEqual([a, b]);
    expect(requestsOpenDuring(store.connections, keys, 1500, 1600, 1000)).toEqual([]);
    expect(requestsOpenDuring(store.connections, new Set(), 250, 250, 1000)).toEqual([]);
    expect(requestsOpenDuring(store.connections, keys, 250, 250, 1000, (k) => k !== a.key)).toEqual([b]);
  });
});

describe('brushing', () => {
  const span = { t0: 0, t1: 1000 };

  it('treats a click or a tiny drag as clearing the range', () => {
    expect(brushRange(500, 500, span, 101)).toBeNull();
    expect(brushRange(500, 520, span, 101)).toBeNull();
  });

  it('takes in a pixel beyond both edges, in either drag direction', () => {
    expect(brushRange(300, 600, span, 101)).toEqual([290, 610]);
    expect(brushRange(600, 300, span, 101)).toEqual([290, 610]);
  });

  it('snaps to the ends of the axis when released near them', () => {
    expect(brushRange(10, 500, span, 101)).toEqual([0, 510]);
    expect(brushRange(400, 990, span, 101)).toEqual([390, 1000]);
    expect(brushRange(0, 1000, span, 101)).toEqual([0, 1000]);
  });

  it('stays finite on a huge axis and a one-pixel plot', () => {
    const huge = brushRange(1e15, 7e15, { t0: 0, t1: 8.64e15 }, 800);
    expect(huge?.every(Number.isFinite)).toBe(true);
    expect(brushRange(0, 1000, span, 1)).toBeNull();
  });
});
