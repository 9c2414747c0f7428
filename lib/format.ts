// Small display helpers shared by the panel views.

import { base64DecodedLength } from './base64';
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
/** Bytes of a binary message the list shows. */
export const PREVIEW_BYTES = 10;

/**
 * "12 B · 0a 1f 00 ff 7b …": a binary message's size and first bytes in hex.
 * Only those bytes are decoded: the list renders many rows during a flood.
 * `size` is the message's own size (it may exceed what was captured).
 */
export function binaryPreview(base64: string, size?: number, count = PREVIEW_BYTES): string {
  const total = size ?? Math.max(0, base64DecodedLength(base64));
  // Strict about the previewed characters: skipping a stray one would shift every byte after it.
  const chars = base64.slice(0, Math.ceil(count / 3) * 4);
  const head = /^[A-Za-z0-9+/]*={0,2}$/.test(chars) ? base64Prefix(base64, count) : new Uint8Array(0);
  if (head.length === 0)
    return base64.length > 0 ? `${formatBytes(total)} · not valid base64` : formatBytes(total);
  let hex = '';
  for (const b of head) hex += `${HEX[b >> 4]}${HEX[b & 15]} `;
  return `${formatBytes(total)} · ${total > head.length ? `${hex}…` : hex.trimEnd()}`;
}

export function previewOf(record: EventRecord, max = 200): string {
  const d = record.data;
  if (d && 'text' in d) return d.text.length > max ? `${d.text.slice(0, max)}…` : d.text;
  if (d && 'base64' in d) return binaryPreview(d.base64, record.size);
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

/**
 * Time since the page loaded, one format wherever it is shown (the list's
 * "Since load" column, the detail, the connections list): seconds to the
 * millisecond up to a minute ("12.345 s"), then clock style ("1:05.123",
 * "1:02:05.123"), so a column of them lines up and sorts by eye. Rounded to
 * the whole millisecond first, so 59,999.6 ms reads "1:00.000", not "60.000 s".
 * Before the load (a frame's event just ahead of it) it is negative: "−0.250 s".
 */
export function formatSinceLoad(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const whole = Math.round(Math.abs(ms));
  const sign = ms < 0 && whole > 0 ? '−' : '';
  if (whole < 60_000) return `${sign}${(whole / 1000).toFixed(3)} s`;
  const millis = String(whole % 1000).padStart(3, '0');
  const seconds = String(Math.floor(whole / 1000) % 60).padStart(2, '0');
  const minutes = Math.floor(whole / 60_000) % 60;
  const hours = Math.floor(whole / 3_600_000);
  if (hours === 0) return `${sign}${minutes}:${seconds}.${millis}`;
  return `${sign}${hours}:${String(minutes).padStart(2, '0')}:${seconds}.${millis}`;
}

/** A duration for humans: "850 ms", "1.48 s", "2m 05s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)}m ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

const HEX = '0123456789abcdef';

/** Bytes per hex dump line the dump may use: the widest that fits is chosen. */
export const HEX_LINE_BYTES = [16, 8, 4] as const;
export type HexLineBytes = (typeof HEX_LINE_BYTES)[number];

/** Characters of one hex dump line of `perLine` bytes (offset, hex groups of eight, text column). */
export function hexLineChars(perLine: HexLineBytes): number {
  const groupGaps = Math.ceil(perLine / 8) - 1;
  // "00000000" + 2 spaces, "xx " a byte, a space between groups, " |", text, "|".
  return 10 + perLine * 3 + groupGaps + 2 + perLine + 1;
}

/**
 * Classic hex dump lines ("00000010  48 65 6c ... |Hello...|"), `perLine`
 * bytes a line in groups of eight. Non-printable bytes show as "." in the
 * text column.
 */
export function hexDump(bytes: Uint8Array, perLine: HexLineBytes = 16): string {
  const out: string[] = [];
  const stop = bytes.length;
  for (let off = 0; off < stop; off += perLine) {
    let hex = '';
    let text = '';
    for (let i = 0; i < perLine; i++) {
      if (i > 0 && i % 8 === 0) hex += ' ';
      const idx = off + i;
      if (idx < stop) {
        const b = bytes[idx] as number;
        hex += `${HEX[b >> 4]}${HEX[b & 15]} `;
        text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '   ';
      }
    }
    out.push(`${off.toString(16).padStart(8, '0')}  ${hex} |${text}|`);
  }
  return out.join('\n');
}

/** Bytes of a base64 string's first `limit` decoded bytes, without decoding the rest. */
export function base64Prefix(b64: string, limit: number): Uint8Array {
  const chars = Math.min(b64.length, Math.ceil(limit / 3) * 4);
  let head = b64.slice(0, chars).replace(/[^A-Za-z0-9+/=]/g, '');
  head = head.slice(0, head.length - (head.length % 4));
  try {
    const binary = atob(head);
    const n = Math.min(limit, binary.length);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return new Uint8Array(0);
  }
}
