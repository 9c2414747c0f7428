// A poll storm as a finding people can act on, end to end in Chromium: the
// seed's long-poll snippet storms against a held server; the findings strip
// shows it going on (since when, how many in flight) with the status bar's
// count; the page stops the storm and the finding says when it ended, no
// longer in red; "Show these requests" narrows the list and undoes; the
// initiator names the page's line that sent the polls, and inside the real
// DevTools opens the page in the Sources panel. Screenshots at
// 1280x800 and the docked sizes go to test-results/findings/;
// WIRESCOPE_DOCS_SHOTS=1 writes docs/storm-finding.png instead of its copy there.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { type CaptureSession, openCapture } from './support/capture';
import { CdpSession, openWirescopeInDevTools, poll, waitForDevToolsFrontEnd } from './support/devtools';
import { startServer, type TestServer } from './support/server';
import { STORM_PAGE, serveStorm } from './support/storm-page';
import { expect, type Page, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SHOTS = resolve(ROOT, 'test-results', 'findings');
const DOCS_SHOT =
  process.env.WIRESCOPE_DOCS_SHOTS === '1'
    ? resolve(ROOT, 'docs', 'storm-finding.png')
    : resolve(SHOTS, 'storm-finding.png');

/** The page's line that sends every poll (1-based, as the document counts it). */
const SEND_LINE = STORM_PAGE.split('\n').findIndex((l) => l.includes('xhr.send()')) + 1;

const DOCKED = [
  { width: 480, height: 260 },
  { width: 400, height: 300 },
  { width: 500, height: 350 },
];

let server: TestServer;
let browser: LaunchedBrowser;
let session: CaptureSession | null = null;

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await startServer();
  serveStorm(server);
  browser = await launchBrowser();
});

test.afterEach(async () => {
  await session?.page.evaluate(() => {
    (window as unknown as { stopStorm: boolean }).stopStorm = true;
  });
  await session?.panel.close();
  session = null;
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function stormPanel(): Promise<CaptureSession> {
  session = await openCapture(browser, `${server.origin}/storm`);
  await session.panel.setViewportSize({ width: 1280, height: 800 });
  await session.panel.emulateMedia({ colorScheme: 'light' });
  return session;
}

/** Rows of the event list inside both its scroll area and the window. */
async function visibleRows(panel: Page): Promise<number> {
  return panel.evaluate(() => {
    const scroller = document.querySelector('[data-testid="events"]');
    if (!scroller) return 0;
    const area = scroller.getBoundingClientRect();
    const bottom = Math.min(area.bottom, window.innerHeight);
    return [...scroller.querySelectorAll('tbody tr')].filter((tr) => {
      const r = tr.getBoundingClientRect();
      return r.height > 0 && r.top >= area.top - 1 && r.bottom <= bottom + 1;
    }).length;
  });
}

const CLOCK = /\d\d:\d\d:\d\d\.\d{3}/;

test('a storm is a finding: ongoing, then ended with when; its requests, and the line that sent them', async () => {
  const { page, panel, waitForTimeline } = await stormPanel();
  const strip = panel.getByTestId('findings');
  const ongoing = strip.locator('li.finding.ongoing');
  await expect(ongoing).toBeVisible({ timeout: 15_000 });
  await expect(ongoing).toContainText('Long-poll storm on GET /storm/poll');
  await expect(ongoing.locator('.finding-when')).toHaveText(
    new RegExp(`^since ${CLOCK.source} · \\d+ in flight$`),
  );
  await expect(panel.getByTestId('findings-count')).toHaveText('⚠ 1 finding');
  // The initiator: the page's line that sends every poll (as text: a popped-out panel has no Sources panel).
  const initiator = ongoing.getByTestId('initiator');
  await expect(initiator).toHaveText(new RegExp(`^longPoll @ storm:${SEND_LINE}:\\d+$`));
  await panel.screenshot({ path: resolve(SHOTS, 'ongoing-1280x800.png') });

  // The page stops making polls: once the ones in flight are answered and a calm period passed, it ended.
  await page.evaluate(() => {
    (window as unknown as { stopStorm: boolean }).stopStorm = true;
  });
  const ended = strip.locator('li.finding.ended');
  await expect(ended).toBeVisible({ timeout: 30_000 });
  await expect(ended.locator('.finding-when')).toHaveText(new RegExp(`^ended ${CLOCK.source}$`));
  await expect(ended.locator('.finding-title')).not.toHaveCSS('color', 'rgb(197, 34, 31)');
  await expect(panel.getByTestId('findings-count')).toHaveText('1 finding (ended)');
  await expect(panel.locator('.sidebar .storm')).toHaveText(
    new RegExp(`^Poll storm ${CLOCK.source} – ended ${CLOCK.source}: up to \\d+ requests in flight$`),
  );
  await expect(panel.locator('.sidebar .state.st-storm')).toHaveCount(0);

  // Its fault and fix, on demand.
  await ended.locator('.finding-title').click();
  await expect(ended.locator('.finding-details')).toContainText('Keep one request in flight');
  await panel.screenshot({ path: resolve(SHOTS, 'ended-1280x800.png') });
  await ended.locator('.finding-title').click();

  // "Show these requests" narrows the list to the loop's requests, and undoes.
  const summary = panel.getByTestId('summary');
  await summary
    .getByText(/events/)
    .first()
    .waitFor();
  const allText = await summary.textContent();
  await ended.getByRole('button', { name: 'Show these requests' }).click();
  await expect(panel.locator('.sidebar .conn-entry.selected')).toContainText('/storm/poll');
  await expect(ended.getByRole('button', { name: 'Show all requests' })).toBeVisible();
  await ended.getByRole('button', { name: 'Show all requests' }).click();
  await expect(panel.locator('.sidebar .conn-entry.all.selected')).toBeVisible();
  expect(allText).toMatch(/events/);

  // A request's Headers & timing names its initiator too.
  await panel.locator('[data-testid="events"] tbody tr').nth(3).dispatchEvent('mousedown');
  const detail = panel.getByTestId('detail');
  await detail.getByRole('tab', { name: 'Headers & timing' }).click();
  await expect(detail.getByTestId('initiator')).toHaveText(
    new RegExp(`^longPoll @ storm:${SEND_LINE}:\\d+$`),
  );
  await panel.keyboard.press('Escape');

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

  // Docked: the strip is one line, and the list keeps its rows.
  for (const size of DOCKED) {
    const name = `${size.width}x${size.height}`;
    await panel.setViewportSize(size);
    await expect(strip).toBeVisible();
    const height = await strip.evaluate((el) => el.getBoundingClientRect().height);
    expect(height, `strip height at ${name}`).toBeLessThanOrEqual(24);
    await expect.poll(() => visibleRows(panel), { message: `rows at ${name}` }).toBeGreaterThanOrEqual(4);
    await expect(strip.getByRole('button', { name: /Show (these|all) requests/ })).toBeVisible();
    await expect(strip.getByRole('button', { name: /^Dismiss/ })).toBeVisible();
    await panel.screenshot({ path: resolve(SHOTS, `docked-${name}.png`) });
  }
  // Dismissed, the strip goes; the status bar's count brings it back.
  await strip.getByRole('button', { name: /^Dismiss/ }).click();
  await expect(strip).toHaveCount(0);
  await panel.getByTestId('findings-count').click();
  await expect(panel.getByTestId('findings')).toBeFocused();
});

test('the storm finding, as the docs show it (1280x800, light)', async () => {
  const { panel } = await stormPanel();
  const finding = panel.getByTestId('findings').locator('li.finding.ongoing');
  await expect(finding).toBeVisible({ timeout: 15_000 });
  await finding.locator('.finding-title').click();
  await finding.getByRole('button', { name: 'Show these requests' }).click();
  await panel.locator('[data-testid="events"] tbody tr').nth(4).dispatchEvent('mousedown');
  await panel.getByTestId('detail').getByRole('tab', { name: 'Headers & timing' }).click();
  await expect(panel.getByTestId('detail').getByTestId('initiator')).toBeVisible();
  await panel.screenshot({ path: DOCS_SHOT });
});

test('inside DevTools the initiator is a link that opens the page in the Sources panel', async () => {
  const withDevTools = await launchBrowser({ devtools: true });
  try {
    const page = withDevTools.context.pages()[0] ?? (await withDevTools.context.newPage());
    await page.goto(`${server.origin}/storm`);
    const port = withDevTools.debugPort as number;
    const panel = await openWirescopeInDevTools(port, withDevTools.extensionId);
    try {
      // Inside DevTools the initiator is a button (openResource exists), not text.
      const label = await panel.waitFor<string>(
        `(() => { const b = document.querySelector('[data-testid="findings"] button[data-testid="initiator"]'); return b ? b.textContent : null; })()`,
        20_000,
      );
      expect(label).toMatch(new RegExp(`^longPoll @ storm:${SEND_LINE}:\\d+$`));
      await page.evaluate(() => {
        (window as unknown as { stopStorm: boolean }).stopStorm = true;
      });
      await panel.evaluate(
        `document.querySelector('[data-testid="findings"] button[data-testid="initiator"]').click()`,
      );
      const front = await waitForDevToolsFrontEnd(port);
      const devtools = await CdpSession.connect(front.webSocketDebuggerUrl as string);
      try {
        // The Sources panel shows the page. (Headless DevTools here leaves the page's source text
        // unloaded, so where the cursor lands is not checked; openResourceArgs is unit-tested.)
        const shown = await poll(
          'the Sources panel on the storm page',
          () =>
            devtools.evaluate<string | null>(`(async () => {
              const UI = await import('./ui/legacy/legacy.js');
              if (UI.InspectorView.InspectorView.instance().tabbedPane.selectedTabId !== 'sources') return null;
              const Sources = await import('./panels/sources/sources.js');
              const frame = Sources.SourcesPanel.SourcesPanel.instance().sourcesView().currentSourceFrame();
              return frame ? frame.uiSourceCode().url() : null;
            })()`),
          15_000,
        );
        expect(shown).toBe(`${server.origin}/storm`);
      } finally {
        devtools.close();
      }
    } finally {
      panel.close();
    }
  } finally {
    await withDevTools.close();
  }
});
