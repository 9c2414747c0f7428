import { browser } from 'wxt/browser';
import { PANEL_PORT, parseRelayHello, RELAY_PORT } from '../lib/protocol';
import { Router } from '../lib/router';

export default defineBackground(() => {
  const router = new Router({
    sendToTab(tabId, message) {
      // Frames without a relay (e.g. chrome:// pages) simply do not answer.
      browser.tabs.sendMessage(tabId, message).catch(() => {});
    },
  });

  browser.runtime.onConnect.addListener((port) => {
    if (port.name === PANEL_PORT) {
      router.panelConnected(port);
      port.onMessage.addListener((message: unknown) => router.panelMessage(port, message));
      port.onDisconnect.addListener(() => router.panelDisconnected(port));
    } else if (port.name === RELAY_PORT) {
      const tabId = port.sender?.tab?.id;
      const frameId = port.sender?.frameId;
      router.relayConnected(port, tabId);
      port.onDisconnect.addListener(() => router.relayDisconnected(port, tabId));
      // Chrome: the tab's panels read this port themselves (see lib/router.ts).
      if (import.meta.env.FIREFOX)
        port.onMessage.addListener((message: unknown) => router.relayMessage(tabId, frameId, message));
    } else {
      port.disconnect();
    }
  });

  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    if (!parseRelayHello(message)) return undefined;
    return Promise.resolve(router.hello(sender.tab?.id));
  });
});
