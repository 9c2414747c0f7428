// The event list as traffic streams in: it follows the newest event while
// scrolled to the bottom; scrolled up, it stays put and counts what arrived
// in an "N new" pill, which jumps back to the newest and follows again.

import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { openCapture } from './support/capture';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: LaunchedBrowser;

/** Zero-padded so no message's text contains another's. */
const label = (n: number) => `msg ${String(n).padStart(4, '0')}`;

test.beforeAll(async () => {
  server = await startServer();
  // Each request "from-to" makes the server send those messages, a few per millisecond.
  server.socket('/burst', (ws) => {
    ws.on('message', (data) => {
      const [from, to] = String(data).split('-').map(Number) as [number, number];
      let n = from;
      const timer = setInterval(() => {
        for (let i = 0; i < 5 && n <= to; i++) ws.send(label(n++));
        if (n > to) clearInterval(timer);
      }, 1);
      ws.on('close', () => clearInterval(timer));
    });
  });
  server.page(
    '/burst.html',
    `<!doctype html><title>burst</title><script>
      window.ws = new WebSocket('ws://' + location.host + '/burst');
      window.ws.onopen = () => { document.title = 'open'; };
    </script>`,
  );
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('the list follows the newest events, stays put when scrolled up, and the pill jumps back', async () => {
  browser = await launchBrowser();
  const { page, panel } = await openCapture(browser, `${server.origin}/burst.html`);
  await expect(page).toHaveTitle('open');
  const list = panel.getByTestId('events');
  const row = (n: number) => list.locator('tbody tr', { hasText: label(n) });
  const burst = (from: number, to: number) =>
    page.evaluate((range) => (window as unknown as { ws: WebSocket }).ws.send(range), `${from}-${to}`);

  // At the bottom: the newest row is in view once the burst has arrived.
  await burst(1, 400);
  await expect(row(400)).toBeInViewport();
  await expect(row(1)).toHaveCount(0);

  // Scrolled to the top: the view stays there and the pill counts the newcomers.
  await list.evaluate((el) => {
    el.scrollTop = 0;
  });
  await expect(row(1)).toBeInViewport();
  await burst(401, 600);
  const pill = panel.getByRole('button', { name: /new ↓/ });
  // 200 messages received, and the page's request for them sent.
  await expect(pill).toHaveText('201 new ↓');
  await expect(row(1)).toBeInViewport();
  await expect(row(600)).toHaveCount(0);

  // The pill jumps to the newest and following resumes.
  await pill.click();
  await expect(row(600)).toBeInViewport();
  await expect(pill).toHaveCount(0);
  await burst(601, 700);
  await expect(row(700)).toBeInViewport();
  await expect(pill).toHaveCount(0);
});
