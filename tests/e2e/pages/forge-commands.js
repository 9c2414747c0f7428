// A hostile page (and its same-origin frames) that knows every message shape
// of Wirescope's command path and tries every route a page script has to
// drive the page hook or read a reply: window.postMessage, MessageEvents and
// CustomEvents with the handshake names, a forged hook offer with a
// MessageChannel of its own, a fresh about:blank frame offered a port before
// its own scripts could, chrome.runtime from the page, and forged replies.
// Everything the page sends carries `forged: true`; whatever shaped like a
// Wirescope message (a `v` or `t`) arrives anywhere the page listens without
// it is noted in window.received (it must stay empty). (WXT's own
// "content-script-started" window message, `type` and no `t`, is not one.)
(() => {
  const V = 4;
  const HOOK_READY = 'wirescope:hook-ready';
  const RELAY_READY = 'wirescope:relay-ready';
  const received = [];
  const tried = {};
  window.received = received;
  window.tried = tried;
  const ports = [];
  const ext = new URLSearchParams(location.search).get('ext') || '';

  function note(where, data) {
    let text;
    try {
      text = JSON.stringify(data);
    } catch (_e) {
      text = String(data);
    }
    received.push(`${where} ${String(text).slice(0, 300)}`);
  }
  function foreign(data) {
    if (!data || typeof data !== 'object' || data.forged === true) return false;
    return 'v' in data || 't' in data;
  }
  function count(route) {
    tried[route] = (tried[route] || 0) + 1;
  }

  const status = {
    captured: 1,
    dropped: 0,
    queued: 0,
    batches: 1,
    payloadCap: 1048576,
    openWebSockets: 999,
    openEventSources: 999,
    httpInFlight: 999,
    commandsAnswered: 0,
  };
  function shapes() {
    const list = [];
    for (let id = 1; id <= 8; id++) {
      list.push({ v: V, t: 'command', id: id, name: 'hook-status', args: {}, forged: true });
      list.push({ v: V, t: 'command', id: `p${id}`, name: 'hook-status', args: {}, forged: true });
      list.push({ v: V, t: 'command-reply', id: id, name: 'hook-status', result: status, forged: true });
    }
    list.push({ v: V, t: 'panel-command', tabId: 1, command: list[1], forged: true });
    list.push({
      v: V,
      t: 'config',
      payloadCap: 1024,
      lastBatchEvent: 'wirescope:last-batch:x',
      forged: true,
    });
    return list;
  }

  // Anything arriving where a page can listen.
  window.addEventListener(
    'message',
    (e) => {
      if (foreign(e.data)) note('window message', e.data);
    },
    true,
  );
  window.addEventListener(
    HOOK_READY,
    (e) => {
      // The hook's real offer would carry its port: a page must never see one.
      if (e.ports?.length && !e.ports[0].forged) note('hook offer seen', e.type);
    },
    true,
  );
  // Spies on the page's own built-ins: the hook uses references taken before page scripts ran.
  const nativePost = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (data, ...rest) {
    if (foreign(data)) note('port postMessage spy', data);
    return nativePost.call(this, data, ...rest);
  };

  function forgedPort(where) {
    const channel = new MessageChannel();
    channel.port2.forged = true;
    channel.port1.onmessage = (e) => {
      note(`forged port (${where})`, e.data);
    };
    ports.push(channel.port1);
    return channel.port2;
  }

  function attackWindow(win, label) {
    const W = win;
    shapes().forEach((msg) => {
      count('postMessage');
      W.postMessage(msg, '*');
      count('message event');
      W.dispatchEvent(new W.MessageEvent('message', { data: msg, ports: [forgedPort(`${label} message`)] }));
      count('custom event');
      W.dispatchEvent(new W.CustomEvent(HOOK_READY, { detail: msg }));
      W.dispatchEvent(new W.CustomEvent(RELAY_READY, { detail: msg }));
      W.document.dispatchEvent(new W.CustomEvent(HOOK_READY, { detail: msg, bubbles: true }));
    });
    // A forged offer: a relay that took it would send its config, then commands, to this port.
    count('forged offer');
    const offer = new W.MessageEvent(HOOK_READY, { ports: [forgedPort(`${label} offer`)], cancelable: true });
    W.dispatchEvent(offer);
    if (offer.defaultPrevented) note('forged offer taken', label);
    // Asking the hook to offer again: its offer, if it made one, would be caught above.
    count('relay-ready');
    W.dispatchEvent(new W.Event(RELAY_READY));
  }

  function attackRuntime() {
    const rt = window.chrome?.runtime;
    count('runtime');
    if (!rt || !ext) return;
    try {
      rt.sendMessage(ext, shapes()[1], (reply) => {
        if (reply !== undefined) note('runtime reply', reply);
      });
    } catch (_e) {}
    try {
      const port = rt.connect(ext, { name: 'wirescope-panel-link' });
      port.onMessage.addListener((m) => {
        note('runtime port', m);
      });
      port.postMessage(shapes()[1]);
    } catch (_e) {}
  }

  /** A fresh about:blank frame, offered a forged port the moment it exists. */
  function attackNewFrame() {
    count('new frame');
    const frame = document.createElement('iframe');
    document.body.appendChild(frame);
    const W = frame.contentWindow;
    try {
      const offer = new W.MessageEvent(HOOK_READY, {
        ports: [forgedPort('new frame offer')],
        cancelable: true,
      });
      W.dispatchEvent(offer);
      if (offer.defaultPrevented) note('new frame offer taken', '');
      W.addEventListener(
        RELAY_READY,
        () => {
          const late = new W.MessageEvent(HOOK_READY, {
            ports: [forgedPort('new frame late offer')],
            cancelable: true,
          });
          W.dispatchEvent(late);
          if (late.defaultPrevented) note('new frame late offer taken', '');
        },
        true,
      );
    } catch (e) {
      note('new frame error', String(e));
    }
  }

  /** One round of every route, from this window, into this window, its parent and its frames. */
  window.attack = () => {
    attackWindow(window, location.pathname);
    if (window.parent !== window) attackWindow(window.parent, `parent from ${location.pathname}`);
    for (let i = 0; i < window.frames.length; i++) {
      try {
        attackWindow(window.frames[i], `frame ${i}`);
      } catch (_e) {}
    }
    attackRuntime();
    return tried;
  };
  window.attackNewFrame = attackNewFrame;
})();
