// Decoded protocols end to end: one test page runs the real browser clients
// (socket.io-client, graphql-ws, @stomp/stompjs, mqtt.js) against loopback
// servers (scripts/demo/protocol-servers.ts and socket.io), and the popped-out
// panel must label each connection with its protocol, show decoded one-line
// summaries in the Data column, and pair each request with its answer in the
// Decoded tab. The export must name each connection's detected protocol.
// The Decoded tab on a Socket.IO ack's request is screenshotted (1280x800) to
// test-results/decoders/decoded.png, and with WIRESCOPE_DOCS_SHOTS=1 to
// docs/decoded-message.png.

import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Server as SocketIoServer } from 'socket.io';
import { createProtocolServers, type ProtocolServers } from '../../scripts/demo/protocol-servers';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import { type CaptureSession, openCapture, type TimelineExport } from './support/capture';
import { expect, type Page, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SHOT = resolve(ROOT, 'test-results', 'decoders', 'decoded.png');
const DOCS_SHOT = resolve(ROOT, 'docs', 'decoded-message.png');
// Either spelling writes the docs' copy too.
const DOCS_SHOTS = Boolean(process.env.WIRESCOPE_DOCS_SHOTS || process.env.WIRESCOPE_DOCS_SHOT);

// Each client does one request-and-answer exchange and records the answer in window.done.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Decoded protocols</title></head>
<body><h1>Decoded protocols</h1>
<script src="/socket.io/socket.io.js"></script>
<script src="/vendor/graphql-ws.min.js"></script>
<script src="/vendor/stomp.umd.min.js"></script>
<script src="/vendor/mqtt.min.js"></script>
<script>
  window.done = {};
  const wsOrigin = 'ws://' + location.host;

  // Socket.IO straight on its WebSocket, an event with an acknowledgement.
  const socket = io({ transports: ['websocket'] });
  socket.on('connect', () => {
    socket.emit('greet', { name: 'Ada' }, (reply) => { done.socketIo = reply; });
  });

  // graphql-ws: a subscription of three ticks, then a query.
  const gql = graphqlWs.createClient({ url: wsOrigin + '/graphql', retryAttempts: 0, lazy: false });
  const fail = (name) => (err) => { done[name + 'Error'] = String(err && err.message || err); };
  gql.subscribe({ query: 'subscription Ticks { ticks(everyMs: 30, count: 3) }' }, {
    next: (result) => { done.ticks = (done.ticks || 0) + 1; },
    error: fail('graphql'),
    complete: () => {
      gql.subscribe({ query: 'query Hello { hello(name: "Ada") }' }, {
        next: (result) => { done.graphql = result.data.hello; },
        error: fail('graphql'),
        complete: () => {},
      });
    },
  });

  // STOMP: subscribe, then SEND with a receipt.
  const stomp = new StompJs.Client({
    brokerURL: wsOrigin + '/stomp', reconnectDelay: 0, heartbeatIncoming: 0, heartbeatOutgoing: 0,
  });
  stomp.onConnect = () => {
    stomp.subscribe('/topic/greetings', (message) => { done.stompMessage = message.body; });
    stomp.watchForReceipt('receipt-1', () => { done.stomp = true; });
    stomp.publish({ destination: '/topic/greetings', body: 'hello from STOMP', headers: { receipt: 'receipt-1' } });
  };
  stomp.activate();

  // MQTT: a QoS 1 publish, answered by PUBACK.
  const mq = mqtt.connect(wsOrigin + '/mqtt', { clientId: 'wirescope-e2e', reconnectPeriod: 0 });
  mq.on('connect', () => {
    mq.publish('sensors/desk', '{"celsius":21.5}', { qos: 1 }, (err) => { done.mqtt = err ? String(err) : true; });
  });
</script></body></html>`;

interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** The test page, the client bundles, socket.io and the protocol servers on one loopback origin. */
async function startPageServer(): Promise<PageServer> {
  const protocols: ProtocolServers = await createProtocolServers();
  const server: Server = createServer(async (req, res) => {
    if (await protocols.handleRequest(req, res)) return;
    const path = new URL(req.url ?? '/', 'http://page.invalid').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE);
    } else if (!path.startsWith('/socket.io/')) res.writeHead(404).end('not found');
  });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://page.invalid').pathname;
    if (!protocols.handleUpgrade(req, socket, head) && !path.startsWith('/socket.io/')) socket.destroy();
  });
  const io = new SocketIoServer(server, { serveClient: true, destroyUpgrade: false });
  io.on('connection', (socket) => {
    socket.on('greet', (who: { name?: string }, ack?: (reply: unknown) => void) => {
      if (typeof ack === 'function') ack({ hello: who.name ?? 'stranger' });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await protocols.close();
      const closed = new Promise<void>((done) => server.once('close', () => done()));
      io.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** One protocol's expectations: its sidebar label, the request row and the answer row as the Data column reads them. */
interface ProtocolCase {
  name: string;
  label: string;
  /** The export's detected protocol id. */
  protocolId: string;
  /** The negotiated WebSocket subprotocol, as exported beside it. */
  subprotocol: string | null;
  /** The WebSocket's path, to find its sidebar entry. */
  path: string;
  request: RegExp;
  answer: RegExp;
}

const CASES: ProtocolCase[] = [
  {
    name: 'Socket.IO',
    label: 'Socket.IO',
    protocolId: 'socket.io',
    subprotocol: null,
    path: '/socket.io/',
    request: /^EVENT greet #\d+ \{"name":"Ada"\}/,
    answer: /^ACK #\d+ \{"hello":"Ada"\}/,
  },
  {
    name: 'graphql-ws',
    label: 'GraphQL (graphql-ws)',
    protocolId: 'graphql-transport-ws',
    subprotocol: 'graphql-transport-ws',
    path: '/graphql',
    request: /^subscribe \S+ query Hello$/,
    // A query's answer is its first result (the operation's complete follows).
    answer: /^next \S+ Hello \{"data":\{"hello":"Hello Ada"\}\}$/,
  },
  {
    name: 'STOMP',
    label: 'STOMP',
    protocolId: 'stomp',
    subprotocol: 'v12.stomp',
    path: '/stomp',
    request: /^SEND \/topic\/greetings receipt:receipt-1 "hello from STOMP"/,
    answer: /^RECEIPT receipt-1$/,
  },
  {
    name: 'MQTT',
    label: 'MQTT',
    protocolId: 'mqtt',
    subprotocol: 'mqtt',
    path: '/mqtt',
    request: /^PUBLISH sensors\/desk qos1 #\d+ \{"celsius":21.5\}/,
    answer: /^PUBACK #\d+/,
  },
];

function sidebarEntry(panel: Page, path: string) {
  return panel.locator('nav[aria-label="Connections"] .conn-entry', { hasText: path });
}

function dataCell(panel: Page, text: RegExp) {
  return panel.locator('[data-testid="events"] tbody tr td.c-data', { hasText: text });
}

/** Selects a connection in the sidebar, then the request's row; the Decoded tab shows its answer's latency. */
async function openRequest(panel: Page, c: ProtocolCase): Promise<void> {
  const entry = sidebarEntry(panel, c.path);
  if ((await entry.getAttribute('aria-pressed')) !== 'true') await entry.click();
  await dataCell(panel, c.request).first().dispatchEvent('mousedown');
  await panel.getByRole('tab', { name: 'Decoded' }).click();
  await expect(panel.getByTestId('pair')).toHaveText(new RegExp(`^Answered in ${DURATION}`));
  // Above the detail: what the connection is decoded as, and its calls' latency.
  await expect(panel.getByTestId('decoding')).toContainText(`${c.label}, detected`);
  await expect(panel.getByTestId('latency')).toHaveText(
    new RegExp(`^Calls: \\d+ answered · median ${DURATION} · p95 ${DURATION}`),
  );
  await expect(sidebarEntry(panel, c.path).locator('.latency')).toHaveText(/^calls: \d+ answered/);
}

/** How the panel writes a duration: "42 ms", or "1.02 s" from a second. */
const DURATION = '(\\d+ ms|\\d+\\.\\d\\d s)';

let pageServer: PageServer | null = null;
let browser: LaunchedBrowser | null = null;

test.afterAll(async () => {
  await browser?.close();
  await pageServer?.close();
});

test('Socket.IO, graphql-ws, STOMP and MQTT are labelled, decoded and paired in the panel', async () => {
  test.setTimeout(90_000);
  pageServer = await startPageServer();
  browser = await launchBrowser();
  const session: CaptureSession = await openCapture(browser, pageServer.url);
  const { page, panel } = session;
  await panel.setViewportSize({ width: 1280, height: 800 });

  // Page side: every client got its answer from the real server.
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { done: Record<string, unknown> }).done), {
      timeout: 20_000,
    })
    .toEqual({
      socketIo: { hello: 'Ada' },
      ticks: 3,
      graphql: 'Hello Ada',
      stompMessage: 'hello from STOMP',
      stomp: true,
      mqtt: true,
    });

  // The sidebar names each connection's protocol; the Data column reads decoded messages.
  for (const c of CASES) {
    await expect(sidebarEntry(panel, c.path).locator('.badge.proto'), c.name).toHaveText(c.label);
    await expect(dataCell(panel, c.request).first(), `${c.name} request`).toBeVisible();
    await expect(dataCell(panel, c.answer).first(), `${c.name} answer`).toBeVisible();
  }

  // Each request is answered in a number of milliseconds, and its answer is one click away.
  for (const c of CASES) {
    await test.step(c.name, async () => {
      await openRequest(panel, c);
      if (c.name === 'Socket.IO') {
        await panel.getByRole('button', { name: 'Expand data' }).click();
        await panel.mouse.move(1, 795);
        await mkdir(resolve(SHOT, '..'), { recursive: true });
        await panel.screenshot({ path: SHOT });
        if (DOCS_SHOTS) await panel.screenshot({ path: DOCS_SHOT });
      }
      await panel.getByRole('button', { name: 'Go to the answer' }).click();
      await expect(
        panel.locator('[data-testid="events"] tbody tr[aria-current="true"] td.c-data'),
      ).toHaveText(c.answer);
      await expect(panel.getByTestId('pair')).toHaveText(
        new RegExp(`^Answers the request sent ${DURATION} earlier`),
      );
    });
  }

  // The filter reads decoded fields: an MQTT topic filter, a protocol.
  await sidebarEntry(panel, '/mqtt').click();
  await expect(sidebarEntry(panel, '/mqtt')).toHaveAttribute('aria-pressed', 'false');
  const filter = panel.getByRole('searchbox', { name: 'Filter events' });
  const shownData = () => panel.locator('[data-testid="events"] tbody tr td.c-data').allTextContents();
  await filter.fill('topic:sensors/#');
  await expect.poll(async () => (await shownData()).length).toBeGreaterThan(0);
  for (const text of await shownData()) expect(text).toMatch(/^PUBLISH sensors\/desk /);
  await filter.fill('proto:stomp type:send');
  await expect.poll(async () => (await shownData()).length).toBeGreaterThan(0);
  for (const text of await shownData()) expect(text).toMatch(/^(CONNECT|SUBSCRIBE|SEND|DISCONNECT)\b/);
  await filter.fill('');

  // Docked: the decoding line wraps to the detail's width, Decode as… and the calls line stay readable.
  await openRequest(panel, CASES[0] as ProtocolCase);
  for (const size of [
    { width: 480, height: 260 },
    { width: 400, height: 300 },
    { width: 500, height: 350 },
  ]) {
    const name = `${size.width}x${size.height}`;
    await panel.setViewportSize(size);
    const bar = panel.getByTestId('decoding');
    await bar.scrollIntoViewIfNeeded();
    await expect(bar.getByRole('combobox', { name: 'Decode as' }), name).toBeVisible();
    const overflow = await bar.evaluate((el) => {
      const detail = el.closest('.detail-body') ?? el.parentElement;
      return detail ? el.getBoundingClientRect().right - detail.getBoundingClientRect().right : 0;
    });
    expect(overflow, `decoding line past the detail at ${name}`).toBeLessThanOrEqual(1);
    await panel.screenshot({ path: resolve(SHOT, '..', `docked-${name}.png`) });
  }
  await panel.setViewportSize({ width: 1280, height: 800 });

  // The export names each WebSocket's detected protocol, its negotiated subprotocol and its calls' latency.
  const exported: TimelineExport = await session.exportTimeline();
  for (const c of CASES) {
    const socket = exported.connections.find(
      (x) => x.transport === 'websocket' && new URL(x.url).pathname === c.path,
    );
    expect(socket?.protocol, `${c.name}'s protocol in the export`).toBe(c.protocolId);
    expect(socket?.subprotocol, `${c.name}'s subprotocol in the export`).toBe(c.subprotocol);
    expect(socket?.latency?.answered, `${c.name}'s answered calls`).toBeGreaterThanOrEqual(1);
    expect(socket?.latency?.unanswered, `${c.name}'s unanswered calls`).toBe(0);
    expect(socket?.latency?.medianMs, `${c.name}'s median latency`).toEqual(expect.any(Number));
  }
});
