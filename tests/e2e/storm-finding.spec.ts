// A poll storm as a finding people can act on, end to end in Chromium and
// Firefox: the seed's long-poll snippet storms against a held server; the
// findings strip shows it going on (since when, how many in flight) with the
// status bar's count; the page stops the storm and the finding says when it
// ended, no longer in red; docked, the strip is one line over exchange rows;
// "Show these requests" narrows the list and undoes; the initiator names the
// page's line that sent the polls, in the strip, the request's detail and the
// export. (Inside the real Chrome DevTools the initiator opens the Sources
// panel: storm-finding.chromium.spec.ts.) Screenshots at 1280x800 and the
// docked sizes go to test-results/findings/<browser>/; WIRESCOPE_DOCS_SHOTS=1
// writes Chromium's docs/storm-finding.png instead of its copy there.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { EngineBrowser, EngineCapture, PanelView } from './support/engine';
import { launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { STORM_PAGE, serveStorm } from './support/storm-page';
import { expect, test } from './support/test';
import { retryTimedTests } from './support/timing-retries';
import { visibleRowTexts } from './support/visible-rows';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The page's line that sends every poll (1-based, as the document counts it). */
const SEND_LINE = STORM_PAGE.split('\n').findIndex((l) => l.includes('xhr.send()')) + 1;
/** The initiator as the panel prints it: function @ page:line:column. */
const INITIATOR = new RegExp(`^longPoll @ storm:${SEND_LINE}:\\d+$`);

const DOCKED = [
  { width: 480, height: 260 },
  { width: 400, height: 300 },
  { width: 500, height: 350 },
];

const STRIP = '[data-testid="findings"]';
const ONGOING = `${STRIP} li.finding.ongoing`;
const ENDED = `${STRIP} li.finding.ended`;
const CLOCK = /\d\d:\d\d:\d\d\.\d{3}/;

retryTimedTests();

let server: TestServer;
let browser: EngineBrowser;
let shots: string;
let session: EngineCapture | null = null;

test.beforeAll(async ({ engine }) => {
  shots = resolve(ROOT, 'test-results', 'findings', engine);
  await mkdir(shots, { recursive: true });
  server = await startServer();
  serveStorm(server);
  browser = await launchEngine(engine);
});

test.afterEach(async () => {
  await session?.page.evaluate(() => {
    (window as unknown as { stopStorm: boolean }).stopStorm = true;
  });
  session = null;
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function stormPanel(): Promise<EngineCapture> {
  session = await browser.openCapture(`${server.origin}/storm`);
  await session.panel.setViewport(1280, 800);
  await session.panel.emulateColorScheme('light');
  return session;
}

/** Rows of the event list a user sees (support/visible-rows.ts). */
async function visibleRows(panel: PanelView): Promise<number> {
  return (await panel.evaluate(visibleRowTexts)).length;
}

/** What a docked panel shows: the strip's and the list's heights, the exchange rows' methods, the strip's buttons. */
function dockedLook(panel: PanelView) {
  return panel.evaluate(() => {
    const strip = document.querySelector('[data-testid="findings"]');
    const list = document.querySelector('[data-testid="events"]')?.getBoundingClientRect();
    const exchanges = [...document.querySelectorAll('[data-testid="events"] tr[data-type="exchange"]')];
    const shown = (b: Element) => {
      const r = b.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.right <= window.innerWidth + 1;
    };
    return {
      width: document.documentElement.clientWidth,
      stripHeight: strip?.getBoundingClientRect().height ?? 0,
      listHeight: list?.height ?? 0,
      exchanges: exchanges.length,
      methods: [...new Set(exchanges.map((tr) => tr.querySelector('.c-method')?.textContent))],
      buttons: [...(strip?.querySelectorAll('button') ?? [])]
        .filter(shown)
        .map((b) => b.getAttribute('aria-label') ?? b.textContent?.trim() ?? ''),
    };
  });
}

test('a storm is a finding: ongoing, then ended with when; docked; its requests, and the line that sent them', async () => {
  const { page, panel, waitForTimeline } = await stormPanel();
  await expect.poll(() => panel.texts(ONGOING), { timeout: 15_000 }).toHaveLength(1);
  expect(await panel.text(ONGOING)).toContain('Long-poll storm on GET /storm/poll');
  expect(await panel.text(`${ONGOING} .finding-when`)).toMatch(
    new RegExp(`^since ${CLOCK.source} · \\d+ in flight$`),
  );
  expect(await panel.text('[data-testid="findings-count"]')).toBe('⚠ 1 finding');
  // The initiator: the page's line that sends every poll (as text: a popped-out panel has no Sources panel).
  expect(await panel.text(`${ONGOING} [data-testid="initiator"]`)).toMatch(INITIATOR);
  await panel.screenshot(resolve(shots, 'ongoing-1280x800.png'));

  // The page stops making polls: once the ones in flight are answered and a calm period passed, it ended.
  await page.evaluate(() => {
    (window as unknown as { stopStorm: boolean }).stopStorm = true;
  });
  await expect.poll(() => panel.texts(ENDED), { timeout: 30_000 }).toHaveLength(1);
  expect(await panel.text(`${ENDED} .finding-when`)).toMatch(new RegExp(`^ended ${CLOCK.source}$`));
  const titleColor = await panel.evaluate(() => {
    const title = document.querySelector('[data-testid="findings"] li.finding.ended .finding-title');
    return title ? getComputedStyle(title).color : null;
  });
  expect(titleColor).not.toBeNull();
  expect(titleColor).not.toBe('rgb(197, 34, 31)');
  await expect.poll(() => panel.text('[data-testid="findings-count"]')).toBe('1 finding (ended)');
  await expect
    .poll(() => panel.texts('.sidebar .storm'))
    .toEqual([
      expect.stringMatching(
        new RegExp(`^Poll storm ${CLOCK.source} – ended ${CLOCK.source}: up to \\d+ requests in flight$`),
      ),
    ]);
  expect(await panel.texts('.sidebar .state.st-storm')).toEqual([]);

  // Its fault and fix, on demand.
  await panel.click(`${ENDED} .finding-title`);
  await expect.poll(() => panel.text(`${ENDED} .finding-details`)).toContain('Keep one request in flight');
  await panel.screenshot(resolve(shots, 'ended-1280x800.png'));
  await panel.click(`${ENDED} .finding-title`);

  // Docked: the strip is one line over exchange rows, with its buttons; the list keeps its rows.
  for (const size of DOCKED) {
    const name = `${size.width}x${size.height}`;
    await panel.setViewport(size.width, size.height);
    await expect.poll(async () => (await dockedLook(panel)).width).toBe(size.width);
    await expect.poll(() => visibleRows(panel), { message: `rows at ${name}` }).toBeGreaterThanOrEqual(4);
    await panel.screenshot(resolve(shots, `docked-${name}.png`));
    const look = await dockedLook(panel);
    expect(look.stripHeight, `strip height at ${name}`).toBeGreaterThan(0);
    expect(look.stripHeight, `strip height at ${name}`).toBeLessThanOrEqual(24);
    expect(look.listHeight, `list height at ${name}`).toBeGreaterThan(look.stripHeight * 2);
    expect(look.exchanges).toBeGreaterThan(2);
    expect(look.methods).toEqual(['GET']);
    expect(look.buttons).toContainEqual(expect.stringMatching(/^Show (these|all) requests$/));
    expect(look.buttons).toContainEqual(expect.stringMatching(/^Dismiss/));
  }
  // Roomy again: the overview keeps its time axis of clock times, and the list
  // (resized four times, never scrolled by the user) still follows the newest.
  await panel.setViewport(1280, 800);
  await expect.poll(async () => (await panel.texts('[data-testid="axis-label"]')).length).toBeGreaterThan(1);
  expect((await panel.texts('[data-testid="axis-label"]'))[0]).toMatch(/^\d\d:\d\d(:\d\d)?/);
  expect(await panel.texts('.new-pill')).toEqual([]);

  // "Show these requests" narrows the list to the loop's requests, and undoes.
  await expect.poll(() => panel.text('[data-testid="summary"]')).toMatch(/events/);
  await panel.clickButton('Show these requests');
  await expect.poll(() => panel.text('.sidebar .conn-entry.selected')).toContain('/storm/poll');
  await panel.clickButton('Show all requests');
  await expect.poll(async () => (await panel.texts('.sidebar .conn-entry.all.selected')).length).toBe(1);

  // A request's Headers & timing names its initiator too.
  await panel.selectRow(3);
  await expect.poll(async () => (await panel.texts('[data-testid="detail"]')).length).toBe(1);
  await panel.clickButton('Headers & timing');
  await expect.poll(() => panel.text('[data-testid="detail"] [data-testid="initiator"]')).toMatch(INITIATOR);
  await panel.press('Escape');

  // The export carries the initiator and the storm's end.
  const t = await waitForTimeline((x) =>
    x.patterns.some((p) => (p.storm as { endedAt?: number | null } | null)?.endedAt),
  );
  const polls = t.connections.filter((c) => c.url.endsWith('/storm/poll'));
  const sites = polls.filter((c) => c.initiator);
  expect(sites.length, 'every poll after the first looks like a loop').toBeGreaterThanOrEqual(
    polls.length - 1,
  );
  for (const c of sites)
    expect(c.initiator).toMatchObject({ fn: 'longPoll', url: `${server.origin}/storm`, line: SEND_LINE });

  // Dismissed, the strip goes; the status bar's count brings it back.
  await panel.clickButton(/^Dismiss/);
  await expect.poll(() => panel.texts(STRIP)).toEqual([]);
  await panel.click('[data-testid="findings-count"]');
  await expect
    .poll(() => panel.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null))
    .toBe('findings');
});

test('the storm finding, as the docs show it (1280x800, light)', async ({ engine }) => {
  // The docs show Chromium's panel; Firefox's goes beside the other screenshots.
  const shot =
    process.env.WIRESCOPE_DOCS_SHOTS === '1' && engine === 'chromium'
      ? resolve(ROOT, 'docs', 'storm-finding.png')
      : resolve(shots, 'storm-finding.png');
  const { panel } = await stormPanel();
  await expect.poll(() => panel.texts(ONGOING), { timeout: 15_000 }).toHaveLength(1);
  await panel.click(`${ONGOING} .finding-title`);
  await panel.clickButton('Show these requests');
  await panel.selectRow(4);
  await expect.poll(async () => (await panel.texts('[data-testid="detail"]')).length).toBe(1);
  await panel.clickButton('Headers & timing');
  await expect.poll(() => panel.text('[data-testid="detail"] [data-testid="initiator"]')).toMatch(INITIATOR);
  await panel.screenshot(shot);
});
