import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { connectionsOf, eventsOf, openCapture, payloadText } from './support/capture';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: LaunchedBrowser;

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
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('the panel survives its background being stopped: nothing lost, nothing doubled', async () => {
  browser = await launchBrowser();
  const session = await openCapture(browser, `${server.origin}/chat.html`);
  const received = (t: Awaited<ReturnType<typeof session.exportTimeline>>) =>
    t.events.filter((e) => e.type === 'receive').map(payloadText);
  await session.waitForTimeline((t) => received(t).length === 5);

  // MV3 stops idle service workers; do it for real and keep the page talking.
  // A CDP session on an extension page reaches the extension origin's worker.
  const cdp = await browser.context.newCDPSession(session.panel);
  const stopped = new Promise<void>((resolve) =>
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      if (versions.some((v) => v.runningStatus === 'stopped')) resolve();
    }),
  );
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await stopped;
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
  expect(timeline.connections).toHaveLength(1);
});
