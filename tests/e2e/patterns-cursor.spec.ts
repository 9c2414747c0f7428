// Long-polls that carry a cursor, end to end: real loops in Chromium and in
// Firefox against loopback servers that advance the cursor only when there is
// news (an inbox `?since=N`, Matrix `/sync?since=<next_batch>`, CouchDB
// `_changes?feed=longpoll&since=<last_seq>`), and paging / search / scrolling
// whose parameters move too but are no loop. Checked in the panel's
// connections list and in its "Export timeline"; afterAll prints precision and
// recall over these pages. Each test keeps its export as timeline.json in its
// output directory: the traces of tests/unit/patterns-recorded.test.ts come
// from there.

import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { ExportedPattern } from '../../lib/export/timeline';
import type { TimelineExport } from './support/capture';
import { type EngineBrowser, type EngineCapture, type PanelView, pollUntil } from './support/engine';
import { launchEngine } from './support/engines';
import { type PatternServer, startPatternServer } from './support/pattern-servers';
import { expect, test } from './support/test';
import { retryTimedTests } from './support/timing-retries';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SHOTS = resolve(ROOT, 'test-results', 'patterns-cursor');

retryTimedTests();

let server: PatternServer;
let browser: EngineBrowser;

const scores: Array<{ page: string; expected: number; detected: number; matched: number }> = [];

function pathOf(url: string): string {
  return new URL(url).pathname;
}

interface Cursor {
  name: string;
  values: number;
  last: string;
}

function cursorOf(p: ExportedPattern): Cursor | undefined {
  return (p as ExportedPattern & { cursor?: Cursor }).cursor;
}

/**
 * Exports until `until` holds, keeping the export as timeline.json in the test's
 * output (the last one, when it never holds): traces to replay in a unit test.
 */
async function timelineWhen(
  s: EngineCapture,
  until: (t: TimelineExport) => boolean,
): Promise<TimelineExport> {
  const keep = (t: TimelineExport) =>
    writeFileSync(test.info().outputPath('timeline.json'), JSON.stringify(t, null, 1));
  try {
    const t = await s.waitForTimeline(until);
    keep(t);
    return t;
  } catch (err) {
    keep(await s.exportTimeline());
    throw err;
  }
}

/** Ids of the exported connections to `path`. */
function requestsTo(t: TimelineExport, path: string): string[] {
  return t.connections.filter((c) => pathOf(c.url) === path).map((c) => c.id);
}

/**
 * Loads the page in the test tab with the panel attached to it. In Firefox
 * the page is brought to front first (the panel's tab, opened later, would be
 * in front): Firefox runs a hidden tab's timers on whole seconds, which no
 * user's page in use sees. Chromium, as launched for the tests, does not slow
 * hidden pages.
 */
async function capture(path: string): Promise<EngineCapture> {
  if (browser.engine === 'firefox') await browser.page.bringToFront();
  return browser.openCapture(`${server.origin}${path}`);
}

async function pageFinished(s: EngineCapture, timeout = 30_000): Promise<void> {
  await s.page.waitForFunction(
    () => (window as unknown as { finished?: boolean }).finished === true,
    undefined,
    {
      timeout,
    },
  );
}

/** An entry of the panel's connections list. */
interface ListEntry {
  channel: boolean;
  text: string;
  /** Its state line ("3 requests, 1 pending" for other requests). */
  state: string;
  /** Its cursor line, when it shows one. */
  cursor: string | null;
}

/**
 * The entries of the panel's connections list (not "All connections") once
 * `until` holds for them, or as they are after 10 s. The panel is brought to
 * front first: a hidden panel records without drawing.
 */
async function listEntries(panel: PanelView, until: (entries: ListEntry[]) => boolean): Promise<ListEntry[]> {
  await panel.bringToFront();
  let entries: ListEntry[] = [];
  await pollUntil(async () => {
    entries = await panel.evaluate(() =>
      [...document.querySelectorAll('nav[aria-label="Connections"] .conn-entry[data-entry]')].map((e) => ({
        channel: e.classList.contains('k-channel'),
        text: e.textContent ?? '',
        state: e.querySelector('.state')?.textContent ?? '',
        cursor: e.querySelector('.cursor')?.textContent ?? null,
      })),
    );
    return until(entries);
  }, 'the connections list').catch(() => {});
  return entries;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };
const json = (res: ServerResponse, body: unknown) =>
  void res.writeHead(200, JSON_HEADERS).end(JSON.stringify(body));

/** The loops below make this many requests; the cursor advances on every second answer. */
const INBOX_CYCLES = 10;
const SYNC_CYCLES = 9;
const CHANGES_CYCLES = 8;
/** How long a server holds a poll when it has no news (an inbox lets go sooner). */
const NO_NEWS_HOLD_MS = 1000;
const INBOX_HOLD_MS = 400;
const NEWS_AFTER_MS = 300;

/** A loop of `cycles` requests; `next(answer)` gives the next URL from the previous answer. */
function loopPage(title: string, cycles: number, first: string, next: string): string {
  return `<!doctype html><title>${title}</title>
<script>
(async () => {
  let url = '${first}';
  for (let i = 0; i < ${cycles}; i++) {
    const res = await fetch(url, { cache: 'no-store' });
    const answer = res.status === 204 ? null : await res.json();
    url = (${next})(answer, url);
  }
  window.finished = true;
})();
</script>`;
}

const INBOX_PAGE = loopPage(
  'inbox',
  INBOX_CYCLES,
  '/api/inbox?since=0',
  `(answer, url) => answer ? '/api/inbox?since=' + answer.next : url`,
);
const SYNC_PAGE = loopPage(
  'matrix sync',
  SYNC_CYCLES,
  '/_matrix/client/v3/sync?timeout=1000',
  `(answer) => '/_matrix/client/v3/sync?since=' + encodeURIComponent(answer.next_batch) + '&timeout=1000'`,
);
const CHANGES_PAGE = loopPage(
  'couchdb changes',
  CHANGES_CYCLES,
  '/db/_changes?feed=longpoll&since=0',
  `(answer) => '/db/_changes?feed=longpoll&since=' + encodeURIComponent(answer.last_seq)`,
);

/** Paging, search as you type and infinite scroll: moving parameters, no loop. */
const NEAR_MISS_PAGE = `<!doctype html><title>paging, search, scrolling</title>
<script>
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const get = (url) => fetch(url, { cache: 'no-store' }).then((r) => r.json());
(async () => {
  // A list read page by page at once, each answer naming the next page.
  for (let page = 1; page; ) page = (await get('/api/list?page=' + page)).next_page;
  // The same list by offset.
  for (const offset of [0, 20, 40, 60]) await get('/api/list?offset=' + offset);
  // Search as you type.
  for (const [q, wait] of [['w', 0], ['wi', 180], ['wir', 240], ['wire', 150], ['wires', 310]]) {
    await pause(wait);
    get('/api/search?q=' + q);
  }
  // Infinite scroll at reading pace.
  for (const [page, wait] of [[1, 300], [2, 1900], [3, 1200], [4, 2600], [5, 800]]) {
    await pause(wait);
    await get('/api/scroll?page=' + page);
  }
  window.finished = true;
})();
</script>`;
const NEAR_MISS_REQUESTS = 6 + 4 + 5 + 5;

const matrixToken = (n: number) => `s${72594 + n}_${4483 + 3 * n}_${1934 + (n % 7)}`;
const couchSeq = (n: number) => `${n}-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L8${n}`;

test.beforeAll(async ({ engine }) => {
  server = await startPatternServer();
  browser = await launchEngine(engine);
  // Firefox's panel tab is opened once and reloaded for each page: opened now, before the
  // first page loads, so that every page loads and runs in front (see capture()).
  if (engine === 'firefox') await browser.openPanel();

  // Every second poll has news: that answer moves the cursor, the others do not.
  const hasNews = (path: string) => server.hits(path) % 2 === 0;

  server.page('/inbox', INBOX_PAGE);
  server.route('/api/inbox', async (_req, res, url) => {
    const since = Number(url.searchParams.get('since'));
    if (!hasNews('/api/inbox')) {
      if (await server.hold(res, INBOX_HOLD_MS)) res.writeHead(204, { 'cache-control': 'no-store' }).end();
      return;
    }
    if (await server.hold(res, NEWS_AFTER_MS))
      json(res, { messages: [{ id: since + 1, text: `message ${since + 1}` }], next: since + 1 });
  });

  let batch = 0;
  server.page('/matrix', SYNC_PAGE);
  server.route('/_matrix/client/v3/sync', async (_req, res, url) => {
    const first = !url.searchParams.has('since');
    const news = first || hasNews('/_matrix/client/v3/sync');
    if (!(await server.hold(res, news ? NEWS_AFTER_MS : NO_NEWS_HOLD_MS))) return;
    if (news) batch++;
    json(res, {
      next_batch: matrixToken(batch),
      rooms: news
        ? { join: { '!room:localhost': { timeline: { events: [{ type: 'm.room.message' }] } } } }
        : {},
    });
  });

  let seq = 0;
  server.page('/couchdb', CHANGES_PAGE);
  server.route('/db/_changes', async (_req, res) => {
    const news = hasNews('/db/_changes');
    if (!(await server.hold(res, news ? NEWS_AFTER_MS : NO_NEWS_HOLD_MS))) return;
    if (news || seq === 0) seq++;
    json(res, {
      results: news ? [{ seq: couchSeq(seq), id: `doc${seq}`, changes: [{ rev: `1-${seq}` }] }] : [],
      last_seq: couchSeq(seq),
    });
  });

  server.page('/near-misses', NEAR_MISS_PAGE);
  server.route('/api/list', (_req, res, url) => {
    const page = Number(url.searchParams.get('page') ?? 0);
    json(res, {
      items: [{ id: page * 20 + 1 }, { id: page * 20 + 2 }],
      next_page: page && page < 6 ? page + 1 : null,
    });
  });
  server.route('/api/search', (_req, res, url) => {
    const q = url.searchParams.get('q') ?? '';
    json(res, { q, results: [`${q}s`, 'wires', 'wirescope'] });
  });
  server.route('/api/scroll', (_req, res, url) => {
    const page = Number(url.searchParams.get('page'));
    json(res, { posts: [{ id: page * 10 }], page, next_page: page + 1 });
  });
  await mkdir(SHOTS, { recursive: true });
});

test.afterEach(async () => {
  // Leave the test page, ending its loops (the next capture reloads the panel).
  await browser?.page.goto('about:blank').catch(() => {});
});

test.afterAll(async () => {
  const engine = browser?.engine;
  await browser?.close();
  await server?.close();
  const expected = scores.reduce((n, s) => n + s.expected, 0);
  const detected = scores.reduce((n, s) => n + s.detected, 0);
  const matched = scores.reduce((n, s) => n + s.matched, 0);
  const precision = detected === 0 ? 1 : matched / detected;
  const recall = expected === 0 ? 1 : matched / expected;
  console.log(
    `cursor e2e corpus (${engine}): ${scores.length} pages, ${expected} expected channels, ${detected} detected, ${matched} matched; ` +
      `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}\n` +
      scores
        .map(
          (s) => `  ${s.page.padEnd(14)} expected ${s.expected} detected ${s.detected} matched ${s.matched}`,
        )
        .join('\n'),
  );
});

/**
 * The loop on `path` is one long-poll channel holding every request to it,
 * with its cursor in the export and in the connections list.
 */
async function expectOneCursorChannel(
  s: EngineCapture,
  page: string,
  path: string,
  cycles: number,
  cursor: { name: string; values: number; last: string },
): Promise<void> {
  await pageFinished(s);
  const t = await timelineWhen(
    s,
    (x) => requestsTo(x, path).length === cycles && x.patterns.some((p) => p.cycles === cycles),
  );
  const onPath = t.patterns.filter((p) => pathOf(p.url) === path);
  const matched = onPath.filter((p) => p.kind === 'long-poll' && p.cycles === cycles).length;
  scores.push({ page, expected: 1, detected: t.patterns.length, matched: Math.min(1, matched) });

  expect(t.patterns, 'one channel for the whole loop').toHaveLength(1);
  const [p] = t.patterns as [ExportedPattern];
  expect(p.kind).toBe('long-poll');
  expect([...p.connectionIds].sort()).toEqual(requestsTo(t, path).sort());
  expect(p.cycles).toBeGreaterThanOrEqual(8);
  expect(cursorOf(p)).toEqual(cursor);
  expect((p as ExportedPattern & { droppedParams?: unknown }).droppedParams).toEqual(
    expect.arrayContaining([
      {
        name: cursor.name,
        reason: expect.stringMatching(
          /^dropped: cursor — its value (comes from the previous response|only moves forward)/,
        ),
      },
    ]),
  );

  const shown = cursor.last.length > 14 ? `${cursor.last.slice(0, 13)}…` : cursor.last;
  const expected = { cycles: `${cycles} cycles`, cursor: `cursor ${cursor.name} → ${shown}` };
  const shownAsExpected = (e: ListEntry | undefined) =>
    e?.text.includes(expected.cycles) === true && e.cursor === expected.cursor;
  const channels = (
    await listEntries(s.panel, (list) => shownAsExpected(list.find((e) => e.channel)))
  ).filter((e) => e.channel);
  expect(channels).toHaveLength(1);
  expect(channels[0]?.text).toContain(expected.cycles);
  expect(channels[0]?.cursor).toBe(expected.cursor);
}

test('an inbox long-poll whose `since` advances every second answer is one channel with its cursor', async () => {
  const s = await capture('/inbox');
  // since = 0 … 4: the answers with news are the 2nd, 4th… of ten
  await expectOneCursorChannel(s, 'inbox', '/api/inbox', INBOX_CYCLES, {
    name: 'since',
    values: 5,
    last: '4',
  });
  for (const [width, height] of [
    [480, 260],
    [1280, 800],
  ] as const) {
    await s.panel.setViewport(width, height);
    await s.panel.screenshot(resolve(SHOTS, `${browser.engine}-inbox-cursor-${width}x${height}.png`));
  }
});

test('Matrix /sync with an opaque `since` token is one channel', async () => {
  const s = await capture('/matrix');
  // the first sync (no since) and every second one bring news: tokens 1 … 5
  await expectOneCursorChannel(s, 'matrix', '/_matrix/client/v3/sync', SYNC_CYCLES, {
    name: 'since',
    values: 5,
    last: matrixToken(5),
  });
});

test('CouchDB _changes?feed=longpoll&since=<last_seq> is one channel', async () => {
  const s = await capture('/couchdb');
  // since = 0, then last_seq 1 … 4
  await expectOneCursorChannel(s, 'couchdb', '/db/_changes', CHANGES_CYCLES, {
    name: 'since',
    values: 5,
    last: couchSeq(4),
  });
  // An opaque token, shortened in the list.
  await s.panel.setViewport(1280, 800);
  await s.panel.screenshot(resolve(SHOTS, `${browser.engine}-couchdb-cursor-1280x800.png`));
});

test('paging, search as you type and infinite scroll are no pattern', async () => {
  const s = await capture('/near-misses');
  await pageFinished(s);
  const t = await timelineWhen(
    s,
    (x) =>
      ['/api/list', '/api/search', '/api/scroll'].reduce((n, path) => n + requestsTo(x, path).length, 0) ===
      NEAR_MISS_REQUESTS,
  );
  scores.push({ page: 'near misses', expected: 0, detected: t.patterns.length, matched: 0 });
  expect(t.patterns.map((p) => `${p.kind} ${p.url}`)).toEqual([]);
  // Once the list counts every request among the other requests, it shows no channel.
  const allOther = `${NEAR_MISS_REQUESTS} requests`;
  const entries = await listEntries(s.panel, (list) => list.some((e) => e.state === allOther));
  expect(entries.map((e) => e.state)).toContain(allOther);
  expect(entries.filter((e) => e.channel).map((e) => e.text)).toEqual([]);
});
