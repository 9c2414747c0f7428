// launchEngine(engine): the browser a shared spec runs in, behind the
// interfaces of support/engine.ts. Chromium is driven by Playwright (traced,
// see support/browser.ts), Firefox by puppeteer over WebDriver BiDi.

import { readFile } from 'node:fs/promises';
import type { Page as PlaywrightPage } from '@playwright/test';
import type { Page as PuppeteerPage } from 'puppeteer-core';
import { exportUntil } from '../../../scripts/lib/export-until';
import { type LaunchedBrowser, launchBrowser, onlyTabId } from './browser';
import type { TimelineExport } from './capture';
import { exportFromPanel, openPanelFor } from './capture';
import {
  type Engine,
  type EngineBrowser,
  type EngineCapture,
  type PanelView,
  pollUntil,
  type TestTab,
} from './engine';
import { screenshotters } from './failure-shots';
import { launchFirefox } from './firefox';
import { panelViewOf } from './panel-view';

type PageFn<A, R> = (arg: A) => R | Promise<R>;
/** The page-side functions as the drivers type them: their arguments are serialised across anyway. */
type Untyped = (arg: unknown) => unknown;

export function playwrightTab(page: PlaywrightPage): TestTab {
  return {
    goto: async (url) => {
      await page.goto(url);
    },
    reload: async () => {
      await page.reload();
    },
    url: () => page.url(),
    title: () => page.title(),
    evaluate: <R, A>(fn: PageFn<A, R>, arg?: A) => page.evaluate(fn as Untyped, arg as unknown) as Promise<R>,
    waitForFunction: async <A>(
      fn: string | ((arg: A) => unknown),
      arg?: A,
      options?: { timeout?: number },
    ) => {
      await page.waitForFunction(fn as Untyped, arg as unknown, { timeout: options?.timeout ?? 15_000 });
    },
    screenshot: async (path) => {
      await page.screenshot({ path });
    },
    setViewport: (width, height) => page.setViewportSize({ width, height }),
    press: (key) => page.keyboard.press(key),
    bringToFront: () => page.bringToFront(),
  };
}

export function puppeteerTab(page: PuppeteerPage): TestTab {
  return {
    goto: async (url) => {
      await page.goto(url);
    },
    reload: async () => {
      await page.reload();
    },
    url: () => page.url(),
    title: () => page.title(),
    evaluate: <R, A>(fn: PageFn<A, R>, arg?: A) => page.evaluate(fn as Untyped, arg as unknown) as Promise<R>,
    waitForFunction: async <A>(
      fn: string | ((arg: A) => unknown),
      arg?: A,
      options?: { timeout?: number },
    ) => {
      await page.waitForFunction(
        fn as Untyped,
        { timeout: options?.timeout ?? 15_000, polling: 50 },
        arg as unknown,
      );
    },
    screenshot: async (path) => {
      await page.screenshot({ path: path as `${string}.png` });
    },
    setViewport: (width, height) => page.setViewport({ width, height }),
    press: (key) => page.keyboard.press(key as Parameters<PuppeteerPage['keyboard']['press']>[0]),
    bringToFront: () => page.bringToFront(),
  };
}

export interface EngineLaunchOptions {
  /**
   * Host names the browser resolves to 127.0.0.1: a page served by a loopback
   * server under such a name is an ordinary http:// site to the browser (not
   * a secure context), as most of the web is.
   */
  loopbackHosts?: string[];
}

const chromiumArgs = ({ loopbackHosts = [] }: EngineLaunchOptions): string[] =>
  loopbackHosts.length
    ? [`--host-resolver-rules=${loopbackHosts.map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`]
    : [];

const firefoxPrefs = ({ loopbackHosts = [] }: EngineLaunchOptions): Record<string, unknown> =>
  loopbackHosts.length ? { 'network.dns.localDomains': loopbackHosts.join(',') } : {};

async function launchChromiumEngine(options: EngineLaunchOptions): Promise<EngineBrowser> {
  const browser: LaunchedBrowser = await launchBrowser({ args: chromiumArgs(options) });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  let panelPage: PlaywrightPage | null = null;

  const openPanel = async (): Promise<EngineCapture> => {
    if (panelPage) await panelPage.close();
    for (const extra of browser.context.pages()) if (extra !== page) await extra.close();
    const tabId = await onlyTabId(browser);
    const opened = await openPanelFor(browser, tabId);
    panelPage = opened;
    const panel: PanelView = panelViewOf(playwrightTab(opened), {
      setInputFile: (selector, path) => opened.locator(selector).setInputFiles(path),
      download: async (name) => {
        const [d] = await Promise.all([
          opened.waitForEvent('download'),
          opened.getByRole('button', { name, exact: true }).click(),
        ]);
        const text = await readFile(await d.path(), 'utf8');
        const downloaded = { name: d.suggestedFilename(), text };
        await d.delete();
        return downloaded;
      },
      emulateColorScheme: (colorScheme) => opened.emulateMedia({ colorScheme }),
    });
    const exportTimeline = () => exportFromPanel(opened);
    return {
      page: tab,
      panel,
      tabId,
      exportTimeline,
      waitForTimeline: (until, timeoutMs = 15_000) => exportUntil(exportTimeline, until, timeoutMs),
    };
  };
  const tab = playwrightTab(page);

  return {
    engine: 'chromium',
    extensionHost: browser.extensionId,
    page: tab,
    openCapture: async (url) => {
      // The previous panel is closed before the page loads, not while it
      // starts: on a loaded machine a panel drawing the new page's traffic and
      // then torn down makes the page's own timers late.
      if (panelPage) {
        await panelPage.close();
        panelPage = null;
      }
      await page.goto(url);
      return openPanel();
    },
    openPanel,
    restartBackground: async () => {
      // Stops the service worker the way chrome://serviceworker-internals does, then starts it
      // again. Chromium gives the restarted worker its old target, so Playwright keeps one Worker
      // object for both and never reports it closed: the stop and the start are read from CDP's
      // own ServiceWorker events, and a mark left on the old instance's global scope tells a
      // fresh instance (which lacks it) from the old one still running.
      const [worker] = browser.context.serviceWorkers();
      if (!worker) throw new Error('the extension service worker is not running');
      const mark = `wirescopeRestartMark${Date.now()}`;
      await worker.evaluate((m) => {
        (globalThis as unknown as Record<string, unknown>)[m] = true;
      }, mark);
      const scope = `chrome-extension://${browser.extensionId}/`;
      const cdp = await browser.context.newCDPSession(page);
      let status = '';
      cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        for (const v of versions) if (v.scriptURL.startsWith(scope)) status = v.runningStatus;
      });
      const reached = (want: string) =>
        pollUntil(async () => status === want, `the service worker ${want}`, 15_000, 20);
      try {
        await cdp.send('ServiceWorker.enable');
        await reached('running');
        await cdp.send('ServiceWorker.stopAllWorkers');
        await reached('stopped');
        await cdp.send('ServiceWorker.startWorker', { scopeURL: scope });
        await reached('running');
      } finally {
        await cdp.detach();
      }
      const [after] = browser.context.serviceWorkers();
      if (!after) return false;
      return !(await after.evaluate((m) => m in globalThis, mark));
    },
    close: () => browser.close(),
  };
}

async function launchFirefoxEngine(options: EngineLaunchOptions): Promise<EngineBrowser> {
  const firefox = await launchFirefox({ prefs: firefoxPrefs(options) });
  const shoot = async (pathFor: (name: string) => string) => {
    for (const [i, page] of (await firefox.browser.pages()).entries())
      await page.screenshot({ path: pathFor(`page-${i}.png`) as `${string}.png` }).catch(() => {});
  };
  screenshotters.add(shoot);
  const tab = puppeteerTab(firefox.page);
  const captureOf = (opened: Awaited<ReturnType<typeof firefox.openPanel>>): EngineCapture => {
    const panelTab = puppeteerTab(opened.panel);
    const panel = panelViewOf(panelTab, {
      setInputFile: async (selector, path) => {
        const input = await opened.panel.$(selector);
        if (!input) throw new Error(`no file input in the panel: ${selector}`);
        await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(path);
      },
      download: (name) => firefox.download(opened.panel, name),
      // Puppeteer emulates media over CDP only; Firefox's system-theme pref does it browser-wide.
      emulateColorScheme: async (scheme) => {
        const set =
          scheme === null
            ? "Services.prefs.clearUserPref('ui.systemUsesDarkTheme')"
            : `Services.prefs.setIntPref('ui.systemUsesDarkTheme', ${scheme === 'dark' ? 1 : 0})`;
        await firefox.evaluateInChrome(`Promise.resolve(${set})`);
        await opened.panel.waitForFunction(
          (dark: boolean | null) =>
            dark === null || matchMedia('(prefers-color-scheme: dark)').matches === dark,
          { timeout: 5000 },
          scheme === null ? null : scheme === 'dark',
        );
      },
    });
    return {
      page: tab,
      panel,
      tabId: opened.tabId,
      exportTimeline: opened.exportTimeline,
      waitForTimeline: opened.waitForTimeline,
    };
  };
  return {
    engine: 'firefox',
    extensionHost: firefox.uuid,
    page: tab,
    openCapture: async (url) => captureOf(await firefox.openCapture(url)),
    openPanel: async () => captureOf(await firefox.openPanel()),
    restartBackground: async () => {
      const restart = await firefox.restartBackground();
      return restart.stateAfterStop === 'stopped' && restart.contextAfter !== restart.contextBefore;
    },
    close: async () => {
      screenshotters.delete(shoot);
      await firefox.close();
    },
  };
}

export function launchEngine(engine: Engine, options: EngineLaunchOptions = {}): Promise<EngineBrowser> {
  return engine === 'chromium' ? launchChromiumEngine(options) : launchFirefoxEngine(options);
}

/** A browser of the engine without the extension installed: one tab and nothing to capture with. */
export interface BareBrowser {
  engine: Engine;
  page: TestTab;
  close(): Promise<void>;
}

/** Launches the engine's browser as launchEngine does, but without the extension (what a page sees when Wirescope is not installed). */
export async function launchWithoutExtension(engine: Engine): Promise<BareBrowser> {
  if (engine === 'chromium') {
    const browser = await launchBrowser({ extension: false });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    return { engine, page: playwrightTab(page), close: () => browser.close() };
  }
  const firefox = await launchFirefox({ extension: false });
  return { engine, page: puppeteerTab(firefox.page), close: () => firefox.close() };
}

export interface EngineCaptureOptions {
  /** Page-side condition (a JS expression or function) to wait for before exporting. */
  pageDone?: string | (() => unknown);
  /** Condition on the export; exports are repeated until it holds. */
  until?: (t: TimelineExport) => boolean;
  /** Fixed extra wait before the (first) export, when nothing better can be waited for. */
  waitMs?: number;
  timeoutMs?: number;
}

/** Opens pageUrl, attaches the detached panel, waits as told, and returns the exported timeline. */
export async function captureTimeline(
  browser: EngineBrowser,
  pageUrl: string,
  options: EngineCaptureOptions = {},
): Promise<TimelineExport> {
  const { pageDone, until, waitMs, timeoutMs = 15_000 } = options;
  const session = await browser.openCapture(pageUrl);
  if (pageDone !== undefined) await session.page.waitForFunction(pageDone, undefined, { timeout: timeoutMs });
  if (waitMs) await new Promise((r) => setTimeout(r, waitMs));
  return until ? await session.waitForTimeline(until, timeoutMs) : await session.exportTimeline();
}

/** How the engine prints a native function's source (`Function.prototype.toString`). */
export function nativeSource(engine: Engine, name: string): string {
  return engine === 'firefox'
    ? `function ${name}() {\n    [native code]\n}`
    : `function ${name}() { [native code] }`;
}
