// Canvas overview above the list: a lane per connection or channel, a tick per
// message, a bar per held HTTP request, and a message-rate strip. Dragging
// brushes a time range (the list is filtered to it); hovering tells what is
// under the cursor. What goes where is computed in lib/timeline/overview (one
// pass over the events per draw); this component paints it, throttled while
// traffic streams in.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatClock, formatDuration } from '../lib/format';
import type { ListEntry } from '../lib/timeline/channels';
import { EventColumns } from '../lib/timeline/event-columns';
import {
  assignLanes,
  binOverview,
  brushRange,
  eventsNear,
  type Lanes,
  laneHeightFor,
  lanesThatFit,
  MAX_LANE_PX,
  MIN_LANE_PX,
  type OverviewBins,
  plotXOf,
  RATE_STRIP_PX,
  requestsHeldAt,
  TimeAxis,
  timeAtPlotX,
  timeSpan,
} from '../lib/timeline/overview';
import type { Connection, TimelineEvent } from '../lib/timeline/store';
import { useObservedSize } from './use-observed-size';

const LANE_HEIGHT = MIN_LANE_PX;
const MAX_LANE_HEIGHT = MAX_LANE_PX;
const RATE_HEIGHT = RATE_STRIP_PX;
const LABEL_WIDTH = 150;
const REDRAW_MS = 250;

export interface TimelineOverviewProps {
  entries: readonly ListEntry[];
  events: readonly TimelineEvent[];
  connections: readonly Connection[];
  version: number;
  height: number;
  range: readonly [number, number] | null;
  onBrush(range: [number, number] | null): void;
}

/** What the last draw showed, for hover and brushing. */
interface Layout {
  width: number;
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

export function TimelineOverview(props: TimelineOverviewProps) {
  const { entries, version, height, range, onBrush } = props;
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layout = useRef<Layout | null>(null);
  const lastDraw = useRef(0);
  const lastDrawCost = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [tip, setTip] = useState<{ x: number; y: number; text: string } | null>(null);
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  const palette = useRef<{ theme: string | undefined; palette: Palette } | null>(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const columns = useRef<EventColumns | null>(null);

  const width = useObservedSize(wrapRef, (el) => el.clientWidth);

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
    if (!canvas || !wrap || width <= LABEL_WIDTH) return;
    const ctx = canvas.getContext?.('2d');
    if (!ctx) return;
    const { entries: ents, events: evs, connections: conns } = propsRef.current;
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

    const plotHeight = height - RATE_HEIGHT;
    const lanes = assignLanes(ents, lanesThatFit(plotHeight, LANE_HEIGHT));
    const laneCount = lanes.titles.length;
    const laneH = laneHeightFor(plotHeight, laneCount, LANE_HEIGHT, MAX_LANE_HEIGHT);

    // Each draw is one pass over every event: over flat typed columns, kept
    // up to date incrementally, not over the event objects.
    columns.current ??= new EventColumns();
    const ix = columns.current;
    ix.sync(evs);
    const span = timeSpan(ix, conns);
    if (!span) {
      layout.current = null;
      ctx.fillStyle = muted;
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillText('The timeline fills in as traffic arrives.', 8, 16);
      return;
    }
    const axis = new TimeAxis(span.t0, span.t1, width - LABEL_WIDTH);
    const bins = binOverview(ix, conns, { laneOf: lanes.laneOf, count: laneCount }, axis);
    const { cols } = axis;

    // Lane backgrounds.
    for (let l = 1; l < laneCount; l += 2) {
      ctx.fillStyle = border;
      ctx.globalAlpha = 0.25;
      ctx.fillRect(0, l * laneH, width, laneH);
      ctx.globalAlpha = 1;
    }
    // Held HTTP requests as bars, a rectangle per run of columns (not per
    // request: a polling loop makes thousands).
    ctx.fillStyle = held;
    bins.held.forEach((runs, l) => {
      for (const [from, to] of runs) ctx.fillRect(LABEL_WIDTH + from, l * laneH + 3, to - from, laneH - 6);
    });
    // Ticks: one per occupied column (colour: sends vs the rest).
    for (let l = 0; l < laneCount; l++) {
      for (let col = 0; col < cols; col++) {
        const i = l * cols + col;
        if (!bins.counts[i]) continue;
        ctx.fillStyle = bins.sends[i] ? sendC : recvC;
        ctx.fillRect(LABEL_WIDTH + col, l * laneH + 2, 1, laneH - 4);
      }
    }
    // Message-rate strip.
    const rateTop = height - RATE_HEIGHT;
    ctx.fillStyle = border;
    ctx.fillRect(0, rateTop, width, 1);
    ctx.fillStyle = accent;
    for (let col = 0; col < cols; col++) {
      const r = bins.rate[col] ?? 0;
      if (!r) continue;
      const h = Math.max(1, ((RATE_HEIGHT - 3) * r) / bins.peak);
      ctx.fillRect(LABEL_WIDTH + col, height - h, 1, h);
    }
    // Labels on top, on the lane background.
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let l = 0; l < laneCount; l++) {
      const title = lanes.titles[l] ?? '';
      const stormy = ents[l]?.pattern?.storm;
      ctx.fillStyle = stormy ? warn : fg;
      ctx.fillText(
        title.length > 24 ? `${title.slice(0, 23)}…` : title,
        4,
        l * laneH + laneH / 2,
        LABEL_WIDTH - 8,
      );
    }
    ctx.fillStyle = muted;
    ctx.fillText(`rate (peak ${bins.peak}/px)`, 4, rateTop + RATE_HEIGHT / 2);
    layout.current = { width, bins, lanes, laneHeight: laneH };
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
  useEffect(() => draw(), [width, height, entries.length]);
  useEffect(() => () => (timer.current ? clearTimeout(timer.current) : undefined), []);

  const plotWidth = () => (layout.current?.width ?? 0) - LABEL_WIDTH;

  const timeAt = (clientX: number): number | null => {
    const L = layout.current;
    const canvas = canvasRef.current;
    if (!L || !canvas) return null;
    const x = clientX - canvas.getBoundingClientRect().left;
    return timeAtPlotX(x - LABEL_WIDTH, L.bins.axis, plotWidth());
  };

  const xOfTime = (t: number): number => {
    const L = layout.current;
    if (!L) return 0;
    return LABEL_WIDTH + plotXOf(t, L.bins.axis, plotWidth());
  };

  const describeAt = (clientX: number, clientY: number): string | null => {
    const L = layout.current;
    const canvas = canvasRef.current;
    if (!L || !canvas) return null;
    const rect = canvas.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    if (x < LABEL_WIDTH) {
      const lane = Math.floor(y / L.laneHeight);
      return L.lanes.titles[lane] ?? null;
    }
    const { axis } = L.bins;
    const col = Math.min(axis.cols - 1, Math.max(0, Math.floor(x - LABEL_WIDTH)));
    const t = axis.timeOfCol(col);
    const when = `${formatClock(t)} (${formatDuration(axis.msPerCol)} per pixel)`;
    if (y >= height - RATE_HEIGHT) return `${L.bins.rate[col] ?? 0} events at ${when}`;
    const lane = Math.floor(y / L.laneHeight);
    if (lane >= L.bins.lanes) return null;
    const n = eventsNear(L.bins, lane, col, 2);
    const keys = L.lanes.keys[lane];
    const inFlight = keys ? requestsHeldAt(propsRef.current.connections, keys, t, axis.t1) : 0;
    const held = inFlight ? `, ${inFlight} request${inFlight > 1 ? 's' : ''} held` : '';
    return `${L.lanes.titles[lane]}: ${n} event${n === 1 ? '' : 's'} near ${when}${held}`;
  };

  const onPointerDown = (ev: PointerEvent) => {
    const t = timeAt(ev.clientX);
    if (t === null) return;
    (ev.currentTarget as HTMLElement).setPointerCapture?.(ev.pointerId);
    setDrag({ from: t, to: t });
  };
  const onPointerMove = (ev: PointerEvent) => {
    if (drag) {
      const t = timeAt(ev.clientX);
      if (t !== null) setDrag({ from: drag.from, to: t });
    }
    const text = describeAt(ev.clientX, ev.clientY);
    const rect = wrapRef.current?.getBoundingClientRect();
    setTip(text && rect ? { x: ev.clientX - rect.left, y: ev.clientY - rect.top, text } : null);
  };
  const onPointerUp = () => {
    if (!drag) return;
    setDrag(null);
    const L = layout.current;
    onBrush(L ? brushRange(drag.from, drag.to, L.bins.axis, plotWidth()) : null);
  };

  const shown = drag ? [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)] : range;
  return (
    <div class="overview" ref={wrapRef} style={{ height: `${height}px` }} data-testid="timeline">
      <canvas
        ref={canvasRef}
        role="img"
        aria-label={`Timeline overview: ${entries.length} lanes. Drag to filter the list to a time range; click to clear.`}
        style={{ width: `${width}px`, height: `${height}px` }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => setTip(null)}
      />
      {shown && layout.current && (
        <div
          class="brush"
          style={{
            left: `${xOfTime(shown[0] as number)}px`,
            width: `${Math.max(1, xOfTime(shown[1] as number) - xOfTime(shown[0] as number))}px`,
          }}
        />
      )}
      {tip && (
        <div
          class="tooltip"
          role="tooltip"
          style={{ left: `${Math.min(tip.x + 12, width - 260)}px`, top: `${tip.y + 12}px` }}
        >
          {tip.text}
        </div>
      )}
    </div>
  );
}
