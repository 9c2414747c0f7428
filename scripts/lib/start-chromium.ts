// `npm start` in Chromium: the demo page with DevTools open (--auto-open-devtools-for-tabs)
// and Wirescope's panel selected in it, driven over CDP.

import { exportTimelineFromPanel, screenshotDevTools } from '../demo/report';
import { assertChromiumInstalled, CHROMIUM_PATH, EXTENSION_DIR, launchBrowser } from './chromium';
import type { DemoBrowser, DemoSession, DemoSessionOptions } from './demo-session';
import { interrupted } from './demo-session';
import { openWirescopeInDevTools } from './devtools';

async function openChromiumDemo({ url, headless }: DemoSessionOptions): Promise<DemoSession> {
  const browser = await launchBrowser({
    devtools: true,
    headless,
    viewport: headless ? { width: 1280, height: 800 } : null,
    args: headless ? [] : ['--start-maximized'],
    callerHandlesSignals: true,
  });
  try {
    const port = browser.debugPort as number;
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(url);
    const panel = await openWirescopeInDevTools(port, browser.extensionId);
    return {
      label: `Chromium (${CHROMIUM_PATH})`,
      closedByUser: () =>
        Promise.race([
          new Promise<void>((resolve) => browser.context.on('close', () => resolve())),
          interrupted(),
        ]),
      exportTimeline: () => exportTimelineFromPanel(port, panel),
      screenshot: () => screenshotDevTools(port),
      close: async () => {
        panel.close();
        await browser.close();
      },
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

export const CHROMIUM_DEMO: DemoBrowser = {
  assertInstalled: () => assertChromiumInstalled(),
  buildArgs: ['build'],
  extensionDir: EXTENSION_DIR,
  open: openChromiumDemo,
};
