// What the timeline overview draws, computed without a canvas: which lane
// each connection goes to, the time axis, and per pixel column how many
// events each lane has, whether one was a send, how many events there are in
// all (the rate strip) and where a lane had an HTTP request held open. The
// component (components/TimelineOverview) only paints these numbers.

import type { ListEntry } from './channels';
import type { EventColumns } from './event-columns';
import type { Connection } from './store';

/** Lanes are this high at least: more lanes than fit at this height share the last one. */
export const MIN_LANE_PX = 14;
/** Few lanes are drawn taller, up to this. */
export const MAX_LANE_PX = 22;
/** The message-rate strip under the lanes. */
export const RATE_STRIP_PX = 20;

/** The height that shows `lanes` lanes at their tallest, and the rate strip. */
export function overviewHeightFor(lanes: number): number {
  return Math.max(1, lanes) * MAX_LANE_PX + RATE_STRIP_PX;
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
  /** 1 where a lane's column holds a send, at `lane * cols + col`. */
  sends: Uint8Array;
  /** Events per column over every connection, lanes or not (the rate strip). */
  rate: Uint32Array;
  /** The busiest column's count, at least 1. */
  peak: number;
  /** Per lane, the runs of columns with an HTTP request open, as [first, end) pairs. */
  held: Array<Array<[number, number]>>;
}

/**
 * One pass over the events (as flat columns) and one over the connections:
 * what every pixel column of every lane holds.
 */
export function binOverview(
  columns: Pick<EventColumns, 'times' | 'conns' | 'sends' | 'length' | 'connections'>,
  connections: readonly Connection[],
  lanes: Pick<Lanes, 'laneOf'> & { count: number },
  axis: TimeAxis,
): OverviewBins {
  const { cols } = axis;
  const laneCount = lanes.count;
  const counts = new Uint32Array(laneCount * cols);
  const sends = new Uint8Array(laneCount * cols);
  const rate = new Uint32Array(cols);

  // Held requests: +1 where one opens and -1 after it ends, summed along the
  // lane, so a polling loop of thousands of requests costs one pass.
  const stride = cols + 1;
  const heldDelta = new Int32Array(laneCount * stride);
  for (const c of connections) {
    if (c.transport !== 'xhr' && c.transport !== 'fetch') continue;
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
  const { times, conns, sends: isSend } = columns;
  for (let i = 0; i < columns.length; i++) {
    const col = axis.colOf(times[i] as number);
    rate[col] = (rate[col] as number) + 1;
    const lane = laneOfConn[conns[i] as number] as number;
    if (lane < 0) continue;
    const at = lane * cols + col;
    counts[at] = (counts[at] as number) + 1;
    if (isSend[i]) sends[at] = 1;
  }
  let peak = 1;
  for (const r of rate) if (r > peak) peak = r;
  return { axis, lanes: laneCount, counts, sends, rate, peak, held };
}

/** Events in a lane within `radius` columns either side of `col` (what a hover reports). */
export function eventsNear(bins: OverviewBins, lane: number, col: number, radius: number): number {
  if (lane < 0 || lane >= bins.lanes) return 0;
  const { cols } = bins.axis;
  let n = 0;
  for (let c = Math.max(0, col - radius); c <= Math.min(cols - 1, col + radius); c++)
    n += bins.counts[lane * cols + c] ?? 0;
  return n;
}

/** HTTP requests of a lane that were open at time `t` (one still open counts as open until `until`). */
export function requestsHeldAt(
  connections: readonly Connection[],
  keys: ReadonlySet<string>,
  t: number,
  until: number,
): number {
  let n = 0;
  for (const c of connections)
    if (
      keys.has(c.key) &&
      (c.transport === 'xhr' || c.transport === 'fetch') &&
      c.startedAt <= t &&
      (c.endedAt ?? until) >= t
    )
      n++;
  return n;
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
