// The hostile pages of hostile.spec.ts, in Firefox ESR with the Firefox
// build (pages and checks: support/hostile-pages.ts). Firefox leaves the
// add-on's frames out of the stacks page code sees, so there the tripwires
// cannot tell the hook's use from the page's, and log nothing: in Firefox
// this run checks that the page behaves and the record stays true among
// them, and the forging page that nothing it tries gets through.

import { setTimeout as sleep } from 'node:timers/promises';
import type { TimelineExport } from './support/capture';
import { type LaunchedFirefox, launchFirefox } from './support/firefox';
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
let firefox: LaunchedFirefox;

test.beforeAll(async () => {
  server = await startServer();
  serveHostileRoutes(server);
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

async function run(path: string, done: (t: TimelineExport) => boolean) {
  const capture = await firefox.openCapture(`${server.origin}${path}`);
  const timeline = await capture.waitForTimeline(done, 30_000);
  const report = await readReport(
    () => firefox.page.title(),
    (ms) => sleep(ms),
  );
  return { timeline, report };
}

test('among accessors and methods a page puts on every built-in, the page behaves and the record stays true, in Firefox', async () => {
  const names = await hookPropertyNames('firefox-mv2');
  expect(names.length).toBeGreaterThan(100);
  server.page('/tripwires.html', tripwirePage(names));
  const { timeline, report } = await run('/tripwires.html', tripwireTrafficDone);
  checkTripwirePage(timeline, report, server.origin);
});

test('a page cannot forge, rewrite or blind the record through prototype accessors, in Firefox', async () => {
  server.page('/forge-accessors.html', forgePage);
  const { timeline, report } = await run('/forge-accessors.html', forgeTrafficDone);
  checkForgePage(timeline, report);
});
