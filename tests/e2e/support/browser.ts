// Launches Debian's Chromium with the built extension, optionally with
// DevTools open on every tab, and finds the extension's id.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium } from '@playwright/test';

export const CHROMIUM_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';
export const OUTPUT_DIR = resolve(import.meta.dirname, '..', '..', '..', process.env.WIRESCOPE_OUT_DIR ?? '.output');
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

async function freePort(): Promise<number> {
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

export async function launchBrowser(
  options: { extension?: boolean; devtools?: boolean; headless?: boolean } = {},
): Promise<LaunchedBrowser> {
  const { extension = true, devtools = false, headless = true } = options;
  const userDataDir = await mkdtemp(join(tmpdir(), 'wirescope-e2e-'));
  const debugPort = devtools ? await freePort() : null;
  const args = [...CHROMIUM_FLAGS];
  if (extension)
    args.push(`--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`);
  if (devtools) args.push('--auto-open-devtools-for-tabs', `--remote-debugging-port=${debugPort}`);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless,
    args,
    viewport: { width: 1280, height: 800 },
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
