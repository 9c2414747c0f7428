// Builds a HAR 1.2 log of the captured traffic, as Chrome DevTools writes and
// imports it: one entry per HTTP exchange (xhr, fetch), per WebSocket (frames
// in `_webSocketMessages`: type, time in epoch seconds, opcode 1 text / 2
// binary, data as text or base64) and per EventSource (messages in
// `_eventSourceMessages`: time, eventName, eventId, data — the shape of
// DevTools' EventSource messages, which HAR tools read under that name).

import type { Content, Entry, Har, Header, PostData, Request, Response, Timings } from 'har-format';
import { base64ToBytes, bytesToBase64, isBase64 } from '../base64';
import type { HeaderList, Payload } from '../model';
import type { Connection, TimelineEvent } from '../timeline/store';

export interface HarExportInput {
  connections: Connection[];
  events: TimelineEvent[];
  page: { url: string; title: string };
  toolVersion: string;
}

export interface HarWebSocketMessage {
  type: 'send' | 'receive';
  /** Seconds since the Unix epoch. */
  time: number;
  opcode: 1 | 2;
  data: string;
}

export interface HarEventSourceMessage {
  /** Seconds since the Unix epoch. */
  time: number;
  eventName: string;
  eventId: string;
  data: string;
}

const PAGE_ID = 'page_1';

const headersOf = (list: HeaderList | undefined): Header[] =>
  (list ?? []).map(([name, value]) => ({ name, value }));

const headerValue = (list: HeaderList | undefined, name: string): string | undefined =>
  list?.find(([n]) => n.toLowerCase() === name)?.[1];

/** An ISO date, for any number: times a Date cannot hold are clamped to the nearest it can (a HAR must never fail to build). */
const iso = (ms: number): string =>
  new Date(Number.isNaN(ms) ? 0 : Math.min(8.64e15, Math.max(-8.64e15, ms))).toISOString();

function queryOf(url: string): Array<{ name: string; value: string }> {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

/** Joins streamed chunks: text stays text; any binary makes the whole body base64. */
function joinPayloads(parts: Payload[]): { text: string; encoding?: 'base64' } {
  if (parts.every((p) => 'text' in p))
    return { text: parts.map((p) => (p as { text: string }).text).join('') };
  const encoder = new TextEncoder();
  // A payload that is not base64 after all (never from a capture) goes as its text: a HAR never fails to build.
  const chunks = parts.map((p) =>
    'text' in p
      ? encoder.encode(p.text)
      : isBase64(p.base64)
        ? base64ToBytes(p.base64)
        : encoder.encode(p.base64),
  );
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return { text: bytesToBase64(all), encoding: 'base64' };
}

function baseRequest(conn: Connection): Request {
  return {
    method: conn.method ?? 'GET',
    url: conn.url,
    httpVersion: '',
    cookies: [],
    headers: headersOf(conn.record.requestHeaders),
    queryString: queryOf(conn.url),
    headersSize: -1,
    bodySize: 0,
  };
}

function baseResponse(status: number, statusText: string, headers: HeaderList | undefined): Response {
  return {
    status,
    statusText,
    httpVersion: '',
    cookies: [],
    headers: headersOf(headers),
    content: { size: 0, mimeType: headerValue(headers, 'content-type') ?? 'x-unknown' },
    redirectURL: '',
    headersSize: -1,
    bodySize: -1,
  };
}

/** HAR timings from what the page saw: sent (start), headers, done. */
function timingsOf(
  start: number,
  headersAt: number | undefined,
  end: number | undefined,
): Timings & { send: number } {
  const done = end ?? headersAt ?? start;
  const headers = headersAt ?? done;
  return {
    blocked: -1,
    dns: -1,
    connect: -1,
    ssl: -1,
    send: 0,
    wait: Math.max(0, headers - start),
    receive: Math.max(0, done - headers),
  };
}

function entryBase(conn: Connection, timings: Timings & { send: number }): Entry {
  return {
    pageref: PAGE_ID,
    startedDateTime: iso(conn.startedAt),
    time: timings.send + timings.wait + timings.receive,
    request: baseRequest(conn),
    response: baseResponse(0, '', undefined),
    cache: {},
    timings,
  };
}

function httpEntry(conn: Connection, events: TimelineEvent[]): Entry {
  const sent = events.filter((e) => e.record.type === 'send');
  const received = events.filter((e) => e.record.type === 'receive');
  const firstReceive = received[0]?.record;
  const end = events.find((e) => e.record.type === 'close' || e.record.type === 'error')?.record;
  const headersAt = firstReceive?.headersAt ?? end?.headersAt ?? firstReceive?.time;
  const timings = timingsOf(conn.startedAt, headersAt, end?.time ?? received.at(-1)?.time);
  const entry = entryBase(conn, timings);
  entry._resourceType = conn.transport;

  const requestBody = sent.map((e) => e.record).find((r) => r.data || r.form);
  if (requestBody) {
    const mimeType = headerValue(conn.record.requestHeaders, 'content-type') ?? '';
    const postData: PostData = requestBody.form
      ? {
          mimeType: mimeType || 'multipart/form-data',
          params: requestBody.form.map((f) => ({
            name: f.name,
            ...(f.value !== undefined ? { value: f.value } : {}),
            ...(f.fileName !== undefined ? { fileName: f.fileName } : {}),
            ...(f.fileType !== undefined ? { contentType: f.fileType } : {}),
          })),
        }
      : { mimeType, text: joinPayloads(requestBody.data ? [requestBody.data] : []).text };
    // HAR postData has no encoding field: a binary body is base64 text, flagged.
    if (requestBody.data && 'base64' in requestBody.data) Object.assign(postData, { _encoding: 'base64' });
    entry.request.postData = postData;
    entry.request.bodySize = requestBody.size ?? 0;
  }

  const statusRecord = [...events].reverse().find((e) => e.record.status !== undefined)?.record;
  const status = conn.status ?? statusRecord?.status ?? 0;
  const headersRecord = events.find((e) => e.record.responseHeaders)?.record;
  const statusText = events.find((e) => e.record.statusText !== undefined)?.record.statusText ?? '';
  entry.response = baseResponse(status, statusText, headersRecord?.responseHeaders);
  const bodies = received.map((e) => e.record).filter((r) => r.data);
  if (bodies.length > 0) {
    const joined = joinPayloads(bodies.map((r) => r.data as Payload));
    const size = bodies.reduce((n, r) => n + (r.size ?? 0), 0);
    const content: Content = { ...entry.response.content, size, text: joined.text };
    if (joined.encoding) content.encoding = joined.encoding;
    if (bodies.some((r) => r.truncated)) content.comment = 'truncated by the Wirescope payload cap';
    entry.response.content = content;
    entry.response.bodySize = size;
  }
  // Chrome writes a failed request's reason as response._error.
  if (end?.type === 'error') Object.assign(entry.response, { _error: end.reason ?? 'error' });
  return entry;
}

function webSocketEntry(conn: Connection, events: TimelineEvent[]): Entry {
  const open = events.find((e) => e.record.type === 'open')?.record;
  const close = events.find((e) => e.record.type === 'close' || e.record.type === 'error')?.record;
  const entry = entryBase(conn, timingsOf(conn.startedAt, open?.time, open?.time));
  entry._resourceType = 'websocket';
  const requested = conn.record.requestedProtocols;
  if (requested?.length)
    entry.request.headers.push({ name: 'Sec-WebSocket-Protocol', value: requested.join(', ') });
  const responseHeaders: HeaderList = conn.protocol ? [['Sec-WebSocket-Protocol', conn.protocol]] : [];
  entry.response = open
    ? baseResponse(101, 'Switching Protocols', responseHeaders)
    : baseResponse(0, '', responseHeaders);
  if (!open && close?.type === 'error') Object.assign(entry.response, { _error: close.reason ?? 'error' });
  const messages: HarWebSocketMessage[] = [];
  for (const e of events) {
    const r = e.record;
    if ((r.type !== 'send' && r.type !== 'receive') || !r.data) continue;
    const binary = 'base64' in r.data;
    messages.push({
      type: r.type,
      time: r.time / 1000,
      opcode: binary ? 2 : 1,
      data: 'base64' in r.data ? r.data.base64 : r.data.text,
    });
  }
  entry._webSocketMessages = messages;
  return entry;
}

function eventSourceEntry(conn: Connection, events: TimelineEvent[]): Entry {
  const open = events.find((e) => e.record.type === 'open')?.record;
  const end = [...events].reverse().find((e) => e.record.type === 'close')?.record;
  const entry = entryBase(conn, timingsOf(conn.startedAt, open?.time, end?.time ?? events.at(-1)?.time));
  entry._resourceType = 'eventsource';
  entry.response = baseResponse(conn.status ?? (open ? 200 : 0), '', [['Content-Type', 'text/event-stream']]);
  // A stream that failed before it opened says so, as a failed request does: status 0 alone reads as pending.
  const failed = open ? undefined : events.find((e) => e.record.type === 'error')?.record;
  if (failed) Object.assign(entry.response, { _error: failed.reason ?? 'error' });
  const messages: HarEventSourceMessage[] = [];
  for (const e of events) {
    const r = e.record;
    if (r.type !== 'receive') continue;
    messages.push({
      time: r.time / 1000,
      eventName: r.eventName ?? 'message',
      eventId: r.lastEventId ?? '',
      data: r.data && 'text' in r.data ? r.data.text : '',
    });
  }
  entry._eventSourceMessages = messages;
  return entry;
}

export function buildHarExport(input: HarExportInput): Har {
  const byConn = new Map<string, TimelineEvent[]>();
  for (const e of [...input.events].sort((a, b) => a.time - b.time || a.seq - b.seq)) {
    const list = byConn.get(e.connection.key);
    if (list) list.push(e);
    else byConn.set(e.connection.key, [e]);
  }
  const connections = [...input.connections].sort((a, b) => a.startedAt - b.startedAt);
  const entries = connections.map((conn) => {
    const events = byConn.get(conn.key) ?? [];
    if (conn.transport === 'websocket') return webSocketEntry(conn, events);
    if (conn.transport === 'eventsource') return eventSourceEntry(conn, events);
    return httpEntry(conn, events);
  });
  const firstStart = connections[0]?.startedAt ?? Date.now();
  return {
    log: {
      version: '1.2',
      creator: { name: 'Wirescope', version: input.toolVersion },
      pages: [
        {
          id: PAGE_ID,
          startedDateTime: iso(firstStart),
          title: input.page.title || input.page.url,
          pageTimings: { onContentLoad: -1, onLoad: -1 },
        },
      ],
      entries,
    },
  };
}
