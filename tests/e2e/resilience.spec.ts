// The extension's background restarting under an open panel while records
// pass: nothing lost, nothing doubled. The two builds route records
// differently (see lib/router.ts), so the restart tests a different path in
// each:
// - Firefox: every record goes page → relay → background page → panel, so a
//   background that goes away (an event page unloaded and woken, or a crash)
//   takes the panel's feed with it, and only the panel subscribing again
//   (entrypoints/panel/connection.ts) brings it back, with the relay's
//   history replayed: that replay must not double what the panel has.
// - Chrome: the panel links to the relays directly and the service worker
//   only brokers the link, so stopping and starting it must leave the feed
//   untouched.

import type { TimelineExport } from '../../lib/export/timeline';
import { connectionsOf, eventsOf, payloadText } from './support/capture';
import type { EngineBrowser } from './support/engine';
import { launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: EngineBrowser;

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  server.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.page(
    '/chat.html',
    `<!doctype html><title>chat</title><script>
      const ws = new WebSocket('ws://' + location.host + '/echo');
      let n = 0;
      window.say = () => ws.send('line ' + (++n));
      ws.onopen = () => { for (let i = 0; i < 5; i++) say(); };
    </script>`,
  );
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('the panel survives its background being restarted: nothing lost, nothing doubled', async () => {
  const session = await browser.openCapture(`${server.origin}/chat.html`);
  const received = (t: TimelineExport) => t.events.filter((e) => e.type === 'receive').map(payloadText);
  await session.waitForTimeline((t) => received(t).length === 5);

  // A new background instance runs (a stopped-then-started one, not the old one still alive).
  expect(await browser.restartBackground()).toBe(true);

  // Firefox: the relay's port to the old background closed with it, so these
  // lines reach the panel only if it subscribes again through the new
  // background, which has the relay replay its history (lines 1 to 5 a second
  // time). Chrome: they travel the panel's own link to the relay.
  await session.page.evaluate(() => {
    const w = window as unknown as { say(): void };
    for (let i = 0; i < 5; i++) w.say();
  });

  const timeline = await session.waitForTimeline((t) => received(t).length >= 10, 20_000);
  const [ws] = connectionsOf(timeline, 'websocket');
  expect(ws).toBeDefined();
  const lines = eventsOf(timeline, ws?.id ?? '')
    .filter((e) => e.type === 'receive')
    .map(payloadText);
  expect(lines).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
  const sent = eventsOf(timeline, ws?.id ?? '')
    .filter((e) => e.type === 'send')
    .map(payloadText);
  expect(sent).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
  expect(timeline.connections).toHaveLength(1);
});
