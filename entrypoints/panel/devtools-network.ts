import { browser } from 'wxt/browser';
import type { OutsideRequestLog } from '../../lib/outside-requests';

/**
 * How often the panel re-reads DevTools' whole log while it is shown:
 * DevTools reports a request through onRequestFinished only once it ends, so
 * a worker's socket that stays open (and its message count) shows through
 * this re-read. Cheap next to the page: it runs in DevTools' own process.
 */
const REREAD_MS = 3000;

export interface DevToolsNetworkWatch {
  /** Whether the panel may do its periodic work now (it is shown). */
  shown(): boolean;
  /** Whether a navigation keeps what was listed. */
  preserveLog(): boolean;
  /** The list changed. */
  changed(): void;
}

/**
 * Inside DevTools (not popped out), its network log also shows what workers
 * request: feeds `log` from it, live and from before the panel opened.
 * Returns false where there is no such log.
 */
export function watchDevToolsNetwork(log: OutsideRequestLog, watch: DevToolsNetworkWatch): boolean {
  const network = (browser as { devtools?: typeof browser.devtools }).devtools?.network;
  if (!network) return false;
  const ownOrigin = browser.runtime.getURL('/');
  const take = (entry: unknown) => {
    if (log.add(entry, ownOrigin)) watch.changed();
  };
  network.onRequestFinished.addListener(take);
  const takeAll = (har: unknown) => {
    const entries = (har as { entries?: unknown } | null)?.entries;
    if (Array.isArray(entries)) for (const entry of entries) take(entry);
  };
  // Chrome answers through a callback, Firefox with a promise (its entries
  // name no initiator, so they list nothing).
  const readAll = () => {
    try {
      const api = network as unknown as { getHAR(callback: (har: unknown) => void): unknown };
      const answer = api.getHAR(takeAll);
      if (answer instanceof Promise) answer.then(takeAll, () => {});
    } catch {
      // No log to read: requests still arrive through onRequestFinished.
    }
  };
  readAll();
  setInterval(() => {
    if (watch.shown()) readAll();
  }, REREAD_MS);
  network.onNavigated.addListener(() => {
    if (watch.preserveLog()) return;
    log.clear();
    watch.changed();
  });
  return true;
}
