// A realistic captured session (every transport, text and binary, errors,
// streaming, a FormData body) fed through the real TimelineStore.

import { buildHarExport } from '../../lib/export/har';
import { buildTimelineExport, type TimelineExport } from '../../lib/export/timeline';
import type { CaptureRecord } from '../../lib/model';
import { TimelineStore } from '../../lib/timeline/store';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import type { PanelRecords } from '../../lib/wire/records';

const T = 1_764_000_000_000;
const PAGE = 'https://app.example/chat';

type Unnumbered = {
  [K in CaptureRecord['r']]: Omit<Extract<CaptureRecord, { r: K }>, 'seq'>;
}[CaptureRecord['r']];

export function sessionRecords(): Unnumbered[] {
  const records: Unnumbered[] = [
    {
      r: 'conn',
      time: T,
      id: 1,
      transport: 'websocket',
      url: 'wss://app.example/ws',
      requestedProtocols: ['chat', 'v2'],
    },
    { r: 'ev', time: T + 20.5, conn: 1, type: 'open', protocol: 'chat', extensions: 'permessage-deflate' },
    {
      r: 'ev',
      time: T + 30,
      conn: 1,
      type: 'send',
      data: { text: '{"hello":"wörld"}' },
      size: 18,
      truncated: false,
    },
    { r: 'ev', time: T + 31, conn: 1, type: 'receive', data: { base64: 'AQL/' }, size: 3, truncated: false },
    {
      r: 'ev',
      time: T + 32,
      conn: 1,
      type: 'receive',
      data: { text: 'x'.repeat(10) },
      size: 5000,
      truncated: true,
    },
    {
      r: 'conn',
      time: T + 40,
      id: 2,
      transport: 'xhr',
      url: 'https://app.example/api/poll?since=1',
      method: 'POST',
      async: true,
      requestHeaders: [['Content-Type', 'application/json']],
    },
    { r: 'ev', time: T + 40, conn: 2, type: 'open' },
    {
      r: 'ev',
      time: T + 40.25,
      conn: 2,
      type: 'send',
      data: { text: '{"q":1}' },
      size: 7,
      truncated: false,
      bodyKind: 'text',
    },
    {
      r: 'ev',
      time: T + 1500,
      conn: 2,
      type: 'receive',
      status: 200,
      statusText: 'OK',
      responseHeaders: [
        ['content-type', 'application/json'],
        ['x-id', '7'],
      ],
      data: { text: '{"ok":true}' },
      size: 11,
      truncated: false,
      headersAt: T + 1400,
      bodyKind: 'text',
    },
    { r: 'ev', time: T + 1501, conn: 2, type: 'close', status: 200 },
    { r: 'conn', time: T + 50, id: 3, transport: 'fetch', url: 'https://app.example/stream', method: 'GET' },
    { r: 'ev', time: T + 50, conn: 3, type: 'open' },
    {
      r: 'ev',
      time: T + 60,
      conn: 3,
      type: 'receive',
      status: 200,
      responseHeaders: [['content-type', 'application/x-ndjson']],
      data: { text: '{"a":1}\n' },
      size: 8,
      truncated: false,
      chunk: 0,
      headersAt: T + 55,
    },
    {
      r: 'ev',
      time: T + 70,
      conn: 3,
      type: 'receive',
      data: { text: '{"a":2}\n' },
      size: 8,
      truncated: false,
      chunk: 1,
    },
    { r: 'ev', time: T + 80, conn: 3, type: 'close', status: 200 },
    {
      r: 'conn',
      time: T + 90,
      id: 4,
      transport: 'eventsource',
      url: 'https://app.example/events',
      withCredentials: false,
    },
    { r: 'ev', time: T + 95, conn: 4, type: 'open' },
    {
      r: 'ev',
      time: T + 100,
      conn: 4,
      type: 'receive',
      data: { text: 'tick 1' },
      size: 6,
      truncated: false,
      eventName: 'tick',
      lastEventId: '1',
    },
    {
      r: 'ev',
      time: T + 200,
      conn: 4,
      type: 'receive',
      data: { text: 'hello' },
      size: 5,
      truncated: false,
      eventName: 'message',
      lastEventId: '',
    },
    { r: 'ev', time: T + 300, conn: 4, type: 'error' },
    { r: 'conn', time: T + 400, id: 5, transport: 'fetch', url: 'https://down.example/x', method: 'PUT' },
    { r: 'ev', time: T + 400, conn: 5, type: 'open' },
    {
      r: 'ev',
      time: T + 401,
      conn: 5,
      type: 'send',
      form: [
        { name: 'a', value: '1' },
        { name: 'f', fileName: 'x.bin', fileSize: 4, fileType: 'application/octet-stream' },
      ],
      bodyKind: 'formdata',
    },
    { r: 'ev', time: T + 450, conn: 5, type: 'error', reason: 'TypeError: Failed to fetch' },
    {
      r: 'ev',
      time: T + 2000,
      conn: 1,
      type: 'close',
      code: 4000,
      reason: 'bye',
      wasClean: true,
      closedBy: 'client',
    },
  ];
  return records;
}

export function sessionStore(): TimelineStore {
  const store = new TimelineStore();
  const records = sessionRecords().map((r, i) => ({ ...r, seq: i + 1 }) as CaptureRecord);
  const msg: PanelRecords = {
    v: PROTOCOL_VERSION,
    t: 'panel-records',
    tabId: 1,
    frameId: 0,
    doc: { docId: 'doc-1', url: PAGE, title: 'Chat', top: true, startedAt: T - 100 },
    loss: { evicted: 0, dropped: 0, invalid: 0 },
    records,
  };
  store.ingest(msg);
  return store;
}

export const SESSION_PAGE = { url: PAGE, title: 'Chat' };

/** A store's timeline export of the session page, with one long-poll pattern unless told not to. */
export function sessionExport(
  store: TimelineStore,
  options: { patterns?: boolean; userAgent?: string; now?: Date } = {},
): TimelineExport {
  return buildTimelineExport({
    connections: store.connections,
    events: store.events,
    page: SESSION_PAGE,
    toolVersion: '0.1.0',
    userAgent: options.userAgent ?? 'test',
    now: options.now ?? new Date(T),
    patterns:
      options.patterns === false
        ? []
        : [
            {
              id: 'p1',
              kind: 'long-poll',
              method: 'POST',
              url: 'https://app.example/api/poll',
              connectionKeys: [store.connections[1]?.key ?? ''],
              cycles: 1,
              medianHoldMs: 1460,
              medianGapMs: 0,
              extra: { storm: null },
            },
          ],
  });
}

/** A store's HAR export of the session page. */
export function sessionHar(store: TimelineStore = sessionStore()) {
  return buildHarExport({
    connections: store.connections,
    events: store.events,
    page: SESSION_PAGE,
    toolVersion: '0.1.0',
  });
}
