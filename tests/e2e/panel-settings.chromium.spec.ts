// Settings: the payload cap chosen in the panel reaches the capture (a big
// frame arrives truncated, with its true size), and the panel's choices are
// remembered in extension storage across a reload.

import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { openCapture, payloadText } from './support/capture';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: LaunchedBrowser;

test.beforeAll(async () => {
  server = await startServer();
  server.socket('/big', (ws) =>
    ws.on('message', (data) => ws.send(`${String(data)}:${'x'.repeat(200 * 1024)}`)),
  );
  server.page(
    '/big.html',
    `<!doctype html><title>big</title><script>
      const ws = new WebSocket('ws://' + location.host + '/big');
      window.ask = (tag) => ws.send(tag);
      ws.onmessage = (e) => { document.title = 'got ' + e.data.slice(0, e.data.indexOf(':')); };
    </script>`,
  );
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('payload cap setting reaches the capture; settings survive a reload', async () => {
  browser = await launchBrowser();
  const session = await openCapture(browser, `${server.origin}/big.html`);
  const { page, panel } = session;
  const ask = (tag: string) =>
    page.evaluate((t) => (window as unknown as { ask(t: string): void }).ask(t), tag);
  await panel.getByRole('button', { name: 'Settings' }).click();
  await panel.getByRole('combobox', { name: 'Payload cap' }).selectOption({ label: '64.0 kB' });
  // The cap travels panel → relay → page hook; nothing shows its arrival but
  // its effect: probe until a 200 kB answer (under the default 1 MB cap)
  // comes out cut.
  let probes = 0;
  await expect
    .poll(
      async () => {
        const tag = `probe${++probes}`;
        await ask(tag);
        await expect(page).toHaveTitle(`got ${tag}`);
        const timeline = await session.exportTimeline();
        return timeline.events.some(
          (e) => e.type === 'receive' && e.truncated === true && payloadText(e)?.startsWith('probe'),
        );
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  await ask('first');
  await expect(page).toHaveTitle('got first');

  const row = panel.locator('[data-testid="events"] tbody tr', { hasText: 'first:' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('200.0 kB');
  await row.dispatchEvent('mousedown');
  await expect(panel.getByTestId('detail')).toContainText('truncated to the payload cap');
  expect((await panel.getByTestId('raw-payload').textContent())?.length).toBeLessThanOrEqual(64 * 1024);

  // Remembered: a transport toggle and the cap.
  // Ctrl/Cmd-click takes one type out (a plain click would show it alone, as in DevTools).
  await panel.getByRole('button', { name: 'Show XMLHttpRequest' }).click({ modifiers: ['ControlOrMeta'] });
  await expect(panel.getByRole('button', { name: 'Show XMLHttpRequest' })).toHaveAttribute(
    'aria-pressed',
    'false',
  );
  // Saved to extension storage once the changes settle.
  await expect
    .poll(() =>
      panel.evaluate(async () => {
        type Local = { get(key: string): Promise<Record<string, unknown>> };
        const local = (globalThis as unknown as { chrome: { storage: { local: Local } } }).chrome.storage
          .local;
        const saved = (await local.get('panelSettings')).panelSettings as
          | { transports?: string[]; payloadCap?: number }
          | undefined;
        return { xhr: saved?.transports?.includes('xhr'), payloadCap: saved?.payloadCap };
      }),
    )
    .toEqual({ xhr: false, payloadCap: 64 * 1024 });
  await panel.reload();
  await expect(panel.getByRole('button', { name: 'Show XMLHttpRequest' })).toHaveAttribute(
    'aria-pressed',
    'false',
  );
  await panel.getByRole('button', { name: 'Settings' }).click();
  await expect(panel.getByRole('combobox', { name: 'Payload cap' })).toHaveValue(String(64 * 1024));
  await panel.getByRole('button', { name: 'Settings' }).click();

  // An unknown key is flagged on a line of the toolbar's own, not over what lies below it.
  await panel.getByRole('searchbox', { name: 'Filter events' }).fill('foo:bar');
  const line = panel.locator('#filter-error');
  await expect(line).toHaveText(/^unknown filter key 'foo:'; known: /);
  const [lineBox, barBox] = await Promise.all([line.boundingBox(), panel.getByRole('toolbar').boundingBox()]);
  expect(lineBox && barBox && lineBox.y + lineBox.height <= barBox.y + barBox.height).toBe(true);
});
