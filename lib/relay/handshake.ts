// The relay's half of the one-time handshake with the page hook (the hook's
// half is lib/hook/relay-port.ts). Both run at document_start, before any page
// script. The relay listens for the hook's offer (a cancelable event carrying
// a MessagePort), then asks the hook to announce itself. Whoever runs second
// completes the exchange synchronously.
//
// Trust: a page script can dispatch a look-alike offer with a port of its
// own. So the relay accepts exactly one offer, and only while no page script
// can have run: during its own announcement, or — if the hook has not run
// yet — until the page's content starts arriving (the first DOM mutation,
// which the parser makes before any page script runs). After that it stops
// listening for good; a forged offer then reaches nobody.

import { HANDSHAKE_HOOK_READY, HANDSHAKE_RELAY_READY } from '../wire/page-relay';

export interface HandshakeEnv {
  /** The window the hook announces itself on. */
  target: EventTarget;
  /** Makes the RELAY_READY event (the relay's announcement). */
  makeEvent(type: string): Event;
  /** The port an event offers, if it is a genuine-looking offer (a MessageEvent with a port). */
  offeredPort(event: Event): MessagePort | null;
  /** True when the document already has content (a late start: page scripts may have run). */
  pageStarted(): boolean;
  /** Calls back at the page's first content; returns a function that stops watching. */
  watchPageStart(onStart: () => void): () => void;
}

export interface HandshakeResult {
  /** The hook's port, once taken. */
  readonly port: MessagePort | null;
  /** Look-alike events (no port) seen while the window was open. */
  readonly rejected: number;
}

export function acceptHookPort(env: HandshakeEnv, onPort: (port: MessagePort) => void): HandshakeResult {
  let port: MessagePort | null = null;
  let open = true;
  let rejected = 0;
  let stopWatching: (() => void) | null = null;

  const close = () => {
    open = false;
    env.target.removeEventListener(HANDSHAKE_HOOK_READY, onOffer, true);
    stopWatching?.();
    stopWatching = null;
  };

  function onOffer(event: Event): void {
    const offered = env.offeredPort(event);
    if (!open || port || !offered) {
      rejected++;
      return;
    }
    // Cancelling tells the hook, synchronously, that its port is in safe hands.
    event.preventDefault();
    port = offered;
    close();
    onPort(offered);
  }

  env.target.addEventListener(HANDSHAKE_HOOK_READY, onOffer, true);
  const late = env.pageStarted();
  env.target.dispatchEvent(env.makeEvent(HANDSHAKE_RELAY_READY));
  if (open && !port) {
    if (late) close();
    else stopWatching = env.watchPageStart(close);
  }

  return {
    get port() {
      return port;
    },
    get rejected() {
      return rejected;
    },
  };
}
