// @vitest-environment jsdom
// One row per HTTP exchange in the panel: its steps expand under it (click or
// → / ←), or show as rows of their own with the setting from the header's
// context menu, which also shows and hides columns (remembered).
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../components/App';
import { type PanelSettings, sanitizeSettings } from '../../../components/settings';
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

function trafficStore(): TimelineStore {
  const store = new TimelineStore();
  const records: CaptureRecord[] = [
    { r: 'conn', seq: 1, time: 1000, id: 1, transport: 'websocket', url: 'ws://app.test/live' },
    { r: 'ev', seq: 2, time: 1001, conn: 1, type: 'receive', data: { text: '{"tick":1}' }, size: 10 },
    {
      r: 'conn',
      seq: 3,
      time: 1002,
      id: 2,
      transport: 'fetch',
      url: 'http://app.test/api/save',
      method: 'POST',
    },
    { r: 'ev', seq: 4, time: 1003, conn: 2, type: 'open' },
    { r: 'ev', seq: 5, time: 1004, conn: 2, type: 'send', data: { text: '{"name":"x"}' }, size: 12 },
    {
      r: 'ev',
      seq: 6,
      time: 1090,
      conn: 2,
      type: 'receive',
      status: 201,
      headersAt: 1080,
      responseHeaders: [['content-type', 'application/json']],
      data: { text: '{"id":7}' },
      size: 8,
    },
    { r: 'ev', seq: 7, time: 1091, conn: 2, type: 'close', status: 201 },
    { r: 'ev', seq: 8, time: 1100, conn: 1, type: 'send', data: { text: '{"ack":1}' }, size: 9 },
  ];
  store.ingest(msg(records, 'd'));
  return store;
}

const rows = () => [...document.querySelectorAll<HTMLElement>('[data-testid="events"] tbody tr')];
const cell = (row: HTMLElement | undefined, c: string) => row?.querySelector(`.c-${c}`)?.textContent ?? null;
const headers = () => [...document.querySelectorAll('.event-head th')].map((th) => th.textContent);

async function renderPanel(settings?: PanelSettings, saved: PanelSettings[] = []) {
  const r = render(
    <App
      store={trafficStore()}
      tabId={1}
      toolVersion="0"
      settings={settings}
      onSettingsChange={(s) => saved.push(s)}
    />,
  );
  await act(async () => {});
  fireEvent.scroll(screen.getByTestId('events'));
  await act(async () => {});
  return r;
}

describe('exchange rows', () => {
  it('shows an exchange as one row between the socket messages, with what the Network panel shows', async () => {
    await renderPanel();
    expect(rows().map((r) => r.dataset.type)).toEqual(['receive', 'exchange', 'send']);
    const x = rows()[1];
    expect(cell(x, 'name')).toContain('#2 /api/save');
    expect(cell(x, 'method')).toBe('POST');
    expect(cell(x, 'status')).toBe('201');
    expect(cell(x, 'size')).toBe('8 B');
    expect(cell(x, 'data')).toBe('{"id":7}');
    expect(x?.querySelector('.wf')?.getAttribute('title')).toBe(
      'Waited 78 ms for the response, then 11 ms receiving',
    );
    expect(cell(rows()[2], 'method')).toBe('↑ send');
  });

  it('expands an exchange into its steps and folds it again, by click and by keyboard', async () => {
    await renderPanel();
    fireEvent.click(screen.getByRole('button', { name: 'Show steps' }));
    await act(async () => {});
    expect(rows().map((r) => cell(r, 'method'))).toEqual([
      '↓ receive',
      'POST',
      '● start',
      '↑ request body',
      '↓ response',
      '■ end',
      '↑ send',
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Hide steps' }));
    await act(async () => {});
    expect(rows()).toHaveLength(3);

    // Keyboard: select the exchange, → expands, ↓ goes to its first step, ← back to the exchange, ← folds.
    fireEvent.mouseDown(rows()[1] as HTMLElement);
    await act(async () => {});
    fireEvent.keyDown(document, { key: 'ArrowRight' });
    await act(async () => {});
    expect(rows()).toHaveLength(7);
    fireEvent.keyDown(document, { key: 'ArrowDown' });
    await act(async () => {});
    expect(cell(document.querySelector<HTMLElement>('tr.selected') ?? undefined, 'method')).toBe('● start');
    fireEvent.keyDown(document, { key: 'ArrowLeft' });
    await act(async () => {});
    expect(document.querySelector<HTMLElement>('tr.selected')?.dataset.type).toBe('exchange');
    fireEvent.keyDown(document, { key: 'ArrowLeft' });
    await act(async () => {});
    expect(rows()).toHaveLength(3);
  });

  it('opens a selected exchange on its response, with its request a tab away', async () => {
    await renderPanel();
    fireEvent.mouseDown(rows()[1] as HTMLElement);
    await act(async () => {});
    const tabs = screen.getAllByRole('tab').map((t) => t.textContent);
    expect(tabs).toEqual(['Response', 'Raw', 'Hex', 'Request', 'Headers & timing']);
    expect(screen.getByTestId('detail').textContent).toContain('id');
    fireEvent.click(screen.getByRole('tab', { name: 'Request' }));
    await act(async () => {});
    expect(screen.getByTestId('detail').textContent).toContain('name');
  });

  it('shows HTTP steps as rows, and hides columns, from the header’s context menu (remembered)', async () => {
    const saved: PanelSettings[] = [];
    const first = await renderPanel(undefined, saved);
    expect(headers()).toContain('Status');
    fireEvent.contextMenu(document.querySelector('.event-head') as HTMLElement, { clientX: 50, clientY: 20 });
    await act(async () => {});
    const menu = screen.getByRole('menu', { name: 'Columns' });
    expect(menu).toBeTruthy();
    fireEvent.click(screen.getByRole('menuitemcheckbox', { name: /Status/ }));
    await act(async () => {});
    expect(headers()).not.toContain('Status');
    fireEvent.click(screen.getByRole('menuitemcheckbox', { name: /HTTP steps as rows/ }));
    await act(async () => {});
    expect(rows()).toHaveLength(6);
    expect(rows().some((r) => r.dataset.type === 'exchange')).toBe(false);
    // Esc closes the menu.
    fireEvent.keyDown(document, { key: 'Escape' });
    await act(async () => {});
    expect(screen.queryByRole('menu', { name: 'Columns' })).toBeNull();

    const last = saved[saved.length - 1];
    expect(last?.hiddenColumns).toContain('status');
    expect(last?.httpStepsAsRows).toBe(true);
    first.unmount();
    await renderPanel(sanitizeSettings(JSON.parse(JSON.stringify(last))));
    expect(headers()).not.toContain('Status');
    expect(rows()).toHaveLength(6);
  });

  it('reads back hostile column settings as the defaults', () => {
    expect(sanitizeSettings({ hiddenColumns: 'status', httpStepsAsRows: 1 }).hiddenColumns).toEqual([
      'since',
    ]);
    expect(sanitizeSettings({ hiddenColumns: ['name', 'data', 'nope', 'size'] }).hiddenColumns).toEqual([
      'size',
    ]);
    expect(sanitizeSettings({ httpStepsAsRows: 'yes' }).httpStepsAsRows).toBe(false);
  });
});
