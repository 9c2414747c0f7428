// Reads a HAR 1.2 log (Wirescope's own, or one saved by Chrome DevTools or
// another tool) into the panel's model. Entries become connections by
// `_resourceType` when present (xhr, fetch, websocket, eventsource); without
// it, by what they are: a ws:/wss: URL or WebSocket messages, an event-stream
// response, otherwise an HTTP exchange (xhr when the request says so, else
// fetch). Page resources (documents, scripts, styles, images, fonts, media)
// are skipped: they are not realtime traffic.

import { isBase64 } from '../base64';
import type { EventRecord, HeaderList, Payload, Transport } from '../model';
import { utf8ByteLength } from '../utf8';
import { isRecord, isTime, MAX_TIME } from '../validate';
import { buildParts, type ConnectionInput, type ImportedParts } from './parts';
import { ImportError } from './timeline';

type EventInput = { connIndex: number; record: Omit<EventRecord, 'r' | 'seq' | 'conn'> };

const STATIC_TYPES = new Set([
  'document',
  'stylesheet',
  'image',
  'media',
  'font',
  'script',
  'texttrack',
  'manifest',
  'signed-exchange',
  'ping',
  'csp-violation-report',
  'preflight',
  'prefetch',
  'wasm',
  'webtransport',
]);
const STATIC_MIME = /^(image|font|audio|video)\/|^text\/(css|html|javascript)|javascript|wasm/i;

export interface HarImport extends ImportedParts {
  /** Entries left out as page resources. */
  skipped: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function headerList(v: unknown): HeaderList {
  if (!Array.isArray(v)) return [];
  const out: HeaderList = [];
  for (const h of v) if (isRecord(h) && typeof h.name === 'string') out.push([h.name, str(h.value) ?? '']);
  return out;
}

const headerValue = (list: HeaderList, name: string) => list.find(([n]) => n.toLowerCase() === name)?.[1];

function classify(
  entry: Record<string, unknown>,
  url: string,
  request: Record<string, unknown>,
): Transport | null {
  const type = str(entry._resourceType)?.toLowerCase();
  if (type === 'websocket' || type === 'eventsource' || type === 'xhr' || type === 'fetch') return type;
  if (type && STATIC_TYPES.has(type)) return null;
  if (/^wss?:/i.test(url) || Array.isArray(entry._webSocketMessages)) return 'websocket';
  const response = isRecord(entry.response) ? entry.response : {};
  const content = isRecord(response.content) ? response.content : {};
  const mime = str(content.mimeType) ?? headerValue(headerList(response.headers), 'content-type') ?? '';
  if (/text\/event-stream/i.test(mime) || Array.isArray(entry._eventSourceMessages)) return 'eventsource';
  if (STATIC_MIME.test(mime)) return null;
  const requested = headerValue(headerList(request.headers), 'x-requested-with');
  return requested?.toLowerCase() === 'xmlhttprequest' ? 'xhr' : 'fetch';
}

/** A body as Wirescope keeps it; one said to be base64 that is not is kept as the text it is. */
function payload(text: string, base64: boolean): { data: Payload; size: number } {
  if (base64 && isBase64(text))
    return {
      data: { base64: text },
      size: Math.floor((text.length * 3) / 4) - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0),
    };
  return { data: { text }, size: utf8ByteLength(text) };
}

const timing = (t: Record<string, unknown>, k: string) => Math.max(0, num(t[k]) ?? 0);

/** An HTTP status (an integer up to 999); anything else is unknown, as a missing one is: 0. */
const statusOf = (v: unknown): number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 999 ? (v as number) : 0;

/** A time (ms since 1970) Wirescope can show and export: from 1970 to the last a Date can hold. */
function timeAt(ms: number, where: string): number {
  if (!isTime(ms))
    throw new ImportError(
      `invalid HAR: ${where} is ${ms < 0 ? 'before 1970' : `later than any date (at most ${MAX_TIME} ms since 1970)`}`,
    );
  return ms;
}

export function readHar(value: Record<string, unknown>): HarImport {
  const log = value.log;
  if (!isRecord(log) || !Array.isArray(log.entries))
    throw new ImportError('not a HAR file: it has no log.entries array');
  const version = str(log.version);
  if (version !== undefined && !/^1\.[12]$/.test(version))
    throw new ImportError(`unsupported HAR version "${version}": Wirescope reads HAR 1.1 and 1.2`);

  const inputs: ConnectionInput[] = [];
  const events: EventInput[] = [];
  let skipped = 0;
  let pageUrl = '';
  log.entries.forEach((entry: unknown, i: number) => {
    const where = `log.entries[${i}]`;
    if (!isRecord(entry)) throw new ImportError(`invalid HAR: ${where} is not an object`);
    const request = entry.request;
    if (!isRecord(request) || typeof request.url !== 'string')
      throw new ImportError(`invalid HAR: ${where}.request.url is missing`);
    const startedAt = Date.parse(str(entry.startedDateTime) ?? '');
    if (Number.isNaN(startedAt)) throw new ImportError(`invalid HAR: ${where}.startedDateTime is not a date`);
    const started = timeAt(startedAt, `${where}.startedDateTime`);
    const url = request.url;
    if (!pageUrl && str(entry._resourceType) === 'document') pageUrl = url;
    const transport = classify(entry, url, request);
    if (!transport) {
      skipped++;
      return;
    }
    const connIndex = inputs.length;
    const response = isRecord(entry.response) ? entry.response : {};
    const responseHeaders = headerList(response.headers);
    const requestHeaders = headerList(request.headers);
    const status = statusOf(response.status);
    const statusText = str(response.statusText) ?? '';
    // Chrome and Wirescope write a failed request's reason as `_error`; status 0 without one is a
    // request still pending when the file was saved (Chrome writes `_error: null` then).
    const error = str(response._error);
    const pending = !error && status === 0;
    const t = isRecord(entry.timings) ? entry.timings : {};
    // Derived from durations, which may be anything: a time past the last a Date can hold is clamped to it.
    const headersAt = Math.min(
      MAX_TIME,
      started +
        timing(t, 'blocked') +
        timing(t, 'dns') +
        timing(t, 'connect') +
        timing(t, 'send') +
        timing(t, 'wait'),
    );
    const total = num(entry.time);
    const end = Math.min(
      MAX_TIME,
      total !== undefined && total >= 0 ? started + total : headersAt + timing(t, 'receive'),
    );
    const push = (record: EventInput['record']) => events.push({ connIndex, record });
    const method = str(request.method) ?? 'GET';
    const input: ConnectionInput = {
      record: {
        time: started,
        transport,
        url,
        ...(transport === 'websocket' || transport === 'eventsource' ? {} : { method }),
      },
      frameUrl: pageUrl || url,
      endedAt: null,
      status: null,
      protocol: null,
    };
    if (requestHeaders.length > 0) input.record.requestHeaders = requestHeaders;
    inputs.push(input);

    if (transport === 'websocket') {
      const requested = headerValue(requestHeaders, 'sec-websocket-protocol');
      if (requested) input.record.requestedProtocols = requested.split(',').map((p) => p.trim());
      if (status !== 101 && status !== 0 && status !== 200) input.status = status;
      if (error && status !== 101) {
        push({ time: end, type: 'error', reason: error });
        return;
      }
      if (pending) return;
      const protocol = headerValue(responseHeaders, 'sec-websocket-protocol');
      if (protocol) input.protocol = protocol;
      push({ time: headersAt, type: 'open', ...(protocol ? { protocol } : {}) });
      const messages = Array.isArray(entry._webSocketMessages) ? entry._webSocketMessages : [];
      messages.forEach((m: unknown, j: number) => {
        if (!isRecord(m))
          throw new ImportError(`invalid HAR: ${where}._webSocketMessages[${j}] is not an object`);
        const type = m.type;
        const time = num(m.time);
        if ((type !== 'send' && type !== 'receive') || time === undefined)
          throw new ImportError(
            `invalid HAR: ${where}._webSocketMessages[${j}] needs type send/receive and a time`,
          );
        const opcode = num(m.opcode) ?? 1;
        if (opcode !== 1 && opcode !== 2) return; // control frames carry no message
        push({
          time: timeAt(time * 1000, `${where}._webSocketMessages[${j}].time`),
          type,
          ...payload(str(m.data) ?? '', opcode === 2),
          truncated: false,
        });
      });
      return;
    }

    if (transport === 'eventsource') {
      input.status = status || null;
      if (error && status === 0) {
        // Failed for good: the entry is final, not a stream reconnecting.
        push({ time: end, type: 'error', reason: error });
        input.endedAt = end;
        return;
      }
      if (pending) return;
      push({ time: headersAt, type: 'open' });
      const messages = Array.isArray(entry._eventSourceMessages) ? entry._eventSourceMessages : [];
      messages.forEach((m: unknown, j: number) => {
        const time = isRecord(m) ? num(m.time) : undefined;
        if (!isRecord(m) || time === undefined)
          throw new ImportError(`invalid HAR: ${where}._eventSourceMessages[${j}] needs a time`);
        push({
          time: timeAt(time * 1000, `${where}._eventSourceMessages[${j}].time`),
          type: 'receive',
          ...payload(str(m.data) ?? '', false),
          truncated: false,
          eventName: str(m.eventName) ?? 'message',
          lastEventId: str(m.eventId) ?? '',
        });
      });
      return;
    }

    // HTTP exchange: open when sent, send with the body, receive, close (or error).
    push({ time: started, type: 'open' });
    const postData = isRecord(request.postData) ? request.postData : null;
    if (postData) {
      const params = Array.isArray(postData.params) ? postData.params.filter(isRecord) : [];
      const text = str(postData.text);
      if (text !== undefined)
        push({
          time: started,
          type: 'send',
          ...payload(text, postData._encoding === 'base64'),
          truncated: false,
        });
      else if (params.length > 0)
        push({
          time: started,
          type: 'send',
          form: params.map((p) => ({
            name: str(p.name) ?? '',
            ...(str(p.value) !== undefined ? { value: str(p.value) } : {}),
            ...(str(p.fileName) !== undefined ? { fileName: str(p.fileName) } : {}),
            ...(str(p.contentType) !== undefined ? { fileType: str(p.contentType) } : {}),
          })),
        });
    }
    if (error && status === 0) {
      push({ time: end, type: 'error', reason: error });
      input.endedAt = end;
      return;
    }
    if (pending) return;
    input.status = status;
    input.endedAt = end;
    const content = isRecord(response.content) ? response.content : {};
    const body = str(content.text);
    push({
      time: headersAt,
      type: 'receive',
      status,
      ...(statusText ? { statusText } : {}),
      responseHeaders,
      headersAt,
      ...(body !== undefined ? { ...payload(body, content.encoding === 'base64'), truncated: false } : {}),
    });
    push({ time: end, type: 'close', status });
  });

  if (inputs.length === 0)
    throw new ImportError(
      `the HAR has no WebSocket, XHR, fetch or EventSource entries${skipped ? ` (${skipped} page resources skipped)` : ''}`,
    );
  const pages = Array.isArray(log.pages) ? log.pages.filter(isRecord) : [];
  const title = str(pages[0]?.title) ?? '';
  const url = pageUrl || (/^https?:\/\//.test(title) ? title : '');
  const order = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.record.time - b.e.record.time || a.i - b.i)
    .map(({ e }) => e);
  return { ...buildParts(inputs, order, { url, title }), skipped };
}
