import { browser } from 'wxt/browser';
import type { DocumentInfo } from '../lib/model';
import { type CommandPeer, RelayCommands } from '../lib/relay/commands';
import { RelayCore, type RelaySubscription } from '../lib/relay/core';
import { randomDocumentId } from '../lib/relay/doc-id';
import { FlushCadence } from '../lib/relay/flush-cadence';
import { acceptHookPort } from '../lib/relay/handshake';
import { sendsLastWords } from '../lib/relay/last-words';
import { isOwnPanel } from '../lib/sender';
import { cutString } from '../lib/validate';
import type { CommandReply } from '../lib/wire/command';
import {
  PANEL_LINK,
  parseHelloReply,
  parseToRelay,
  RELAY_PORT,
  relayHello,
  relayLastWords,
} from '../lib/wire/control';
import { MAX_TITLE_LENGTH, MAX_URL_LENGTH } from '../lib/wire/fields';
import { hookConfig, LAST_BATCH_EVENT_PREFIX } from '../lib/wire/page-relay';
import type { RecordsWire } from '../lib/wire/records';

// Isolated world, document_start, every frame: receives the hook's port,
// keeps this document's history and streams it to whoever subscribes: each
// panel that links to this frame (Chrome), or the background (Firefox).
export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_start',
  allFrames: true,
  matchAboutBlank: true,
  matchOriginAsFallback: true,
  globalName: false,
  main() {
    const doc: DocumentInfo = {
      docId: randomDocumentId(),
      // Cut to the wire format's limits: a longer one would make the panel reject every message.
      url: cutString(location.href, MAX_URL_LENGTH),
      title: '',
      top: window === window.top,
      startedAt: performance.timeOrigin + performance.now(),
    };
    type Port = ReturnType<typeof browser.runtime.connect>;
    let backgroundPort: { port: Port; subscription: RelaySubscription } | null = null;
    let hookPort: MessagePort | null = null;

    const core = new RelayCore({ doc });
    const commands = new RelayCommands({
      doc,
      hook: () => (hookPort ? { post: (message) => hookPort?.postMessage(message) } : null),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      now: () => performance.now(),
    });
    /** Posts on a port, with the document's current title (records and replies carry it). */
    const sendTo =
      (port: Port) =>
      (msg: RecordsWire | CommandReply): void => {
        doc.title = cutString(document.title, MAX_TITLE_LENGTH);
        port.postMessage(msg);
      };
    /** A reply goes back on the port its command came on. */
    const peerOf = (port: Port): CommandPeer => ({ send: sendTo(port) });
    /** Who may link: this extension's panel page, and nothing else of the extension or outside it. */
    const ownExtension = { id: browser.runtime.id, base: browser.runtime.getURL('/') };

    const delivery = new FlushCadence(() => {
      core.flush();
      return core.hasOutgoing;
    });
    // A document that goes away takes what the relay still holds with it (a
    // burst waits up to 2 s): deliver it now, so a panel that preserves the
    // log keeps the page's last moments. One that no panel linked to yet (it
    // lived only moments: lib/relay/last-words.ts) sends what a link would
    // have streamed to the tab's panels as last words instead, the hook's
    // last batch included, until the page is back (back/forward cache).
    let panelWatching = false;
    let lastWords: RelaySubscription | null = null;
    addEventListener('pagehide', () => {
      const leaving = {
        subscribed: core.subscribed,
        ageMs: performance.now(),
        retainedBytes: core.retainedBytes,
        panelWatching,
      };
      if (!lastWords && sendsLastWords(leaving))
        lastWords = core.subscribe((msg) => {
          browser.runtime.sendMessage(relayLastWords(msg)).catch(() => {
            // No panel left to hear it.
          });
        });
      core.flush();
    });
    addEventListener('pageshow', () => {
      lastWords?.unsubscribe();
      lastWords = null;
    });

    // The hook's last batch, when the page goes away, comes as an event whose
    // type is a secret of this relay's (see LAST_BATCH_EVENT_PREFIX): it is
    // stored and delivered at once, before the document is gone. (A second
    // random id, not the document's: panels see that one.)
    const lastBatchEvent = LAST_BATCH_EVENT_PREFIX + randomDocumentId();
    addEventListener(
      lastBatchEvent,
      (event) => {
        event.stopImmediatePropagation();
        core.acceptHookMessage(event instanceof CustomEvent ? event.detail : null);
        core.flush();
      },
      true,
    );

    const sendConfigToHook = () => {
      hookPort?.postMessage(hookConfig(core.payloadCap, lastBatchEvent));
    };

    const setPayloadCap = (cap: number) => {
      if (cap === core.payloadCap) return;
      core.payloadCap = cap;
      sendConfigToHook();
    };

    // Firefox: the background subscribes this relay for the tab's panels and
    // forwards what it streams. Each subscribe opens a fresh port and replays.
    const streamToBackground = () => {
      if (backgroundPort) {
        backgroundPort.subscription.unsubscribe();
        backgroundPort.port.disconnect();
      }
      const port = browser.runtime.connect({ name: RELAY_PORT });
      const current = { port, subscription: core.subscribe(sendTo(port)) };
      backgroundPort = current;
      // Commands from the tab's panels, passed on by the background: this port was opened
      // by the relay itself, to the background, so nothing else holds its other end.
      const peer = peerOf(port);
      port.onMessage.addListener((message: unknown) => commands.accept(message, peer));
      port.onDisconnect.addListener(() => {
        // Background gone or every panel closed: keep recording, stop streaming.
        current.subscription.unsubscribe();
        if (backgroundPort === current) backgroundPort = null;
      });
      delivery.queued(0);
    };

    // Chrome: each panel of this tab links to this frame itself; its stream
    // lives exactly as long as the panel's port.
    // Only the panel may link: the port's sender (set by the browser) must be this
    // extension's panel page; anything else is closed before it gets a record.
    browser.runtime.onConnect.addListener((port: Port) => {
      if (port.name !== PANEL_LINK) return;
      if (!isOwnPanel(port.sender, ownExtension)) {
        port.disconnect();
        return;
      }
      const subscription = core.subscribe(sendTo(port));
      const peer = peerOf(port);
      port.onMessage.addListener((message: unknown) => {
        const msg = parseToRelay(message);
        if (msg?.t === 'config') setPayloadCap(msg.payloadCap);
        else if (!msg) commands.accept(message, peer);
      });
      port.onDisconnect.addListener(() => subscription.unsubscribe());
      delivery.queued(0);
    });

    const sayHello = () =>
      browser.runtime
        .sendMessage(relayHello())
        .then((reply: unknown) => {
          const parsed = parseHelloReply(reply);
          if (!parsed) return;
          setPayloadCap(parsed.payloadCap);
          panelWatching = parsed.subscribed;
          if (parsed.subscribed) streamToBackground();
        })
        .catch(() => {
          // No background listening (extension updating): keep recording locally.
        });

    acceptHookPort(
      {
        target: window,
        makeEvent: (type) => new Event(type),
        offeredPort: (event) => (event instanceof MessageEvent ? (event.ports[0] ?? null) : null),
        pageStarted: () =>
          document.readyState !== 'loading' || (document.documentElement?.childNodes.length ?? 0) > 0,
        watchPageStart(onStart) {
          const observer = new MutationObserver(() => {
            observer.disconnect();
            onStart();
          });
          observer.observe(document, { childList: true, subtree: true });
          return () => observer.disconnect();
        },
      },
      (offered) => {
        hookPort = offered;
        hookPort.onmessage = (e) => {
          if (commands.acceptHookReply(e.data)) return;
          const { queued, backlog } = core.acceptHookMessage(e.data);
          if (backlog !== undefined) delivery.pageBacklog(backlog);
          if (queued > 0) delivery.queued(queued);
        };
        sendConfigToHook();
      },
    );

    // Control only (the sender is this extension; tabs.sendMessage): commands are never taken here.
    browser.runtime.onMessage.addListener((message: unknown) => {
      const msg = parseToRelay(message);
      if (!msg) return;
      setPayloadCap(msg.payloadCap);
      if (msg.t === 'subscribe') streamToBackground();
      // A panel opened: the hello tells it this frame exists (and where).
      else if (msg.t === 'announce') {
        panelWatching = true;
        void sayHello();
      }
    });

    // The hello also tells open panels of this tab to link to this frame.
    void sayHello();
  },
});
