// The rows of the event list, from the filtered events: socket and SSE events
// one row each, and each HTTP exchange (XHR / fetch) one row, as in the
// Network panel. An exchange's steps (open, request body, response, chunks,
// close) show under it when it is expanded, or as rows of their own when the
// user asks for HTTP steps as rows. Kept incrementally like FilteredView: new
// events only ever add rows at the end, so a busy socket costs O(batch).

import { type Connection, isHttp, type TimelineEvent } from './store';
import type { FilteredView } from './view';

/** One HTTP exchange as one row: where its first shown event is. */
export interface ExchangeRow {
  readonly kind: 'exchange';
  readonly connection: Connection;
  /** Time and seq of its first shown event: where the row sits in the list. */
  readonly time: number;
  readonly seq: number;
  readonly section: number;
  /** Its events that pass the filter, in list order. */
  readonly events: TimelineEvent[];
}

/** One step of an expanded exchange, shown under it. */
export interface StepRow {
  readonly kind: 'step';
  readonly event: TimelineEvent;
  readonly exchange: ExchangeRow;
}

/** A row of the list: an event of its own, an exchange, or an exchange's step. */
export type ListRow = TimelineEvent | ExchangeRow | StepRow;

export function isExchangeRow(row: ListRow): row is ExchangeRow {
  return 'kind' in row && row.kind === 'exchange';
}

export function isStepRow(row: ListRow): row is StepRow {
  return 'kind' in row && row.kind === 'step';
}

/** The event a row stands for: its own, or an exchange's first shown one. */
export function eventOfRow(row: ListRow): TimelineEvent {
  if (!('kind' in row)) return row;
  return row.kind === 'step' ? row.event : (row.events[0] as TimelineEvent);
}

export interface RowOptions {
  /** Every HTTP step as a row of its own (no exchange rows). */
  stepsAsRows: boolean;
  /** Keys of the exchanges whose steps show under them. */
  expanded: ReadonlySet<string>;
}

export class ListRows {
  /** The rows shown, top to bottom. */
  rows: ListRow[] = [];
  /** Bumped whenever a row's content may have changed without a row being added (an exchange's new step). */
  changes = 0;
  /** Longest duration of an ended exchange listed (the waterfall's scale). */
  longestEndedMs = 0;
  private top: Array<TimelineEvent | ExchangeRow> = [];
  private exchanges = new Map<Connection, ExchangeRow>();
  private source: TimelineEvent[] | null = null;
  private consumed = 0;
  private reorders = -1;
  private options: RowOptions = { stepsAsRows: false, expanded: new Set() };
  private dirty = true;

  setOptions(options: RowOptions): void {
    if (options.stepsAsRows === this.options.stepsAsRows && options.expanded === this.options.expanded)
      return;
    this.options = options;
    this.dirty = true;
  }

  get stepsAsRows(): boolean {
    return this.options.stepsAsRows;
  }

  /** The exchange row of a connection, if it is shown. */
  exchangeOf(c: Connection): ExchangeRow | undefined {
    return this.exchanges.get(c);
  }

  /** Brings rows up to date with the view (update the view first); returns rows added at the end. */
  update(view: FilteredView): { appended: number; rebuilt: boolean } {
    const items = view.items;
    if (
      this.dirty ||
      items !== this.source ||
      view.reorders !== this.reorders ||
      items.length < this.consumed
    ) {
      this.dirty = false;
      this.source = items;
      this.reorders = view.reorders;
      this.top = [];
      this.exchanges = new Map();
      this.consumed = 0;
      this.longestEndedMs = 0;
      this.rows = [];
      this.add(items, false);
      this.rows = this.flatten();
      return { appended: this.rows.length, rebuilt: true };
    }
    const before = this.rows.length;
    const flatStale = this.add(items, true);
    if (flatStale) {
      this.rows = this.flatten();
      return { appended: 0, rebuilt: true };
    }
    return { appended: this.rows.length - before, rebuilt: false };
  }

  /**
   * Adds the view's events from `consumed` on. With `live`, rows also go onto
   * the flat list as they come; returns true when that could not be done by
   * appending (a step of an expanded exchange that is not the last row).
   */
  private add(items: readonly TimelineEvent[], live: boolean): boolean {
    const { stepsAsRows, expanded } = this.options;
    let stale = false;
    for (let i = this.consumed; i < items.length; i++) {
      const e = items[i] as TimelineEvent;
      const c = e.connection;
      if (stepsAsRows || !isHttp(c)) {
        this.top.push(e);
        if (live) this.rows.push(e);
        continue;
      }
      const x = this.exchanges.get(c);
      if (!x) {
        const row: ExchangeRow = {
          kind: 'exchange',
          connection: c,
          time: e.time,
          seq: e.seq,
          section: e.section,
          events: [e],
        };
        this.exchanges.set(c, row);
        this.top.push(row);
        if (c.endedAt !== null && c.endedAt - c.startedAt > this.longestEndedMs)
          this.longestEndedMs = c.endedAt - c.startedAt;
        if (live) {
          this.rows.push(row);
          if (expanded.has(c.key)) this.rows.push({ kind: 'step', event: e, exchange: row });
        }
        continue;
      }
      x.events.push(e);
      this.changes++;
      if (c.endedAt !== null && c.endedAt - c.startedAt > this.longestEndedMs)
        this.longestEndedMs = c.endedAt - c.startedAt;
      if (live && expanded.has(c.key)) {
        if (this.top[this.top.length - 1] === x) this.rows.push({ kind: 'step', event: e, exchange: x });
        else stale = true;
      }
    }
    this.consumed = items.length;
    return stale;
  }

  private flatten(): ListRow[] {
    const { expanded } = this.options;
    if (expanded.size === 0) return this.top.slice();
    const rows: ListRow[] = [];
    for (const r of this.top) {
      rows.push(r);
      if ('kind' in r && expanded.has(r.connection.key))
        for (const event of r.events) rows.push({ kind: 'step', event, exchange: r });
    }
    return rows;
  }
}

/** What is selected: an event row (or an exchange's step), or a whole exchange. */
export interface RowTarget {
  event: TimelineEvent;
  /** The whole exchange of the event's connection, not the one step. */
  exchange: boolean;
}

/** Whether a row is the selected target. */
export function rowIsTarget(row: ListRow, target: RowTarget | null): boolean {
  if (!target) return false;
  if (isExchangeRow(row)) return target.exchange && row.connection === target.event.connection;
  return !target.exchange && eventOfRow(row) === target.event;
}

/** The target a row selects. */
export function targetOfRow(row: ListRow): RowTarget {
  return isExchangeRow(row)
    ? { event: row.events[0] as TimelineEvent, exchange: true }
    : { event: eventOfRow(row), exchange: false };
}

/** Index of the target's row in `rows`, or -1. */
export function indexOfTarget(rows: readonly ListRow[], target: RowTarget | null): number {
  if (!target) return -1;
  for (let i = rows.length - 1; i >= 0; i--) if (rowIsTarget(rows[i] as ListRow, target)) return i;
  return -1;
}

/** An exchange's response: its last received body (the whole body, or the newest chunk), else its status. */
export function exchangeResponse(events: readonly TimelineEvent[]): TimelineEvent | undefined {
  let status: TimelineEvent | undefined;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as TimelineEvent;
    if (e.record.type !== 'receive') continue;
    if (e.record.data) return e;
    status ??= e;
  }
  return status;
}

/** An exchange's request body, when the page sent one. */
export function exchangeRequest(events: readonly TimelineEvent[]): TimelineEvent | undefined {
  return events.find((e) => e.record.type === 'send' && e.record.data !== undefined);
}
