import { describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../../lib/model';
import {
  exchangeRequest,
  exchangeResponse,
  indexOfTarget,
  isExchangeRow,
  isStepRow,
  type ListRow,
  ListRows,
  targetOfRow,
} from '../../lib/timeline/list-rows';
import { TimelineStore } from '../../lib/timeline/store';
import { FilteredView } from '../../lib/timeline/view';
import { conn, ev, msg } from './store-fixtures';

/** An XHR exchange: start, request body, response, end. */
function exchange(seq: number, id: number, time: number, url = `http://x/api/${id}`): CaptureRecord[] {
  return [
    { r: 'conn', seq, time, id, transport: 'xhr', url, method: 'POST' },
    { r: 'ev', seq: seq + 1, time: time + 1, conn: id, type: 'open' },
    { r: 'ev', seq: seq + 2, time: time + 2, conn: id, type: 'send', data: { text: '{"q":1}' }, size: 7 },
    {
      r: 'ev',
      seq: seq + 3,
      time: time + 30,
      conn: id,
      type: 'receive',
      status: 200,
      headersAt: time + 25,
      data: { text: '{"ok":true}' },
      size: 11,
    },
    { r: 'ev', seq: seq + 4, time: time + 31, conn: id, type: 'close', status: 200 },
  ];
}

function setup(records: CaptureRecord[]) {
  const store = new TimelineStore();
  store.ingest(msg(records));
  const view = new FilteredView(store);
  const rows = new ListRows();
  const update = () => {
    view.update();
    return rows.update(view);
  };
  return { store, view, rows, update };
}

const describeRow = (r: ListRow): string =>
  isExchangeRow(r)
    ? `x${r.connection.localId}:${r.events.length}`
    : isStepRow(r)
      ? `  ${r.event.record.type}`
      : `${r.record.type}@${r.connection.localId}`;

describe('ListRows', () => {
  it('makes one row per HTTP exchange and one per socket event, in time order', () => {
    const { rows, update } = setup([conn(1, 1), ev(2, 1, 5), ...exchange(3, 2, 10), ev(8, 1, 20)]);
    expect(update()).toEqual({ appended: 3, rebuilt: true });
    expect(rows.rows.map(describeRow)).toEqual(['receive@1', 'x2:4', 'receive@1']);
  });

  it('adds at the end only: later steps of an exchange update its row, new events append', () => {
    const records = exchange(3, 2, 10);
    const { store, rows, update } = setup([conn(1, 1), ...records.slice(0, 2)]);
    update();
    expect(rows.rows.map(describeRow)).toEqual(['x2:1']);
    const changes = rows.changes;
    store.ingest(msg([...records.slice(2), ev(8, 1, 50)]));
    expect(update()).toEqual({ appended: 1, rebuilt: false });
    expect(rows.rows.map(describeRow)).toEqual(['x2:4', 'receive@1']);
    expect(rows.changes).toBe(changes + 3);
    expect(rows.longestEndedMs).toBe(31);
  });

  it('shows every step as a row when asked, and rebuilds once when that changes', () => {
    const { rows, update } = setup([conn(1, 1), ...exchange(3, 2, 10)]);
    rows.setOptions({ stepsAsRows: true, expanded: new Set() });
    update();
    expect(rows.rows.map(describeRow)).toEqual(['open@2', 'send@2', 'receive@2', 'close@2']);
    rows.setOptions({ stepsAsRows: false, expanded: new Set() });
    expect(update().rebuilt).toBe(true);
    expect(rows.rows.map(describeRow)).toEqual(['x2:4']);
  });

  it('lists an expanded exchange’s steps under it, including steps that arrive later', () => {
    const a = exchange(3, 2, 10);
    const b = exchange(20, 3, 12);
    // Arrival order: both starts, then the rest of both (seq numbers as the relay would give them).
    const arrived = [conn(1, 1), ...a.slice(0, 2), ...b.slice(0, 2), ...a.slice(2), ...b.slice(2)].map(
      (r, i) => ({
        ...r,
        seq: i + 1,
      }),
    );
    const { store, rows, update, view } = setup(arrived.slice(0, 5));
    update();
    const key = view.items[0]?.connection.key as string;
    rows.setOptions({ stepsAsRows: false, expanded: new Set([key]) });
    update();
    expect(rows.rows.map(describeRow)).toEqual(['x2:1', '  open', 'x3:1']);
    // A step of an expanded exchange that is not the last row: the rows are rebuilt.
    store.ingest(msg(arrived.slice(5)));
    expect(update().rebuilt).toBe(true);
    expect(rows.rows.map(describeRow)).toEqual(['x2:4', '  open', '  send', '  receive', '  close', 'x3:4']);
  });

  it('keeps the steps that pass the filter, and no row for an exchange with none', () => {
    const { store, view, rows, update } = setup([
      conn(1, 1),
      ev(2, 1, 5),
      ...exchange(3, 2, 10),
      ...exchange(8, 3, 40),
    ]);
    view.setPredicate((e) => e.record.type === 'receive' && e.connection.localId !== 3);
    update();
    expect(rows.rows.map(describeRow)).toEqual(['receive@1', 'x2:1']);
    const x = rows.exchangeOf(store.connections[1] ?? (null as never));
    expect(x?.time).toBe(40);
  });

  it('starts again with a replaced store array (clear)', () => {
    const { store, rows, update } = setup([conn(1, 1), ...exchange(3, 2, 10)]);
    update();
    store.clear();
    expect(update()).toEqual({ appended: 0, rebuilt: true });
    expect(rows.rows).toEqual([]);
  });
});

describe('row targets', () => {
  it('selects an exchange as a whole, or one of its steps, or an event', () => {
    const { store, rows, update, view } = setup([conn(1, 1), ev(2, 1, 5), ...exchange(3, 2, 10)]);
    update();
    const key = view.items[1]?.connection.key as string;
    rows.setOptions({ stepsAsRows: false, expanded: new Set([key]) });
    update();
    const [socket, xrow, firstStep] = rows.rows as [ListRow, ListRow, ListRow];
    expect(targetOfRow(socket)).toEqual({ event: store.events[0], exchange: false });
    const whole = targetOfRow(xrow);
    expect(whole.exchange).toBe(true);
    expect(indexOfTarget(rows.rows, whole)).toBe(1);
    // The exchange's first step is the same event, but it is another row.
    expect(indexOfTarget(rows.rows, targetOfRow(firstStep))).toBe(2);
    expect(indexOfTarget(rows.rows, null)).toBe(-1);
  });
});

describe('exchange response and request', () => {
  it('picks the last received body, else the status, and the request body', () => {
    const { store } = setup([...exchange(3, 2, 10)]);
    const events = store.events;
    expect(exchangeResponse(events)?.record.type).toBe('receive');
    expect(exchangeRequest(events)?.record.data).toEqual({ text: '{"q":1}' });
    expect(exchangeResponse(events.filter((e) => e.record.type !== 'receive'))).toBeUndefined();
    expect(exchangeRequest([])).toBeUndefined();
  });
});
