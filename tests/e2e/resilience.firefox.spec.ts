// The background restarting under an open panel, where that matters: in the
// Firefox build every record goes page → relay → background → panel (see
// lib/router.ts), so a background that goes away takes the panel's feed with
// it, and only the panel re-subscribing (entrypoints/panel/connection.ts)
// brings it back. (Chrome's panels link to the relays themselves; stopping
// its service worker does not touch the records' path.)

import type { TimelineExport } from '../../lib/export/timeline';
import { connectionsOf, eventsOf, payloadText } from './support/capture';
import { type LaunchedFirefox, launchFirefox } from './support/firefox';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let firefox: LaunchedFirefox;

test.beforeAll(async () => {
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
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

test('Firefox: the panel survives its background being restarted: nothing lost, nothing doubled', async () => {
  const session = await firefox.openCapture(`${server.origin}/chat.html`);
  const received = (t: TimelineExport) => t.events.filter((e) => e.type === 'receive').map(payloadText);
  await session.waitForTimeline((t) => received(t).length === 5);

  const restart = await firefox.restartBackground();
  expect(restart.stateAfterStop).toBe('stopped');
  expect(restart.contextAfter).not.toBe(restart.contextBefore);

  // The relay's port to the old background closed with it: these lines reach
  // the panel only if it subscribes again through the new background, which
  // has the relay replay its history (lines 1 to 5 a second time).
  await firefox.page.evaluate(() => {
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
  expect(timeline.connections).toHaveLength(1);
});
