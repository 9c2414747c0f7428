import { connectionsOf, eventsOf, payloadText } from './support/capture';
import type { EngineBrowser } from './support/engine';
import { captureTimeline, launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

// Most of the web is not 127.0.0.1: on a plain http:// site the page and its
// content scripts are not a secure context (no crypto.randomUUID, for one).
// A made-up host name mapped to loopback gives exactly that.
const HOST = 'wirescope-insecure.test';

let server: TestServer;
let browser: EngineBrowser;

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  server.socket('/echo', (ws) => ws.on('message', (data) => ws.send(data)));
  server.page(
    '/ws.html',
    `<!doctype html><title>insecure</title><script>
      window.secure = window.isSecureContext;
      const ws = new WebSocket('ws://' + location.host + '/echo');
      ws.onopen = () => ws.send('over plain http');
      ws.onmessage = (e) => { window.echoed = e.data; };
    </script>`,
  );
  browser = await launchEngine(engine, { loopbackHosts: [HOST] });
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('capture works on a page that is not a secure context', async () => {
  const url = `http://${HOST}:${server.port}/ws.html`;
  const timeline = await captureTimeline(browser, url, {
    until: (t) => t.events.some((e) => e.type === 'receive'),
  });
  expect(await browser.page.evaluate(() => (window as unknown as { secure: boolean }).secure)).toBe(false);
  const [ws] = connectionsOf(timeline, 'websocket');
  expect(ws?.url).toBe(`ws://${HOST}:${server.port}/echo`);
  expect(ws?.frameUrl).toBe(url);
  const texts = eventsOf(timeline, ws?.id ?? '').map((e) => `${e.type}:${payloadText(e) ?? ''}`);
  expect(texts).toEqual(['open:', 'send:over plain http', 'receive:over plain http']);
});
