// The command path in Chromium, end to end with the built extension: the
// panel asks each frame's page hook for its status (hook-status) over its
// links to the relays, and shows what the hooks say; a page extensions
// cannot enter is said to be one; and a hostile page that knows every
// message shape cannot drive a hook or read a reply.

import { type LaunchedBrowser, launchBrowser, onlyTabId } from './support/browser';
import { openPanelFor } from './support/capture';
import { framesOf, serveCommandRoutes } from './support/command-pages';
import { openWirescopeInDevTools } from './support/devtools';
import { startServer, type TestServer } from './support/server';
import { expect, type Page, test } from './support/test';

let server: TestServer;
let browser: LaunchedBrowser;
let routes: { release(): void };

test.beforeAll(async () => {
  server = await startServer();
  routes = serveCommandRoutes(server);
  browser = await launchBrowser();
});

test.afterAll(async () => {
  routes?.release();
  await browser?.close();
  await server?.close();
});

/** Loads url in the only tab, waits for the page to say it is ready, and opens the panel for it. */
async function pageAndPanel(url: string): Promise<{ page: Page; panel: Page }> {
  const { context } = browser;
  const page = context.pages()[0] ?? (await context.newPage());
  for (const extra of context.pages().slice(1)) await extra.close();
  await page.goto(url);
  await page.waitForFunction(() => document.title === 'ready');
  const panel = await openPanelFor(browser, await onlyTabId(browser));
  return { page, panel };
}

const tooltip = (panel: Page) =>
  panel
    .getByTestId('hook-status')
    .getAttribute('title')
    .then((t) => t ?? '');

/** Clicks the status (ask again) and waits until every frame has answered with more commands than before. */
async function refresh(panel: Page, frames: number): Promise<Map<string, number>> {
  const before = new Map(framesOf(await tooltip(panel)).map((f) => [f.where, f.commandsAnswered ?? 0]));
  await panel.getByTestId('hook-status').click();
  let after = new Map<string, number>();
  await expect
    .poll(async () => {
      const now = framesOf(await tooltip(panel));
      after = new Map(now.map((f) => [f.where, f.commandsAnswered ?? 0]));
      return (
        now.length === frames && now.every((f) => (f.commandsAnswered ?? 0) > (before.get(f.where) ?? 0))
      );
    })
    .toBe(true);
  return after;
}

test("the panel shows each frame's hook status, and asks again on click", async () => {
  const { panel } = await pageAndPanel(`${server.origin}/status.html`);
  const status = panel.getByTestId('hook-status');
  await expect(status).toHaveText('hook: 2 frames · 3 sockets open · 1 event source open · 1 HTTP in flight');
  const frames = framesOf(await tooltip(panel));
  expect(frames.map((f) => f.where)).toEqual([
    `Top frame ${server.origin}/status.html`,
    expect.stringMatching(new RegExp(`^Frame \\d+ ${server.origin}/status-frame.html$`)),
  ]);
  const [top, child] = frames;
  expect(top?.text).toContain('2 WebSockets open, 1 EventSource open, 1 HTTP in flight');
  expect(top?.text).toContain('payload cap 1.0 MB');
  expect(top?.text).toMatch(/\d+ records captured, 0 dropped, \d+ queued, \d+ batch(es)? handed over/);
  expect(child?.text).toContain('1 WebSocket open, 0 EventSources open, 0 HTTP in flight');
  // Each frame was asked once, as it reached the panel; each click asks every frame once more.
  expect(frames.map((f) => f.commandsAnswered)).toEqual([1, 1]);
  const counts = await refresh(panel, 2);
  expect([...counts.values()]).toEqual([2, 2]);
  await panel.close();
});

test("the real DevTools panel asks the inspected page's hooks too", async () => {
  // Its own browser, with DevTools open on every tab: a DevTools panel's port has no tab, unlike a popped-out one.
  const devtoolsBrowser = await launchBrowser({ devtools: true });
  try {
    const page = devtoolsBrowser.context.pages()[0] ?? (await devtoolsBrowser.context.newPage());
    await page.goto(`${server.origin}/status.html`);
    await page.waitForFunction(() => document.title === 'ready');
    const panel = await openWirescopeInDevTools(
      devtoolsBrowser.debugPort as number,
      devtoolsBrowser.extensionId,
    );
    try {
      const status = `document.querySelector('[data-testid="hook-status"]')`;
      // (waitFor takes any value but null and undefined as done.)
      await panel.waitFor(
        `${status}?.textContent === 'hook: 2 frames · 3 sockets open · 1 event source open · 1 HTTP in flight' || null`,
      );
      await panel.evaluate(`${status}.click()`);
      // Both frames answered the click: each was asked once as it appeared, and once by it.
      const tooltip = await panel.waitFor<string>(
        `(() => { const t = ${status}.title; return t.split('2 commands answered').length === 3 ? t : null; })()`,
      );
      expect(framesOf(tooltip).map((f) => f.commandsAnswered)).toEqual([2, 2]);
    } finally {
      panel.close();
    }
  } finally {
    await devtoolsBrowser.close();
  }
});

test('a page extensions cannot enter is said to be one', async () => {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  for (const extra of browser.context.pages().slice(1)) await extra.close();
  await page.goto('chrome://version/');
  const panel = await openPanelFor(browser, await onlyTabId(browser));
  await expect(panel.getByTestId('hook-status')).toHaveText('hook: no answer', { timeout: 10_000 });
  expect(await tooltip(panel)).toContain('extensions cannot enter this page');
  await panel.close();
});

test('a hostile page that knows every message shape cannot drive a hook or read a reply', async () => {
  const { page, panel } = await pageAndPanel(
    `${server.origin}/forge-commands.html?ext=${browser.extensionId}`,
  );
  const status = panel.getByTestId('hook-status');
  await expect(status).toHaveText('hook: 2 frames · 1 socket open');
  const before = await refresh(panel, 2);

  // Every route, from the top page and from its same-origin frame, while the panel asks too.
  const attack = () =>
    page.evaluate(() => {
      const w = window as unknown as { attack(): Record<string, number>; frames: ArrayLike<Window> };
      const tried = w.attack();
      (w.frames[0] as unknown as { attack(): unknown }).attack();
      return tried;
    });
  const tried = await attack();
  expect(tried).toMatchObject({
    postMessage: expect.any(Number),
    'message event': expect.any(Number),
    'custom event': expect.any(Number),
    'forged offer': expect.any(Number),
    'relay-ready': expect.any(Number),
    runtime: expect.any(Number),
  });
  await page.evaluate(() => (window as unknown as { attackNewFrame(): void }).attackNewFrame());
  const during = refresh(panel, 3);
  await attack();
  await during;
  await attack();
  // The page's own sockets, not its forged 999s; each hook answered exactly the panel's two asks since.
  const after = await refresh(panel, 3);
  for (const [where, n] of before) expect(after.get(where), where).toBe(n + 2);
  await expect(status).toHaveText('hook: 3 frames · 1 socket open');
  const received = await page.evaluate(() => {
    const w = window as unknown as { received: string[]; frames: ArrayLike<{ received?: string[] }> };
    return [...w.received, ...(w.frames[0]?.received ?? [])];
  });
  expect(received).toEqual([]);
  await panel.close();
});
