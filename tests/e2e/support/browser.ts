// The Chromium launcher lives in scripts/lib so `npm start` uses the same flags
// as the tests. Here it is wrapped so that every browser a test launches is
// traced, and a failing test keeps its trace and screenshots (support/test.ts).

import {
  type LaunchedBrowser,
  type LaunchOptions,
  launchBrowser as launchChromium,
} from '../../../scripts/lib/chromium';

export * from '../../../scripts/lib/chromium';

/** Browsers open right now, with whether a trace chunk is being recorded. */
export const openBrowsers = new Map<LaunchedBrowser, { chunkOpen: boolean }>();

export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const browser = await launchChromium(options);
  await browser.context.tracing.start({ screenshots: true, snapshots: true });
  await browser.context.tracing.startChunk();
  openBrowsers.set(browser, { chunkOpen: true });
  const close = browser.close.bind(browser);
  browser.close = async () => {
    openBrowsers.delete(browser);
    await close();
  };
  return browser;
}
