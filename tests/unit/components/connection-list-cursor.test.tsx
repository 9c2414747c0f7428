// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionList, cursorText } from '../../../components/ConnectionList';
import type { ChannelPattern, ListEntry } from '../../../lib/timeline/channels';

afterEach(cleanup);

const T0 = 1_764_000_000_000;

function channel(cursor?: ChannelPattern['cursor']): ListEntry {
  return {
    id: 'pattern:p1',
    kind: 'channel',
    title: 'Long-poll GET /api/inbox',
    url: 'http://127.0.0.1:5178/api/inbox',
    host: '127.0.0.1:5178',
    transport: null,
    state: 'held',
    tone: 'live',
    section: 0,
    messages: 0,
    bytes: 0,
    connectionKeys: [],
    startedAt: T0,
    pattern: {
      id: 'p1',
      kind: 'long-poll',
      method: 'GET',
      url: 'http://127.0.0.1:5178/api/inbox',
      connectionKeys: [],
      cycles: 12,
      medianHoldMs: 400,
      medianGapMs: 2,
      ...(cursor ? { cursor } : {}),
    },
  };
}

describe('ConnectionList: a channel’s cursor', () => {
  it('shows the cursor’s latest value, with its progress in the tooltip', () => {
    render(
      <ConnectionList
        entries={[channel({ name: 'since', values: 6, last: '42' })]}
        selectedId={null}
        onSelect={() => {}}
      />,
    );
    const line = screen.getByText('cursor since → 42');
    expect(line.getAttribute('title')).toBe('Cursor parameter "since": 6 values so far, latest 42');
  });

  it('shortens an opaque token and says nothing for a loop without a cursor', () => {
    expect(cursorText({ name: 'since', last: '12-g1AAAAFReJzLYWBg4MhgTmEQ' })).toBe(
      'cursor since → 12-g1AAAAFReJ…',
    );
    render(<ConnectionList entries={[channel()]} selectedId={null} onSelect={() => {}} />);
    expect(screen.queryByText(/cursor/)).toBeNull();
  });
});
