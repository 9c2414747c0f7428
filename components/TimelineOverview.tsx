// Canvas overview above the list: a time axis, a lane per connection or
// channel the list's filter leaves something of, a tick per message, a bar
// per held HTTP request, and a message-rate strip. The selected connection or
// channel's lane is highlighted. Dragging brushes a time range (the list is
// filtered to it; the range and its duration stay drawn on the overview);
// hovering tells in words what is under the pointer. What goes where is
// computed in lib/timeline (overview, time-ticks, event-visibility,
// overview-words); this component paints it, throttled while traffic
// streams in.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { EventPredicate } from '../lib/filter';
import { formatClock, formatDuration, formatSinceLoad } from '../lib/format';
import type { ListEntry } from '../lib/timeline/channels';
import { EventColumns } from '../lib/timeline/event-columns';
import { EventVisibility } from '../lib/timeline/event-visibility';
import {
  AXIS_STRIP_PX,
  assignLanes,
  binOverview,
  brushRange,
  type Lanes,
  labelWidthFor,
  laneHeightFor,
  lanesThatFit,
  MAX_LANE_PX,
  MIN_LANE_PX,
  type OverviewBins,
  plotXOf,
  RATE_STRIP_PX,
  requestsOpenDuring,
  summaryNear,
  TimeAxis,
  timeAtPlotX,
  timeSpan,
} from '../lib/timeline/overview';
import { describeEvents, describeRequests } from '../lib/timeline/overview-words';
import type { Connection, TimelineEvent } from '../lib/timeline/store';
import { timeTicks } from '../lib/timeline/time-ticks';
import { useObservedSize } from './use-observed-size';

const LANE_HEIGHT = MIN_LANE_PX;
const MAX_LANE_HEIGHT = MAX_LANE_PX;
const RATE_HEIGHT = RATE_STRIP_PX;
const AXIS_HEIGHT = AXIS_STRIP_PX;
const REDRAW_MS = 250;
/** Columns either side of the pointer a hover reports on: a one-pixel tick is hard to hit. */
const HOVER_RADIUS = 2;
const AXIS_FONT = '10px system-ui, sans-serif';
const LANE_FONT = '11px system-ui, sans-serif';
/** Axis labels: about this wide a character (10 px digits), and this far apart at least. */
const TICK_SPACING = { charPx: 6, gapPx: 18 };

export interface TimelineOverviewProps {
  entries: readonly ListEntry[];
  events: readonly TimelineEvent[];
  connections: readonly Connection[];
  version: number;
  height: number;
  range: readonly [number, number] | null;
  onBrush(range: [number, number] | null): void;
  /** What the list's filter lets through, apart from the selected connection and the time range (null: everything). */
  predicate: EventPredicate | null;
  /** The connections-list entry selected: its lane is highlighted. */
  selectedEntryId: string | null;
}

/** What the last draw showed, for hover and brushing. */
interface Layout {
  width: number;
  labelWidth: number;
  bins: OverviewBins;
  lanes: Lanes;
  laneHeight: number;
}

interface Palette {
  fg: string;
  muted: string;
  border: string;
  accent: string;
  sendC: string;
  recvC: string;
  warn: string;
  held: string;
}

/**
 * The theme's colours, read from CSS once per theme: reading computed style
 * forces a style update, which each draw under a flood would otherwise pay.
 */
function paletteOf(el: Element, cached: { theme: string | undefined; palette: Palette } | null) {
  const theme = document.documentElement.dataset.theme;
  if (cached && cached.theme === theme) return cached;
  const style = getComputedStyle(el);
  const cssVar = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const palette: Palette = {
    fg: cssVar('--fg', '#222'),
    muted: cssVar('--muted', '#888'),
    border: cssVar('--border', '#ddd'),
    accent: cssVar('--accent', '#1a73e8'),
    sendC: cssVar('--send', '#0b8043'),
    recvC: cssVar('--recv', '#1a73e8'),
    warn: cssVar('--warn', '#d93025'),
    held: cssVar('--held', 'rgba(26,115,232,.25)'),
  };
  return { theme, palette };
}

interface AxisLabel {
  /** Left edge, in pixels from the overview's left. */
  x: number;
  text: string;
}

const sameLabels = (a: readonly AxisLabel[], b: readonly AxisLabel[]) =>
  a.length === b.length && a.every((l, i) => l.x === b[i]?.x && l.text === b[i]?.text);

/** `text` cut with an ellipsis to fit `maxWidth` pixels in the context's font. */
function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n - 1)}…`).width > maxWidth) n--;
  return `${text.slice(0, n - 1)}…`;
}

export function TimelineOverview(props: TimelineOverviewProps) {
  const { entries, version, height, range, onBrush, predicate, selectedEntryId } = props;
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layout = useRef<Layout | null>(null);
  const lastDraw = useRef(0);
  const lastDrawCost = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** The tooltip's lines and the pointer's place in the window. */
  const [tip, setTip] = useState<{ x: number; y: number; lines: string[] } | null>(null);
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  // What the last draw showed that the DOM tells too: lane titles (for the
  // canvas's accessible name) and the time axis's labels (text, not pixels).
  const [laneNames, setLaneNames] = useState('');
  const [axisLabels, setAxisLabels] = useState<readonly AxisLabel[]>([]);
  const palette = useRef<{ theme: string | undefined; palette: Palette } | null>(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const columns = useRef<EventColumns | null>(null);
  const visibility = useRef<EventVisibility | null>(null);

  const width = useObservedSize(wrapRef, (el) => el.clientWidth);
  const labelWidth = labelWidthFor(width);

  const draw = () => {
    lastDraw.current = performance.now();
    // The canvas is no longer reset by resizing it each draw: save/restore
    // gives every draw the default state instead.
    const ctx = canvasRef.current?.getContext?.('2d');
    ctx?.save();
    try {
      paint();
    } finally {
      ctx?.restore();
      lastDrawCost.current = performance.now() - lastDraw.current;
    }
  };

  const paint = () => {
    const canvas = canvasRef.current;
    const wrap = wrapRef.current;
    if (!canvas || !wrap || width <= labelWidth) return;
    const ctx = canvas.getContext?.('2d');
    if (!ctx) return;
    const current = propsRef.current;
    const { events: evs, connections: conns } = current;
    const dpr = window.devicePixelRatio || 1;
    const pixelWidth = Math.floor(width * dpr);
    const pixelHeight = Math.floor(height * dpr);
    // Resizing reallocates the backing store: only when the size changed.
    if (canvas.width !== pixelWidth || canvas.height !== pixelHeight) {
      canvas.width = pixelWidth;
      canvas.height = pixelHeight;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    palette.current = paletteOf(wrap, palette.current);
    const { fg, muted, border, accent, sendC, recvC, warn, held } = palette.current.palette;
    ctx.clearRect(0, 0, width, height);

    // Each draw is one pass over every event: over flat typed columns, kept
    // up to date incrementally, not over the event objects. The filter's
    // verdict per event is kept the same way (a changed filter rescans once).
    columns.current ??= new EventColumns();
    visibility.current ??= new EventVisibility();
    const ix = columns.current;
    const vis = visibility.current;
    ix.sync(evs);
    vis.sync(evs, current.predicate);

    // Lanes for the entries the filter leaves something of.
    const shownEntries = vis.entriesShown(current.entries);
    const plotTop = AXIS_HEIGHT;
    const plotHeight = height - RATE_HEIGHT - AXIS_HEIGHT;
    const lanes = assignLanes(shownEntries, lanesThatFit(plotHeight, LANE_HEIGHT));
    const lanesShown = lanes.titles.length;
    const laneH = laneHeightFor(plotHeight, lanesShown, LANE_HEIGHT, MAX_LANE_HEIGHT);
    const laneTop = (l: number) => plotTop + l * laneH;

    const span = timeSpan(ix, conns);
    if (!span) {
      layout.current = null;
      setLaneNames('');
      setAxisLabels([]);
      ctx.fillStyle = muted;
      ctx.font = LANE_FONT;
      ctx.fillText('The timeline fills in as traffic arrives.', 8, 16);
      return;
    }
    const plotWidth = width - labelWidth;
    const axis = new TimeAxis(span.t0, span.t1, plotWidth);
    const bins = binOverview(
      ix,
      conns,
      { laneOf: lanes.laneOf, count: lanesShown },
      axis,
      vis.filtering ? vis : null,
    );
    const { cols } = axis;

    // The selected entry's lane(s): highlighted, the others' marks muted.
    const selected = new Set<number>();
    const selectedEntry = current.selectedEntryId
      ? current.entries.find((e) => e.id === current.selectedEntryId)
      : undefined;
    for (const k of selectedEntry?.connectionKeys ?? []) {
      const lane = lanes.laneOf.get(k);
      if (lane !== undefined) selected.add(lane);
    }
    const markAlpha = (l: number) => (selected.size > 0 && !selected.has(l) ? 0.35 : 1);
    setLaneNames(lanes.titles.map((t, l) => (selected.has(l) ? `${t} (selected)` : t)).join(', '));

    // Lane backgrounds.
    for (let l = 0; l < lanesShown; l++) {
      if (selected.has(l)) {
        ctx.fillStyle = accent;
        ctx.globalAlpha = 0.14;
        ctx.fillRect(0, laneTop(l), width, laneH);
        ctx.globalAlpha = 1;
        ctx.fillRect(0, laneTop(l), 3, laneH);
      } else if (l % 2 === 1) {
        ctx.fillStyle = border;
        ctx.globalAlpha = 0.25;
        ctx.fillRect(0, laneTop(l), width, laneH);
        ctx.globalAlpha = 1;
      }
    }
    // The time axis: a faint grid line down through the lanes; its labels
    // are text in the DOM above the canvas (kept only when they fit).
    const ticks = timeTicks(axis.t0, axis.t1, plotWidth, TICK_SPACING);
    ctx.fillStyle = border;
    ctx.fillRect(0, plotTop - 1, width, 1);
    for (const tick of ticks)
      ctx.fillRect(labelWidth + Math.round(tick.x), plotTop - 4, 1, height - plotTop + 4);
    ctx.font = AXIS_FONT;
    const labels = ticks
      .map((tick) => ({ x: labelWidth + Math.round(tick.x) + 3, text: tick.label }))
      .filter((label) => label.x + ctx.measureText(label.text).width <= width);
    setAxisLabels((shown) => (sameLabels(shown, labels) ? shown : labels));
    // Held HTTP requests as bars, a rectangle per run of columns (not per
    // request: a polling loop makes thousands).
    ctx.fillStyle = held;
    bins.held.forEach((runs, l) => {
      ctx.globalAlpha = markAlpha(l);
      for (const [from, to] of runs) ctx.fillRect(labelWidth + from, laneTop(l) + 3, to - from, laneH - 6);
    });
    // Ticks: one per occupied column (colour: sends vs the rest).
    for (let l = 0; l < lanesShown; l++) {
      ctx.globalAlpha = markAlpha(l);
      for (let col = 0; col < cols; col++) {
        const i = l * cols + col;
        if (!bins.counts[i]) continue;
        ctx.fillStyle = bins.sends[i] ? sendC : recvC;
        ctx.fillRect(labelWidth + col, laneTop(l) + 2, 1, laneH - 4);
      }
    }
    ctx.globalAlpha = 1;
    // Message-rate strip.
    const rateTop = height - RATE_HEIGHT;
    ctx.fillStyle = border;
    ctx.fillRect(0, rateTop, width, 1);
    ctx.fillStyle = accent;
    for (let col = 0; col < cols; col++) {
      const r = bins.rate[col] ?? 0;
      if (!r) continue;
      const h = Math.max(1, ((RATE_HEIGHT - 3) * r) / bins.peak);
      ctx.fillRect(labelWidth + col, height - h, 1, h);
    }
    // Labels on top, on the lane background.
    ctx.textBaseline = 'middle';
    for (let l = 0; l < lanesShown; l++) {
      const title = lanes.titles[l] ?? '';
      // Red only while the storm goes on: an ended one is history, said in the findings.
      const storm = shownEntries[l]?.pattern?.storm;
      const stormy = storm && !storm.endedAt;
      ctx.font = selected.has(l) ? `600 ${LANE_FONT}` : LANE_FONT;
      ctx.fillStyle = stormy ? warn : fg;
      ctx.fillText(fitText(ctx, title, labelWidth - 10), 6, laneTop(l) + laneH / 2);
    }
    ctx.font = LANE_FONT;
    ctx.fillStyle = muted;
    if (lanesShown === 0)
      ctx.fillText(
        'Nothing here matches the filter.',
        labelWidth + 6,
        plotTop + Math.min(plotHeight, 28) / 2,
      );
    ctx.fillText('Rate', 6, rateTop + RATE_HEIGHT / 2);
    layout.current = { width, labelWidth, bins, lanes, laneHeight: laneH };
  };

  // Redraw on new data, at most every REDRAW_MS, and never more than about a
  // tenth of the time: a draw is one pass over every event, so with a long
  // history the interval grows with what the last draw cost. A layout effect,
  // so the canvas changes in the same frame as the list, not in a second one.
  useLayoutEffect(() => {
    const interval = Math.max(REDRAW_MS, 10 * lastDrawCost.current);
    const since = performance.now() - lastDraw.current;
    if (since >= interval) draw();
    else if (!timer.current)
      timer.current = setTimeout(() => {
        timer.current = null;
        draw();
      }, interval - since);
  }, [version]);
  // A changed filter or selection shows at once.
  useEffect(() => draw(), [width, height, entries.length, predicate, selectedEntryId]);
  useEffect(() => () => (timer.current ? clearTimeout(timer.current) : undefined), []);

  const plotWidth = () => (layout.current?.width ?? 0) - (layout.current?.labelWidth ?? 0);

  const timeAt = (clientX: number): number | null => {
    const L = layout.current;
    const canvas = canvasRef.current;
    if (!L || !canvas) return null;
    const x = clientX - canvas.getBoundingClientRect().left;
    return timeAtPlotX(x - L.labelWidth, L.bins.axis, plotWidth());
  };

  const xOfTime = (t: number): number => {
    const L = layout.current;
    if (!L) return 0;
    return Math.min(L.width, Math.max(L.labelWidth, L.labelWidth + plotXOf(t, L.bins.axis, plotWidth())));
  };

  /** What is under the pointer, a line each: the lane's name first, then what it holds there. */
  const describeAt = (clientX: number, clientY: number): string[] | null => {
    const L = layout.current;
    const canvas = canvasRef.current;
    if (!L || !canvas) return null;
    const rect = canvas.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    const { axis } = L.bins;
    const lane = Math.floor((y - AXIS_HEIGHT) / L.laneHeight);
    const onLane = y >= AXIS_HEIGHT && y < height - RATE_HEIGHT && lane < L.bins.lanes;
    if (x < L.labelWidth) {
      if (!onLane) return null;
      const keys = L.lanes.keys[lane];
      const entry = propsRef.current.entries.find(
        (e) => e.connectionKeys[0] !== undefined && keys?.has(e.connectionKeys[0]),
      );
      const title = L.lanes.titles[lane] ?? '';
      return entry?.url && !title.startsWith('+') ? [title, entry.url] : [title];
    }
    const col = Math.min(axis.cols - 1, Math.max(0, Math.floor(x - L.labelWidth)));
    const t = axis.timeOfCol(col);
    const nothing = `Nothing at ${formatClock(t)}`;
    if (y < AXIS_HEIGHT) return [formatClock(t), `${formatSinceLoad(t - axis.t0)} from the start`];
    if (y >= height - RATE_HEIGHT)
      return ['Every lane', describeEvents(summaryNear(L.bins, 'all', col, HOVER_RADIUS)) ?? nothing];
    if (!onLane) return null;
    const title = L.lanes.titles[lane] ?? '';
    const keys = L.lanes.keys[lane] ?? new Set<string>();
    const { connections } = propsRef.current;
    const vis = visibility.current;
    const from = axis.timeOfCol(col - HOVER_RADIUS);
    const to = axis.timeOfCol(col + HOVER_RADIUS + 1);
    const requests = describeRequests(
      requestsOpenDuring(connections, keys, from, to, axis.t1, (k) => vis?.connectionShown(k) ?? true),
    );
    // An HTTP exchange's request and response are told as the request; a socket's events as messages.
    const sockets = connections.some(
      (c) => keys.has(c.key) && (c.transport === 'websocket' || c.transport === 'eventsource'),
    );
    const events = sockets ? describeEvents(summaryNear(L.bins, lane, col, HOVER_RADIUS)) : null;
    const lines = [requests, events].filter((line): line is string => line !== null);
    return [title, ...(lines.length ? lines : [nothing])];
  };

  const onPointerDown = (ev: PointerEvent) => {
    const t = timeAt(ev.clientX);
    if (t === null) return;
    (ev.currentTarget as HTMLElement).setPointerCapture?.(ev.pointerId);
    setDrag({ from: t, to: t });
    setTip(null);
  };
  const onPointerMove = (ev: PointerEvent) => {
    if (drag) {
      const t = timeAt(ev.clientX);
      if (t !== null) setDrag({ from: drag.from, to: t });
      return;
    }
    const lines = describeAt(ev.clientX, ev.clientY);
    setTip(lines ? { x: ev.clientX, y: ev.clientY, lines } : null);
  };
  const onPointerUp = () => {
    if (!drag) return;
    setDrag(null);
    const L = layout.current;
    onBrush(L ? brushRange(drag.from, drag.to, L.bins.axis, plotWidth()) : null);
  };

  const shown = drag ? [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)] : range;
  const L = layout.current;
  const brush = shown && L ? { from: shown[0] as number, to: shown[1] as number } : null;
  const brushX0 = brush ? xOfTime(brush.from) : 0;
  const brushX1 = brush ? xOfTime(brush.to) : 0;
  return (
    <div class="overview" ref={wrapRef} style={{ height: `${height}px` }} data-testid="timeline">
      <canvas
        ref={canvasRef}
        role="img"
        aria-label={`Timeline overview${laneNames ? `: ${laneNames}` : ', no lanes'}. Drag to filter the list to a time range; click to clear.`}
        style={{ width: `${width}px`, height: `${height}px` }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => setTip(null)}
      />
      <div class="axis-labels" style={{ height: `${AXIS_HEIGHT - 3}px` }}>
        {axisLabels.map((label) => (
          <span key={label.x} class="axis-label" data-testid="axis-label" style={{ left: `${label.x}px` }}>
            {label.text}
          </span>
        ))}
      </div>
      {brush && L && (
        <>
          <div
            class="brush-outside"
            style={{ left: `${L.labelWidth}px`, width: `${brushX0 - L.labelWidth}px` }}
          />
          <div class="brush-outside" style={{ left: `${brushX1}px`, right: '0' }} />
          <div class="brush" style={{ left: `${brushX0}px`, width: `${Math.max(1, brushX1 - brushX0)}px` }} />
          <div
            class="brush-label"
            data-testid="brush-duration"
            style={{
              left: `${Math.min(L.width - 44, Math.max(L.labelWidth + 44, (brushX0 + brushX1) / 2))}px`,
            }}
          >
            {formatDuration(brush.to - brush.from)}
            {!drag && (
              <button
                type="button"
                class="brush-clear"
                aria-label="Clear time range"
                title="Clear time range"
                onClick={() => onBrush(null)}
              >
                ✕
              </button>
            )}
          </div>
        </>
      )}
      {tip && (
        <div
          class="tooltip"
          role="tooltip"
          style={{
            // Placed in the window, not the overview, so it is never cut off
            // by a short overview: beside the pointer on the side with more
            // room, below it (over the list) unless near the window's bottom.
            position: 'fixed',
            ...(tip.x > window.innerWidth / 2
              ? { right: `${window.innerWidth - tip.x + 12}px`, maxWidth: `${Math.min(360, tip.x - 20)}px` }
              : { left: `${tip.x + 12}px`, maxWidth: `${Math.min(360, window.innerWidth - tip.x - 20)}px` }),
            ...(tip.y > window.innerHeight - 80
              ? { bottom: `${window.innerHeight - tip.y + 8}px` }
              : { top: `${tip.y + 14}px` }),
          }}
        >
          {tip.lines.map((line, i) => (
            <div key={i} class={i === 0 ? 'tip-title' : undefined}>
              {line}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
