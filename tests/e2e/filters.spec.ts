// The panel's filter language (lib/filter, README's "Filter language") on
// live traffic: one page makes each kind (a WebSocket closed by the page, an
// EventSource with a named event, fetch and XHR exchanges with different
// statuses, sizes, methods and content types, a JSON-RPC socket with a slow
// call and one never answered), and each key is checked by which of the
// page's marked rows remain. Then the empty state's "Clear all filters" and
// the toolbar's Clear.

import type { EngineBrowser, PanelView } from './support/engine';
import { launchEngine } from './support/engines';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: EngineBrowser;

/** How long the server takes to answer the slow JSON-RPC call: the `latency>` filter's threshold lies below it. */
const SLOW_ANSWER_MS = 1200;

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  server.socket('/chat', (ws) => ws.on('message', () => ws.send('pong')));
  server.socket('/rpc', (ws) =>
    ws.on('message', (data) => {
      const call = JSON.parse(String(data)) as { id: number; method: string };
      // neverAnswered stays a request without an answer.
      if (call.method === 'slowSum')
        setTimeout(
          () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: 'sum-is-3' })),
          SLOW_ANSWER_MS,
        );
    }),
  );
  server.route('/feed', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write('data: sse-plain\n\n');
    res.write('event: tick\ndata: sse-tick\n\n');
  });
  server.route('/api/items', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[1]}');
  });
  server.route('/api/missing', (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing');
  });
  server.route('/api/big', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pad: 'z'.repeat(4096) }));
  });
  server.page(
    '/traffic.html',
    `<!doctype html><title>traffic</title><script>
      window.done = {};
      const chat = new WebSocket('ws://' + location.host + '/chat');
      chat.onopen = () => chat.send('ping');
      chat.onmessage = () => chat.close(4000, 'bye');
      chat.onclose = () => { done.chat = true; };

      const feed = new EventSource('/feed');
      feed.addEventListener('tick', () => { done.feed = true; });

      window.rpc = new WebSocket('ws://' + location.host + '/rpc');
      rpc.onopen = () => {
        rpc.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'slowSum', params: ['slow-args'] }));
        rpc.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'neverAnswered', params: ['lonely-args'] }));
      };
      rpc.onmessage = () => { done.rpc = true; };

      fetch('/api/items').then((r) => r.text()).then(() => { done.items = true; });
      fetch('/api/missing', { method: 'POST', body: 'x' }).then((r) => r.text()).then(() => { done.missing = true; });
      const xhr = new XMLHttpRequest();
      xhr.open('GET', '/api/big');
      xhr.onload = () => { done.big = true; };
      xhr.send();
    </script>`,
  );
  browser = await launchEngine(engine);
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * One mark per row the page makes, each found in that row's text only (an
 * answer's row names its call's method, so the calls are marked by their
 * arguments).
 */
const MARKS = [
  'ping',
  'pong',
  'bye',
  'sse-plain',
  'sse-tick',
  '/api/items',
  '/api/missing',
  '/api/big',
  'slow-args',
  'lonely-args',
  'sum-is-3',
  'late-args',
] as const;
type Mark = (typeof MARKS)[number];

const FILTER = 'input[aria-label="Filter events"]';
const ROWS = '[data-testid="events"] tbody tr';

/** Which marks the rows the list shows now carry. */
async function marksShown(panel: PanelView): Promise<Mark[]> {
  const rows = await panel.texts(ROWS);
  return MARKS.filter((mark) => rows.some((row) => row.includes(mark)));
}

/** Which empty state the list shows (null: none). */
const emptyKind = (panel: PanelView) =>
  panel.evaluate(() => document.querySelector('[data-testid="empty"]')?.getAttribute('data-kind') ?? null);

/** Everything but the call sent after the list is cleared. */
const BEFORE_CLEAR = MARKS.filter((m) => m !== 'late-args');
const HTTP: Mark[] = ['/api/items', '/api/missing', '/api/big'];
const SSE: Mark[] = ['sse-plain', 'sse-tick'];
const RPC: Mark[] = ['slow-args', 'lonely-args', 'sum-is-3'];
const CHAT: Mark[] = ['ping', 'pong', 'bye'];

/** Each documented key, with the marked rows it leaves. */
const CASES: Array<[query: string, remaining: Mark[]]> = [
  ['pong', ['pong']],
  ['"sse-tick"', ['sse-tick']],
  ['/sse-(plain|tick)/', SSE],
  ['transport:sse', SSE],
  ['transport:fetch', ['/api/items', '/api/missing']],
  ['transport:xhr', ['/api/big']],
  ['transport:ws', [...CHAT, ...RPC]],
  ['transport:ws dir:out', ['ping', 'slow-args', 'lonely-args']],
  ['transport:ws,sse dir:in', ['pong', 'sse-plain', 'sse-tick', 'sum-is-3']],
  // An exchange ends with a close record too, so its row stays beside the socket's close.
  ['type:close', ['bye', ...HTTP]],
  ['type:close transport:ws', ['bye']],
  ['-transport:ws', [...SSE, ...HTTP]],
  ['-transport:ws -transport:sse', HTTP],
  // The connections' numbers follow the page's order: chat, feed, rpc, then the HTTP exchanges.
  ['conn:1', CHAT],
  ['conn:#3', RPC],
  ['conn:rpc', RPC],
  ['-conn:1 transport:ws', RPC],
  ['url:/api/', HTTP],
  ['domain:127.0.0.1 transport:sse', SSE],
  ['domain:*.example.com', []],
  ['event:tick', ['sse-tick']],
  ['status:404', ['/api/missing']],
  ['status:2xx url:/api/', ['/api/items', '/api/big']],
  ['size>1k', ['/api/big']],
  ['larger-than:1k', ['/api/big']],
  ['status-code:404', ['/api/missing']],
  ['method:POST', ['/api/missing']],
  ['mime-type:text/plain', ['/api/missing']],
  // Ended: the closed socket and every finished exchange.
  ['is:running', [...SSE, ...RPC]],
  ['proto:json-rpc', RPC],
  ['op:slowSum', ['slow-args', 'sum-is-3']],
  // The slow call and its answer: the server waits SLOW_ANSWER_MS before answering.
  ['latency>1s', ['slow-args', 'sum-is-3']],
  ['unanswered', ['lonely-args']],
];

test('each filter key leaves the rows it names; the empty state clears the filters; Clear empties the list', async () => {
  const { page, panel } = await browser.openCapture(`${server.origin}/traffic.html`);
  await expect
    .poll(() => page.evaluate(() => Object.keys((window as unknown as { done: object }).done).sort()), {
      timeout: 15_000,
    })
    .toEqual(['big', 'chat', 'feed', 'items', 'missing', 'rpc']);
  await expect.poll(() => marksShown(panel)).toEqual(BEFORE_CLEAR);

  for (const [query, remaining] of CASES) {
    await panel.fill(FILTER, query);
    await expect.poll(() => marksShown(panel), query).toEqual(remaining);
    expect(await panel.text('#filter-error'), `${query} parses`).toBe('');
  }

  // Nothing left: the empty state says why and offers to clear every filter.
  await panel.fill(FILTER, 'nothing-on-the-page-says-this');
  await expect
    .poll(() =>
      panel.evaluate(
        () => document.querySelector('[data-testid="empty"]')?.getAttribute('data-kind') ?? null,
      ),
    )
    .toBe('no-match');
  await panel.clickButton('Clear all filters');
  await expect
    .poll(() => panel.evaluate((s) => (document.querySelector(s) as HTMLInputElement | null)?.value, FILTER))
    .toBe('');
  await expect.poll(() => marksShown(panel)).toEqual(BEFORE_CLEAR);

  // Clear empties the list. Like DevTools, it forgets the connections it showed, later messages
  // on them included: what a connection opened after it carries shows alone.
  await panel.clickButton('Clear');
  await expect.poll(() => panel.texts(ROWS)).toEqual([]);
  expect(await emptyKind(panel)).toBe('no-traffic');
  await page.evaluate(() => {
    const { rpc } = window as unknown as { rpc: WebSocket };
    rpc.send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'neverAnswered', params: ['forgotten-args'] }));
    const late = new WebSocket(`ws://${location.host}/rpc`);
    late.onopen = () =>
      late.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'neverAnswered', params: ['late-args'] }));
  });
  await expect.poll(() => marksShown(panel)).toEqual(['late-args']);
  const rows = await panel.texts(ROWS);
  expect(rows.some((row) => row.includes('forgotten-args'))).toBe(false);
});
