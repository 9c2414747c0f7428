// Firefox ESR with the Firefox build installed as a temporary add-on, driven
// over WebDriver BiDi by puppeteer-core (Playwright cannot load Firefox
// add-ons). Shared by the e2e tests (tests/e2e/support/firefox.ts re-exports
// it) and `npm start -- --firefox`. Captured traffic is read through the
// product itself: the detached panel (`panel.html?tabId=N`) is opened for the
// test page's tab and its "Export timeline" download is parsed.

import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { TimelineExport } from '../../lib/export/timeline';
import { FIREFOX_EXTENSION_DIR } from './chromium';
import { exportUntil } from './export-until';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** browser_specific_settings.gecko.id in wxt.config.ts. */
export const GECKO_ID = 'wirescope@wirescope.dev';

export interface LaunchedFirefox {
  browser: Browser;
  /** The extension's moz-extension:// host, fixed at launch. */
  uuid: string;
  /** The first tab: the test page. */
  page: Page;
  close(): Promise<void>;
  /**
   * Loads url in the test tab, then (re)opens the detached panel for that tab.
   * Returns a reader of the panel's exported timeline.
   */
  openCapture(url: string): Promise<FirefoxCapture>;
  /** (Re)opens the detached panel for the test tab as it is now, without loading anything in it. */
  openPanel(): Promise<FirefoxCapture>;
  /** Clicks the panel's button `name` and returns the file it downloads. */
  download(panel: Page, name: string): Promise<{ name: string; text: string }>;
  /**
   * Empties the download folder, runs `start` (which begins one download)
   * and returns that file once it is whole.
   */
  awaitDownload(start: () => Promise<void>): Promise<{ name: string; text: string }>;
  /**
   * Runs `expression` (a promise-valued expression) in the browser window's
   * privileged chrome scope and returns its value.
   */
  evaluateInChrome(expression: string): Promise<unknown>;
  /**
   * Stops the add-on's background page and starts it again, as Firefox does
   * on its own for a persistent background after a crash of the extension
   * process: every port to the old page closes and a fresh page runs
   * background.js with no state. Resolves once the new page is running.
   */
  restartBackground(): Promise<BackgroundRestart>;
}

export interface BackgroundRestart {
  /** The background's extension context before and after (they differ: a new page). */
  contextBefore: string;
  contextAfter: string;
  /** The background state right after the stop: "stopped". */
  stateAfterStop: string;
}

export interface FirefoxCapture {
  panel: Page;
  tabId: number;
  exportTimeline(): Promise<TimelineExport>;
  /** Exports repeatedly until `until` holds (or throws with the last export after timeoutMs). */
  waitForTimeline(until: (t: TimelineExport) => boolean, timeoutMs?: number): Promise<TimelineExport>;
}

/** A JSON download is whole once it parses; any other file once it has bytes. */
function isWhole(name: string, text: string): boolean {
  if (!/\.(json|har)$/.test(name)) return text.length > 0;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the page shows a loaded document whose URL satisfies `isReady`.
 * Puppeteer's own navigation wait never sees moz-extension:// pages finish
 * loading, so navigations to them are started without awaiting and polled.
 */
async function waitForDocument(page: Page, isReady: (href: string) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const href = await page
      .evaluate(() => (document.readyState === 'complete' ? location.href : ''))
      .catch(() => '');
    if (href && isReady(href)) return;
    if (Date.now() > deadline) throw new Error(`page did not finish loading (last url: ${href || 'none'})`);
    await sleep(50);
  }
}

export interface FirefoxLaunchOptions {
  /** Default true. */
  headless?: boolean;
  /** Extra Firefox preferences. */
  prefs?: Record<string, unknown>;
  /**
   * Default true. False launches the same Firefox without the add-on (what a
   * page sees when Wirescope is not installed); the panel cannot be opened then.
   */
  extension?: boolean;
}

export async function launchFirefox(options: FirefoxLaunchOptions = {}): Promise<LaunchedFirefox> {
  const { headless = true, prefs = {}, extension = true } = options;
  const uuid = randomUUID();
  const downloadDir = await mkdtemp(join(tmpdir(), 'wirescope-ff-downloads-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless,
    // WebDriver BiDi refuses to navigate to moz-extension:// URLs without it.
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: uuid }),
      // Downloads (the panel's exports) go straight to a known directory.
      'browser.download.folderList': 2,
      'browser.download.dir': downloadDir,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      'browser.download.start_downloads_in_tmp_dir': false,
      ...prefs,
    },
  });
  try {
    if (extension) {
      const installed = await browser.installExtension(FIREFOX_EXTENSION_DIR);
      if (installed !== GECKO_ID) throw new Error(`installed add-on id ${installed}, expected ${GECKO_ID}`);
    }
  } catch (err) {
    await browser.close();
    throw err;
  }
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  let panel: Page | null = null;
  let tabId: number | null = null;
  let loads = 0;
  /** Script errors in the panel page, reported when an export fails. */
  const panelErrors: string[] = [];
  const panelBase = `moz-extension://${uuid}/panel.html`;

  const awaitDownload = async (start: () => Promise<void>): Promise<{ name: string; text: string }> => {
    for (const old of await readdir(downloadDir)) await rm(join(downloadDir, old), { force: true });
    await start();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const files = await readdir(downloadDir);
      const done = files.find((f) => !f.endsWith('.part'));
      if (done && !files.some((f) => f.endsWith('.part'))) {
        // A download is created empty first, and its file may be renamed
        // between the listing and the read: retry until it reads whole.
        const text = await readFile(join(downloadDir, done), 'utf8').catch(() => '');
        if (text && isWhole(done, text)) return { name: done, text };
      }
      if (Date.now() > deadline) throw new Error(`no download appeared in ${downloadDir}`);
      await sleep(50);
    }
  };

  const download = (from: Page, name: string): Promise<{ name: string; text: string }> =>
    awaitDownload(async () => {
      // Found by its text, not the accessibility tree: Firefox's aria locator
      // missed it on a busy panel. A DOM click is enough to start the download.
      const clicked = await from
        .waitForFunction(
          (label: string) => {
            const button = [...document.querySelectorAll('button')].find(
              (b) => b.textContent?.trim() === label && !b.disabled,
            );
            button?.click();
            return button !== undefined;
          },
          { timeout: 10_000, polling: 100 },
          name,
        )
        .catch(() => null);
      if (!clicked) {
        const shown = await from.evaluate(() => document.body?.textContent ?? '').catch(() => '');
        throw new Error(
          `no "${name}" button in the panel; it shows: ${shown.slice(0, 2000)}; panel errors: ${panelErrors.join(' | ') || 'none'}`,
        );
      }
    });

  const readExport = async (): Promise<TimelineExport> => {
    if (!panel) throw new Error('panel not open');
    return JSON.parse((await download(panel, 'Export timeline')).text) as TimelineExport;
  };

  const openCapture = async (url: string): Promise<FirefoxCapture> => {
    await page.goto(url);
    return openPanel();
  };

  const openPanel = async (): Promise<FirefoxCapture> => {
    if (!panel) {
      // Its own window, as the product's pop-out opens it: in a second tab of
      // the page's window the test page would be a background tab, whose
      // timers Firefox clamps to once a second (a page retrying "at once"
      // would retry every second), and a panel behind the page does not draw.
      panel = await browser.newPage({ type: 'window' });
      panel.on('pageerror', (err) => panelErrors.push(String(err)));
      panel.on('console', (msg) => {
        if (msg.type() === 'error') panelErrors.push(msg.text());
      });
      panel.goto(panelBase).catch(() => {});
      await waitForDocument(panel, (href) => href.startsWith(panelBase));
      // Without the "tabs" permission only the panel's own tab shows its URL:
      // the other tab (the only other one) is the test page.
      const tabs = await panel.evaluate(async () => {
        const api = (globalThis as unknown as { browser: { tabs: { query(q: object): Promise<unknown[]> } } })
          .browser;
        return (await api.tabs.query({})) as Array<{ id?: number; url?: string }>;
      });
      const others = tabs.filter((t) => !t.url?.startsWith('moz-extension:'));
      if (others.length !== 1 || typeof others[0]?.id !== 'number')
        throw new Error(`expected one page tab besides the panel, found ${JSON.stringify(tabs)}`);
      tabId = others[0].id;
    }
    // A fresh panel page each time (it replays the tab's retained history);
    // the unused `load` parameter makes each URL new, so it really reloads.
    const target = `${panelBase}?tabId=${tabId}&load=${++loads}`;
    await panel.evaluate((href) => location.replace(href), target);
    await waitForDocument(panel, (href) => href === target);
    const openPanel = panel;
    const exportTimeline = readExport;
    const waitForTimeline = (until: (t: TimelineExport) => boolean, timeoutMs = 15_000) =>
      exportUntil(exportTimeline, until, timeoutMs, 200);
    return { panel: openPanel, tabId: tabId as number, exportTimeline, waitForTimeline };
  };

  /**
   * Runs `expression` (a promise-valued expression) in the browser's own
   * privileged window, over WebDriver BiDi's chrome scope, which Firefox
   * opens with --remote-allow-system-access. Puppeteer has no public call
   * for it, so the command goes over its BiDi connection as it is.
   */
  const evaluateInChrome = async (expression: string): Promise<unknown> => {
    const connection = (
      browser as unknown as {
        connection: { send(method: string, params: object): Promise<{ result: unknown }> };
      }
    ).connection;
    const { result: tree } = (await connection.send('browsingContext.getTree', {
      'moz:scope': 'chrome',
    })) as {
      result: { contexts: Array<{ context: string; url: string }> };
    };
    const window = tree.contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml');
    if (!window)
      throw new Error(`no browser window among the chrome contexts ${JSON.stringify(tree.contexts)}`);
    const { result } = (await connection.send('script.evaluate', {
      expression,
      target: { context: window.context },
      awaitPromise: true,
    })) as { result: { type: string; result?: { value?: unknown }; exceptionDetails?: { text?: string } } };
    if (result.type !== 'success')
      throw new Error(`chrome script failed: ${JSON.stringify(result).slice(0, 2000)}`);
    return result.result?.value;
  };

  const restartBackground = async (): Promise<BackgroundRestart> => {
    // about:debugging's "Terminate background script" calls the add-on's
    // terminateBackground, but only offers it for non-persistent backgrounds;
    // the Firefox build's background page is persistent, so the call is made
    // here directly. Firefox then revives the page when something needs it
    // (a panel reconnecting does); start-background-script, the event it
    // uses to restart a persistent background after a crash, makes sure the
    // page comes back even if nothing asks for it.
    const json = await evaluateInChrome(`(async () => {
      const extension = WebExtensionPolicy.getByID(${JSON.stringify(GECKO_ID)})?.extension;
      if (!extension) throw new Error('add-on not installed');
      const contextBefore = extension.backgroundContext?.contextId;
      if (extension.backgroundState !== 'running' || contextBefore === undefined)
        throw new Error('background not running: ' + extension.backgroundState);
      await extension.terminateBackground({ ignoreDevToolsAttached: true, disableResetIdleForTest: true });
      const stateAfterStop = extension.backgroundState;
      if (stateAfterStop === 'stopped') extension.emit('start-background-script');
      await extension.promiseBackgroundStarted();
      if (extension.backgroundState !== 'running')
        throw new Error('background did not start again: ' + extension.backgroundState);
      return JSON.stringify({
        contextBefore: String(contextBefore),
        contextAfter: String(extension.backgroundContext?.contextId),
        stateAfterStop,
      });
    })()`);
    return JSON.parse(String(json)) as BackgroundRestart;
  };

  return {
    browser,
    uuid,
    page,
    openCapture,
    openPanel,
    download,
    awaitDownload,
    evaluateInChrome,
    restartBackground,
    async close() {
      await browser.close();
      await rm(downloadDir, { recursive: true, force: true });
    },
  };
}
