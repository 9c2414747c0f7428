// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionList } from '../../../components/ConnectionList';
import { FindingsStrip, findingWhen } from '../../../components/FindingsStrip';
import { callSiteText } from '../../../components/Initiator';
import { findingsText, StatusBar } from '../../../components/StatusBar';
import { FindingsStore } from '../../../components/state/findings-store';
import { formatClock } from '../../../lib/format';
import type { CallSite } from '../../../lib/model';
import type { Finding } from '../../../lib/patterns';
import type { ListEntry } from '../../../lib/timeline/channels';

afterEach(cleanup);

const T0 = 1_764_000_000_000;
const site: CallSite = { fn: 'longPoll', url: 'http://127.0.0.1:5178/seed', line: 9, column: 7 };

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'storm:p1',
    patternId: 'p1',
    kind: 'long-poll-storm',
    state: 'ongoing',
    startedAt: T0,
    endedAt: null,
    method: 'GET',
    url: 'http://127.0.0.1:5178/seed/poll',
    peakConcurrency: 27,
    inFlight: 12,
    connectionKeys: ['d:1', 'd:2'],
    initiator: site,
    text: { title: 'Long-poll storm on GET /seed/poll: up to 27 requests in flight', fault: 'F.', fix: 'X.' },
    ...over,
  };
}

function strip(findings: Finding[], over: { onOpenSource?: (s: CallSite) => void; shownId?: string } = {}) {
  const store = new FindingsStore();
  const shown: Finding[] = [];
  const Harness = () => (
    <FindingsStrip
      findings={store.visible(findings)}
      store={store}
      shownId={over.shownId ?? null}
      onShowRequests={(f) => shown.push(f)}
      onOpenSource={over.onOpenSource}
    />
  );
  const view = render(<Harness />);
  return { store, shown, view };
}

describe('FindingsStrip', () => {
  it('an ongoing finding says since when and how many are in flight now, in the list’s clock format', () => {
    strip([finding()]);
    const line = screen.getByText(/Long-poll storm on GET/).closest('li') as HTMLElement;
    expect(line.className).toContain('ongoing');
    expect(within(line).getByText(`since ${formatClock(T0)} · 12 in flight`)).toBeTruthy();
  });

  it('an ended finding says when it ended and is not a warning any more', () => {
    strip([finding({ state: 'ended', endedAt: T0 + 7120 })]);
    const line = screen.getByText(/Long-poll storm/).closest('li') as HTMLElement;
    expect(line.className).toContain('ended');
    expect(line.className).not.toContain('ongoing');
    expect(within(line).getByText(`ended ${formatClock(T0 + 7120)}`)).toBeTruthy();
    expect(findingWhen(finding({ state: 'ended', endedAt: T0 }))).toMatch(/^ended \d\d:\d\d:\d\d\.\d{3}$/);
  });

  it('shows the fault and the fix on demand', () => {
    strip([finding()]);
    expect(screen.queryByText('F.')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /^Long-poll storm/ }));
    expect(screen.getByText('F.')).toBeTruthy();
    expect(screen.getByText('X.')).toBeTruthy();
  });

  it('"Show these requests" hands the finding over; when shown it offers to go back', () => {
    const { shown } = strip([finding()]);
    fireEvent.click(screen.getByRole('button', { name: 'Show these requests' }));
    expect(shown.map((f) => f.id)).toEqual(['storm:p1']);
    cleanup();
    strip([finding()], { shownId: 'storm:p1' });
    expect(screen.getByRole('button', { name: 'Show all requests' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
  });

  it('the initiator opens the line when DevTools can, else is text', () => {
    const opened: CallSite[] = [];
    strip([finding()], { onOpenSource: (s) => opened.push(s) });
    fireEvent.click(screen.getByRole('button', { name: 'longPoll @ seed:9:7' }));
    expect(opened).toEqual([site]);
    cleanup();
    strip([finding()]);
    const text = screen.getByTestId('initiator');
    expect(text.tagName).toBe('SPAN');
    expect(text.textContent).toBe('longPoll @ seed:9:7');
    expect(text.getAttribute('title')).toBe('http://127.0.0.1:5178/seed:9:7');
    expect(callSiteText({ url: 'https://app.test/', line: 1, column: 2 })).toBe('app.test:1:2');
  });

  it('folded, it shows one line (the ongoing first) and how many more', () => {
    const ended = finding({
      id: 'storm:p2',
      patternId: 'p2',
      state: 'ended',
      endedAt: T0 + 1,
      text: { title: 'Old storm', fault: '', fix: '' },
    });
    const { store } = strip([ended, finding()]);
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByText(/Long-poll storm on GET/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '+1 more finding' }));
    expect(screen.getAllByRole('listitem')).toHaveLength(2);
    fireEvent.click(screen.getByRole('button', { name: 'Fewer' }));
    expect(store.folded.value).toBe(true);
  });

  it('a dismissed finding goes; it comes back when it flares up again, or from the status bar', () => {
    const store = new FindingsStore();
    const ended = finding({ state: 'ended', endedAt: T0 + 5 });
    expect(store.visible([ended])).toHaveLength(1);
    store.dismiss(ended.id);
    expect(store.visible([ended])).toHaveLength(0);
    expect(store.visible([finding()])).toHaveLength(1);
    store.dismiss(ended.id);
    expect(store.visible([finding()])).toHaveLength(0);
    store.reveal();
    expect(store.visible([finding()])).toHaveLength(1);
    expect(store.folded.value).toBe(false);
  });

  it('the dismiss button hides the line', async () => {
    strip([finding()]);
    await act(() => {
      fireEvent.click(screen.getByRole('button', { name: /^Dismiss/ }));
    });
    expect(screen.queryByRole('listitem')).toBeNull();
  });

  it('undo: showing the same finding again goes back to what was selected before', () => {
    const store = new FindingsStore();
    expect(store.showRequests('pattern:p1', 'conn:d:4')).toBe('pattern:p1');
    expect(store.showRequests('pattern:p1', 'pattern:p1')).toBe('conn:d:4');
    expect(store.showRequests('pattern:p1', null)).toBe('pattern:p1');
    expect(store.showRequests('pattern:p1', 'pattern:p1')).toBeNull();
  });

  it('the status bar’s count focuses the strip', async () => {
    const store = new FindingsStore();
    const Harness = () => (
      <>
        <FindingsStrip
          findings={store.visible([finding()])}
          store={store}
          shownId={null}
          onShowRequests={() => {}}
        />
        <StatusBar
          shown={0}
          total={0}
          connections={0}
          paused={false}
          loss={{ total: 0, detail: '' }}
          rejected={0}
          range={null}
          onClearRange={() => {}}
          findings={{ total: 1, ongoing: 1 }}
          onShowFindings={() => store.reveal()}
        />
      </>
    );
    render(<Harness />);
    const count = screen.getByTestId('findings-count');
    expect(count.textContent).toBe('⚠ 1 finding');
    await act(() => {
      fireEvent.click(count);
    });
    expect(document.activeElement).toBe(screen.getByTestId('findings'));
  });

  it('the count says what is going on', () => {
    expect(findingsText(1, 1)).toBe('⚠ 1 finding');
    expect(findingsText(3, 1)).toBe('⚠ 3 findings (1 ongoing)');
    expect(findingsText(2, 0)).toBe('2 findings (ended)');
  });
});

describe('ConnectionList storm text', () => {
  const entry = (storm: {
    peakConcurrency: number;
    startedAt: number;
    endedAt: number | null;
  }): ListEntry => ({
    id: 'pattern:p1',
    kind: 'channel',
    title: 'Long-poll GET /seed/poll',
    url: 'http://127.0.0.1:5178/seed/poll',
    host: '127.0.0.1:5178',
    transport: null,
    state: storm.endedAt ? 'held' : 'storm',
    tone: storm.endedAt ? 'live' : 'storm',
    section: 0,
    messages: 0,
    bytes: 0,
    connectionKeys: [],
    startedAt: T0,
    pattern: {
      id: 'p1',
      kind: 'long-poll',
      method: 'GET',
      url: 'http://127.0.0.1:5178/seed/poll',
      connectionKeys: [],
      cycles: 40,
      medianHoldMs: 1000,
      medianGapMs: 1000,
      inFlight: 5,
      storm,
    },
  });

  it('ongoing: since when in the list’s clock format, and the count in flight now', () => {
    render(
      <ConnectionList
        entries={[entry({ peakConcurrency: 27, startedAt: T0, endedAt: null })]}
        selectedId={null}
        onSelect={() => {}}
      />,
    );
    expect(
      screen.getByText(`⚠ Poll storm since ${formatClock(T0)}: up to 27 requests in flight`),
    ).toBeTruthy();
    expect(screen.getByText('storm: 5 in flight')).toBeTruthy();
  });

  it('ended: says when, and no longer says storm in red', () => {
    render(
      <ConnectionList
        entries={[entry({ peakConcurrency: 27, startedAt: T0, endedAt: T0 + 9000 })]}
        selectedId={null}
        onSelect={() => {}}
      />,
    );
    const line = screen.getByText(
      `Poll storm ${formatClock(T0)} – ended ${formatClock(T0 + 9000)}: up to 27 requests in flight`,
    );
    expect(line.className).toContain('ended');
    expect(screen.queryByText(/storm: \d+ in flight/)).toBeNull();
  });
});
