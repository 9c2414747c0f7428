// The browser's own DevTools, opened on the test page with Wirescope's panel
// selected, behind one small interface for the shared real-DevTools specs:
// Chromium's DevTools front-end is driven over CDP (scripts/lib/devtools.ts),
// Firefox's toolbox from its chrome scope (scripts/lib/firefox-devtools.ts).

import { openWirescopeInDevTools, showDevToolsPanel } from '../../../scripts/lib/devtools';
import { openWirescopeInFirefoxDevTools } from '../../../scripts/lib/firefox-devtools';
import { launchBrowser } from './browser';
import type { Engine, TestTab } from './engine';
import { playwrightTab, puppeteerTab } from './engines';
import { launchFirefox } from './firefox';

/** Wirescope's panel inside the real DevTools. */
export interface RealDevToolsPanel {
  /** Evaluates a (possibly promise-valued) expression in the panel's document; returns its JSON value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Waits until expression (evaluated in the panel) gives a value other than null or undefined; returns it. */
  waitFor<T>(expression: string, timeoutMs?: number): Promise<T>;
}

export interface RealDevTools {
  /** The inspected page's tab. */
  page: TestTab;
  panel: RealDevToolsPanel;
  /** Selects one of the browser's own DevTools tools, hiding Wirescope's panel. */
  showBuiltInTool(): Promise<void>;
  /** Selects Wirescope's panel again. */
  showWirescope(): Promise<void>;
  close(): Promise<void>;
}

/** Launches `engine` with the extension, loads url in its tab and opens that tab's DevTools on Wirescope. */
export async function openRealDevTools(engine: Engine, url: string): Promise<RealDevTools> {
  if (engine === 'chromium') {
    const browser = await launchBrowser({ devtools: true });
    const port = browser.debugPort;
    if (port === null) throw new Error('Chromium was launched without a debugging port');
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(url);
    const panel = await openWirescopeInDevTools(port, browser.extensionId);
    return {
      page: playwrightTab(page),
      panel,
      showBuiltInTool: async () => {
        await showDevToolsPanel(port, 'elements');
      },
      showWirescope: async () => {
        await showDevToolsPanel(port, `chrome-extension://${browser.extensionId}`);
      },
      close: async () => {
        panel.close();
        await browser.close();
      },
    };
  }
  const firefox = await launchFirefox();
  try {
    await firefox.page.goto(url);
    const devtools = await openWirescopeInFirefoxDevTools(firefox);
    return {
      page: puppeteerTab(firefox.page),
      panel: devtools,
      showBuiltInTool: () => devtools.showTool('webconsole'),
      showWirescope: () => devtools.showWirescope(),
      close: () => firefox.close(),
    };
  } catch (err) {
    await firefox.close();
    throw err;
  }
}
