import { browser } from 'wxt/browser';
import type { DocumentInfo } from '../lib/model';
import {
  type HookConfig,
  PROTOCOL_VERSION,
  parseBackgroundToRelay,
  parseHelloReply,
  RELAY_PORT,
} from '../lib/protocol';
import { RelayCore } from '../lib/relay/core';
import { randomDocumentId } from '../lib/relay/doc-id';
import { acceptHookPort } from '../lib/relay/handshake';

const FLUSH_MS = 100;

// Isolated world, document_start, every frame: receives the hook's port,
// keeps this document's history and streams it to the background on demand.
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
      url: location.href,
      title: '',
      top: window === window.top,
      startedAt: performance.timeOrigin + performance.now(),
    };
    let port: ReturnType<typeof browser.runtime.connect> | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let hookPort: MessagePort | null = null;

    const core = new RelayCore({
      doc,
      send: (msg) => {
        doc.title = document.title;
        port?.postMessage(msg);
      },
    });

    const scheduleFlush = () => {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        core.flush();
        if (core.hasOutgoing) scheduleFlush();
      }, FLUSH_MS);
    };

    const sendConfigToHook = () => {
      const config: HookConfig = { v: PROTOCOL_VERSION, t: 'config', payloadCap: core.payloadCap };
      hookPort?.postMessage(config);
    };

    // Each subscribe opens a fresh port: in Chrome a connection reaches only the
    // panels open when it was made, so a newly opened panel needs a new one.
    const startStreaming = () => {
      port?.disconnect();
      const opened = browser.runtime.connect({ name: RELAY_PORT });
      port = opened;
      opened.onDisconnect.addListener(() => {
        if (port !== opened) return;
        // Background gone or every panel closed: keep recording, stop streaming.
        port = null;
        core.unsubscribe();
      });
      core.subscribe();
      scheduleFlush();
    };

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
          if (core.acceptHookMessage(e.data)) scheduleFlush();
        };
        sendConfigToHook();
      },
    );

    browser.runtime.onMessage.addListener((message: unknown) => {
      const msg = parseBackgroundToRelay(message);
      if (!msg) return;
      core.payloadCap = msg.payloadCap;
      sendConfigToHook();
      if (msg.t === 'subscribe') startStreaming();
    });

    browser.runtime
      .sendMessage({ v: PROTOCOL_VERSION, t: 'hello' })
      .then((reply: unknown) => {
        const parsed = parseHelloReply(reply);
        if (!parsed) return;
        core.payloadCap = parsed.payloadCap;
        sendConfigToHook();
        if (parsed.subscribed) startStreaming();
      })
      .catch(() => {
        // No background listening (extension updating): keep recording locally.
      });
  },
});
