// The unified event list, virtualised: only the rows in view (plus a few)
// exist in the DOM, so 100,000+ events scroll smoothly. Rows have one fixed
// height, so which rows to render is arithmetic on the scroll offset
// (lib/timeline/row-window), not a measurement of every row per update.
// It follows the newest events while scrolled to the bottom; once the user
// scrolls up it stays put and counts what arrived ("N new").

import { useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import {
  DIRECTION_ARROW,
  formatBytes,
  formatClock,
  formatRelative,
  previewOf,
  TRANSPORT_LABEL,
} from '../lib/format';
import { bottomWindow, revealOffset, rowWindow } from '../lib/timeline/row-window';
import type { Connection, TimelineEvent } from '../lib/timeline/store';
import { useObservedSize } from './use-observed-size';

export const ROW_HEIGHT = 20;
/** Rows rendered beyond each edge of the view. */
const OVERSCAN = 12;
/** Rows rendered above the view while following the newest: nothing scrolls there until the user does. */
const FOLLOW_OVERSCAN = 4;
/**
 * A list narrower than this (DevTools docked at a side) leaves out the
 * "Since load" column and narrows the others, so the data column keeps some
 * room; narrower than NARROWEST_LIST_BELOW_PX it leaves out "Transport" too
 * (the connection column still names the connection).
 */
export const NARROW_LIST_BELOW_PX = 600;
export const NARROWEST_LIST_BELOW_PX = 440;

type ColumnSet = 'full' | 'narrow' | 'narrowest';

function columnSetFor(width: number): ColumnSet {
  if (width <= 0 || width >= NARROW_LIST_BELOW_PX) return 'full';
  return width < NARROWEST_LIST_BELOW_PX ? 'narrowest' : 'narrow';
}

export interface EventListProps {
  /** Visible events in order; the array may grow in place between renders. */
  items: readonly TimelineEvent[];
  /** Changes whenever items changed (length alone misses a rebuild of equal size). */
  itemsVersion: number;
  /** Items appended at the end since the previous render (drives "N new"). */
  appended: number;
  selectedSeq: number | null;
  onSelect(e: TimelineEvent): void;
  /** Reference time for the relative column (the page's start). */
  timeOrigin(e: TimelineEvent): number;
  numberOf(c: Connection): number;
  /** Bumped by the parent to scroll the selected row into view (keyboard moves). */
  revealToken: number;
  /** URL of a page section (navigation), to mark where a preserved log changes page. */
  sectionUrl?(section: number): string | undefined;
}

export function EventList(props: EventListProps) {
  const {
    items,
    itemsVersion,
    appended,
    selectedSeq,
    onSelect,
    timeOrigin,
    numberOf,
    revealToken,
    sectionUrl,
  } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const following = useRef(true);
  const [unseen, setUnseen] = useState(0);
  const lastVersion = useRef(-1);
  const scrollTop = useRef(0);
  /** First row of the window last rendered; -1 for the bottom window while following. */
  const renderedFirst = useRef(-1);
  const totalPx = items.length * ROW_HEIGHT;

  const viewport = useObservedSize(scrollRef, (el) => el.clientHeight);
  const width = useObservedSize(scrollRef, (el) => el.clientWidth);
  const columns = columnSetFor(width);
  const showSinceLoad = columns === 'full';
  const showTransport = columns !== 'narrowest';

  // New items: follow to the bottom, or count them for the pill. The rows
  // were already rendered at the bottom (bottomWindow), so this scroll is the
  // only layout it costs.
  useLayoutEffect(() => {
    if (lastVersion.current === itemsVersion) return;
    lastVersion.current = itemsVersion;
    const el = scrollRef.current;
    if (!el) return;
    if (following.current) {
      el.scrollTop = totalPx;
      setUnseen(0);
    } else if (appended > 0) {
      setUnseen((n) => n + appended);
    }
  }, [itemsVersion, appended]);

  // A resized list that follows stays at the bottom: the rows rendered are
  // the last ones, so a shorter view left scrolled where it was shows none.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && following.current) el.scrollTop = totalPx;
  }, [viewport]);

  // Choosing a row other than the newest stops following, so the selection stays put.
  useLayoutEffect(() => {
    if (selectedSeq === null) return;
    if (items[items.length - 1]?.seq !== selectedSeq) following.current = false;
  }, [selectedSeq]);

  // Keyboard selection: keep the selected row in view.
  useLayoutEffect(() => {
    if (revealToken === 0 || selectedSeq === null) return;
    const el = scrollRef.current;
    const i = items.findIndex((e) => e.seq === selectedSeq);
    if (!el || i < 0) return;
    const to = revealOffset(i, el.scrollTop, viewport, ROW_HEIGHT);
    if (to !== null) el.scrollTop = to;
  }, [revealToken]);

  // Renders again only when the window of rows changes, not per scrolled pixel.
  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    scrollTop.current = el.scrollTop;
    const bottom = el.scrollTop + viewport >= totalPx - ROW_HEIGHT;
    following.current = bottom;
    if (bottom && unseen) setUnseen(0);
    const first = bottom ? -1 : rowWindow(items.length, el.scrollTop, viewport, ROW_HEIGHT, OVERSCAN).first;
    if (first !== renderedFirst.current) rerender(0);
  };

  const jumpToNewest = () => {
    const el = scrollRef.current;
    if (!el) return;
    following.current = true;
    el.scrollTop = totalPx;
    setUnseen(0);
  };

  // While following, the rows at the bottom are rendered before the list
  // scrolls there, so one update is one render and one layout.
  const rows = following.current
    ? bottomWindow(items.length, viewport, ROW_HEIGHT, FOLLOW_OVERSCAN)
    : rowWindow(items.length, scrollTop.current, viewport, ROW_HEIGHT, OVERSCAN);
  renderedFirst.current = following.current ? -1 : rows.first;
  const firstIndex = rows.first;
  const offset = firstIndex * ROW_HEIGHT;
  const indices: number[] = [];
  for (let i = rows.first; i < rows.end; i++) indices.push(i);
  return (
    <div class="event-list">
      <table class="event-table event-head" aria-hidden="true">
        <Cols set={columns} />
        <thead>
          <tr>
            <th>Time</th>
            {showSinceLoad && <th class="c-rel">Since load</th>}
            <th>Connection</th>
            {showTransport && <th>Transport</th>}
            <th class="c-dir">Dir</th>
            <th class="c-size">Size</th>
            <th>Data</th>
          </tr>
        </thead>
      </table>
      <div class="event-scroll" ref={scrollRef} onScroll={onScroll} data-testid="events">
        <div style={{ height: `${totalPx}px`, position: 'relative' }}>
          <table
            class="event-table"
            aria-label="Events"
            aria-rowcount={items.length}
            style={{ transform: `translateY(${offset}px)` }}
          >
            <Cols set={columns} />
            <tbody>
              {indices.map((index) => {
                const e = items[index];
                if (!e) return null;
                const r = e.record;
                const selected = e.seq === selectedSeq;
                // First event after a navigation (only visible with "Preserve log").
                const prev = items[index - 1];
                const pageStart = prev !== undefined && prev.section !== e.section;
                return (
                  <tr
                    // Keyed by place in the window, not by event: as the list
                    // follows the newest, rows update their cells in place
                    // instead of being removed and created for every batch.
                    key={index - firstIndex}
                    aria-rowindex={index + 1}
                    aria-current={selected ? 'true' : undefined}
                    class={`t-${r.type}${selected ? ' selected' : ''}${index % 2 ? ' odd' : ''}${pageStart ? ' page-start' : ''}`}
                    title={pageStart ? `Navigated to ${sectionUrl?.(e.section) ?? 'a new page'}` : undefined}
                    data-type={r.type}
                    data-seq={e.seq}
                    onMouseDown={() => onSelect(e)}
                  >
                    <td class="c-time">{formatClock(e.time)}</td>
                    {showSinceLoad && <td class="c-rel">{formatRelative(e.time - timeOrigin(e))}</td>}
                    <td class="c-conn" title={e.connection.url}>
                      #{numberOf(e.connection)} {hostPath(e.connection.url)}
                    </td>
                    {showTransport && (
                      <td class={`c-tr tr-${e.connection.transport}`}>
                        {TRANSPORT_LABEL[e.connection.transport]}
                      </td>
                    )}
                    <td class="c-dir" title={r.type}>
                      {DIRECTION_ARROW[r.type]}
                    </td>
                    <td class="c-size">{r.size !== undefined ? formatBytes(r.size) : ''}</td>
                    <td class="c-data">{previewOf(r, 300)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>
      {unseen > 0 && (
        <button type="button" class="new-pill" onClick={jumpToNewest}>
          {unseen.toLocaleString()} new ↓
        </button>
      )}
    </div>
  );
}

/** Column widths (px) of each set, the data column taking the rest. */
const WIDTHS: Record<ColumnSet, number[]> = {
  full: [100, 78, 150, 62, 30, 64],
  narrow: [96, 120, 48, 28, 58],
  narrowest: [96, 110, 28, 58],
};

/** Same column widths for the header table and the rows table. */
function Cols({ set }: { set: ColumnSet }) {
  return (
    <colgroup>
      {WIDTHS[set].map((w, i) => (
        <col key={i} style={{ width: `${w}px` }} />
      ))}
      <col />
    </colgroup>
  );
}

const hostPathCache = new Map<string, string>();
function hostPath(url: string): string {
  let s = hostPathCache.get(url);
  if (s === undefined) {
    try {
      const u = new URL(url);
      s = u.pathname.length > 1 ? u.pathname : u.host;
    } catch {
      s = url;
    }
    if (hostPathCache.size > 5000) hostPathCache.clear();
    hostPathCache.set(url, s);
  }
  return s;
}
