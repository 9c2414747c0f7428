// Invisible to the page, in Chromium and in Firefox: the page-side check
// suite (pages/transparency-checks.js) gives the same report with and
// without the extension, in the same run and the same browser (each browser
// is compared with itself: native function text, error messages and stacks
// differ between engines, not between a page with and without Wirescope); a
// page that replaces built-ins neither breaks nor blinds the hook; a page
// that wraps WebSocket / fetch / XHR itself keeps working and is captured once.

import { connectionsOf, eventsOf, payloadText, type TimelineExport } from './support/capture';
import type { Engine, EngineBrowser, TestTab } from './support/engine';
import { captureTimeline, launchEngine, launchWithoutExtension } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
/** The browser with the extension, shared by the tests. */
let browser: EngineBrowser;

/** Routes the check suite (and the other tests here) talk to. Deterministic answers only. */
function addRoutes(s: TestServer): void {
  s.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  s.route('/text', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-test': 't1' }).end('hello text');
  });
  s.route('/json', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1,"b":[true,null]}');
  });
  s.route('/bytes', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2, 255]));
  });
  s.route('/html', (_req, res) => {
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>doc title</title><body>doc body</body>');
  });
  s.route('/echo', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res
        .writeHead(200, {
          'content-type': 'text/plain',
          'x-request-type': req.headers['content-type'] ?? 'none',
        })
        .end(Buffer.concat(chunks));
    });
  });
  s.route('/slow', (req, res) => {
    const timer = setTimeout(() => res.writeHead(200).end('slow'), 2000);
    req.on('close', () => clearTimeout(timer));
  });
  s.route('/destroy', (req) => {
    req.socket.destroy();
  });
  s.route('/cut', (req, res) => {
    // Headers and part of the body, then the connection drops: the page's body read fails.
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
    res.write('part of it', () => setTimeout(() => req.socket.destroy(), 20));
  });
  s.route('/stream', async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (const part of ['one\n', 'two\n', 'three\n']) {
      res.write(part);
      await new Promise((r) => setTimeout(r, 50));
    }
    res.end();
  });
  s.route('/sse', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    if (req.headers['last-event-id']) {
      // The reconnect: one more message, then the stream stays open until the page closes it.
      res.write('data: second life\n\n');
      return;
    }
    res.end('retry: 100\n\nevent: greet\nid: g1\ndata: hello\n\nid: m1\ndata: first life\n\n');
  });
}

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  addRoutes(server);
  browser = await launchEngine(engine);
  server.page(
    '/transparency.html',
    '<!doctype html><html><head><script src="/pages/transparency-checks.js"></script><title>checks</title></head><body><p>transparency checks</p></body></html>',
  );
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

type Report = Record<string, unknown> & {
  stacks: Record<string, { mentionsExtension: boolean; text: string }>;
};

async function runChecks(page: TestTab): Promise<Report> {
  await page.goto(`${server.origin}/transparency.html`);
  return (await page.evaluate(
    (args) =>
      (
        window as unknown as { transparencyChecks: { run(a: unknown): Promise<unknown> } }
      ).transparencyChecks.run(args),
    { wsUrl: `ws://127.0.0.1:${server.port}/echo`, httpBase: server.origin },
  )) as Report;
}

/** The report of the check suite in the engine's browser without the extension. */
async function runChecksWithoutExtension(engine: Engine): Promise<Report> {
  const bare = await launchWithoutExtension(engine);
  try {
    return await runChecks(bare.page);
  } finally {
    await bare.close();
  }
}

test('the page-side checks report the same facts with and without the extension', async ({ engine }) => {
  // The check suite runs twice (a browser without the extension, then with it): over a minute each on a loaded machine.
  test.setTimeout(180_000);
  const without = await runChecksWithoutExtension(engine);
  const withExt = await runChecks(browser.page);
  for (const [name, report] of [
    ['without', without],
    ['with', withExt],
  ] as const) {
    await test.info().attach(`report-${name}-extension.json`, {
      body: JSON.stringify(report, null, 1),
      contentType: 'application/json',
    });
  }
  // Sanity: the suite really ran (a broken run would make two equal empty reports).
  expect(Object.keys(without.webSocket as object)).toContain('subclass');
  expect((without.eventSource as { opens: number }).opens).toBe(2);
  // The body reads that must fail do fail natively, so equal reports mean the same failure.
  const bodyReads = (without.fetch as { bodyReads: Record<string, unknown> }).bodyReads;
  expect(bodyReads.unhandledCut).toEqual(['reported', true, expect.objectContaining({ name: 'TypeError' })]);
  expect(bodyReads.handledCut).toEqual(['not reported']);
  expect(bodyReads.cutText).toHaveProperty('threw');
  expect(bodyReads.invalidJson).toHaveProperty('threw.name', 'SyntaxError');
  // Body streams: the other frame's stream is readable, an aborted pipe's source whole.
  const bodyStreams = (without.fetch as { bodyStreams: Record<string, unknown> }).bodyStreams;
  expect(bodyStreams.otherFrame).toEqual({ locked: false, same: true, bodyUsed: false });
  expect(bodyStreams.otherFrameRead).toEqual({ ok: { value: 'hello text' } });
  expect(bodyStreams.afterAbortedPipe).toEqual({ locked: false, all: 'one\ntwo\nthree\n' });
  expect(bodyStreams.readReleased).toHaveProperty('name', 'TypeError');
  const { stacks: stacksWithout, ...factsWithout } = without;
  const { stacks: stacksWith, ...factsWith } = withExt;
  if (engine === 'firefox') {
    // Firefox defines a window's built-in globals on first use, and lists a window's own names
    // in the order they were first used: the hook, taking its built-ins before any page script
    // runs, puts those first. The names are the same; only their order shows the hook ran.
    for (const facts of [factsWithout, factsWith])
      facts.initialGlobals = [...(facts.initialGlobals as string[])].sort();
  }
  for (const key of Object.keys(factsWithout)) {
    expect.soft(factsWith[key], `report section "${key}"`).toEqual(factsWithout[key]);
  }
  expect(Object.keys(factsWith).sort()).toEqual(Object.keys(factsWithout).sort());
  // Stacks are printed for the record, then required to match below.
  for (const [name, facts] of Object.entries(stacksWith)) {
    const native = stacksWithout[name];
    const same = native?.text === facts.text;
    const line = `${name}: ${same ? 'identical' : 'differs'}${facts.mentionsExtension ? ' (mentions an extension URL)' : ''}`;
    test.info().annotations.push({ type: 'stack', description: line });
    console.log(`[stack] ${line}${same ? '' : `\n  without: ${native?.text}\n  with:    ${facts.text}`}`);
  }
  // Stacks seen from inside page handlers, and of errors thrown (or rejected)
  // through the hook's wrappers, are those of the page alone.
  for (const name of [
    'webSocketOnMessage',
    'xhrOnload',
    'eventSourceOnMessage',
    'webSocketConstructorError',
    'webSocketSendError',
    'toStringError',
    'xhrSendError',
    'fetchRejection',
    'response_json_invalid',
    'response_text_again',
    'response_json_again',
    'response_arrayBuffer_again',
    'response_blob_again',
    'constructorErrorLimitOne',
    'sendErrorLimitOne',
    'constructorErrorCallSites',
    'xhrSendErrorCallSites',
    'stream_read_released',
    'stream_cancel_locked',
    'stream_pipeThrough_locked',
    'stream_pipeTo_not_writable',
  ]) {
    const withText = stacksWith[name]?.text;
    const nativeText = stacksWithout[name]?.text;
    expect.soft(stacksWith[name]?.mentionsExtension, `stack ${name} names no extension`).toBe(false);
    if (engine === 'chromium') {
      expect.soft(withText, `stack ${name}`).toBe(nativeText);
    } else if (name === 'sendErrorLimitOne') {
      // Firefox: with Error.stackTraceLimit = 1 the one frame kept is the hook's, which Firefox
      // then leaves out: the page's stack is empty where natively it holds the page's frame.
      expect.soft(withText, `stack ${name}`).toBe('');
      expect.soft(nativeText, `stack ${name}`).toMatch(/^detectionFacts@ORIGIN\//);
    } else {
      // Firefox: an error made inside a wrapped call starts with the hook's own frames,
      // printed "fn@<anonymous code>:line:col" (no extension URL); taking them out would give
      // the error an own `stack` property, as visible (lib/hook/disguise.ts). Below them, the
      // page's frames are exactly the native ones.
      expect.soft(withoutHookFrames(withText ?? ''), `stack ${name}`).toBe(nativeText);
    }
  }
});

/** How Firefox prints a frame of an add-on's script that runs in the page's world (the hook's). */
const FIREFOX_HOOK_FRAME = /^[^\n@]*@<anonymous code>:\d+:\d+$/;

/** A Firefox stack without the hook's frames on top of it. */
function withoutHookFrames(stack: string): string {
  const lines = stack.split('\n');
  while (lines.length > 0 && FIREFOX_HOOK_FRAME.test(lines[0] ?? '')) lines.shift();
  return lines.join('\n');
}

/** The replacements a hostile or careless page makes; each one throws if anything else calls it. */
const SABOTAGE = `
  window.__sabotageCalls = [];
  const note = (name) => function () { window.__sabotageCalls[window.__sabotageCalls.length] = name; throw new Error('sabotaged ' + name); };
  const later = setTimeout;
  JSON.stringify = note('JSON.stringify');
  JSON.parse = note('JSON.parse');
  Array.prototype.push = note('Array.prototype.push');
  Array.prototype.slice = note('Array.prototype.slice');
  Array.prototype[Symbol.iterator] = note('Array.prototype[Symbol.iterator]');
  EventTarget.prototype.addEventListener = note('EventTarget.prototype.addEventListener');
  EventTarget.prototype.removeEventListener = note('EventTarget.prototype.removeEventListener');
  EventTarget.prototype.dispatchEvent = note('EventTarget.prototype.dispatchEvent');
  window.postMessage = note('window.postMessage');
  MessagePort.prototype.postMessage = note('MessagePort.prototype.postMessage');
  Promise.prototype.then = note('Promise.prototype.then');
  window.Promise = note('Promise');
  Reflect.apply = note('Reflect.apply');
  Reflect.construct = note('Reflect.construct');
  window.Reflect = { apply: note('Reflect.apply (new object)') };
  Function.prototype.apply = note('Function.prototype.apply');
  Function.prototype.call = note('Function.prototype.call');
  Function.prototype.bind = note('Function.prototype.bind');
  Object.defineProperty = note('Object.defineProperty');
  Object.getOwnPropertyDescriptor = note('Object.getOwnPropertyDescriptor');
  Object.assign = note('Object.assign');
  Object.keys = note('Object.keys');
  String.prototype.slice = note('String.prototype.slice');
  Math.min = note('Math.min');
  window.WeakMap = note('WeakMap');
  window.Proxy = note('Proxy');
  window.MessageChannel = note('MessageChannel');
  performance.now = note('performance.now');
`;

test('a page that replaces built-ins neither breaks nor blinds the hook', async () => {
  server.page(
    '/sabotage.html',
    `<!doctype html><html><head><script>
      // Built before the replacements (typed arrays and Blobs from arrays use the array iterator).
      const bytes = new Uint8Array([1, 2, 3]);
      const blob = new Blob(['blob after sabotage']);
      ${SABOTAGE}
      // Traffic after the replacements, using only what the page did not replace.
      // Progress goes to the title: a test harness evaluating in this world would trip the traps.
      let received = 0;
      const report = () => {
        document.title = received + '|' + window.__sabotageCalls.join(',');
      };
      later(function tick() { report(); later(tick, 100); }, 100);
      const ws = new WebSocket('ws://' + location.host + '/echo');
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        ws.send('text after sabotage');
        ws.send(bytes);
        ws.send(blob);
      };
      ws.onmessage = () => {
        received += 1;
        if (received === 3) ws.close(1000, 'done');
      };
    </script></head><body></body></html>`,
  );
  const timeline = await captureTimeline(browser, `${server.origin}/sabotage.html`, {
    until: (t) => t.events.some((e) => e.type === 'close'),
  });
  // The page got its three echoes, and nothing but the page called the replaced built-ins.
  await expect.poll(() => browser.page.title()).toBe('3|');
  const [conn, ...others] = connectionsOf(timeline, 'websocket');
  expect(others).toHaveLength(0);
  if (!conn) throw new Error('no WebSocket captured');
  const events = eventsOf(timeline, conn.id);
  expect(events.map((e) => e.type)).toEqual([
    'open',
    'send',
    'send',
    'send',
    'receive',
    'receive',
    'receive',
    'close',
  ]);
  const sends = events.filter((e) => e.type === 'send');
  expect(sends.map((e) => e.size)).toEqual([19, 3, 19]);
  expect(payloadText(sends[0] as (typeof sends)[0])).toBe('text after sabotage');
  expect(sends[1]?.data).toEqual({ base64: 'AQID' });
  expect(payloadText(sends[2] as (typeof sends)[0])).toBe('blob after sabotage');
  const receives = events.filter((e) => e.type === 'receive');
  expect(receives.map((e) => e.size)).toEqual([19, 3, 19]);
  expect(events.at(-1)).toMatchObject({ type: 'close', code: 1000, reason: 'done' });
});

test('a page that wraps WebSocket, fetch and XHR itself keeps working and is captured once', async () => {
  server.page(
    '/wrappers.html',
    `<!doctype html><html><head><script>
      // A monitoring SDK: replaces WebSocket with a subclass and patches send.
      const Base = WebSocket;
      window.sdkLog = [];
      window.WebSocket = class MonitoredWebSocket extends Base {
        constructor(...args) { super(...args); sdkLog.push('ctor'); }
      };
      const sdkSend = Base.prototype.send;
      Base.prototype.send = function (data) { sdkLog.push('send'); return sdkSend.call(this, data); };
      // A second SDK wraps whatever WebSocket is now, as a plain function.
      const Inner = window.WebSocket;
      window.WebSocket = function WrappedByFunction(url, protocols) { sdkLog.push('fn'); return new Inner(url, protocols); };
      window.WebSocket.prototype = Inner.prototype;
      // A Proxy-based one on top.
      window.WebSocket = new Proxy(window.WebSocket, {
        construct(target, args, newTarget) { sdkLog.push('proxy'); return Reflect.construct(target, args, newTarget); },
      });
      // fetch and XHR wrappers of the usual kind.
      const originalFetch = window.fetch;
      window.fetch = function (input, init) { sdkLog.push('fetch'); return originalFetch.call(this, input, init); };
      const open = XMLHttpRequest.prototype.open;
      XMLHttpRequest.prototype.open = function (...args) { sdkLog.push('xhr-open'); return open.apply(this, args); };
      const xsend = XMLHttpRequest.prototype.send;
      XMLHttpRequest.prototype.send = function (...args) { sdkLog.push('xhr-send'); return xsend.apply(this, args); };

      // A reconnecting wrapper around it all: a dropped socket is replaced once.
      let attempts = 0;
      function connect() {
        attempts += 1;
        const ws = new WebSocket('ws://' + location.host + (attempts === 1 ? '/drop' : '/echo'));
        ws.onopen = () => ws.send('attempt ' + attempts);
        ws.onmessage = (e) => {
          if (e.data === 'attempt 2') {
            ws.close(1000, 'finished');
            fetch('/text').then((r) => r.text()).then((t) => {
              const x = new XMLHttpRequest();
              x.open('GET', '/json');
              x.onload = () => { document.title = 'done ' + t + ' ' + x.responseText; };
              x.send();
            });
          }
        };
        ws.onclose = (e) => { if (attempts === 1) setTimeout(connect, 50); };
      }
      connect();
    </script></head><body></body></html>`,
  );
  server.socket('/drop', (ws) => ws.on('message', () => ws.close(4000, 'dropped')));
  const timeline: TimelineExport = await captureTimeline(browser, `${server.origin}/wrappers.html`, {
    pageDone: () => document.title.startsWith('done'),
    until: (t) => t.events.filter((e) => e.type === 'close').length >= 2,
  });
  expect(await browser.page.title()).toBe('done hello text {"a":1,"b":[true,null]}');
  expect(await browser.page.evaluate(() => (window as unknown as { sdkLog: string[] }).sdkLog.join())).toBe(
    'proxy,fn,ctor,send,proxy,fn,ctor,send,fetch,xhr-open,xhr-send',
  );
  const sockets = connectionsOf(timeline, 'websocket');
  expect(sockets.map((c) => new URL(c.url).pathname)).toEqual(['/drop', '/echo']);
  const [drop, echo] = sockets;
  if (!drop || !echo) throw new Error('sockets missing');
  expect(eventsOf(timeline, drop.id).map((e) => e.type)).toEqual(['open', 'send', 'close']);
  expect(eventsOf(timeline, drop.id).at(-1)).toMatchObject({
    code: 4000,
    reason: 'dropped',
    closedBy: 'server',
  });
  expect(eventsOf(timeline, echo.id).map((e) => `${e.type}:${payloadText(e) ?? ''}`)).toEqual([
    'open:',
    'send:attempt 2',
    'receive:attempt 2',
    'close:',
  ]);
  // HTTP wrappers: one connection per request, not one per wrapper layer.
  const http = timeline.connections.filter((c) => c.transport === 'fetch' || c.transport === 'xhr');
  expect(http.map((c) => `${c.transport} ${new URL(c.url).pathname}`)).toEqual(['fetch /text', 'xhr /json']);
});
