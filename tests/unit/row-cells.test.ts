import { describe, expect, it } from 'vitest';
import { visibleColumns } from '../../components/list-columns';
import type { CaptureRecord } from '../../lib/model';
import { exchangeStatus as statusOf } from '../../lib/timeline/exchange-status';
import { type ExchangeRow, ListRows } from '../../lib/timeline/list-rows';
import {
  dataCell,
  durationCell,
  eventStatus,
  methodCell,
  shortMime,
  sizeCell,
  typeCell,
  waterfallOf,
} from '../../lib/timeline/row-cells';
import { type Connection, TimelineStore } from '../../lib/timeline/store';
import { FilteredView } from '../../lib/timeline/view';
import { msg } from './store-fixtures';

function rowsOf(records: CaptureRecord[]) {
  const store = new TimelineStore();
  store.ingest(msg(records));
  const view = new FilteredView(store);
  view.update();
  const rows = new ListRows();
  rows.update(view);
  return { store, rows: rows.rows };
}

const start = (id: number, transport: 'xhr' | 'fetch' = 'fetch', method?: string): CaptureRecord => ({
  r: 'conn',
  seq: 0,
  time: 1000,
  id,
  transport,
  url: `http://x/poll?n=${id}`,
  ...(method ? { method } : {}),
});

/** Records with seq numbered in order. */
const numbered = (records: CaptureRecord[]): CaptureRecord[] => records.map((r, i) => ({ ...r, seq: i + 1 }));

function onlyExchange(records: CaptureRecord[]): ExchangeRow {
  const row = rowsOf(numbered(records)).rows[0];
  if (!row || !('kind' in row) || row.kind !== 'exchange') throw new Error('no exchange row');
  return row;
}

const exchangeStatus = (c: Connection, imported: boolean) => statusOf(c, { imported });

const ev = (over: Partial<Extract<CaptureRecord, { r: 'ev' }>>): CaptureRecord => ({
  r: 'ev',
  seq: 0,
  time: 1000,
  conn: 1,
  type: 'open',
  ...over,
});

describe('an exchange row', () => {
  const longPoll = [
    start(1),
    ev({ type: 'open', time: 1001 }),
    ev({
      type: 'receive',
      time: 31_000,
      status: 200,
      headersAt: 30_990,
      responseHeaders: [['Content-Type', 'application/json; charset=utf-8']],
      data: { text: '{"changes":[1]}' },
      size: 15,
    }),
    ev({ type: 'close', time: 31_002, status: 200 }),
  ];

  it('says method, status, type, size, duration and shows the response', () => {
    const row = onlyExchange(longPoll);
    expect(methodCell(row)).toBe('GET');
    expect(exchangeStatus(row.connection, false)).toEqual({ label: '200', tone: 'ok' });
    expect(typeCell(row)).toBe('json');
    expect(sizeCell(row)).toBe('15 B');
    expect(durationCell(row, false)).toBe('30.00 s');
    expect(dataCell(row)).toBe('{"changes":[1]}');
  });

  it('draws the hold as waiting, then receiving, on the given scale', () => {
    const row = onlyExchange(longPoll);
    const bar = waterfallOf(row.connection, 99_999, 60_002, false);
    expect(bar.wait).toBeCloseTo(29_990 / 60_002);
    expect(bar.receive).toBeCloseTo(12 / 60_002);
    expect(bar.open).toBe(false);
    expect(bar.title).toBe('Waited 29.99 s for the response, then 12 ms receiving');
    // The scale never makes a bar longer than its cell.
    expect(
      waterfallOf(row.connection, 0, 10, false).wait + waterfallOf(row.connection, 0, 10, false).receive,
    ).toBeCloseTo(1);
  });

  it('is pending while open live, and pending at export in an import', () => {
    const row = onlyExchange([start(1, 'xhr', 'POST'), ev({ type: 'open', time: 1001 })]);
    expect(methodCell(row)).toBe('POST');
    expect(exchangeStatus(row.connection, false)).toEqual({ label: 'pending', tone: 'live' });
    expect(exchangeStatus(row.connection, true)).toEqual({ label: 'pending at export', tone: 'at-export' });
    expect(durationCell(row, false)).toBe('pending');
    expect(durationCell(row, true)).toBe('');
    const live = waterfallOf(row.connection, 6000, 1000, false);
    expect(live.open).toBe(true);
    expect(live.wait).toBe(1);
    expect(live.title).toBe('Waiting for the response for 5.00 s so far');
    expect(waterfallOf(row.connection, 6000, 1000, true)).toMatchObject({ wait: 0, receive: 0 });
  });

  it('says canceled or failed, with the reason on hover', () => {
    const aborted = onlyExchange([
      start(1, 'xhr'),
      ev({ type: 'error', time: 1200, reason: 'aborted by the page' }),
    ]);
    expect(exchangeStatus(aborted.connection, false)).toEqual({
      label: 'canceled',
      tone: 'failed',
      title: 'aborted by the page',
    });
    const failed = onlyExchange([
      start(1),
      ev({ type: 'error', time: 1200, reason: 'TypeError: Failed to fetch' }),
    ]);
    expect(exchangeStatus(failed.connection, false)).toEqual({
      label: 'failed',
      tone: 'failed',
      title: 'TypeError: Failed to fetch',
    });
    const cut = onlyExchange([
      start(1),
      ev({ type: 'receive', time: 1100, status: 503 }),
      ev({ type: 'error', time: 1200, reason: 'network error' }),
    ]);
    // A status, then the body failed: it failed, and the reason says how.
    expect(exchangeStatus(cut.connection, false)).toEqual({
      label: 'failed',
      tone: 'failed',
      title: 'network error',
    });
    const notFound = onlyExchange([start(1), ev({ type: 'close', time: 1100, status: 404 })]);
    expect(exchangeStatus(notFound.connection, false).tone).toBe('client-error');
  });

  it('counts streamed chunks and shows the newest; shows the request body before a response', () => {
    const streamed = onlyExchange([
      start(1),
      ev({ type: 'receive', time: 1100, status: 200, chunk: 1, data: { text: 'a' }, size: 1 }),
      ev({ type: 'receive', time: 1200, chunk: 2, data: { text: 'b' }, size: 1 }),
    ]);
    expect(dataCell(streamed)).toBe('2 chunks · last: b');
    expect(sizeCell(streamed)).toBe('2 B');
    const sending = onlyExchange([
      start(1),
      ev({ type: 'send', time: 1001, data: { text: 'q=1' }, size: 3 }),
    ]);
    expect(dataCell(sending)).toBe('↑ q=1');
    expect(sizeCell(sending)).toBe('');
  });
});

describe('event rows', () => {
  it('say what happened in words, and HTTP steps by their step', () => {
    const { rows } = rowsOf(
      numbered([
        { r: 'conn', seq: 0, time: 1, id: 1, transport: 'websocket', url: 'ws://x/live' },
        ev({ type: 'send', data: { base64: 'AAE=' }, size: 2 }),
        ev({ type: 'close', code: 1006, reason: 'gone' }),
        { r: 'conn', seq: 0, time: 1, id: 2, transport: 'eventsource', url: 'http://x/sse' },
        ev({ conn: 2, type: 'receive', eventName: 'price', data: { text: '1' }, size: 1 }),
      ]),
    );
    const [send, close, sse] = rows as [never, never, never];
    expect(methodCell(send)).toBe('↑ send');
    expect(typeCell(send)).toBe('binary');
    expect(methodCell(close)).toBe('■ close');
    expect(eventStatus(close)).toEqual({ label: '1006', tone: 'failed', title: 'gone' });
    expect(typeCell(sse)).toBe('price');
  });
});

describe('shortMime', () => {
  it('names the part people know', () => {
    expect(shortMime('application/json')).toBe('json');
    expect(shortMime('application/vnd.api+json')).toBe('json');
    expect(shortMime('text/event-stream')).toBe('event-stream');
    expect(shortMime('text/plain')).toBe('text');
    expect(shortMime('application/octet-stream')).toBe('binary');
    expect(shortMime('image/svg+xml')).toBe('xml');
    expect(shortMime(null)).toBe('');
    expect(shortMime('weird')).toBe('weird');
  });
});

describe('visibleColumns', () => {
  it('shows every column not hidden when there is room, Name and Data always', () => {
    expect(visibleColumns([], 2000)).toHaveLength(11);
    expect(visibleColumns(['since', 'type'], 2000)).not.toContain('since');
    expect(visibleColumns(['name', 'data'] as never, 2000)).toContain('name');
  });
  it('leaves out the least useful first so Data keeps room, down to Name and Data', () => {
    const at660 = visibleColumns(['since'], 660);
    expect(at660).toEqual(['time', 'name', 'method', 'status', 'size', 'waterfall', 'data']);
    expect(visibleColumns([], 100)).toEqual(['name', 'data']);
    // Not measured yet: everything chosen.
    expect(visibleColumns(['since'], 0)).toHaveLength(10);
  });
});
