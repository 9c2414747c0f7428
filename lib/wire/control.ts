// Control messages between the relay, the background, the DevTools page and
// the panel: who is there (hello, announce), who listens (subscribe), the
// payload cap (config), keeping a service worker awake (ping), and, in
// Firefox, the background's wrapping of whatever a relay sends on its way to
// the panels. Records themselves are records.ts; commands are command.ts.

import { isNonNegInt } from '../validate';
import { type Envelope, hasVersion, isBool, isPayloadCap, PROTOCOL_VERSION } from './envelope';

/** Port names: relay -> background and panel -> background (runtime.connect, Firefox). */
export const RELAY_PORT = 'wirescope-relay';
export const PANEL_PORT = 'wirescope-panel';
/** Port name: panel -> one frame's relay (tabs.connect, Chrome). */
export const PANEL_LINK = 'wirescope-panel-link';
/**
 * Events the DevTools page dispatches on the docked panel's window when
 * DevTools shows or hides the panel (panels.onShown / onHidden). They carry
 * nothing: the event's name is the whole message.
 */
export const PANEL_SHOWN_EVENT = 'wirescope-panel-shown';
export const PANEL_HIDDEN_EVENT = 'wirescope-panel-hidden';

// ---------------------------------------------------------------------------
// relay <-> background, panel -> relay

/** Relay -> background (runtime.sendMessage): a document has started, or was asked to announce itself. */
export type RelayHello = Envelope<'hello'>;
/** Background -> relay, the answer to a hello: whether a panel watches the tab, and its payload cap. */
export interface HelloReply extends Envelope<'hello-reply'> {
  subscribed: boolean;
  payloadCap: number;
}
/** Background -> every relay of a tab (Firefox): start streaming, replaying history first. */
export interface RelaySubscribe extends Envelope<'subscribe'> {
  payloadCap: number;
}
/** Background -> relays, or panel -> relay over its link: new settings. */
export interface RelayConfig extends Envelope<'config'> {
  payloadCap: number;
}
/**
 * Panel -> every relay of its tab (tabs.sendMessage, Chrome): a panel has
 * opened; say hello again so it can link to this frame.
 */
export interface RelayAnnounce extends Envelope<'announce'> {
  payloadCap: number;
}
/**
 * Relay -> the tab's panels (runtime.sendMessage, Chrome), as its document goes
 * away before any panel linked to it (a page that navigates within moments of
 * loading): what a link would have streamed, one relay records message each.
 */
export interface RelayLastWords extends Envelope<'last-words'> {
  message: unknown;
}
/** What a relay accepts from the extension as control (commands are command.ts's). */
export type ToRelay = RelaySubscribe | RelayConfig | RelayAnnounce;

export const relayHello = (): RelayHello => ({ v: PROTOCOL_VERSION, t: 'hello' });
export const helloReply = (subscribed: boolean, payloadCap: number): HelloReply => ({
  v: PROTOCOL_VERSION,
  t: 'hello-reply',
  subscribed,
  payloadCap,
});
export const relaySubscribe = (payloadCap: number): RelaySubscribe => ({
  v: PROTOCOL_VERSION,
  t: 'subscribe',
  payloadCap,
});
export const relayConfig = (payloadCap: number): RelayConfig => ({
  v: PROTOCOL_VERSION,
  t: 'config',
  payloadCap,
});
export const relayAnnounce = (payloadCap: number): RelayAnnounce => ({
  v: PROTOCOL_VERSION,
  t: 'announce',
  payloadCap,
});

export function parseToRelay(v: unknown): ToRelay | null {
  if (!hasVersion(v) || !isPayloadCap(v.payloadCap)) return null;
  if (v.t === 'subscribe') return relaySubscribe(v.payloadCap);
  if (v.t === 'config') return relayConfig(v.payloadCap);
  if (v.t === 'announce') return relayAnnounce(v.payloadCap);
  return null;
}

export const relayLastWords = (message: unknown): RelayLastWords => ({
  v: PROTOCOL_VERSION,
  t: 'last-words',
  message,
});

/** The wrapping only: `message` is read as a relay's records message (untrusted). */
export function parseRelayLastWords(v: unknown): RelayLastWords | null {
  return hasVersion(v) && v.t === 'last-words' ? relayLastWords(v.message) : null;
}

export function parseRelayHello(v: unknown): RelayHello | null {
  return hasVersion(v) && v.t === 'hello' ? relayHello() : null;
}

export function parseHelloReply(v: unknown): HelloReply | null {
  return hasVersion(v) && v.t === 'hello-reply' && isBool(v.subscribed) && isPayloadCap(v.payloadCap)
    ? helloReply(v.subscribed, v.payloadCap)
    : null;
}

// ---------------------------------------------------------------------------
// panel <-> background

/** Panel -> background (Firefox, over its port): stream this tab's records to me. */
export interface PanelSubscribe extends Envelope<'panel-subscribe'> {
  tabId: number;
  payloadCap: number;
}
/** Panel -> background: the tab's new payload cap (Chrome: remembered for documents that start later). */
export interface PanelConfig extends Envelope<'panel-config'> {
  tabId: number;
  payloadCap: number;
}
/**
 * Sent every 20 s while a panel is open: traffic over a port keeps an MV3
 * service worker alive, so an idle panel does not lose its background.
 */
export interface PanelPing extends Envelope<'panel-ping'> {
  tabId: number;
  payloadCap: number;
}
export type PanelToBackground = PanelSubscribe | PanelConfig | PanelPing;

const panelMessage =
  <T extends PanelToBackground['t']>(t: T) =>
  (tabId: number, payloadCap: number) =>
    ({ v: PROTOCOL_VERSION, t, tabId, payloadCap }) as const;
export const panelSubscribe: (tabId: number, payloadCap: number) => PanelSubscribe =
  panelMessage('panel-subscribe');
export const panelConfig: (tabId: number, payloadCap: number) => PanelConfig = panelMessage('panel-config');
export const panelPing: (tabId: number, payloadCap: number) => PanelPing = panelMessage('panel-ping');

export function parsePanelToBackground(v: unknown): PanelToBackground | null {
  if (!hasVersion(v) || !isNonNegInt(v.tabId) || !isPayloadCap(v.payloadCap)) return null;
  if (v.t === 'panel-subscribe') return panelSubscribe(v.tabId, v.payloadCap);
  if (v.t === 'panel-config') return panelConfig(v.tabId, v.payloadCap);
  if (v.t === 'panel-ping') return panelPing(v.tabId, v.payloadCap);
  return null;
}

/**
 * Background -> panel (Firefox): a message a relay sent, as it was sent,
 * with the tab and frame it came from (the background knows them from the
 * relay's port; a relay cannot claim another's). The background reads none
 * of it; the panel reads `message` as it reads a relay's message in Chrome.
 */
export interface FromRelay extends Envelope<'from-relay'> {
  tabId: number;
  frameId: number;
  message: unknown;
}

export const fromRelay = (tabId: number, frameId: number, message: unknown): FromRelay => ({
  v: PROTOCOL_VERSION,
  t: 'from-relay',
  tabId,
  frameId,
  message,
});

/** The wrapping only: `message` is left for the panel to read. */
export function parseFromRelay(v: unknown): FromRelay | null {
  return hasVersion(v) && v.t === 'from-relay' && isNonNegInt(v.tabId) && isNonNegInt(v.frameId)
    ? fromRelay(v.tabId, v.frameId, v.message)
    : null;
}
