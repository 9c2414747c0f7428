// The event list's columns: which exist, their widths, and which fit. The
// user shows and hides them from the header's context menu (remembered); a
// list too narrow for all of them leaves some out, least useful first, so
// the Data column keeps room.

export const LIST_COLUMNS = [
  'time',
  'since',
  'name',
  'transport',
  'method',
  'status',
  'type',
  'size',
  'duration',
  'waterfall',
  'data',
] as const;
export type ListColumn = (typeof LIST_COLUMNS)[number];

/** Columns that are always shown: what a row is and what it carries. */
export const FIXED_COLUMNS: readonly ListColumn[] = ['name', 'data'];

export const COLUMN_LABEL: Record<ListColumn, string> = {
  time: 'Time',
  since: 'Since load',
  name: 'Name',
  transport: 'Transport',
  method: 'Method',
  status: 'Status',
  type: 'Type',
  size: 'Size',
  duration: 'Duration',
  waterfall: 'Waterfall',
  data: 'Data',
};

/** Said on the header: what a column holds where it is not obvious. */
export const COLUMN_TITLE: Partial<Record<ListColumn, string>> = {
  time: 'Clock time of the event, or of the exchange’s start',
  since: 'Time since the page loaded',
  method: 'HTTP method of an exchange; what happened, for socket and SSE events and HTTP steps',
  status: 'HTTP status, or a WebSocket close code',
  type: 'Response type of an exchange; text or binary for a message; the SSE event name',
  size: 'Response bytes of an exchange; payload bytes of a message',
  duration: 'From the exchange’s start to its end',
  waterfall:
    'Waiting for the response (light), then receiving (dark), on the scale of the longest exchange listed',
};

/** Width in px (Data takes the rest). */
export const COLUMN_WIDTH: Record<Exclude<ListColumn, 'data'>, number> = {
  time: 96,
  since: 76,
  name: 130,
  transport: 50,
  method: 76,
  status: 66,
  type: 60,
  size: 58,
  duration: 60,
  waterfall: 76,
};

/** Room the Data column keeps before other columns are left out. */
export const DATA_MIN_PX = 130;

/** Left out first when the list is narrow. */
const DROP_ORDER: readonly ListColumn[] = [
  'since',
  'type',
  'duration',
  'transport',
  'waterfall',
  'time',
  'status',
  'size',
  'method',
];

/** The default: every column but "Since load", which the Time column already tells. */
export const DEFAULT_HIDDEN_COLUMNS: readonly ListColumn[] = ['since'];

/**
 * The columns to show at `width` px (0: not measured yet, show all chosen):
 * the ones not hidden, minus those left out, in DROP_ORDER, until Data keeps
 * DATA_MIN_PX (or only the fixed columns are left).
 */
export function visibleColumns(hidden: readonly ListColumn[], width: number): ListColumn[] {
  const shown = new Set(LIST_COLUMNS.filter((c) => FIXED_COLUMNS.includes(c) || !hidden.includes(c)));
  const used = () => {
    let px = 0;
    for (const c of shown) if (c !== 'data') px += COLUMN_WIDTH[c];
    return px;
  };
  if (width > 0)
    for (const c of DROP_ORDER) {
      if (used() + DATA_MIN_PX <= width) break;
      shown.delete(c);
    }
  return LIST_COLUMNS.filter((c) => shown.has(c));
}
