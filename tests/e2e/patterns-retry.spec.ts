// HTTP retry storms and busy long-polls end to end in Chromium and Firefox,
// through the built extension, with real clients against a loopback server: a
// fetch re-sent at once after every 503 (a retry storm, Retry-After ignored), a
// client that backs off with jitter and one that honours Retry-After (no
// pattern), an XHR long-poll whose server answers at once (a busy loop, with
// its request rate), and fast ordinary traffic — a paginated crawl and a batch
// of different URLs — that must stay no pattern. Each is checked in the panel
// (sidebar, findings strip) and in the export. Screenshots go to
// test-results/retry/<browser>/.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ExportedPattern } from '../../lib/export/timeline';
import type { EngineBrowser, EngineCapture, PanelView } from './support/engine';
import { launchEngine } from './support/engines';
import { type PatternServer, startPatternServer } from './support/pattern-servers';
import { expect, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const STORM_TRIES = 12;
const BUSY_CYCLES = 80;

/**
 * A client that sends until it succeeds, at most `tries` times, waiting
 * `delay` ms (a JS expression over `attempt` and `retryAfter`, the server's
 * Retry-After in seconds) after each failure; `done` runs on success or when
 * it gives up.
 */
function retryClient(name: string, path: string, method: string, tries: number, delay: string): string {
  return `
async function ${name}(attempt = 1) {
  let res = null;
  try { res = await fetch('${path}', { method: '${method}'${method === 'POST' ? ", body: '{}'" : ''} }); } catch {}
  if (res && res.ok) return done('${name}', 'saved');
  if (attempt >= ${tries}) return done('${name}', 'gave up');
  const retryAfter = res ? Number(res.headers.get('retry-after')) : 0;
  setTimeout(() => ${name}(attempt + 1), ${delay});
}`;
}

/** A page running the clients; its title says how they all ended once they have. */
function retryPage(clients: Array<[name: string, script: string]>): string {
  return `<!doctype html><title>retry</title><body><script>
const ended = {};
function done(name, how) {
  ended[name] = how;
  if (Object.keys(ended).length === ${clients.length}) document.title = [...new Set(Object.values(ended))].join(', ');
}
${clients.map(([, script]) => script).join('\n')}
${clients.map(([name]) => `${name}();`).join('\n')}
</script></body>`;
}

let server: PatternServer;
let browser: EngineBrowser;
let shots: string;

test.beforeAll(async ({ engine }) => {
  shots = resolve(ROOT, 'test-results', 'retry', engine);
  await mkdir(shots, { recursive: true });
  server = await startPatternServer();
  // Down for good, and says so with a Retry-After nobody honours.
  server.route('/api/save', (_req, res) => {
    res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('unavailable');
  });
  // Fails four times, then works (per page load: the hit count is per server, so each page has its own path).
  const flaky = (path: string, status: number, headers: Record<string, string>) => {
    let hits = 0;
    server.route(path, (_req, res) => {
      hits++;
      if (hits % 5 !== 0) res.writeHead(status, headers).end('later');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  };
  flaky('/api/backoff', 503, {});
  flaky('/api/limited', 429, { 'retry-after': '1' });
  // A "long-poll" endpoint that never holds: it answers every request at once.
  server.route('/events', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end('[]');
  });
  server.route('/api/list', (_req, res, url) => {
    const page = Number(url.searchParams.get('page') ?? '1');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: [page * 2 - 1, page * 2], next: page + 1 }));
  });
  server.route('/api/doc', (_req, res, url) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: url.searchParams.get('id') }));
  });

  server.page('/storm', retryPage([['save', retryClient('save', '/api/save', 'POST', STORM_TRIES, '0')]]));
  server.page(
    '/patient',
    retryPage([
      [
        'backoff',
        retryClient(
          'backoff',
          '/api/backoff',
          'GET',
          8,
          '200 * 2 ** (attempt - 1) * (0.7 + 0.6 * Math.random())',
        ),
      ],
      ['limited', retryClient('limited', '/api/limited', 'GET', 8, 'retryAfter * 1000 + 20')],
    ]),
  );
  server.page(
    '/busy',
    `<!doctype html><title>busy</title><body><script>
let cycles = 0;
function poll() {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', '/events?_=' + Date.now());
  xhr.onreadystatechange = () => {
    if (xhr.readyState !== 4) return;
    if (++cycles >= ${BUSY_CYCLES}) { document.title = 'done'; return; }
    poll();
  };
  xhr.send();
}
poll();
</script></body>`,
  );
  server.page(
    '/near-misses',
    `<!doctype html><title>near misses</title><body><script>
(async () => {
  for (let page = 1; page <= 30; page++) await (await fetch('/api/list?page=' + page)).json();
  for (let id = 1; id <= 30; id++) await (await fetch('/api/doc?id=item-' + id + '-' + ['a','b','c'][id % 3])).json();
  document.title = 'done';
})();
</script></body>`,
  );
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const CLOCK = /\d\d:\d\d:\d\d\.\d{3}/;

const ofKind = (t: { patterns: ExportedPattern[] }, kind: string) =>
  t.patterns.filter((p) => p.kind === kind);

const CHANNEL = '.sidebar .conn-entry.k-channel';
const FINDING = '[data-testid="findings"] li.finding';

/** Opens the page and a fresh panel at 1280x800, and waits until the page's title says it is done. */
async function capture(path: string, title: string, timeout = 15_000): Promise<EngineCapture> {
  const session = await browser.openCapture(`${server.origin}${path}`);
  await session.panel.setViewport(1280, 800);
  await expect.poll(() => session.page.title(), { timeout }).toBe(title);
  return session;
}

/** Waits until exactly one element matches selector and its text contains `part`. */
async function expectOne(panel: PanelView, selector: string, part: string, timeout = 15_000): Promise<void> {
  await expect.poll(() => panel.texts(selector), { timeout }).toEqual([expect.stringContaining(part)]);
}

test('a 503 re-sent at once is a retry storm: sidebar, findings strip and export', async () => {
  const { panel, waitForTimeline } = await capture('/storm', 'gave up');

  await expectOne(panel, CHANNEL, `${STORM_TRIES} failures (503)`);
  expect(await panel.texts(`${CHANNEL} .badge.channel`)).toEqual(['RETRY']);
  expect(await panel.texts(`${CHANNEL} .conn-title`)).toEqual(['Retry storm POST /api/save']);
  await expect
    .poll(() => panel.text(`${CHANNEL} .storm`))
    .toMatch(
      new RegExp(
        `^(⚠ Retry storm: ${STORM_TRIES} failures, retried after \\d+ ms since ${CLOCK.source}|Retry storm: ${STORM_TRIES} failures, retried after \\d+ ms \\(${CLOCK.source} – ended ${CLOCK.source}\\))$`,
      ),
    );
  await expectOne(
    panel,
    `${FINDING} .finding-title`,
    `Retry storm on POST /api/save: ${STORM_TRIES} failures (503)`,
  );
  await panel.click(`${FINDING} .finding-title`);
  await expect
    .poll(() => panel.text(`${FINDING} .finding-details`))
    .toContain('without honouring the Retry-After');
  expect(await panel.text(`${FINDING} .finding-details`)).toContain('Back off: wait 1 s, 2 s, 4 s');
  await panel.screenshot(resolve(shots, 'storm-1280x800.png'));

  await panel.click(CHANNEL);
  await expect
    .poll(() => panel.text('[data-testid="channel-finding"]'))
    .toContain(`POST /api/save failed ${STORM_TRIES} times with 503 and was re-sent at once each time`);
  await panel.setViewport(500, 350);
  await panel.screenshot(resolve(shots, 'storm-channel-500x350.png'));
  await panel.setViewport(1280, 800);

  const t = await waitForTimeline((x) => ofKind(x, 'retry-storm').some((p) => p.cycles === STORM_TRIES));
  expect(t.patterns).toHaveLength(1);
  const [storm] = ofKind(t, 'retry-storm');
  expect(storm).toMatchObject({
    method: 'POST',
    url: `${server.origin}/api/save`,
    cycles: STORM_TRIES,
    statuses: [503],
    retryAfterSent: true,
    retryAfterHonoured: false,
  });
  expect(storm?.connectionIds).toHaveLength(STORM_TRIES);
  const retries = (storm?.retries ?? []) as Array<{
    status: number;
    delayMs: number | null;
    retryAfterMs: number;
  }>;
  expect(retries).toHaveLength(STORM_TRIES);
  expect(retries[0]?.delayMs).toBeNull();
  for (const r of retries) {
    expect(r.status).toBe(503);
    expect(r.retryAfterMs).toBe(1000);
  }
  expect(storm?.medianGapMs).toBeLessThan(900);
  expect(storm?.finding).toMatch(
    new RegExp(
      `^POST /api/save failed ${STORM_TRIES} times with 503 and was re-sent at once each time \\(about .* apart, ignoring Retry-After\\); back off \\(1 s, 2 s, 4 s… with jitter\\), honour Retry-After, and stop after a few tries\\.$`,
    ),
  );
});

test('retries that back off with jitter, or honour Retry-After, are no pattern', async () => {
  const { panel, exportTimeline } = await capture('/patient', 'saved', 20_000);
  // Both clients failed four times, then succeeded.
  const paths = async () => (await exportTimeline()).connections.map((c) => new URL(c.url).pathname);
  await expect.poll(async () => (await paths()).filter((u) => u === '/api/backoff').length).toBe(5);
  await expect.poll(async () => (await paths()).filter((u) => u === '/api/limited').length).toBe(5);
  const t = await exportTimeline();
  expect(t.patterns).toEqual([]);
  expect(await panel.texts(CHANNEL)).toEqual([]);
  expect(await panel.texts('[data-testid="findings"]')).toEqual([]);
  await panel.screenshot(resolve(shots, 'patient-1280x800.png'));
});

test('a long-poll whose server answers at once is a busy loop with its request rate', async () => {
  const { panel, waitForTimeline } = await capture('/busy', 'done');

  await expectOne(panel, CHANNEL, 'Busy loop GET /events');
  expect(await panel.texts(`${CHANNEL} .badge.channel`)).toEqual(['BUSY']);
  expect(await panel.texts(`${CHANNEL} .conn-title`)).toEqual(['Busy loop GET /events']);
  await expect.poll(() => panel.text(`${CHANNEL} .storm`)).toMatch(/Busy loop: .* requests\/s, answered in /);
  await expectOne(panel, `${FINDING} .finding-title`, 'Busy loop on GET /events: about ');
  await panel.click(`${FINDING} .finding-title`);
  await expect.poll(() => panel.text(`${FINDING} .finding-details`)).toContain('the server answers at once');
  await panel.screenshot(resolve(shots, 'busy-1280x800.png'));
  await panel.click(CHANNEL);
  await expect
    .poll(() => panel.text('[data-testid="channel-finding"]'))
    .toContain('GET /events is re-requested as soon as each answer arrives and the server answers at once');
  await panel.setViewport(480, 260);
  await panel.screenshot(resolve(shots, 'busy-channel-480x260.png'));
  await panel.setViewport(1280, 800);

  const t = await waitForTimeline((x) => ofKind(x, 'busy-loop').some((p) => p.cycles === BUSY_CYCLES));
  expect(t.patterns).toHaveLength(1);
  const [busy] = ofKind(t, 'busy-loop');
  expect(busy).toMatchObject({ method: 'GET', url: `${server.origin}/events`, cycles: BUSY_CYCLES });
  const rate = busy?.requestsPerSecond as number;
  expect(rate).toBeGreaterThan(5);
  expect(busy?.medianHoldMs).toBeLessThan(100);
  expect(busy?.finding).toBe(
    `GET /events is re-requested as soon as each answer arrives and the server answers at once, about ${Math.round(rate)} requests a second; let the server hold the request until there is news (long-poll), or wait between polls.`,
  );
  console.log(
    `busy loop e2e (${browser.engine}): ${BUSY_CYCLES} cycles at ${rate} requests/s, median hold ${busy?.medianHoldMs} ms`,
  );
});

test('a paginated crawl and a batch of different URLs answered at once are no pattern', async () => {
  const { panel, exportTimeline } = await capture('/near-misses', 'done');
  await expect
    .poll(async () => (await exportTimeline()).connections.filter((c) => c.url.includes('/api/')).length, {
      timeout: 10_000,
    })
    .toBe(60);
  const t = await exportTimeline();
  expect(t.patterns).toEqual([]);
  expect(await panel.texts(CHANNEL)).toEqual([]);
  expect(await panel.texts('[data-testid="findings"]')).toEqual([]);
  await panel.screenshot(resolve(shots, 'near-misses-1280x800.png'));
});
