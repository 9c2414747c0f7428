// @vitest-environment jsdom
// Decoded protocols in the panel: a Socket.IO connection is labelled on its
// sidebar entry, its rows read as Socket.IO messages (the raw frame on hover),
// and the detail opens on the decoded message with the raw payload a tab away.
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../components/App';
import { DEFAULT_SETTINGS, type PanelSettings } from '../../../components/settings';
import type { CaptureRecord } from '../../../lib/model';
import { TimelineStore } from '../../../lib/timeline/store';
import { msg } from '../store-fixtures';
import { stubListLayout } from './layout-stub';

let restore: () => void;
beforeAll(() => {
  restore = stubListLayout();
});
afterAll(() => restore());
afterEach(cleanup);

function socketIoStore(): TimelineStore {
  let seq = 0;
  const frame = (type: 'send' | 'receive', text: string, conn = 1): CaptureRecord => ({
    r: 'ev',
    seq: ++seq,
    time: 1000 + seq,
    conn,
    type,
    data: { text },
    size: text.length,
  });
  const records: CaptureRecord[] = [
    {
      r: 'conn',
      seq: ++seq,
      time: 1000,
      id: 1,
      transport: 'websocket',
      url: 'ws://app.test/socket.io/?EIO=4&transport=websocket',
    },
    frame(
      'receive',
      '0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
    ),
    frame('send', '40'),
    frame('receive', '40{"sid":"n1"}'),
    frame('send', '421["chat",{"text":"hi"}]'),
    frame('receive', '431[{"ok":true}]'),
    { r: 'conn', seq: ++seq, time: 1000, id: 2, transport: 'websocket', url: 'ws://app.test/live' },
    frame('receive', '{"tick":1}', 2),
  ];
  const store = new TimelineStore();
  store.ingest(msg(records, 'd'));
  return store;
}

const rows = () => [...document.querySelectorAll<HTMLElement>('[data-testid="events"] tbody tr')];

describe('decoded rows', () => {
  it('labels the connection, shows Socket.IO messages in the list, and opens the detail on them', async () => {
    render(<App store={socketIoStore()} tabId={1} toolVersion="0" settings={undefined} />);
    await act(async () => {});
    fireEvent.scroll(screen.getByTestId('events'));
    await act(async () => {});
    const sidebar = document.querySelector('nav[aria-label="Connections"]');
    expect(sidebar?.querySelector('.badge.proto')?.textContent).toBe('Socket.IO');
    const emit = rows().find((r) => r.querySelector('.c-data')?.textContent?.startsWith('EVENT chat'));
    expect(emit).toBeTruthy();
    expect(emit?.querySelector('.c-data')?.getAttribute('title')).toBe('421["chat",{"text":"hi"}]');
    // Plain JSON on another socket stays as it is.
    expect(rows().at(-1)?.querySelector('.c-data')?.textContent).toBe('{"tick":1}');

    fireEvent.mouseDown(emit as HTMLElement);
    await act(async () => {});
    expect(screen.getByRole('tab', { selected: true }).textContent).toBe('Decoded');
    const decoded = screen.getByTestId('decoded').textContent ?? '';
    expect(decoded).toContain('EVENT chat');
    expect(decoded).toContain('request');
    // The emit's ack: its latency, and a way to it and back.
    expect(screen.getByTestId('pair').textContent).toContain('Answered in 1 ms');
    fireEvent.click(screen.getByRole('button', { name: 'Go to the answer' }));
    await act(async () => {});
    expect(document.querySelector('tr.selected .c-data')?.textContent).toMatch(/^ACK/);
    expect(screen.getByTestId('pair').textContent).toContain('Answers the request sent 1 ms earlier');
    fireEvent.click(screen.getByRole('button', { name: 'Go to the request' }));
    await act(async () => {});
    expect(document.querySelector('tr.selected .c-data')?.textContent).toMatch(/^EVENT chat/);
    fireEvent.click(screen.getByRole('tab', { name: 'Raw' }));
    await act(async () => {});
    expect(screen.getByTestId('raw-payload').textContent).toBe('421["chat",{"text":"hi"}]');
  });

  it("says what the connection is decoded as, gives its calls' latency, and decodes as the user chooses", async () => {
    let saved: PanelSettings = { ...DEFAULT_SETTINGS };
    render(
      <App
        store={socketIoStore()}
        tabId={1}
        toolVersion="0"
        settings={saved}
        onSettingsChange={(s) => {
          saved = s;
        }}
      />,
    );
    await act(async () => {});
    fireEvent.scroll(screen.getByTestId('events'));
    await act(async () => {});
    const emit = rows().find((r) => r.querySelector('.c-data')?.textContent?.startsWith('EVENT chat'));
    fireEvent.mouseDown(emit as HTMLElement);
    await act(async () => {});
    const bar = () => screen.getByTestId('decoding').textContent ?? '';
    expect(bar()).toContain('Socket.IO, detected');
    expect(screen.getByTestId('latency').textContent).toBe('Calls: 1 answered · median 1 ms · p95 1 ms');
    // The sidebar says the same under the selected connection.
    fireEvent.click(screen.getByRole('button', { name: /socket\.io/ }));
    await act(async () => {});
    expect(document.querySelector('.conn-entry.selected .latency')?.textContent).toBe(
      'calls: 1 answered · median 1 ms · p95 1 ms',
    );

    const select = screen.getByRole('combobox', { name: 'Decode as' }) as HTMLSelectElement;
    expect(select.value).toBe('');
    expect(select.options[0]?.textContent).toBe('Auto (Socket.IO)');
    fireEvent.change(select, { target: { value: 'raw' } });
    await act(async () => {});
    // Remembered for the endpoint (origin and path), and the rows read raw.
    expect(saved.decodeAs).toEqual({ 'ws://app.test/socket.io/': 'raw' });
    expect(rows().some((r) => r.querySelector('.c-data')?.textContent?.startsWith('EVENT chat'))).toBe(false);
    expect(document.querySelector('nav[aria-label="Connections"] .badge.proto')).toBeNull();
    expect(bar()).toContain('Raw, as chosen');
    expect(screen.queryByTestId('latency')).toBeNull();

    fireEvent.change(screen.getByRole('combobox', { name: 'Decode as' }), { target: { value: '' } });
    await act(async () => {});
    expect(saved.decodeAs).toEqual({});
    expect(bar()).toContain('Socket.IO, detected');
  });

  it('remembered choices and decoding turned off apply from the start', async () => {
    render(
      <App
        store={socketIoStore()}
        tabId={1}
        toolVersion="0"
        settings={{ ...DEFAULT_SETTINGS, decodeAs: { 'ws://app.test/live': 'json-rpc' } }}
      />,
    );
    await act(async () => {});
    const badges = () =>
      [...document.querySelectorAll('nav[aria-label="Connections"] .badge.proto')].map((b) => b.textContent);
    expect(badges()).toEqual(['Socket.IO', 'JSON-RPC 2.0']);
    cleanup();
    render(
      <App
        store={socketIoStore()}
        tabId={1}
        toolVersion="0"
        settings={{ ...DEFAULT_SETTINGS, decodeProtocols: false }}
      />,
    );
    await act(async () => {});
    fireEvent.scroll(screen.getByTestId('events'));
    await act(async () => {});
    expect(badges()).toEqual([]);
    const raw = rows().find((r) => r.querySelector('.c-data')?.textContent?.startsWith('421'));
    fireEvent.mouseDown(raw as HTMLElement);
    await act(async () => {});
    expect(screen.queryByTestId('decoding')).toBeNull();
    expect(screen.getByRole('tab', { selected: true }).textContent).not.toBe('Decoded');
  });
});
