// The demo behind `npm start` / `npm run demo`: it must really make every
// kind of traffic Wirescope handles, as captured by the built extension
// (`npm start` itself is checked in start.spec.ts).

import { type DemoServer, startDemoServer } from '../../scripts/demo/server';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import {
  connectionsOf,
  type ExportedConnection,
  eventsOf,
  openCapture,
  payloadText,
  type TimelineExport,
} from './support/capture';
import { expect, type Page, test } from './support/test';

function path(c: ExportedConnection): string {
  return new URL(c.url).pathname;
}

function byPath(t: TimelineExport, transport: ExportedConnection['transport'], pathname: string) {
  return connectionsOf(t, transport).filter((c) => path(c) === pathname);
}

/** What the demo should have produced once each loop has gone round twice, by name. */
function missingTraffic(t: TimelineExport): string[] {
  const io = t.connections.filter((c) => path(c) === '/socket.io/');
  const checks: Array<[string, boolean]> = [
    ['websocket /chat', byPath(t, 'websocket', '/chat').length > 0],
    ['eventsource /events', byPath(t, 'eventsource', '/events').length > 0],
    ['xhr long-poll /api/inbox ×2', byPath(t, 'xhr', '/api/inbox').length >= 2],
    ['fetch long-poll /api/updates ×2', byPath(t, 'fetch', '/api/updates').length >= 2],
    ['fetch polling /api/status ×2', byPath(t, 'fetch', '/api/status').length >= 2],
    ['fetch GET /api/profile', byPath(t, 'fetch', '/api/profile').length > 0],
    ['fetch POST /api/notes', byPath(t, 'fetch', '/api/notes').length > 0],
    ['socket.io polling (xhr)', io.some((c) => c.transport === 'xhr')],
    ['socket.io websocket', io.some((c) => c.transport === 'websocket')],
    ['websocket /stomp', byPath(t, 'websocket', '/stomp').length > 0],
    ['websocket /mqtt', byPath(t, 'websocket', '/mqtt').length > 0],
    ['websocket /graphql', byPath(t, 'websocket', '/graphql').length > 0],
  ];
  return checks.filter(([, ok]) => !ok).map(([name]) => name);
}

async function counters(page: Page, card: string): Promise<string> {
  return (await page.locator(`#${card} [data-counters]`).textContent()) ?? '';
}

let server: DemoServer | null = null;
let browser: LaunchedBrowser | null = null;

test.afterEach(async () => {
  await browser?.close();
  browser = null;
  await server?.close();
  server = null;
});

test('the demo makes WebSocket, SSE, XHR and fetch long-polls, polling, REST, Socket.IO, STOMP, MQTT and GraphQL traffic', async () => {
  test.setTimeout(90_000);
  server = await startDemoServer({ port: 0 });
  browser = await launchBrowser();
  const session = await openCapture(browser, server.url);
  const { page } = session;

  // Page side first: every loop has gone round at least twice, Socket.IO has upgraded.
  await page.getByRole('button', { name: 'GET /api/profile' }).click();
  await page.getByRole('button', { name: 'POST /api/notes' }).click();
  await expect(page.locator('#rest [data-status]')).toHaveText('201 Created');
  await expect(page.locator('#io [data-status]')).toHaveText('upgraded to websocket', { timeout: 15_000 });
  await expect.poll(() => counters(page, 'ws'), { timeout: 15_000 }).toMatch(/binary [1-9]/);
  await expect.poll(() => counters(page, 'sse'), { timeout: 15_000 }).toMatch(/price [1-9]/);
  await expect.poll(() => counters(page, 'xhr'), { timeout: 15_000 }).toMatch(/cycles ([2-9]|\d\d)/);
  await expect.poll(() => counters(page, 'fetch'), { timeout: 15_000 }).toMatch(/cycles ([2-9]|\d\d)/);
  await expect.poll(() => counters(page, 'poll'), { timeout: 15_000 }).toMatch(/polls ([2-9]|\d\d)/);
  await expect.poll(() => counters(page, 'worker'), { timeout: 15_000 }).toMatch(/beats [1-9]/);
  await expect.poll(() => counters(page, 'stomp'), { timeout: 15_000 }).toMatch(/receipts [1-9]/);
  await expect.poll(() => counters(page, 'stomp'), { timeout: 15_000 }).toMatch(/messages [1-9]/);
  await expect.poll(() => counters(page, 'mqtt'), { timeout: 15_000 }).toMatch(/pubcomp [1-9]/);
  await expect.poll(() => counters(page, 'graphql'), { timeout: 15_000 }).toMatch(/ticks [1-9]/);

  // Then what Wirescope captured, through the panel's own export.
  let t: TimelineExport;
  try {
    t = await session.waitForTimeline((x) => missingTraffic(x).length === 0, 10_000);
  } catch {
    t = await session.exportTimeline(); // the assertions below say what is missing
  }
  await session.panel.close();
  expect(missingTraffic(t), 'traffic missing from the export').toEqual([]);
  expect(byPath(t, 'xhr', '/api/storm'), 'the poll storm is off by default').toHaveLength(0);
  // The worker's heartbeat runs where no page hook reaches: never in the timeline.
  expect(t.connections.filter((c) => path(c) === '/api/worker-heartbeat')).toEqual([]);

  // WebSocket chat: text and binary frames both ways.
  const [chat] = byPath(t, 'websocket', '/chat');
  expect(chat, 'a WebSocket to /chat').toBeDefined();
  const chatEvents = eventsOf(t, (chat as ExportedConnection).id);
  expect(chatEvents.some((e) => e.type === 'open')).toBe(true);
  expect(chatEvents.some((e) => e.type === 'send' && payloadText(e) === 'hello from the demo page')).toBe(
    true,
  );
  expect(chatEvents.some((e) => e.type === 'send' && e.data && 'base64' in e.data && e.size === 8)).toBe(
    true,
  );
  expect(chatEvents.some((e) => e.type === 'receive' && e.data && 'text' in e.data)).toBe(true);
  expect(chatEvents.some((e) => e.type === 'receive' && e.data && 'base64' in e.data && e.size === 12)).toBe(
    true,
  );

  // SSE: default and named events, with ids.
  const [sse] = byPath(t, 'eventsource', '/events');
  expect(sse, 'an EventSource on /events').toBeDefined();
  const sseEvents = eventsOf(t, (sse as ExportedConnection).id).filter((e) => e.type === 'receive');
  expect(sseEvents.some((e) => e.eventName === 'price' && e.lastEventId)).toBe(true);
  expect(sseEvents.some((e) => (e.eventName ?? 'message') === 'message' && e.lastEventId)).toBe(true);

  // XHR long-poll: several sequential cycles, each a GET with a response.
  const inbox = byPath(t, 'xhr', '/api/inbox');
  expect(inbox.length, 'XHR long-poll cycles on /api/inbox').toBeGreaterThanOrEqual(2);
  expect(inbox.every((c) => c.method === 'GET')).toBe(true);
  expect(inbox.some((c) => c.status === 200 || c.status === 204)).toBe(true);

  // fetch long-poll with a cache-buster; short polling; REST calls.
  const updates = byPath(t, 'fetch', '/api/updates');
  expect(updates.length, 'fetch long-poll cycles on /api/updates').toBeGreaterThanOrEqual(2);
  expect(updates.every((c) => new URL(c.url).searchParams.has('_'))).toBe(true);
  expect(byPath(t, 'fetch', '/api/status').length, 'short polls of /api/status').toBeGreaterThanOrEqual(2);
  expect(byPath(t, 'fetch', '/api/profile')[0]?.status).toBe(200);
  const [note] = byPath(t, 'fetch', '/api/notes');
  expect(note?.method).toBe('POST');
  expect(
    eventsOf(t, (note as ExportedConnection).id).some(
      (e) => e.type === 'send' && payloadText(e)?.includes('retro'),
    ),
  ).toBe(true);

  // Socket.IO: polling (XHR) first, then the WebSocket upgrade with probe and a binary attachment.
  const io = t.connections.filter((c) => path(c) === '/socket.io/');
  const polling = io.filter(
    (c) => c.transport === 'xhr' && new URL(c.url).searchParams.get('transport') === 'polling',
  );
  const [ioSocket] = io.filter((c) => c.transport === 'websocket');
  expect(polling.length, 'Socket.IO polling requests').toBeGreaterThan(0);
  expect(ioSocket, 'the Socket.IO WebSocket').toBeDefined();
  expect(new URL((ioSocket as ExportedConnection).url).searchParams.get('transport')).toBe('websocket');
  expect((ioSocket as ExportedConnection).startedAt).toBeGreaterThan(polling[0]?.startedAt ?? Infinity);
  const ioEvents = eventsOf(t, (ioSocket as ExportedConnection).id);
  expect(ioEvents.some((e) => e.type === 'send' && payloadText(e) === '2probe')).toBe(true);
  expect(ioEvents.some((e) => e.type === 'receive' && payloadText(e) === '3probe')).toBe(true);
  expect(ioEvents.some((e) => e.data && 'base64' in e.data)).toBe(true);

  // STOMP, MQTT and GraphQL over their WebSockets, from the real browser clients.
  const sent = (pathname: string) =>
    eventsOf(t, (byPath(t, 'websocket', pathname)[0] as ExportedConnection).id).filter(
      (e) => e.type === 'send',
    );
  expect(sent('/stomp').some((e) => /^SEND\n[^\0]*receipt:order-1\n/.test(payloadText(e) ?? ''))).toBe(true);
  // MQTT is binary: a PUBLISH's first byte is 0x3N (QoS 1: 0x32, QoS 2: 0x34).
  expect(
    sent('/mqtt').some((e) => e.data && 'base64' in e.data && payloadText(e)?.charCodeAt(0) === 0x32),
  ).toBe(true);
  expect(sent('/graphql').some((e) => payloadText(e)?.includes('"subscribe"'))).toBe(true);
});

test('the opt-in poll storm multiplies overlapping polls, then stops by itself after 10 s', async () => {
  test.setTimeout(60_000);
  server = await startDemoServer({ port: 0 });
  browser = await launchBrowser();
  const session = await openCapture(browser, `${server.url}?storm=1`);
  const { page } = session;
  const started = async () => Number(/started (\d+)/.exec(await counters(page, 'storm'))?.[1] ?? 0);

  // Captured: the storm's XHRs to /api/storm overlap (more than one in flight at once).
  const t = await session.waitForTimeline((x) => byPath(x, 'xhr', '/api/storm').length >= 6, 15_000);
  const storm = byPath(t, 'xhr', '/api/storm');
  const inFlightAt = (time: number) =>
    storm.filter((c) => c.startedAt <= time && time < (c.endedAt ?? Number.POSITIVE_INFINITY)).length;
  expect(Math.max(...storm.map((c) => inFlightAt(c.startedAt)))).toBeGreaterThan(1);
  await session.panel.close();

  // Self-limiting: after 10 s no new poll starts.
  await expect(page.locator('#storm [data-status]')).toHaveText(/^stopped/, { timeout: 15_000 });
  const afterStop = await started();
  expect(afterStop).toBeGreaterThanOrEqual(6);
  // A quiet spell is the point: no poll starts in it (the snippet polls 1 s after each readystatechange).
  await page.waitForTimeout(2500);
  expect(await started()).toBe(afterStop);
});
