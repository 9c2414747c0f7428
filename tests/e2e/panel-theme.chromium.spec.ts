import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { expect, test } from './support/test';

// Outside DevTools (popped out) there is no DevTools theme to follow: the
// panel follows the system colour scheme, and switches when it changes.

let browser: LaunchedBrowser;

test.afterAll(async () => {
  await browser?.close();
});

test('a popped-out panel follows the system colour scheme, live', async () => {
  browser = await launchBrowser();
  const panel = browser.context.pages()[0] ?? (await browser.context.newPage());
  await panel.emulateMedia({ colorScheme: 'dark' });
  await panel.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=1`);
  const theme = () => panel.evaluate(() => document.documentElement.dataset.theme);
  await expect.poll(theme).toBe('dark');
  const background = () => panel.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await background()).toBe('rgb(32, 33, 36)');
  await panel.emulateMedia({ colorScheme: 'light' });
  await expect.poll(theme).toBe('light');
  expect(await background()).toBe('rgb(255, 255, 255)');
});
