// Decoded protocols end to end: one test page runs the real browser clients
// (socket.io-client, graphql-ws, @stomp/stompjs, mqtt.js) against loopback
// servers (scripts/demo/protocol-servers.ts and socket.io), and the popped-out
// panel (in Chromium and in Firefox) must label each connection with its protocol, show decoded one-line
// summaries in the Data column, and pair each request with its answer in the
// Decoded tab. The export must name each connection's detected protocol.
// The Decoded tab on a Socket.IO ack's request is screenshotted (1280x800) to
// test-results/decoders/<browser>/decoded.png, and with WIRESCOPE_DOCS_SHOTS=1 to
// docs/decoded-message.png (from Chromium).

import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Server as SocketIoServer } from 'socket.io';
import { createProtocolServers, type ProtocolServers } from '../../scripts/demo/protocol-servers';
import type { TimelineExport } from './support/capture';
import type { EngineBrowser, PanelView } from './support/engine';
import { launchEngine } from './support/engines';
import { expect, test } from './support/test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SHOTS_DIR = resolve(ROOT, 'test-results', 'decoders');
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

const EVENTS_DATA = '[data-testid="events"] tbody tr td.c-data';

/** What the sidebar entry whose text contains `path` shows: its pressed state and the text of `inner` in it. */
const entry = (panel: PanelView, path: string, inner: string) =>
  panel.evaluate(
    ({ path, inner }) => {
      const el = [...document.querySelectorAll('nav[aria-label="Connections"] .conn-entry')].find((e) =>
        e.textContent?.includes(path),
      );
      return {
        pressed: el?.getAttribute('aria-pressed') ?? null,
        text: el?.querySelector(inner)?.textContent ?? null,
      };
    },
    { path, inner },
  );

const clickEntry = (panel: PanelView, path: string) =>
  panel.click('nav[aria-label="Connections"] .conn-entry', path);

/** The Data column of the rows the list draws now. */
const shownData = (panel: PanelView) => panel.texts(EVENTS_DATA);

const anyMatches = async (panel: PanelView, re: RegExp) => (await shownData(panel)).some((t) => re.test(t));

/** Selects the first drawn row whose Data cell matches `re` (rows select on mousedown, as in DevTools). */
async function selectRow(panel: PanelView, re: RegExp): Promise<void> {
  const index = (await shownData(panel)).findIndex((t) => re.test(t));
  if (index < 0) throw new Error(`no row whose data matches ${re}`);
  await panel.evaluate(
    ({ selector, index }) => {
      document
        .querySelectorAll(selector)
        [index]?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true, button: 0 }));
    },
    { selector: EVENTS_DATA, index },
  );
}

/** Selects a connection in the sidebar, then the request's row; the Decoded tab shows its answer's latency. */
async function openRequest(panel: PanelView, c: ProtocolCase): Promise<void> {
  if ((await entry(panel, c.path, '.badge.proto')).pressed !== 'true') await clickEntry(panel, c.path);
  await expect.poll(() => anyMatches(panel, c.request), `${c.name} request drawn`).toBe(true);
  await selectRow(panel, c.request);
  await panel.clickButton('Decoded');
  await expect.poll(() => panel.text('[data-testid="pair"]')).toMatch(new RegExp(`^Answered in ${DURATION}`));
  // Above the detail: what the connection is decoded as, and its calls' latency.
  await expect.poll(() => panel.text('[data-testid="decoding"]')).toContain(`${c.label}, detected`);
  await expect
    .poll(() => panel.text('[data-testid="latency"]'))
    .toMatch(new RegExp(`^Calls: \\d+ answered · median ${DURATION} · p95 ${DURATION}`));
  await expect
    .poll(async () => (await entry(panel, c.path, '.latency')).text)
    .toMatch(/^calls: \d+ answered/);
}

/** How the panel writes a duration: "42 ms", or "1.02 s" from a second. */
const DURATION = '(\\d+ ms|\\d+\\.\\d\\d s)';

let pageServer: PageServer;
let browser: EngineBrowser;

test.beforeAll(async ({ engine }) => {
  pageServer = await startPageServer();
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await pageServer?.close();
});

test('Socket.IO, graphql-ws, STOMP and MQTT are labelled, decoded and paired in the panel', async () => {
  test.setTimeout(90_000);
  const session = await browser.openCapture(pageServer.url);
  const { page, panel } = session;
  const shots = resolve(SHOTS_DIR, browser.engine);
  await mkdir(shots, { recursive: true });
  await panel.setViewport(1280, 800);

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
    await expect.poll(async () => (await entry(panel, c.path, '.badge.proto')).text, c.name).toBe(c.label);
    await expect.poll(() => anyMatches(panel, c.request), `${c.name} request`).toBe(true);
    await expect.poll(() => anyMatches(panel, c.answer), `${c.name} answer`).toBe(true);
  }

  // Each request is answered in a number of milliseconds, and its answer is one click away.
  for (const c of CASES) {
    await test.step(c.name, async () => {
      await openRequest(panel, c);
      if (c.name === 'Socket.IO') {
        await panel.clickButton('Expand data');
        await panel.screenshot(resolve(shots, 'decoded.png'));
        if (DOCS_SHOTS && browser.engine === 'chromium') await panel.screenshot(DOCS_SHOT);
      }
      await panel.clickButton('Go to the answer');
      await expect
        .poll(() => panel.text('[data-testid="events"] tbody tr[aria-current="true"] td.c-data'))
        .toMatch(c.answer);
      await expect
        .poll(() => panel.text('[data-testid="pair"]'))
        .toMatch(new RegExp(`^Answers the request sent ${DURATION} earlier`));
    });
  }

  // The filter reads decoded fields: an MQTT topic filter, a protocol.
  await clickEntry(panel, '/mqtt');
  await expect.poll(async () => (await entry(panel, '/mqtt', '.badge.proto')).pressed).toBe('false');
  const filter = 'input[aria-label="Filter events"]';
  // Rows left by the filter: some, and all of them as `re` reads.
  const onlyRowsLike = async (re: RegExp) => {
    const shown = await shownData(panel);
    return shown.length > 0 && shown.every((t) => re.test(t));
  };
  await panel.fill(filter, 'topic:sensors/#');
  await expect.poll(() => onlyRowsLike(/^PUBLISH sensors\/desk /)).toBe(true);
  await panel.fill(filter, 'proto:stomp type:send');
  await expect.poll(() => onlyRowsLike(/^(CONNECT|SUBSCRIBE|SEND|DISCONNECT)\b/)).toBe(true);
  await panel.fill(filter, '');

  // Docked: the decoding line wraps to the detail's width, Decode as… and the calls line stay readable.
  await openRequest(panel, CASES[0] as ProtocolCase);
  for (const size of [
    { width: 480, height: 260 },
    { width: 400, height: 300 },
    { width: 500, height: 350 },
  ]) {
    const name = `${size.width}x${size.height}`;
    await panel.setViewport(size.width, size.height);
    const layout = () =>
      panel.evaluate(() => {
        const bar = document.querySelector('[data-testid="decoding"]');
        if (!bar) return null;
        bar.scrollIntoView({ block: 'nearest' });
        const select = bar.querySelector('select[aria-label="Decode as"]');
        const box = select?.getBoundingClientRect();
        const detail = bar.closest('.detail-body') ?? bar.parentElement;
        return {
          decodeAsShown: Boolean(box && box.width > 0 && box.height > 0),
          overflow: detail ? bar.getBoundingClientRect().right - detail.getBoundingClientRect().right : 0,
        };
      });
    await expect.poll(async () => (await layout())?.decodeAsShown, `Decode as shown at ${name}`).toBe(true);
    expect((await layout())?.overflow, `decoding line past the detail at ${name}`).toBeLessThanOrEqual(1);
    await panel.screenshot(resolve(shots, `docked-${name}.png`));
  }
  await panel.setViewport(1280, 800);

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
