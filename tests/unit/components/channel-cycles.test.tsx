// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { App } from '../../../components/App';
import { ChannelCycles, type ChannelCyclesProps, CYCLE_ROW_HEIGHT } from '../../../components/ChannelCycles';
import { detectPatterns, type Pattern } from '../../../lib/patterns';
import type { TimelineStore } from '../../../lib/timeline/store';
import {
  type ExchangeSpec,
  exchangeRecords,
  keysOf,
  longPollSpecs,
  storeOfExchanges,
} from '../cycle-fixtures';
import { msg } from '../store-fixtures';
import { stubListLayout } from './layout-stub';

const VIEWPORT = 200;

/** jsdom has no layout: the cycles' scroll area gets a viewport, and a scroll height from its rows. */
function stubCyclesLayout(): () => void {
  const proto = HTMLElement.prototype;
  const saved = ['clientHeight', 'clientWidth', 'scrollHeight'].map(
    (k) => [k, Object.getOwnPropertyDescriptor(proto, k)] as const,
  );
  const isCycles = (el: HTMLElement) => el.classList.contains('cycles-scroll');
  const wrap = (k: string, value: (el: HTMLElement) => number) => {
    const original = Object.getOwnPropertyDescriptor(proto, k);
    Object.defineProperty(proto, k, {
      configurable: true,
      get(this: HTMLElement) {
        return isCycles(this) ? value(this) : (original?.get?.call(this) ?? 0);
      },
    });
  };
  wrap('clientHeight', () => VIEWPORT);
  wrap('clientWidth', () => 600);
  wrap('scrollHeight', (el) => {
    const rows = Number(el.querySelector('table')?.getAttribute('aria-rowcount') ?? 0);
    return rows * CYCLE_ROW_HEIGHT;
  });
  return () => {
    for (const [k, d] of saved) if (d) Object.defineProperty(proto, k, d);
  };
}

let restore: Array<() => void> = [];
beforeAll(() => {
  restore = [stubListLayout(), stubCyclesLayout()];
});
afterAll(() => {
  for (const r of restore.reverse()) r();
});
afterEach(cleanup);

/** A pattern over the given cycle keys (what the detector hands over), for tables the detector need not judge. */
function patternOver(keys: string[], over: Partial<Pattern> = {}): Pattern {
  return {
    id: 'p1',
    kind: 'long-poll',
    method: 'GET',
    url: 'http://app.test/poll?room=main',
    key: 'k',
    docId: 'd1',
    httpTransport: 'xhr',
    connectionKeys: keys,
    cycleKeys: keys,
    sendKeys: [],
    cycles: keys.length,
    medianHoldMs: 0,
    medianGapMs: 0,
    medianIntervalMs: 0,
    inFlight: 0,
    failures: 0,
    state: 'gap',
    storm: null,
    transport: null,
    upgrade: null,
    firstAt: 0,
    lastAt: 0,
    params: [],
    version: 1,
    ...over,
  };
}

function props(store: TimelineStore, pattern: Pattern, over: Partial<ChannelCyclesProps> = {}) {
  return {
    pattern,
    store,
    version: '1',
    imported: false,
    now: null,
    selectedKey: null,
    onSelect: () => {},
    onOpen: () => {},
    ...over,
  } satisfies ChannelCyclesProps;
}

const scroller = () => document.querySelector('.cycles-scroll') as HTMLElement;
const rowNumbers = () =>
  [...document.querySelectorAll('.cycles-table tbody tr:not(.spacer)')].map((r) =>
    Number(r.querySelector('.c-num')?.textContent),
  );
const row = (n: number) =>
  [...document.querySelectorAll('.cycles-table tbody tr:not(.spacer)')].find(
    (r) => r.querySelector('.c-num')?.textContent === String(n),
  ) as HTMLElement;
const cells = (n: number) => [...row(n).querySelectorAll('td')].map((td) => td.textContent);

describe('ChannelCycles', () => {
  it('sums up a detected long-poll and lists its cycles with hold, gap, status, size and in flight', async () => {
    const store = storeOfExchanges(longPollSpecs(5, 2000, 12));
    const [pattern] = detectPatterns(store.connections, store.events);
    render(<ChannelCycles {...props(store, pattern as Pattern)} />);
    await act(async () => {});
    const summary = screen.getByRole('region', { name: 'Channel cycles' });
    expect(summary.textContent).toContain('Long-poll GET /poll');
    const facts = [...screen.getByTestId('cycles-facts').children].map((f) => f.textContent);
    expect(facts).toEqual([
      '5 cycles',
      'median hold 2.00 s',
      'median gap 12 ms',
      '0 failures',
      'no storm (≤ 1 in flight)',
    ]);
    expect(rowNumbers()).toEqual([1, 2, 3, 4, 5]);
    // #, start (clock, since previous), hold, gap, status, size, in flight
    expect(cells(2).slice(2)).toEqual(['2.00 s', '12 ms', '200', '21 B', '1']);
    expect(cells(2)[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \+2\.01 s$/);
    expect(cells(1)[3]).toBe('');
    // A healthy loop has no finding.
    expect(screen.queryByTestId('channel-finding')).toBeNull();
  });

  it('flags a storm, its overlapping cycles and failures', async () => {
    const store = storeOfExchanges([
      { start: 0, answerAt: 1000, endAt: 1001 },
      { start: 1100, answerAt: 5000, endAt: 5001 },
      { start: 1200, endAt: 1300, error: 'network error' },
      { start: 1300 },
    ]);
    const pattern = patternOver(keysOf(4), { storm: { peakConcurrency: 3, startedAt: 1200, endedAt: null } });
    render(<ChannelCycles {...props(store, pattern, { now: 4300 })} />);
    await act(async () => {});
    expect(screen.getByTestId('cycles-storm').textContent).toMatch(
      /^⚠ Poll storm since .*: up to 3 requests in flight$/,
    );
    // What is wrong and the fix, in one sentence, as the export's `finding` says it.
    expect(screen.getByTestId('channel-finding').textContent).toMatch(
      /^The next poll to \/poll\?room=main starts inside onreadystatechange before the request is done/,
    );
    expect(screen.getByTestId('cycles-facts').textContent).toContain('1 failure');
    expect(screen.getByTestId('cycles-facts').textContent).toContain('1 in flight');
    expect(cells(3).slice(2)).toEqual(['100 ms', 'overlap', 'failed', '0 B', '⚠ 2']);
    expect(row(3).title).toContain('network error');
    // Live and still held: how long so far.
    expect(cells(4).slice(2)).toEqual(['3.00 s…', '0 ms', 'pending', '', '⚠ 2']);
    expect(row(2).classList.contains('overlapped')).toBe(true);
    expect(row(1).classList.contains('overlapped')).toBe(false);
  });

  it('shows an imported open exchange as pending at export, with no running hold', async () => {
    const store = storeOfExchanges([{ start: 0, answerAt: 1000, endAt: 1001 }, { start: 1010 }]);
    render(<ChannelCycles {...props(store, patternOver(keysOf(2)), { imported: true })} />);
    await act(async () => {});
    expect(cells(2).slice(2, 5)).toEqual(['—', '9 ms', 'pending at export']);
    expect(screen.getByTestId('cycles-facts').textContent).toContain('1 pending at export');
  });

  it('renders only the rows in view of a long channel, opening on the newest', async () => {
    const n = 2000;
    const store = storeOfExchanges(longPollSpecs(n, 100, 5));
    render(<ChannelCycles {...props(store, patternOver(keysOf(n)))} />);
    await act(async () => {});
    const numbers = rowNumbers();
    expect(numbers.at(-1)).toBe(n);
    expect(numbers.length).toBeLessThan(30);
    expect(scroller().scrollTop).toBe((n + 1) * CYCLE_ROW_HEIGHT);
    // Spacers keep the full height, so the scrollbar tells where in the channel the view is.
    const spacer = document.querySelector('.cycles-table tr.spacer') as HTMLElement;
    expect(Number.parseFloat(spacer.style.height)).toBe((n - numbers.length) * CYCLE_ROW_HEIGHT);
  });

  it('follows new cycles while at the bottom, and stays put once scrolled up', async () => {
    const specs = longPollSpecs(60, 100, 5);
    const store = storeOfExchanges(specs.slice(0, 50));
    const keys = keysOf(50);
    const pattern = patternOver(keys);
    const view = render(<ChannelCycles {...props(store, pattern)} />);
    await act(async () => {});
    expect(rowNumbers().at(-1)).toBe(50);
    // Ten more cycles arrive.
    const all = exchangeRecords(specs);
    store.ingest(msg(all.slice(150).map((r, i) => ({ ...r, seq: 151 + i }))));
    keys.push(...keysOf(60).slice(50));
    view.rerender(<ChannelCycles {...props(store, pattern, { version: '2' })} />);
    await act(async () => {});
    expect(rowNumbers().at(-1)).toBe(60);
    expect(scroller().scrollTop).toBe(61 * CYCLE_ROW_HEIGHT);
    // Scrolled to the top: a new cycle does not move the view.
    scroller().scrollTop = 0;
    fireEvent.scroll(scroller());
    await act(async () => {});
    expect(rowNumbers()[0]).toBe(1);
    keys.push('d1:999');
    view.rerender(<ChannelCycles {...props(store, pattern, { version: '3' })} />);
    await act(async () => {});
    expect(scroller().scrollTop).toBe(0);
    expect(rowNumbers()[0]).toBe(1);
    // Another channel chosen: it opens on its newest cycle, and follows again.
    const other = patternOver(keysOf(40), { id: 'p2' });
    view.rerender(<ChannelCycles {...props(store, other, { version: '4' })} />);
    await act(async () => {});
    expect(rowNumbers().at(-1)).toBe(40);
    expect(scroller().scrollTop).toBe(41 * CYCLE_ROW_HEIGHT);
  });

  it('opens on the selected cycle when the selection is one of the channel’s older requests', async () => {
    const store = storeOfExchanges(longPollSpecs(200, 100, 5));
    render(<ChannelCycles {...props(store, patternOver(keysOf(200)), { selectedKey: 'd1:20' })} />);
    await act(async () => {});
    expect(rowNumbers()).toContain(20);
    expect(rowNumbers()).not.toContain(200);
    expect(row(20).classList.contains('selected')).toBe(true);
  });

  it('selects a cycle’s request on click, opens it on double click, and marks the selected one', async () => {
    const store = storeOfExchanges(longPollSpecs(3, 1000, 5));
    const onSelect = vi.fn();
    const onOpen = vi.fn();
    render(
      <ChannelCycles {...props(store, patternOver(keysOf(3)), { onSelect, onOpen, selectedKey: 'd1:2' })} />,
    );
    await act(async () => {});
    expect(row(2).classList.contains('selected')).toBe(true);
    expect(row(2).getAttribute('aria-selected')).toBe('true');
    fireEvent.click(row(3));
    expect(onSelect).toHaveBeenCalledTimes(1);
    const event = onSelect.mock.calls[0]?.[0];
    expect(event.connection.key).toBe('d1:3');
    expect(event.record.type).toBe('open');
    fireEvent.dblClick(row(1));
    expect(onOpen.mock.calls[0]?.[0].connection.key).toBe('d1:1');
  });
});

describe('App with a channel selected', () => {
  function liveStore(specs: ExchangeSpec[]) {
    const store = storeOfExchanges(specs);
    return { store, patterns: detectPatterns(store.connections, store.events) };
  }

  it('shows the channel’s cycles in place of the detail, and a clicked cycle selects its request', async () => {
    const { store, patterns } = liveStore(longPollSpecs(4, 1500, 10));
    expect(patterns).toHaveLength(1);
    render(<App store={store} tabId={1} toolVersion="0.0.0" patterns={patterns} />);
    await act(async () => {});
    expect(screen.queryByTestId('cycles')).toBeNull();
    // An event's detail is open before the channel is chosen.
    const firstRow = document.querySelector('[data-testid="events"] tbody tr') as HTMLElement;
    fireEvent.mouseDown(firstRow);
    await act(async () => {});
    expect(screen.getByTestId('detail')).toBeTruthy();

    const channel = document.querySelector('.conn-entry.k-channel') as HTMLElement;
    fireEvent.click(channel);
    await act(async () => {});
    expect(screen.queryByTestId('detail')).toBeNull();
    expect(screen.getByTestId('cycles')).toBeTruthy();
    expect(rowNumbers()).toEqual([1, 2, 3, 4]);

    fireEvent.click(row(3));
    await act(async () => {});
    const selected = document.querySelector('[data-testid="events"] tbody tr.selected') as HTMLElement;
    // The request's exchange row, the one row the list has for it.
    expect(selected.getAttribute('data-type')).toBe('exchange');
    expect(row(3).classList.contains('selected')).toBe(true);
    // The table stays; a double click opens the request's detail, and closing it brings the table back.
    expect(screen.getByTestId('cycles')).toBeTruthy();
    fireEvent.dblClick(row(3));
    await act(async () => {});
    expect(screen.getByTestId('detail')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Close detail' }));
    await act(async () => {});
    expect(screen.getByTestId('cycles')).toBeTruthy();

    // Choosing "All connections" leaves the channel: no table.
    fireEvent.click(screen.getByRole('button', { name: 'All connections' }));
    await act(async () => {});
    expect(screen.queryByTestId('cycles')).toBeNull();
  });
});
