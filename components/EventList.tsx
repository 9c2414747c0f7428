// The unified event list, virtualised: only the rows in view (plus a few)
// exist in the DOM, so 100,000+ events scroll smoothly. Rows have one fixed
// height, so which rows to render is arithmetic on the scroll offset
// (lib/timeline/row-window), not a measurement of every row per update.
// It follows the newest events while scrolled to the bottom; once the user
// scrolls up it stays put and counts what arrived ("N new").
// Rows come from lib/timeline/list-rows: an HTTP exchange is one row (its
// steps expand under it), a socket or SSE event one row; what each column
// says is lib/timeline/row-cells.

import { useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { DecodedMessage } from '../lib/decode/types';
import {
  eventOfRow,
  isExchangeRow,
  isStepRow,
  type ListRow,
  type RowTarget,
  rowIsTarget,
} from '../lib/timeline/list-rows';
import { bottomWindow, revealOffset, rowWindow } from '../lib/timeline/row-window';
import type { Connection, TimelineEvent } from '../lib/timeline/store';
import { ColumnMenu } from './ColumnMenu';
import { COLUMN_LABEL, COLUMN_TITLE, COLUMN_WIDTH, type ListColumn, visibleColumns } from './list-columns';
import { Cell, type CellContext } from './RowCell';
import { useObservedSize } from './use-observed-size';

export const ROW_HEIGHT = 20;
/** Rows rendered beyond each edge of the view. */
const OVERSCAN = 12;
/** Rows rendered above the view while following the newest: nothing scrolls there until the user does. */
const FOLLOW_OVERSCAN = 4;

export interface EventListProps {
  /** Rows in order; the array may grow in place between renders. */
  rows: readonly ListRow[];
  /** Changes whenever rows changed (length alone misses a rebuild of equal size). */
  rowsVersion: number;
  /** Rows appended at the end since the previous render (drives "N new"). */
  appended: number;
  /** The selected row's target. */
  target: RowTarget | null;
  onSelect(row: ListRow): void;
  /** Whether an exchange shows its steps under it. */
  isExpanded(c: Connection): boolean;
  onToggleExpanded(c: Connection): void;
  /** Reference time for the "Since load" column (the page's start). */
  timeOrigin(e: TimelineEvent): number;
  numberOf(c: Connection): number;
  /** Bumped by the parent to scroll the selected row into view (keyboard moves). */
  revealToken: number;
  /** URL of a page section (navigation), to mark where a preserved log changes page. */
  sectionUrl?(section: number): string | undefined;
  /** Columns the user hid, and the change of them (the header's context menu). */
  hiddenColumns: readonly ListColumn[];
  onHiddenColumns(hidden: ListColumn[]): void;
  /** Each HTTP step as a row of its own (a setting, offered in the same menu). */
  stepsAsRows: boolean;
  onStepsAsRows(v: boolean): void;
  /** An imported timeline: nothing is live, so open exchanges are "pending at export". */
  imported: boolean;
  /** Longest ended exchange listed: the waterfall's scale. */
  longestEndedMs: number;
  /** What an event's payload decoded to ([] when its connection speaks no known protocol). */
  decodedOf(e: TimelineEvent): readonly DecodedMessage[];
  /** The protocol a connection was detected to speak, by name. */
  protocolLabelOf(c: Connection): string | null;
}

export function EventList(props: EventListProps) {
  const { rows, rowsVersion, appended, target, onSelect, revealToken } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const following = useRef(true);
  const [unseen, setUnseen] = useState(0);
  const [menuAt, setMenuAt] = useState<{ x: number; y: number } | null>(null);
  const lastVersion = useRef(-1);
  const scrollTop = useRef(0);
  /** First row of the window last rendered; -1 for the bottom window while following. */
  const renderedFirst = useRef(-1);
  const totalPx = rows.length * ROW_HEIGHT;

  const viewport = useObservedSize(scrollRef, (el) => el.clientHeight);
  const width = useObservedSize(scrollRef, (el) => el.clientWidth);
  const columns = visibleColumns(props.hiddenColumns, width);

  // New rows: follow to the bottom, or count them for the pill. The rows
  // were already rendered at the bottom (bottomWindow), so this scroll is the
  // only layout it costs.
  useLayoutEffect(() => {
    if (lastVersion.current === rowsVersion) return;
    lastVersion.current = rowsVersion;
    const el = scrollRef.current;
    if (!el) return;
    if (following.current) {
      el.scrollTop = totalPx;
      setUnseen(0);
    } else if (appended > 0) {
      setUnseen((n) => n + appended);
    }
  }, [rowsVersion, appended]);

  // A resized list that follows stays at the bottom: the rows rendered are
  // the last ones, so a shorter view left scrolled where it was shows none.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && following.current) el.scrollTop = totalPx;
  }, [viewport]);

  // Choosing a row other than the newest stops following, so the selection stays put.
  useLayoutEffect(() => {
    if (!target) return;
    const last = rows[rows.length - 1];
    if (!last || !rowIsTarget(last, target)) following.current = false;
  }, [target]);

  // Keyboard selection: keep the selected row in view.
  useLayoutEffect(() => {
    if (revealToken === 0 || !target) return;
    const el = scrollRef.current;
    let i = rows.length - 1;
    while (i >= 0 && !rowIsTarget(rows[i] as ListRow, target)) i--;
    if (!el || i < 0) return;
    const to = revealOffset(i, el.scrollTop, viewport, ROW_HEIGHT);
    if (to !== null) el.scrollTop = to;
  }, [revealToken]);

  // Renders again only when the window of rows changes, not per scrolled pixel.
  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    scrollTop.current = el.scrollTop;
    // The element's own height: a resize scrolls (the browser clamps
    // scrollTop) before the observed size reaches this render.
    const bottom = el.scrollTop + el.clientHeight >= totalPx - ROW_HEIGHT;
    following.current = bottom;
    if (bottom && unseen) setUnseen(0);
    const first = bottom
      ? -1
      : rowWindow(rows.length, el.scrollTop, el.clientHeight, ROW_HEIGHT, OVERSCAN).first;
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
  const win = following.current
    ? bottomWindow(rows.length, viewport, ROW_HEIGHT, FOLLOW_OVERSCAN)
    : rowWindow(rows.length, scrollTop.current, viewport, ROW_HEIGHT, OVERSCAN);
  renderedFirst.current = following.current ? -1 : win.first;
  const firstIndex = win.first;
  const offset = firstIndex * ROW_HEIGHT;
  const indices: number[] = [];
  for (let i = win.first; i < win.end; i++) indices.push(i);

  // The waterfall's scale: the longest ended exchange, or an open one in view that is longer.
  const now = Date.now();
  let scaleMs = props.longestEndedMs;
  if (!props.imported && columns.includes('waterfall'))
    for (const i of indices) {
      const r = rows[i];
      if (r && isExchangeRow(r) && r.connection.endedAt === null)
        scaleMs = Math.max(scaleMs, now - r.connection.startedAt);
    }
  const cells: CellContext = { ...props, now, scaleMs };

  return (
    <div class="event-list">
      <table
        class="event-table event-head"
        aria-hidden="true"
        onContextMenu={(ev) => {
          ev.preventDefault();
          setMenuAt({ x: ev.clientX, y: ev.clientY });
        }}
      >
        <Cols columns={columns} />
        <thead>
          <tr title="Right-click to choose columns">
            {columns.map((c) => (
              <th key={c} class={`c-${c}`} title={COLUMN_TITLE[c]}>
                {COLUMN_LABEL[c]}
              </th>
            ))}
          </tr>
        </thead>
      </table>
      {menuAt && (
        <ColumnMenu
          at={menuAt}
          hidden={props.hiddenColumns}
          shown={columns}
          onHidden={props.onHiddenColumns}
          stepsAsRows={props.stepsAsRows}
          onStepsAsRows={props.onStepsAsRows}
          onClose={() => setMenuAt(null)}
        />
      )}
      <div class="event-scroll" ref={scrollRef} onScroll={onScroll} data-testid="events">
        <div style={{ height: `${totalPx}px`, position: 'relative' }}>
          <table
            class="event-table"
            aria-label="Events"
            aria-rowcount={rows.length}
            style={{ transform: `translateY(${offset}px)` }}
          >
            <Cols columns={columns} />
            <tbody>
              {indices.map((index) => {
                const row = rows[index];
                if (!row) return null;
                const e = eventOfRow(row);
                const exchange = isExchangeRow(row);
                const step = isStepRow(row);
                const selected = rowIsTarget(row, target);
                // First row after a navigation (only visible with "Preserve log").
                const prev = rows[index - 1];
                const section = exchange ? row.section : e.section;
                const pageStart =
                  prev !== undefined &&
                  (isExchangeRow(prev) ? prev.section : eventOfRow(prev).section) !== section;
                const kindClass = exchange ? 't-exchange' : `t-${e.record.type}${step ? ' t-step' : ''}`;
                return (
                  <tr
                    // Keyed by place in the window, not by row: as the list
                    // follows the newest, rows update their cells in place
                    // instead of being removed and created for every batch.
                    key={index - firstIndex}
                    aria-rowindex={index + 1}
                    aria-current={selected ? 'true' : undefined}
                    aria-expanded={exchange ? props.isExpanded(row.connection) : undefined}
                    class={`${kindClass}${selected ? ' selected' : ''}${index % 2 ? ' odd' : ''}${pageStart ? ' page-start' : ''}`}
                    title={
                      pageStart ? `Navigated to ${props.sectionUrl?.(section) ?? 'a new page'}` : undefined
                    }
                    data-type={exchange ? 'exchange' : e.record.type}
                    data-seq={e.seq}
                    onMouseDown={() => onSelect(row)}
                  >
                    {columns.map((c) => (
                      <Cell key={c} column={c} row={row} ctx={cells} />
                    ))}
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

/** Same column widths for the header table and the rows table. */
function Cols({ columns }: { columns: readonly ListColumn[] }) {
  return (
    <colgroup>
      {columns.map((c) => (
        <col key={c} style={c === 'data' ? undefined : { width: `${COLUMN_WIDTH[c]}px` }} />
      ))}
    </colgroup>
  );
}
