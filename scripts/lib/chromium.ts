// Launches Debian's Chromium with the built extension, optionally with
// DevTools open on every tab, and finds the extension's id. Shared by the e2e
// tests (tests/e2e/support/browser.ts re-exports it), the benchmarks and `npm start`.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium } from '@playwright/test';
import { assertInstalled } from './installed';

export const CHROMIUM_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';
export const OUTPUT_DIR = resolve(
  import.meta.dirname,
  '..',
  '..',
  process.env.WIRESCOPE_OUT_DIR ?? '.output',
);
export const EXTENSION_DIR = resolve(OUTPUT_DIR, 'chrome-mv3');
export const FIREFOX_EXTENSION_DIR = resolve(OUTPUT_DIR, 'firefox-mv2');

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
  '--disable-quic',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  extensionId: string;
  /** Remote debugging port (for the DevTools front-end), when devtools is on. */
  debugPort: number | null;
  close(): Promise<void>;
}

/**
 * Id of the browser's one open tab, asked of the extension's service worker
 * (without the "tabs" permission it gives ids, not URLs, so there must be
 * exactly one tab: call it before opening the panel's own page).
 */
export async function onlyTabId(browser: LaunchedBrowser): Promise<number> {
  const [worker] = browser.context.serviceWorkers();
  if (!worker) throw new Error('the extension service worker is not running');
  const ids = await worker.evaluate(async () => {
    const api = (
      globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<Array<{ id?: number }>> } } }
    ).chrome;
    const tabs = await api.tabs.query({});
    return tabs.map((t) => t.id).filter((id): id is number => typeof id === 'number');
  });
  if (ids.length !== 1)
    throw new Error(`expected exactly one tab before opening the panel, found ${ids.length}`);
  return ids[0] as number;
}

/** Throws a message saying how to install Chromium when CHROMIUM_PATH is not an executable. */
export function assertChromiumInstalled(path = CHROMIUM_PATH): Promise<void> {
  return assertInstalled({
    name: 'Chromium',
    path,
    aptPackage: 'chromium',
    pathVariable: 'CHROME_PATH',
    accepts: 'Chromium/Chrome',
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
    srv.on('error', reject);
  });
}

export interface LaunchOptions {
  extension?: boolean;
  devtools?: boolean;
  headless?: boolean;
  /** Page viewport; null lets a headed window size its pages itself. Default 1280×800. */
  viewport?: { width: number; height: number } | null;
  /** Extra Chromium flags. */
  args?: string[];
  /** Let the caller handle Ctrl+C / SIGTERM (close cleanly) instead of Playwright closing the browser and exiting. */
  callerHandlesSignals?: boolean;
  /** Where Playwright keeps trace files while tracing (default: its own temporary folder). */
  tracesDir?: string;
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const {
    extension = true,
    devtools = false,
    headless = true,
    viewport = { width: 1280, height: 800 },
    args: extraArgs = [],
    callerHandlesSignals = false,
    tracesDir,
  } = options;
  const userDataDir = await mkdtemp(join(tmpdir(), 'wirescope-e2e-'));
  const debugPort = devtools ? await freePort() : null;
  const args = [...CHROMIUM_FLAGS];
  if (extension)
    args.push(`--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`);
  if (devtools) args.push('--auto-open-devtools-for-tabs', `--remote-debugging-port=${debugPort}`);
  args.push(...extraArgs);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless,
    args,
    viewport,
    handleSIGINT: !callerHandlesSignals,
    handleSIGTERM: !callerHandlesSignals,
    ...(tracesDir ? { tracesDir } : {}),
  });
  let extensionId = '';
  if (extension) {
    const worker =
      context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    extensionId = new URL(worker.url()).host;
  }
  return {
    context,
    extensionId,
    debugPort,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
