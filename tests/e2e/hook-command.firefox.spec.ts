// The command path in Firefox ESR with the Firefox build: the panel's
// command goes to the background over the panel's port, naming the tab; the
// background passes it to the tab's relays over the ports they opened; the
// replies come back wrapped as from-relay. The panel shows what each frame's
// hook says, and a hostile page cannot drive a hook or read a reply.

import type { Page } from 'puppeteer-core';
import { framesOf, serveCommandRoutes } from './support/command-pages';
import { type LaunchedFirefox, launchFirefox } from './support/firefox';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let firefox: LaunchedFirefox;
let routes: { release(): void };

test.beforeAll(async () => {
  server = await startServer();
  routes = serveCommandRoutes(server);
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  routes?.release();
  await firefox?.close();
  await server?.close();
});

const STATUS = '[data-testid="hook-status"]';

/** Loads url in the test tab, waits for it to say it is ready, and (re)opens the panel for it. */
async function pageAndPanel(url: string): Promise<Page> {
  const capture = await firefox.openCapture(url);
  await firefox.page.waitForFunction(() => document.title === 'ready', { timeout: 15_000 });
  await capture.panel.waitForSelector(STATUS);
  return capture.panel;
}

const readStatus = (panel: Page) =>
  panel.$eval(STATUS, (el) => ({ text: el.textContent ?? '', title: el.getAttribute('title') ?? '' }));

/** Waits until `frames` frames have answered the panel (each is asked as it reaches the panel). */
async function answered(panel: Page, frames: number): Promise<void> {
  await expect
    .poll(async () => framesOf((await readStatus(panel)).title).length, { timeout: 15_000 })
    .toBe(frames);
}

/** Clicks the status (ask again) and waits until `frames` frames answered it, with what they say then. */
async function refresh(panel: Page, frames: number) {
  const before = new Map(
    framesOf((await readStatus(panel)).title).map((f) => [f.where, f.commandsAnswered ?? 0]),
  );
  await panel.$eval(STATUS, (el) => (el as HTMLElement).click());
  let last = { text: '', title: '' };
  await expect
    .poll(
      async () => {
        last = await readStatus(panel);
        const now = framesOf(last.title);
        return (
          now.length === frames && now.every((f) => (f.commandsAnswered ?? 0) > (before.get(f.where) ?? 0))
        );
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  return { ...last, counts: new Map(framesOf(last.title).map((f) => [f.where, f.commandsAnswered ?? 0])) };
}

test("the panel shows each frame's hook status through the background, in Firefox", async () => {
  const panel = await pageAndPanel(`${server.origin}/status.html`);
  await answered(panel, 2);
  // Asked again now that the page is ready (a frame is asked as it reaches the panel, maybe before).
  const first = await refresh(panel, 2);
  expect(first.text).toBe('hook: 2 frames · 3 sockets open · 1 event source open · 1 HTTP in flight');
  const [top, child] = framesOf(first.title);
  expect(top?.where).toBe(`Top frame ${server.origin}/status.html`);
  expect(top?.text).toContain('2 WebSockets open, 1 EventSource open, 1 HTTP in flight');
  expect(child?.where).toMatch(new RegExp(`^Frame \\d+ ${server.origin}/status-frame.html$`));
  expect(child?.text).toContain('1 WebSocket open, 0 EventSources open, 0 HTTP in flight');
  // One click, one more command answered by each frame.
  const second = await refresh(panel, 2);
  for (const [where, n] of first.counts) expect(second.counts.get(where), where).toBe(n + 1);
});

test('a hostile page that knows every message shape cannot drive a hook or read a reply, in Firefox', async () => {
  const panel = await pageAndPanel(`${server.origin}/forge-commands.html`);
  await answered(panel, 2);
  const before = await refresh(panel, 2);
  expect(before.text).toBe('hook: 2 frames · 1 socket open');
  const attack = () =>
    firefox.page.evaluate(() => {
      const w = window as unknown as { attack(): Record<string, number>; frames: ArrayLike<Window> };
      const tried = w.attack();
      (w.frames[0] as unknown as { attack(): unknown }).attack();
      return tried;
    });
  expect(Object.keys(await attack())).toEqual(
    expect.arrayContaining(['postMessage', 'message event', 'custom event', 'forged offer', 'relay-ready']),
  );
  await firefox.page.evaluate(() => (window as unknown as { attackNewFrame(): void }).attackNewFrame());
  const during = refresh(panel, 3);
  await attack();
  await during;
  await attack();
  const after = await refresh(panel, 3);
  for (const [where, n] of before.counts) expect(after.counts.get(where), where).toBe(n + 2);
  expect(after.text).toBe('hook: 3 frames · 1 socket open');
  const received = await firefox.page.evaluate(() => {
    const w = window as unknown as { received: string[]; frames: ArrayLike<{ received?: string[] }> };
    return [...w.received, ...(w.frames[0]?.received ?? [])];
  });
  expect(received).toEqual([]);
});
