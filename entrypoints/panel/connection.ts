import { browser } from 'wxt/browser';
import {
  PANEL_PORT,
  type PanelRecords,
  PROTOCOL_VERSION,
  parsePanelRecords,
  parseRecordsMessage,
  RELAY_PORT,
} from '../../lib/protocol';

export interface PanelConnection {
  setPayloadCap(cap: number): void;
}

type Port = ReturnType<typeof browser.runtime.connect>;

/**
 * Chrome: reads the ports of this tab's relays (a relay's runtime.connect
 * reaches every extension page; see lib/router.ts). Every other connection is
 * left alone, never disconnected: in Chrome one end disconnecting closes the
 * port for all its other ends too (another panel's, the background's).
 */
function acceptRelayPorts(tabId: number, onRecords: (msg: PanelRecords) => void, onInvalid: () => void) {
  browser.runtime.onConnect.addListener((port: Port) => {
    const sender = port.sender;
    if (port.name !== RELAY_PORT || sender?.tab?.id !== tabId) return;
    const frameId = sender.frameId ?? 0;
    port.onMessage.addListener((message: unknown) => {
      const msg = parseRecordsMessage(message);
      if (msg) onRecords({ ...msg, t: 'panel-records', tabId, frameId });
      else onInvalid();
    });
  });
}

/**
 * Subscribes to a tab's records through the background, and re-subscribes if
 * the background restarts (MV3 service workers are stopped when idle); the
 * store drops replayed duplicates by sequence number.
 */
export function connectToTab(
  tabId: number,
  initialCap: number,
  onRecords: (msg: PanelRecords) => void,
  onInvalid: () => void,
): PanelConnection {
  let cap = initialCap;
  let port: Port | null = null;
  let retryMs = 100;
  const received = (msg: PanelRecords) => {
    retryMs = 100;
    onRecords(msg);
  };
  if (!import.meta.env.FIREFOX) acceptRelayPorts(tabId, received, onInvalid);

  const connect = () => {
    port = browser.runtime.connect({ name: PANEL_PORT });
    port.onMessage.addListener((message: unknown) => {
      const msg = parsePanelRecords(message);
      if (msg && msg.tabId === tabId) received(msg);
      else onInvalid();
    });
    port.onDisconnect.addListener(() => {
      port = null;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    });
    port.postMessage({ v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId, payloadCap: cap });
  };
  connect();
  // Port traffic keeps an MV3 service worker alive while the panel is open.
  setInterval(() => {
    port?.postMessage({ v: PROTOCOL_VERSION, t: 'panel-ping', tabId, payloadCap: cap });
  }, 20_000);

  return {
    setPayloadCap(next) {
      cap = next;
      port?.postMessage({ v: PROTOCOL_VERSION, t: 'panel-config', tabId, payloadCap: cap });
    },
  };
}

/** The inspected tab: `?tabId=N` when popped out, else DevTools' inspected window. */
export function inspectedTabId(): number | null {
  const fromQuery = new URLSearchParams(location.search).get('tabId');
  if (fromQuery !== null && /^\d+$/.test(fromQuery)) return Number(fromQuery);
  const devtools = (browser as { devtools?: typeof browser.devtools }).devtools;
  const id = devtools?.inspectedWindow?.tabId;
  return typeof id === 'number' ? id : null;
}
