// A hostile page against the recorder, in Chromium (the pages and checks:
// support/hostile-pages.ts; the Firefox run: hostile-firefox.spec.ts). The
// first page lays tripwires on everything a page can reach and makes traffic
// of every kind: no tripwire may run with the extension's script on the
// stack, and the timeline must hold exactly what the page sent and got. The
// second tries to forge, rewrite and blind the recorder through prototype
// accessors.

import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { openCapture } from './support/capture';
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
let browser: LaunchedBrowser;

test.beforeAll(async () => {
  server = await startServer();
  serveHostileRoutes(server);
  browser = await launchBrowser();
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Loads a hostile page, waits for its traffic in the export, and reads its report. */
async function run(
  path: string,
  done: Parameters<Awaited<ReturnType<typeof openCapture>>['waitForTimeline']>[0],
) {
  const session = await openCapture(browser, `${server.origin}${path}`);
  try {
    const timeline = await session.waitForTimeline(done, 30_000);
    const report = await readReport(
      () => session.page.title(),
      (ms) => session.page.waitForTimeout(ms),
    );
    return { timeline, report };
  } finally {
    await session.panel.close();
  }
}

test('no accessor or method a page puts on the built-ins runs inside the hook, and the record stays true', async () => {
  const names = await hookPropertyNames('chrome-mv3');
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
