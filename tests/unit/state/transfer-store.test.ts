import { describe, expect, it } from 'vitest';
import {
  type ExportContext,
  fileStamp,
  harFile,
  livePage,
  TransferStore,
  timelineFile,
} from '../../../components/state/transfer-store';
import type { Pattern } from '../../../lib/patterns';
import { TimelineStore } from '../../../lib/timeline/store';
import { conn, ev, msg } from '../store-fixtures';

function twoConnections(): TimelineStore {
  const store = new TimelineStore();
  store.ingest(msg([conn(1, 1), conn(2, 2), ev(3, 1, 10, 'a'), ev(4, 2, 11, 'b')]));
  return store;
}

function context(store: TimelineStore, patterns: readonly Pattern[] = []): ExportContext {
  return {
    store,
    patterns,
    page: livePage(store),
    toolVersion: '9.9.9',
    userAgent: 'test-agent',
    now: new Date('2026-11-24T12:34:56.789Z'),
  };
}

const pattern = (id: string, keys: string[]): Pattern => ({
  id,
  kind: 'polling',
  method: 'GET',
  url: 'http://x/poll',
  key: `d1 GET http://x/poll ${id}`,
  docId: 'd1',
  httpTransport: 'fetch',
  connectionKeys: keys,
  cycleKeys: keys,
  sendKeys: [],
  cycles: keys.length,
  medianHoldMs: 1,
  medianGapMs: 1000,
  medianIntervalMs: 1001,
  inFlight: 0,
  failures: 0,
  state: 'gap',
  storm: null,
  transport: null,
  upgrade: null,
  firstAt: 0,
  lastAt: 1,
  params: [],
  version: 1,
});

describe('exports', () => {
  it('names files with a UTC stamp to the second', () => {
    expect(fileStamp(new Date('2026-11-24T12:34:56.789Z'))).toBe('2026-11-24T12-34-56');
  });

  it('exports everything with the live page it came from', () => {
    const store = twoConnections();
    const file = timelineFile(context(store), store.events, '');
    expect(file.name).toBe('wirescope-timeline-2026-11-24T12-34-56.json');
    expect(file.type).toBe('application/json');
    const data = JSON.parse(file.content);
    expect(data.format).toBe('wirescope-timeline');
    expect(data.connections).toHaveLength(2);
    expect(data.events).toHaveLength(2);
    expect(data.page.url).toBe('http://app.test/d1');
    expect(data.source).toMatchObject({ toolVersion: '9.9.9', userAgent: 'test-agent' });
  });

  it('exports a filtered view with only its connections and the patterns involving them', () => {
    const store = twoConnections();
    const [a, b] = store.connections;
    if (!a || !b) throw new Error('no connections');
    const shown = store.events.filter((e) => e.connection === b);
    const file = timelineFile(
      context(store, [pattern('p1', [a.key]), pattern('p2', [b.key])]),
      shown,
      '-filtered',
    );
    expect(file.name).toMatch(/^wirescope-timeline-filtered-/);
    const data = JSON.parse(file.content);
    expect(data.connections).toHaveLength(1);
    expect(data.events.map((e: { data?: { text: string } }) => e.data?.text)).toEqual(['b']);
    expect(data.patterns.map((p: { id: string }) => p.id)).toEqual(['p2']);
  });

  it('exports HAR', () => {
    const store = twoConnections();
    const file = harFile(context(store));
    expect(file.name).toBe('wirescope-2026-11-24T12-34-56.har');
    expect(JSON.parse(file.content).log.version).toBe('1.2');
  });
});

describe('TransferStore', () => {
  const file = new File(['{}'], 'x.json');

  it('shows an imported file and detects its patterns when it has none', async () => {
    const t = new TransferStore();
    const store = twoConnections();
    expect(await t.importFile(file, async () => ({ store, name: 'x.json' }))).toBe(true);
    expect(t.imported.value?.store).toBe(store);
    expect(t.importedPatterns.value).toEqual([]);
    t.leave();
    expect(t.imported.value).toBeNull();
  });

  it('keeps the patterns a file brought', async () => {
    const t = new TransferStore();
    const patterns = [pattern('p1', ['k'])];
    await t.importFile(file, async () => ({ store: twoConnections(), name: 'x.json', patterns }));
    expect(t.importedPatterns.value).toBe(patterns);
  });

  it('says why an import failed, keeps what was shown, and forgets the error on success', async () => {
    const t = new TransferStore();
    const ok = { store: twoConnections(), name: 'ok.json' };
    await t.importFile(file, async () => ok);
    expect(
      await t.importFile(file, async () => {
        throw new Error('not a Wirescope timeline');
      }),
    ).toBe(false);
    expect(t.error.value).toBe('Could not import x.json: not a Wirescope timeline');
    expect(t.imported.value).toBe(ok);
    await t.importFile(file, async () => ok);
    expect(t.error.value).toBeNull();
    t.error.value = 'x';
    t.dismissError();
    expect(t.error.value).toBeNull();
  });
});
