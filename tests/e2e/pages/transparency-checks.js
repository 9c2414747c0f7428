// Page-side transparency checks. Loaded as the first script of a test page,
// it computes a JSON report of everything a page can observe about the
// transports Wirescope patches (and the built-ins around them). The e2e test
// runs it in a browser without the extension and in one with it, in the same
// test run, and requires the two reports to be identical.
//
// Facts that legitimately vary between runs (times, ports) are left out or
// normalised; everything else is reported as the page sees it. Facts that are
// recorded but not required to match (error stacks) go to `report.stacks`.

(() => {
  // Taken before this script defines anything: what the page finds on window.
  const initialGlobals = Object.getOwnPropertyNames(window);
  const initialEnumerable = Object.keys(window);
  const initialSymbols = Object.getOwnPropertySymbols(window).map(String);
  const initialDocument = {
    ownNames: Object.getOwnPropertyNames(document),
    htmlAttributes: [...document.documentElement.attributes].map((a) => a.name),
    htmlChildren: document.documentElement.childElementCount,
    scripts: document.scripts.length,
  };

  const FTS = Function.prototype.toString;
  const EXTENSION_URL = /(chrome|moz)-extension:\/\//;

  /** Stack text with the (per-run) origin replaced, plus what matters about it. */
  function stackFacts(stack) {
    const text = String(stack ?? '')
      .split(location.origin)
      .join('ORIGIN');
    return {
      mentionsExtension: EXTENSION_URL.test(text),
      frames: text.split('\n').filter((l) => /^\s+at /.test(l) || l.includes('@')).length,
      text,
    };
  }

  /** How `stack` is held (not its text, which is in report.stacks). */
  function stackDescriptorFacts(e) {
    const d = Object.getOwnPropertyDescriptor(e, 'stack');
    if (!d) return null;
    return 'value' in d
      ? { kind: 'data', writable: d.writable, enumerable: d.enumerable, configurable: d.configurable }
      : { kind: 'accessor', enumerable: d.enumerable, configurable: d.configurable };
  }

  function errorFacts(e) {
    if (!e || (typeof e !== 'object' && typeof e !== 'function')) return { thrownValue: String(e) };
    return {
      name: e.name,
      message: String(e.message).split(location.origin).join('ORIGIN'),
      ctor: e.constructor?.name,
      isDOMException: e instanceof DOMException,
      isError: e instanceof Error,
      code: e.code,
      ownKeys: Reflect.ownKeys(e).map(String),
      stackDescriptor: stackDescriptorFacts(e),
    };
  }

  /** A serialisable description of any value. */
  function valueFacts(v) {
    if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'number') return { value: v };
    if (typeof v === 'string') return { value: v.split(location.origin).join('ORIGIN') };
    if (typeof v === 'function') return fnFacts(v, false);
    if (typeof v === 'symbol') return { symbol: String(v) };
    return { object: Object.prototype.toString.call(v) };
  }

  /** Runs fn; reports its value or what it threw. Closes sockets it happens to create. */
  function attempt(fn) {
    try {
      const v = fn();
      if (v && typeof v.close === 'function' && (v instanceof WebSocket || v instanceof EventSource))
        v.close();
      return { ok: valueFacts(v) };
    } catch (e) {
      return { threw: errorFacts(e) };
    }
  }

  async function attemptAsync(fn) {
    try {
      return { ok: valueFacts(await fn()) };
    } catch (e) {
      return { threw: errorFacts(e) };
    }
  }

  function isConstructor(fn) {
    try {
      // `extends` checks IsConstructor without calling fn.
      class Probe extends fn {}
      return typeof Probe === 'function';
    } catch {
      return false;
    }
  }

  function fnFacts(fn, deep = true) {
    if (typeof fn !== 'function') return { type: typeof fn };
    const facts = {
      type: 'function',
      name: attempt(() => fn.name),
      length: attempt(() => fn.length),
      toString: attempt(() => FTS.call(fn)),
    };
    if (!deep) return facts;
    return {
      ...facts,
      toStringMethod: attempt(() => fn.toString()),
      stringified: attempt(() => String(fn)),
      concatenated: attempt(() => `${fn}`),
      boundToString: attempt(() => FTS.call(fn.bind(null))),
      boundName: attempt(() => fn.bind(null).name),
      boundLength: attempt(() => fn.bind(null).length),
      ownKeys: attempt(() => Reflect.ownKeys(fn).map(String)),
      isConstructor: isConstructor(fn),
      prototypeOfFn: protoName(Object.getPrototypeOf(fn)),
      tag: Object.prototype.toString.call(fn),
      caller: attempt(() => typeof fn.caller),
      arguments: attempt(() => typeof fn.arguments),
      setCaller: attempt(() => {
        fn.caller = null;
      }),
      callerDescriptor: attempt(() => JSON.stringify(Object.getOwnPropertyDescriptor(fn, 'caller') ?? null)),
      hasOwnPrototype: Object.hasOwn(fn, 'prototype'),
      extensible: Object.isExtensible(fn),
    };
  }

  /** Names a prototype object by the constructor it belongs to (identity checked). */
  function protoName(p) {
    if (p === null) return null;
    if (p === Function.prototype) return 'Function.prototype';
    const ctor = Object.getOwnPropertyDescriptor(p, 'constructor')?.value;
    if (typeof ctor === 'function' && ctor.prototype === p) return `${ctor.name}.prototype`;
    return Object.prototype.toString.call(p);
  }

  function chainOf(obj) {
    const chain = [];
    for (let p = Object.getPrototypeOf(obj); p !== null && chain.length < 20; p = Object.getPrototypeOf(p)) {
      chain.push(protoName(p));
    }
    return chain;
  }

  function descriptorFacts(obj, key) {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    if (!d) return null;
    const out = { enumerable: d.enumerable, configurable: d.configurable };
    if ('value' in d) {
      out.writable = d.writable;
      out.value = typeof d.value === 'function' ? fnFacts(d.value) : valueFacts(d.value);
    } else {
      out.get = fnFacts(d.get);
      out.set = fnFacts(d.set);
    }
    return out;
  }

  function ownPropertyFacts(obj) {
    const out = {};
    for (const key of Reflect.ownKeys(obj)) out[String(key)] = descriptorFacts(obj, key);
    return out;
  }

  // Built-ins a capture hook patches or relies on: all must look untouched.
  const SURFACES = [
    'WebSocket',
    'XMLHttpRequest',
    'XMLHttpRequestEventTarget',
    'XMLHttpRequestUpload',
    'EventSource',
    'fetch',
    'Request',
    'Response',
    'Headers',
    'ReadableStream',
    'ReadableStreamDefaultReader',
    'EventTarget',
    'Event',
    'MessageEvent',
    'CloseEvent',
    'ProgressEvent',
    'MessagePort',
    'MessageChannel',
    'Blob',
    'FormData',
    'URLSearchParams',
    'AbortController',
    'AbortSignal',
    'Promise',
    'Proxy',
    'WeakMap',
    'Function',
    'Object',
    'Array',
    'ArrayBuffer',
    'Uint8Array',
    'DataView',
    'Error',
    'DOMException',
    'TextEncoder',
    'TextDecoder',
    'MutationObserver',
    'JSON',
    'Reflect',
    'Math',
    'postMessage',
    'setTimeout',
    'queueMicrotask',
    'Window',
    'Navigator',
  ];

  function surfaceFacts() {
    const out = {};
    for (const name of SURFACES) {
      const v = window[name];
      const entry = { global: descriptorFacts(window, name) };
      if (v && (typeof v === 'object' || typeof v === 'function')) {
        entry.own = ownPropertyFacts(v);
        entry.chain = chainOf(v);
        if (typeof v === 'function' && v.prototype && typeof v.prototype === 'object') {
          entry.prototypeOwn = ownPropertyFacts(v.prototype);
          entry.prototypeChain = chainOf(v.prototype);
          entry.prototypeConstructorIsSelf = v.prototype.constructor === v;
        }
      }
      out[name] = entry;
    }
    return out;
  }

  /** name, length and source text of every function-valued global. */
  function globalFunctionFacts() {
    const out = {};
    for (const name of Object.getOwnPropertyNames(window)) {
      const d = Object.getOwnPropertyDescriptor(window, name);
      if (d && 'value' in d && typeof d.value === 'function') {
        out[name] = [d.value.name, d.value.length, FTS.call(d.value)];
      }
    }
    return out;
  }

  function toStringFacts() {
    const ts = Function.prototype.toString;
    const wsSend = WebSocket.prototype.send;
    return {
      selfCall: attempt(() => ts.call(ts)),
      selfMethod: attempt(() => ts.toString()),
      selfSelfMethod: attempt(() => ts.toString.toString()),
      selfConcat: attempt(() => `${ts}`),
      selfBound: attempt(() => ts.call(ts.bind(null))),
      boundCall: attempt(() => ts.bind(wsSend)()),
      applyCall: attempt(() => Reflect.apply(ts, wsSend, [])),
      onObject: attempt(() => ts.call({})),
      onNull: attempt(() => ts.call(null)),
      onString: attempt(() => ts.call('function x() {}')),
      onClass: attempt(() => ts.call(class Klass {})),
      onArrow: attempt(() => ts.call((a, b) => a + b)),
      onPageProxy: attempt(() => ts.call(new Proxy(function pageFn() {}, {}))),
      onProxyOfWebSocket: attempt(() => ts.call(new Proxy(WebSocket, {}))),
      onProxyOfSend: attempt(() => ts.call(new Proxy(wsSend, {}))),
      onGetter: attempt(() => ts.call(Object.getOwnPropertyDescriptor(WebSocket.prototype, 'url').get)),
      asConstructor: attempt(() => new ts()),
      descriptor: descriptorFacts(Function.prototype, 'toString'),
      symbolToPrimitive: attempt(() => typeof Function.prototype[Symbol.toPrimitive]),
      hasInstance: attempt(() => FTS.call(Function.prototype[Symbol.hasInstance])),
    };
  }

  // -------------------------------------------------------------------------
  // helpers for live traffic

  function withTimeout(promise, ms, what) {
    return Promise.race([
      promise,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms)),
    ]);
  }

  function once(target, type, ms = 5000) {
    return withTimeout(
      new Promise((resolve) => target.addEventListener(type, resolve, { once: true })),
      ms,
      type,
    );
  }

  /** Sends text and waits for its echo (a listener added last, removed after). */
  function roundTrip(ws, text) {
    return withTimeout(
      new Promise((resolve) => {
        const done = (e) => {
          if (e.data !== text) return;
          ws.removeEventListener('message', done);
          setTimeout(resolve, 0);
        };
        ws.addEventListener('message', done);
        ws.send(text);
      }),
      5000,
      `echo of ${text}`,
    );
  }

  /** Collects uncaught errors reported to window (both onerror and the 'error' event). */
  function collectUncaught(run) {
    const seen = [];
    const onErrorBefore = window.onerror;
    window.onerror = (message, source, lineno, colno, error) => {
      seen.push({
        via: 'onerror',
        message,
        source: String(source).split(location.origin).join('ORIGIN'),
        lineno,
        colno,
        isThrown: error instanceof Error,
        errorMessage: error?.message,
      });
      return true;
    };
    const listener = (e) => {
      seen.push({ via: 'error-event', message: e.message, error: e.error?.message, isTrusted: e.isTrusted });
    };
    window.addEventListener('error', listener);
    return Promise.resolve(run()).then(
      () => {
        window.onerror = onErrorBefore;
        window.removeEventListener('error', listener);
        return seen;
      },
      (err) => {
        window.onerror = onErrorBefore;
        window.removeEventListener('error', listener);
        seen.push({ via: 'run-failed', error: errorFacts(err) });
        return seen;
      },
    );
  }

  // -------------------------------------------------------------------------
  // WebSocket

  async function webSocketFacts(wsUrl, stacks) {
    const W = WebSocket;
    const r = {};
    r.identity = {
      typeofCtor: typeof W,
      ctorChain: chainOf(W),
      protoChain: chainOf(W.prototype),
      protoCtorIsSelf: W.prototype.constructor === W,
      statics: [W.CONNECTING, W.OPEN, W.CLOSING, W.CLOSED],
      protoStatics: [W.prototype.CONNECTING, W.prototype.OPEN, W.prototype.CLOSING, W.prototype.CLOSED],
      viaProxy: attempt(() => {
        const P = new Proxy(W, {});
        const s = new P(wsUrl);
        const facts = [s instanceof W, s.constructor === W, Object.getPrototypeOf(s) === W.prototype];
        s.close();
        return facts.join();
      }),
    };
    r.errors = {
      withoutNew: attempt(() => W(wsUrl)),
      callWithoutNew: attempt(() => W.call(null, wsUrl)),
      noArguments: attempt(() => new W()),
      fragment: attempt(() => new W(`${wsUrl}#fragment`)),
      badScheme: attempt(() => new W('ftp://127.0.0.1/x')),
      empty: attempt(() => new W('')),
      duplicateProtocol: attempt(() => new W(wsUrl, ['chat', 'chat'])),
      badProtocol: attempt(() => new W(wsUrl, 'bad protocol')),
      sendOnPlainObject: attempt(() => W.prototype.send.call({}, 'x')),
      closeOnNull: attempt(() => W.prototype.close.call(null)),
      newOnMethod: attempt(() => new W.prototype.send('x')),
      urlGetterOnObject: attempt(() => Object.getOwnPropertyDescriptor(W.prototype, 'url').get.call({})),
    };
    const early = new W(wsUrl);
    r.beforeOpen = {
      readyState: early.readyState,
      ownNames: Object.getOwnPropertyNames(early),
      ownSymbols: Object.getOwnPropertySymbols(early).length,
      tag: Object.prototype.toString.call(early),
      instanceOf: [early instanceof W, early instanceof EventTarget, early instanceof Object],
      constructorIsW: early.constructor === W,
      protoIsW: Object.getPrototypeOf(early) === W.prototype,
      sendIsProtoSend: early.send === W.prototype.send,
      handlersInitially: [early.onopen, early.onmessage, early.onclose, early.onerror],
      binaryType: early.binaryType,
      sendBeforeOpen: attempt(() => early.send('too early')),
      sendNothing: attempt(() => early.send()),
      closeBadCode: attempt(() => early.close(999)),
      closeLongReason: attempt(() => early.close(1000, 'x'.repeat(200))),
      setBadBinaryType: attempt(() => {
        early.binaryType = 'nonsense';
        return early.binaryType;
      }),
      extensible: Object.isExtensible(early),
    };
    early.close();

    const ws = new W(wsUrl);
    await once(ws, 'open');
    r.open = { readyState: ws.readyState, protocol: ws.protocol, extensions: ws.extensions, url: ws.url };

    // Order and `this` of property handlers vs listeners, removal, reassignment.
    const log = [];
    const A = function (e) {
      log.push(['A', this === ws, e.currentTarget === ws, e.target === ws, e.data, e.isTrusted]);
    };
    const B = function (e) {
      log.push(['B', this === ws, e.data]);
    };
    const C = function (e) {
      log.push(['C', this === ws, e.data]);
    };
    const D = function (e) {
      log.push(['D', this === ws, e.data]);
    };
    const H = {
      handleEvent(e) {
        log.push(['H', this === H, e.data]);
      },
    };
    ws.addEventListener('message', A);
    ws.onmessage = B;
    ws.addEventListener('message', C);
    ws.addEventListener('message', H);
    ws.addEventListener('message', (e) => log.push(['once', e.data]), { once: true });
    ws.addEventListener('message', C); // duplicate: ignored
    await roundTrip(ws, 'm1');
    ws.onmessage = D; // keeps B's position
    ws.removeEventListener('message', C);
    await roundTrip(ws, 'm2');
    ws.onmessage = null;
    ws.removeEventListener('message', H);
    await roundTrip(ws, 'm3');
    const stopper = (e) => {
      log.push(['stopper', e.data]);
      e.stopImmediatePropagation();
    };
    ws.removeEventListener('message', A);
    ws.addEventListener('message', stopper);
    ws.addEventListener('message', A);
    ws.onmessage = B;
    // roundTrip's own listener comes after the stopper: wait with a timer instead.
    ws.send('m4');
    await new Promise((resolve) => setTimeout(resolve, 300));
    ws.removeEventListener('message', stopper);
    ws.removeEventListener('message', A);
    ws.onmessage = null;
    r.handlerOrder = log;
    r.onmessageGetter = [ws.onmessage === null, typeof ws.onopen];

    // Exceptions thrown by page handlers reach window.onerror / 'error' as before.
    const thrownA = () => {
      throw new Error('boom from onmessage');
    };
    const after = [];
    r.uncaught = await collectUncaught(async () => {
      ws.onmessage = thrownA;
      ws.addEventListener('message', () => {
        null.property;
      });
      ws.addEventListener('message', (e) => after.push(e.data));
      await roundTrip(ws, 'm5');
    });
    r.afterThrowingHandlers = after;
    ws.onmessage = null;

    // Stack seen from inside a page handler (report-only).
    await new Promise((resolve) => {
      ws.onmessage = () => {
        stacks.webSocketOnMessage = stackFacts(new Error('inside onmessage').stack);
        resolve();
      };
      ws.send('m6');
    });
    ws.onmessage = null;
    try {
      new W(`${wsUrl}#fragment`);
    } catch (e) {
      stacks.webSocketConstructorError = stackFacts(e.stack);
    }
    try {
      W.prototype.send.call({}, 'x');
    } catch (e) {
      stacks.webSocketSendError = stackFacts(e.stack);
    }
    try {
      Function.prototype.toString.call({});
    } catch (e) {
      stacks.toStringError = stackFacts(e.stack);
    }

    // Binary in both binaryTypes, and payloads the page can still consume.
    ws.binaryType = 'arraybuffer';
    const gotBuffer = new Promise((resolve) => {
      ws.onmessage = (e) => resolve(e.data);
    });
    ws.send(new Uint8Array([1, 2, 3, 250]));
    const buf = await withTimeout(gotBuffer, 5000, 'arraybuffer echo');
    r.arraybuffer = {
      isArrayBuffer: buf instanceof ArrayBuffer,
      bytes: [...new Uint8Array(buf)],
      detached: buf.detached,
    };
    ws.binaryType = 'blob';
    const gotBlob = new Promise((resolve) => {
      ws.onmessage = (e) => resolve(e.data);
    });
    const sent = new Uint8Array([9, 8, 7]);
    ws.send(new DataView(sent.buffer, 1, 2));
    const blob = await withTimeout(gotBlob, 5000, 'blob echo');
    r.blob = {
      isBlob: blob instanceof Blob,
      size: blob.size,
      type: blob.type,
      bytes: [...new Uint8Array(await blob.arrayBuffer())],
      sentStillUsable: [...sent],
    };
    const transferred = new Uint8Array([5, 6]).buffer;
    ws.send(transferred);
    structuredClone(transferred, { transfer: [transferred] });
    r.sendThenTransfer = { byteLength: transferred.byteLength };
    ws.onmessage = null;

    // Close from the page: events, order, values, then send after close.
    const closeLog = [];
    ws.addEventListener('close', (e) => closeLog.push(['listener', e.code, e.reason, e.wasClean]));
    ws.onclose = function (e) {
      closeLog.push(['onclose', this === ws, e.code, e.reason, e.wasClean, e instanceof CloseEvent]);
    };
    ws.close(4001, 'bye');
    r.closingState = ws.readyState;
    await once(ws, 'close');
    r.close = closeLog;
    r.afterClose = {
      readyState: ws.readyState,
      send: attempt(() => ws.send('late')),
      buffered: ws.bufferedAmount,
    };

    // Subclasses work and are instances of themselves.
    class MyWebSocket extends W {
      constructor(url) {
        super(url);
        this.extra = 42;
      }
      greet() {
        return `hi ${this.readyState}`;
      }
    }
    const sub = new MyWebSocket(wsUrl);
    await once(sub, 'open');
    const subEcho = new Promise((resolve) => {
      sub.onmessage = function (e) {
        resolve([this === sub, e.data]);
      };
    });
    sub.send('from subclass');
    r.subclass = {
      name: MyWebSocket.name,
      length: MyWebSocket.length,
      instance: [sub instanceof MyWebSocket, sub instanceof W, sub.constructor === MyWebSocket],
      proto: Object.getPrototypeOf(sub) === MyWebSocket.prototype,
      parent: Object.getPrototypeOf(MyWebSocket) === W,
      inheritedStatic: MyWebSocket.OPEN,
      ownKeys: Object.keys(sub),
      greet: sub.greet(),
      echo: await withTimeout(subEcho, 5000, 'subclass echo'),
      tag: Object.prototype.toString.call(sub),
    };
    sub.close();
    function Other() {}
    const other = Reflect.construct(W, [wsUrl], Other);
    r.reflectConstruct = {
      proto: Object.getPrototypeOf(other) === Other.prototype,
      instanceOfW: other instanceof W,
      sendWorksViaCall: attempt(() => W.prototype.send.call(other, 'x')),
    };
    W.prototype.close.call(other);
    return r;
  }

  // -------------------------------------------------------------------------
  // XMLHttpRequest

  function xhrEvents(xhr, log) {
    for (const type of ['loadstart', 'load', 'loadend', 'error', 'abort', 'timeout']) {
      xhr.addEventListener(type, function (e) {
        log.push([type, this === xhr, e instanceof ProgressEvent, xhr.readyState]);
      });
    }
  }

  function xhrDone(xhr) {
    return withTimeout(
      new Promise((resolve) => xhr.addEventListener('loadend', () => setTimeout(resolve, 0))),
      5000,
      'xhr loadend',
    );
  }

  async function xhrFacts(base, stacks) {
    const X = XMLHttpRequest;
    const r = {};
    r.identity = {
      ctorChain: chainOf(X),
      protoChain: chainOf(X.prototype),
      statics: [X.UNSENT, X.OPENED, X.HEADERS_RECEIVED, X.LOADING, X.DONE],
      protoStatics: [X.prototype.UNSENT, X.prototype.DONE],
    };
    const fresh = new X();
    r.fresh = {
      ownNames: Object.getOwnPropertyNames(fresh),
      instanceOf: [
        fresh instanceof X,
        fresh instanceof XMLHttpRequestEventTarget,
        fresh instanceof EventTarget,
      ],
      constructorIsX: fresh.constructor === X,
      upload: [fresh.upload instanceof XMLHttpRequestUpload, fresh.upload === Reflect.get(fresh, 'upload')],
      state: [fresh.readyState, fresh.status, fresh.statusText, fresh.responseType, fresh.timeout],
      responseURL: fresh.responseURL,
      withCredentials: fresh.withCredentials,
      handlers: [fresh.onreadystatechange, fresh.onload],
      tag: Object.prototype.toString.call(fresh),
    };
    r.errors = {
      withoutNew: attempt(() => X()),
      sendBeforeOpen: attempt(() => new X().send()),
      openOneArgument: attempt(() => new X().open('GET')),
      openBadMethod: attempt(() => new X().open('BAD METHOD', '/')),
      openForbiddenMethod: attempt(() => new X().open('CONNECT', '/')),
      openBadUrl: attempt(() => new X().open('GET', 'http://[')),
      headerBeforeOpen: attempt(() => new X().setRequestHeader('x-a', '1')),
      headerBadName: attempt(() => {
        const x = new X();
        x.open('GET', '/');
        x.setRequestHeader('bad name', '1');
      }),
      syncResponseType: attempt(() => {
        const x = new X();
        x.open('GET', '/', false);
        x.responseType = 'json';
      }),
      sendTwice: attempt(() => {
        const x = new X();
        x.open('GET', `${base}/text`);
        x.send();
        x.send();
      }),
      openOnObject: attempt(() => X.prototype.open.call({}, 'GET', '/')),
      responseTextOfArraybuffer: attempt(() => {
        const x = new X();
        x.responseType = 'arraybuffer';
        return x.responseText;
      }),
    };

    // The tutorial's AJAX GET, plus listener order and `this`.
    const log = [];
    const xhr = new X();
    xhr.onreadystatechange = function () {
      log.push([
        'onreadystatechange',
        this === xhr,
        xhr.readyState,
        xhr.readyState === 4 ? xhr.status : null,
      ]);
    };
    xhr.addEventListener('readystatechange', function () {
      log.push(['rsc-listener', this === xhr, xhr.readyState]);
    });
    xhr.onload = function () {
      log.push(['onload', this === xhr, xhr.responseText]);
    };
    xhrEvents(xhr, log);
    xhr.open('GET', `${base}/text`, true);
    xhr.setRequestHeader('X-Page', 'yes');
    xhr.send();
    await xhrDone(xhr);
    // readystatechange for LOADING may repeat with chunking: collapse repeats.
    r.ajax = {
      log: log.filter((entry, i) => i === 0 || JSON.stringify(entry) !== JSON.stringify(log[i - 1])),
      status: xhr.status,
      statusText: xhr.statusText,
      responseText: xhr.responseText,
      responseURL: xhr.responseURL.split(location.origin).join('ORIGIN'),
      headers: xhr
        .getAllResponseHeaders()
        .split('\r\n')
        .filter((h) => h.startsWith('x-') || h.startsWith('content-type')),
      header: xhr.getResponseHeader('X-Test'),
      ownNames: Object.getOwnPropertyNames(xhr),
    };

    // Every responseType, with the page's view of the response unchanged.
    r.responseTypes = {};
    for (const [type, path] of [
      ['', '/text'],
      ['text', '/text'],
      ['json', '/json'],
      ['arraybuffer', '/bytes'],
      ['blob', '/bytes'],
      ['document', '/html'],
    ]) {
      const x = new X();
      x.open('GET', base + path);
      x.responseType = type;
      x.send();
      await xhrDone(x);
      const res = x.response;
      let view;
      if (type === 'arraybuffer') view = [res instanceof ArrayBuffer, ...new Uint8Array(res)];
      else if (type === 'blob')
        view = [res instanceof Blob, res.type, ...new Uint8Array(await res.arrayBuffer())];
      else if (type === 'document') view = [res instanceof Document, res.title, res.body?.textContent];
      else if (type === 'json') view = [typeof res, JSON.stringify(res)];
      else view = [typeof res, res, x.responseText];
      r.responseTypes[type || 'default'] = { status: x.status, view };
    }

    // Request bodies of every kind are still sent as the page gave them.
    r.bodies = {};
    const form = new FormData();
    form.append('field', 'value');
    form.append('file', new Blob(['abc'], { type: 'text/plain' }), 'a.txt');
    for (const [kind, body] of [
      ['string', 'plain text body'],
      ['params', new URLSearchParams({ a: '1', b: 'two' })],
      ['form', form],
      ['blob', new Blob(['blob body'])],
      ['buffer', new Uint8Array([104, 105]).buffer],
      ['view', new Uint8Array([104, 105, 33])],
    ]) {
      const x = new X();
      x.open('POST', `${base}/echo`);
      x.send(body);
      await xhrDone(x);
      // multipart boundaries are random: report the fields only.
      const text = x.responseText.replace(/-{2,}[\w-]+/g, 'BOUNDARY');
      r.bodies[kind] = [x.status, x.getResponseHeader('X-Request-Type')?.split(';')[0], text];
    }

    // Synchronous request.
    const sync = new X();
    sync.open('GET', `${base}/text`, false);
    sync.send();
    r.sync = [sync.status, sync.responseText, sync.readyState];

    // abort, timeout, network error.
    const abortLog = [];
    const ab = new X();
    xhrEvents(ab, abortLog);
    ab.onreadystatechange = () => abortLog.push(['rsc', ab.readyState]);
    ab.open('GET', `${base}/slow`);
    ab.send();
    ab.abort();
    await new Promise((resolve) => setTimeout(resolve, 50));
    r.abort = { log: abortLog, state: [ab.readyState, ab.status] };

    const toLog = [];
    const to = new X();
    xhrEvents(to, toLog);
    to.open('GET', `${base}/slow`);
    to.timeout = 100;
    to.send();
    await xhrDone(to);
    r.timeout = { log: toLog, state: [to.readyState, to.status] };

    const errLog = [];
    const er = new X();
    xhrEvents(er, errLog);
    er.open('GET', `${base}/destroy`);
    er.send();
    await xhrDone(er);
    r.networkError = { log: errLog, state: [er.readyState, er.status] };

    // Handler exceptions are reported, and the stack from inside a handler.
    r.uncaught = await collectUncaught(async () => {
      const x = new X();
      x.onload = () => {
        stacks.xhrOnload = stackFacts(new Error('inside onload').stack);
        throw new Error('boom from xhr onload');
      };
      x.open('GET', `${base}/text`);
      x.send();
      await xhrDone(x);
    });
    try {
      new X().send();
    } catch (e) {
      stacks.xhrSendError = stackFacts(e.stack);
    }

    class MyXHR extends X {
      marker() {
        return 'mine';
      }
    }
    const sub = new MyXHR();
    sub.open('GET', `${base}/text`);
    sub.send();
    await xhrDone(sub);
    r.subclass = [
      sub instanceof MyXHR,
      sub instanceof X,
      sub.constructor === MyXHR,
      sub.marker(),
      sub.status,
      sub.responseText,
    ];
    return r;
  }

  // -------------------------------------------------------------------------
  // fetch

  /** A body stream read to its end, as text. */
  async function readText(stream) {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
    }
  }

  /** Body streams read every way a page reads them, and misused: the same values and errors. */
  async function bodyStreamFacts(base, stacks) {
    const r = {};
    const decoder = new TextDecoder();
    let iterated = '';
    for await (const chunk of (await fetch(`${base}/stream`)).body)
      iterated += decoder.decode(chunk, { stream: true });
    r.forAwait = iterated;
    const stopped = [];
    const early = await fetch(`${base}/stream`);
    for await (const chunk of early.body) {
      stopped.push(decoder.decode(chunk));
      break;
    }
    r.forAwaitBreak = { chunks: stopped, locked: early.body.locked, bodyUsed: early.bodyUsed };
    let piped = '';
    for await (const part of (await fetch(`${base}/stream`)).body.pipeThrough(new TextDecoderStream()))
      piped += part;
    r.pipeThrough = piped;
    const sunk = [];
    const sink = new WritableStream({ write: (c) => void sunk.push(decoder.decode(c)) });
    const pipeToResult = await (await fetch(`${base}/stream`)).body.pipeTo(sink);
    r.pipeTo = { result: valueFacts(pipeToResult), text: sunk.join(''), sinkLocked: sink.locked };
    const byob = (await fetch(`${base}/bytes`)).body.getReader({ mode: 'byob' });
    const byobRead = await byob.read(new Uint8Array(2));
    r.byob = {
      done: byobRead.done,
      value: [...byobRead.value],
      type: Object.prototype.toString.call(byobRead.value),
    };
    // A pipe aborted with preventCancel leaves its source unlocked, the rest of it readable.
    const source = (await fetch(`${base}/stream`)).body;
    const slowSink = [];
    const abort = new AbortController();
    const aborted = source.pipeTo(
      new WritableStream({
        write: (c) =>
          new Promise((resolve) => setTimeout(() => resolve(slowSink.push(decoder.decode(c))), 20)),
      }),
      { signal: abort.signal, preventCancel: true },
    );
    setTimeout(() => abort.abort(new Error('stop piping')), 10);
    r.abortedPipe = await attemptAsync(() => aborted);
    r.afterAbortedPipe = { locked: source.locked, all: slowSink.join('') + (await readText(source)) };
    // The stream a page takes through another frame's native getter, read a little later.
    const frame = document.createElement('iframe');
    document.body.appendChild(frame);
    const otherGetter = Object.getOwnPropertyDescriptor(frame.contentWindow.Response.prototype, 'body').get;
    const other = await fetch(`${base}/text`);
    const taken = otherGetter.call(other);
    await new Promise((resolve) => setTimeout(resolve, 100));
    r.otherFrame = { locked: taken.locked, same: other.body === taken, bodyUsed: other.bodyUsed };
    r.otherFrameRead = await attemptAsync(() => readText(taken));
    frame.remove();
    // Misuses: rejected or thrown as natively, with the page's stack alone.
    const released = (await fetch(`${base}/text`)).body.getReader();
    released.releaseLock();
    try {
      await released.read();
    } catch (e) {
      r.readReleased = errorFacts(e);
      stacks.stream_read_released = stackFacts(e.stack);
    }
    const lockedBody = (await fetch(`${base}/text`)).body;
    lockedBody.getReader();
    try {
      await lockedBody.cancel();
    } catch (e) {
      r.cancelLocked = errorFacts(e);
      stacks.stream_cancel_locked = stackFacts(e.stack);
    }
    try {
      lockedBody.pipeThrough(new TextDecoderStream());
    } catch (e) {
      r.pipeThroughLocked = errorFacts(e);
      stacks.stream_pipeThrough_locked = stackFacts(e.stack);
    }
    try {
      await (await fetch(`${base}/text`)).body.pipeTo({});
    } catch (e) {
      r.pipeToNotWritable = errorFacts(e);
      stacks.stream_pipeTo_not_writable = stackFacts(e.stack);
    }
    return r;
  }

  async function fetchFacts(base, stacks) {
    const r = {};
    const p = fetch(`${base}/text`);
    r.promise = {
      instanceOfPromise: p instanceof Promise,
      proto: Object.getPrototypeOf(p) === Promise.prototype,
      ctor: p.constructor === Promise,
      tag: Object.prototype.toString.call(p),
      ownNames: Object.getOwnPropertyNames(p),
    };
    const res = await p;
    r.response = {
      instanceOf: res instanceof Response,
      proto: Object.getPrototypeOf(res) === Response.prototype,
      ownNames: Object.getOwnPropertyNames(res),
      status: res.status,
      ok: res.ok,
      type: res.type,
      redirected: res.redirected,
      url: res.url.split(location.origin).join('ORIGIN'),
      bodyUsedBefore: res.bodyUsed,
      bodyIsStream: res.body instanceof ReadableStream,
      locked: res.body.locked,
      header: res.headers.get('x-test'),
      text: await res.text(),
      bodyUsedAfter: res.bodyUsed,
      readAgain: await attemptAsync(() => res.text()),
    };
    r.errors = {
      noArguments: await attemptAsync(() => fetch()),
      badUrl: await attemptAsync(() => fetch('http://[')),
      bodyOnGet: await attemptAsync(() => fetch(`${base}/text`, { body: 'x' })),
      wrongThis: await attemptAsync(() => fetch.call({}, `${base}/text`)),
      asConstructor: attempt(() => new fetch(`${base}/text`)),
      network: await attemptAsync(() => fetch(`${base}/destroy`)),
      badMethod: await attemptAsync(() => fetch(`${base}/text`, { method: 'BAD METHOD' })),
    };
    try {
      await fetch('http://[');
    } catch (e) {
      stacks.fetchRejection = stackFacts(e.stack);
    }
    // Reads of a body the hook copies from the page's own read: a JSON parse
    // failure, and a body whose connection drops (rejected, and still reported
    // as unhandled when the page ignores it).
    r.bodyReads = {
      invalidJson: await attemptAsync(async () => (await fetch(`${base}/text`)).json()),
      cutText: await attemptAsync(async () => (await fetch(`${base}/cut`)).text()),
      cutJson: await attemptAsync(async () => (await fetch(`${base}/cut`)).json()),
      // Ignored: reported, for the very promise the page was given.
      unhandledCut: await new Promise((resolve) => {
        let read = null;
        const onUnhandled = (e) => {
          e.preventDefault();
          resolve(['reported', e.promise === read, errorFacts(e.reason)]);
        };
        window.addEventListener('unhandledrejection', onUnhandled, { once: true });
        fetch(`${base}/cut`).then((cut) => {
          read = cut.arrayBuffer();
        });
        setTimeout(() => {
          window.removeEventListener('unhandledrejection', onUnhandled);
          resolve(['not reported']);
        }, 3000);
      }),
      // Handled by the page: not reported at all (500 ms is only a cut-off for a late report).
      handledCut: await new Promise((resolve) => {
        const onUnhandled = (e) => {
          e.preventDefault();
          resolve(['reported', errorFacts(e.reason)]);
        };
        window.addEventListener('unhandledrejection', onUnhandled, { once: true });
        fetch(`${base}/cut`)
          .then((cut) => cut.text())
          .catch(() => {})
          .then(() =>
            setTimeout(() => {
              window.removeEventListener('unhandledrejection', onUnhandled);
              resolve(['not reported']);
            }, 500),
          );
      }),
    };
    try {
      await (await fetch(`${base}/text`)).json();
    } catch (e) {
      stacks.response_json_invalid = stackFacts(e.stack);
    }
    // Body reads rejected after use: a hook wrapping these methods must add no frames.
    for (const method of ['text', 'json', 'arrayBuffer', 'blob']) {
      try {
        await res[method]();
      } catch (e) {
        stacks[`response_${method}_again`] = stackFacts(e.stack);
      }
    }

    // Request object and init, bodies, headers.
    const req = new Request(`${base}/echo`, {
      method: 'POST',
      body: 'request body',
      headers: { 'X-Page': 'r' },
    });
    const viaRequest = await fetch(req);
    r.requestInput = {
      bodyUsed: req.bodyUsed,
      status: viaRequest.status,
      text: await viaRequest.text(),
      refetch: await attemptAsync(() => fetch(req)),
    };
    const viaUrl = await fetch(new URL(`${base}/echo`), {
      method: 'PUT',
      body: new URLSearchParams({ q: '1' }),
    });
    r.urlInput = [viaUrl.status, viaUrl.headers.get('x-request-type'), await viaUrl.text()];
    const jsonRes = await fetch(`${base}/json`);
    r.json = await jsonRes.json();
    const bytesRes = await fetch(`${base}/bytes`);
    r.bytes = [...new Uint8Array(await bytesRes.arrayBuffer())];
    const blobRes = await fetch(`${base}/bytes`);
    const blob = await blobRes.blob();
    r.blob = [blob instanceof Blob, blob.size, blob.type];
    const cloneRes = await fetch(`${base}/text`);
    const clone = cloneRes.clone();
    r.clone = [await clone.text(), await cloneRes.text()];

    // Streaming body, read by the page chunk by chunk.
    const stream = await fetch(`${base}/stream`);
    const reader = stream.body.getReader();
    r.streamReader = {
      readerType: Object.prototype.toString.call(reader),
      locked: stream.body.locked,
    };
    let streamed = '';
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      streamed += decoder.decode(value, { stream: true });
    }
    r.streamReader.text = streamed;
    r.streamReader.bodyUsed = stream.bodyUsed;

    r.bodyStreams = await bodyStreamFacts(base, stacks);

    // Abort: rejects with the signal's reason, as natively.
    const controller = new AbortController();
    const slow = fetch(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    r.abort = await attemptAsync(() => slow);
    const controller2 = new AbortController();
    controller2.abort(new Error('custom reason'));
    r.abortBefore = await attemptAsync(() => fetch(`${base}/text`, { signal: controller2.signal }));

    // A later `then` on the page's promise, and microtask ordering.
    const order = [];
    const f = fetch(`${base}/text`);
    f.then(() => order.push('then-1'));
    f.then(() => order.push('then-2'));
    await f;
    await null;
    order.push('after-await');
    r.thenOrder = order;
    return r;
  }

  // -------------------------------------------------------------------------
  // EventSource

  async function eventSourceFacts(base, stacks) {
    const E = EventSource;
    const r = {};
    r.identity = {
      ctorChain: chainOf(E),
      protoChain: chainOf(E.prototype),
      statics: [E.CONNECTING, E.OPEN, E.CLOSED],
      protoStatics: [E.prototype.CONNECTING, E.prototype.OPEN, E.prototype.CLOSED],
    };
    r.errors = {
      withoutNew: attempt(() => E(`${base}/sse`)),
      noArguments: attempt(() => new E()),
      badUrl: attempt(() => new E('http://[')),
      closeOnObject: attempt(() => E.prototype.close.call({})),
    };
    const es = new E(`${base}/sse?run=${Math.random()}`, { withCredentials: false });
    r.fresh = {
      readyState: es.readyState,
      withCredentials: es.withCredentials,
      ownNames: Object.getOwnPropertyNames(es),
      instanceOf: [es instanceof E, es instanceof EventTarget, es.constructor === E],
      url: es.url
        .replace(/run=[\d.]+/, 'run=N')
        .split(location.origin)
        .join('ORIGIN'),
    };
    const log = [];
    es.onopen = function () {
      log.push(['onopen', this === es, es.readyState]);
    };
    es.addEventListener('open', function () {
      log.push(['open-listener', this === es]);
    });
    es.onmessage = function (e) {
      log.push(['onmessage', this === es, e.data, e.lastEventId, e.type, e instanceof MessageEvent]);
    };
    es.addEventListener('message', (e) => log.push(['message-listener', e.data]));
    es.addEventListener('greet', (e) => log.push(['greet', e.data, e.lastEventId]));
    let opens = 0;
    await withTimeout(
      new Promise((resolve) => {
        es.addEventListener('open', () => {
          opens++;
        });
        es.onerror = function () {
          log.push(['onerror', this === es, es.readyState]);
        };
        // The server ends the stream after its first events; the browser reconnects.
        es.addEventListener('message', (e) => {
          if (e.data === 'second life') resolve();
        });
      }),
      8000,
      'eventsource reconnect',
    );
    es.close();
    r.events = log;
    r.opens = opens;
    r.afterClose = es.readyState;

    r.uncaught = await collectUncaught(async () => {
      const thrower = new E(`${base}/sse?run=${Math.random()}`);
      await new Promise((resolve) => {
        thrower.onmessage = () => {
          stacks.eventSourceOnMessage = stackFacts(new Error('inside es onmessage').stack);
          setTimeout(resolve, 0);
          thrower.close();
          throw new Error('boom from es onmessage');
        };
      });
    });

    class MyES extends E {}
    const sub = new MyES(`${base}/sse?run=${Math.random()}`);
    const first = await withTimeout(
      new Promise((resolve) => {
        sub.onmessage = function (e) {
          resolve([this === sub, e.data]);
        };
      }),
      5000,
      'subclass eventsource',
    );
    sub.close();
    r.subclass = [sub instanceof MyES, sub instanceof E, sub.constructor === MyES, first];
    return r;
  }

  // -------------------------------------------------------------------------

  /** Listens, as a page might, for anything an extension could post or dispatch on window. */
  function windowTrafficProbe() {
    const seen = [];
    window.addEventListener('message', (e) => seen.push(['message', typeof e.data]));
    for (const type of ['wirescope:hook-ready', 'wirescope:relay-ready']) {
      window.addEventListener(type, (e) => seen.push([type, e.constructor.name]), true);
      document.addEventListener(type, () => seen.push([`document ${type}`]), true);
    }
    return seen;
  }

  /**
   * What a page that looks for a recorder can measure: how often its own
   * conversion code runs, which errors it gets in whose words, how many
   * times Promise's constructor and species are read, and what stacks say
   * under Error.stackTraceLimit and Error.prepareStackTrace.
   */
  async function detectionFacts(wsUrl, base, stacks) {
    const r = {};
    const opened = () => {
      const x = new XMLHttpRequest();
      x.open('GET', `${base}/text`);
      return x;
    };
    r.symbols = {
      xhrOpenMethod: attempt(() => new XMLHttpRequest().open(Symbol('m'), `${base}/text`)),
      xhrOpenUrl: attempt(() => new XMLHttpRequest().open('GET', Symbol('u'))),
      xhrHeaderName: attempt(() => opened().setRequestHeader(Symbol('h'), 'v')),
      xhrHeaderValue: attempt(() => opened().setRequestHeader('x-h', Symbol('v'))),
      fetchInput: await attemptAsync(() => fetch(Symbol('u'))),
      webSocketUrl: attempt(() => new WebSocket(Symbol('u'))),
      webSocketProtocol: attempt(() => new WebSocket(wsUrl, Symbol('p'))),
      webSocketProtocolItem: attempt(() => new WebSocket(wsUrl, ['a', Symbol('p')])),
    };
    // A URL object whose every conversion asks for the next call: the page fetches ?call=1.
    let calls = 0;
    const url = new URL(`${base}/text`);
    url.toString = () => `${base}/text?call=${++calls}`;
    const res = await fetch(url);
    await res.text();
    r.statefulUrl = { conversions: calls, fetched: res.url.split(location.origin).join('ORIGIN') };
    // Subprotocols given as an iterable of objects: the iterator and each item's toString run once.
    const counts = { iterators: 0, nexts: 0, items: 0 };
    const protocols = {
      [Symbol.iterator]() {
        counts.iterators++;
        let i = 0;
        return {
          next() {
            counts.nexts++;
            i++;
            return i <= 2
              ? {
                  value: {
                    toString: () => {
                      counts.items++;
                      return `proto${i}`;
                    },
                  },
                  done: false,
                }
              : { done: true };
          },
        };
      },
    };
    const ws = new WebSocket(wsUrl, protocols);
    ws.close();
    r.protocolConversions = counts;
    // Reads of Promise's constructor and species while one fetch and its body read run.
    const reads = { constructor: 0, species: 0 };
    const ctorDesc = Object.getOwnPropertyDescriptor(Promise.prototype, 'constructor');
    const speciesDesc = Object.getOwnPropertyDescriptor(Promise, Symbol.species);
    Object.defineProperty(Promise.prototype, 'constructor', {
      configurable: true,
      get() {
        reads.constructor++;
        return Promise;
      },
    });
    Object.defineProperty(Promise, Symbol.species, {
      configurable: true,
      get() {
        reads.species++;
        return Promise;
      },
    });
    try {
      const text = await fetch(`${base}/text`).then((x) => x.text());
      r.promiseReads = { ...reads, text };
    } finally {
      Object.defineProperty(Promise.prototype, 'constructor', ctorDesc);
      Object.defineProperty(Promise, Symbol.species, speciesDesc);
    }
    // Errors the browser makes inside a wrapped call, as a page counting frames or formatting them sees them.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 1;
    try {
      try {
        new WebSocket(`${wsUrl}#fragment`);
      } catch (e) {
        stacks.constructorErrorLimitOne = stackFacts(e.stack);
      }
      try {
        WebSocket.prototype.send.call({}, 'x');
      } catch (e) {
        stacks.sendErrorLimitOne = stackFacts(e.stack);
      }
    } finally {
      Error.stackTraceLimit = limit;
    }
    Error.prepareStackTrace = (_e, sites) =>
      sites.map((site) => String(site.getFileName()).split(location.origin).join('ORIGIN')).join(' | ');
    try {
      try {
        new WebSocket(`${wsUrl}#fragment`);
      } catch (e) {
        stacks.constructorErrorCallSites = stackFacts(e.stack);
      }
      try {
        new XMLHttpRequest().send.call({});
      } catch (e) {
        stacks.xhrSendErrorCallSites = stackFacts(e.stack);
      }
    } finally {
      delete Error.prepareStackTrace;
    }
    return r;
  }

  async function run({ wsUrl, httpBase }) {
    const stacks = {};
    const probe = windowTrafficProbe();
    // Asking a hook that might still listen to announce itself again.
    window.dispatchEvent(new Event('wirescope:relay-ready'));
    const report = {
      initialGlobals,
      initialEnumerable,
      initialSymbols,
      initialDocument,
      chromeKeys: typeof window.chrome === 'object' ? Object.keys(window.chrome).sort() : null,
      surfaces: surfaceFacts(),
      globalFunctions: globalFunctionFacts(),
      toString: toStringFacts(),
    };
    report.webSocket = await webSocketFacts(wsUrl, stacks);
    report.xhr = await xhrFacts(httpBase, stacks);
    report.fetch = await fetchFacts(httpBase, stacks);
    report.eventSource = await eventSourceFacts(httpBase, stacks);
    report.detection = await detectionFacts(wsUrl, httpBase, stacks);
    // Nothing was added or changed by using the transports.
    report.surfacesAfterUse = surfaceFacts();
    report.globalsAfter = Object.getOwnPropertyNames(window).filter((n) => !initialGlobals.includes(n));
    report.windowProbe = probe;
    report.resourceTypes = [
      ...new Set(performance.getEntriesByType('resource').map((e) => `${e.initiatorType}`)),
    ].sort();
    report.stacks = stacks;
    return report;
  }

  Object.defineProperty(window, 'transparencyChecks', { value: { run }, configurable: true });
})();
