// Canvas overview above the list: a lane per connection or channel, a tick per
// message, a bar per held HTTP request, and a message-rate strip. Dragging
// brushes a time range (the list is filtered to it); hovering tells what is
// under the cursor. Drawing buckets events per pixel column, so its cost is
// one pass over the events, throttled while traffic streams in.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatClock, formatDuration } from '../lib/format';
import type { ListEntry } from '../lib/timeline/channels';
import { EventColumns } from '../lib/timeline/event-columns';
import type { Connection, TimelineEvent } from '../lib/timeline/store';
import { useObservedSize } from './use-observed-size';

export const LANE_HEIGHT = 14;
const MAX_LANE_HEIGHT = 22;
const RATE_HEIGHT = 20;
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

interface Layout {
  t0: number;
  t1: number;
  width: number;
  lanes: number;
  /** events per (lane, column) */
  counts: Uint32Array;
  rate: Uint32Array;
  laneHeight: number;
  laneTitles: string[];
  laneKeys: Array<Set<string>>;
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

    const maxLanes = Math.max(1, Math.floor((height - RATE_HEIGHT) / LANE_HEIGHT));
    const laneTitles: string[] = [];
    const laneKeys: Array<Set<string>> = [];
    const laneOf = new Map<string, number>();
    ents.forEach((e, i) => {
      const lane = Math.min(i, maxLanes - 1);
      if (lane === laneTitles.length) {
        laneTitles.push(
          e.kind === 'connection' && e.number !== undefined ? `#${e.number} ${e.title}` : e.title,
        );
        laneKeys.push(new Set());
      }
      if (i === maxLanes - 1 && ents.length > maxLanes)
        laneTitles[lane] = `+${ents.length - maxLanes + 1} more`;
      for (const k of e.connectionKeys) {
        laneOf.set(k, lane);
        laneKeys[lane]?.add(k);
      }
    });
    const lanes = laneTitles.length;
    // Few lanes get taller rows, up to a limit.
    const laneH = Math.max(
      LANE_HEIGHT,
      Math.min(MAX_LANE_HEIGHT, Math.floor((height - RATE_HEIGHT) / Math.max(1, lanes))),
    );

    // Each draw is one pass over every event: over flat typed columns, kept
    // up to date incrementally, not over the event objects.
    columns.current ??= new EventColumns();
    const ix = columns.current;
    ix.sync(evs);
    let t0 = ix.minTime;
    let t1 = ix.maxTime;
    for (const c of conns) {
      if (c.startedAt < t0) t0 = c.startedAt;
      if (c.endedAt !== null && c.endedAt > t1) t1 = c.endedAt;
    }
    if (!Number.isFinite(t0)) {
      layout.current = null;
      ctx.fillStyle = muted;
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillText('The timeline fills in as traffic arrives.', 8, 16);
      return;
    }
    if (t1 - t0 < 1000) t1 = t0 + 1000;
    const plotW = width - LABEL_WIDTH;
    const cols = Math.max(1, Math.floor(plotW));
    const scale = (cols - 1) / (t1 - t0);
    /** The pixel column of a time; the same mapping for bars, ticks and the rate strip. */
    const colOf = (t: number) => Math.min(cols - 1, Math.max(0, Math.floor((t - t0) * scale)));
    const counts = new Uint32Array(lanes * cols);
    const rate = new Uint32Array(cols);
    const sendCols = new Uint8Array(lanes * cols);

    // Lane backgrounds and labels.
    for (let l = 0; l < lanes; l++) {
      if (l % 2) {
        ctx.fillStyle = border;
        ctx.globalAlpha = 0.25;
        ctx.fillRect(0, l * laneH, width, laneH);
        ctx.globalAlpha = 1;
      }
    }
    // Held HTTP requests as bars: the columns each lane has a request open
    // in, drawn as runs (not a rectangle per request: a polling loop makes
    // thousands).
    const stride = cols + 1;
    const heldDelta = new Int32Array(lanes * stride);
    let anyHeld = false;
    for (const c of conns) {
      if (c.transport !== 'xhr' && c.transport !== 'fetch') continue;
      const lane = laneOf.get(c.key);
      if (lane === undefined) continue;
      const from = lane * stride + colOf(c.startedAt);
      const to = lane * stride + colOf(c.endedAt ?? t1) + 1;
      heldDelta[from] = (heldDelta[from] as number) + 1;
      heldDelta[to] = (heldDelta[to] as number) - 1;
      anyHeld = true;
    }
    if (anyHeld) {
      ctx.fillStyle = held;
      for (let l = 0; l < lanes; l++) {
        let open = 0;
        let runStart = -1;
        for (let col = 0; col <= cols; col++) {
          open += heldDelta[l * stride + col] as number;
          if (open > 0 && col < cols) {
            if (runStart < 0) runStart = col;
          } else if (runStart >= 0) {
            ctx.fillRect(LABEL_WIDTH + runStart, l * laneH + 3, col - runStart, laneH - 6);
            runStart = -1;
          }
        }
      }
    }
    const laneOfConn = new Int32Array(ix.connections.length);
    for (let c = 0; c < ix.connections.length; c++)
      laneOfConn[c] = laneOf.get((ix.connections[c] as Connection).key) ?? -1;
    const { times, conns: connOf, sends } = ix;
    for (let i = 0; i < ix.length; i++) {
      const col = colOf(times[i] as number);
      rate[col] = (rate[col] as number) + 1;
      const lane = laneOfConn[connOf[i] as number] as number;
      if (lane < 0) continue;
      const at = lane * cols + col;
      counts[at] = (counts[at] as number) + 1;
      if (sends[i]) sendCols[at] = 1;
    }
    // Ticks: one per occupied column (colour: sends vs the rest).
    for (let l = 0; l < lanes; l++) {
      for (let col = 0; col < cols; col++) {
        const i = l * cols + col;
        if (!counts[i]) continue;
        ctx.fillStyle = sendCols[i] ? sendC : recvC;
        ctx.fillRect(LABEL_WIDTH + col, l * laneH + 2, 1, laneH - 4);
      }
    }
    // Message-rate strip.
    let peak = 1;
    for (const r of rate) if (r > peak) peak = r;
    const rateTop = height - RATE_HEIGHT;
    ctx.fillStyle = border;
    ctx.fillRect(0, rateTop, width, 1);
    ctx.fillStyle = accent;
    for (let col = 0; col < cols; col++) {
      const r = rate[col] ?? 0;
      if (!r) continue;
      const h = Math.max(1, ((RATE_HEIGHT - 3) * r) / peak);
      ctx.fillRect(LABEL_WIDTH + col, height - h, 1, h);
    }
    // Labels on top, on the lane background.
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let l = 0; l < lanes; l++) {
      const title = laneTitles[l] ?? '';
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
    ctx.fillText(`rate (peak ${peak}/px)`, 4, rateTop + RATE_HEIGHT / 2);
    layout.current = { t0, t1, width, lanes, counts, rate, laneTitles, laneKeys, laneHeight: laneH };
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

  const timeAt = (clientX: number): number | null => {
    const L = layout.current;
    const canvas = canvasRef.current;
    if (!L || !canvas) return null;
    const x = clientX - canvas.getBoundingClientRect().left;
    const f = Math.min(1, Math.max(0, (x - LABEL_WIDTH) / (L.width - LABEL_WIDTH - 1)));
    return L.t0 + f * (L.t1 - L.t0);
  };

  const xOfTime = (t: number): number => {
    const L = layout.current;
    if (!L) return 0;
    return LABEL_WIDTH + ((t - L.t0) / (L.t1 - L.t0)) * (L.width - LABEL_WIDTH - 1);
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
      return L.laneTitles[lane] ?? null;
    }
    const cols = L.rate.length;
    const col = Math.min(cols - 1, Math.max(0, Math.floor(x - LABEL_WIDTH)));
    const span = (L.t1 - L.t0) / cols;
    const t = L.t0 + col * span;
    const when = `${formatClock(t)} (${formatDuration(span)} per pixel)`;
    if (y >= height - RATE_HEIGHT) return `${L.rate[col] ?? 0} events at ${when}`;
    const lane = Math.floor(y / L.laneHeight);
    if (lane >= L.lanes) return null;
    let n = 0;
    for (let c = Math.max(0, col - 2); c <= Math.min(cols - 1, col + 2); c++)
      n += L.counts[lane * cols + c] ?? 0;
    const keys = L.laneKeys[lane];
    let inFlight = 0;
    if (keys)
      for (const c of propsRef.current.connections)
        if (
          keys.has(c.key) &&
          (c.transport === 'xhr' || c.transport === 'fetch') &&
          c.startedAt <= t &&
          (c.endedAt ?? L.t1) >= t
        )
          inFlight++;
    const held = inFlight ? `, ${inFlight} request${inFlight > 1 ? 's' : ''} held` : '';
    return `${L.laneTitles[lane]}: ${n} event${n === 1 ? '' : 's'} near ${when}${held}`;
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
    const a = Math.min(drag.from, drag.to);
    const b = Math.max(drag.from, drag.to);
    setDrag(null);
    const L = layout.current;
    if (!L || Math.abs(xOfTime(b) - xOfTime(a)) < 3) return onBrush(null);
    // A pixel is the brush's resolution: include what is drawn under both edges,
    // and snap to the ends of the axis when released near them.
    const px = (L.t1 - L.t0) / Math.max(1, L.width - LABEL_WIDTH - 1);
    onBrush([xOfTime(a) - LABEL_WIDTH < 3 ? L.t0 : a - px, L.width - 1 - xOfTime(b) < 3 ? L.t1 : b + px]);
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
