// Takes the README's screenshot (docs/panel.png, 1280x800): the demo app's
// varied realtime traffic in the panel, a JSON message selected.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type DemoServer, startDemoServer } from '../../scripts/demo/server';
import { type LaunchedBrowser, launchBrowser, onlyTabId } from './support/browser';
import { expect, test } from './support/test';

const OUT = resolve(import.meta.dirname, '..', '..', 'docs', 'panel.png');

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
  const tabId = await onlyTabId(browser);
  const panel = await context.newPage();
  await panel.setViewportSize({ width: 1280, height: 800 });
  await panel.emulateMedia({ colorScheme: 'light' });
  await panel.goto(`chrome-extension://${extensionId}/panel.html?tabId=${tabId}`);
  // Let the demo run for a while so every transport has traffic.
  await expect
    .poll(async () => panel.locator('[data-testid="events"] tbody tr').count(), { timeout: 20_000 })
    .toBeGreaterThan(30);
  await panel.waitForTimeout(8000);
  // Select a long-poll response so the detail pane shows a JSON tree.
  const row = panel.locator('[data-testid="events"] tbody tr', { hasText: '"changes"' }).last();
  await row.dispatchEvent('mousedown');
  await panel.getByRole('button', { name: 'Expand changes' }).click();
  await panel.getByRole('button', { name: 'Expand 0' }).click();
  await panel.mouse.move(1, 795);
  await mkdir(resolve(OUT, '..'), { recursive: true });
  await panel.screenshot({ path: OUT });
});
