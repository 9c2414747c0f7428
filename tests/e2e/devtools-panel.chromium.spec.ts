import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { type DevToolsPanel, openWirescopeInDevTools, showDevToolsPanel } from './support/devtools';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: LaunchedBrowser;
let panel: DevToolsPanel | null = null;

test.beforeAll(async () => {
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
});

test.afterAll(async () => {
  panel?.close();
  await browser?.close();
  await server?.close();
});

test('a WebSocket message sent by the page appears in the real DevTools panel', async () => {
  browser = await launchBrowser({ devtools: true });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(`${server.origin}/ws.html`);
  await expect(page).toHaveTitle('got: hello from the test page');
  expect(browser.debugPort).not.toBeNull();
  panel = await openWirescopeInDevTools(browser.debugPort as number, browser.extensionId);
  const rows = await panel.waitFor<string[]>(`(() => {
    const cells = [...document.querySelectorAll('[data-testid="events"] tbody tr')].map((r) => r.textContent);
    return cells.some((t) => t.includes('hello from the test page') && t.includes('↓')) ? cells : null;
  })()`);
  // open, the send (↑) and the echo (↓), all on one WebSocket connection.
  expect(rows.filter((t) => t.includes('hello from the test page'))).toHaveLength(2);
  expect(rows.some((t) => t.includes('↑') && t.includes('hello from the test page'))).toBe(true);
  expect(rows[0]).toContain('● open');
  await page.screenshot({ path: 'test-results/page.png' });
});

test('hidden behind another DevTools tab the panel does not draw, and shown again it is current at once', async () => {
  test.skip(panel === null, 'needs the panel from the test above');
  const live = panel as DevToolsPanel;
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const rowsWith = (text: string) =>
    `[...document.querySelectorAll('[data-testid="events"] tbody tr')].filter((r) => r.textContent.includes(${JSON.stringify(text)})).length`;
  await showDevToolsPanel(browser.debugPort as number, 'elements');
  await page.evaluate(() => {
    (window as unknown as { ws: WebSocket }).ws.send('sent while hidden');
  });
  await expect(page).toHaveTitle('got: sent while hidden');
  // A quiet spell is the point: well past the panel's longest redraw delay, nothing of it was drawn.
  await page.waitForTimeout(1500);
  expect(await live.evaluate<number>(rowsWith('sent while hidden'))).toBe(0);
  await showDevToolsPanel(browser.debugPort as number, `chrome-extension://${browser.extensionId}`);
  // Both messages (the send and its echo) were recorded meanwhile and are drawn on showing
  // (that it is at once is checked on a fake clock in render-cadence.test.ts, not by wall-clock time here).
  await live.waitFor(`${rowsWith('sent while hidden')} === 2`, 5_000);
});
