// Wirescope as users open it: a panel inside the browser's own DevTools
// (Chrome's DevTools window, Firefox's toolbox) for the page's tab, not the
// detached panel page. The panel finds its tab through
// devtools.inspectedWindow.tabId, shows that tab's traffic, pauses its
// drawing while another DevTools tool is shown, and shows a poll storm's
// finding.

import type { RealDevTools } from './support/real-devtools';
import { openRealDevTools } from './support/real-devtools';
import { startServer, type TestServer } from './support/server';
import { serveStorm } from './support/storm-page';
import { expect, test } from './support/test';

let server: TestServer;
let devtools: RealDevTools;

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  server.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.page(
    '/ws.html',
    `<!doctype html><title>ws test</title><body><script>
      const ws = new WebSocket('ws://' + location.host + '/echo');
      window.ws = ws;
      ws.onopen = () => ws.send('hello from the test page');
      ws.onmessage = (event) => { document.title = 'got: ' + event.data; };
    </script></body>`,
  );
  serveStorm(server);
  devtools = await openRealDevTools(engine, `${server.origin}/ws.html`);
});

test.afterAll(async () => {
  await devtools?.page
    .evaluate(() => {
      (window as unknown as { stopStorm: boolean }).stopStorm = true;
    })
    .catch(() => {});
  await devtools?.close();
  await server?.close();
});

// (The panel's waitFor takes any value but null and undefined as done: conditions end in `|| null`.)
const rowsWith = (text: string) =>
  `[...document.querySelectorAll('[data-testid="events"] tbody tr')].filter((r) => r.textContent.includes(${JSON.stringify(text)})).length`;

test('a WebSocket message sent by the page appears in the real DevTools panel', async () => {
  const { page, panel } = devtools;
  await expect.poll(() => page.title()).toBe('got: hello from the test page');
  // The panel inside DevTools has no ?tabId: it is told its tab by DevTools.
  const inspected = await panel.evaluate<{ query: string; tabId: number | null }>(`({
    query: location.search,
    tabId: (globalThis.browser ?? globalThis.chrome).devtools.inspectedWindow.tabId ?? null,
  })`);
  expect(inspected.query).toBe('');
  expect(inspected.tabId).toEqual(expect.any(Number));
  const rows = await panel.waitFor<string[]>(`(() => {
    const cells = [...document.querySelectorAll('[data-testid="events"] tbody tr')].map((r) => r.textContent);
    return cells.some((t) => t.includes('hello from the test page') && t.includes('↓')) ? cells : null;
  })()`);
  // open, the send (↑) and the echo (↓), all on one WebSocket connection.
  expect(rows.filter((t) => t.includes('hello from the test page'))).toHaveLength(2);
  expect(rows.some((t) => t.includes('↑') && t.includes('hello from the test page'))).toBe(true);
  expect(rows[0]).toContain('● open');
});

test('hidden behind another DevTools tool the panel does not draw, and shown again it is current at once', async () => {
  const { page, panel } = devtools;
  await panel.waitFor(`${rowsWith('hello from the test page')} === 2 || null`);
  await devtools.showBuiltInTool();
  await page.evaluate(() => {
    (window as unknown as { ws: WebSocket }).ws.send('sent while hidden');
  });
  await expect.poll(() => page.title()).toBe('got: sent while hidden');
  // A quiet spell is the point: well past the panel's longest redraw delay, nothing of it was drawn.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await panel.evaluate<number>(rowsWith('sent while hidden'))).toBe(0);
  await devtools.showWirescope();
  // Both messages (the send and its echo) were recorded meanwhile and are drawn on showing
  // (that it is at once is checked on a fake clock in render-cadence.test.ts, not by wall-clock time here).
  await panel.waitFor(`${rowsWith('sent while hidden')} === 2 || null`, 5_000);
});

test("the page's poll storm shows as a finding in the real DevTools panel", async () => {
  const { page, panel } = devtools;
  await page.goto(`${server.origin}/storm`);
  const finding = await panel.waitFor<string>(
    `document.querySelector('[data-testid="findings"] li.finding.ongoing')?.textContent || null`,
    20_000,
  );
  // Whether the loop is named a long-poll or a polling storm depends on how late a loaded
  // machine delivers the held answers; the naming itself is storm-finding's subject.
  expect(finding).toMatch(/^⚠(Long-poll|Polling) storm on GET \/storm\/poll/);
  expect(
    await panel.evaluate<string>(
      `document.querySelector('[data-testid="findings-count"]')?.textContent ?? ''`,
    ),
  ).toBe('⚠ 1 finding');
});
