// Takes the README's screenshot (1280x800): the demo app's varied realtime
// traffic in the panel, a JSON message selected. A test run writes it under
// test-results/; `npm run screenshot` sets WIRESCOPE_SCREENSHOT=docs/panel.png
// to refresh the README's copy.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type DemoServer, startDemoServer } from '../../scripts/demo/server';
import { type LaunchedBrowser, launchBrowser, onlyTabId } from './support/browser';
import { expect, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT = resolve(ROOT, process.env.WIRESCOPE_SCREENSHOT || 'test-results/panel.png');

let demo: DemoServer;
let browser: LaunchedBrowser;

test.beforeAll(async () => {
  demo = await startDemoServer({ port: 0 });
});
test.afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

test('screenshot of the panel with realistic traffic for the README', async () => {
  browser = await launchBrowser();
  const { context, extensionId } = browser;
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(demo.url);
  const counters = async (card: string) =>
    (await page.locator(`#${card} [data-counters]`).textContent()) ?? '';
  const tabId = await onlyTabId(browser);
  const panel = await context.newPage();
  await panel.setViewportSize({ width: 1280, height: 800 });
  await panel.emulateMedia({ colorScheme: 'light' });
  await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
  // Let the demo run until every transport has traffic: each loop has gone
  // round a few times, Socket.IO has upgraded, and the panel lists the
  // long-poll and polling channels.
  await expect(page.locator('#io [data-status]')).toHaveText('upgraded to websocket', { timeout: 20_000 });
  await expect.poll(() => counters('ws'), { timeout: 20_000 }).toMatch(/binary [1-9]/);
  await expect.poll(() => counters('sse'), { timeout: 20_000 }).toMatch(/price [1-9]/);
  await expect.poll(() => counters('xhr'), { timeout: 20_000 }).toMatch(/cycles ([3-9]|\d\d)/);
  await expect.poll(() => counters('fetch'), { timeout: 20_000 }).toMatch(/cycles ([3-9]|\d\d)/);
  await expect.poll(() => counters('poll'), { timeout: 20_000 }).toMatch(/polls ([3-9]|\d\d)/);
  await expect
    .poll(async () => panel.locator('.conn-entry.k-channel').count(), { timeout: 20_000 })
    .toBeGreaterThanOrEqual(3);
  await expect
    .poll(async () => panel.locator('[data-testid="events"] tbody tr').count(), { timeout: 20_000 })
    .toBeGreaterThan(30);
  // Socket.IO is decoded: labelled in the sidebar, its events read as events in the list.
  await expect(
    panel.locator('nav[aria-label="Connections"] .badge.proto', { hasText: 'Socket.IO' }).first(),
  ).toBeVisible();
  await expect
    .poll(
      async () =>
        panel.locator('[data-testid="events"] td.c-data', { hasText: /^EVENT tick \{"n":/ }).count(),
      {
        timeout: 20_000,
      },
    )
    .toBeGreaterThan(0);
  // Select a long-poll response so the detail pane shows a JSON tree.
  const row = panel.locator('[data-testid="events"] tbody tr', { hasText: '"changes"' }).last();
  await row.dispatchEvent('mousedown');
  await panel.getByRole('button', { name: 'Expand changes' }).click();
  await panel.getByRole('button', { name: 'Expand 0' }).click();
  await panel.mouse.move(1, 795);
  await mkdir(resolve(OUT, '..'), { recursive: true });
  await panel.screenshot({ path: OUT });
});
