// What the timeline overview draws, computed without a canvas: which lane
// each connection goes to, the time axis, and per pixel column how many
// events each lane has (how many of them messages, the first and last one's
// time, whether one was a send), the same over all lanes (the rate strip) and
// where a lane had an HTTP request held open. Only events the list's filter
// lets through count. The component (components/TimelineOverview) only
// paints these numbers.

import type { ListEntry } from './channels';
import type { EventColumns } from './event-columns';
import { type Connection, isHttp } from './store';

/** Lanes are this high at least: more lanes than fit at this height share the last one. */
export const MIN_LANE_PX = 14;
/** Few lanes are drawn taller, up to this. */
export const MAX_LANE_PX = 22;
/** The message-rate strip under the lanes. */
export const RATE_STRIP_PX = 20;
/** The time axis's labels above the lanes. */
export const AXIS_STRIP_PX = 16;

/** The height that shows `lanes` lanes at their tallest, the time axis and the rate strip. */
export function overviewHeightFor(lanes: number): number {
  return AXIS_STRIP_PX + Math.max(1, lanes) * MAX_LANE_PX + RATE_STRIP_PX;
}

/** The lane a connections-list entry gets: one per entry, the overflow folded into the last. */
export interface Lanes {
  /** Title of each lane; the last one reads "+N more" when entries overflowed. */
  titles: string[];
  /** Connection keys drawn in each lane. */
  keys: Array<Set<string>>;
  /** Lane of each connection key. */
  laneOf: Map<string, number>;
}

/** The lane titles' column: 150 px, narrower in a narrow panel so the plot keeps most of the width. */
export function labelWidthFor(width: number): number {
  return Math.round(Math.min(150, Math.max(96, width * 0.22)));
}

/** Lanes that fit in `plotHeight` pixels at `minLaneHeight` each (at least one). */
export function lanesThatFit(plotHeight: number, minLaneHeight: number): number {
  return Math.max(1, Math.floor(plotHeight / minLaneHeight));
}

/**
 * Gives each entry its own lane, in list order, up to `maxLanes`; the entries
 * that do not fit share the last lane, titled "+N more" (N counts the entry
 * that would have had that lane too).
 */
export function assignLanes(entries: readonly ListEntry[], maxLanes: number): Lanes {
  const limit = Math.max(1, Math.floor(maxLanes));
  const titles: string[] = [];
  const keys: Array<Set<string>> = [];
  const laneOf = new Map<string, number>();
  entries.forEach((e, i) => {
    const lane = Math.min(i, limit - 1);
    if (lane === titles.length) {
      titles.push(e.kind === 'connection' && e.number !== undefined ? `#${e.number} ${e.title}` : e.title);
      keys.push(new Set());
    }
    if (i === limit - 1 && entries.length > limit) titles[lane] = `+${entries.length - limit + 1} more`;
    for (const k of e.connectionKeys) {
      laneOf.set(k, lane);
      keys[lane]?.add(k);
    }
  });
  return { titles, keys, laneOf };
}

/** Few lanes get taller rows, between `min` and `max` pixels. */
export function laneHeightFor(plotHeight: number, lanes: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(plotHeight / Math.max(1, lanes))));
}

/** The shortest span the axis shows: a lone event is not stretched across the whole width. */
export const MIN_SPAN_MS = 1000;

/**
 * The time axis: from the first event or connection start to the last event
 * or connection end, at least MIN_SPAN_MS wide; null when there is nothing
 * with a time yet.
 */
export function timeSpan(
  columns: Pick<EventColumns, 'minTime' | 'maxTime'>,
  connections: readonly Pick<Connection, 'startedAt' | 'endedAt'>[],
): { t0: number; t1: number } | null {
  let t0 = columns.minTime;
  let t1 = columns.maxTime;
  for (const c of connections) {
    if (c.startedAt < t0) t0 = c.startedAt;
    if (c.endedAt !== null && c.endedAt > t1) t1 = c.endedAt;
  }
  if (!Number.isFinite(t0)) return null;
  if (!(t1 - t0 >= MIN_SPAN_MS)) t1 = t0 + MIN_SPAN_MS;
  return { t0, t1 };
}

/** Maps times to pixel columns (0 … cols-1) and back; the one mapping for bars, ticks and the rate. */
export class TimeAxis {
  readonly cols: number;
  private readonly scale: number;
  constructor(
    readonly t0: number,
    readonly t1: number,
    cols: number,
  ) {
    this.cols = Math.max(1, Math.floor(cols));
    // An axis with no width (or a backwards one) puts everything in the first column.
    this.scale = t1 > t0 ? (this.cols - 1) / (t1 - t0) : 0;
  }
  /** The column a time falls in, clamped to the axis. */
  colOf(t: number): number {
    return Math.min(this.cols - 1, Math.max(0, Math.floor((t - this.t0) * this.scale)));
  }
  /** Milliseconds one column stands for. */
  get msPerCol(): number {
    return (this.t1 - this.t0) / this.cols;
  }
  /** The time at the start of a column. */
  timeOfCol(col: number): number {
    return this.t0 + col * this.msPerCol;
  }
}

export interface OverviewBins {
  axis: TimeAxis;
  lanes: number;
  /** Events per lane and column, at `lane * cols + col`. */
  counts: Uint32Array;
  /** Of those, messages (sends and receives). */
  messages: Uint32Array;
  /** The first and the last event's time in a lane's column (NaN where there is none). */
  first: Float64Array;
  last: Float64Array;
  /** 1 where a lane's column holds a send, at `lane * cols + col`. */
  sends: Uint8Array;
  /** Events per column over every connection, lanes or not (the rate strip). */
  rate: Uint32Array;
  /** The same per column over every connection: messages, first and last time. */
  rateMessages: Uint32Array;
  rateFirst: Float64Array;
  rateLast: Float64Array;
  /** The busiest column's count, at least 1. */
  peak: number;
  /** Per lane, the runs of columns with an HTTP request open, as [first, end) pairs. */
  held: Array<Array<[number, number]>>;
}

/** What the list's filter lets through (lib/timeline/event-visibility), as binning reads it. */
export interface Visible {
  /** 1 for an event shown, by the columns' index. */
  shown: Uint8Array;
  connectionShown(key: string): boolean;
}

/**
 * One pass over the events (as flat columns) and one over the connections:
 * what every pixel column of every lane holds. With `visible`, events and
 * held requests the filter hides are left out: not drawn faint, as the lanes
 * are a map of what the list can show, and a faint one-pixel tick cannot be
 * told from a shown one.
 */
export function binOverview(
  columns: Pick<EventColumns, 'times' | 'conns' | 'sends' | 'receives' | 'length' | 'connections'>,
  connections: readonly Connection[],
  lanes: Pick<Lanes, 'laneOf'> & { count: number },
  axis: TimeAxis,
  visible: Visible | null = null,
): OverviewBins {
  const { cols } = axis;
  const laneCount = lanes.count;
  const counts = new Uint32Array(laneCount * cols);
  const messages = new Uint32Array(laneCount * cols);
  const first = new Float64Array(laneCount * cols).fill(Number.NaN);
  const last = new Float64Array(laneCount * cols).fill(Number.NaN);
  const sends = new Uint8Array(laneCount * cols);
  const rate = new Uint32Array(cols);
  const rateMessages = new Uint32Array(cols);
  const rateFirst = new Float64Array(cols).fill(Number.NaN);
  const rateLast = new Float64Array(cols).fill(Number.NaN);

  // Held requests: +1 where one opens and -1 after it ends, summed along the
  // lane, so a polling loop of thousands of requests costs one pass.
  const stride = cols + 1;
  const heldDelta = new Int32Array(laneCount * stride);
  for (const c of connections) {
    if (c.transport !== 'xhr' && c.transport !== 'fetch') continue;
    if (visible && !visible.connectionShown(c.key)) continue;
    const lane = lanes.laneOf.get(c.key);
    if (lane === undefined || lane >= laneCount) continue;
    const from = lane * stride + axis.colOf(c.startedAt);
    const to = lane * stride + axis.colOf(c.endedAt ?? axis.t1) + 1;
    heldDelta[from] = (heldDelta[from] as number) + 1;
    heldDelta[to] = (heldDelta[to] as number) - 1;
  }
  const held: Array<Array<[number, number]>> = [];
  for (let l = 0; l < laneCount; l++) {
    const runs: Array<[number, number]> = [];
    let open = 0;
    let runStart = -1;
    for (let col = 0; col <= cols; col++) {
      open += heldDelta[l * stride + col] as number;
      if (open > 0 && col < cols) {
        if (runStart < 0) runStart = col;
      } else if (runStart >= 0) {
        runs.push([runStart, col]);
        runStart = -1;
      }
    }
    held.push(runs);
  }

  const laneOfConn = new Int32Array(columns.connections.length);
  for (let c = 0; c < columns.connections.length; c++) {
    const lane = lanes.laneOf.get((columns.connections[c] as Connection).key);
    laneOfConn[c] = lane === undefined || lane >= laneCount ? -1 : lane;
  }
  const { times, conns, sends: isSend, receives } = columns;
  const shown = visible?.shown;
  for (let i = 0; i < columns.length; i++) {
    if (shown && !shown[i]) continue;
    const t = times[i] as number;
    const col = axis.colOf(t);
    const message = isSend[i] || receives[i] ? 1 : 0;
    rate[col] = (rate[col] as number) + 1;
    rateMessages[col] = (rateMessages[col] as number) + message;
    if (!(t >= (rateFirst[col] as number))) rateFirst[col] = t;
    if (!(t <= (rateLast[col] as number))) rateLast[col] = t;
    const lane = laneOfConn[conns[i] as number] as number;
    if (lane < 0) continue;
    const at = lane * cols + col;
    counts[at] = (counts[at] as number) + 1;
    messages[at] = (messages[at] as number) + message;
    if (!(t >= (first[at] as number))) first[at] = t;
    if (!(t <= (last[at] as number))) last[at] = t;
    if (isSend[i]) sends[at] = 1;
  }
  let peak = 1;
  for (const r of rate) if (r > peak) peak = r;
  return {
    axis,
    lanes: laneCount,
    counts,
    messages,
    first,
    last,
    sends,
    rate,
    rateMessages,
    rateFirst,
    rateLast,
    peak,
    held,
  };
}

/** What a hover reports: the events near a column, how many are messages, and their first and last time. */
export interface BinSummary {
  events: number;
  messages: number;
  /** NaN when there are no events. */
  first: number;
  last: number;
}

/**
 * The events within `radius` columns either side of `col`, in one lane or
 * (lane 'all') over every connection, as the rate strip counts them.
 */
export function summaryNear(
  bins: OverviewBins,
  lane: number | 'all',
  col: number,
  radius: number,
): BinSummary {
  const summary: BinSummary = { events: 0, messages: 0, first: Number.NaN, last: Number.NaN };
  if (lane !== 'all' && (lane < 0 || lane >= bins.lanes)) return summary;
  const { cols } = bins.axis;
  const base = lane === 'all' ? 0 : lane * cols;
  const counts = lane === 'all' ? bins.rate : bins.counts;
  const messages = lane === 'all' ? bins.rateMessages : bins.messages;
  const first = lane === 'all' ? bins.rateFirst : bins.first;
  const last = lane === 'all' ? bins.rateLast : bins.last;
  for (let c = Math.max(0, col - radius); c <= Math.min(cols - 1, col + radius); c++) {
    const at = base + c;
    if (!counts[at]) continue;
    summary.events += counts[at] as number;
    summary.messages += messages[at] as number;
    if (!(summary.first <= (first[at] as number))) summary.first = first[at] as number;
    if (!(summary.last >= (last[at] as number))) summary.last = last[at] as number;
  }
  return summary;
}

/**
 * HTTP requests among `keys` open at some moment of [from, to] (one still
 * open counts as open until `until`), in start order; with `shown`, only the
 * ones the filter lets through.
 */
export function requestsOpenDuring(
  connections: readonly Connection[],
  keys: ReadonlySet<string>,
  from: number,
  to: number,
  until: number,
  shown: (key: string) => boolean = () => true,
): Connection[] {
  return connections.filter(
    (c) => keys.has(c.key) && isHttp(c) && c.startedAt <= to && (c.endedAt ?? until) >= from && shown(c.key),
  );
}

/**
 * Where a time is drawn across a plot `plotWidth` pixels wide (0 at the
 * axis start, plotWidth - 1 at its end); the inverse of timeAtPlotX.
 */
export function plotXOf(t: number, axis: { t0: number; t1: number }, plotWidth: number): number {
  return ((t - axis.t0) / (axis.t1 - axis.t0)) * Math.max(0, plotWidth - 1);
}

/** The time under a pixel of the plot, clamped to the axis. */
export function timeAtPlotX(x: number, axis: { t0: number; t1: number }, plotWidth: number): number {
  const usable = plotWidth - 1;
  const f = usable > 0 ? Math.min(1, Math.max(0, x / usable)) : 0;
  return axis.t0 + f * (axis.t1 - axis.t0);
}

/**
 * The range a drag over the plot selects, from its two ends (times, in any
 * order) and the plot's width in pixels. A pixel is the brush's resolution:
 * the range takes in what is drawn under both edges, and snaps to the ends of
 * the axis when released within `snapPx` of them. Null for a click (a drag
 * shorter than `snapPx`), which clears the range.
 */
export function brushRange(
  from: number,
  to: number,
  axis: { t0: number; t1: number },
  plotWidth: number,
  snapPx = 3,
): [number, number] | null {
  const a = Math.min(from, to);
  const b = Math.max(from, to);
  const usable = Math.max(1, plotWidth - 1);
  const pxPerMs = usable / (axis.t1 - axis.t0);
  const xa = (a - axis.t0) * pxPerMs;
  const xb = (b - axis.t0) * pxPerMs;
  if (Math.abs(xb - xa) < snapPx) return null;
  const px = 1 / pxPerMs;
  return [xa < snapPx ? axis.t0 : a - px, usable - xb < snapPx ? axis.t1 : b + px];
}
