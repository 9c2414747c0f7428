// The detached ("pop out") panel: panel.html?tabId=N opened as an extension
// page attaches to tab N, shows what the tab did before it was opened (the
// relay's retained history), keeps streaming, and shows no other tab's traffic.

import { mkdir, readFile } from 'node:fs/promises';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { openCapture, type TimelineExport } from './support/capture';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: LaunchedBrowser;

const wsTexts = (t: TimelineExport) =>
  t.events
    .filter((e) => e.type === 'send' || e.type === 'receive')
    .map((e) => `${e.type} ${e.data && 'text' in e.data ? e.data.text : '?'}`);

test.beforeAll(async () => {
  server = await startServer();
  server.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.page(
    '/chat.html',
    `<!doctype html><title>chat</title><script>
      window.received = [];
      const ws = new WebSocket('ws://' + location.host + '/echo');
      ws.onopen = () => ws.send(new URLSearchParams(location.search).get('first'));
      ws.onmessage = (event) => { window.received.push(event.data); };
      window.say = (text) => ws.send(text);
      window.sayBytes = (bytes) => ws.send(new Uint8Array(bytes));
    </script>`,
  );
  browser = await launchBrowser();
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('the detached panel shows the tab’s earlier traffic, then live traffic, and only that tab’s', async () => {
  const session = await openCapture(browser, `${server.origin}/chat.html?first=before-open`);
  const { page, panel } = session;
  await page.waitForFunction(() => (window as unknown as { received: string[] }).received.length === 1);

  // Traffic made before the panel existed comes from the relay's history.
  let timeline = await session.waitForTimeline((t) => wsTexts(t).length >= 2);
  expect(wsTexts(timeline)).toEqual(['send before-open', 'receive before-open']);
  expect(timeline.connections).toHaveLength(1);
  expect(timeline.connections[0]).toMatchObject({
    transport: 'websocket',
    url: `ws://127.0.0.1:${server.port}/echo`,
    frameUrl: `${server.origin}/chat.html?first=before-open`,
  });

  // Another tab's traffic must not leak into this panel.
  const other = await browser.context.newPage();
  await other.goto(`${server.origin}/chat.html?first=other-tab`);
  await other.waitForFunction(() => (window as unknown as { received: string[] }).received.length === 1);

  // Live traffic after opening streams into the same panel without a reload.
  await page.evaluate(() => (window as unknown as { say(t: string): void }).say('after-open'));
  timeline = await session.waitForTimeline((t) => wsTexts(t).length >= 4);
  expect(wsTexts(timeline)).toEqual([
    'send before-open',
    'receive before-open',
    'send after-open',
    'receive after-open',
  ]);
  expect(JSON.stringify(timeline)).not.toContain('other-tab');
  expect(new URL(panel.url()).searchParams.get('tabId')).toBe(String(session.tabId));
  await other.close();
});

test('two panels on one tab each get the whole stream, and closing one leaves the other streaming', async () => {
  const session = await openCapture(browser, `${server.origin}/chat.html?first=one`);
  const { page } = session;
  await session.waitForTimeline((t) => wsTexts(t).length >= 2);

  const second = await browser.context.newPage();
  await second.goto(`chrome-extension://${browser.extensionId}/panel.html?tabId=${session.tabId}`);
  const exportSecond = async (): Promise<TimelineExport> => {
    const [download] = await Promise.all([
      second.waitForEvent('download'),
      second.getByRole('button', { name: 'Export timeline' }).click(),
    ]);
    return JSON.parse(await readFile(await download.path(), 'utf8')) as TimelineExport;
  };
  const waitSecond = async (n: number) => {
    for (let i = 0; i < 60; i++) {
      const t = await exportSecond();
      if (wsTexts(t).length >= n) return t;
      await second.waitForTimeout(250);
    }
    throw new Error(`the second panel never showed ${n} messages`);
  };
  // The second panel gets the history made before it opened.
  expect(wsTexts(await waitSecond(2))).toEqual(['send one', 'receive one']);

  await page.evaluate(() => (window as unknown as { say(t: string): void }).say('two'));
  expect(wsTexts(await session.waitForTimeline((t) => wsTexts(t).length >= 4))).toEqual([
    'send one',
    'receive one',
    'send two',
    'receive two',
  ]);

  // Closing the first panel must not end the second one's stream.
  await session.panel.close();
  await page.evaluate(() => (window as unknown as { say(t: string): void }).say('three'));
  const after = await waitSecond(6);
  expect(wsTexts(after)).toEqual([
    'send one',
    'receive one',
    'send two',
    'receive two',
    'send three',
    'receive three',
  ]);
  expect(after.connections).toHaveLength(1);
  await second.close();
});

test('a binary message: its first bytes in the list, and a hex dump whose text column fits the default detail width', async () => {
  const session = await openCapture(browser, `${server.origin}/chat.html?first=text`);
  const { page, panel } = session;
  const bytes = [...new TextEncoder().encode('Wirescope binary frame'), 0, 1, 255];
  await page.evaluate((b) => (window as unknown as { sayBytes(b: number[]): void }).sayBytes(b), bytes);
  // The echo's receive row (the send has the same bytes).
  const row = panel.locator('[data-testid="events"] tbody tr[data-type="receive"]', {
    hasText: '25 B · 57 69 72 65 73 63 6f 70 65 20 …',
  });
  await expect(row).toHaveCount(1);
  await row.dispatchEvent('mousedown');
  await expect(panel.getByRole('tab', { selected: true })).toHaveText('Hex');
  const dump = panel.getByTestId('hex-dump');
  // The default detail pane (380 px) has room for 8 bytes a line, text column included.
  await expect(dump).toHaveAttribute('data-per-line', '8');
  await expect(dump).toContainText('00000000  57 69 72 65 73 63 6f 70  |Wirescop|');
  await expect(dump).toContainText('00000018  ff                       |.|');
  const fits = await panel.evaluate(() => {
    const body = document.querySelector('.detail-body') as HTMLElement;
    return body.scrollWidth <= body.clientWidth;
  });
  expect(fits).toBe(true);
  await mkdir('test-results', { recursive: true });
  await panel.locator('.detail-wrap').screenshot({ path: 'test-results/hex-detail.png' });
  await panel.locator('[data-testid="events"]').screenshot({ path: 'test-results/binary-rows.png' });
});
