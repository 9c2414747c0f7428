// Export and import through the panel's own buttons: the exported timeline and
// the HAR open back into a read-only view with the same traffic, and a broken
// file gets a message that says why.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineBrowser, PanelView } from './support/engine';
import { launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: EngineBrowser;
let filesDir: string;

test.beforeAll(async ({ engine }) => {
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
  filesDir = await mkdtemp(join(tmpdir(), 'wirescope-import-'));
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (filesDir) await rm(filesDir, { recursive: true, force: true });
});

const rowTexts = (panel: PanelView) => panel.texts('[data-testid="events"] tbody tr');

/** The live-state label of the sidebar entry whose text contains `path`. */
const entryState = (panel: PanelView, path: string) =>
  panel.evaluate(
    (p) =>
      [...document.querySelectorAll('.sidebar .conn-entry')]
        .find((e) => e.textContent?.includes(p))
        ?.querySelector('.state')?.textContent ?? null,
    path,
  );

test('export timeline and HAR, then import both back; a bad file explains itself', async () => {
  const { page, panel } = await browser.openCapture(`${server.origin}/app.html`);
  await expect.poll(() => page.title()).toBe('done');
  await expect.poll(async () => (await rowTexts(panel)).some((t) => t.includes('items'))).toBe(true);
  const live = await rowTexts(panel);
  await expect.poll(() => entryState(panel, '/echo')).toBe('open');

  const json = await panel.download('Export timeline');
  expect(json.name).toMatch(/^wirescope-timeline-.*\.json$/);
  const har = await panel.download('Export HAR');
  expect(JSON.parse(har.text).log.version).toBe('1.2');

  // The file input reads a file on disk; its name is what the panel reports.
  const importFile = async (name: string, text: string) => {
    const path = join(filesDir, name);
    await writeFile(path, text);
    await panel.setInputFile('input[aria-label="Import file"]', path);
  };
  const statuses = () => panel.texts('[role="status"]');

  await importFile('timeline.json', json.text);
  await expect
    .poll(async () => (await statuses()).some((s) => s.includes('Viewing imported file timeline.json')))
    .toBe(true);
  await expect.poll(async () => (await rowTexts(panel)).length).toBe(live.length);
  const imported = await rowTexts(panel);
  for (const word of ['alpha', 'beta', 'items']) expect(imported.some((t) => t.includes(word))).toBe(true);
  // The socket was still open at export: a fact of the file, not a live state.
  await expect.poll(() => entryState(panel, '/echo')).toBe('pending at export');
  // The filter works on the imported view too.
  await panel.fill('input[aria-label="Filter events"]', 'transport:ws dir:in');
  await expect.poll(async () => (await rowTexts(panel)).length).toBe(2);
  await panel.fill('input[aria-label="Filter events"]', '');

  await panel.clickButton('Back to live capture');
  await importFile('capture.har', har.text);
  await expect.poll(async () => (await statuses()).some((s) => s.includes('capture.har'))).toBe(true);
  await expect.poll(async () => (await rowTexts(panel)).some((t) => t.includes('beta'))).toBe(true);
  expect((await rowTexts(panel)).some((t) => t.includes('items'))).toBe(true);
  await expect.poll(() => entryState(panel, '/echo')).toBe('pending at export');

  await importFile('broken.json', '{"log": 1');
  await expect.poll(() => panel.text('[role="alert"]')).toContain('Could not import broken.json: not JSON');
  // The previous view stays; the panel is never blank.
  expect((await rowTexts(panel)).length).toBeGreaterThan(0);
});
