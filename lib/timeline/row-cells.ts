// What each column of the event list says about a row, in words: plain logic,
// so the list component only lays it out. An HTTP exchange reads like a row of
// the Network panel (method, status, type, size, time, a waterfall bar); a
// socket or SSE event says what happened in words next to its arrow.

import { formatBytes, formatDuration, previewOf } from '../format';
import type { EventRecord } from '../model';
import type { ExchangeStatus } from './exchange-status';
import { isExchangeRow, type ListRow } from './list-rows';
import { type Connection, isHttp, type TimelineEvent } from './store';

/** The Status column of an event row: a socket's close code, an HTTP step's status. */
export function eventStatus(e: TimelineEvent): ExchangeStatus {
  const r = e.record;
  if (r.status !== undefined)
    return {
      label: String(r.status),
      tone: r.status >= 500 ? 'server-error' : r.status >= 400 ? 'client-error' : 'ok',
      ...(r.statusText ? { title: r.statusText } : {}),
    };
  if (r.type === 'close' && r.code !== undefined)
    return {
      label: String(r.code),
      tone: r.code === 1000 ? 'ok' : 'failed',
      ...(r.reason ? { title: r.reason } : {}),
    };
  if (r.type === 'error') return { label: '', tone: 'failed', ...(r.reason ? { title: r.reason } : {}) };
  return { label: '', tone: 'ended' };
}

const EVENT_WORD: Record<EventRecord['type'], string> = {
  open: '● open',
  send: '↑ send',
  receive: '↓ receive',
  close: '■ close',
  error: '✕ error',
};

const STEP_WORD: Record<EventRecord['type'], string> = {
  open: '● start',
  send: '↑ request body',
  receive: '↓ response',
  close: '■ end',
  error: '✕ failed',
};

/** The Method column: an exchange's method; for an event, what happened, arrow and word. */
export function methodCell(row: ListRow): string {
  if (isExchangeRow(row)) return row.connection.method ?? 'GET';
  const e = 'kind' in row ? row.event : row;
  const r = e.record;
  if (!isHttp(e.connection)) return EVENT_WORD[r.type];
  if (r.type === 'receive' && r.chunk !== undefined) return `↓ chunk ${r.chunk}`;
  return STEP_WORD[r.type];
}

/** "json" for application/json, "event-stream" for text/event-stream: the part people name. */
export function shortMime(mime: string | null): string {
  if (!mime) return '';
  const [kind = '', sub = ''] = mime.split('/');
  if (sub.endsWith('+json') || sub === 'json') return 'json';
  if (sub.endsWith('+xml')) return 'xml';
  if (kind === 'text' && sub === 'plain') return 'text';
  if (sub === 'octet-stream') return 'binary';
  return sub || kind;
}

/** The Type column: an exchange's response type; a message's text / binary or SSE event name. */
export function typeCell(row: ListRow): string {
  if (isExchangeRow(row)) return shortMime(row.connection.contentType);
  const e = 'kind' in row ? row.event : row;
  const r = e.record;
  if (e.connection.transport === 'eventsource' && r.type === 'receive') return r.eventName ?? 'message';
  if (r.data) return 'base64' in r.data ? 'binary' : 'text';
  return '';
}

/** The Size column: an exchange's response bytes; an event's payload bytes. */
export function sizeCell(row: ListRow): string {
  if (isExchangeRow(row)) {
    const c = row.connection;
    return c.received > 0 ? formatBytes(c.bytesReceived) : '';
  }
  const r = ('kind' in row ? row.event : row).record;
  return r.size !== undefined ? formatBytes(r.size) : '';
}

/** The Duration column: an exchange's time from start to end ("pending" while open). */
export function durationCell(row: ListRow, imported: boolean): string {
  if (!isExchangeRow(row)) return '';
  const c = row.connection;
  if (c.endedAt === null) return imported ? '' : 'pending';
  return formatDuration(c.endedAt - c.startedAt);
}

/** An exchange's waterfall bar: fractions of the cell for waiting and receiving. */
export interface WaterfallBar {
  /** Start to response headers (a long-poll's hold), as a fraction of the scale. */
  wait: number;
  /** Response headers to end. */
  receive: number;
  open: boolean;
  title: string;
}

/** The waterfall of an exchange, against `scaleMs` (the longest exchange listed). */
export function waterfallOf(c: Connection, now: number, scaleMs: number, imported: boolean): WaterfallBar {
  const end = c.endedAt ?? (imported ? null : now);
  const open = c.endedAt === null;
  if (end === null) return { wait: 0, receive: 0, open, title: 'Still open when the file was exported' };
  const total = Math.max(0, end - c.startedAt);
  const headers = c.headersAt !== null ? Math.min(end, Math.max(c.startedAt, c.headersAt)) : end;
  const wait = headers - c.startedAt;
  const scale = Math.max(scaleMs, total, 1);
  const title = open
    ? c.headersAt === null
      ? `Waiting for the response for ${formatDuration(total)} so far`
      : `Waited ${formatDuration(wait)} for the response; receiving for ${formatDuration(end - headers)} so far`
    : c.headersAt === null
      ? `${formatDuration(total)} in all`
      : `Waited ${formatDuration(wait)} for the response, then ${formatDuration(end - headers)} receiving`;
  return { wait: wait / scale, receive: (end - headers) / scale, open, title };
}

/** The Data column: an exchange's response (or request body before one), an event's payload. */
export function dataCell(row: ListRow, max = 300): string {
  if (!isExchangeRow(row)) return previewOf(('kind' in row ? row.event : row).record, max);
  let request: TimelineEvent | undefined;
  for (let i = row.events.length - 1; i >= 0; i--) {
    const e = row.events[i] as TimelineEvent;
    if (e.record.type === 'receive' && e.record.data) {
      const chunks = row.connection.received;
      const text = previewOf(e.record, max);
      return chunks > 1 ? `${chunks} chunks · last: ${text}` : text;
    }
    if (e.record.type === 'send' && e.record.data) request = e;
  }
  if (request) return `↑ ${previewOf(request.record, max)}`;
  const last = row.events[row.events.length - 1];
  return last ? previewOf(last.record, max) : '';
}
