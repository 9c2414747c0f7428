// Export and import through the panel's own buttons: the exported timeline and
// the HAR open back into a read-only view with the same traffic, and a broken
// file gets a message that says why.

import { readFile } from 'node:fs/promises';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { openCapture } from './support/capture';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: LaunchedBrowser;

test.beforeAll(async () => {
  server = await startServer();
  server.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.route('/api/items', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[1,2,3]}');
  });
  server.page(
    '/app.html',
    `<!doctype html><title>app</title><body><script>
      const ws = new WebSocket('ws://' + location.host + '/echo');
      ws.onopen = () => { ws.send('alpha'); ws.send('beta'); };
      ws.onmessage = (e) => { if (e.data === 'beta') fetch('/api/items').then((r) => r.json()).then(() => { document.title = 'done'; }); };
    </script></body>`,
  );
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const rowTexts = (panel: import('@playwright/test').Page) =>
  panel.locator('[data-testid="events"] tbody tr').allTextContents();

test('export timeline and HAR, then import both back; a bad file explains itself', async () => {
  browser = await launchBrowser();
  const { page, panel } = await openCapture(browser, `${server.origin}/app.html`);
  await expect(page).toHaveTitle('done');
  await expect.poll(async () => (await rowTexts(panel)).some((t) => t.includes('items'))).toBe(true);
  const live = await rowTexts(panel);
  const socketEntry = panel.locator('.sidebar .conn-entry', { hasText: '/echo' });
  await expect(socketEntry.locator('.state')).toHaveText('open');

  const download = async (name: string) => {
    const [d] = await Promise.all([
      panel.waitForEvent('download'),
      panel.getByRole('button', { name }).click(),
    ]);
    const path = await d.path();
    return { path, name: d.suggestedFilename(), text: await readFile(path, 'utf8') };
  };
  const json = await download('Export timeline');
  expect(json.name).toMatch(/^wirescope-timeline-.*\.json$/);
  const har = await download('Export HAR');
  expect(JSON.parse(har.text).log.version).toBe('1.2');

  const importFile = async (file: { name: string; mimeType: string; buffer: Buffer }) => {
    await panel.getByLabel('Import file').setInputFiles(file);
  };
  await importFile({ name: 'timeline.json', mimeType: 'application/json', buffer: Buffer.from(json.text) });
  await expect(
    panel.getByRole('status').filter({ hasText: 'Viewing imported file timeline.json' }),
  ).toBeVisible();
  await expect.poll(async () => (await rowTexts(panel)).length).toBe(live.length);
  const imported = await rowTexts(panel);
  for (const word of ['alpha', 'beta', 'items']) expect(imported.some((t) => t.includes(word))).toBe(true);
  // The socket was still open at export: a fact of the file, not a live state.
  await expect(socketEntry.locator('.state')).toHaveText('pending at export');
  // The filter works on the imported view too.
  await panel.getByRole('searchbox', { name: 'Filter events' }).fill('transport:ws dir:in');
  await expect.poll(async () => (await rowTexts(panel)).length).toBe(2);
  await panel.getByRole('searchbox', { name: 'Filter events' }).fill('');

  await panel.getByRole('button', { name: 'Back to live capture' }).click();
  await importFile({ name: 'capture.har', mimeType: 'application/json', buffer: Buffer.from(har.text) });
  await expect(panel.getByRole('status').filter({ hasText: 'capture.har' })).toBeVisible();
  await expect.poll(async () => (await rowTexts(panel)).some((t) => t.includes('beta'))).toBe(true);
  expect((await rowTexts(panel)).some((t) => t.includes('items'))).toBe(true);
  await expect(socketEntry.locator('.state')).toHaveText('pending at export');

  await importFile({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"log": 1') });
  await expect(panel.getByRole('alert')).toContainText('Could not import broken.json: not JSON');
  // The previous view stays; the panel is never blank.
  expect((await rowTexts(panel)).length).toBeGreaterThan(0);
});
