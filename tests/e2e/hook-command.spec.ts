// The command path end to end with the built extension, in Chromium and in
// Firefox: the panel asks each frame's page hook for its status (hook-status)
// over its links to the relays (Firefox: through the background, over the
// ports the relays opened), and shows what the hooks say; a page extensions
// cannot enter is said to be one; and a hostile page that knows every
// message shape cannot drive a hook or read a reply. The real Chrome
// DevTools panel's ask: hook-command.chromium.spec.ts.

import { framesOf, serveCommandRoutes } from './support/command-pages';
import { type EngineBrowser, type PanelView, pollUntil } from './support/engine';
import { launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: EngineBrowser;
let routes: { release(): void };

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  routes = serveCommandRoutes(server);
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  routes?.release();
  await browser?.close();
  await server?.close();
});

const STATUS = '[data-testid="hook-status"]';

/** Loads url in the test tab, waits for the page to say it is ready, and only then opens the panel for it. */
async function panelForReadyPage(url: string): Promise<PanelView> {
  await browser.page.goto(url);
  await browser.page.waitForFunction(() => document.title === 'ready');
  return (await browser.openPanel()).panel;
}

const tooltip = (panel: PanelView) =>
  panel.evaluate((s) => document.querySelector(s)?.getAttribute('title') ?? '', STATUS);

/** Clicks the status (ask again) and waits until every frame has answered with more commands than before. */
async function refresh(panel: PanelView, frames: number): Promise<Map<string, number>> {
  const before = new Map(framesOf(await tooltip(panel)).map((f) => [f.where, f.commandsAnswered ?? 0]));
  await panel.click(STATUS);
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
  const panel = await panelForReadyPage(`${server.origin}/status.html`);
  await expect
    .poll(() => panel.text(STATUS))
    .toBe('hook: 2 frames · 3 sockets open · 1 event source open · 1 HTTP in flight');
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
});

test('a hostile page that knows every message shape cannot drive a hook or read a reply', async () => {
  // Chromium's pages can reach an extension through chrome.runtime when they know its id; Firefox
  // gives pages no runtime at all, so there that route has nothing to try.
  const panel = await panelForReadyPage(
    `${server.origin}/forge-commands.html?ext=${browser.engine === 'chromium' ? browser.extensionHost : ''}`,
  );
  await expect.poll(() => panel.text(STATUS)).toBe('hook: 2 frames · 1 socket open');
  const before = await refresh(panel, 2);

  // Every route, from the top page and from its same-origin frame, while the panel asks too.
  const attack = () =>
    browser.page.evaluate(() => {
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
  await browser.page.evaluate(() => (window as unknown as { attackNewFrame(): void }).attackNewFrame());
  const during = refresh(panel, 3);
  await attack();
  await during;
  await attack();
  // The page's own sockets, not its forged 999s; each hook answered exactly the panel's two asks since.
  const after = await refresh(panel, 3);
  for (const [where, n] of before) expect(after.get(where), where).toBe(n + 2);
  await expect.poll(() => panel.text(STATUS)).toBe('hook: 3 frames · 1 socket open');
  const received = await browser.page.evaluate(() => {
    const w = window as unknown as { received: string[]; frames: ArrayLike<{ received?: string[] }> };
    return [...w.received, ...(w.frames[0]?.received ?? [])];
  });
  expect(received).toEqual([]);
});

test('a page extensions cannot enter is said to be one', async () => {
  // Each browser's own pages: no content script runs there, so no hook answers.
  if (browser.engine === 'chromium') {
    await browser.page.goto('chrome://version/');
  } else {
    // Firefox loads about:license in a privileged process of its own, and puppeteer's navigation
    // wait does not follow that switch: the load is started, and its arrival waited for in the tab.
    void browser.page.goto('about:license').catch(() => {});
    await pollUntil(
      () =>
        browser.page.evaluate(() => location.href === 'about:license' && document.readyState === 'complete'),
      'about:license to load',
    );
  }
  const { panel } = await browser.openPanel();
  await expect.poll(() => panel.text(STATUS), { timeout: 10_000 }).toBe('hook: no answer');
  expect(await tooltip(panel)).toContain('extensions cannot enter this page');
});
