import { browser } from 'wxt/browser';
import { Router } from '../lib/router';
import {
  PANEL_PORT,
  parsePanelToBackground,
  parseRelayHello,
  parseRelayLastWords,
  RELAY_PORT,
} from '../lib/wire/control';

export default defineBackground(() => {
  const router = new Router({
    own: { id: browser.runtime.id, base: browser.runtime.getURL('/') },
    sendToTab(tabId, message) {
      // Frames without a relay (e.g. chrome:// pages) simply do not answer.
      browser.tabs.sendMessage(tabId, message).catch(() => {});
    },
  });

  // Firefox only: panels and relays meet here and records are forwarded.
  // Chrome's panels link to relays themselves, and a background listening for
  // connections would receive (and decode) every relay's stream for nothing.
  if (import.meta.env.FIREFOX) {
    browser.runtime.onConnect.addListener((port) => {
      if (port.name === PANEL_PORT) {
        if (!router.panelConnected(port, port.sender)) return;
        port.onMessage.addListener((message: unknown) => router.panelMessage(port, message));
        port.onDisconnect.addListener(() => router.panelDisconnected(port));
      } else if (port.name === RELAY_PORT) {
        const tabId = port.sender?.tab?.id;
        const frameId = port.sender?.frameId;
        router.relayConnected(port, tabId, frameId);
        port.onDisconnect.addListener(() => router.relayDisconnected(port, tabId));
        port.onMessage.addListener((message: unknown) => router.relayMessage(tabId, frameId, message));
      } else {
        port.disconnect();
      }
    });
  }

  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    if (parseRelayHello(message)) return Promise.resolve(router.hello(sender.tab?.id));
    // Firefox: a document gone before it streamed here; its last words go on to the tab's panels
    // like anything its port would have carried (Chrome's panels hear them themselves).
    const lastWords = import.meta.env.FIREFOX ? parseRelayLastWords(message) : null;
    if (lastWords) {
      router.relayMessage(sender.tab?.id, sender.frameId, lastWords.message);
      return undefined;
    }
    // Chrome: a panel's payload cap, remembered for documents that start later.
    const config = parsePanelToBackground(message);
    if (config?.t === 'panel-config') router.rememberPayloadCap(config.tabId, config.payloadCap);
    return undefined;
  });
});
