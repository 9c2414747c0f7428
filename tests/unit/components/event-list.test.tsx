// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventList, type EventListProps, ROW_HEIGHT } from '../../../components/EventList';
import { bytesToBase64 } from '../../../lib/base64';
import type { CaptureRecord } from '../../../lib/model';
import { ListRows, type RowTarget } from '../../../lib/timeline/list-rows';
import { type TimelineEvent, TimelineStore } from '../../../lib/timeline/store';
import { FilteredView } from '../../../lib/timeline/view';
import { PROTOCOL_VERSION } from '../../../lib/wire/envelope';
import { stubListLayout } from './layout-stub';

let restore: () => void;
beforeAll(() => {
  restore = stubListLayout();
});
afterAll(() => restore());
afterEach(cleanup);

function storeOf(n: number, text = (i: number) => `message ${i}`): TimelineStore {
  const store = new TimelineStore();
  const records: CaptureRecord[] = [
    { r: 'conn', seq: 1, time: 1000, id: 1, transport: 'websocket', url: 'ws://app.test/live' },
  ];
  for (let i = 0; i < n; i++) {
    const t = text(i);
    records.push({
      r: 'ev',
      seq: i + 2,
      time: 1001 + i,
      conn: 1,
      type: 'receive',
      data: { text: t },
      size: t.length,
    });
  }
  store.ingest({
    v: PROTOCOL_VERSION,
    t: 'panel-records',
    tabId: 1,
    frameId: 0,
    doc: { docId: 'd', url: 'http://app.test/', title: '', top: true, startedAt: 1000 },
    loss: { evicted: 0, dropped: 0, invalid: 0 },
    records,
  });
  return store;
}

/** The list's rows of a store, as the panel makes them (every event shown). */
function rowsOf(store: TimelineStore, stepsAsRows = false, expanded: ReadonlySet<string> = new Set()) {
  const view = new FilteredView(store);
  view.update();
  const rows = new ListRows();
  rows.setOptions({ stepsAsRows, expanded });
  rows.update(view);
  return rows;
}

function props(store: TimelineStore, over: Partial<EventListProps> = {}): EventListProps {
  const listRows = rowsOf(store);
  return {
    rows: listRows.rows,
    rowsVersion: 1,
    appended: listRows.rows.length,
    target: null,
    onSelect: () => {},
    isExpanded: () => false,
    onToggleExpanded: () => {},
    timeOrigin: () => 1000,
    numberOf: (c) => store.numberOf(c),
    revealToken: 0,
    hiddenColumns: [],
    onHiddenColumns: () => {},
    stepsAsRows: false,
    onStepsAsRows: () => {},
    imported: false,
    longestEndedMs: listRows.longestEndedMs,
    decodedOf: () => [],
    protocolLabelOf: () => null,
    ...over,
  };
}

const eventTarget = (e: TimelineEvent | undefined): RowTarget | null =>
  e ? { event: e, exchange: false } : null;

const rows = () => [...document.querySelectorAll('[data-testid="events"] tbody tr')];
const scroller = () => screen.getByTestId('events');

/** Scrolls the list as a user would (jsdom fires no scroll event by itself) and lets it render. */
async function scrollListTo(el: HTMLElement, top: number): Promise<void> {
  el.scrollTop = top;
  fireEvent.scroll(el);
  await act(async () => {});
}

describe('EventList', () => {
  it('renders only the rows in view out of 100,000', async () => {
    const store = storeOf(100_000);
    render(<EventList {...props(store)} />);
    await act(async () => {});
    // jsdom does not fire scroll events for programmatic scrolling; a browser does.
    fireEvent.scroll(scroller());
    await act(async () => {});
    const n = rows().length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(400 / ROW_HEIGHT + 40);
    // It follows the newest: the last event is rendered.
    expect(rows().some((r) => r.textContent?.includes('message 99999'))).toBe(true);
  });

  it('shows time, relative time, connection, transport, what happened in words, size and preview', async () => {
    const store = storeOf(1);
    // 800 px wide: room for "Since load" and "Type" once three HTTP columns are hidden.
    render(<EventList {...props(store, { hiddenColumns: ['status', 'duration', 'waterfall'] })} />);
    await act(async () => {});
    const text = rows()[0]?.textContent ?? '';
    expect(text).toContain('0.001 s');
    expect(text).toContain('#1 /live');
    expect(text).toContain('WS');
    expect(rows()[0]?.querySelector('.c-method')?.textContent).toBe('↓ receive');
    expect(rows()[0]?.querySelector('.c-type')?.textContent).toBe('text');
    expect(text).toContain('9 B');
    expect(text).toContain('message 0');
  });

  it('stops following when scrolled up and counts new events in a pill', async () => {
    const store = storeOf(1000);
    const { rerender } = render(<EventList {...props(store)} />);
    await act(async () => {});
    const el = scroller();
    await scrollListTo(el, 0);
    const more = storeOf(1005);
    rerender(<EventList {...props(more, { rowsVersion: 2, appended: 5 })} />);
    await act(async () => {});
    expect(el.scrollTop).toBe(0);
    const pill = screen.getByRole('button', { name: /5 new/ });
    fireEvent.click(pill);
    await act(async () => {});
    expect(el.scrollTop).toBeGreaterThan(0);
    expect(screen.queryByRole('button', { name: /new/ })).toBeNull();
  });

  it('renders the rows at the scrolled-to offset', async () => {
    const store = storeOf(100_000);
    render(<EventList {...props(store)} />);
    await act(async () => {});
    const el = scroller();
    await scrollListTo(el, 50_000 * ROW_HEIGHT);
    const seqs = rows().map((r) => Number(r.getAttribute('aria-rowindex')));
    // The 400 px viewport holds 20 rows; 12 more are rendered on each side.
    expect(seqs[0]).toBe(50_001 - 12);
    expect(seqs[seqs.length - 1]).toBe(50_000 + 20 + 12);
    expect(rows()[12]?.textContent).toContain('message 50000');
    await scrollListTo(el, 10 * ROW_HEIGHT + 5);
    expect(Number(rows()[0]?.getAttribute('aria-rowindex'))).toBe(1);
    expect(rows()[10]?.textContent).toMatch(/message 10$/);
  });

  it('scrolls a keyboard-selected row into view', async () => {
    const store = storeOf(1000);
    const { rerender } = render(<EventList {...props(store)} />);
    await act(async () => {});
    const el = scroller();
    await scrollListTo(el, 0);
    const target = store.events[500];
    rerender(<EventList {...props(store, { target: eventTarget(target), revealToken: 1 })} />);
    await act(async () => {});
    // Row 500 (0-based) ends at 10,020 px: the view's bottom edge moves there.
    expect(el.scrollTop).toBe(501 * ROW_HEIGHT - 400);
    fireEvent.scroll(el);
    await act(async () => {});
    expect(rows().some((r) => r.getAttribute('aria-current') === 'true')).toBe(true);
  });

  it('selects on mouse down and marks the selected row', async () => {
    const store = storeOf(10);
    let picked = -1;
    const { rerender } = render(
      <EventList {...props(store, { onSelect: (r) => (picked = 'seq' in r ? r.seq : -1) })} />,
    );
    await act(async () => {});
    const row = rows()[3] as HTMLElement;
    fireEvent.mouseDown(row);
    expect(picked).toBe(Number(row.dataset.seq));
    rerender(
      <EventList {...props(store, { target: eventTarget(store.events.find((e) => e.seq === picked)) })} />,
    );
    expect(document.querySelector('tr.selected')?.getAttribute('data-seq')).toBe(String(picked));
  });

  it('renders hostile payloads as inert text', async () => {
    const store = storeOf(1, () => '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>');
    render(<EventList {...props(store)} />);
    await act(async () => {});
    expect(document.querySelector('[data-testid="events"] img, [data-testid="events"] script')).toBeNull();
    expect(rows()[0]?.textContent).toContain('<img src=x onerror=');
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
  });
});

describe('EventList binary messages', () => {
  it('previews a binary message as its size and first bytes in hex', async () => {
    const store = new TimelineStore();
    const bytes = Uint8Array.from([0x0a, 0x1f, 0x00, 0xff, 0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0x0d]);
    store.ingest({
      v: PROTOCOL_VERSION,
      t: 'panel-records',
      tabId: 1,
      frameId: 0,
      doc: { docId: 'd', url: 'http://app.test/', title: '', top: true, startedAt: 1000 },
      loss: { evicted: 0, dropped: 0, invalid: 0 },
      records: [
        { r: 'conn', seq: 1, time: 1000, id: 1, transport: 'websocket', url: 'ws://app.test/live' },
        {
          r: 'ev',
          seq: 2,
          time: 1001,
          conn: 1,
          type: 'receive',
          data: { base64: bytesToBase64(bytes) },
          size: bytes.length,
        },
      ],
    });
    render(<EventList {...props(store)} />);
    await act(async () => {});
    const data = rows()[0]?.querySelector('.c-data');
    expect(data?.textContent).toBe('12 B · 0a 1f 00 ff 7b 22 61 22 3a 31 …');
    expect(data?.textContent).not.toContain(bytesToBase64(bytes));
  });
});
