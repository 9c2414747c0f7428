// The hostile pages of the adversarial suite, used by hostile.spec.ts in Chromium and
// in Firefox: a page that lays tripwires on everything a page can reach
// (tests/e2e/pages/hostile-tripwires.js) and then makes traffic of every
// kind, and a page that tries to forge, rewrite and blind the record through
// prototype accessors. Both report what they saw through document.title: the
// test cannot evaluate script in pages this hostile (the test tools' own
// injected code trips on them).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectionsOf, eventsOf, payloadText, type TimelineExport } from './capture';
import type { TestServer } from './server';
import { expect } from './test';

/** Every identifier-like property name the built hook's code mentions (`.name` or a quoted name). */
export async function hookPropertyNames(build: 'chrome-mv3' | 'firefox-mv2'): Promise<string[]> {
  const outDir = process.env.WIRESCOPE_OUT_DIR ?? join(import.meta.dirname, '..', '..', '..', '.output');
  const code = await readFile(join(outDir, build, 'content-scripts', 'hook.js'), 'utf8');
  const names = new Set<string>();
  for (const m of code.matchAll(/\.([A-Za-z_$][\w$]*)/g)) names.add(m[1] as string);
  for (const m of code.matchAll(/["'`]([A-Za-z_$][\w$]*)["'`]/g)) names.add(m[1] as string);
  return [...names].sort();
}

/** The routes the hostile pages use. */
export function serveHostileRoutes(server: TestServer): void {
  server.socket('/echo', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.route('/api/json', (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-real': 'yes' });
    res.end(JSON.stringify({ ok: true, path: req.url }));
  });
  server.route('/api/echo', (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end(`${req.method} ${Buffer.concat(parts).toString()}`);
    });
  });
  server.route('/api/stream', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"n":1}\n');
    setTimeout(() => res.end('{"n":2}\n'), 50);
  });
  server.route('/events', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write('event: tick\nid: 7\ndata: named\n\ndata: plain\n\n');
  });
}

/** What a hostile page reports in its title. */
export interface HostileReport {
  done: boolean;
  tripped: string[];
  errors: string[];
  seen: string[];
}

/** Reads the page's report from its title until it says done (or the tries run out). */
export async function readReport(title: () => Promise<string>, wait: (ms: number) => Promise<unknown>) {
  let report: HostileReport = { done: false, tripped: [], errors: [], seen: [] };
  for (let i = 0; i < 75 && !report.done; i++) {
    const text = await title();
    if (text.startsWith('REPORT ')) report = JSON.parse(text.slice('REPORT '.length)) as HostileReport;
    if (!report.done) await wait(200);
  }
  return report;
}

/** Page code making traffic of every kind through plain calls; reports through the title. */
const traffic = `
  (function () {
    var seen = window.seen = [];
    var errors = window.pageErrors = [];
    window.onerror = function (m) { errors.push(String(m)); };
    window.onunhandledrejection = function (e) { errors.push('rejection ' + String(e.reason)); };
    var steps = 0;
    function step() { steps++; if (steps === 8) window.done = true; }
    // Reported through the title: the test cannot evaluate script in a page this hostile.
    var stringify = JSON.stringify;
    setInterval(function () {
      document.title = 'REPORT ' + stringify({ done: !!window.done, tripped: Array.from(window.tripwireLog), errors: errors, seen: seen });
    }, 100);
    var ws = new WebSocket('ws://' + location.host + '/echo', 'chat');
    ws.binaryType = 'arraybuffer';
    var got = 0;
    ws.onopen = function () {
      ws.send('text frame');
      ws.send(new Uint8Array([1, 2, 3]));
      ws.send(new Blob(['blob frame']));
      ws.send(12345);
    };
    ws.onmessage = function (e) {
      seen.push(typeof e.data === 'string' ? e.data : 'binary ' + e.data.byteLength);
      if (++got === 4) { ws.close(1000, 'done'); step(); }
    };
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/echo?xhr');
    xhr.setRequestHeader('x-page', 'one');
    xhr.onload = function () { seen.push('xhr ' + xhr.status + ' ' + xhr.responseText); step(); };
    xhr.send('xhr body');
    var jx = new XMLHttpRequest();
    jx.open('GET', '/api/json?xhrjson');
    jx.responseType = 'json';
    jx.onload = function () { seen.push('xhr json ' + jx.status); step(); };
    jx.send();
    fetch('/api/json?plain').then(function (r) { return r.json(); }).then(function (j) { seen.push('fetch json ' + j.path); step(); });
    var init = Object.create(null);
    init.method = 'POST';
    init.body = 'fetch body';
    var hdrs = Object.create(null);
    hdrs['x-page'] = 'two';
    init.headers = hdrs;
    var url = new URL('/api/echo?fetch', location.href);
    var urlConversions = 0;
    url.toString = function () { urlConversions++; return URL.prototype.toString.call(this) + '&call=' + urlConversions; };
    fetch(url, init).then(function (r) { return r.text(); }).then(function (t) { seen.push('fetch ' + t); seen.push('url converted ' + urlConversions); step(); });
    // An init whose method is a getter: read once, by the browser, and recorded as what it said.
    var getterInit = Object.create(null);
    var getterReads = 0;
    var getterDesc = Object.create(null);
    getterDesc.get = function () { getterReads++; return 'PUT'; };
    Object.defineProperty(getterInit, 'method', getterDesc);
    getterInit.body = 'getter body';
    fetch('/api/echo?getter', getterInit).then(function (r) { return r.text(); }).then(function (t) { seen.push('getter ' + t + ' ' + getterReads); step(); });
    fetch('/api/stream').then(function (r) { return r.text(); }).then(function (t) { seen.push('stream ' + t.length); step(); });
    var es = new EventSource('/events');
    var esGot = 0;
    function onEvent(e) { seen.push('sse ' + e.data); if (++esGot === 2) { es.close(); step(); } }
    es.addEventListener('tick', onEvent);
    es.onmessage = onEvent;
    try { new WebSocket('ws://' + location.host + '/#fragment'); } catch (e) { seen.push('ws error ' + e.name); }
  })();`;

/** The tripwire page: the names to poison, the tripwires, then the traffic. */
export function tripwirePage(names: string[]): string {
  return `<!doctype html><title>tripwires</title>
     <script>window.tripwireNames = ${JSON.stringify(names)};</script>
     <script src="/pages/hostile-tripwires.js"></script>
     <script>${traffic}</script>`;
}

/** The tripwire page's traffic has all ended (8 closes) in this export. */
export const tripwireTrafficDone = (t: TimelineExport) =>
  t.events.filter((e) => e.type === 'close').length >= 8;

/** No tripwire ran inside the hook, the page saw what it would without it, and the record is true. */
export function checkTripwirePage(timeline: TimelineExport, report: HostileReport, origin: string): void {
  expect(report.done).toBe(true);
  // The one page function the hook calls on purpose: a URL object given to fetch is converted
  // to its string once, where the native would convert it (so the page's own toString runs
  // once, with the hook's frame beneath it: see README, what a page hook cannot see).
  const leaks = report.tripped.filter((t) => !t.startsWith('URL.toString()'));
  expect([...new Set(leaks)]).toEqual([]);
  // That one call is logged: the tripwires do tell the hook's frames from the page's.
  expect(report.tripped.filter((t) => t.startsWith('URL.toString()')).length).toBeGreaterThan(0);
  expect(report.seen).toContain('url converted 1');
  expect(report.errors).toEqual([]);
  expect(report.seen).toContain('ws error SyntaxError');

  const [ws] = connectionsOf(timeline, 'websocket').filter((c) => c.url.endsWith('/echo'));
  const wsEvents = eventsOf(timeline, ws?.id ?? '');
  expect(wsEvents.filter((e) => e.type === 'send').map((e) => e.data)).toEqual([
    { text: 'text frame' },
    { base64: 'AQID' },
    { base64: Buffer.from('blob frame').toString('base64') },
    { text: '12345' },
  ]);
  expect(wsEvents.filter((e) => e.type === 'receive')).toHaveLength(4);
  const xhrs = connectionsOf(timeline, 'xhr');
  expect(xhrs.map((c) => `${c.method} ${new URL(c.url).search}`).sort()).toEqual([
    'GET ?xhrjson',
    'POST ?xhr',
  ]);
  const postXhr = xhrs.find((c) => c.method === 'POST');
  expect(postXhr?.requestHeaders).toEqual([['x-page', 'one']]);
  const xhrReceive = eventsOf(timeline, postXhr?.id ?? '').find((e) => e.type === 'receive');
  expect(xhrReceive?.status).toBe(201);
  expect(xhrReceive && payloadText(xhrReceive)).toBe('POST xhr body');
  const fetches = connectionsOf(timeline, 'fetch');
  // The URL as fetched: the page's stateful toString ran once, and its answer is what was recorded.
  const postFetch = fetches.find((c) => c.url.includes('?fetch'));
  expect(postFetch?.url).toBe(`${origin}/api/echo?fetch&call=1`);
  expect(postFetch?.method).toBe('POST');
  expect(postFetch?.requestHeaders).toEqual([['x-page', 'two']]);
  const postEvents = eventsOf(timeline, postFetch?.id ?? '');
  expect(postEvents.filter((e) => e.type === 'send').map(payloadText)).toEqual(['fetch body']);
  expect(postEvents.filter((e) => e.type === 'receive').map(payloadText)).toEqual(['POST fetch body']);
  expect(report.seen).toContain('getter PUT getter body 1');
  const getterFetch = fetches.find((c) => c.url.endsWith('?getter'));
  expect(getterFetch?.method).toBe('PUT');
  // Its body is read from a copy of the request, and this page defines `then` on Object.prototype,
  // which would see that copy as its read resolves: the body is said not to be recorded.
  const getterSend = eventsOf(timeline, getterFetch?.id ?? '').filter((e) => e.type === 'send');
  expect(getterSend.map((e) => [e.data, e.reason])).toEqual([
    [undefined, expect.stringContaining("the page defines 'then' on Object.prototype")],
  ]);
  const sse = connectionsOf(timeline, 'eventsource')[0];
  expect(
    eventsOf(timeline, sse?.id ?? '')
      .filter((e) => e.type === 'receive')
      .map(payloadText),
  ).toEqual(['named', 'plain']);
}

// Each trap would, if the hook ran it, inject a forged connection, change a recorded value,
// or make the hook's hand-over throw (a getter without a setter on Object.prototype).
const hostile = `
  function poison(win) {
    var forged = { r: 'conn', id: 999, time: Date.now(), transport: 'websocket', url: 'wss://bank.example/FORGED' };
    for (var i = 0; i < 64; i++) (function (i) {
      win.Object.defineProperty(win.Array.prototype, String(i), { configurable: true,
        get: function () { return undefined; },
        set: function (v) { win.Object.defineProperty(this, String(i), { value: (v && v.r === 'ev') ? forged : v, writable: true, enumerable: true, configurable: true }); } });
    })(i);
    ['backlog', 'dropped', 'sharedDecode', 'status', 'statusText', 'responseHeaders', 'fullSize', 'requestedProtocols', 'lastBatchEvent', 'payloadCap'].forEach(function (name) {
      win.Object.defineProperty(win.Object.prototype, name, { configurable: true, get: function () { window.handed = (window.handed || 0) + 1; return name === 'status' ? 418 : name === 'lastBatchEvent' ? 'wirescope:last-batch:stolen' : undefined; } });
    });
    win.Object.defineProperty(win.Object.prototype, 'body', { configurable: true, get: function () { return 'FORGED body'; }, set: function (v) { window.handedBody = this; } });
    win.addEventListener('wirescope:last-batch:stolen', function () { window.stolen = true; }, true);
  }
  poison(window);`;

/**
 * The forging page: its traps, then a burst on a socket, an XHR and a fetch;
 * and an about:blank child whose built-ins the page poisons the same way
 * before opening a socket through the child's WebSocket.
 */
export const forgePage = `<!doctype html><title>forge</title><script>${hostile}</script><script>
      var errors = window.pageErrors = [];
      window.onerror = function (m) { errors.push(String(m)); };
      var ws = new WebSocket('ws://' + location.host + '/echo');
      var n = 0;
      ws.onopen = function () { for (var i = 0; i < 3001; i++) ws.send('m' + i); };
      ws.onmessage = function () { if (++n === 3001) { ws.close(1000); window.done = window.childDone; window.parentDone = true; } };
      var x = new XMLHttpRequest();
      x.open('GET', '/api/json?x');
      x.send();
      fetch('/api/echo?f', { method: 'POST', body: 'real body' }).then(function (r) { return r.text(); });
      var frame = document.createElement('iframe');
      document.documentElement.appendChild(frame);
      poison(frame.contentWindow);
      var child = new frame.contentWindow.WebSocket('ws://' + location.host + '/echo?child');
      child.onopen = function () { child.send('from the child'); };
      child.onmessage = function () { child.close(1000); window.childDone = true; window.done = window.parentDone; };
      setInterval(function () {
        document.title = 'REPORT ' + JSON.stringify({ done: !!window.done, errors: errors,
          tripped: [window.handed, window.handedBody, window.stolen].filter(function (x) { return x !== undefined; }).map(String), seen: [] });
      }, 100);
    </script>`;

/** The forging page's traffic is all in this export. */
export const forgeTrafficDone = (t: TimelineExport) =>
  t.events.filter((e) => e.type === 'close').length >= 4 && t.events.length >= 6014;

/** Nothing forged, rewritten or lost. */
export function checkForgePage(timeline: TimelineExport, report: HostileReport): void {
  expect(report.done).toBe(true);
  expect(report.errors).toEqual([]);
  expect(report.tripped).toEqual([]);
  expect(JSON.stringify(timeline)).not.toContain('FORGED');
  expect(timeline.connections.map((c) => c.transport).sort()).toEqual([
    'fetch',
    'websocket',
    'websocket',
    'xhr',
  ]);
  const [ws, child] = connectionsOf(timeline, 'websocket');
  expect(child?.url).toMatch(/\/echo\?child$/);
  expect(child?.frameUrl).toBe('about:blank');
  expect(
    eventsOf(timeline, child?.id ?? '')
      .filter((e) => e.type !== 'open')
      .map((e) => `${e.type} ${payloadText(e) ?? ''}`),
  ).toEqual(['send from the child', 'receive from the child', 'close ']);
  const wsEvents = eventsOf(timeline, ws?.id ?? '');
  expect(wsEvents.filter((e) => e.type === 'send')).toHaveLength(3001);
  expect(wsEvents.filter((e) => e.type === 'receive')).toHaveLength(3001);
  const xhrClose = eventsOf(timeline, connectionsOf(timeline, 'xhr')[0]?.id ?? '').find(
    (e) => e.type === 'close',
  );
  expect(xhrClose?.status).toBe(200);
  const fetchEvents = eventsOf(timeline, connectionsOf(timeline, 'fetch')[0]?.id ?? '');
  expect(fetchEvents.filter((e) => e.type === 'send').map(payloadText)).toEqual(['real body']);
  expect(fetchEvents.filter((e) => e.type === 'receive').map(payloadText)).toEqual(['POST real body']);
}
