// `npm start -- --firefox`: Firefox ESR with the Firefox build as a temporary
// add-on on the demo page, and the page's own DevTools toolbox open on
// Wirescope's panel (scripts/lib/firefox-devtools.ts). Headless, the toolbox
// gets its own 1280×800 window so the screenshot is the toolbox alone; with a
// display it docks at the bottom of the page's window, as Firefox opens it.

import type { TimelineExport } from '../../lib/export/timeline';
import { isTimelineExport } from '../demo/summary';
import { FIREFOX_EXTENSION_DIR } from './chromium';
import type { DemoBrowser, DemoSession, DemoSessionOptions } from './demo-session';
import { interrupted } from './demo-session';
import { FIREFOX_PATH, launchFirefox } from './firefox';
import { openWirescopeInFirefoxDevTools } from './firefox-devtools';
import { assertInstalled } from './installed';

async function openFirefoxDemo({ url, headless }: DemoSessionOptions): Promise<DemoSession> {
  const firefox = await launchFirefox({ headless });
  try {
    await firefox.page.goto(url);
    const devtools = await openWirescopeInFirefoxDevTools(firefox, {
      host: headless ? 'window' : 'bottom',
      width: 1280,
      height: 800,
    });
    return {
      label: `Firefox (${FIREFOX_PATH})`,
      closedByUser: () =>
        Promise.race([
          new Promise<void>((resolve) => firefox.browser.once('disconnected', () => resolve())),
          interrupted(),
        ]),
      exportTimeline: async (): Promise<TimelineExport> => {
        // Export stays disabled until something was recorded.
        await devtools.waitFor(
          `[...document.querySelectorAll('button')].some((b) => b.textContent.trim() === 'Export timeline' && !b.disabled) || null`,
          15_000,
        );
        const parsed: unknown = JSON.parse((await devtools.download('Export timeline')).text);
        if (!isTimelineExport(parsed))
          throw new Error('the exported file is not a wirescope-timeline v1 export');
        return parsed;
      },
      screenshot: () => devtools.screenshot(),
      close: () => firefox.close(),
    };
  } catch (err) {
    await firefox.close();
    throw err;
  }
}

export const FIREFOX_DEMO: DemoBrowser = {
  assertInstalled: () =>
    assertInstalled({
      name: 'Firefox',
      path: FIREFOX_PATH,
      aptPackage: 'firefox-esr',
      pathVariable: 'FIREFOX_PATH',
      accepts: 'Firefox',
    }),
  buildArgs: ['build', '-b', 'firefox'],
  extensionDir: FIREFOX_EXTENSION_DIR,
  open: openFirefoxDemo,
};
