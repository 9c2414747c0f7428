// @vitest-environment jsdom
// The HTTP detail: Status once, why request headers are missing, no live
// words for an imported exchange, and "Since load" in one format.
import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { DetailPane } from '../../../components/DetailPane';
import { DEFAULT_SETTINGS } from '../../../components/settings';
import type { ConnectionRecord, EventRecord } from '../../../lib/model';
import { type Connection, countEvent, newConnection, type TimelineEvent } from '../../../lib/timeline/store';

afterEach(cleanup);

const T = 1_764_000_000_000;

function exchange(
  conn: Partial<ConnectionRecord>,
  events: Array<Omit<EventRecord, 'r' | 'seq' | 'conn'>>,
): { connection: Connection; events: TimelineEvent[] } {
  const connection = newConnection(
    'd',
    {
      r: 'conn',
      seq: 1,
      time: T,
      id: 1,
      transport: 'fetch',
      url: 'https://app.test/api',
      method: 'GET',
      ...conn,
    },
    'https://app.test/',
    0,
  );
  const out = events.map((e, i): TimelineEvent => {
    const record: EventRecord = { r: 'ev', seq: i + 2, conn: 1, ...e };
    countEvent(connection, record);
    if (record.status !== undefined) connection.status = record.status;
    if (record.type === 'close' || record.type === 'error') connection.endedAt = record.time;
    return { seq: i + 1, time: record.time, connection, record, section: 0 };
  });
  return { connection, events: out };
}

function show(
  event: TimelineEvent,
  related: readonly TimelineEvent[],
  over: { imported?: boolean; loadTime?: number } = {},
) {
  render(
    <DetailPane
      event={event}
      related={related}
      connectionNumber={1}
      rememberedTabs={{ ...DEFAULT_SETTINGS.detailTabs, http: 'http' }}
      onTabChosen={() => {}}
      onClose={() => {}}
      {...over}
    />,
  );
  return screen.getByTestId('detail');
}

/** The rows of every key/value table, as "Name: value". */
const rows = (root: HTMLElement) =>
  [...root.querySelectorAll('table.kv tr')].map(
    (tr) => `${tr.querySelector('th')?.textContent}: ${tr.querySelector('td')?.textContent}`,
  );

describe('DetailPane, Headers & timing', () => {
  const finished = () =>
    exchange({ requestHeaders: [['x-token', 'abc']] }, [
      { time: T, type: 'open' },
      {
        time: T + 120,
        type: 'receive',
        status: 404,
        statusText: 'Not Found',
        headersAt: T + 100,
        data: { text: '{}' },
        size: 2,
      },
      { time: T + 121, type: 'close', status: 404 },
    ]);

  it('shows Status once, on the exchange, with its status text', () => {
    const { events } = finished();
    const detail = show(events[1] as TimelineEvent, events);
    const statusRows = rows(detail).filter((r) => r.startsWith('Status:'));
    expect(statusRows).toEqual(['Status: 404 Not Found']);
  });

  it('says which request headers the page set and that the browser adds its own', () => {
    const { events } = finished();
    const detail = show(events[1] as TimelineEvent, events);
    expect(rows(detail)).toContain('x-token: abc');
    expect(screen.getByTestId('headers-note').textContent).toMatch(
      /^Set by the page; the browser adds its own \(cookies, User-Agent/,
    );
  });

  it('says why there are no request headers: none set, cut to fit, or not in the imported file', () => {
    const none = exchange({}, [{ time: T, type: 'open' }]);
    show(none.events[0] as TimelineEvent, none.events);
    expect(screen.getByTestId('headers-note').textContent).toMatch(
      /^None set by the page; the browser adds its own .* which a page script cannot see, so they are not recorded\.$/,
    );
    cleanup();
    const cut = exchange({ requestHeaders: [['a', '1']], truncatedFields: ['requestHeaders'] }, [
      { time: T, type: 'open' },
    ]);
    show(cut.events[0] as TimelineEvent, cut.events);
    expect(screen.getByTestId('headers-note').textContent).toMatch(
      /Cut to fit: headers past the first 1,000/,
    );
    cleanup();
    show(none.events[0] as TimelineEvent, none.events, { imported: true });
    expect(screen.getByTestId('headers-note').textContent).toMatch(/^None in the imported file/);
  });

  it('shows an exchange open at export as pending at export, with no live words', () => {
    const open = exchange({}, [
      { time: T, type: 'open' },
      { time: T + 50, type: 'receive', status: 200, statusText: 'OK', headersAt: T + 50 },
    ]);
    const detail = show(open.events[0] as TimelineEvent, open.events, { imported: true });
    expect(rows(detail)).toContain('Status: 200 OK, pending at export');
    expect(rows(detail)).toContain('Total: pending at export');
    expect(detail.textContent).not.toMatch(/so far|failed/i);
    cleanup();
    const live = show(open.events[0] as TimelineEvent, open.events);
    expect(rows(live)).toContain('Status: 200 OK, pending');
    expect(rows(live).some((r) => r.startsWith('Held so far:'))).toBe(true);
  });

  it('shows when the event happened since the page loaded, in the one format', () => {
    const { events } = finished();
    const detail = show(events[1] as TimelineEvent, events, { loadTime: T - 65_000 });
    expect(rows(detail)).toContain('Since load: 1:05.120');
  });
});
