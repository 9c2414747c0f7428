// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../components/App';
import { type PanelSettings, sanitizeSettings } from '../../../components/settings';
import { bytesToBase64 } from '../../../lib/base64';
import type { CaptureRecord, EventRecord } from '../../../lib/model';
import { TimelineStore } from '../../../lib/timeline/store';
import { PROTOCOL_VERSION } from '../../../lib/wire/envelope';
import { stubListLayout } from './layout-stub';

let restore: () => void;
beforeAll(() => {
  restore = stubListLayout();
});
afterAll(() => restore());
afterEach(cleanup);

type Ev = Omit<EventRecord, 'r' | 'seq' | 'time'> & { time?: number };

function storeWith(events: Ev[], extraConns: CaptureRecord[] = []): TimelineStore {
  const store = new TimelineStore();
  let seq = 0;
  const records: CaptureRecord[] = [
    { r: 'conn', seq: ++seq, time: 1000, id: 1, transport: 'websocket', url: 'ws://app.test/live' },
    { r: 'conn', seq: ++seq, time: 1001, id: 2, transport: 'xhr', url: 'http://app.test/api', method: 'GET' },
    ...extraConns.map((c) => ({ ...c, seq: ++seq })),
  ];
  events.forEach((e, i) => {
    records.push({ r: 'ev', seq: ++seq, time: e.time ?? 1002 + i, ...e });
  });
  store.ingest({
    v: PROTOCOL_VERSION,
    t: 'panel-records',
    tabId: 1,
    frameId: 0,
    doc: { docId: 'd', url: 'http://app.test/', title: '', top: true, startedAt: 1000 },
    loss: { evicted: 0, dropped: 2, invalid: 1 },
    records,
  });
  return store;
}

const text = (t: string) => ({ data: { text: t }, size: t.length });
const rowTexts = () =>
  [...document.querySelectorAll('[data-testid="events"] tbody tr')].map((r) => r.textContent ?? '');

async function renderApp(store: TimelineStore) {
  const r = render(<App store={store} tabId={1} toolVersion="0.0.0" />);
  await act(async () => {});
  fireEvent.scroll(screen.getByTestId('events'));
  await act(async () => {});
  return r;
}

describe('App', () => {
  it('filters by typed query and shows a bad regex as an inline error', async () => {
    const store = storeWith([
      { conn: 1, type: 'send', ...text('{"op":"ping"}') },
      { conn: 1, type: 'receive', ...text('{"op":"pong"}') },
      { conn: 2, type: 'receive', ...text('ok'), status: 200 },
    ]);
    await renderApp(store);
    expect(rowTexts()).toHaveLength(3);
    const box = screen.getByRole('searchbox', { name: 'Filter events' });
    fireEvent.input(box, { target: { value: 'transport:ws dir:out' } });
    await act(async () => {});
    expect(rowTexts()).toHaveLength(1);
    expect(rowTexts()[0]).toContain('ping');
    fireEvent.input(box, { target: { value: '/po(ng/' } });
    await act(async () => {});
    expect(screen.getByRole('alert').textContent).toMatch(/invalid regular expression/);
    expect(box.getAttribute('aria-invalid')).toBe('true');
    // The invalid clause is ignored; the list stays usable.
    expect(rowTexts()).toHaveLength(3);
    // Loss reported by the relay (2 dropped + 1 invalid) is shown, never silent.
    expect(screen.getByTestId('summary').textContent).toContain('3 events lost');
    expect(screen.getByTestId('summary').textContent).not.toContain('rejected');
  });

  it('counts events whose connection never arrived, and names the fields cut to fit', async () => {
    const store = storeWith(
      [
        { conn: 3, type: 'open', truncatedFields: ['protocol'], protocol: 'p' },
        { conn: 9, type: 'receive', ...text('of a connection that never came') },
        { conn: 9, type: 'close' },
      ],
      [
        {
          r: 'conn',
          seq: 0,
          time: 1001,
          id: 3,
          transport: 'fetch',
          url: 'http://app.test/x',
          truncatedFields: ['url'],
        },
      ],
    );
    await renderApp(store);
    // 2 dropped + 1 invalid from the relay, and the 2 events of connection 9.
    expect(screen.getByTestId('summary').textContent).toContain('5 events lost');
    expect(screen.getByTestId('summary').textContent).toContain('1 events');
    fireEvent.mouseDown(document.querySelector('[data-testid="events"] tbody tr') as HTMLElement);
    await act(async () => {});
    expect(screen.getByTestId('detail').textContent).toContain('Cut to fitprotocol');
    expect(screen.getByTestId('detail').textContent).toContain('Connection cut to fiturl');
  });

  it('counts malformed messages the panel rejected, and a cleared log starts the count again', async () => {
    const store = storeWith([{ conn: 1, type: 'receive', ...text('a') }]);
    store.rejectMessage();
    const { rerender } = await renderApp(store);
    expect(screen.getByTestId('summary').textContent).toContain('1 malformed message rejected');
    store.rejectMessage();
    rerender(<App store={store} version={1} tabId={1} toolVersion="0.0.0" />);
    await act(async () => {});
    expect(screen.getByTestId('summary').textContent).toContain('2 malformed messages rejected');
    store.clear();
    rerender(<App store={store} version={2} tabId={1} toolVersion="0.0.0" />);
    await act(async () => {});
    expect(screen.getByTestId('summary').textContent).not.toContain('rejected');
  });

  it('transport toggles and connection selection filter the list', async () => {
    const store = storeWith([
      { conn: 1, type: 'receive', ...text('a') },
      { conn: 2, type: 'receive', ...text('b'), status: 200 },
    ]);
    await renderApp(store);
    // Ctrl-click takes WebSocket out; a plain click shows it alone; "All" brings everything back.
    fireEvent.click(screen.getByRole('button', { name: 'Show WebSocket' }), { ctrlKey: true });
    await act(async () => {});
    expect(rowTexts()).toHaveLength(1);
    expect(rowTexts()[0]).toContain('XHR');
    fireEvent.click(screen.getByRole('button', { name: 'Show WebSocket' }));
    await act(async () => {});
    expect(rowTexts()).toEqual([expect.stringContaining('WS')]);
    fireEvent.click(screen.getByRole('button', { name: 'Show all transports' }));
    await act(async () => {});
    expect(rowTexts()).toHaveLength(2);
    fireEvent.click(screen.getByRole('button', { name: /#1 \/live/ }));
    await act(async () => {});
    expect(rowTexts()).toEqual([expect.stringContaining('WS')]);
    expect(screen.getByTestId('summary').textContent).toContain('1 of 2 events');
  });

  it('keyboard: Ctrl+F focuses the filter, arrows select, Esc closes the detail', async () => {
    const store = storeWith([
      { conn: 1, type: 'receive', ...text('first') },
      { conn: 1, type: 'receive', ...text('second') },
    ]);
    await renderApp(store);
    fireEvent.keyDown(document.body, { key: 'f', ctrlKey: true });
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Filter events' }));
    (document.activeElement as HTMLElement).blur();
    fireEvent.keyDown(document.body, { key: 'ArrowDown' });
    await act(async () => {});
    expect(screen.getByTestId('detail').textContent).toContain('first');
    fireEvent.keyDown(document.body, { key: 'ArrowDown' });
    await act(async () => {});
    expect(screen.getByTestId('detail').textContent).toContain('second');
    fireEvent.keyDown(document.body, { key: 'Escape' });
    await act(async () => {});
    expect(screen.queryByTestId('detail')).toBeNull();
    fireEvent.keyDown(document.body, { key: 'Enter' });
    await act(async () => {});
    expect(screen.getByTestId('detail').textContent).toContain('second');
  });

  it('detail pane: XSS payload inert, 10,000-deep JSON and a 50 MB frame do not hang', async () => {
    const xss = '{"html":"<img src=x onerror=\\"window.__pwned=1\\">"}';
    const deep = `${'['.repeat(10_000)}0${']'.repeat(10_000)}`;
    const huge = `{"blob":"${'x'.repeat(50 * 1024 * 1024)}"}`;
    const store = storeWith([
      { conn: 1, type: 'receive', ...text(xss) },
      { conn: 1, type: 'receive', ...text(deep) },
      { conn: 1, type: 'receive', ...text(huge) },
    ]);
    await renderApp(store);
    const select = async (i: number) => {
      const row = document.querySelectorAll('[data-testid="events"] tbody tr')[i] as HTMLElement;
      fireEvent.mouseDown(row);
      await act(async () => {});
    };
    await select(0);
    expect(document.querySelector('img')).toBeNull();
    expect(screen.getByTestId('detail').textContent).toContain('<img src=x onerror=');
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
    await select(1);
    expect(screen.getByRole('button', { name: 'Collapse root' })).toBeTruthy();
    await select(2);
    // The 50 MB frame: its full size is stated, it is not parsed, and only a
    // bounded slice of it (its beginning, 256 Ki characters, then steps up to
    // 4 Mi on request) is ever put in the DOM, with a note that it is cut.
    const page = 256 * 1024;
    const most = 4 * 1024 * 1024;
    const n = (x: number) => x.toLocaleString();
    const detail = () => screen.getByTestId('detail').textContent ?? '';
    const raw = () => screen.getByTestId('raw-payload').textContent ?? '';
    expect(detail()).toContain('Size50.0 MB');
    expect(detail()).toMatch(/payload larger than 4 MB is not parsed as JSON; see Raw/);
    expect(raw()).toBe(huge.slice(0, page));
    const more = screen.getByRole('button', { name: /show more/ });
    expect(more.textContent).toBe(`Showing ${n(page)} of ${n(huge.length)} characters: show more`);
    // Everything the panel shows (list row included) stays near one slice, not 50 MB.
    expect(document.body.textContent?.length).toBeLessThan(page + 16 * 1024);
    fireEvent.click(more);
    await act(async () => {});
    expect(raw()).toBe(huge.slice(0, 4 * page));
    fireEvent.click(screen.getByRole('button', { name: /show more/ }));
    await act(async () => {});
    expect(raw()).toBe(huge.slice(0, most));
    // At the ceiling there is no further step, only the way to get the rest.
    expect(screen.queryByRole('button', { name: /show more/ })).toBeNull();
    expect(detail()).toContain(
      `Showing the first ${n(most)} of ${n(huge.length)} characters; use Copy payload for all of it.`,
    );
    expect(screen.getByRole('button', { name: 'Copy payload' })).toBeTruthy();
    expect(document.body.textContent?.length).toBeLessThan(most + 16 * 1024);
  });

  it('HTTP detail shows status, headers and timings', async () => {
    const store = storeWith([
      { conn: 2, type: 'open' },
      {
        conn: 2,
        type: 'receive',
        ...text('{"a":1}'),
        status: 404,
        statusText: 'Not Found',
        responseHeaders: [['content-type', 'application/json']],
        headersAt: 1500,
        time: 1600,
      },
      { conn: 2, type: 'close', status: 404, time: 1601 },
    ]);
    await renderApp(store);
    // One row for the exchange (open, response, close): the Network panel's way.
    const rows = document.querySelectorAll('[data-testid="events"] tbody tr');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.querySelector('.c-status')?.textContent).toBe('404');
    fireEvent.mouseDown(rows[0] as HTMLElement);
    await act(async () => {});
    fireEvent.click(screen.getByRole('tab', { name: 'Headers & timing' }));
    const detail = screen.getByTestId('detail').textContent ?? '';
    expect(detail).toContain('404 Not Found');
    expect(detail).toContain('content-type');
    expect(detail).toContain('Response after599 ms');
  });

  it('says what to do when there is no traffic', async () => {
    render(<App store={new TimelineStore()} tabId={1} toolVersion="0" onReloadPage={() => {}} />);
    expect(screen.getByTestId('empty').textContent).toMatch(/reload the page/i);
    expect(screen.getByTestId('empty').textContent).toMatch(/Workers/);
    expect(screen.getByRole('button', { name: 'Reload page' })).toBeTruthy();
  });

  it('shows an import failure and why', async () => {
    const onImport = async () => {
      throw new Error('not a Wirescope timeline or HAR (missing "format")');
    };
    render(<App store={new TimelineStore()} tabId={1} toolVersion="0" onImport={onImport} />);
    const input = screen.getByLabelText('Import file') as HTMLInputElement;
    const file = new File(['{}'], 'broken.json', { type: 'application/json' });
    Object.defineProperty(input, 'files', { value: [file] });
    fireEvent.change(input);
    await act(async () => {});
    expect(screen.getByRole('alert').textContent).toContain(
      'Could not import broken.json: not a Wirescope timeline',
    );
  });
});

describe('detail tab memory', () => {
  const bin = (bytes: number[]) => ({
    data: { base64: bytesToBase64(Uint8Array.from(bytes)) },
    size: bytes.length,
  });
  // Rows: 0 text message, 1 binary message, 2 HTTP response, 3 another text, 4 another binary.
  const mixed = () =>
    storeWith([
      { conn: 1, type: 'receive', ...text('{"op":"a"}') },
      { conn: 1, type: 'receive', ...bin([0x48, 0x69, 0x00, 0xff]) },
      { conn: 2, type: 'receive', ...text('{"ok":true}'), status: 200 },
      { conn: 1, type: 'send', ...text('{"op":"b"}') },
      { conn: 1, type: 'send', ...bin([0x01, 0x02]) },
    ]);
  const select = async (i: number) => {
    fireEvent.mouseDown(document.querySelectorAll('[data-testid="events"] tbody tr')[i] as HTMLElement);
    await act(async () => {});
  };
  const choose = async (name: string) => {
    fireEvent.click(screen.getByRole('tab', { name }));
    await act(async () => {});
  };
  const openTab = () => screen.getByRole('tab', { selected: true }).textContent;

  async function renderWith(settings: PanelSettings | undefined, saved: PanelSettings[]) {
    const r = render(
      <App
        store={mixed()}
        tabId={1}
        toolVersion="0.0.0"
        settings={settings}
        onSettingsChange={(s) => saved.push(s)}
      />,
    );
    await act(async () => {});
    fireEvent.scroll(screen.getByTestId('events'));
    await act(async () => {});
    return r;
  }

  it('opens each kind of event on the tab last used for that kind, also after a reload', async () => {
    const saved: PanelSettings[] = [];
    const first = await renderWith(undefined, saved);
    // Defaults: a text message opens as Payload, a binary one as Hex.
    await select(0);
    expect(openTab()).toBe('Payload');
    await select(1);
    expect(openTab()).toBe('Hex');
    expect(screen.getByTestId('hex-dump').textContent).toContain('48 69 00 ff');

    await select(0);
    await choose('Raw');
    // Raw for text does not change what a binary message opens on.
    await select(1);
    expect(openTab()).toBe('Hex');
    await choose('Raw');
    expect(screen.getByTestId('raw-payload').textContent).toBe(
      bytesToBase64(Uint8Array.from([0x48, 0x69, 0x00, 0xff])),
    );
    await select(4);
    expect(openTab()).toBe('Raw');
    await choose('Hex');
    await select(1);
    expect(openTab()).toBe('Hex');
    await select(3);
    expect(openTab()).toBe('Raw');
    // HTTP exchanges keep their own choice, apart from text messages.
    await select(2);
    expect(openTab()).toBe('Response');
    await choose('Headers & timing');
    await select(0);
    expect(openTab()).toBe('Raw');
    await select(2);
    expect(openTab()).toBe('Headers & timing');

    // Saved through the settings, and read back (sanitised) by a new panel.
    const last = saved[saved.length - 1];
    expect(last?.detailTabs).toEqual({ text: 'raw', binary: 'hex', http: 'http', decoded: 'decoded' });
    first.unmount();
    await renderWith(sanitizeSettings(JSON.parse(JSON.stringify(last))), []);
    await select(3);
    expect(openTab()).toBe('Raw');
    await select(4);
    expect(openTab()).toBe('Hex');
    await select(2);
    expect(openTab()).toBe('Headers & timing');
  });

  it('opens a binary message on Raw after a reload when Raw was last used for binary', async () => {
    await renderWith(sanitizeSettings({ detailTabs: { text: 'hex', binary: 'raw', http: 'raw' } }), []);
    await select(1);
    expect(openTab()).toBe('Raw');
    await select(0);
    expect(openTab()).toBe('Hex');
    await select(2);
    expect(openTab()).toBe('Raw');
  });
});
