// The timeline overview: brushing a time range filters the list, a click
// clears it, and hovering a lane tells what is under the cursor.

import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { openCapture } from './support/capture';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: LaunchedBrowser;

test.beforeAll(async () => {
  server = await startServer();
  server.socket('/ticks', (ws) => {
    let n = 0;
    const timer = setInterval(() => {
      ws.send(`tick ${++n}`);
      if (n === 30) clearInterval(timer);
    }, 40);
    ws.on('close', () => clearInterval(timer));
  });
  server.page(
    '/ticks.html',
    `<!doctype html><title>ticks</title><script>
      const ws = new WebSocket('ws://' + location.host + '/ticks');
      ws.onmessage = (e) => { if (e.data === 'tick 30') document.title = 'done'; };
    </script>`,
  );
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('brushing the overview filters the list; hover explains the lane', async () => {
  browser = await launchBrowser();
  const { page, panel } = await openCapture(browser, `${server.origin}/ticks.html`);
  await expect(page).toHaveTitle('done');
  const summary = panel.getByTestId('summary');
  await expect(summary).toContainText('31 events');
  const canvas = panel.getByRole('img', { name: /Timeline overview/ });
  const box = await canvas.boundingBox();
  if (!box) throw new Error('no canvas box');
  // Lane 1 is the WebSocket; hover its middle.
  await panel.mouse.move(box.x + box.width * 0.6, box.y + 8);
  await expect(panel.getByRole('tooltip')).toContainText(/#1 \/ticks: \d+ events? near/);
  // Brush the second half of the time axis.
  const label = 150;
  const x0 = box.x + label + (box.width - label) * 0.5;
  const x1 = box.x + box.width - 2;
  await panel.mouse.move(x0, box.y + 8);
  await panel.mouse.down();
  await panel.mouse.move(x1, box.y + 8, { steps: 5 });
  await panel.mouse.up();
  await expect(summary).toContainText(/Range \d\d:\d\d:\d\d\.\d{3} – /);
  const shown = Number(/^([\d,]+) of 31 events/.exec((await summary.textContent()) ?? '')?.[1]);
  expect(shown).toBeGreaterThan(5);
  expect(shown).toBeLessThan(25);
  const rows = await panel.locator('[data-testid="events"] tbody tr').allTextContents();
  expect(rows.some((t) => t.includes('tick 30'))).toBe(true);
  expect(rows.some((t) => t.includes('tick 1\u00a0') || /tick 1$/.test(t))).toBe(false);
  // A click without dragging clears the range.
  await panel.mouse.click(x0, box.y + 8);
  await expect(summary).toContainText('31 events');
  await expect(summary).not.toContainText('Range');
});
