// XMLHttpRequest capture, end to end: a test page makes real requests to a
// loopback server through the built extension; the timeline is read back
// through the panel's "Export timeline".

import { freePort } from './support/browser';
import {
  connectionsOf,
  type ExportedConnection,
  type ExportedEvent,
  eventsOf,
  payloadText,
  type TimelineExport,
} from './support/capture';
import type { EngineBrowser } from './support/engine';
import { captureTimeline, launchEngine, launchWithoutExtension } from './support/engines';
import { readBody, startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let browser: EngineBrowser;
/** A loopback port with nothing listening: connections are refused. */
let closedPort: number;

const BINARY = Buffer.from([0, 1, 2, 250, 255, 128, 10, 13]);
const XML = '<root><item id="1">one</item></root>';

test.beforeAll(async ({ engine }) => {
  server = await startServer();
  closedPort = await freePort(); // nothing listens there: connections are refused
  browser = await launchEngine(engine);
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
  expect(await browser.page.evaluate(() => (window as unknown as { got: unknown }).got)).toEqual({
    empty: 'hello text é',
    text: 'hello text é',
    json: { a: 1, b: [true, null, 'x'] },
    arraybuffer: [...BINARY],
    blob: [...BINARY],
    document: 'one',
  });
});

test('POST with each body type: what was sent, byte for byte, and FormData as fields', async () => {
  const t = await run(
    '/bodies.html',
    `
    const post = (send, headers) => xhr({ method: 'post', url: '/echo', send, headers });
    await post('plain text ✓', [['X-Custom', 'one'], ['x-custom', 'two']]);
    await post(new URLSearchParams({ q: 'a b', n: '1' }));
    const form = new FormData();
    form.append('field', 'value');
    form.append('upload', new File(['12345'], 'five.txt', { type: 'text/plain' }));
    await post(form);
    await post(new Blob([new Uint8Array([1, 2, 3])], { type: 'application/x-test' }));
    await post(new Uint8Array([9, 8, 7, 6]).buffer);
    await post(new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(2, 5));
    await post(new DataView(new Uint8Array([200, 201]).buffer));
    await post(new DOMParser().parseFromString('<doc><a>1</a></doc>', 'application/xml'));
    await post({ toString() { return 'converted'; } });
  `,
    9,
  );
  const conns = byUrl(t, '/echo');
  expect(conns).toHaveLength(9);
  const sends = conns.map((c) => {
    expect(c.method).toBe('POST');
    expect(c.status).toBe(201);
    const evs = eventsOf(t, c.id);
    expect(kinds(evs)).toEqual(['open', 'send', 'receive', 'close']);
    return evs[1] as ExportedEvent;
  });
  /** What the server received, from its echo in the captured response. */
  const serverGot = (i: number) =>
    JSON.parse(
      payloadText(eventsOf(t, (conns[i] as ExportedConnection).id)[2] as ExportedEvent) as string,
    ) as {
      length: number;
      base64: string;
    };
  const [text, params, form, blob, buffer, view, dataView, doc, other] = sends as ExportedEvent[];
  expect(conns[0]?.requestHeaders).toEqual([['X-Custom', 'one, two']]);
  expect(text).toMatchObject({ data: { text: 'plain text ✓' }, size: 14, bodyKind: 'text' });
  expect(params).toMatchObject({ data: { text: 'q=a+b&n=1' }, bodyKind: 'urlsearchparams' });
  expect(form?.bodyKind).toBe('formdata');
  expect(form?.form).toEqual([
    { name: 'field', value: 'value' },
    { name: 'upload', fileName: 'five.txt', fileSize: 5, fileType: 'text/plain' },
  ]);
  expect(blob).toMatchObject({ data: { base64: 'AQID' }, size: 3, bodyKind: 'blob' });
  expect(buffer).toMatchObject({
    data: { base64: Buffer.from([9, 8, 7, 6]).toString('base64') },
    bodyKind: 'arraybuffer',
  });
  expect(view).toMatchObject({
    data: { base64: Buffer.from([2, 3, 4]).toString('base64') },
    size: 3,
    bodyKind: 'view',
  });
  expect(dataView).toMatchObject({
    data: { base64: Buffer.from([200, 201]).toString('base64') },
    bodyKind: 'view',
  });
  expect(doc?.bodyKind).toBe('document');
  expect(payloadText(doc as ExportedEvent)).toContain('<doc><a>1</a></doc>');
  expect(other).toMatchObject({ data: { text: 'converted' }, bodyKind: 'text' });
  // Every non-form body captured is exactly what reached the server.
  for (const i of [0, 1, 3, 4, 5, 6, 8]) {
    const sent = sends[i] as ExportedEvent;
    const bytes =
      sent.data && 'text' in sent.data
        ? Buffer.from(sent.data.text)
        : Buffer.from(sent.data?.base64 ?? '', 'base64');
    expect(bytes.toString('base64')).toBe(serverGot(i).base64);
  }
  expect(serverGot(2).length).toBeGreaterThan(0);
});

test('sync XHR, abort, timeout, network error, 404, and one XHR object re-used', async () => {
  const t = await run(
    '/failures.html',
    `
    const sync = new XMLHttpRequest();
    sync.open('GET', '/text', false);
    sync.send();
    window.syncText = sync.responseText;
    const refused = new XMLHttpRequest();
    refused.open('GET', 'http://127.0.0.1:${closedPort}/nothing', false);
    try { refused.send(); } catch (e) { window.syncError = e.name; }
    await xhr({ url: '/slow', abortAfter: 100 });
    await xhr({ url: '/slow', timeout: 150 });
    await xhr({ url: 'http://127.0.0.1:${closedPort}/refused' });
    await xhr({ url: '/missing' });
    const again = new XMLHttpRequest();
    for (const path of ['/text', '/json']) {
      await new Promise((resolve) => { again.open('GET', path); again.onload = resolve; again.send(); });
    }
  `,
    8,
  );
  const all = connectionsOf(t, 'xhr');
  expect(all).toHaveLength(8);
  const [sync, syncRefused, aborted, timedOut, refused, missing, reuse1, reuse2] =
    all as ExportedConnection[];
  const types = (c: ExportedConnection | undefined) => kinds(eventsOf(t, (c as ExportedConnection).id));
  const last = (c: ExportedConnection | undefined) =>
    eventsOf(t, (c as ExportedConnection).id).at(-1) as ExportedEvent;
  expect(sync?.async).toBe(false);
  expect(types(sync)).toEqual(['open', 'receive', 'close']);
  expect(payloadText(eventsOf(t, (sync as ExportedConnection).id)[1] as ExportedEvent)).toBe('hello text é');
  expect(syncRefused?.async).toBe(false);
  expect(types(syncRefused)).toEqual(['open', 'error']);
  // Chromium only throws from a failed synchronous send (recorded with the exception's text);
  // Firefox also fires the request's error event during the send, which is recorded first.
  if (browser.engine === 'chromium') expect(last(syncRefused).reason).toContain('NetworkError');
  else expect(last(syncRefused).reason).toBe('network error');
  expect(types(aborted)).toEqual(['open', 'error']);
  expect(last(aborted).reason).toBe('aborted by the page');
  expect(types(timedOut)).toEqual(['open', 'error']);
  expect(last(timedOut).reason).toBe('timeout after 150 ms');
  expect(refused?.url).toBe(`http://127.0.0.1:${closedPort}/refused`);
  expect(types(refused)).toEqual(['open', 'error']);
  expect(last(refused).reason).toBe('network error');
  expect(types(missing)).toEqual(['open', 'receive', 'close']);
  expect(missing?.status).toBe(404);
  expect(eventsOf(t, (missing as ExportedConnection).id)[1]).toMatchObject({
    status: 404,
    statusText: 'Not Found',
    data: { text: 'nope' },
  });
  expect(new URL(reuse1?.url ?? '').pathname).toBe('/text');
  expect(new URL(reuse2?.url ?? '').pathname).toBe('/json');
  expect(types(reuse1)).toEqual(['open', 'receive', 'close']);
  expect(types(reuse2)).toEqual(['open', 'receive', 'close']);
  expect(
    await browser.page.evaluate(() => [
      (window as unknown as { syncText: string }).syncText,
      (window as unknown as { syncError: string }).syncError,
    ]),
  ).toEqual(['hello text é', 'NetworkError']);
});

test("the seed's long-poll snippet: the page's handlers run exactly as often as without the hook", async () => {
  server.route('/poll', (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('tick');
    }, 50);
  });
  // The tutorial's code as written (a storm): count handler calls per readyState.
  const script = `
    window.calls = { 1: 0, 2: 0, 3: 0, 4: 0 };
    window.polls = 0;
    function longPoll() {
      if (window.polls >= 4) return;
      window.polls++;
      var xhr = new XMLHttpRequest();
      xhr.open('GET', '/poll', true);
      xhr.onreadystatechange = function () {
        window.calls[xhr.readyState]++;
        if (xhr.readyState === 4 && xhr.status === 200) { window.last = xhr.responseText; }
        setTimeout(longPoll, 100);
      };
      xhr.send();
    }
    longPoll();
    // Done when the four polls have ended: readyState 4 is the last call each gets.
    await new Promise((resolve) => {
      const check = () => (window.calls[4] >= 4 ? resolve() : setTimeout(check, 20));
      check();
    });
  `;
  const t = await run('/longpoll.html', script, 4);
  expect(connectionsOf(t, 'xhr')).toHaveLength(4);
  const withHook = await browser.page.evaluate(() => (window as unknown as { calls: unknown }).calls);
  // The same page in a browser without the extension.
  const plain = await launchWithoutExtension(browser.engine);
  try {
    const page = plain.page;
    await page.goto(`${server.origin}/longpoll.html`);
    await page.waitForFunction('window.done === true');
    expect(await page.evaluate(() => (window as unknown as { calls: unknown }).calls)).toEqual(withHook);
  } finally {
    await plain.close();
  }
  // The handler is set after open(), so readyState 1 is never seen.
  expect(withHook).toEqual({ 1: 0, 2: 4, 3: 4, 4: 4 });
});
