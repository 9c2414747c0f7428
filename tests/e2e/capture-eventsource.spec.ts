// EventSource capture, end to end: a loopback SSE server that drops the
// connection so the browser reconnects; the timeline is read back through
// the panel's "Export timeline".

import { connectionsOf, type ExportedEvent, eventsOf, payloadText } from './support/capture';
import type { EngineBrowser } from './support/engine';
import { captureTimeline, launchEngine, nativeSource } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: EngineBrowser;
const lastEventIds: Array<string | null> = [];

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  browser = await launchEngine(engine);
  let connects = 0;
  server.route('/events', (req, res) => {
    connects++;
    lastEventIds.push((req.headers['last-event-id'] as string | undefined) ?? null);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    if (connects === 1) {
      res.write('retry: 200\n\n');
      res.write('data: hello\n\n');
      res.write('event: tick\nid: 1\ndata: t1\n\n');
      res.write('event: unlistened\ndata: nobody listens\n\n');
      res.write('id: 2\ndata: multi\ndata: line\n\n');
      // Drop the connection: the browser reconnects after `retry` ms with Last-Event-ID: 2.
      setTimeout(() => res.destroy(), 200);
    } else {
      res.write('event: tick\nid: 3\ndata: t2\n\n');
    }
  });
  server.route('/broken', (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('no stream here');
  });
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('messages, named events, ids, a dropped connection and reconnect, close(), and a failed source', async () => {
  server.page(
    '/sse.html',
    `<!doctype html><title>sse</title><script>
      window.got = [];
      const es = new EventSource('/events', { withCredentials: true });
      es.onmessage = (e) => got.push(['message', e.data, e.lastEventId]);
      es.addEventListener('tick', (e) => {
        got.push(['tick', e.data, e.lastEventId]);
        if (e.data === 't2') { es.close(); window.done = true; }
      });
      es.onerror = () => got.push(['error', es.readyState]);
      const broken = new EventSource('broken');
      broken.onerror = () => { window.brokenState = broken.readyState; };
      window.checks = {
        instance: es instanceof EventSource,
        ctor: es.constructor === EventSource,
        statics: [EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED],
        name: [EventSource.name, EventSource.length],
        src: Function.prototype.toString.call(EventSource),
        close: Function.prototype.toString.call(es.close),
        add: Function.prototype.toString.call(EventTarget.prototype.addEventListener),
        sub: (() => { class Sub extends EventSource {}; const s = new Sub('broken'); const ok = s instanceof Sub && s instanceof EventSource; s.close(); return ok; })(),
      };
    </script>`,
  );
  const t = await captureTimeline(browser, `${server.origin}/sse.html`, {
    pageDone: 'window.done === true && window.brokenState === 2',
    // Both client closes (the subclass instance's and the main source's after t2) must have
    // reached the panel: the page can be done before its last batch is exported.
    until: (t) => t.events.filter((e) => e.type === 'close' && e.closedBy === 'client').length >= 2,
  });
  const sources = connectionsOf(t, 'eventsource');
  expect(sources).toHaveLength(3);
  const [main, broken, sub] = sources;
  expect(main).toMatchObject({ url: `${server.origin}/events`, method: 'GET', withCredentials: true });
  const evs = eventsOf(t, main?.id as string);
  const summary = evs.map((e: ExportedEvent) =>
    e.type === 'receive'
      ? [e.type, e.eventName, payloadText(e), e.lastEventId]
      : [e.type, e.reason ?? e.closedBy],
  );
  expect(summary).toEqual([
    ['open', undefined],
    ['receive', 'message', 'hello', ''],
    ['receive', 'tick', 't1', '1'],
    // 'unlistened' reaches no listener in the page, so the hook (which sees what the page can) does not record it.
    ['receive', 'message', 'multi\nline', '2'],
    ['error', 'connection lost; reconnecting'],
    ['open', undefined],
    ['receive', 'tick', 't2', '3'],
    ['close', 'client'],
  ]);
  expect(lastEventIds.slice(0, 2)).toEqual([null, '2']);
  expect(main?.endedAt).not.toBeNull();

  expect(broken).toMatchObject({ url: `${server.origin}/broken`, withCredentials: false });
  expect(eventsOf(t, broken?.id as string).map((e) => [e.type, e.reason ?? e.closedBy])).toEqual([
    ['error', 'connection failed; the browser will not reconnect'],
    ['close', 'server'],
  ]);
  // The subclass instance was captured too, and closed by the page at once.
  expect(eventsOf(t, sub?.id as string).map((e) => [e.type, e.closedBy])).toEqual([['close', 'client']]);

  const page = browser.page;
  const seen = await page.evaluate(() => (window as unknown as { got: unknown; checks: unknown }).got);
  expect(seen).toEqual([
    ['message', 'hello', ''],
    ['tick', 't1', '1'],
    ['message', 'multi\nline', '2'],
    ['error', 0],
    ['tick', 't2', '3'],
  ]);
  expect(await page.evaluate(() => (window as unknown as { checks: unknown }).checks)).toEqual({
    instance: true,
    ctor: true,
    statics: [0, 1, 2],
    name: ['EventSource', 1],
    src: nativeSource(browser.engine, 'EventSource'),
    close: nativeSource(browser.engine, 'close'),
    add: nativeSource(browser.engine, 'addEventListener'),
    sub: true,
  });
});
