// @vitest-environment jsdom
// A reconnect loop in the panel: its entry in the connections list (RE badge,
// storm line), its finding in the strip, and its attempts when selected.

import { cleanup, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelCycles } from '../../../components/ChannelCycles';
import { ConnectionList } from '../../../components/ConnectionList';
import { FindingsStrip } from '../../../components/FindingsStrip';
import { FindingsStore } from '../../../components/state/findings-store';
import { findingsOf, type Pattern } from '../../../lib/patterns';
import { buildEntries } from '../../../lib/timeline/channels';
import { Sockets } from '../socket-traces';

afterEach(cleanup);

const T0 = 1_764_000_000_000;

function stormingLoop(): { s: Sockets; patterns: Pattern[]; end: number } {
  const s = new Sockets();
  const end = s.loop('ws://127.0.0.1:9000/live', T0, [40, 35, 50, 45, 40, 38], [3, 1, 4, 2, 5, 0], 1011);
  return { s, patterns: s.detect(end + 10), end };
}

describe('a reconnect loop in the panel', () => {
  it('is one channel in the connections list with an RE badge and the storm line', () => {
    const { s, patterns } = stormingLoop();
    const store = s.store();
    const entries = buildEntries(store.connections, patterns, (c) => c.localId);
    expect(entries.map((e) => e.id)).toEqual(['pattern:p1']);
    render(<ConnectionList entries={entries} selectedId={null} onSelect={() => {}} />);
    const entry = screen.getByRole('button', { name: /Reconnect loop WebSocket \/live/ });
    expect(within(entry).getByText('RE')).toBeTruthy();
    expect(entry.textContent).toContain('storm: 6 attempts');
    expect(entry.querySelector('.storm')?.textContent).toMatch(
      /^⚠ Reconnect storm since \d\d:\d\d:\d\d\.\d{3}: 6 attempts, retried after 3 ms$/,
    );
  });

  it('shows its finding in the strip with its attempts', () => {
    const { patterns } = stormingLoop();
    const findings = findingsOf(patterns, { initiatorOf: () => undefined });
    render(
      <FindingsStrip
        findings={findings}
        store={new FindingsStore()}
        shownId={null}
        onShowRequests={() => {}}
      />,
    );
    const line = screen.getByTestId('findings');
    expect(line.textContent).toContain('Reconnect storm on WebSocket /live: 6 attempts, retried after 3 ms');
    expect(line.textContent).toContain('· 6 attempts');
  });

  it('selected, lists its attempts: lifetime, delay, close code, and its one-sentence finding', () => {
    const { s, patterns } = stormingLoop();
    const store = s.store();
    const pattern = patterns[0] as Pattern;
    render(
      <ChannelCycles
        pattern={pattern}
        store={store}
        version="1"
        imported={false}
        now={T0 + 1000}
        selectedKey={null}
        onSelect={() => {}}
        onOpen={() => {}}
      />,
    );
    const view = screen.getByTestId('attempts');
    expect(screen.getByTestId('attempts-facts').textContent).toContain('6 attempts');
    expect(screen.getByTestId('attempts-facts').textContent).toContain('no back-off');
    expect(screen.getByTestId('attempts-storm').textContent).toMatch(/Reconnect storm since/);
    expect(screen.getByTestId('channel-finding').textContent).toMatch(
      /reconnects the WebSocket to \/live at once/,
    );
    const rows = within(view).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))[1]).toEqual([
      '2',
      '35 ms',
      '3 ms',
      '1011',
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3}$/),
    ]);
  });
});
