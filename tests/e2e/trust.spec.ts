// Channel and trust, and "from the very first script, everywhere it can be":
// events forged by page scripts never reach the timeline (neither batches nor
// events dispatched on a real socket or event source); the hook captures a
// socket opened by the first inline script, on a strict-CSP page, and in
// same-origin, cross-origin, about:blank, srcdoc and script-made iframes, each
// connection tagged with the document that opened it.

import { connectionsOf, eventsOf, payloadText, type TimelineExport } from './support/capture';
import type { EngineBrowser } from './support/engine';
import { captureTimeline, launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
/** A second loopback origin (127.0.0.2) for cross-origin frames. */
let other: TestServer;
let browser: EngineBrowser;

const echo = (s: TestServer) =>
  s.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  other = await startServer('127.0.0.2');
  echo(server);
  echo(other);
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
  await other?.close();
});

/** Page code that opens a socket to /echo?tag, sends the tag and closes after the echo. */
const socketScript = (tag: string, host = 'location.host') => `
  (function () {
    var ws = new WebSocket('ws://' + ${host} + '/echo?' + ${JSON.stringify(tag)});
    ws.onopen = function () { ws.send(${JSON.stringify(tag)}); };
    ws.onmessage = function () { ws.close(1000, 'done'); };
  })();`;

/** The WebSocket connections of an export, by the tag in their URL. */
function socketsByTag(t: TimelineExport) {
  const out = new Map<string, ReturnType<typeof connectionsOf>[number]>();
  for (const c of connectionsOf(t, 'websocket')) out.set(new URL(c.url).search.slice(1), c);
  return out;
}

test('events forged by page scripts never reach the timeline', async () => {
  const forgedBatch = (url: string) =>
    `{ v: 1, t: 'batch', records: [
       { r: 'conn', id: 1, time: Date.now(), transport: 'websocket', url: ${JSON.stringify(url)} },
       { r: 'ev', conn: 1, time: Date.now(), type: 'receive', body: 'forged payload' },
     ] }`;
  // Runs as the very first page script (the earliest a page can try), and again later.
  const forge = (round: string) => `
    (function () {
      var log = window.forgeLog = window.forgeLog || [];
      var state = window.forgeState = window.forgeState || { own: false };
      // Try to steal the hook's port: ask it to announce itself and listen for the offer.
      // Anything seen here that the page did not dispatch itself would come from the hook.
      window.addEventListener('wirescope:hook-ready', function (e) { if (!state.own) log.push('${round} saw hook-ready with ' + (e.ports ? e.ports.length : 0) + ' ports'); }, true);
      document.addEventListener('wirescope:hook-ready', function () { if (!state.own) log.push('${round} document saw hook-ready'); }, true);
      window.dispatchEvent(new Event('wirescope:relay-ready'));
      window.dispatchEvent(new CustomEvent('wirescope:relay-ready', { detail: {} }));
      // Look-alike batches posted on the window, and one as the hook's last batch (whose real
      // event type holds a secret of the relay's: a page can only guess it).
      window.postMessage(${forgedBatch(`ws://forged.invalid/${round}-postMessage`)}, '*');
      window.dispatchEvent(new CustomEvent('wirescope:last-batch:', { detail: ${forgedBatch(`ws://forged.invalid/${round}-last`)} }));
      window.dispatchEvent(new Event('pagehide'));
      // Offers with a page-made port, on window, document and an element, as MessageEvent and CustomEvent.
      state.own = true;
      var targets = [window, document, document.documentElement];
      for (var i = 0; i < targets.length; i++) {
        var channel = new MessageChannel();
        var accepted = !targets[i].dispatchEvent(new MessageEvent('wirescope:hook-ready', { ports: [channel.port2], cancelable: true, bubbles: true }));
        if (accepted) log.push('${round} offer ' + i + ' was taken');
        channel.port1.postMessage(${forgedBatch(`ws://forged.invalid/${round}-port`)});
        targets[i].dispatchEvent(new CustomEvent('wirescope:hook-ready', { detail: ${forgedBatch(`ws://forged.invalid/${round}-custom`)}, cancelable: true, bubbles: true }));
      }
      // A port offered through window.postMessage's transfer list.
      var ch2 = new MessageChannel();
      window.postMessage({ v: 1, t: 'hook-ready' }, '*', [ch2.port2]);
      ch2.port1.postMessage(${forgedBatch(`ws://forged.invalid/${round}-transfer`)});
      state.own = false;
      log.push('${round} completed');
    })();`;
  server.page(
    '/forge.html',
    `<!doctype html><html><head><script>${forge('first')}</script><script>${socketScript('real')}</script></head>
     <body><script>setTimeout(function () { ${forge('later')} }, 50);</script></body></html>`,
  );
  const timeline = await captureTimeline(browser, `${server.origin}/forge.html`, {
    // Both forging rounds have run...
    pageDone: () => (window as unknown as { forgeLog?: string[] }).forgeLog?.length === 2,
    until: (t) => t.events.some((e) => e.type === 'close'),
    // ...and a quiet spell is the point: a forged batch, if one were accepted, would come
    // by a path of its own, in no order with the real ones; give it time to be flushed too.
    waitMs: 500,
  });
  // Both rounds ran to the end, nothing answered a forged announcement and no forged offer was taken.
  expect(await browser.page.evaluate(() => (window as unknown as { forgeLog: string[] }).forgeLog)).toEqual([
    'first completed',
    'later completed',
  ]);
  expect(timeline.connections.map((c) => c.url)).toEqual([`ws://127.0.0.1:${server.port}/echo?real`]);
  expect(JSON.stringify(timeline)).not.toContain('forged');
  const [real] = timeline.connections;
  expect(eventsOf(timeline, real?.id ?? '').map((e) => `${e.type}:${payloadText(e) ?? ''}`)).toEqual([
    'open:',
    'send:real',
    'receive:real',
    'close:',
  ]);
});

test('events a page dispatches on its own socket or event source are not traffic', async () => {
  server.route('/synthetic-events', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write('event: tick\ndata: from the server\n\n');
  });
  server.page(
    '/synthetic.html',
    `<!doctype html><title>synthetic</title><script>
      window.saw = [];
      const ws = new WebSocket('ws://' + location.host + '/echo?synthetic');
      ws.addEventListener('message', (e) => saw.push('ws ' + e.type + ' ' + e.data + ' ' + e.isTrusted));
      ws.onopen = (e) => {
        if (!e.isTrusted) return;
        // A page (or a library's test helper) replays events on a live socket: none is traffic.
        ws.dispatchEvent(new MessageEvent('message', { data: 'made by the page' }));
        ws.dispatchEvent(new Event('open'));
        ws.dispatchEvent(new Event('error'));
        ws.dispatchEvent(new CloseEvent('close', { code: 4000, reason: 'made by the page' }));
        ws.send('real');
      };
      ws.onmessage = (e) => { if (e.isTrusted) ws.close(1000, 'done'); };
      const es = new EventSource('/synthetic-events');
      es.addEventListener('tick', (e) => {
        saw.push('es tick ' + e.data + ' ' + e.isTrusted);
        if (!e.isTrusted) return;
        es.dispatchEvent(new MessageEvent('message', { data: 'made by the page' }));
        es.dispatchEvent(new MessageEvent('tick', { data: 'made by the page' }));
        es.dispatchEvent(new Event('error'));
        es.close();
      });
    </script>`,
  );
  const timeline = await captureTimeline(browser, `${server.origin}/synthetic.html`, {
    // The page dispatches its own events before each close, on the same ordered stream as
    // the real ones: once both closes are exported, anything recorded from them would be too.
    until: (t) => t.events.filter((e) => e.type === 'close').length >= 2,
  });
  // The page's own listeners got every event it dispatched, as without the extension.
  const saw = await browser.page.evaluate(() => (window as unknown as { saw: string[] }).saw);
  expect(saw).toContain('ws message made by the page false');
  expect(saw).toContain('es tick made by the page false');
  expect(saw).toContain('ws message real true');
  expect(JSON.stringify(timeline)).not.toContain('made by the page');
  const [socket] = connectionsOf(timeline, 'websocket');
  expect(
    eventsOf(timeline, socket?.id ?? '').map((e) => `${e.type}:${payloadText(e) ?? e.code ?? ''}`),
  ).toEqual(['open:', 'send:real', 'receive:real', 'close:1000']);
  const [source] = connectionsOf(timeline, 'eventsource');
  expect(
    eventsOf(timeline, source?.id ?? '').map(
      (e) => `${e.type}:${e.eventName ?? ''}:${payloadText(e) ?? e.closedBy ?? ''}`,
    ),
  ).toEqual(['open::', 'receive:tick:from the server', 'close::client']);
});

test('a socket opened by the first inline script of <head> is captured from its first event', async () => {
  server.page(
    '/first-script.html',
    `<!doctype html><html><head><script>${socketScript('first')}</script><title>first</title></head><body></body></html>`,
  );
  const timeline = await captureTimeline(browser, `${server.origin}/first-script.html`, {
    until: (t) => t.events.some((e) => e.type === 'close'),
  });
  const first = socketsByTag(timeline).get('first');
  expect(first?.frameUrl).toBe(`${server.origin}/first-script.html`);
  expect(eventsOf(timeline, first?.id ?? '').map((e) => e.type)).toEqual([
    'open',
    'send',
    'receive',
    'close',
  ]);
});

test("a page with a strict CSP (script-src 'self', no unsafe-inline) is captured", async () => {
  server.route('/csp.js', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(socketScript('csp'));
  });
  server.page(
    '/csp.html',
    '<!doctype html><html><head><script src="/csp.js"></script><script>document.title = "inline ran";</script></head><body></body></html>',
    { 'content-security-policy': "script-src 'self'; object-src 'none'; base-uri 'none'" },
  );
  const timeline = await captureTimeline(browser, `${server.origin}/csp.html`, {
    until: (t) => t.events.some((e) => e.type === 'close'),
  });
  // The CSP is in force (the inline script was blocked) and the socket was captured anyway.
  expect(await browser.page.title()).toBe('');
  const csp = socketsByTag(timeline).get('csp');
  expect(eventsOf(timeline, csp?.id ?? '').map((e) => `${e.type}:${payloadText(e) ?? ''}`)).toEqual([
    'open:',
    'send:csp',
    'receive:csp',
    'close:',
  ]);
});

test('sockets in same-origin, cross-origin, about:blank, srcdoc and script-made iframes carry their frame', async () => {
  server.page('/frame-same.html', `<!doctype html><script>${socketScript('same')}</script>`);
  other.page('/frame-cross.html', `<!doctype html><script>${socketScript('cross')}</script>`);
  const srcdoc = `<script>${socketScript('srcdoc', JSON.stringify(`127.0.0.1:${server.port}`))}</script>`;
  server.page(
    '/frames.html',
    `<!doctype html><html><head><script>${socketScript('top')}</script></head><body>
      <iframe src="/frame-same.html"></iframe>
      <iframe src="${other.origin}/frame-cross.html"></iframe>
      <iframe id="blank"></iframe>
      <iframe srcdoc="${srcdoc.replace(/"/g, '&quot;')}"></iframe>
      <script>
        // The parent runs code in its about:blank child: the socket belongs to the child's document.
        var blank = document.getElementById('blank');
        blank.contentDocument.open();
        blank.contentDocument.write('<script>' + ${JSON.stringify(socketScript('blank', JSON.stringify(`127.0.0.1:${server.port}`)))} + '<\\/script>');
        blank.contentDocument.close();
        // A frame made by script, used at once (a common way to get "clean" built-ins).
        var made = document.createElement('iframe');
        document.body.appendChild(made);
        var CleanWebSocket = made.contentWindow.WebSocket;
        var ws = new CleanWebSocket('ws://' + location.host + '/echo?made');
        ws.onopen = function () { ws.send('made'); };
        ws.onmessage = function () { ws.close(1000, 'done'); };
      </script>
    </body></html>`,
  );
  const tags = ['top', 'same', 'cross', 'blank', 'srcdoc', 'made'];
  const timeline = await captureTimeline(browser, `${server.origin}/frames.html`, {
    until: (t) => t.events.filter((e) => e.type === 'close').length >= tags.length,
    timeoutMs: 20_000,
  });
  const byTag = socketsByTag(timeline);
  expect([...byTag.keys()].sort()).toEqual([...tags].sort());
  expect(byTag.get('top')?.frameUrl).toBe(`${server.origin}/frames.html`);
  expect(byTag.get('same')?.frameUrl).toBe(`${server.origin}/frame-same.html`);
  expect(byTag.get('cross')?.frameUrl).toBe(`${other.origin}/frame-cross.html`);
  expect(byTag.get('cross')?.url).toBe(`ws://127.0.0.2:${other.port}/echo?cross`);
  expect(byTag.get('blank')?.frameUrl).toBe('about:blank');
  expect(byTag.get('srcdoc')?.frameUrl).toBe('about:srcdoc');
  expect(byTag.get('made')?.frameUrl).toBe('about:blank');
  for (const tag of tags) {
    const conn = byTag.get(tag);
    expect(
      eventsOf(timeline, conn?.id ?? '').map((e) => `${e.type}:${payloadText(e) ?? ''}`),
      tag,
    ).toEqual(['open:', `send:${tag}`, `receive:${tag}`, 'close:']);
  }
});
