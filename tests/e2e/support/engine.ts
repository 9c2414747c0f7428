// One way for a spec to drive either browser: the specs shared by Chromium and
// Firefox (see playwright.config.ts) launch their browser with
// `launchEngine(engine)` and talk to the test page and the detached panel
// through the small interfaces here, which Playwright (Chromium) and
// puppeteer over WebDriver BiDi (Firefox) both implement. Panel reads and
// clicks run as DOM script inside the panel, so they mean the same thing in
// both browsers.

import type { TimelineExport } from '../../../lib/export/timeline';

export type Engine = 'chromium' | 'firefox';
export const ENGINES: readonly Engine[] = ['chromium', 'firefox'];

export interface WaitOptions {
  timeout?: number;
}

/** A browser page, with the calls the shared specs make, named as Playwright names them. */
export interface TestTab {
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  url(): string;
  title(): Promise<string>;
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Resolves once fn (or the expression) returns a truthy value in the page. */
  waitForFunction<A = undefined>(
    fn: string | ((arg: A) => unknown),
    arg?: A,
    options?: WaitOptions,
  ): Promise<void>;
  screenshot(path: string): Promise<void>;
  setViewport(width: number, height: number): Promise<void>;
  /** Presses a key (Playwright's key names: "Enter", "ArrowDown", "Escape") in the focused element. */
  press(key: string): Promise<void>;
  /**
   * Makes this tab the selected one. Firefox slows a hidden tab's timers to
   * whole seconds, so a page whose timing matters is kept in front, as a
   * user's page is while they use it.
   */
  bringToFront(): Promise<void>;
}

/** A downloaded file, as the panel offered it. */
export interface Downloaded {
  name: string;
  text: string;
}

/** The detached Wirescope panel, driven through its DOM. */
export interface PanelView extends TestTab {
  /** Text of every element matching selector, in document order. */
  texts(selector: string): Promise<string[]>;
  /** Text of the first element matching selector ('' when none). */
  text(selector: string): Promise<string>;
  /** Clicks the first element matching selector whose text contains `hasText` (when given); throws when none. */
  click(selector: string, hasText?: string | RegExp): Promise<void>;
  /** Clicks the enabled button whose text or accessible name is `name`. */
  clickButton(name: string | RegExp): Promise<void>;
  /**
   * Selects a row of the event list as a user does (rows select on mousedown,
   * as in DevTools): the row at that index, or the first whose text contains
   * the string. Throws when there is none.
   */
  selectRow(which: number | string): Promise<void>;
  /** Sets an input's value as typing does (an input event). */
  fill(selector: string, value: string): Promise<void>;
  /** Gives the file input matching selector a file from disk. */
  setInputFile(selector: string, path: string): Promise<void>;
  /** Clicks the button `name` and returns the file it downloads. */
  download(name: string): Promise<Downloaded>;
  /** Has the panel see this system colour scheme (null: the browser's own again). */
  emulateColorScheme(scheme: 'light' | 'dark' | null): Promise<void>;
}

export interface EngineCapture {
  /** The test page (first tab). */
  page: TestTab;
  /** The detached Wirescope panel attached to the test page's tab. */
  panel: PanelView;
  tabId: number;
  /** Clicks "Export timeline" once and returns the parsed file. */
  exportTimeline(): Promise<TimelineExport>;
  /** Exports repeatedly until `until` holds (or throws with the last export after timeoutMs). */
  waitForTimeline(until: (t: TimelineExport) => boolean, timeoutMs?: number): Promise<TimelineExport>;
}

export interface EngineBrowser {
  engine: Engine;
  /** The host of the extension's own pages: Chromium's extension id, Firefox's moz-extension UUID. */
  extensionHost: string;
  /** The test page's tab. */
  page: TestTab;
  /** Loads url in the test tab, then opens a fresh detached panel for that tab. */
  openCapture(url: string): Promise<EngineCapture>;
  /** Opens a fresh detached panel for the test tab as it is now (its traffic already happened). */
  openPanel(): Promise<EngineCapture>;
  /**
   * Stops the extension's background (Chromium's service worker, Firefox's
   * background page) and has the browser start it again; resolves once a new
   * one runs. Returns true when the background really was a new instance.
   */
  restartBackground(): Promise<boolean>;
  close(): Promise<void>;
}

/** Polls fn until it returns a truthy value; throws with `what` after the timeout. */
export async function pollUntil<T>(
  fn: () => Promise<T>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
