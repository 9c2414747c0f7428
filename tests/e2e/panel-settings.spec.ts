// Settings: the payload cap chosen in the panel reaches the capture (a big
// frame arrives truncated, with its true size), and the panel's choices are
// remembered in extension storage for the next panel opened on the tab.

import { payloadText } from './support/capture';
import { type EngineBrowser, type PanelView, pollUntil } from './support/engine';
import { launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: EngineBrowser;

test.beforeAll(async ({ engine }) => {
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
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const XHR_TOGGLE = 'button[aria-label="Show XMLHttpRequest"]';
const CAP = 'select[aria-label="Payload cap"]';

/** Picks the option whose label is `label`, as a user's choice does (a change event). */
const selectByLabel = (panel: PanelView, selector: string, label: string) =>
  panel.evaluate(
    ({ selector, label }) => {
      const select = document.querySelector(selector);
      if (!(select instanceof HTMLSelectElement)) throw new Error(`no select ${selector}`);
      const option = [...select.options].find((o) => o.textContent?.trim() === label);
      if (!option) throw new Error(`no option ${label} in ${selector}`);
      select.value = option.value;
      select.dispatchEvent(new Event('change', { bubbles: true }));
    },
    { selector, label },
  );

test('payload cap setting reaches the capture; settings survive a reload', async () => {
  const session = await browser.openCapture(`${server.origin}/big.html`);
  const { page, panel } = session;
  const ask = async (tag: string) => {
    await page.evaluate((t) => (window as unknown as { ask(t: string): void }).ask(t), tag);
    await pollUntil(async () => (await page.title()) === `got ${tag}`, `the answer to ${tag}`);
  };
  await panel.clickButton('Settings');
  await selectByLabel(panel, CAP, '64.0 kB');
  // The cap travels panel → relay → page hook; nothing shows its arrival but
  // its effect: probe until a 200 kB answer (under the default 1 MB cap)
  // comes out cut.
  let probes = 0;
  await expect
    .poll(
      async () => {
        await ask(`probe${++probes}`);
        const timeline = await session.exportTimeline();
        return timeline.events.some(
          (e) => e.type === 'receive' && e.truncated === true && payloadText(e)?.startsWith('probe'),
        );
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  await ask('first');

  const rows = async () =>
    (await panel.texts('[data-testid="events"] tbody tr')).filter((t) => t.includes('first:'));
  await expect.poll(async () => (await rows()).length).toBe(1);
  expect((await rows())[0]).toContain('200.0 kB');
  // A row is selected on mousedown, as in DevTools' lists.
  await panel.selectRow('first:');
  await expect.poll(() => panel.text('[data-testid="detail"]')).toContain('truncated to the payload cap');
  expect((await panel.text('[data-testid="raw-payload"]')).length).toBeLessThanOrEqual(64 * 1024);

  // Remembered: a transport toggle and the cap.
  // Ctrl-click takes one type out (a plain click would show it alone, as in DevTools).
  await panel.evaluate((selector) => {
    document
      .querySelector(selector)
      ?.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, ctrlKey: true }));
  }, XHR_TOGGLE);
  const xhrPressed = () =>
    panel.evaluate((s) => document.querySelector(s)?.getAttribute('aria-pressed') ?? null, XHR_TOGGLE);
  await expect.poll(xhrPressed).toBe('false');
  // Saved to extension storage once the changes settle.
  await expect
    .poll(() =>
      panel.evaluate(async () => {
        type Local = { get(key: string): Promise<Record<string, unknown>> };
        const api = globalThis as unknown as {
          browser?: { storage: { local: Local } };
          chrome: { storage: { local: Local } };
        };
        const local = (api.browser ?? api.chrome).storage.local;
        const saved = (await local.get('panelSettings')).panelSettings as
          | { transports?: string[]; payloadCap?: number }
          | undefined;
        return { xhr: saved?.transports?.includes('xhr'), payloadCap: saved?.payloadCap };
      }),
    )
    .toEqual({ xhr: false, payloadCap: 64 * 1024 });

  // A fresh panel page on the tab reads them back.
  const reopened = (await browser.openPanel()).panel;
  await expect
    .poll(() =>
      reopened.evaluate((s) => document.querySelector(s)?.getAttribute('aria-pressed') ?? null, XHR_TOGGLE),
    )
    .toBe('false');
  await reopened.clickButton('Settings');
  await expect
    .poll(() => reopened.evaluate((s) => (document.querySelector(s) as HTMLSelectElement | null)?.value, CAP))
    .toBe(String(64 * 1024));
  await reopened.clickButton('Settings');

  // An unknown key is flagged on a line of the toolbar's own, not over what lies below it.
  await reopened.fill('input[aria-label="Filter events"]', 'foo:bar');
  await expect.poll(() => reopened.text('#filter-error')).toMatch(/^unknown filter key 'foo:'; known: /);
  const inside = await reopened.evaluate(() => {
    const line = document.querySelector('#filter-error')?.getBoundingClientRect();
    const bar = document.querySelector('[role="toolbar"]')?.getBoundingClientRect();
    return Boolean(line && bar && line.bottom <= bar.bottom);
  });
  expect(inside).toBe(true);
});
