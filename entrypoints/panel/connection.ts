import { browser } from 'wxt/browser';
import {
  isCommandReplyKind,
  type PanelCommand,
  type PanelCommandReply,
  panelCommandForTab,
  readCommandReply,
} from '../../lib/wire/command';
import {
  PANEL_LINK,
  PANEL_PORT,
  panelConfig,
  panelPing,
  panelSubscribe,
  parseFromRelay,
  parseRelayHello,
  parseRelayLastWords,
  relayAnnounce,
  relayConfig,
} from '../../lib/wire/control';
import { type PanelRecords, readRelayRecords } from '../../lib/wire/records';

export interface PanelConnection {
  setPayloadCap(cap: number): void;
  /** Sends a command to every frame of the tab reached now, or to one frame; replies come to onReply. */
  command(command: PanelCommand, frameId?: number): void;
}

type Port = ReturnType<typeof browser.runtime.connect>;

/** What a relay sends the panel, read by its kind: records, or a command's reply. */
export interface RelayHandlers {
  onRecords(msg: PanelRecords): void;
  onReply(reply: PanelCommandReply): void;
  /** A message that failed validation. */
  onInvalid(): void;
}

/** Reads one message a relay sent (Chrome: on its link; Firefox: inside the background's from-relay). */
function readFromRelay(message: unknown, tabId: number, frameId: number, to: RelayHandlers): void {
  if (isCommandReplyKind(message)) {
    const reply = readCommandReply(message, tabId, frameId);
    if (reply) to.onReply(reply);
    else to.onInvalid();
    return;
  }
  const msg = readRelayRecords(message, tabId, frameId);
  if (msg) to.onRecords(msg);
  else to.onInvalid();
}

/** Streams a tab's records (and command replies) to the panel. */
type TabConnector = (tabId: number, initialCap: number, to: RelayHandlers) => PanelConnection;

/** Chrome's MessageSender and tabs.connect also know documents (Chrome 106+). */
type ChromeSender = { tab?: { id?: number }; frameId?: number; documentId?: string };
type ChromeConnectInfo = { name: string; frameId: number; documentId?: string };

/**
 * Chrome: links straight to each frame's relay (tabs.connect). A relay says
 * hello when it starts, and again when a panel announces itself, so every
 * frame of the tab, present or future, gets a link. Each link streams that
 * document's history then its live records, for as long as the link lives:
 * the background carries no records, and closing the panel ends the streams.
 */
const linkToRelays: TabConnector = (tabId, initialCap, to) => {
  let cap = initialCap;
  const links = new Map<string, { port: Port; frameId: number }>();
  let unkeyed = 0;
  const link = (frameId: number, documentId: string | undefined) => {
    // A document links once, however many hellos it sends.
    const key = documentId ?? `frame ${frameId} #${++unkeyed}`;
    if (links.has(key)) return;
    const info: ChromeConnectInfo = { name: PANEL_LINK, frameId, ...(documentId ? { documentId } : {}) };
    const port = browser.tabs.connect(tabId, info);
    links.set(key, { port, frameId });
    port.onMessage.addListener((message: unknown) => readFromRelay(message, tabId, frameId, to));
    port.onDisconnect.addListener(() => {
      if (links.get(key)?.port === port) links.delete(key);
    });
    port.postMessage(relayConfig(cap));
  };
  browser.runtime.onMessage.addListener((message: unknown, sender: ChromeSender) => {
    const frameId = sender.frameId;
    if (sender.tab?.id !== tabId || frameId === undefined) return undefined;
    if (parseRelayHello(message)) link(frameId, sender.documentId);
    // A document gone before this panel linked to it: its records, read as a link's (repeats are dropped by seq).
    const lastWords = parseRelayLastWords(message);
    if (lastWords) readFromRelay(lastWords.message, tabId, frameId, to);
    // No answer: the background answers hellos.
    return undefined;
  });
  const tellBackground = () => browser.runtime.sendMessage(panelConfig(tabId, cap)).catch(() => {});
  void tellBackground();
  browser.tabs.sendMessage(tabId, relayAnnounce(cap)).catch(() => {
    // No relay in the tab (yet, or a page extensions cannot enter).
  });
  return {
    setPayloadCap(next) {
      cap = next;
      for (const { port } of links.values()) port.postMessage(relayConfig(cap));
      void tellBackground();
    },
    command(command, frameId) {
      for (const link of links.values()) {
        if (frameId !== undefined && link.frameId !== frameId) continue;
        try {
          link.port.postMessage(command);
        } catch {
          // The frame went away: its link's disconnect is on its way.
        }
      }
    },
  };
};

/**
 * Firefox: subscribes to a tab's records through the background, which
 * forwards them (Firefox does not promise that a docked DevTools panel
 * receives content-script connections), and re-subscribes if the background
 * restarts; the store drops replayed duplicates by sequence number.
 */
const subscribeThroughBackground: TabConnector = (tabId, initialCap, to) => {
  let cap = initialCap;
  let port: Port | null = null;
  let retryMs = 100;
  const handlers: RelayHandlers = {
    ...to,
    onRecords(msg) {
      retryMs = 100;
      to.onRecords(msg);
    },
  };
  const connect = () => {
    port = browser.runtime.connect({ name: PANEL_PORT });
    port.onMessage.addListener((message: unknown) => {
      const wrapped = parseFromRelay(message);
      if (wrapped?.tabId === tabId) readFromRelay(wrapped.message, tabId, wrapped.frameId, handlers);
      else to.onInvalid();
    });
    port.onDisconnect.addListener(() => {
      port = null;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    });
    port.postMessage(panelSubscribe(tabId, cap));
  };
  connect();
  // Port traffic keeps an MV3 service worker alive while the panel is open.
  setInterval(() => {
    port?.postMessage(panelPing(tabId, cap));
  }, 20_000);

  return {
    setPayloadCap(next) {
      cap = next;
      port?.postMessage(panelConfig(tabId, cap));
    },
    command(command, frameId) {
      port?.postMessage(panelCommandForTab(tabId, command, frameId));
    },
  };
};

/** Chrome links to the relays; Firefox goes through the background. */
export const connectToTab: TabConnector = import.meta.env.FIREFOX ? subscribeThroughBackground : linkToRelays;

/** The inspected tab: `?tabId=N` when popped out, else DevTools' inspected window. */
export function inspectedTabId(): number | null {
  const fromQuery = new URLSearchParams(location.search).get('tabId');
  if (fromQuery !== null && /^\d+$/.test(fromQuery)) return Number(fromQuery);
  const devtools = (browser as { devtools?: typeof browser.devtools }).devtools;
  const id = devtools?.inspectedWindow?.tabId;
  return typeof id === 'number' ? id : null;
}
