// The background's routing, free of extension APIs.
//
// Firefox: relays (one per frame) stream records to the background, which
// forwards each batch to the panels (DevTools or popped out) subscribed to
// their tab; relays stream only while a panel for their tab exists. Firefox
// does not promise that a docked DevTools panel receives content-script
// connections, so the background stays in the path.
//
// Chrome: panels link to their tab's relays directly (tabs.connect), and the
// background only remembers each tab's payload cap for the hello of documents
// that start later: an end of every relay port in the background would cost
// it a share of the extension's CPU under a flood for nothing.
//
// Commands (Firefox): a panel names its tab (and optionally a frame); the
// command goes to that tab's relays over the ports they opened to the
// background, and their replies come back as everything else they send does.
// Only a port opened by this extension's panel page is served at all.

import { isOwnPanel, type OwnExtension, type PortSender } from './sender';
import { parsePanelCommandForTab } from './wire/command';
import {
  fromRelay,
  type HelloReply,
  helloReply,
  parsePanelToBackground,
  relayConfig,
  relaySubscribe,
} from './wire/control';
import { DEFAULT_PAYLOAD_CAP } from './wire/envelope';

export interface RouterPort {
  postMessage(message: unknown): void;
  disconnect(): void;
}

export interface RouterDeps {
  /** Sends a message to every frame of a tab (tabs.sendMessage). */
  sendToTab(tabId: number, message: unknown): void;
  /** This extension, whose panel page alone may connect as a panel. */
  own: OwnExtension;
}

interface PanelEntry {
  port: RouterPort;
  tabId: number | null;
}

export class Router {
  private readonly panelsByTab = new Map<number, Set<RouterPort>>();
  /** Each tab's relay ports, with the frame each belongs to. */
  private readonly relaysByTab = new Map<number, Map<RouterPort, number | undefined>>();
  private readonly panels = new Map<RouterPort, PanelEntry>();
  private readonly payloadCaps = new Map<number, number>();
  /** Messages that failed validation, by source. */
  readonly invalid = { panel: 0, relay: 0 };
  /** Ports that asked to be a panel without being this extension's panel page (closed at once). */
  refusedPanels = 0;
  /** Commands a relay's port refused (the relay is going away; the panel sees no reply from it). */
  undeliveredCommands = 0;
  /** Batches a panel's port refused (the panel counts their records as a gap when later ones arrive). */
  undelivered = 0;

  constructor(private readonly deps: RouterDeps) {}

  /** A port named as a panel's: served only when the browser says this extension's panel page opened it. */
  panelConnected(port: RouterPort, sender: PortSender | undefined): boolean {
    // A popped-out panel is an extension page in a tab: Firefox names that tab.
    if (!isOwnPanel(sender, this.deps.own, { tabAllowed: true })) {
      this.refusedPanels++;
      port.disconnect();
      return false;
    }
    this.panels.set(port, { port, tabId: null });
    return true;
  }

  panelMessage(port: RouterPort, message: unknown): void {
    const entry = this.panels.get(port);
    if (!entry) {
      this.invalid.panel++;
      return;
    }
    const msg = parsePanelToBackground(message);
    if (!msg) {
      this.panelCommand(entry, message);
      return;
    }
    if (msg.t === 'panel-ping') return;
    this.payloadCaps.set(msg.tabId, msg.payloadCap);
    if (msg.t === 'panel-subscribe') {
      if (entry.tabId !== null && entry.tabId !== msg.tabId) this.removePanel(port);
      entry.tabId = msg.tabId;
      this.panels.set(port, entry);
      const set = this.panelsByTab.get(msg.tabId) ?? new Set<RouterPort>();
      this.panelsByTab.set(msg.tabId, set);
      set.add(port);
      this.deps.sendToTab(msg.tabId, relaySubscribe(msg.payloadCap));
    } else {
      this.deps.sendToTab(msg.tabId, relayConfig(msg.payloadCap));
    }
  }

  /** A command for the panel's own tab goes to that tab's relays (or one frame's); anything else is counted. */
  private panelCommand(entry: PanelEntry, message: unknown): void {
    const msg = parsePanelCommandForTab(message);
    if (!msg || entry.tabId !== msg.tabId) {
      this.invalid.panel++;
      return;
    }
    for (const [relay, frameId] of this.relaysByTab.get(msg.tabId) ?? []) {
      if (msg.frameId !== undefined && frameId !== msg.frameId) continue;
      try {
        relay.postMessage(msg.command);
      } catch {
        this.undeliveredCommands++;
      }
    }
  }

  panelDisconnected(port: RouterPort): void {
    this.removePanel(port);
    this.panels.delete(port);
  }

  private removePanel(port: RouterPort): void {
    const entry = this.panels.get(port);
    if (!entry || entry.tabId === null) return;
    const set = this.panelsByTab.get(entry.tabId);
    set?.delete(port);
    if (set && set.size === 0) {
      this.panelsByTab.delete(entry.tabId);
      // Nobody watches this tab: relays go back to recording only.
      for (const relay of this.relaysByTab.get(entry.tabId)?.keys() ?? []) relay.disconnect();
      this.relaysByTab.delete(entry.tabId);
    }
  }

  /** A panel's new payload cap for its tab, without a port (Chrome). */
  rememberPayloadCap(tabId: number, payloadCap: number): void {
    this.payloadCaps.set(tabId, payloadCap);
  }

  hello(tabId: number | undefined): HelloReply {
    const subscribed = tabId !== undefined && this.panelsByTab.has(tabId);
    const payloadCap = (tabId !== undefined && this.payloadCaps.get(tabId)) || DEFAULT_PAYLOAD_CAP;
    return helloReply(subscribed, payloadCap);
  }

  relayConnected(port: RouterPort, tabId: number | undefined, frameId: number | undefined): void {
    if (tabId === undefined || !this.panelsByTab.has(tabId)) {
      port.disconnect();
      return;
    }
    const relays = this.relaysByTab.get(tabId) ?? new Map<RouterPort, number | undefined>();
    this.relaysByTab.set(tabId, relays);
    relays.set(port, frameId);
  }

  /**
   * Forwards what a relay sent, as it is, to the panels of its tab, wrapped
   * with the tab and frame its port belongs to. The panel reads the message
   * (it validates every record once, as in Chrome); here nothing is decoded.
   */
  relayMessage(tabId: number | undefined, frameId: number | undefined, message: unknown): void {
    if (tabId === undefined) {
      this.invalid.relay++;
      return;
    }
    const panels = this.panelsByTab.get(tabId);
    if (!panels) return;
    const out = fromRelay(tabId, frameId ?? 0, message);
    for (const panel of panels) {
      // One panel's port failing (closed before we heard) must not keep the batch from the others.
      try {
        panel.postMessage(out);
      } catch {
        this.undelivered++;
      }
    }
  }

  relayDisconnected(port: RouterPort, tabId: number | undefined): void {
    if (tabId === undefined) return;
    this.relaysByTab.get(tabId)?.delete(port);
  }
}
