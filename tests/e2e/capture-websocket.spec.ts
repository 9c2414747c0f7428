// WebSocket capture, end to end: a test page talks to a loopback `ws` server
// (with subprotocol negotiation and permessage-deflate) through the built
// extension; the timeline is read back through the panel's "Export timeline".

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { freePort } from './support/browser';
import { connectionsOf, type ExportedEvent, eventsOf, type TimelineExport } from './support/capture';
import type { EngineBrowser } from './support/engine';
import { captureTimeline, launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let pages: TestServer;
let browser: EngineBrowser;
/** A WebSocket server of its own: the shared test server negotiates neither subprotocols nor compression. */
let wsHttp: Server;
let wss: WebSocketServer;
let wsOrigin: string;
/** A loopback port with nothing listening: connections are refused. */
let closedPort: number;
/** 64 KiB each: 32 MiB, more than loopback's and the browser's buffers hold. */
const STALLED_SENDS = 512;

test.beforeAll(async ({ engine }) => {
  pages = await startServer();
  closedPort = await freePort();
  wsHttp = createServer();
  wss = new WebSocketServer({
    server: wsHttp,
    perMessageDeflate: true,
    handleProtocols: (offered) => (offered.has('chat.v2') ? 'chat.v2' : false),
  });
  wss.on('connection', (ws, req) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/echo') ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    if (path === '/hangup') ws.once('message', () => ws.close(4002, 'server bye'));
  });
  await new Promise<void>((resolve) => wsHttp.listen(0, '127.0.0.1', resolve));
  wsOrigin = `ws://127.0.0.1:${(wsHttp.address() as AddressInfo).port}`;
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  for (const client of wss?.clients ?? []) client.terminate();
  wss?.close();
  await new Promise<void>((resolve) => (wsHttp ? wsHttp.close(() => resolve()) : resolve()));
  await pages?.close();
});

/** The page-clock time (epoch ms) each page handler saw its event at, by event kind. */
interface PageSeen {
  protocol: string;
  extensions: string;
  handlerTimes: number[];
  opened: number;
  closed: number;
}

const base64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');

function summary(e: ExportedEvent): unknown[] {
  const data = e.data && ('text' in e.data ? e.data.text : `base64:${e.data.base64}`);
  return [e.type, data, e.bodyKind, e.size];
}

test('every kind of send and receive, the negotiated subprotocol and extensions, and a client close', async () => {
  pages.page(
    '/kinds.html',
    `<!doctype html><title>ws</title><script>
      const clock = () => performance.timeOrigin + performance.now();
      const seen = { handlerTimes: [] };
      const ws = new WebSocket('${wsOrigin}/echo', ['chat.v1', 'chat.v2']);
      let received = 0;
      ws.onopen = () => {
        seen.opened = clock();
        seen.protocol = ws.protocol;
        seen.extensions = ws.extensions;
        ws.send('text é');
        ws.send(new Uint8Array([1, 2, 3]).buffer);
        ws.send(new Uint16Array([0x0201, 0x0403]).subarray(1));
        ws.send(new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2));
        ws.send(new Blob(['blob body']));
      };
      ws.onmessage = (e) => {
        seen.handlerTimes.push(clock());
        received++;
        // The first five echoes arrive as Blobs (the default); the sixth as an ArrayBuffer.
        if (received === 5) {
          ws.binaryType = 'arraybuffer';
          ws.send(new Uint8Array([255, 0, 128]));
        }
        if (received === 6) ws.close(4000, 'client bye');
      };
      ws.onclose = () => { seen.closed = clock(); window.seen = seen; };
    </script>`,
  );
  const timeline = await captureTimeline(browser, `${pages.origin}/kinds.html`, {
    until: (t) => t.events.some((e) => e.type === 'close'),
  });
  const seen = await browser.page.evaluate(() => (window as unknown as { seen: PageSeen }).seen);

  // The export says which browser it came from.
  expect(timeline.source.userAgent).toContain(browser.engine === 'firefox' ? 'Firefox/' : 'Chrome/');
  const [conn, ...others] = connectionsOf(timeline, 'websocket');
  expect(others).toHaveLength(0);
  if (!conn) throw new Error('no WebSocket captured');
  expect(conn.url).toBe(`${wsOrigin}/echo`);
  expect(conn.requestedProtocols).toEqual(['chat.v1', 'chat.v2']);
  const events = eventsOf(timeline, conn.id);
  expect(events.map(summary)).toEqual([
    ['open', undefined, undefined, undefined],
    ['send', 'text é', 'text', 7],
    ['send', `base64:${base64([1, 2, 3])}`, 'arraybuffer', 3],
    ['send', `base64:${base64([3, 4])}`, 'view', 2],
    ['send', `base64:${base64([8, 7])}`, 'view', 2],
    ['send', `base64:${base64([...Buffer.from('blob body')])}`, 'blob', 9],
    ['receive', 'text é', 'text', 7],
    ['receive', `base64:${base64([1, 2, 3])}`, 'blob', 3],
    ['receive', `base64:${base64([3, 4])}`, 'blob', 2],
    ['receive', `base64:${base64([8, 7])}`, 'blob', 2],
    ['receive', `base64:${base64([...Buffer.from('blob body')])}`, 'blob', 9],
    ['send', `base64:${base64([255, 0, 128])}`, 'view', 3],
    ['receive', `base64:${base64([255, 0, 128])}`, 'arraybuffer', 3],
    ['close', undefined, undefined, undefined],
  ]);
  const open = events[0] as ExportedEvent;
  expect(seen.protocol).toBe('chat.v2');
  expect(seen.extensions).toContain('permessage-deflate');
  expect(open).toMatchObject({ protocol: seen.protocol, extensions: seen.extensions });
  expect(conn.protocol).toBe('chat.v2');
  expect(events.at(-1)).toMatchObject({
    code: 4000,
    reason: 'client bye',
    wasClean: true,
    closedBy: 'client',
  });

  // Times are the page's clock: in order, within the socket's life, and each
  // receive no later than the page's own handler saw it.
  const times = events.map((e) => e.time);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(open.time).toBeGreaterThanOrEqual(conn.startedAt);
  expect(open.time).toBeLessThanOrEqual(seen.opened + 1);
  const receives = events.filter((e) => e.type === 'receive');
  expect(receives).toHaveLength(seen.handlerTimes.length);
  receives.forEach((e, i) => {
    expect(e.time).toBeGreaterThanOrEqual(open.time);
    expect(e.time).toBeLessThanOrEqual((seen.handlerTimes[i] as number) + 1);
  });
  expect(events.at(-1)?.time).toBeLessThanOrEqual(seen.closed + 1);
});

test('a server close, a refused connection and a send on a closed socket', async () => {
  pages.page(
    '/ends.html',
    `<!doctype html><title>ws</title><script>
      const hangup = new WebSocket('${wsOrigin}/hangup');
      hangup.onopen = () => hangup.send('bye?');
      hangup.onclose = () => {
        hangup.send('too late');
        const refused = new WebSocket('ws://127.0.0.1:${closedPort}/nothing');
        refused.onclose = () => { window.done = true; };
      };
    </script>`,
  );
  const timeline: TimelineExport = await captureTimeline(browser, `${pages.origin}/ends.html`, {
    pageDone: () => (window as unknown as { done?: boolean }).done === true,
    until: (t) => t.events.filter((e) => e.type === 'close').length >= 2,
  });
  const [hangup, refused] = connectionsOf(timeline, 'websocket');
  if (!hangup || !refused) throw new Error('expected two sockets');
  expect(hangup.url).toBe(`${wsOrigin}/hangup`);
  expect(refused.url).toBe(`ws://127.0.0.1:${closedPort}/nothing`);
  expect(eventsOf(timeline, hangup.id).map((e) => [e.type, e.data, e.reason])).toEqual([
    ['open', undefined, undefined],
    ['send', { text: 'bye?' }, undefined],
    ['close', undefined, 'server bye'],
    ['send', { text: 'too late' }, 'discarded by the browser: socket not open'],
  ]);
  expect(eventsOf(timeline, hangup.id)[2]).toMatchObject({ code: 4002, wasClean: true, closedBy: 'server' });
  expect(eventsOf(timeline, refused.id).map((e) => e.type)).toEqual(['error', 'close']);
  expect(eventsOf(timeline, refused.id)[1]).toMatchObject({
    code: 1006,
    wasClean: false,
    closedBy: 'server',
  });
});

test('a socket that cannot send its data (the server reads nothing) has its sends shown while they wait', async () => {
  // The shared server does not compress, so the page's data stays as large on the wire.
  const stalled: WebSocket[] = [];
  pages.socket('/stall', (ws) => {
    // Reads nothing until the test resumes it, so the page's sends pile up in its socket.
    ws.pause();
    stalled.push(ws);
    let got = 0;
    ws.on('message', () => {
      if (++got === STALLED_SENDS) ws.send(`got ${got}`);
    });
  });
  pages.page(
    '/stall.html',
    `<!doctype html><title>ws</title><script>
      const ws = new WebSocket('ws://' + location.host + '/stall');
      ws.onopen = () => { window.ready = true; };
      ws.onmessage = (e) => { window.reply = e.data; };
      window.flood = () => {
        for (let i = 0; i < ${STALLED_SENDS}; i++) ws.send(String(i).padEnd(65536, '.'));
        return ws.bufferedAmount;
      };
      window.unsent = () => ws.bufferedAmount;
    </script>`,
  );
  const { page, panel } = await browser.openCapture(`${pages.origin}/stall.html`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  expect(await page.evaluate(() => (window as unknown as { flood(): number }).flood())).toBeGreaterThan(0);
  /** The panel's entry for the socket, as its list shows it. */
  const entry = async () => (await panel.texts('.conn-entry')).find((text) => text.includes('/stall')) ?? '';
  // The relay holds its delivery while the page's socket still has data to
  // send, but for 2 s at most: the sends show up while the socket is stuck (32 MB of them
  // through the capture: a loaded machine takes its time, the socket stays stuck regardless).
  await expect.poll(entry, { timeout: 30_000 }).toContain(`${STALLED_SENDS} msg`);
  const unsent = () => page.evaluate(() => (window as unknown as { unsent(): number }).unsent());
  expect(await unsent()).toBeGreaterThan(0);
  // Once the server reads, everything goes out and its answer follows.
  for (const socket of stalled) socket.resume();
  await page.waitForFunction(() => (window as unknown as { reply?: string }).reply !== undefined, undefined, {
    timeout: 30_000,
  });
  expect(await page.evaluate(() => (window as unknown as { reply: string }).reply)).toBe(
    `got ${STALLED_SENDS}`,
  );
  expect(await unsent()).toBe(0);
  await expect.poll(entry).toContain(`${STALLED_SENDS + 1} msg`);
});
