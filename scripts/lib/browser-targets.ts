// Over a Chromium's remote debugging port, without touching the measured
// page: opens windows, and opens the popped-out Wirescope panel for the
// page's tab. Shared by the benchmarks that launch Chromium themselves.

import { createHash } from 'node:crypto';
import { CdpSession, listTargets, poll } from './devtools';

/** How long to wait for the browser, the panel page or its extension bindings to appear. */
export const WAIT_MS = 20_000;

/** A CDP call that gives up after `ms` (a stopped target never answers). */
export function withTimeout<T>(what: string, promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  // Cleared once settled: a pending timer would keep the bench's process alive after its last run.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Chromium's id for an unpacked extension: its absolute path's SHA-256, hex digits mapped to a-p (`dir` must be absolute). */
export function unpackedExtensionId(dir: string): string {
  const hex = createHash('sha256').update(dir).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + Number.parseInt(c, 16))).join('');
}

/** Opens `url` in a new window of the browser (over the browser target, never the measured page). */
export async function openWindow(debugPort: number, url: string): Promise<void> {
  const version = await poll(
    'the browser endpoint',
    async () => {
      const res = await fetch(`http://127.0.0.1:${debugPort}/json/version`);
      return (await res.json()) as { webSocketDebuggerUrl: string };
    },
    WAIT_MS,
  );
  const browserSession = await withTimeout(
    'browser session',
    CdpSession.connect(version.webSocketDebuggerUrl),
  );
  try {
    await withTimeout('new window', browserSession.send('Target.createTarget', { url, newWindow: true }));
  } finally {
    browserSession.close();
  }
}

/**
 * Opens the detached Wirescope panel for the page's tab in a window of its
 * own (so it is visible and renders, as a docked panel would). Only the
 * browser target and the panel page are touched over CDP, never the measured
 * page: the panel page itself looks up the other tab's id, then loads
 * `panel.html?tabId=N`. `storage` is written to the extension's storage
 * first (panel settings, say).
 */
export async function openPanel(
  debugPort: number,
  extensionDir: string,
  options: { storage?: Record<string, unknown> } = {},
): Promise<void> {
  const panelUrl = `chrome-extension://${unpackedExtensionId(extensionDir)}/panel.html`;
  await openWindow(debugPort, panelUrl);
  const target = await poll(
    'the panel page',
    async () =>
      (await listTargets(debugPort)).find((t) => t.url.startsWith(panelUrl) && t.webSocketDebuggerUrl),
    WAIT_MS,
  );
  const panelSession = await withTimeout(
    'panel session',
    CdpSession.connect(target.webSocketDebuggerUrl ?? ''),
  );
  try {
    // The target is listed before its extension bindings exist: ask until chrome.tabs answers.
    const tabIds = await poll(
      'the tab lookup',
      () =>
        withTimeout(
          'tab lookup',
          panelSession.evaluate<number[] | null>(`(async () => {
            if (typeof chrome === 'undefined' || !chrome.tabs) return null;
            const own = (await chrome.tabs.getCurrent())?.id;
            return (await chrome.tabs.query({})).map((t) => t.id).filter((id) => id !== own);
          })()`),
        ),
      WAIT_MS,
    );
    if (tabIds.length !== 1) throw new Error(`expected one page tab, found ${tabIds.length}`);
    if (options.storage)
      await withTimeout(
        'storage',
        panelSession.evaluate(`chrome.storage.local.set(${JSON.stringify(options.storage)})`),
      );
    await withTimeout(
      'panel load',
      panelSession.evaluate(`location.replace('panel.html?tabId=${tabIds[0]}')`),
    );
  } finally {
    panelSession.close();
  }
  // Let the panel load, subscribe and receive the (short) replay before timing starts.
  await new Promise((r) => setTimeout(r, 1500));
}
