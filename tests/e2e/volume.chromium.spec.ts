// Volume: 20,000-message WebSocket floods each way with zero loss, recorded
// with no panel open and shown in full when the panel opens afterwards; and
// the payload cap (a payload over 1 MiB keeps its first MiB, its true size
// and `truncated: true`).

import { type LaunchedBrowser, launchBrowser, onlyTabId } from './support/browser';
import { connectionsOf, eventsOf, exportPanelUntil, openPanelFor, payloadText } from './support/capture';
import { openWirescopeInDevTools } from './support/devtools';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

const FLOOD = 20_000;
const MIB = 1024 * 1024;
const BIG = MIB + MIB / 2;

let server: TestServer;
let browser: LaunchedBrowser;
let serverReceived = 0;

test.beforeAll(async () => {
  server = await startServer();
  server.socket('/flood', (ws) => {
    serverReceived = 0;
    ws.on('message', (data) => {
      const text = String(data);
      if (text === 'flood me') {
        for (let i = 0; i < FLOOD; i++) ws.send(`down ${i}`);
        return;
      }
      if (text.startsWith('up ')) {
        serverReceived++;
        if (serverReceived === FLOOD) ws.send('got them all');
      }
    });
  });
  server.socket('/big', (ws) => {
    ws.on('message', (data, isBinary) => {
      if (String(data) !== 'send big') return;
      ws.send('é'.repeat(BIG / 2)); // 2 bytes per character in UTF-8
      ws.send(Buffer.alloc(BIG, 7), { binary: true });
      void isBinary;
    });
  });
  server.page(
    '/flood.html',
    `<!doctype html><html><head><title>flooding</title><script>
      const started = performance.now();
      const ws = new WebSocket('ws://' + location.host + '/flood');
      let down = 0;
      ws.onopen = () => {
        for (let i = 0; i < ${FLOOD}; i++) ws.send('up ' + i);
        ws.send('flood me');
      };
      let serverDone = false;
      const finish = () => {
        if (down === ${FLOOD} && serverDone) {
          ws.close(1000, 'flooded');
          document.title = 'done in ' + Math.round(performance.now() - started) + ' ms';
        }
      };
      ws.onmessage = (e) => {
        if (e.data === 'got them all') serverDone = true;
        else down++;
        finish();
      };
    </script></head><body></body></html>`,
  );
  // A body over the cap with no declared length: read through a reader, piece by piece.
  server.route('/big-chunked', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const body = Buffer.alloc(BIG);
    for (let i = 0; i < BIG; i++) body[i] = i % 251;
    for (let at = 0; at < BIG; at += 64 * 1024) res.write(body.subarray(at, at + 64 * 1024));
    res.end();
  });
  server.page(
    '/big-fetch.html',
    `<!doctype html><html><head><script>
      fetch('/big-chunked').then((r) => r.arrayBuffer()).then((b) => {
        const bytes = new Uint8Array(b);
        document.title = 'got ' + bytes.length + (bytes.every((v, i) => v === i % 251) ? ' intact' : ' damaged');
      });
    </script></head><body></body></html>`,
  );
  server.page(
    '/big.html',
    `<!doctype html><html><head><script>
      const ws = new WebSocket('ws://' + location.host + '/big');
      ws.binaryType = 'arraybuffer';
      const sizes = [];
      ws.onopen = () => {
        ws.send('x'.repeat(${BIG}));
        ws.send(new Uint8Array(${BIG}).fill(3));
        ws.send('send big');
      };
      ws.onmessage = (e) => {
        sizes.push(typeof e.data === 'string' ? e.data.length : e.data.byteLength);
        if (sizes.length === 2) { ws.close(1000, 'big done'); document.title = 'got ' + sizes.join(','); }
      };
    </script></head><body></body></html>`,
  );
  browser = await launchBrowser();
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('20,000 messages each way, recorded before the panel opens, arrive complete and in order', async () => {
  test.setTimeout(120_000);
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const t0 = Date.now();
  await page.goto(`${server.origin}/flood.html`);
  await expect(page).toHaveTitle(/^done in \d+ ms$/, { timeout: 60_000 });
  const floodMs = Date.now() - t0;
  const pageTitle = await page.title();
  expect(serverReceived).toBe(FLOOD);

  // Only now does anyone look: the relay's history must hold all of it.
  const panel = await openPanelFor(browser, await onlyTabId(browser));
  const t1 = Date.now();
  const timeline = await exportPanelUntil(panel, (t) => t.events.some((e) => e.type === 'close'));
  const replayMs = Date.now() - t1;
  console.log(
    `[volume] flood page-side: ${pageTitle}; test-side ${floodMs} ms; history of ${timeline.events.length} events shown ${replayMs} ms after the panel opened`,
  );

  const [conn, ...others] = connectionsOf(timeline, 'websocket');
  expect(others).toHaveLength(0);
  const events = eventsOf(timeline, conn?.id ?? '');
  const sends = events.filter((e) => e.type === 'send');
  const receives = events.filter((e) => e.type === 'receive');
  expect(sends).toHaveLength(FLOOD + 1);
  expect(receives).toHaveLength(FLOOD + 1);
  // Exact payloads, in order: nothing lost, doubled or reordered.
  const up = sends.slice(0, FLOOD).map((e) => payloadText(e));
  // The server confirms the upward flood before it floods downwards.
  expect(payloadText(receives[0] as (typeof receives)[0])).toBe('got them all');
  const down = receives.slice(1).map((e) => payloadText(e));
  expect(up.every((text, i) => text === `up ${i}`)).toBe(true);
  expect(down.every((text, i) => text === `down ${i}`)).toBe(true);
  expect(payloadText(sends[FLOOD] as (typeof sends)[0])).toBe('flood me');
  expect(events.at(-1)).toMatchObject({ type: 'close', code: 1000, reason: 'flooded' });
  const seqs = timeline.events.map((e) => e.seq);
  expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true);
  // And the panel reports no loss.
  await expect(panel.getByTestId('summary')).not.toContainText('dropped');
  await panel.close();
});

test('a payload over the 1 MiB cap keeps its first MiB, its true size and truncated: true', async () => {
  test.setTimeout(60_000);
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(`${server.origin}/big.html`);
  await expect(page).toHaveTitle(`got ${BIG / 2},${BIG}`, { timeout: 30_000 });
  const panel = await openPanelFor(browser, await onlyTabId(browser));
  const timeline = await exportPanelUntil(panel, (t) => t.events.some((e) => e.type === 'close'));
  await panel.close();
  const [conn] = connectionsOf(timeline, 'websocket').filter((c) => c.url.endsWith('/big'));
  const events = eventsOf(timeline, conn?.id ?? '');
  const [textUp, binaryUp] = events.filter((e) => e.type === 'send');
  const [textDown, binaryDown] = events.filter((e) => e.type === 'receive');

  expect(textUp).toMatchObject({ size: BIG, truncated: true });
  expect(payloadText(textUp as NonNullable<typeof textUp>)).toBe('x'.repeat(MIB));

  expect(binaryUp).toMatchObject({ size: BIG, truncated: true });
  const upBytes = Buffer.from((binaryUp?.data as { base64: string } | undefined)?.base64 ?? '', 'base64');
  expect(upBytes.length).toBe(MIB);
  expect(upBytes.every((b) => b === 3)).toBe(true);

  // Multi-byte text: cut at a character boundary within the cap, true UTF-8 size kept.
  expect(textDown).toMatchObject({ size: BIG, truncated: true });
  expect(payloadText(textDown as NonNullable<typeof textDown>)).toBe('é'.repeat(MIB / 2));

  expect(binaryDown).toMatchObject({ size: BIG, truncated: true });
  const downBytes = Buffer.from((binaryDown?.data as { base64: string } | undefined)?.base64 ?? '', 'base64');
  expect(downBytes.length).toBe(MIB);
  expect(downBytes.every((b) => b === 7)).toBe(true);
});

test('a fetch body over the cap, arriving in pieces, keeps its first MiB and its true size', async () => {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(`${server.origin}/big-fetch.html`);
  // The page gets the whole body, unchanged.
  await expect(page).toHaveTitle(`got ${BIG} intact`, { timeout: 30_000 });
  const panel = await openPanelFor(browser, await onlyTabId(browser));
  const timeline = await exportPanelUntil(panel, (t) =>
    t.events.some(
      (e) => e.type === 'close' && connectionsOf(t, 'fetch').some((c) => c.id === e.connectionId),
    ),
  );
  await panel.close();
  const [conn] = connectionsOf(timeline, 'fetch').filter((c) => c.url.endsWith('/big-chunked'));
  const events = eventsOf(timeline, conn?.id ?? '');
  expect(events.map((e) => e.type)).toEqual(['open', 'receive', 'close']);
  const [receive] = events.filter((e) => e.type === 'receive');
  expect(receive).toMatchObject({ size: BIG, truncated: true, status: 200 });
  const bytes = Buffer.from((receive?.data as { base64: string } | undefined)?.base64 ?? '', 'base64');
  expect(bytes.length).toBe(MIB);
  expect(bytes.every((b, i) => b === i % 251)).toBe(true);
});

test('the real DevTools panel, selected after the flood, shows all of it with nothing dropped', async () => {
  test.setTimeout(120_000);
  const withDevTools = await launchBrowser({ devtools: true });
  try {
    const page = withDevTools.context.pages()[0] ?? (await withDevTools.context.newPage());
    await page.goto(`${server.origin}/flood.html`);
    await expect(page).toHaveTitle(/^done in \d+ ms$/, { timeout: 60_000 });
    // DevTools is open, but Wirescope's panel was never shown: it loads now.
    const panel = await openWirescopeInDevTools(withDevTools.debugPort as number, withDevTools.extensionId);
    try {
      // open + 20,001 sends + 20,001 receives + close on one connection.
      const summary = await panel.waitFor<string>(
        `(() => { const t = document.querySelector('[data-testid="summary"]')?.textContent ?? '';
           return t.replace(/[^\\d a-z·]/g, '').includes('40004 events · 1 connections') ? t : null; })()`,
        30_000,
      );
      expect(summary).not.toContain('dropped');
    } finally {
      panel.close();
    }
  } finally {
    await withDevTools.close();
  }
});
