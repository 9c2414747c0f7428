// Small display helpers shared by the panel views.

import type { EventRecord } from './model';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (x: number, n = 2) => String(x).padStart(n, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** One line describing an event's payload, never longer than max characters. */
export function previewOf(record: EventRecord, max = 200): string {
  const d = record.data;
  if (d && 'text' in d) return d.text.length > max ? `${d.text.slice(0, max)}…` : d.text;
  if (d && 'base64' in d) return `binary ${formatBytes(record.size ?? 0)}`;
  if (record.type === 'close') {
    const parts = [record.code !== undefined ? `code ${record.code}` : '', record.reason ?? ''];
    if (record.closedBy) parts.push(`by ${record.closedBy}`);
    return parts.filter(Boolean).join(' ');
  }
  if (record.type === 'open' && record.protocol) return `protocol ${record.protocol}`;
  if (record.status !== undefined) return `${record.status} ${record.statusText ?? ''}`.trim();
  return record.reason ?? '';
}

export const TRANSPORT_LABEL = { websocket: 'WS', xhr: 'XHR', fetch: 'fetch', eventsource: 'SSE' } as const;

export const DIRECTION_ARROW: Record<EventRecord['type'], string> = {
  open: '●',
  send: '↑',
  receive: '↓',
  close: '■',
  error: '✕',
};
