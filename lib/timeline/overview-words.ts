// What the overview's tooltips and labels say, in words: "2 messages,
// 14:03:05.120–.366", "1 request to /poll, held since 14:03:05.120".

import { formatClock, formatDuration } from '../format';
import { shortUrl } from './channels';
import type { BinSummary } from './overview';

/** "1 message", "3 messages". */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}

/**
 * A span of clock times, the end cut to what differs: "14:03:05.120–.366"
 * within a second, else both in full; one time when they are the same.
 */
export function formatClockRange(from: number, to: number): string {
  const a = formatClock(from);
  if (to === from) return a;
  const b = formatClock(to);
  return a.slice(0, 8) === b.slice(0, 8) ? `${a}–${b.slice(8)}` : `${a}–${b}`;
}

/** "2 messages, 14:03:05.120–.366"; "3 events, …" without messages; null for none. */
export function describeEvents(s: BinSummary): string | null {
  if (s.events === 0) return null;
  const others = s.events - s.messages;
  const what =
    s.messages === 0
      ? counted(s.events, 'event')
      : others === 0
        ? counted(s.messages, 'message')
        : `${counted(s.messages, 'message')} and ${counted(others, 'other event')}`;
  return `${what}, ${formatClockRange(s.first, s.last)}`;
}

export interface RequestSpan {
  url: string;
  method?: string;
  startedAt: number;
  endedAt: number | null;
}

/**
 * The HTTP requests under the pointer: one told in full ("1 request to
 * /poll, 14:03:05.120–.366 (246 ms)", or "held since …" while open), several
 * counted ("3 requests to /poll, 2 still open"). Null for none.
 */
export function describeRequests(requests: readonly RequestSpan[]): string | null {
  const only = requests[0];
  if (!only) return null;
  const paths = new Set(requests.map((r) => shortUrl(r.url)));
  const to = paths.size === 1 ? ` to ${shortUrl(only.url)}` : ` to ${counted(paths.size, 'URL')}`;
  if (requests.length === 1) {
    const method = only.method && only.method !== 'GET' ? ` ${only.method}` : '';
    const when =
      only.endedAt === null
        ? `held since ${formatClock(only.startedAt)}`
        : `${formatClockRange(only.startedAt, only.endedAt)} (${formatDuration(only.endedAt - only.startedAt)})`;
    return `1${method} request${to}, ${when}`;
  }
  const open = requests.filter((r) => r.endedAt === null).length;
  return `${counted(requests.length, 'request')}${to}${open ? `, ${open} still open` : ''}`;
}
