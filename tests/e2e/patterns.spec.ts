// Long-polling, polling and poll-storm recognition, end to end (issue 6), in
// Chromium and in Firefox: real clients (the seed's snippet, hand-written
// loops, socket.io-client, sockjs-client) against loopback servers, through
// the built extension; the patterns are read from the panel's "Export
// timeline". Every page has a known set of expected channels; afterAll prints
// precision and recall over the corpus. Each test keeps its export as
// timeline.json in its output directory: the traces of
// tests/unit/patterns-recorded.test.ts come from there.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportedPattern } from '../../lib/export/timeline';
import { type ExportedConnection, eventsOf, payloadText, type TimelineExport } from './support/capture';
import type { Engine, EngineBrowser, EngineCapture } from './support/engine';
import { launchEngine } from './support/engines';
import {
  type PatternServer,
  SOCKET_IO_PING_MS,
  SOCKJS_HEARTBEAT_MS,
  SOCKJS_PREFIX,
  startPatternServer,
} from './support/pattern-servers';
import { expect, test } from './support/test';
import { retryTimedTests } from './support/timing-retries';

retryTimedTests();

let server: PatternServer;
let browser: EngineBrowser;

// --- Scoring ------------------------------------------------------------------

interface Expectation {
  label: string;
  matches(p: ExportedPattern): boolean;
}

interface PageScore {
  page: string;
  expected: number;
  detected: number;
  matched: number;
  missed: string[];
  unexpected: string[];
}

/**
 * Scores are kept in a file named after the browser and the Playwright
 * runner's process (the workers' parent): after a failed test Playwright goes
 * on in a new worker, and the corpus figures must still cover every page of
 * this run, while the other browser's worker scores its own. (Not in the
 * shared test-results directory: another run starting there empties it.)
 */
function scoreFile(engine: Engine): string {
  return join(tmpdir(), `wirescope-patterns-e2e-${engine}-${process.ppid}.json`);
}

function readScores(engine: Engine): PageScore[] {
  const file = scoreFile(engine);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PageScore[]) : [];
}

/**
 * Pairs expected channels with detected patterns (each used once) and records
 * the page's score; the export is kept next to the test's other output.
 */
function score(page: string, t: TimelineExport, expectations: Expectation[]): void {
  writeFileSync(test.info().outputPath('timeline.json'), JSON.stringify(t, null, 1));
  const left = [...t.patterns];
  const missed: string[] = [];
  for (const e of expectations) {
    const i = left.findIndex((p) => e.matches(p));
    if (i < 0) missed.push(e.label);
    else left.splice(i, 1);
  }
  const entry = {
    page,
    expected: expectations.length,
    detected: t.patterns.length,
    matched: expectations.length - missed.length,
    missed,
    unexpected: left.map((p) => `${p.kind} ${p.method} ${p.url}`),
  };
  const scores = readScores(browser.engine).filter((s) => s.page !== page);
  scores.push(entry);
  writeFileSync(scoreFile(browser.engine), JSON.stringify(scores));
}

// --- Helpers ------------------------------------------------------------------

function pathOf(url: string): string {
  return new URL(url).pathname;
}

function connection(t: TimelineExport, id: string): ExportedConnection {
  const c = t.connections.find((x) => x.id === id);
  if (!c) throw new Error(`pattern refers to ${id}, which is not an exported connection`);
  return c;
}

/** The pattern's connections; each id must name an exported connection. */
function members(t: TimelineExport, p: ExportedPattern): ExportedConnection[] {
  expect(new Set(p.connectionIds).size, 'connection ids are distinct').toBe(p.connectionIds.length);
  return p.connectionIds.map((id) => connection(t, id));
}

function storm(p: ExportedPattern): { peakConcurrency: number; startedAt: number } | null {
  return (p.storm as { peakConcurrency: number; startedAt: number } | null | undefined) ?? null;
}

function patternsOn(t: TimelineExport, pathname: string): ExportedPattern[] {
  return t.patterns.filter((p) => pathOf(p.url) === pathname);
}

/** Most connections in flight at once among `conns` (JS-level open → close as captured). */
function peakInFlight(conns: ExportedConnection[]): number {
  let peak = 0;
  for (const c of conns) {
    const n = conns.filter(
      (o) => o.startedAt <= c.startedAt && c.startedAt < (o.endedAt ?? Number.POSITIVE_INFINITY),
    ).length;
    peak = Math.max(peak, n);
  }
  return peak;
}

/** The export has caught up with the page: every connection of the pattern has ended. */
function settled(t: TimelineExport, p: ExportedPattern): boolean {
  return p.connectionIds.every((id) => t.connections.some((c) => c.id === id && c.endedAt !== null));
}

/** Texts the page sent on the connections of `p`. */
function sentTexts(t: TimelineExport, p: ExportedPattern): string[] {
  return p.connectionIds.flatMap((id) =>
    eventsOf(t, id)
      .filter((e) => e.type === 'send')
      .map((e) => payloadText(e) ?? ''),
  );
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
  const s = await browser.openCapture(`${server.origin}${path}`);
  return {
    ...s,
    // An export that never met its condition is kept too, to replay it in a unit test.
    waitForTimeline: async (until, timeoutMs) => {
      try {
        return await s.waitForTimeline(until, timeoutMs);
      } catch (err) {
        const last = await s.exportTimeline().catch(() => null);
        if (last) writeFileSync(test.info().outputPath('timeline-unmet.json'), JSON.stringify(last, null, 1));
        throw err;
      }
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pageFinished(s: EngineCapture, flag = 'finished', timeout = 15_000): Promise<void> {
  await s.page.waitForFunction(
    (name) => (window as unknown as Record<string, unknown>)[name] === true,
    flag,
    {
      timeout,
    },
  );
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

// --- Pages --------------------------------------------------------------------

/** The seed's long poll exactly as the tutorial writes it (DESIGN.md), polling `url`: it storms. */
function seedPage(url: string): string {
  return `<!doctype html><title>seed long poll</title>
<script>
function longPoll() {
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '${url}', true);
  xhr.onreadystatechange = function () {
    if (xhr.readyState === 4 && xhr.status === 200) {
      console.log(xhr.responseText);
    }
    setTimeout(longPoll, 1000);
  };
  xhr.send();
}
longPoll();
</script>`;
}
/**
 * The storm limits itself on the server side, leaving the snippet as written:
 * after this many answers the server stops answering, and an unanswered poll
 * fires no readystatechange, so no new polls start. Each answer fires
 * readyState 2, 3 and 4, so about 1 + 3 × this many polls are made in all.
 */
const SEED_ANSWERS = 8;
/** The seed against a server that holds each poll a second, and against one that answers at once. */
const SEED_SERVERS = [
  { name: 'held 1 s', page: '/seed', poll: '/seed/poll', holdMs: 1000 },
  { name: 'answered at once', page: '/seed-fast', poll: '/seed-fast/poll', holdMs: 0 },
];

const XHR_LONG_POLL_PAGE = `<!doctype html><title>xhr long poll</title>
<script>
var cycles = 0;
function poll() {
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/inbox/wait?room=main', true);
  xhr.onreadystatechange = function () {
    if (xhr.readyState !== 4) return;
    cycles += 1;
    if (cycles < 5) poll();
    else window.finished = true;
  };
  xhr.send();
}
poll();
</script>`;
const INBOX_HOLD_MS = 1200;

const FETCH_LONG_POLL_PAGE = `<!doctype html><title>fetch long poll</title>
<script>
(async () => {
  for (let i = 0; i < 5; i++) {
    const res = await fetch(\`/updates?channel=news&_=\${Date.now()}\`, { cache: 'no-store' });
    await res.text();
  }
  window.finished = true;
})();
</script>`;
const UPDATES_HOLD_MS = 1000;

const STATUS_POLLS = 12;
const POLLING_PAGE = `<!doctype html><title>polling widgets</title>
<p>status: <span id="status">?</span> · weather: <span id="weather">?</span></p>
<script>
// A status badge refreshed every 500 ms. Twelve polls: when a loaded machine
// stalls the page early on (answers after the next tick, ticks fired 100+ ms
// late), six regular intervals still follow, and the channel then reaches
// back to the first tick.
const STATUS_POLLS = ${STATUS_POLLS};
let polls = 0;
const timer = setInterval(async () => {
  polls += 1;
  if (polls === STATUS_POLLS) clearInterval(timer);
  const res = await fetch('/status');
  document.getElementById('status').textContent = (await res.json()).state;
  if (polls === STATUS_POLLS) window.finished = true;
}, 500);
// A weather widget: the next XHR one second after each answer.
let reads = 0;
function weather() {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', '/weather?city=oslo');
  xhr.onload = () => {
    reads += 1;
    document.getElementById('weather').textContent = xhr.responseText;
    if (reads < 7) setTimeout(weather, 1000);
    else window.weatherDone = true;
  };
  xhr.send();
}
weather();
</script>`;

const SOCKET_IO_POLLING_PAGE = `<!doctype html><title>socket.io polling</title>
<script src="/lib/socket.io.min.js"></script>
<script>
const socket = io({ transports: ['polling'] });
window.echoes = 0;
socket.on('connect', () => {
  socket.emit('chat', 'hello over polling');
  setTimeout(() => socket.emit('chat', 'second message'), 1500);
});
socket.on('echo', () => { window.echoes += 1; });
</script>`;

const SOCKET_IO_UPGRADE_PAGE = `<!doctype html><title>socket.io upgrade</title>
<script src="/lib/socket.io.min.js"></script>
<script>
const socket = io();
// Listen as soon as the engine opens: on a busy machine the upgrade can
// complete before the socket's own 'connect' event (listening from 'connect'
// made this page miss it now and then).
socket.io.on('open', () => {
  socket.io.engine.once('upgrade', (transport) => {
    window.upgradedTo = transport.name;
    socket.emit('chat', 'after upgrade');
  });
});
</script>`;

function sockjsPage(transport: string): string {
  return `<!doctype html><title>sockjs ${transport}</title>
<script src="/lib/sockjs.min.js"></script>
<script>
const sock = new SockJS('${SOCKJS_PREFIX}', null, { transports: ['${transport}'] });
window.received = [];
sock.onopen = () => {
  window.opened = true;
  sock.send('hello sockjs');
  setTimeout(() => sock.send('second sockjs'), 1200);
};
sock.onmessage = (e) => { window.received.push(e.data); };
</script>`;
}

/** Ordinary REST traffic and assets: none of it is a loop. */
const REST_PAGE = `<!doctype html><title>rest app</title>
<link rel="stylesheet" href="/assets/site.css">
<img src="/assets/logo.svg" alt="">
<script src="/assets/app.js"></script>
<script>
const json = (res) => res.json();
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const config = await fetch('/assets/config.json').then(json);
  await fetch('/assets/strings.json').then(json);
  await fetch('/api/items').then(json);
  await fetch('/api/items/1').then(json);
  await fetch('/api/items', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'new item' }),
  }).then(json);
  await pause(150);
  await fetch('/api/items/1', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'renamed' }),
  }).then(json);
  await fetch('/api/items/2', { method: 'DELETE' });
  // A parallel burst: six item details, then six identical list reads.
  await Promise.all([1, 2, 3, 4, 5, 6].map((id) => fetch('/api/items/' + id).then(json)));
  await Promise.all([1, 2, 3, 4, 5, 6].map(() => fetch('/api/items?page=2').then(json)));
  // Retry after errors with exponential back-off (the endpoint fails twice).
  for (let delay = 200; ; delay *= 2) {
    const res = await fetch('/api/flaky');
    if (res.ok) break;
    await pause(delay);
  }
  // The user opens two more items, then reloads the list via XHR.
  await pause(320);
  await fetch('/api/items/3').then(json);
  await pause(770);
  await fetch('/api/items/4').then(json);
  await new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', '/api/items?page=1&sort=' + config.sort);
    xhr.onloadend = resolve;
    xhr.send();
  });
  window.finished = true;
})();
</script>`;
const REST_REQUESTS = 2 + 5 + 6 + 6 + 3 + 3;

/** Two long-polls running side by side, told apart by a query parameter. */
const ROOMS_PAGE = `<!doctype html><title>two rooms</title>
<script>
let done = 0;
function follow(room) {
  let cycles = 0;
  const poll = () => {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', '/inbox/wait?room=' + room, true);
    xhr.onloadend = () => {
      cycles += 1;
      if (cycles < 4) poll();
      else if (++done === 2) window.finished = true;
    };
    xhr.send();
  };
  poll();
}
follow('a');
setTimeout(() => follow('b'), 300);
</script>`;

/** A long-poll whose client gives up after 1 s (xhr.timeout) and re-issues: the server answers every third poll. */
const TIMEOUT_LONG_POLL_PAGE = `<!doctype html><title>long poll with client timeouts</title>
<script>
let cycles = 0;
function poll() {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', '/alerts?user=7', true);
  xhr.timeout = 1000;
  xhr.onloadend = () => {
    cycles += 1;
    if (cycles < 6) poll();
    else window.finished = true;
  };
  xhr.send();
}
poll();
</script>`;

/**
 * Traffic that resembles a loop in one respect and is none: a cursor crawl
 * (back to back, answered in 150 ms), type-ahead search, autosaves at typing
 * pace, and retries at a fixed 500 ms after errors.
 */
const NEAR_MISS_PAGE = `<!doctype html><title>near misses</title>
<script>
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  let cursor = '';
  for (let page = 0; page < 5; page++) {
    const res = await fetch('/api/feed?limit=20' + (cursor ? '&cursor=' + cursor : ''));
    cursor = (await res.json()).next;
  }
  for (const [q, wait] of [['w', 0], ['wi', 180], ['wir', 240], ['wire', 150], ['wires', 310]]) {
    await pause(wait);
    fetch('/api/search?q=' + q).then((r) => r.json());
  }
  for (const wait of [300, 520, 390, 610]) {
    await pause(wait);
    await fetch('/api/draft', { method: 'PUT', body: 'text ' + wait });
  }
  for (;;) {
    const res = await fetch('/api/unstable');
    if (res.ok) break;
    await pause(500);
  }
  window.finished = true;
})();
</script>`;
const NEAR_MISS_REQUESTS = 5 + 5 + 4 + 4;

// --- Setup --------------------------------------------------------------------

test.beforeAll(async ({ engine }) => {
  server = await startPatternServer();
  browser = await launchEngine(engine);
  // Firefox's panel tab is opened once and reloaded for each page: opened now, before the
  // first page loads, so that every page loads and runs in front (see capture()).
  if (engine === 'firefox') await browser.openPanel();

  for (const seed of SEED_SERVERS) {
    server.page(seed.page, seedPage(seed.poll));
    server.route(seed.poll, async (_req, res) => {
      const n = server.hits(seed.poll);
      // Past the budget: hold until the test ends (see SEED_ANSWERS).
      if (!(await server.hold(res, n > SEED_ANSWERS ? 10 * 60_000 : seed.holdMs))) return;
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end(`poll ${n}`);
    });
  }

  server.page('/xhr-long-poll', XHR_LONG_POLL_PAGE);
  server.route('/inbox/wait', async (_req, res) => {
    if (!(await server.hold(res, INBOX_HOLD_MS))) return;
    res.writeHead(200, JSON_HEADERS).end(JSON.stringify({ messages: [{ id: server.hits('/inbox/wait') }] }));
  });

  server.page('/fetch-long-poll', FETCH_LONG_POLL_PAGE);
  server.route('/updates', async (_req, res) => {
    const n = server.hits('/updates');
    if (!(await server.hold(res, UPDATES_HOLD_MS))) return;
    // Every other answer is "nothing new" (204), as long-poll servers do on timeout.
    if (n % 2 === 0) res.writeHead(204, { 'cache-control': 'no-store' }).end();
    else res.writeHead(200, JSON_HEADERS).end(JSON.stringify({ headline: `news ${n}` }));
  });

  server.page('/polling', POLLING_PAGE);
  server.route('/status', (_req, res) => {
    res.writeHead(200, JSON_HEADERS).end(JSON.stringify({ state: `ok ${server.hits('/status')}` }));
  });
  server.route('/weather', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('4 °C, snow');
  });

  server.page('/socket-io-polling', SOCKET_IO_POLLING_PAGE);
  server.page('/socket-io-upgrade', SOCKET_IO_UPGRADE_PAGE);
  server.page('/sockjs-xhr-polling', sockjsPage('xhr-polling'));
  server.page('/sockjs-xhr-streaming', sockjsPage('xhr-streaming'));

  server.page('/rest', REST_PAGE);
  const asset = (type: string, body: string) => (_req: unknown, res: import('node:http').ServerResponse) =>
    void res.writeHead(200, { 'content-type': type, 'cache-control': 'max-age=60' }).end(body);
  server.route('/assets/site.css', asset('text/css', 'body { font: 14px sans-serif; }'));
  server.route('/assets/logo.svg', asset('image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'));
  server.route('/assets/app.js', asset('text/javascript', 'window.appLoaded = true;'));
  server.route('/assets/config.json', asset('application/json', '{"sort":"name"}'));
  server.route('/assets/strings.json', asset('application/json', '{"hello":"Hello"}'));
  const item = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
    void res.writeHead(status, JSON_HEADERS).end(JSON.stringify(body));
  server.route('/api/items', (req, res, url) =>
    req.method === 'POST'
      ? item(res, 201, { id: 99 })
      : item(res, 200, { page: url.searchParams.get('page'), items: [1, 2, 3] }),
  );
  for (const id of [1, 2, 3, 4, 5, 6]) {
    server.route(`/api/items/${id}`, (req, res) =>
      req.method === 'DELETE' ? void res.writeHead(204).end() : item(res, 200, { id, name: `item ${id}` }),
    );
  }
  server.route('/api/flaky', (_req, res) =>
    server.hits('/api/flaky') <= 2 ? item(res, 503, { error: 'try again' }) : item(res, 200, { ok: true }),
  );

  server.page('/rooms', ROOMS_PAGE);
  server.page('/timeouts', TIMEOUT_LONG_POLL_PAGE);
  server.route('/alerts', async (_req, res) => {
    const n = server.hits('/alerts');
    // Every third poll is answered after 300 ms; the others wait past the client's 1 s timeout.
    if (!(await server.hold(res, n % 3 === 0 ? 300 : 5000))) return;
    item(res, 200, { alert: n });
  });

  server.page('/near-misses', NEAR_MISS_PAGE);
  server.route('/api/feed', async (_req, res) => {
    if (!(await server.hold(res, 150))) return;
    item(res, 200, { items: [], next: Math.random().toString(36).slice(2, 12) });
  });
  server.route('/api/search', (_req, res, url) => item(res, 200, { q: url.searchParams.get('q'), hits: [] }));
  server.route('/api/draft', (_req, res) => void res.writeHead(204).end());
  server.route('/api/unstable', (_req, res) =>
    server.hits('/api/unstable') <= 3 ? item(res, 500, { error: 'oops' }) : item(res, 200, { ok: true }),
  );
});

test.afterEach(async () => {
  // Leave the test page, ending its loops (the next capture reloads the panel).
  await browser?.page.goto('about:blank').catch(() => {});
});

test.afterAll(async () => {
  const engine = browser?.engine;
  await browser?.close();
  await server?.close();
  if (!engine) return;
  const scores = readScores(engine);
  const expected = scores.reduce((n, s) => n + s.expected, 0);
  const detected = scores.reduce((n, s) => n + s.detected, 0);
  const matched = scores.reduce((n, s) => n + s.matched, 0);
  const lines = scores.map(
    (s) =>
      `  ${s.page.padEnd(22)} expected ${s.expected} detected ${s.detected} matched ${s.matched}` +
      (s.missed.length ? ` missed [${s.missed.join('; ')}]` : '') +
      (s.unexpected.length ? ` unexpected [${s.unexpected.join('; ')}]` : ''),
  );
  const precision = detected === 0 ? 1 : matched / detected;
  const recall = expected === 0 ? 1 : matched / expected;
  console.log(
    `pattern e2e corpus (${engine}): ${scores.length} pages, ${expected} expected channels, ${detected} detected, ` +
      `${matched} matched; precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}\n${lines.join('\n')}`,
  );
});

// --- Tests --------------------------------------------------------------------

for (const seed of SEED_SERVERS) {
  test(`the seed's long-poll snippet, ${seed.name}, is flagged as a poll storm with its peak concurrency and start`, async () => {
    const poll = seed.poll;
    const s = await capture(seed.page);
    const t = await s.waitForTimeline((x) => patternsOn(x, poll).some((p) => storm(p) !== null));
    score(`seed snippet, ${seed.name}`, t, [
      {
        label: `storming loop on ${poll}`,
        matches: (p) => pathOf(p.url) === poll && storm(p) !== null,
      },
    ]);

    expect(t.patterns).toHaveLength(1);
    const [p] = t.patterns as [ExportedPattern];
    expect(['long-poll', 'polling']).toContain(p.kind);
    expect(p.method).toBe('GET');
    expect(p.url).toBe(`${server.origin}${poll}`);
    const polls = t.connections.filter((c) => pathOf(c.url) === poll);
    const conns = members(t, p);
    expect(conns.every((c) => c.transport === 'xhr' && c.method === 'GET' && pathOf(c.url) === poll)).toBe(
      true,
    );
    expect(p.cycles).toBe(conns.length);
    expect(p.cycles).toBeGreaterThanOrEqual(3);

    // The warning: more than one poll in flight, never more than the capture shows,
    // beginning at the start of one of the loop's own polls (the first that found
    // another in flight), after the first poll.
    const warning = storm(p);
    expect(warning).not.toBeNull();
    const { peakConcurrency, startedAt } = warning as { peakConcurrency: number; startedAt: number };
    expect(peakConcurrency).toBeGreaterThan(1);
    expect(peakConcurrency).toBeLessThanOrEqual(peakInFlight(polls));
    const first = Math.min(...polls.map((c) => c.startedAt));
    expect(startedAt).toBeGreaterThan(first);
    expect(conns.some((c) => c.startedAt === startedAt)).toBe(true);

    // Self-limiting: the page keeps polling only while the server answers, so
    // the number of polls stops growing once the budget is spent.
    const pollsIn = (x: TimelineExport) => x.connections.filter((c) => pathOf(c.url) === poll).length;
    const answered = (x: TimelineExport) =>
      x.connections.filter((c) => pathOf(c.url) === poll && c.status === 200 && c.endedAt !== null).length;
    // Every answer has reached the page's handlers (the capture records each answer's
    // end as the page sees it)...
    await s.waitForTimeline((x) => answered(x) === SEED_ANSWERS, 20_000);
    // ...so every setTimeout(longPoll, 1000) they make is already scheduled, and a timer of
    // the same delay set now runs after all of them: every poll has been started by then.
    // It then starts one request of its own, recorded after every poll (polls past the
    // budget are held, and the browser queues the rest, so the server cannot count them).
    await s.page.evaluate(
      () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            const marker = new XMLHttpRequest();
            marker.open('GET', '/after-the-storm', true);
            marker.send();
            resolve();
          }, 1000),
        ),
    );
    const final = await s.waitForTimeline((x) =>
      x.connections.some((c) => pathOf(c.url) === '/after-the-storm'),
    );
    // A quiet spell is the point: no poll starts after that.
    await sleep(1000);
    expect(pollsIn(await s.exportTimeline())).toBe(pollsIn(final));
    expect(pollsIn(final)).toBeGreaterThan(1 + 2 * SEED_ANSWERS);
    expect(pollsIn(final)).toBeLessThanOrEqual(1 + 3 * SEED_ANSWERS);
    const [after] = patternsOn(final, poll);
    // Every poll of the URL is a cycle of the channel, the very first included.
    expect([...(after?.connectionIds ?? [])].sort()).toEqual(
      final.connections
        .filter((c) => pathOf(c.url) === poll)
        .map((c) => c.id)
        .sort(),
    );
    expect(after?.id, 'the pattern keeps its id as it grows').toBe(p.id);
    expect(storm(after as ExportedPattern)?.peakConcurrency).toBeGreaterThanOrEqual(peakConcurrency);
  });
}

test('a correct XHR long-poll is one long-poll channel with its hold and gap, no storm', async () => {
  const s = await capture('/xhr-long-poll');
  await pageFinished(s);
  // The export lags the page by a batch: wait until it holds all five answers.
  const t = await s.waitForTimeline((x) => x.patterns.some((p) => p.cycles === 5 && settled(x, p)));
  score('xhr long-poll', t, [
    {
      label: 'long-poll /inbox/wait',
      matches: (p) => p.kind === 'long-poll' && pathOf(p.url) === '/inbox/wait',
    },
  ]);

  expect(t.patterns).toHaveLength(1);
  const [p] = t.patterns as [ExportedPattern];
  expect(p.kind).toBe('long-poll');
  expect(p.method).toBe('GET');
  expect(p.url).toBe(`${server.origin}/inbox/wait?room=main`);
  expect(p.cycles).toBe(5);
  const conns = members(t, p);
  expect(conns).toHaveLength(5);
  expect(conns.every((c) => c.transport === 'xhr' && c.status === 200)).toBe(true);
  expect(p.medianHoldMs).toBeGreaterThanOrEqual(INBOX_HOLD_MS - 50);
  expect(p.medianHoldMs).toBeLessThan(INBOX_HOLD_MS + 800);
  expect(Math.abs(p.medianGapMs)).toBeLessThan(100);
  expect(storm(p)).toBeNull();
  expect(p.transport).toBeNull();
});

test('a fetch long-poll with a cache-buster is one channel keyed without the cache-buster', async () => {
  const s = await capture('/fetch-long-poll');
  await pageFinished(s);
  const t = await s.waitForTimeline((x) => x.patterns.some((p) => p.cycles === 5 && settled(x, p)));
  score('fetch long-poll', t, [
    {
      label: 'long-poll /updates?channel=news',
      matches: (p) => p.kind === 'long-poll' && p.url === `${server.origin}/updates?channel=news`,
    },
  ]);

  expect(t.patterns).toHaveLength(1);
  const [p] = t.patterns as [ExportedPattern];
  expect(p.kind).toBe('long-poll');
  expect(p.url).toBe(`${server.origin}/updates?channel=news`);
  expect(p.cycles).toBe(5);
  const conns = members(t, p);
  expect(conns.every((c) => c.transport === 'fetch' && pathOf(c.url) === '/updates')).toBe(true);
  expect(new Set(conns.map((c) => c.url)).size, 'each poll had its own cache-buster').toBe(5);
  expect(conns.map((c) => c.status).sort()).toEqual([200, 200, 200, 204, 204]);
  expect(p.medianHoldMs).toBeGreaterThanOrEqual(UPDATES_HOLD_MS - 50);
  expect(storm(p)).toBeNull();
  const dropped = p.droppedParams as Array<{ name: string; reason: string }>;
  expect(dropped.map((d) => d.name)).toEqual(['_']);
  expect(dropped[0]?.reason).toMatch(/\S/);
});

test('short-polling widgets (fetch every 500 ms, XHR 1 s after each answer) are polling channels', async () => {
  const s = await capture('/polling');
  await pageFinished(s);
  await pageFinished(s, 'weatherDone');
  const t = await s.waitForTimeline(
    (x) =>
      x.patterns.some((p) => pathOf(p.url) === '/status' && p.cycles === STATUS_POLLS && settled(x, p)) &&
      x.patterns.some((p) => pathOf(p.url) === '/weather' && p.cycles === 7 && settled(x, p)),
  );
  score('short polling', t, [
    { label: 'polling /status', matches: (p) => p.kind === 'polling' && p.url === `${server.origin}/status` },
    {
      label: 'polling /weather?city=oslo',
      matches: (p) => p.kind === 'polling' && p.url === `${server.origin}/weather?city=oslo`,
    },
  ]);

  expect(t.patterns).toHaveLength(2);
  const status = t.patterns.find((p) => pathOf(p.url) === '/status') as ExportedPattern;
  const weather = t.patterns.find((p) => pathOf(p.url) === '/weather') as ExportedPattern;
  expect(status.kind).toBe('polling');
  expect(status.cycles).toBe(STATUS_POLLS);
  expect(
    members(t, status)
      .map((c) => c.id)
      .sort(),
    'every tick, the first included',
  ).toEqual(
    t.connections
      .filter((c) => pathOf(c.url) === '/status')
      .map((c) => c.id)
      .sort(),
  );
  expect(members(t, status).every((c) => c.transport === 'fetch')).toBe(true);
  expect(status.medianIntervalMs as number).toBeGreaterThan(450);
  expect(status.medianIntervalMs as number).toBeLessThan(600);
  expect(storm(status)).toBeNull();
  expect(weather.kind).toBe('polling');
  expect(weather.url).toBe(`${server.origin}/weather?city=oslo`);
  expect(weather.cycles).toBe(7);
  expect(members(t, weather).every((c) => c.transport === 'xhr')).toBe(true);
  expect(weather.medianGapMs).toBeGreaterThanOrEqual(990);
  expect(weather.medianGapMs).toBeLessThan(1200);
});

test('Socket.IO limited to polling is one Engine.IO long-poll channel with its POSTs as sends', async () => {
  const s = await capture('/socket-io-polling');
  // Quick answers (the handshake, connect, two echoes), one GET whose hold
  // began between two pings, then GETs held by the server until its next
  // ping: from the thirteenth cycle, the median one is held about a second.
  const t = await s.waitForTimeline((x) =>
    x.patterns.some(
      (p) =>
        p.transport === 'engine.io' &&
        p.cycles >= 13 &&
        sentTexts(x, p).some((text) => text.includes('"second message"')),
    ),
  );
  score('socket.io polling', t, [
    { label: 'engine.io long-poll', matches: (p) => p.kind === 'long-poll' && p.transport === 'engine.io' },
  ]);

  expect(t.patterns).toHaveLength(1);
  const [p] = t.patterns as [ExportedPattern];
  expect(p.kind).toBe('long-poll');
  expect(p.transport).toBe('engine.io');
  expect(p.method).toBe('GET');
  const key = new URL(p.url);
  expect(key.pathname).toBe('/socket.io/');
  expect(key.searchParams.get('EIO')).toBe('4');
  expect(key.searchParams.get('transport')).toBe('polling');
  const sid = key.searchParams.get('sid');
  expect(sid).toMatch(/\S/);
  expect(key.searchParams.has('t'), "Engine.IO's cache-buster is not part of the key").toBe(false);

  const conns = members(t, p);
  expect(conns.every((c) => c.transport === 'xhr' && new URL(c.url).searchParams.get('sid') === sid)).toBe(
    true,
  );
  const gets = conns.filter((c) => c.method === 'GET');
  const posts = conns.filter((c) => c.method === 'POST');
  expect(gets.length).toBe(p.cycles);
  expect(p.cycles).toBeGreaterThanOrEqual(3);
  expect(posts.length).toBe(p.sends);
  expect(posts.length).toBeGreaterThanOrEqual(2);
  const sent = posts.flatMap((c) =>
    eventsOf(t, c.id)
      .filter((e) => e.type === 'send')
      .map(payloadText),
  );
  expect(sent.some((text) => text?.includes('"hello over polling"'))).toBe(true);
  // Every POST of the session belongs to the channel; no other pattern claims them.
  const sessionPosts = t.connections.filter(
    (c) => c.method === 'POST' && new URL(c.url).searchParams.get('sid') === sid,
  );
  expect(posts.map((c) => c.id).sort()).toEqual(sessionPosts.map((c) => c.id).sort());
  expect(p.medianHoldMs).toBeGreaterThan(SOCKET_IO_PING_MS / 2);
  expect(p.medianHoldMs).toBeLessThan(SOCKET_IO_PING_MS + 500);
  expect(storm(p)).toBeNull();
});

test('a default Socket.IO client that upgrades: its polling channel is linked to the WebSocket', async () => {
  const s = await capture('/socket-io-upgrade');
  await s.page.waitForFunction(
    () => (window as unknown as { upgradedTo?: string }).upgradedTo === 'websocket',
  );
  const t = await s.waitForTimeline((x) => x.patterns.some((p) => p.upgrade));
  score('socket.io upgrade', t, [
    {
      label: 'engine.io polling → websocket',
      matches: (p) => p.transport === 'engine.io' && Boolean(p.upgrade),
    },
  ]);

  expect(t.patterns).toHaveLength(1);
  const [p] = t.patterns as [ExportedPattern];
  expect(p.transport).toBe('engine.io');
  expect(p.kind).toBe('long-poll');
  const sid = new URL(p.url).searchParams.get('sid');
  const sockets = t.connections.filter((c) => c.transport === 'websocket');
  expect(sockets).toHaveLength(1);
  const ws = sockets[0] as ExportedConnection;
  expect(new URL(ws.url).searchParams.get('transport')).toBe('websocket');
  expect(new URL(ws.url).searchParams.get('sid')).toBe(sid);
  expect(p.upgrade).toEqual({ url: ws.url, startedAt: ws.startedAt });
  expect(
    members(t, p).every((c) => c.transport === 'xhr' && new URL(c.url).searchParams.get('sid') === sid),
  ).toBe(true);
  // The WebSocket is linked, not counted as a cycle of the polling channel.
  expect(p.connectionIds).not.toContain(ws.id);
});

test('SockJS limited to xhr-polling is one channel labelled sockjs-xhr-polling, with its sends', async () => {
  const s = await capture('/sockjs-xhr-polling');
  // Quick answers ("o", the echoes), then polls held until the next heartbeat (1 s).
  const t = await s.waitForTimeline((x) =>
    x.patterns.some(
      (p) =>
        p.transport === 'sockjs-xhr-polling' &&
        p.cycles >= 8 &&
        sentTexts(x, p).some((text) => text.includes('second sockjs')),
    ),
  );
  score('sockjs xhr-polling', t, [
    {
      label: 'sockjs xhr-polling',
      matches: (p) => p.kind === 'long-poll' && p.transport === 'sockjs-xhr-polling',
    },
  ]);

  expect(t.patterns).toHaveLength(1);
  const [p] = t.patterns as [ExportedPattern];
  expect(p.kind).toBe('long-poll');
  expect(p.transport).toBe('sockjs-xhr-polling');
  expect(p.method).toBe('POST');
  expect(pathOf(p.url)).toMatch(new RegExp(`^${SOCKJS_PREFIX}/[^/]+/[^/]+/xhr$`));
  const conns = members(t, p);
  expect(conns.every((c) => c.transport === 'xhr' && c.method === 'POST')).toBe(true);
  const session = pathOf(p.url).slice(0, -'/xhr'.length);
  const polls = conns.filter((c) => pathOf(c.url) === `${session}/xhr`);
  const sends = conns.filter((c) => pathOf(c.url) === `${session}/xhr_send`);
  expect(polls.length + sends.length).toBe(conns.length);
  expect(polls.length).toBe(p.cycles);
  expect(p.cycles).toBeGreaterThanOrEqual(3);
  expect(sends.length).toBe(p.sends);
  expect(sends.length).toBeGreaterThanOrEqual(2);
  const sent = sends.flatMap((c) =>
    eventsOf(t, c.id)
      .filter((e) => e.type === 'send')
      .map(payloadText),
  );
  expect(sent.some((text) => text?.includes('hello sockjs'))).toBe(true);
  expect(p.medianHoldMs).toBeGreaterThan(SOCKJS_HEARTBEAT_MS / 2);
  expect(storm(p)).toBeNull();
});

test('SockJS limited to xhr-streaming is one channel labelled sockjs-xhr-streaming', async () => {
  const s = await capture('/sockjs-xhr-streaming');
  const t = await s.waitForTimeline((x) =>
    x.patterns.some(
      (p) =>
        p.transport === 'sockjs-xhr-streaming' &&
        sentTexts(x, p).some((text) => text.includes('second sockjs')),
    ),
  );
  score('sockjs xhr-streaming', t, [
    { label: 'sockjs xhr-streaming', matches: (p) => p.transport === 'sockjs-xhr-streaming' },
  ]);

  expect(t.patterns).toHaveLength(1);
  const [p] = t.patterns as [ExportedPattern];
  expect(p.method).toBe('POST');
  expect(pathOf(p.url)).toMatch(new RegExp(`^${SOCKJS_PREFIX}/[^/]+/[^/]+/xhr_streaming$`));
  const conns = members(t, p);
  expect(conns.every((c) => c.transport === 'xhr' && c.method === 'POST')).toBe(true);
  const streams = conns.filter((c) => pathOf(c.url).endsWith('/xhr_streaming'));
  expect(streams.length).toBe(p.cycles);
  expect(p.sends).toBeGreaterThanOrEqual(2);
  expect(storm(p)).toBeNull();
});

test('a page of ordinary REST calls, assets, a parallel burst and retries yields no pattern', async () => {
  const s = await capture('/rest');
  await pageFinished(s);
  // A quiet spell is the point (this asserts that nothing is found): past the
  // detector's hand-over wait (100 ms) for the page's last requests.
  await sleep(300);
  const t = await s.waitForTimeline(
    (x) =>
      x.connections.filter((c) => (c.transport === 'fetch' || c.transport === 'xhr') && c.endedAt !== null)
        .length >= REST_REQUESTS,
  );
  score('REST and assets', t, []);

  const http = t.connections.filter((c) => c.transport === 'fetch' || c.transport === 'xhr');
  expect(http).toHaveLength(REST_REQUESTS);
  expect(http.filter((c) => pathOf(c.url) === '/api/flaky').map((c) => c.status)).toEqual([503, 503, 200]);
  expect(t.patterns).toEqual([]);
});

test('two long-polls side by side on one path are two channels, and not a storm', async () => {
  const s = await capture('/rooms');
  await pageFinished(s);
  const t = await s.waitForTimeline(
    (x) => x.patterns.length >= 2 && x.patterns.every((p) => p.cycles === 4 && settled(x, p)),
  );
  const room = (name: string): Expectation => ({
    label: `long-poll room=${name}`,
    matches: (p) => p.kind === 'long-poll' && p.url === `${server.origin}/inbox/wait?room=${name}`,
  });
  score('two rooms', t, [room('a'), room('b')]);

  expect(t.patterns.map((p) => p.url).sort()).toEqual([
    `${server.origin}/inbox/wait?room=a`,
    `${server.origin}/inbox/wait?room=b`,
  ]);
  for (const p of t.patterns) {
    expect(p.kind).toBe('long-poll');
    expect(p.cycles).toBe(4);
    const room = new URL(p.url).searchParams.get('room');
    expect(members(t, p).every((c) => new URL(c.url).searchParams.get('room') === room)).toBe(true);
    expect(storm(p), 'polls of different rooms overlap, but each room has one in flight').toBeNull();
  }
});

test('a long-poll whose client times out and re-issues is one long-poll channel', async () => {
  const s = await capture('/timeouts');
  await pageFinished(s);
  const t = await s.waitForTimeline((x) => x.patterns.some((p) => p.cycles === 6 && settled(x, p)));
  score('client timeouts', t, [
    {
      label: 'long-poll /alerts?user=7',
      matches: (p) => p.kind === 'long-poll' && pathOf(p.url) === '/alerts',
    },
  ]);

  expect(t.patterns).toHaveLength(1);
  const [p] = t.patterns as [ExportedPattern];
  expect(p.kind).toBe('long-poll');
  expect(p.url).toBe(`${server.origin}/alerts?user=7`);
  const conns = members(t, p);
  expect(conns).toHaveLength(6);
  const timedOut = conns.filter((c) => eventsOf(t, c.id).some((e) => e.type === 'error'));
  expect(timedOut).toHaveLength(4);
  expect(conns.filter((c) => c.status === 200)).toHaveLength(2);
  expect(storm(p)).toBeNull();
});

test('near misses (cursor crawl, type-ahead, autosave, fixed-delay retries) yield no pattern', async () => {
  const s = await capture('/near-misses');
  await pageFinished(s);
  // A quiet spell is the point (this asserts that nothing is found): past the
  // detector's hand-over wait (100 ms) for the page's last requests.
  await sleep(300);
  const t = await s.waitForTimeline(
    (x) =>
      x.connections.filter((c) => c.transport === 'fetch' && c.endedAt !== null).length >= NEAR_MISS_REQUESTS,
  );
  score('near misses', t, []);

  expect(t.connections.filter((c) => c.transport === 'fetch')).toHaveLength(NEAR_MISS_REQUESTS);
  expect(t.connections.filter((c) => pathOf(c.url) === '/api/unstable').map((c) => c.status)).toEqual([
    500, 500, 500, 200,
  ]);
  expect(t.patterns).toEqual([]);
});
