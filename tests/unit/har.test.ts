import { describe, expect, it } from 'vitest';
import { buildHarExport } from '../../lib/export/har';
import { importFile } from '../../lib/import';
import type { CaptureRecord } from '../../lib/model';
import { exchangeStatus } from '../../lib/timeline/exchange-status';
import { type Connection, type TimelineEvent, TimelineStore } from '../../lib/timeline/store';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import { SESSION_PAGE, sessionHar, sessionStore } from './import-fixtures';

const T = 1_764_000_000_000;

const harOfSession = () => sessionHar();

function importHar(value: unknown) {
  const result = importFile(JSON.stringify(value), 'x.har');
  if (!result.ok) throw new Error(result.error);
  expect(result.kind).toBe('har');
  return result;
}

function importError(value: unknown): string {
  const result = importFile(typeof value === 'string' ? value : JSON.stringify(value), 'x.har');
  if (result.ok) throw new Error('expected an error');
  return result.error;
}

const framesOf = (events: TimelineEvent[], conn: Connection | undefined) =>
  events
    .filter((e) => e.connection === conn && (e.record.type === 'send' || e.record.type === 'receive'))
    .map((e) => [e.record.type, e.time, e.record.data]);

describe('HAR export', () => {
  const har = harOfSession();
  const [ws, xhr, stream, es, failed] = har.log.entries;

  it('is a HAR 1.2 log with one entry per connection, in start order', () => {
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator).toEqual({ name: 'Wirescope', version: '0.1.0' });
    expect(har.log.pages?.[0]).toMatchObject({ id: 'page_1', title: 'Chat' });
    expect(har.log.entries.map((e) => e._resourceType)).toEqual([
      'websocket',
      'xhr',
      'fetch',
      'eventsource',
      'fetch',
    ]);
    expect(har.log.entries.every((e) => e.pageref === 'page_1')).toBe(true);
    expect(ws?.startedDateTime).toBe(new Date(T).toISOString());
  });

  it('writes WebSocket frames as Chrome does', () => {
    expect(ws?._webSocketMessages).toEqual([
      { type: 'send', time: (T + 30) / 1000, opcode: 1, data: '{"hello":"wörld"}' },
      { type: 'receive', time: (T + 31) / 1000, opcode: 2, data: 'AQL/' },
      { type: 'receive', time: (T + 32) / 1000, opcode: 1, data: 'xxxxxxxxxx' },
    ]);
    expect(ws?.request).toMatchObject({ method: 'GET', url: 'wss://app.example/ws' });
    expect(ws?.request.headers).toContainEqual({ name: 'Sec-WebSocket-Protocol', value: 'chat, v2' });
    expect(ws?.response).toMatchObject({ status: 101, statusText: 'Switching Protocols' });
    expect(ws?.response.headers).toEqual([{ name: 'Sec-WebSocket-Protocol', value: 'chat' }]);
  });

  it('writes HTTP request, response, body and timings', () => {
    expect(xhr?.request).toMatchObject({
      method: 'POST',
      url: 'https://app.example/api/poll?since=1',
      headers: [{ name: 'Content-Type', value: 'application/json' }],
      queryString: [{ name: 'since', value: '1' }],
      postData: { mimeType: 'application/json', text: '{"q":1}' },
      bodySize: 7,
    });
    expect(xhr?.response).toMatchObject({
      status: 200,
      statusText: 'OK',
      headers: [
        { name: 'content-type', value: 'application/json' },
        { name: 'x-id', value: '7' },
      ],
      content: { size: 11, mimeType: 'application/json', text: '{"ok":true}' },
    });
    expect(xhr?.timings).toMatchObject({
      send: 0,
      wait: 1360,
      receive: 101,
      blocked: -1,
      dns: -1,
      connect: -1,
    });
    expect(xhr?.time).toBe(1461);
  });

  it('joins streamed chunks and flags a failed request', () => {
    expect(stream?.response.content).toMatchObject({
      text: '{"a":1}\n{"a":2}\n',
      size: 16,
      mimeType: 'application/x-ndjson',
    });
    expect(failed?.response.status).toBe(0);
    expect(failed?.response).toHaveProperty('_error', 'TypeError: Failed to fetch');
    expect(failed?.request.postData?.params).toEqual([
      { name: 'a', value: '1' },
      { name: 'f', fileName: 'x.bin', contentType: 'application/octet-stream' },
    ]);
  });

  it('writes EventSource messages in _eventSourceMessages', () => {
    expect(es?._eventSourceMessages).toEqual([
      { time: (T + 100) / 1000, eventName: 'tick', eventId: '1', data: 'tick 1' },
      { time: (T + 200) / 1000, eventName: 'message', eventId: '', data: 'hello' },
    ]);
    expect(es?.response.content.mimeType).toBe('text/event-stream');
  });

  it('base64-encodes binary bodies', () => {
    const store = sessionStore();
    const r = store.events.find((e) => e.record.type === 'receive' && e.connection.transport === 'xhr');
    if (r) r.record.data = { base64: '/wA=' };
    const out = buildHarExport({
      connections: store.connections,
      events: store.events,
      page: SESSION_PAGE,
      toolVersion: '1',
    });
    expect(out.log.entries[1]?.response.content).toMatchObject({ text: '/wA=', encoding: 'base64' });
  });
});

describe('HAR round trip', () => {
  it('export → import keeps connections, statuses, WS frames and SSE messages', () => {
    const store = sessionStore();
    const { parts, skipped } = importHar(harOfSession());
    expect(skipped).toBe(0);
    expect(parts.connections.map((c) => [c.transport, c.url, c.method, c.status])).toEqual([
      ['websocket', 'wss://app.example/ws', undefined, null],
      ['xhr', 'https://app.example/api/poll?since=1', 'POST', 200],
      ['fetch', 'https://app.example/stream', 'GET', 200],
      ['eventsource', 'https://app.example/events', undefined, 200],
      ['fetch', 'https://down.example/x', 'PUT', null],
    ]);
    expect(parts.connections[0]?.protocol).toBe('chat');
    expect(parts.connections[0]?.record.requestedProtocols).toEqual(['chat', 'v2']);
    const wsIn = framesOf(parts.events, parts.connections[0]);
    const wsOut = framesOf(store.events, store.connections[0]).map(([type, time, data]) => [
      type,
      time,
      data,
    ]);
    expect(wsIn).toEqual(wsOut);
    const sse = parts.events.filter(
      (e) => e.connection === parts.connections[3] && e.record.type === 'receive',
    );
    expect(sse.map((e) => [e.time, e.record.eventName, e.record.lastEventId, e.record.data])).toEqual([
      [T + 100, 'tick', '1', { text: 'tick 1' }],
      [T + 200, 'message', '', { text: 'hello' }],
    ]);
    const xhr = parts.events.filter((e) => e.connection === parts.connections[1]).map((e) => e.record);
    expect(xhr.map((r) => r.type)).toEqual(['open', 'send', 'receive', 'close']);
    expect(xhr[1]?.data).toEqual({ text: '{"q":1}' });
    expect(xhr[2]).toMatchObject({
      status: 200,
      statusText: 'OK',
      data: { text: '{"ok":true}' },
      time: T + 1400,
    });
    expect(xhr[3]).toMatchObject({ time: T + 1501 });
    const failed = parts.events.filter((e) => e.connection === parts.connections[4]).map((e) => e.record);
    expect(failed.at(-1)).toMatchObject({ type: 'error', reason: 'TypeError: Failed to fetch' });
    expect(parts.events.map((e) => e.time)).toEqual(
      [...parts.events.map((e) => e.time)].sort((a, b) => a - b),
    );
  });
});

describe('HAR round trip of what had not ended', () => {
  it('a request and a socket open at export come back pending at export; a stream that failed stays failed', () => {
    const store = new TimelineStore();
    const records: CaptureRecord[] = [
      {
        r: 'conn',
        seq: 1,
        time: T,
        id: 1,
        transport: 'fetch',
        url: 'https://app.example/poll',
        method: 'GET',
      },
      { r: 'ev', seq: 2, time: T, conn: 1, type: 'open' },
      { r: 'conn', seq: 3, time: T + 1, id: 2, transport: 'websocket', url: 'wss://app.example/ws' },
      { r: 'conn', seq: 4, time: T + 2, id: 3, transport: 'eventsource', url: 'https://app.example/feed' },
      { r: 'ev', seq: 5, time: T + 3, conn: 3, type: 'error', reason: 'connection failed' },
      { r: 'ev', seq: 6, time: T + 4, conn: 3, type: 'close' },
    ];
    store.ingest({
      v: PROTOCOL_VERSION,
      t: 'panel-records',
      tabId: 1,
      frameId: 0,
      doc: { docId: 'd', url: 'https://app.example/', title: '', top: true, startedAt: T },
      loss: { evicted: 0, dropped: 0, invalid: 0 },
      records,
    });
    const { parts } = importHar(sessionHar(store));
    expect(parts.connections.map((c) => exchangeStatus(c, { imported: true }).label)).toEqual([
      'pending at export',
      'pending at export',
      'error',
    ]);
  });
});

describe('HAR saved by Chrome DevTools', () => {
  const entry = (over: Record<string, unknown>) => ({
    startedDateTime: '2026-11-24T12:00:00.000Z',
    time: 120.5,
    request: {
      method: 'GET',
      url: 'https://site.example/',
      httpVersion: 'http/2.0',
      headers: [],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: 0,
    },
    response: {
      status: 200,
      statusText: '',
      httpVersion: 'http/2.0',
      headers: [],
      cookies: [],
      content: { size: 0, mimeType: 'text/html' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: {
      blocked: 1.2,
      dns: -1,
      ssl: -1,
      connect: -1,
      send: 0.3,
      wait: 100,
      receive: 19,
      _blocked_queueing: 1,
    },
    ...over,
  });
  const chromeHar = {
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [
        {
          startedDateTime: '2026-11-24T12:00:00.000Z',
          id: 'page_2',
          title: 'https://site.example/',
          pageTimings: {},
        },
      ],
      entries: [
        entry({ _resourceType: 'document' }),
        entry({
          _resourceType: 'script',
          request: { method: 'GET', url: 'https://site.example/app.js', headers: [] },
        }),
        entry({
          _resourceType: 'xhr',
          request: {
            method: 'GET',
            url: 'https://site.example/poll',
            headers: [{ name: 'Accept', value: '*/*' }],
          },
          response: {
            status: 200,
            statusText: '',
            headers: [{ name: 'content-type', value: 'application/json' }],
            content: { size: 2, mimeType: 'application/json', text: '[]' },
          },
        }),
        entry({
          _resourceType: 'websocket',
          time: 5,
          request: { method: 'GET', url: 'wss://site.example/socket', headers: [] },
          response: {
            status: 101,
            statusText: 'Switching Protocols',
            headers: [],
            content: { size: 0, mimeType: 'x-unknown' },
          },
          _webSocketMessages: [
            { type: 'send', time: 1795608000.5, opcode: 1, data: 'ping' },
            { type: 'receive', time: 1795608000.75, opcode: 2, data: 'AAE=' },
            { type: 'receive', time: 1795608001, opcode: 9, data: '' },
          ],
        }),
        // Written by a tool without _resourceType.
        entry({
          request: {
            method: 'POST',
            url: 'https://site.example/api',
            headers: [{ name: 'X-Requested-With', value: 'XMLHttpRequest' }],
            postData: { mimeType: 'text/plain', text: 'hi' },
          },
          response: { status: 201, content: { size: 0, mimeType: 'application/json' } },
        }),
        entry({
          request: { method: 'GET', url: 'https://site.example/feed', headers: [] },
          response: { status: 200, content: { size: 0, mimeType: 'text/event-stream' } },
        }),
        entry({
          request: { method: 'GET', url: 'https://site.example/logo.png', headers: [] },
          response: { status: 200, content: { size: 9, mimeType: 'image/png' } },
        }),
        entry({
          request: { method: 'GET', url: 'https://site.example/data', headers: [] },
          response: {
            status: 0,
            _error: 'net::ERR_CONNECTION_REFUSED',
            content: { size: 0, mimeType: 'x-unknown' },
          },
        }),
      ],
    },
  };

  it('imports realtime entries, classifies untyped ones, skips page resources', () => {
    const { parts, skipped } = importHar(chromeHar);
    expect(skipped).toBe(3);
    expect(parts.connections.map((c) => [c.transport, c.url])).toEqual([
      ['xhr', 'https://site.example/poll'],
      ['websocket', 'wss://site.example/socket'],
      ['xhr', 'https://site.example/api'],
      ['eventsource', 'https://site.example/feed'],
      ['fetch', 'https://site.example/data'],
    ]);
    expect(parts.page).toEqual({ url: 'https://site.example/', title: 'https://site.example/' });
    const ws = parts.connections[1];
    expect(framesOf(parts.events, ws)).toEqual([
      ['send', 1795608000500, { text: 'ping' }],
      ['receive', 1795608000750, { base64: 'AAE=' }],
    ]);
    const start = Date.parse('2026-11-24T12:00:00.000Z');
    const poll = parts.events.filter((e) => e.connection === parts.connections[0]).map((e) => e.record);
    expect(poll.map((r) => [r.type, r.time])).toEqual([
      ['open', start],
      ['receive', start + 101.5],
      ['close', start + 120.5],
    ]);
    expect(poll[1]).toMatchObject({
      status: 200,
      data: { text: '[]' },
      size: 2,
      responseHeaders: [['content-type', 'application/json']],
    });
    expect(parts.connections[2]).toMatchObject({ method: 'POST', status: 201 });
    expect(
      parts.events.find((e) => e.connection === parts.connections[2] && e.record.type === 'send')?.record
        .data,
    ).toEqual({ text: 'hi' });
    expect(
      parts.events
        .filter((e) => e.connection === parts.connections[4])
        .map((e) => [e.record.type, e.record.reason]),
    ).toEqual([
      ['open', undefined],
      ['error', 'net::ERR_CONNECTION_REFUSED'],
    ]);
  });

  it('imports an entry still pending when saved (status 0, _error null) as pending at export, not failed', () => {
    const pending = (url: string, resourceType: string) =>
      entry({
        _resourceType: resourceType,
        request: { method: 'GET', url, headers: [] },
        response: { status: 0, _error: null, content: { size: 0, mimeType: 'x-unknown' } },
      });
    const { parts } = importHar({
      log: {
        version: '1.2',
        entries: [
          pending('https://site.example/poll', 'xhr'),
          pending('wss://site.example/socket', 'websocket'),
          pending('https://site.example/feed', 'eventsource'),
        ],
      },
    });
    expect(parts.connections.map((c) => [c.transport, c.endedAt])).toEqual([
      ['xhr', null],
      ['websocket', null],
      ['eventsource', null],
    ]);
    expect(parts.events.map((e) => e.record.type)).toEqual(['open']);
    for (const c of parts.connections)
      expect(exchangeStatus(c, { imported: true }).label).toBe('pending at export');
  });

  it('refuses a HAR with nothing to show, saying why', () => {
    const onlyPage = {
      log: { version: '1.2', entries: [chromeHar.log.entries[0], chromeHar.log.entries[1]] },
    };
    expect(importError(onlyPage)).toBe(
      'x.har: the HAR has no WebSocket, XHR, fetch or EventSource entries (2 page resources skipped)',
    );
  });
});

describe('bad HAR files', () => {
  it('explains what is wrong', () => {
    expect(importError({ log: {} })).toMatch(/not a HAR file: it has no log.entries array/);
    expect(importError({ log: { version: '2.0', entries: [] } })).toMatch(/unsupported HAR version "2.0"/);
    expect(importError({ log: { entries: [42] } })).toMatch(/log.entries\[0\] is not an object/);
    expect(importError({ log: { entries: [{ request: {} }] } })).toMatch(
      /log.entries\[0\].request.url is missing/,
    );
    expect(
      importError({ log: { entries: [{ request: { url: 'https://a/' }, startedDateTime: 'soon' }] } }),
    ).toMatch(/log.entries\[0\].startedDateTime is not a date/);
    expect(
      importError({
        log: {
          entries: [
            {
              request: { url: 'wss://a/' },
              startedDateTime: '2026-01-01T00:00:00Z',
              response: { status: 101 },
              _webSocketMessages: [{ type: 'sideways', time: 1 }],
            },
          ],
        },
      }),
    ).toMatch(/_webSocketMessages\[0\] needs type send\/receive and a time/);
    expect(importError({ log: { entries: [] } })).toMatch(/no WebSocket, XHR, fetch or EventSource entries/);
  });
});

describe('HAR values no export could carry (found by the fuzz pass)', () => {
  const entry = (over: Record<string, unknown>) => ({
    startedDateTime: '2026-01-01T00:00:00Z',
    time: 10,
    request: { method: 'GET', url: 'https://a/x', headers: [] },
    response: { status: 200, headers: [], content: { size: 0, mimeType: 'application/json' } },
    _resourceType: 'fetch',
    ...over,
  });
  const importOf = (entries: unknown[]) => importHar({ log: { version: '1.2', entries } }).parts;

  it('times before 1970 or past any date are refused, saying where; derived end times are clamped', () => {
    expect(importError({ log: { entries: [entry({ startedDateTime: '1960-01-01T00:00:00Z' })] } })).toMatch(
      /log.entries\[0\].startedDateTime is before 1970/,
    );
    expect(
      importError({
        log: {
          entries: [
            entry({
              request: { url: 'wss://a/' },
              _resourceType: 'websocket',
              _webSocketMessages: [{ type: 'send', time: 1e300, opcode: 1, data: 'x' }],
            }),
          ],
        },
      }),
    ).toMatch(/_webSocketMessages\[0\].time is later than any date/);
    const parts = importOf([entry({ time: 1e300 })]);
    expect(parts.connections[0]?.endedAt).toBe(8.64e15);
    expect(() => buildHarExport({ ...parts, toolVersion: '0.1.0' })).not.toThrow();
  });

  it('a status that is no HTTP status (200.5, -3) is unknown, as a missing one is', () => {
    for (const status of [200.5, -3, 1e9]) {
      const parts = importOf([
        entry({ response: { status, headers: [], content: { size: 0, mimeType: 'x' } } }),
      ]);
      expect(parts.connections[0]?.status ?? 0).toBe(0);
      expect(
        parts.events.every((e) => e.record.status === undefined || Number.isInteger(e.record.status)),
      ).toBe(true);
    }
  });

  it('a body said to be base64 that is not is kept as text; a HAR of it builds', () => {
    const parts = importOf([
      entry({
        response: {
          status: 200,
          headers: [],
          content: { size: 3, mimeType: 'application/octet-stream', encoding: 'base64', text: '!!!=' },
        },
      }),
    ]);
    expect(parts.events.find((e) => e.record.type === 'receive')?.record.data).toEqual({ text: '!!!=' });
    // And a malformed base64 chunk next to a text one (as no capture makes) does not stop Export HAR.
    const [conn] = parts.connections;
    const receive = parts.events.find((e) => e.record.type === 'receive');
    if (!conn || !receive) throw new Error('nothing imported');
    const chunks = [
      { ...receive, record: { ...receive.record, data: { base64: 'not base64!' } } },
      { ...receive, seq: 99, record: { ...receive.record, data: { text: 'tail' } } },
    ];
    expect(() =>
      buildHarExport({ connections: [conn], events: chunks, page: SESSION_PAGE, toolVersion: '0' }),
    ).not.toThrow();
  });
});
