// The command path from the real Chrome DevTools panel (the shared part, with
// the detached panel in both browsers: hook-command.spec.ts). A DevTools
// panel's port has no tab, unlike a popped-out one: the background must find
// the inspected tab's hooks by the id the panel names.

import { launchBrowser } from './support/browser';
import { framesOf, serveCommandRoutes } from './support/command-pages';
import { openWirescopeInDevTools } from './support/devtools';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let routes: { release(): void };

test.beforeAll(async () => {
  server = await startServer();
  routes = serveCommandRoutes(server);
});

test.afterAll(async () => {
  routes?.release();
  await server?.close();
});

test("the real DevTools panel asks the inspected page's hooks too", async () => {
  // DevTools open on every tab.
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
