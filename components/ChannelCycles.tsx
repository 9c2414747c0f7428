// A selected long-poll, polling, retry-storm or busy-loop channel (a reconnect loop shows its
// attempts instead, ReconnectAttempts): its summary (kind, endpoint,
// cycles, median hold and gap, failures, storm) over a table of its cycles,
// one row per request of the loop. Rows have one fixed height, so only those
// in view are rendered (lib/timeline/row-window). It opens on the newest
// cycle and follows new ones while scrolled to the bottom. Clicking a cycle
// selects its request in the event list; a double click opens its detail.

import { useLayoutEffect, useMemo, useReducer, useRef } from 'preact/hooks';
import { formatBytes, formatClock, formatDuration } from '../lib/format';
import { findingSentence, type Pattern } from '../lib/patterns';
import { channelBadge, channelTitle, httpFaultText } from '../lib/timeline/channels';
import { type Cycle, channelCycles, cycleStatusLabel, summarizeCycles } from '../lib/timeline/cycles';
import { ExchangeIndex, type ExchangeSource } from '../lib/timeline/exchanges';
import { bottomWindow, revealOffset, rowWindow } from '../lib/timeline/row-window';
import type { TimelineEvent } from '../lib/timeline/store';
import { ReconnectAttempts } from './ReconnectAttempts';
import { useObservedSize } from './use-observed-size';

export const CYCLE_ROW_HEIGHT = 20;
const OVERSCAN = 10;
/**
 * Narrower than WIDE_FROM_PX (the default detail width, or docked), the start
 * is the clock to the second (the milliseconds and the time since the previous start in the row's tooltip)
 * and the summary is shorter; narrower than COMPACT_FROM_PX (docked, the
 * detail pane at half of 400-600 px) the start and the size move to the row's
 * tooltip, so hold, gap, status and in flight stay legible without scrolling sideways.
 */
const WIDE_FROM_PX = 470;
const COMPACT_FROM_PX = 300;

type ColumnSet = 'wide' | 'compact' | 'tiny';

function columnSetFor(width: number): ColumnSet {
  if (width <= 0 || width >= WIDE_FROM_PX) return 'wide';
  return width >= COMPACT_FROM_PX ? 'compact' : 'tiny';
}

export interface ChannelCyclesProps {
  pattern: Pattern;
  store: ExchangeSource;
  /** Changes whenever the store or the pattern changed. */
  version: string;
  /** An imported, finished timeline: an open exchange was pending when it was saved. */
  imported: boolean;
  /** The page clock now, for how long a live pending cycle has been held (null: imported). */
  now: number | null;
  /** Connection key of the selected event, to mark its cycle. */
  selectedKey: string | null;
  /** Select the cycle's request in the event list. */
  onSelect(event: TimelineEvent): void;
  /** Open the cycle's request in the detail pane. */
  onOpen(event: TimelineEvent): void;
}

const KIND_LABEL = {
  'long-poll': 'Long-poll',
  polling: 'Polling',
  'reconnect-loop': 'Reconnect loop',
  'retry-storm': 'Retry storm',
  'busy-loop': 'Busy loop',
} as const;

function since(ms: number | null): string {
  return ms === null ? '' : `+${formatDuration(ms)}`;
}

function holdText(c: Cycle, now: number | null): string {
  if (c.hold !== null) return formatDuration(c.hold);
  // Nothing came back yet: live, how long it has been held so far.
  return c.outcome === 'pending' && now !== null ? `${formatDuration(Math.max(0, now - c.start))}…` : '—';
}

function gapText(c: Cycle): string {
  if (c.gap !== null) return formatDuration(c.gap);
  return c.number > 1 ? 'overlap' : '';
}

function rowTitle(c: Cycle): string {
  const parts = [`Cycle ${c.number}, started ${formatClock(c.start)}`, cycleStatusLabel(c)];
  if (c.sincePrevious !== null) parts.push(`${since(c.sincePrevious)} after the previous`);
  if (c.end !== null || c.bytes > 0) parts.push(formatBytes(c.bytes));
  if (c.reason) parts.push(c.reason);
  if (c.overlapped) parts.push('in flight together with another request of this channel');
  return parts.join(' · ');
}

export function ChannelCycles(props: ChannelCyclesProps) {
  if (props.pattern.kind === 'reconnect-loop')
    return <ReconnectAttempts pattern={props.pattern} imported={props.imported} now={props.now} />;
  return <HttpChannelCycles {...props} />;
}

function HttpChannelCycles(props: ChannelCyclesProps) {
  const { pattern, store, version, imported, now, selectedKey, onSelect, onOpen } = props;
  const index = useMemo(() => new ExchangeIndex(), [store]);
  // A live panel hands over a new snapshot of the pattern on every draw: the version says when it changed.
  const latestPattern = useRef(pattern);
  latestPattern.current = pattern;
  const cycles = useMemo(() => {
    index.update(store);
    return channelCycles(latestPattern.current, (k) => index.get(k), { imported });
  }, [index, store, version, imported]);
  const summary = useMemo(() => summarizeCycles(cycles), [cycles]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const following = useRef(true);
  const scrollTop = useRef(0);
  const renderedFirst = useRef(-1);
  const viewport = useObservedSize(scrollRef, (el) => el.clientHeight);
  const width = useObservedSize(scrollRef, (el) => el.clientWidth);
  const columns = columnSetFor(width);
  const wide = columns === 'wide';
  const showStartAndSize = columns !== 'tiny';
  const bodyPx = Math.max(0, viewport - CYCLE_ROW_HEIGHT);

  // Opens (and reopens for another channel) on the selected cycle when there is one, else on the newest.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const i = selectedKey === null ? -1 : cycles.findIndex((c) => c.key === selectedKey);
    if (i >= 0 && i < cycles.length - 1) {
      following.current = false;
      el.scrollTop = revealOffset(i, 0, bodyPx, CYCLE_ROW_HEIGHT) ?? 0;
      scrollTop.current = el.scrollTop;
      rerender(0);
    } else {
      following.current = true;
      el.scrollTop = el.scrollHeight;
      rerender(0);
    }
  }, [pattern.id]);

  // New cycles, or a resize, while at the bottom: stay at the bottom.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [cycles.length, viewport]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    scrollTop.current = el.scrollTop;
    following.current = el.scrollTop + el.clientHeight >= el.scrollHeight - CYCLE_ROW_HEIGHT;
    const first = following.current
      ? -1
      : rowWindow(cycles.length, el.scrollTop, bodyPx, CYCLE_ROW_HEIGHT, OVERSCAN).first;
    if (first !== renderedFirst.current) rerender(0);
  };

  const rows = following.current
    ? bottomWindow(cycles.length, bodyPx, CYCLE_ROW_HEIGHT, OVERSCAN)
    : rowWindow(cycles.length, scrollTop.current, bodyPx, CYCLE_ROW_HEIGHT, OVERSCAN);
  renderedFirst.current = following.current ? -1 : rows.first;
  const shown = cycles.slice(rows.first, rows.end);

  const storm = pattern.storm;
  // A retry storm or busy loop is one request at a time: its fault is its own line and sentence.
  const httpFault = pattern.kind === 'retry-storm' || pattern.kind === 'busy-loop';
  // What is wrong and how to fix it, in one sentence (none for a healthy loop).
  const finding = findingSentence(pattern);
  return (
    <section class="cycles" aria-label="Channel cycles" data-testid="cycles">
      <header class="cycles-summary">
        <div class="conn-line">
          <span class="badge channel">{channelBadge(pattern)}</span>
          <span class="conn-title" title={`${KIND_LABEL[pattern.kind]} endpoint ${pattern.url}`}>
            {channelTitle(pattern)}
          </span>
        </div>
        {wide && (
          <div class="cycles-url muted" title={pattern.url}>
            {pattern.url}
          </div>
        )}
        <div class="cycles-facts" data-testid="cycles-facts">
          <span>
            {summary.cycles.toLocaleString()} cycle{summary.cycles === 1 ? '' : 's'}
          </span>
          <span title="Median hold of the answered cycles">
            {wide ? 'median hold' : 'hold'}{' '}
            {summary.medianHoldMs === null ? '—' : formatDuration(summary.medianHoldMs)}
          </span>
          <span title="Median gap between one cycle's end and the next one's start">
            {wide ? 'median gap' : 'gap'}{' '}
            {summary.medianGapMs === null ? '—' : formatDuration(summary.medianGapMs)}
          </span>
          <span class={summary.failures ? 'warn' : ''}>
            {summary.failures} failure{summary.failures === 1 ? '' : 's'}
          </span>
          {summary.pending > 0 && (
            <span>
              {summary.pending} {imported ? 'pending at export' : 'in flight'}
            </span>
          )}
          {!storm && (
            <span
              data-testid="cycles-storm"
              title="No poll storm: requests of this channel in flight at once, at most"
            >
              no storm (≤ {summary.peakInFlight} in flight)
            </span>
          )}
        </div>
        {storm && httpFault && (
          <div class={`storm${storm.endedAt ? ' ended' : ''}`} data-testid="cycles-storm">
            {httpFaultText(pattern)}
          </div>
        )}
        {storm && !httpFault && (
          <div class="storm" data-testid="cycles-storm">
            ⚠ Poll storm since {formatClock(storm.startedAt)}: up to {storm.peakConcurrency} requests in
            flight
          </div>
        )}
        {finding && (
          <div class="channel-finding" data-testid="channel-finding">
            {finding}
          </div>
        )}
      </header>
      <div class="cycles-scroll" ref={scrollRef} onScroll={onScroll}>
        <table class={`cycles-table ${columns}`} aria-rowcount={cycles.length + 1}>
          <colgroup>
            <col class="w-num" />
            {showStartAndSize && <col class="w-start" />}
            <col class="w-hold" />
            <col class="w-gap" />
            <col />
            {showStartAndSize && <col class="w-size" />}
            <col class="w-flight" />
          </colgroup>
          <thead>
            <tr>
              <th class="c-num">#</th>
              {showStartAndSize && (
                <th title="When the request started, and how long after the previous one">Start</th>
              )}
              <th class="c-n" title="Start to the response headers (or the end, without a response)">
                Hold
              </th>
              <th class="c-n" title="The previous request's end to this start">
                Gap
              </th>
              <th>Status</th>
              {showStartAndSize && <th class="c-n">Size</th>}
              <th class="c-n" title="Requests of this channel in flight when it started, itself included">
                {columns === 'tiny' ? 'Fl.' : 'In flight'}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.first > 0 && <tr class="spacer" style={{ height: `${rows.first * CYCLE_ROW_HEIGHT}px` }} />}
            {shown.map((c, i) => {
              const selected = c.key === selectedKey;
              const event = c.event;
              return (
                <tr
                  key={rows.first + i}
                  aria-rowindex={c.number + 1}
                  aria-selected={selected}
                  class={`o-${c.outcome}${c.overlapped ? ' overlapped' : ''}${selected ? ' selected' : ''}${(c.number - 1) % 2 ? ' odd' : ''}`}
                  title={rowTitle(c)}
                  data-key={c.key}
                  onClick={event ? () => onSelect(event) : undefined}
                  onDblClick={event ? () => onOpen(event) : undefined}
                >
                  <td class="c-num" data-col="number">
                    {c.number}
                  </td>
                  {columns === 'wide' ? (
                    <td class="c-start" data-col="start">
                      {formatClock(c.start)} <span class="muted">{since(c.sincePrevious)}</span>
                    </td>
                  ) : (
                    columns === 'compact' && (
                      <td class="c-start" data-col="start">
                        {formatClock(c.start).slice(0, 8)}
                      </td>
                    )
                  )}
                  <td class="c-n" data-col="hold">
                    {holdText(c, now)}
                  </td>
                  <td class={`c-n${c.gap === null && c.number > 1 ? ' warn' : ''}`} data-col="gap">
                    {gapText(c)}
                  </td>
                  <td class="c-status" data-col="status">
                    {cycleStatusLabel(c)}
                  </td>
                  {showStartAndSize && (
                    <td class="c-n" data-col="size">
                      {c.end === null && c.bytes === 0 ? '' : formatBytes(c.bytes)}
                    </td>
                  )}
                  <td class="c-n c-flight" data-col="flight">
                    {c.inFlight > 1 ? '⚠ ' : ''}
                    {c.inFlight}
                  </td>
                </tr>
              );
            })}
            {rows.end < cycles.length && (
              <tr class="spacer" style={{ height: `${(cycles.length - rows.end) * CYCLE_ROW_HEIGHT}px` }} />
            )}
          </tbody>
        </table>
        {cycles.length === 0 && <p class="muted cycles-empty">No cycles recorded yet.</p>}
      </div>
    </section>
  );
}
