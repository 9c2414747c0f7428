// The main transports captured in Firefox ESR with the Firefox build: the
// add-on is installed as a temporary add-on and the traffic is read back from
// the detached panel's "Export timeline". One Firefox for the whole file.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ExportedConnection, ExportedEvent, TimelineExport } from '../../lib/export/timeline';
import { DEFAULT_PAYLOAD_CAP } from '../../lib/wire/envelope';
import { type LaunchedFirefox, launchFirefox } from './support/firefox';
import { startServer, type TestServer } from './support/server';
import { expect, test } from './support/test';

let server: TestServer;
let firefox: LaunchedFirefox;

const only = (t: TimelineExport, transport: ExportedConnection['transport']): ExportedConnection[] =>
  t.connections.filter((c) => c.transport === transport);
const eventsOf = (t: TimelineExport, c: ExportedConnection | undefined): ExportedEvent[] =>
  t.events.filter((e) => e.connectionId === c?.id);
const text = (e: ExportedEvent | undefined): string | undefined => {
  if (!e?.data) return undefined;
  return 'text' in e.data ? e.data.text : `base64:${e.data.base64}`;
};

test.beforeAll(async () => {
  // A larger request head than Node's 16 KiB, for the test of a 100 kB URL.
  server = await startServer('127.0.0.1', { maxHeaderSize: 1024 * 1024 });
  server.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.route('/api/data', (req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-test': 'yes' });
      res.end(JSON.stringify({ method: req.method, body }));
    });
  });
  server.route('/events', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write('retry: 60000\n\n');
    res.write('data: first\nid: 1\n\n');
    res.write('event: tick\ndata: second\nid: 2\n\n');
    res.write('data: third\nid: 3\n\n');
  });
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

test('WebSocket text and binary frames and the close are captured in Firefox', async () => {
  server.page(
    '/ws.html',
    `<!doctype html><title>ws</title><script>
      const ws = new WebSocket('ws://' + location.host + '/echo');
      ws.binaryType = 'arraybuffer';
      let got = 0;
      ws.onopen = () => { ws.send('hello firefox'); ws.send(new Uint8Array([1, 2, 255])); ws.send(new Blob(['blob!'])); };
      ws.onmessage = () => { if (++got === 3) ws.close(4001, 'done here'); };
      ws.onclose = () => { document.title = 'closed'; };
    </script>`,
  );
  const capture = await firefox.openCapture(`${server.origin}/ws.html`);
  await firefox.page.waitForFunction(() => document.title === 'closed');
  const t = await capture.waitForTimeline((x) => x.events.some((e) => e.type === 'close'));
  const [ws] = only(t, 'websocket');
  expect(ws?.url).toBe(`ws://127.0.0.1:${server.port}/echo`);
  const events = eventsOf(t, ws);
  expect(events.map((e) => [e.type, text(e)])).toEqual([
    ['open', undefined],
    ['send', 'hello firefox'],
    ['send', 'base64:AQL/'],
    ['send', 'base64:YmxvYiE='],
    ['receive', 'hello firefox'],
    ['receive', 'base64:AQL/'],
    ['receive', 'base64:YmxvYiE='],
    ['close', undefined],
  ]);
  expect(events.at(-1)).toMatchObject({ code: 4001, reason: 'done here' });
  // The socket's events are stamped with the browser's event times, on the page clock.
  const times = events.map((e) => e.time);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(times[0]).toBeGreaterThanOrEqual(ws?.startedAt as number);
  expect(times.at(-1)).toBeLessThanOrEqual(Date.now());
  expect(t.source.userAgent).toContain('Firefox');
});

test('XMLHttpRequest and fetch exchanges are captured in Firefox', async () => {
  server.page(
    '/http.html',
    `<!doctype html><title>http</title><script>
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/data?via=xhr', true);
      xhr.setRequestHeader('content-type', 'text/plain');
      xhr.onload = () => {
        fetch('/api/data?via=fetch', { method: 'PUT', body: 'fetch body' })
          .then((r) => r.json())
          .then(() => { document.title = 'done'; });
      };
      xhr.send('xhr body');
    </script>`,
  );
  const capture = await firefox.openCapture(`${server.origin}/http.html`);
  await firefox.page.waitForFunction(() => document.title === 'done');
  const t = await capture.waitForTimeline(
    (x) => x.events.filter((e) => e.type === 'close').length >= 2 && only(x, 'fetch').length === 1,
  );
  const [xhr] = only(t, 'xhr');
  const [fetched] = only(t, 'fetch');
  expect(xhr).toMatchObject({ method: 'POST', url: `${server.origin}/api/data?via=xhr`, status: 200 });
  expect(fetched).toMatchObject({ method: 'PUT', url: `${server.origin}/api/data?via=fetch`, status: 200 });
  for (const [conn, body, method] of [
    [xhr, 'xhr body', 'POST'],
    [fetched, 'fetch body', 'PUT'],
  ] as const) {
    const events = eventsOf(t, conn);
    expect(events[0]?.type).toBe('open');
    expect(text(events.find((e) => e.type === 'send'))).toBe(body);
    const received = events.filter((e) => e.type === 'receive');
    expect(received.map(text).join('')).toBe(JSON.stringify({ method, body }));
    expect(received.at(-1)?.status ?? conn?.status).toBe(200);
    expect(events.at(-1)?.type).toBe('close');
  }
});

test('fetch bodies are recorded from the page’s own reads of their streams in Firefox, a long download cut at the payload cap', async () => {
  // (Firefox itself reads an unread fetch body ahead of the page, extension or not: no bound to check here.)
  const lines = ['{"n":1}\n', '{"n":2}\n', '{"n":3}\n'];
  server.route('/lines', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    lines.forEach((line, i) => {
      setTimeout(() => (i === lines.length - 1 ? res.end(line) : res.write(line)), 150 * (i + 1));
    });
  });
  server.route('/download', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    let open = true;
    res.on('close', () => {
      open = false;
    });
    const pump = () => {
      while (open) if (!res.write(chunk)) return void res.once('drain', pump);
    };
    pump();
  });
  server.page(
    '/streams.html',
    `<!doctype html><title>streams</title><script>
      window.run = async () => {
        // Taken through another frame's native getter, piped a while later.
        const frame = document.createElement('iframe');
        document.documentElement.appendChild(frame);
        const otherGetter = Object.getOwnPropertyDescriptor(frame.contentWindow.Response.prototype, 'body').get;
        const stream = otherGetter.call(await fetch('/lines'));
        await new Promise((r) => setTimeout(r, 100));
        let piped = '';
        const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) { const { done, value } = await reader.read(); if (done) break; piped += value; }
        window.piped = piped;
        // A long download, read until well past the cap, then cancelled.
        const download = (await fetch('/download')).body.getReader();
        let taken = 0;
        while (taken < 1.5 * 1024 * 1024) taken += (await download.read()).value.byteLength;
        await download.cancel();
        document.title = 'done';
      };
    </script>`,
  );
  const capture = await firefox.openCapture(`${server.origin}/streams.html`);
  // In front, as a user's page is: a hidden tab's timers are slowed to a second.
  await firefox.page.bringToFront();
  await firefox.page.evaluate(() => {
    const page = window as unknown as { run(): Promise<void> };
    page.run().catch((e) => {
      document.title = `failed: ${e}`;
    });
  });
  await firefox.page.waitForFunction(() => document.title !== 'streams');
  // The panel in front again, as the other tests here have it.
  await capture.panel.bringToFront();
  expect(await firefox.page.title()).toBe('done');
  expect(await firefox.page.evaluate(() => (window as unknown as { piped: string }).piped)).toBe(
    lines.join(''),
  );
  const t = await capture.waitForTimeline((x) => x.events.filter((e) => e.type === 'close').length >= 2);
  const [piped, download] = only(t, 'fetch');
  // Recorded from the page's pipe, line by line as it took them.
  expect(eventsOf(t, piped).map((e) => [e.type, text(e), e.reason])).toEqual([
    ['open', undefined, undefined],
    ...lines.map((line) => ['receive', line, undefined]),
    ['close', undefined, undefined],
  ]);
  const downloadEvents = eventsOf(t, download);
  const receives = downloadEvents.filter((e) => e.type === 'receive');
  const recorded = Buffer.concat(
    receives.map((e) =>
      e.data && 'base64' in e.data ? Buffer.from(e.data.base64, 'base64') : Buffer.alloc(0),
    ),
  );
  expect(recorded.length).toBe(DEFAULT_PAYLOAD_CAP);
  expect(recorded.every((b) => b === 0x78)).toBe(true);
  expect(receives.at(-1)).toMatchObject({
    truncated: true,
    reason: expect.stringMatching(/^payload cap reached/),
  });
  expect(downloadEvents.at(-1)).toMatchObject({
    type: 'close',
    reason: 'response body cancelled by the page',
  });
});

test('EventSource messages with event names and ids are captured in Firefox', async () => {
  server.page(
    '/sse.html',
    `<!doctype html><title>sse</title><script>
      const es = new EventSource('/events');
      let got = 0;
      const onAny = () => { if (++got === 3) { es.close(); document.title = 'done'; } };
      es.onmessage = onAny;
      es.addEventListener('tick', onAny);
    </script>`,
  );
  const capture = await firefox.openCapture(`${server.origin}/sse.html`);
  await firefox.page.waitForFunction(() => document.title === 'done');
  const t = await capture.waitForTimeline((x) => x.events.filter((e) => e.type === 'receive').length >= 3);
  const [es] = only(t, 'eventsource');
  expect(es?.url).toBe(`${server.origin}/events`);
  const received = eventsOf(t, es).filter((e) => e.type === 'receive');
  expect(received.map((e) => [text(e), e.eventName, e.lastEventId])).toEqual([
    ['first', 'message', '1'],
    ['second', 'tick', '2'],
    ['third', 'message', '3'],
  ]);
  expect(eventsOf(t, es)[0]?.type).toBe('open');
});

test('in Firefox too, a 100 kB socket URL, a 70-character method and 69 MB of request headers are kept, cut and marked, with their events', async () => {
  server.route('/sink-http', (_req, res) => {
    res.end('ok');
  });
  server.page(
    '/long.html',
    `<!doctype html><title>long</title><script>
      const ws = new WebSocket('ws://' + location.host + '/echo?' + 'q'.repeat(100000));
      ws.onopen = async () => {
        await fetch('/sink-http', { method: 'F'.repeat(70) }).catch(() => {});
        const headers = new Headers();
        const value = 'v'.repeat(99000);
        for (let i = 0; i < 700; i++) headers.append('x-huge-' + i, value);
        await fetch('/sink-http', { headers }).catch(() => {});
        ws.send('after them');
      };
      ws.onmessage = (e) => { document.title = 'echo ' + e.data; };
    </script>`,
  );
  const capture = await firefox.openCapture(`${server.origin}/long.html`);
  await firefox.page.waitForFunction(() => document.title === 'echo after them', undefined, {
    timeout: 30_000,
  });
  const t = await capture.waitForTimeline(
    (x) =>
      x.events.some((e) => e.type === 'receive' && text(e) === 'after them') && only(x, 'fetch').length === 2,
    30_000,
  );
  const [ws] = only(t, 'websocket');
  expect(ws?.url).toHaveLength(64 * 1024);
  expect(ws?.truncatedFields).toEqual(['url']);
  expect(eventsOf(t, ws).map((e) => e.type)).toEqual(['open', 'send', 'receive']);
  const [methodCut, headersCut] = only(t, 'fetch');
  expect(methodCut).toMatchObject({ method: 'F'.repeat(64), truncatedFields: ['method'] });
  expect(headersCut?.truncatedFields).toEqual(['requestHeaders']);
  expect(headersCut?.requestHeaders?.[0]).toEqual(['x-huge-0', 'v'.repeat(99000)]);
  expect(eventsOf(t, headersCut)[0]?.type).toBe('open');
});

test('what a page sent in the task that navigates away is kept with Preserve log in Firefox', async () => {
  server.socket('/sink', () => {});
  server.page('/landing.html', '<!doctype html><title>landed</title>');
  server.page(
    '/leave.html',
    `<!doctype html><title>leave</title><script>
      const ws = new WebSocket('ws://' + location.host + '/sink?leave');
      ws.onopen = () => {
        for (let i = 0; i < 20; i++) ws.send('last ' + i);
        location.href = '/landing.html';
      };
    </script>`,
  );
  const capture = await firefox.openCapture(`${server.origin}/landing.html`);
  /** Sets the panel's "Preserve log" checkbox (a DOM click, as a user's); returns its state. */
  const preserveLog = (on: boolean) =>
    capture.panel.evaluate((want) => {
      const box = [...document.querySelectorAll('label')]
        .find((l) => l.textContent?.includes('Preserve log'))
        ?.querySelector('input');
      if (box && box.checked !== want) box.click();
      return box?.checked;
    }, on);
  expect(await preserveLog(true)).toBe(true);
  try {
    // The page in front, as a user's page is (a hidden tab's timers are slowed to a second).
    await firefox.page.bringToFront();
    await firefox.page.goto(`${server.origin}/leave.html`);
    await firefox.page.waitForFunction(() => location.pathname === '/landing.html');
    const t = await capture.waitForTimeline((x) =>
      x.connections.some(
        (c) => c.url.endsWith('/sink?leave') && x.events.filter((e) => e.connectionId === c.id).length >= 21,
      ),
    );
    const ws = t.connections.find((c) => c.url.endsWith('/sink?leave'));
    const events = eventsOf(t, ws);
    expect(events.slice(0, 21).map((e) => (e.type === 'send' ? text(e) : e.type))).toEqual([
      'open',
      ...Array.from({ length: 20 }, (_, i) => `last ${i}`),
    ]);
    // Firefox closes the page's sockets as it navigates (1001, going away) and reports it first.
    expect(events.slice(21).map((e) => [e.type, e.code])).toEqual(
      events.length > 21 ? [['close', 1001]] : [],
    );
  } finally {
    await preserveLog(false);
  }
});

test('in Firefox’s panel an exchange is one row with its status, and its steps expand under it, at docked sizes', async () => {
  server.page(
    '/rows.html',
    `<!doctype html><title>rows</title><script>
      (async () => {
        const ws = new WebSocket('ws://' + location.host + '/echo');
        await new Promise((r) => (ws.onopen = r));
        ws.send('ping');
        await (await fetch('/api/data', { method: 'POST', body: 'hello rows' })).json();
        document.title = 'done';
      })();
    </script>`,
  );
  const capture = await firefox.openCapture(`${server.origin}/rows.html`);
  await firefox.page.waitForFunction(() => document.title === 'done');
  await capture.waitForTimeline((x) => x.events.some((e) => e.type === 'close' && e.status === 200));
  const panel = capture.panel;
  const rowsOf = () =>
    panel.evaluate(() =>
      [...document.querySelectorAll('[data-testid="events"] tbody tr')].map((tr) => ({
        type: (tr as HTMLElement).dataset.type,
        method: tr.querySelector('.c-method')?.textContent ?? '',
        status: tr.querySelector('.c-status')?.textContent ?? '',
      })),
    );
  const shots = resolve(import.meta.dirname, '..', '..', 'test-results', 'firefox-rows');
  await mkdir(shots, { recursive: true });
  for (const size of [
    { width: 1280, height: 800 },
    { width: 500, height: 350 },
    { width: 480, height: 260 },
  ]) {
    await panel.setViewport(size);
    await panel.waitForFunction(() => document.querySelector('tr[data-type="exchange"]') !== null);
    const rows = await rowsOf();
    const exchanges = rows.filter((r) => r.type === 'exchange');
    expect(exchanges).toHaveLength(1);
    if (size.width >= 480) expect(exchanges[0]).toMatchObject({ method: 'POST', status: '200' });
    expect(rows.some((r) => r.method === '↑ send')).toBe(true);
    await panel.screenshot({ path: resolve(shots, `${size.width}x${size.height}.png`) });
  }
  // Its steps under it: start, request body, response, end.
  await panel.click('tr[data-type="exchange"] .disclosure');
  await panel.waitForFunction(() => document.querySelectorAll('tr.t-step').length === 4);
  const steps = (await rowsOf()).filter((r) => r.type !== 'exchange').map((r) => r.method);
  expect(steps).toEqual(expect.arrayContaining(['● start', '↑ request body', '↓ response', '■ end']));
  await panel.screenshot({ path: resolve(shots, 'expanded-480x260.png') });
});
