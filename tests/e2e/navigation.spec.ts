import type { TimelineExport } from '../../lib/export/timeline';
import { payloadText } from './support/capture';
import type { EngineBrowser, PanelView, TestTab } from './support/engine';
import { launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

// A navigation starts a new page section: without "Preserve log" the panel
// shows only the new page; with it, earlier pages stay and the list marks
// where the page changed.

let server: TestServer;
let browser: EngineBrowser;
const BURST = 2_000;
const LAST_WORDS = 50;

const pageSaying = (word: string) =>
  `<!doctype html><title>${word}</title><script>
    const ws = new WebSocket('ws://' + location.host + '/echo');
    ws.onopen = () => ws.send(${JSON.stringify(word)});
    ws.onmessage = () => { document.title = 'echoed ${word}'; };
  </script>`;

test.beforeAll(async ({ engine }) => {
  browser = await launchEngine(engine);
  server = await startServer();
  server.socket('/echo', (ws) => ws.on('message', (data) => ws.send(data)));
  server.page('/one.html', pageSaying('first page'));
  server.page('/two.html', pageSaying('second page'));
  server.page('/three.html', pageSaying('third page'));
  server.socket('/sink', () => {});
  // A burst of sends the relay holds (it delivers a burst once the page has been quiet a while),
  // and a navigation before that.
  server.page(
    '/burst-then-leave.html',
    `<!doctype html><title>burst</title><script>
      const ws = new WebSocket('ws://' + location.host + '/sink');
      ws.onopen = () => {
        for (let i = 0; i < ${BURST}; i++) ws.send('burst ' + i);
        setTimeout(() => { location.href = '/one.html'; }, 300);
      };
    </script>`,
  );
  // Messages sent in the very task that navigates: still in the hook's own queue when the page goes.
  server.page(
    '/send-then-leave.html',
    `<!doctype html><title>leave</title><script>
      const ws = new WebSocket('ws://' + location.host + '/sink?leave');
      ws.onopen = () => {
        for (let i = 0; i < ${LAST_WORDS}; i++) ws.send('last ' + i);
        location.href = '/one.html';
      };
    </script>`,
  );
  // A message the page sends from its own pagehide handler, which runs after the hook's.
  server.page(
    '/send-on-pagehide.html',
    `<!doctype html><title>pagehide</title><script>
      const ws = new WebSocket('ws://' + location.host + '/sink?pagehide');
      addEventListener('pagehide', () => { ws.send('goodbye from pagehide'); });
      ws.onopen = () => {
        ws.send('hello');
        setTimeout(() => { location.href = '/one.html'; }, 200);
      };
    </script>`,
  );
});

const PRESERVE_LOG = 'label[title="Keep the log across page loads"] input[type="checkbox"]';

/** Ticks or unticks "Preserve log" as a click does, and waits until the panel shows it. */
async function preserveLog(panel: PanelView, on: boolean): Promise<void> {
  // A panel page just opened may not have drawn its toolbar yet.
  await panel.waitForFunction((s) => document.querySelector(s) !== null, PRESERVE_LOG);
  await panel.evaluate(
    ({ selector, on }) => {
      const box = document.querySelector(selector);
      if (!(box instanceof HTMLInputElement)) throw new Error('no Preserve log checkbox');
      if (box.checked !== on) box.click();
    },
    { selector: PRESERVE_LOG, on },
  );
  await expect
    .poll(() =>
      panel.evaluate((s) => (document.querySelector(s) as HTMLInputElement | null)?.checked, PRESERVE_LOG),
    )
    .toBe(on);
}

const titleOf = (page: TestTab) => expect.poll(() => page.title(), { timeout: 15_000 });

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('navigation starts a new section; Preserve log keeps earlier pages and marks the change', async () => {
  const session = await browser.openCapture(`${server.origin}/one.html`);
  const words = (t: Awaited<ReturnType<typeof session.exportTimeline>>) =>
    t.events.filter((e) => e.type === 'receive').map(payloadText);
  await session.waitForTimeline((t) => words(t).includes('first page'));

  // Without Preserve log: the first page is gone after navigating.
  await session.page.goto(`${server.origin}/two.html`);
  await titleOf(session.page).toBe('echoed second page');
  const afterTwo = await session.waitForTimeline((t) => words(t).includes('second page'));
  expect(words(afterTwo)).toEqual(['second page']);
  expect(afterTwo.connections.map((c) => c.frameUrl)).toEqual([`${server.origin}/two.html`]);

  // With Preserve log: the second page stays when the third loads.
  await preserveLog(session.panel, true);
  await session.page.goto(`${server.origin}/three.html`);
  await titleOf(session.page).toBe('echoed third page');
  const afterThree = await session.waitForTimeline((t) => words(t).includes('third page'));
  expect(words(afterThree)).toEqual(['second page', 'third page']);

  const markers = () =>
    session.panel.evaluate(() =>
      [...document.querySelectorAll('[data-testid="events"] tr.page-start')].map((tr) =>
        tr.getAttribute('title'),
      ),
    );
  await expect.poll(markers).toEqual([`Navigated to ${server.origin}/three.html`]);
  await preserveLog(session.panel, false);
});

/**
 * Opens a panel on another page with "Preserve log" on, then loads `path`, a page that
 * navigates to /one.html by itself; returns the export once /one.html's echo is in it
 * and `arrived` holds (the left page's records may reach the panel after the new page's:
 * what is promised is that they arrive, not in which order).
 */
async function exportAfterLeaving(path: string, arrived: (t: TimelineExport) => boolean = () => true) {
  const session = await browser.openCapture(`${server.origin}/two.html`);
  await preserveLog(session.panel, true);
  try {
    await session.page.goto(`${server.origin}${path}`);
    await titleOf(session.page).toBe('echoed first page');
    return await session.waitForTimeline(
      (t) => t.events.some((e) => e.type === 'receive' && payloadText(e) === 'first page') && arrived(t),
    );
  } finally {
    await preserveLog(session.panel, false);
  }
}

test('what the relay still holds when the page leaves reaches a panel that preserves the log', async () => {
  const burstSent = (t: TimelineExport) => {
    const burstSocket = t.connections.find((c) => c.url.endsWith('/sink'));
    return t.events.filter((e) => e.connectionId === burstSocket?.id && e.type === 'send');
  };
  const timeline = await exportAfterLeaving('/burst-then-leave.html', (t) => burstSent(t).length >= BURST);
  const sent = burstSent(timeline);
  expect(sent.map(payloadText)).toEqual(Array.from({ length: BURST }, (_, i) => `burst ${i}`));
});

test("what the page sent in its last moment (still in the hook's queue) reaches a panel that preserves the log", async () => {
  const lastWords = (t: TimelineExport) => {
    const socket = t.connections.find((c) => c.url.endsWith('/sink?leave'));
    return t.events.filter((e) => e.connectionId === socket?.id && e.type === 'send').length;
  };
  const timeline = await exportAfterLeaving('/send-then-leave.html', (t) => lastWords(t) >= LAST_WORDS);
  const socket = timeline.connections.find((c) => c.url.endsWith('/sink?leave'));
  expect(socket?.frameUrl).toBe(`${server.origin}/send-then-leave.html`);
  const events = timeline.events.filter((e) => e.connectionId === socket?.id);
  expect(events.map((e) => (e.type === 'send' ? payloadText(e) : e.type))).toEqual([
    'open',
    ...Array.from({ length: LAST_WORDS }, (_, i) => `last ${i}`),
    // Firefox closes a leaving page's sockets itself, with code 1001 ("going away"), and fires
    // their close event while the page's scripts still run, so the hook records it; Chromium
    // tears the page down without a close event the page could see.
    ...(browser.engine === 'firefox' ? ['close'] : []),
  ]);
  if (browser.engine === 'firefox')
    expect(events.at(-1)).toMatchObject({ type: 'close', code: 1001, wasClean: true });
});

test('what the page sends from its own pagehide handler reaches a panel that preserves the log', async () => {
  const timeline = await exportAfterLeaving('/send-on-pagehide.html');
  const socket = timeline.connections.find((c) => c.url.endsWith('/sink?pagehide'));
  const sent = timeline.events.filter((e) => e.connectionId === socket?.id && e.type === 'send');
  expect(sent.map(payloadText)).toEqual(['hello', 'goodbye from pagehide']);
});
