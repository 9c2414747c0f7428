// A hostile page against the recorder, in Chromium and in Firefox (the pages
// and checks: support/hostile-pages.ts). The first page lays tripwires on
// everything a page can reach and makes traffic of every kind: no tripwire
// may run with the extension's script on the stack, and the timeline must
// hold exactly what the page sent and got. The second tries to forge,
// rewrite and blind the recorder through prototype accessors.
//
// The tripwires know the hook's frames by their script as each engine prints
// it: Chromium with its chrome-extension:// URL, Firefox (for an add-on's
// script in the page's world) as "fn@<anonymous code>:line:col".

import type { TimelineExport } from './support/capture';
import type { EngineBrowser } from './support/engine';
import { launchEngine } from './support/engines';
import {
  checkForgePage,
  checkTripwirePage,
  forgePage,
  forgeTrafficDone,
  hookPropertyNames,
  readReport,
  serveHostileRoutes,
  tripwirePage,
  tripwireTrafficDone,
} from './support/hostile-pages';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: EngineBrowser;

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  serveHostileRoutes(server);
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Loads a hostile page, waits for its traffic in the export, and reads its report. */
async function run(path: string, done: (t: TimelineExport) => boolean) {
  const session = await browser.openCapture(`${server.origin}${path}`);
  const timeline = await session.waitForTimeline(done, 30_000);
  const report = await readReport(
    () => session.page.title(),
    (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  );
  return { timeline, report };
}

test('no accessor or method a page puts on the built-ins runs inside the hook, and the record stays true', async () => {
  const names = await hookPropertyNames(browser.engine === 'chromium' ? 'chrome-mv3' : 'firefox-mv2');
  expect(names.length).toBeGreaterThan(100);
  server.page('/tripwires.html', tripwirePage(names));
  const { timeline, report } = await run('/tripwires.html', tripwireTrafficDone);
  checkTripwirePage(timeline, report, server.origin);
});

test('a page cannot forge, rewrite or blind the record through prototype accessors', async () => {
  server.page('/forge-accessors.html', forgePage);
  const { timeline, report } = await run('/forge-accessors.html', forgeTrafficDone);
  checkForgePage(timeline, report);
});
