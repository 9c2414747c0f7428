// XMLHttpRequest capture, end to end: a test page makes real requests to a
// loopback server through the built extension; the timeline is read back
// through the panel's "Export timeline".

import { createServer } from 'node:net';
import { expect, test } from '@playwright/test';
import { type LaunchedBrowser, launchBrowser } from './support/browser';
import {
  captureTimeline,
  connectionsOf,
  type ExportedConnection,
  type ExportedEvent,
  eventsOf,
  payloadText,
  type TimelineExport,
} from './support/capture';
import { startServer, type TestServer } from './support/server';

let server: TestServer;
let browser: LaunchedBrowser;
/** A loopback port with nothing listening: connections are refused. */
let closedPort: number;

const BINARY = Buffer.from([0, 1, 2, 250, 255, 128, 10, 13]);
const XML = '<root><item id="1">one</item></root>';

async function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function readBody(req: import('node:http').IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
  });
}

test.beforeAll(async () => {
  server = await startServer();
  closedPort = await unusedPort();
  browser = await launchBrowser();
  server.route('/text', (_req, res) => {
    res.writeHead(200, 'Fine', { 'content-type': 'text/plain; charset=utf-8', 'x-test': 'yes' });
    res.end('hello text é');
  });
  server.route('/json', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"a":1,"b":[true,null,"x"]}');
  });
  server.route('/bin', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(BINARY);
  });
  server.route('/xml', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(XML);
  });
  server.route('/echo', async (req, res) => {
    const body = await readBody(req);
    res.writeHead(201, 'Created', {
      'content-type': 'application/json',
      'x-seen-type': req.headers['content-type'] ?? '',
      'x-seen-custom': String(req.headers['x-custom'] ?? ''),
    });
    res.end(JSON.stringify({ method: req.method, length: body.length, base64: body.toString('base64') }));
  });
  server.route('/slow', (_req, res) => {
    const timer = setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('late');
    }, 3000);
    res.on('close', () => clearTimeout(timer));
  });
  server.route('/missing', (_req, res) => {
    res.writeHead(404, 'Not Found', { 'content-type': 'text/plain' });
    res.end('nope');
  });
});

test.afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A page whose script runs `body` (with an `xhr(opts)` promise helper) and sets window.done. */
function xhrPage(body: string): string {
  return `<!doctype html><title>xhr</title><script>
    window.results = [];
    function xhr({ method = 'GET', url, type, send, headers, timeout, abortAfter }) {
      return new Promise((resolve) => {
        const x = new XMLHttpRequest();
        x.open(method, url);
        if (type !== undefined) x.responseType = type;
        if (timeout) x.timeout = timeout;
        for (const [k, v] of headers || []) x.setRequestHeader(k, v);
        x.onloadend = () => resolve(x);
        x.send(send);
        if (abortAfter !== undefined) setTimeout(() => x.abort(), abortAfter);
      });
    }
    (async () => { ${body}; window.done = true; })().catch((e) => { window.failed = String(e); });
  </script>`;
}

function byUrl(t: TimelineExport, path: string): ExportedConnection[] {
  return connectionsOf(t, 'xhr').filter((c) => new URL(c.url).pathname === path);
}

function testPage() {
  const page = browser.context.pages()[0];
  if (!page) throw new Error('no test page');
  return page;
}

function kinds(events: ExportedEvent[]): string[] {
  return events.map((e) => e.type);
}

async function run(path: string, script: string, connections: number): Promise<TimelineExport> {
  server.page(path, xhrPage(script));
  return captureTimeline(browser, `${server.origin}${path}`, {
    pageDone: 'window.done === true || window.failed !== undefined',
    until: (t) =>
      connectionsOf(t, 'xhr').length >= connections &&
      connectionsOf(t, 'xhr').every((c) =>
        t.events.some((e) => e.connectionId === c.id && (e.type === 'close' || e.type === 'error')),
      ),
  });
}

test('GET with every responseType: status, headers, timings and the body the page got', async () => {
  const t = await run(
    '/types.html',
    `
    const got = {};
    got.empty = (await xhr({ url: '/text' })).responseText;
    got.text = (await xhr({ url: '/text', type: 'text' })).response;
    got.json = (await xhr({ url: '/json', type: 'json' })).response;
    const ab = (await xhr({ url: '/bin', type: 'arraybuffer' })).response;
    got.arraybuffer = [...new Uint8Array(ab)];
    const blob = (await xhr({ url: '/bin', type: 'blob' })).response;
    got.blob = [...new Uint8Array(await blob.arrayBuffer())];
    got.document = (await xhr({ url: '/xml', type: 'document' })).response.querySelector('item').textContent;
    window.got = got;
  `,
    6,
  );
  const conns = connectionsOf(t, 'xhr');
  expect(conns).toHaveLength(6);
  for (const c of conns) {
    expect(c.method).toBe('GET');
    expect(c.async).toBe(true);
    expect(c.withCredentials).toBe(false);
    expect(c.url.startsWith(`${server.origin}/`)).toBe(true);
    expect(c.status).toBe(200);
    expect(c.endedAt).not.toBeNull();
    const evs = eventsOf(t, c.id);
    // GET: no body sent, so open, receive, close.
    expect(kinds(evs)).toEqual(['open', 'receive', 'close']);
    const [open, receive, close] = evs as [ExportedEvent, ExportedEvent, ExportedEvent];
    expect(open.time).toBe(c.startedAt);
    expect(receive.status).toBe(200);
    expect(receive.headersAt).toBeGreaterThanOrEqual(open.time);
    expect(receive.time).toBeGreaterThanOrEqual(receive.headersAt as number);
    expect(close.status).toBe(200);
  }
  const [emptyType, textType] = byUrl(t, '/text') as [ExportedConnection, ExportedConnection];
  for (const c of [emptyType, textType]) {
    const receive = eventsOf(t, c.id)[1] as ExportedEvent;
    expect(payloadText(receive)).toBe('hello text é');
    expect(receive.size).toBe(Buffer.byteLength('hello text é'));
    expect(receive.truncated).toBe(false);
    expect(receive.bodyKind).toBe('text');
    expect(receive.statusText).toBe('Fine');
    expect(receive.responseHeaders).toContainEqual(['x-test', 'yes']);
    expect(receive.responseHeaders).toContainEqual(['content-type', 'text/plain; charset=utf-8']);
  }
  const json = eventsOf(t, (byUrl(t, '/json')[0] as ExportedConnection).id)[1] as ExportedEvent;
  expect(json.bodyKind).toBe('json');
  expect(JSON.parse(payloadText(json) as string)).toEqual({ a: 1, b: [true, null, 'x'] });
  const [abConn, blobConn] = byUrl(t, '/bin') as [ExportedConnection, ExportedConnection];
  for (const [c, kind] of [
    [abConn, 'arraybuffer'],
    [blobConn, 'blob'],
  ] as const) {
    const receive = eventsOf(t, c.id)[1] as ExportedEvent;
    expect(receive.bodyKind).toBe(kind);
    expect(receive.data).toEqual({ base64: BINARY.toString('base64') });
    expect(receive.size).toBe(BINARY.length);
  }
  for (const c of byUrl(t, '/xml')) {
    const receive = eventsOf(t, c.id)[1] as ExportedEvent;
    expect(receive.bodyKind).toBe('document');
    expect(payloadText(receive)).toContain('<item id="1">one</item>');
  }
  // What the page itself received is untouched by the capture.
  expect(await testPage().evaluate(() => (window as unknown as { got: unknown }).got)).toEqual({
    empty: 'hello text é',
    text: 'hello text é',
    json: { a: 1, b: [true, null, 'x'] },
    arraybuffer: [...BINARY],
    blob: [...BINARY],
    document: 'one',
  });
});
