// A selected long-poll channel shows its cycles: a real XHR long-poll against
// a loopback server (one answer a 503, the last poll left held), the channel
// chosen in the panel's connections list, its cycles table checked row by
// row at a roomy size and at the sizes DevTools has docked; clicking a cycle
// selects its request in the event list. Screenshots go to
// test-results/cycles/; with WIRESCOPE_DOCS_SHOTS=1 the 1280x800 light one
// is written to docs/channel-cycles.png.

import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { type CaptureSession, openCapture } from './support/capture';
import { ANSWERS, CYCLES, FAILING, holdOf, serveHeldLongPoll } from './support/held-long-poll';
import { type PatternServer, startPatternServer } from './support/pattern-servers';
import { expect, type Page, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SHOTS = resolve(ROOT, 'test-results', 'cycles');
const DOCS_SHOT =
  process.env.WIRESCOPE_DOCS_SHOTS === '1'
    ? resolve(ROOT, 'docs', 'channel-cycles.png')
    : resolve(SHOTS, 'channel-cycles.png');

let server: PatternServer;
let browser: LaunchedBrowser;
let session: CaptureSession | null = null;
let runs = 0;

test.beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await startPatternServer();
  browser = await launchBrowser();
});

test.afterEach(async () => {
  if (session) {
    await session.panel.close().catch(() => {});
    await session.page.goto('about:blank').catch(() => {});
  }
  session = null;
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the page and the panel, and waits until every answer was given and the last poll is held. */
async function captureLongPoll(): Promise<CaptureSession> {
  session = await openCapture(browser, serveHeldLongPoll(server, String(++runs)));
  await session.page.waitForFunction(
    (n) => (window as unknown as { answered: number }).answered >= n,
    ANSWERS,
    {
      timeout: 20_000,
    },
  );
  return session;
}

const cycleRows = (panel: Page) => panel.locator('[data-testid="cycles"] tbody tr:not(.spacer)');
const cycleRow = (panel: Page, n: number) =>
  panel.locator('[data-testid="cycles"] tbody tr:not(.spacer)', {
    has: panel.locator('td.c-num', { hasText: new RegExp(`^${n}$`) }),
  });

/** A cycle's cells by column (number, start, hold, gap, status, size, flight); a narrow table has no size. */
async function cells(panel: Page, n: number): Promise<Record<string, string>> {
  return cycleRow(panel, n).evaluate((tr) =>
    Object.fromEntries(
      [...tr.querySelectorAll('td')].map((td) => [td.getAttribute('data-col') ?? '', td.textContent ?? '']),
    ),
  );
}

/** The row is wholly inside the table's scroll area, under its sticky header. */
async function inView(panel: Page, n: number): Promise<boolean> {
  return cycleRow(panel, n).evaluate((tr) => {
    const scroller = tr.closest('.cycles-scroll') as HTMLElement;
    const head = scroller.querySelector('thead') as HTMLElement;
    const area = scroller.getBoundingClientRect();
    const r = tr.getBoundingClientRect();
    return r.top >= head.getBoundingClientRect().bottom - 1 && r.bottom <= area.bottom + 1;
  });
}

/** Checks every row of the table: eight answers (one a 503), then the poll still held. */
async function expectCycleRows(panel: Page): Promise<void> {
  await expect(cycleRows(panel)).toHaveCount(CYCLES);
  // The last answer's end is recorded a moment after the next poll started (re-issued in its handler).
  await expect(cycleRow(panel, ANSWERS).locator('td.c-status')).toHaveText('200');
  for (let n = 1; n <= CYCLES; n++) {
    const { number, start, hold, gap, status, size, flight: inFlight } = await cells(panel, n);
    expect(number).toBe(String(n));
    // The start's clock; docked narrow, it is in the row's tooltip with the size.
    if (start !== undefined) expect(start, `start of cycle ${n}`).toMatch(/^\d\d:\d\d:\d\d/);
    else await expect(cycleRow(panel, n)).toHaveAttribute('title', /started \d\d:\d\d:\d\d\.\d{3}/);
    expect(inFlight, `in flight at cycle ${n}`).toBe('1');
    if (n === CYCLES) {
      expect(status).toBe('pending');
      expect(hold).toMatch(/…$/);
      if (size !== undefined) expect(size).toBe('');
    } else {
      expect(status).toBe(n === FAILING ? '503' : '200');
      const ms = holdOf(n);
      const holdMs = hold?.endsWith(' ms') ? Number.parseFloat(hold) : Number.parseFloat(hold ?? '') * 1000;
      expect(holdMs, `hold of cycle ${n}: ${hold}`).toBeGreaterThanOrEqual(ms - 5);
      expect(holdMs, `hold of cycle ${n}: ${hold}`).toBeLessThan(ms + 2000);
      if (size !== undefined) expect(size).toMatch(/ B$/);
    }
    if (n > 1) expect(gap, `gap before cycle ${n}`).toMatch(/^\d+ ms$/);
  }
  await expect(cycleRow(panel, FAILING)).toHaveClass(/o-http-error/);
}

test('a selected long-poll channel shows its cycles, the newest in view; a cycle selects its request', async () => {
  const { panel } = await captureLongPoll();
  await panel.setViewportSize({ width: 1280, height: 800 });
  const channel = panel.locator('.conn-entry.k-channel');
  await expect(channel).toHaveCount(1);
  await expect(channel).toContainText(`${CYCLES} cycles`);
  await channel.click();

  const cycles = panel.getByTestId('cycles');
  await expect(cycles).toContainText(/Long-poll GET \/inbox\/\d+\/wait/);
  await expect(panel.getByTestId('cycles-facts')).toContainText(`${CYCLES} cycles`);
  await expect(panel.getByTestId('cycles-facts')).toContainText('1 failure');
  await expect(panel.getByTestId('cycles-facts')).toContainText('1 in flight');
  await expect(panel.getByTestId('cycles-storm')).toHaveText('no storm (≤ 1 in flight)');
  await expectCycleRows(panel);
  expect(await inView(panel, CYCLES)).toBe(true);
  await panel.screenshot({ path: resolve(SHOTS, 'cycles-1280x800.png') });

  // A cycle selects its request in the event list; the table stays.
  await cycleRow(panel, 3).click();
  await expect(cycleRow(panel, 3)).toHaveClass(/selected/);
  const selected = panel.locator('[data-testid="events"] tbody tr.selected');
  await expect(selected).toHaveCount(1);
  await expect(selected).toHaveAttribute('data-type', 'exchange');
  await expect(selected).toBeInViewport();
  await expect(panel.getByTestId('detail')).toHaveCount(0);
  // A double click opens its detail: the request's headers and timing; closing it brings the table back.
  await cycleRow(panel, 3).dblclick();
  await expect(panel.getByTestId('detail')).toContainText(/\/inbox\/\d+\/wait/);
  await panel.getByRole('button', { name: 'Close detail' }).click();
  await expect(cycles).toBeVisible();
  await expect(cycleRow(panel, 3)).toHaveClass(/selected/);
  await panel.screenshot({ path: resolve(SHOTS, 'cycles-1280x800-selected.png') });

  // Exported and imported back: the poll still held when the file was saved is "pending at export".
  const [download] = await Promise.all([
    panel.waitForEvent('download'),
    panel.getByRole('button', { name: 'Export timeline' }).click(),
  ]);
  const saved = await readFile(await download.path(), 'utf8');
  await panel
    .getByLabel('Import file')
    .setInputFiles({ name: 'inbox.json', mimeType: 'application/json', buffer: Buffer.from(saved) });
  await expect(
    panel.getByRole('status').filter({ hasText: 'Viewing imported file inbox.json' }),
  ).toBeVisible();
  await panel.locator('.conn-entry.k-channel').click();
  await expect(cycleRows(panel)).toHaveCount(CYCLES);
  const last = await cells(panel, CYCLES);
  expect(last.status).toBe('pending at export');
  expect(last.hold).toBe('—');
  expect((await cells(panel, FAILING)).status).toBe('503');
  await expect(panel.getByTestId('cycles-facts')).toContainText('1 pending at export');
  await panel.screenshot({ path: resolve(SHOTS, 'cycles-1280x800-imported.png') });
});

for (const size of [
  { width: 480, height: 260 },
  { width: 500, height: 350 },
]) {
  const name = `${size.width}x${size.height}`;
  test(`docked at ${name}, the channel chosen from the drop-down shows its cycles, newest in view`, async () => {
    const { panel } = await captureLongPoll();
    await panel.setViewportSize(size);
    await panel.getByRole('button', { name: /^Connection:/ }).click();
    await panel.locator('.conn-entry.k-channel').click();
    await expect(panel.getByTestId('cycles')).toBeVisible();
    await expectCycleRows(panel);
    await expect.poll(() => inView(panel, CYCLES)).toBe(true);
    // The event list keeps a share of the width beside the table.
    const listWidth = await panel.getByTestId('events').evaluate((el) => el.getBoundingClientRect().width);
    expect(listWidth).toBeGreaterThan(size.width * 0.35);
    await panel.screenshot({ path: resolve(SHOTS, `cycles-${name}.png`) });
    await panel.emulateMedia({ colorScheme: 'dark' });
    await panel.screenshot({ path: resolve(SHOTS, `cycles-${name}-dark.png`) });
    await panel.emulateMedia({ colorScheme: null });
  });
}

test('the cycles of a long-poll channel, for the docs (1280x800, light)', async () => {
  const { panel } = await captureLongPoll();
  await panel.setViewportSize({ width: 1280, height: 800 });
  await panel.emulateMedia({ colorScheme: 'light' });
  await panel.locator('.conn-entry.k-channel').click();
  await expect(cycleRows(panel)).toHaveCount(CYCLES);
  await cycleRow(panel, FAILING - 1).click();
  await expect(panel.locator('[data-testid="events"] tbody tr.selected')).toHaveCount(1);
  await panel.mouse.move(1, 795);
  await mkdir(resolve(DOCS_SHOT, '..'), { recursive: true });
  await panel.screenshot({ path: DOCS_SHOT });
});
