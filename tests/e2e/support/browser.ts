// The Chromium launcher lives in scripts/lib so `npm start` uses the same flags
// as the tests. Here it is wrapped so that every browser a test launches is
// traced, and a failing test keeps its trace and screenshots (support/test.ts).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type LaunchedBrowser,
  type LaunchOptions,
  launchBrowser as launchChromium,
} from '../../../scripts/lib/chromium';

export * from '../../../scripts/lib/chromium';

/** Browsers open right now, with whether a trace chunk is being recorded. */
export const openBrowsers = new Map<LaunchedBrowser, { chunkOpen: boolean }>();

export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  // Our own folder: the runner's artifacts folder is cleaned between tests, under a browser shared by them.
  const tracesDir = await mkdtemp(join(tmpdir(), 'wirescope-traces-'));
  const browser = await launchChromium({ ...options, tracesDir });
  // Screenshots and actions only: DOM snapshots inject a script that calls page built-ins,
  // which the transparency tests would rightly count as the page being touched.
  await browser.context.tracing.start({ screenshots: true, snapshots: false });
  await browser.context.tracing.startChunk();
  openBrowsers.set(browser, { chunkOpen: true });
  const close = browser.close.bind(browser);
  browser.close = async () => {
    openBrowsers.delete(browser);
    await browser.context.tracing.stop().catch(() => {});
    await close();
    await rm(tracesDir, { recursive: true, force: true });
  };
  return browser;
}
