// @vitest-environment jsdom
// Export waits for something to export, and an imported view shows no live state.
import { act, cleanup, render, screen } from '@testing-library/preact';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../components/App';
import type { CaptureRecord } from '../../../lib/model';
import { detectPatterns } from '../../../lib/patterns';
import { TimelineStore } from '../../../lib/timeline/store';
import { PROTOCOL_VERSION } from '../../../lib/wire/envelope';
import { Trace } from '../patterns-traces';
import { stubListLayout } from './layout-stub';

let restore: () => void;
beforeAll(() => {
  restore = stubListLayout();
});
afterAll(() => restore());
afterEach(cleanup);

function ingest(store: TimelineStore, records: CaptureRecord[]): void {
  store.ingest({
    v: PROTOCOL_VERSION,
    t: 'panel-records',
    tabId: 1,
    frameId: 0,
    doc: { docId: 'd', url: 'http://app.test/', title: '', top: true, startedAt: 1000 },
    loss: { evicted: 0, dropped: 0, invalid: 0 },
    records,
  });
}

const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('App export', () => {
  it('disables Export while nothing is recorded and enables it when traffic arrives', async () => {
    const store = new TimelineStore();
    const { rerender } = render(<App store={store} tabId={1} toolVersion="0" version={0} />);
    expect(button('Export timeline').disabled).toBe(true);
    expect(button('Export HAR').disabled).toBe(true);
    expect(button('Export timeline').title).toMatch(/^Nothing to export yet/);
    ingest(store, [
      { r: 'conn', seq: 1, time: 1000, id: 1, transport: 'websocket', url: 'ws://app.test/live' },
      { r: 'ev', seq: 2, time: 1001, conn: 1, type: 'open' },
    ]);
    rerender(<App store={store} tabId={1} toolVersion="0" version={1} />);
    await act(async () => {});
    expect(button('Export timeline').disabled).toBe(false);
    expect(button('Export HAR').disabled).toBe(false);
  });
});

describe('App export of channels', () => {
  /** A status poll every second, six times: one polling channel. */
  function pollingStore() {
    const t = new Trace();
    for (let i = 0; i < 6; i++) t.request({ url: '/status', start: 1000 + i * 1000, end: 1020 + i * 1000 });
    return t.store();
  }

  it('exports the channels found since the last redraw, as current as the records', async () => {
    const store = pollingStore();
    const saved: string[] = [];
    // Drawn before the loop was recognised: the patterns prop is still empty.
    render(
      <App
        store={store}
        tabId={1}
        toolVersion="0"
        version={1}
        patterns={[]}
        currentPatterns={() => detectPatterns(store.connections, store.events)}
        saveFile={(_name, content) => saved.push(content)}
      />,
    );
    await act(async () => {});
    button('Export timeline').click();
    const file = JSON.parse(saved[0] ?? '{}') as {
      patterns: Array<{ kind: string; url: string; cycles: number }>;
    };
    expect(file.patterns.map((p) => [p.kind, new URL(p.url).pathname, p.cycles])).toEqual([
      ['polling', '/status', 6],
    ]);
  });

  it('without a detector to ask, exports the channels it was drawn with', async () => {
    const store = pollingStore();
    const saved: string[] = [];
    render(
      <App
        store={store}
        tabId={1}
        toolVersion="0"
        version={1}
        patterns={[]}
        saveFile={(_n, c) => saved.push(c)}
      />,
    );
    await act(async () => {});
    button('Export timeline').click();
    expect((JSON.parse(saved[0] ?? '{}') as { patterns: unknown[] }).patterns).toEqual([]);
  });
});

describe('App, imported view', () => {
  it('shows a socket open at export as pending at export, never with a live word', async () => {
    const source = new TimelineStore();
    ingest(source, [
      { r: 'conn', seq: 1, time: 1000, id: 1, transport: 'websocket', url: 'ws://app.test/live' },
      { r: 'ev', seq: 2, time: 1001, conn: 1, type: 'open' },
    ]);
    const imported = TimelineStore.fromParts({ connections: source.connections, events: source.events });
    const onImport = async () => ({ store: imported, name: 'saved.json' });
    render(<App store={source} tabId={1} toolVersion="0" onImport={onImport} />);
    const sidebar = () => screen.getByRole('navigation', { name: 'Connections' }).textContent ?? '';
    expect(sidebar()).toContain('open');
    const input = screen.getByLabelText('Import file') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [new File(['{}'], 'saved.json')] });
    input.dispatchEvent(new Event('change'));
    await act(async () => {});
    expect(document.body.textContent).toContain('Viewing imported file saved.json');
    expect(sidebar()).toContain('pending at export');
    expect(sidebar()).not.toMatch(/\bopen\b|connecting/);
  });
});
