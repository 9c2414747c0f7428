// The connections list and the timeline lanes: one entry per WebSocket and
// EventSource, one per detected long-poll / polling channel (its HTTP requests
// grouped) and per reconnect loop (the sockets of one endpoint opened again
// and again), and one "Other requests" entry for the remaining HTTP exchanges.

import { formatClock, formatDuration } from '../format';
import type { Transport } from '../model';
import { exchangeStatus, hasEnded, PENDING_AT_EXPORT, type StatusTone } from './exchange-status';
import type { Connection } from './store';

/**
 * A detected polling pattern as the panel shows it: the fields of
 * lib/patterns' Pattern that the list and lanes use (a Pattern fits as is).
 */
export interface ChannelPattern {
  id: string;
  kind: 'long-poll' | 'polling' | 'reconnect-loop' | 'retry-storm' | 'busy-loop';
  method: string;
  url: string;
  connectionKeys: readonly string[];
  cycles: number;
  medianHoldMs: number;
  medianGapMs: number;
  /** Live state of the loop: 'held' (a request in flight), 'gap', 'waiting'. */
  state?: string;
  inFlight?: number;
  /** Storm warning: more than one request of the loop in flight (endedAt: when it was over, null while it goes on). */
  storm?: {
    peakConcurrency: number;
    startedAt: number;
    endedAt?: number | null;
    /** Reconnect loops: 'fast-retries' or 'short-lived'. */
    cause?: string;
  } | null;
  /** Known transport recognised (engine.io, sockjs-xhr-polling, ...). */
  transport?: string | null;
  /** The WebSocket the loop upgraded to (Engine.IO). */
  upgrade?: { connectionKey: string; url: string } | null;
  /** The loop's cursor parameter: how many values it took and its latest. */
  cursor?: { name: string; values: number; last: string };
  /** A reconnect loop's socket kind, back-off and live state. */
  reconnect?: {
    transport: 'websocket' | 'eventsource';
    backoff: boolean;
    state: string;
    closeCodes: readonly number[];
  } | null;
  /** A retry storm's failure statuses (0: a network error) and Retry-After. */
  retry?: { statuses: readonly number[]; retryAfterSent: boolean; retryAfterHonoured: boolean };
  /** A busy loop's request rate. */
  busy?: { requestsPerSecond: number };
}

const TRANSPORT_TITLES: Record<string, string> = {
  'engine.io': 'Engine.IO polling',
  'sockjs-xhr-polling': 'SockJS xhr-polling',
  'sockjs-xhr-streaming': 'SockJS xhr-streaming',
};

export function channelTitle(p: ChannelPattern): string {
  if (p.kind === 'reconnect-loop') {
    const socket = p.reconnect?.transport === 'eventsource' ? 'EventSource' : 'WebSocket';
    return `Reconnect loop ${socket} ${shortUrl(p.url)}`;
  }
  if (p.kind === 'retry-storm') return `Retry storm ${p.method} ${shortUrl(p.url)}`;
  if (p.kind === 'busy-loop') return `Busy loop ${p.method} ${shortUrl(p.url)}`;
  const kind =
    (p.transport && TRANSPORT_TITLES[p.transport]) ?? (p.kind === 'long-poll' ? 'Long-poll' : 'Polling');
  return `${kind} ${p.method} ${shortUrl(p.url)}`;
}

/** A channel's counts in words: cycles, hold, gap; a reconnect loop's attempts, lifetime and retry delay. */
export function channelFacts(p: ChannelPattern): [count: string, hold: string, gap: string] {
  if (p.kind === 'reconnect-loop')
    return [
      `${p.cycles} attempt${p.cycles === 1 ? '' : 's'}`,
      `lived ${formatDuration(p.medianHoldMs)}`,
      `delay ${formatDuration(p.medianGapMs)}`,
    ];
  if (p.kind === 'retry-storm')
    return [
      `${p.cycles} failure${p.cycles === 1 ? '' : 's'}${statusesText(p)}`,
      `answered in ${formatDuration(p.medianHoldMs)}`,
      `retried after ${formatDuration(p.medianGapMs)}`,
    ];
  if (p.kind === 'busy-loop')
    return [
      `${p.cycles} cycle${p.cycles === 1 ? '' : 's'}`,
      `hold ${formatDuration(p.medianHoldMs)}`,
      `${formatRate(p.busy?.requestsPerSecond ?? 0)} req/s`,
    ];
  return [
    `${p.cycles} cycle${p.cycles === 1 ? '' : 's'}`,
    `hold ${formatDuration(p.medianHoldMs)}`,
    `gap ${formatDuration(p.medianGapMs)}`,
  ];
}

function statusesText(p: ChannelPattern): string {
  const codes = p.retry?.statuses ?? [];
  if (codes.length === 0) return '';
  return ` (${codes.map((c) => (c === 0 ? 'network error' : String(c))).join(', ')})`;
}

/** A request rate: whole numbers from 10 a second up, one decimal below. */
export function formatRate(perSecond: number): string {
  return perSecond >= 10 ? String(Math.round(perSecond)) : perSecond.toFixed(1);
}

/** The channel's badge: LP, POLL, RE for a reconnect loop, RETRY, BUSY. */
export function channelBadge(p: Pick<ChannelPattern, 'kind'> | undefined): string {
  if (p?.kind === 'reconnect-loop') return 'RE';
  if (p?.kind === 'retry-storm') return 'RETRY';
  if (p?.kind === 'busy-loop') return 'BUSY';
  return p?.kind === 'polling' ? 'POLL' : 'LP';
}

/**
 * A reconnect storm in words, for the list and the channel: going on since
 * when, or over and when; how fast it retried and how long connections lived.
 */
export function reconnectStormText(p: ChannelPattern): string {
  const storm = p.storm;
  if (!storm) return '';
  const how =
    storm.cause === 'short-lived'
      ? `${p.cycles} attempts, each lived ${formatDuration(p.medianHoldMs)}`
      : `${p.cycles} attempts, retried after ${formatDuration(p.medianGapMs)}`;
  return storm.endedAt
    ? `Reconnect storm ${formatClock(storm.startedAt)} – ended ${formatClock(storm.endedAt)}: ${how}`
    : `⚠ Reconnect storm since ${formatClock(storm.startedAt)}: ${how}`;
}

/**
 * A retry storm or busy loop in words, for the list and the channel: going on
 * since when, or over and when; how often it failed or how fast it loops.
 */
export function httpFaultText(p: ChannelPattern): string {
  const storm = p.storm;
  if (!storm) return '';
  const what =
    p.kind === 'retry-storm'
      ? `Retry storm: ${p.cycles} failures, retried after ${formatDuration(p.medianGapMs)}`
      : `Busy loop: ${formatRate(p.busy?.requestsPerSecond ?? 0)} requests/s, answered in ${formatDuration(p.medianHoldMs)}`;
  return storm.endedAt
    ? `${what} (${formatClock(storm.startedAt)} – ended ${formatClock(storm.endedAt)})`
    : `⚠ ${what} since ${formatClock(storm.startedAt)}`;
}

export type EntryKind = 'connection' | 'channel' | 'other';

export interface ListEntry {
  id: string;
  kind: EntryKind;
  title: string;
  url: string;
  /** Host of the URL, shown beside the short title. */
  host: string;
  transport: Transport | null;
  /** The state in words: a socket's (exchangeStatus), a channel's, the other requests' counts. */
  state: string;
  /** What colours the state: a socket's tone, or `storm` for a storming channel. */
  tone: StatusTone | 'storm';
  messages: number;
  bytes: number;
  connectionKeys: string[];
  startedAt: number;
  /** Page section of the connection that started first (what its "Since load" counts from). */
  section: number;
  pattern?: ChannelPattern;
  /** Display number of the connection (kind 'connection'). */
  number?: number;
}

export const OTHER_ENTRY_ID = 'other';

/** Path of a URL (what tells endpoints apart on one origin); the full URL is in the tooltip. */
export function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname.length > 1 ? u.pathname : u.host;
  } catch {
    return url;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

function addCounts(entry: ListEntry, c: Connection): void {
  entry.messages += c.sent + c.received;
  entry.bytes += c.bytesSent + c.bytesReceived;
  entry.connectionKeys.push(c.key);
}

/**
 * A channel's state. An imported file shows no live state: a request of the
 * loop still in flight when it was exported is "pending at export", and a
 * loop between requests shows none.
 */
function channelState(p: ChannelPattern, imported: boolean): { state: string; tone: StatusTone | 'storm' } {
  // An imported storm still going at export is no live state: its peak is said, not in red.
  if (p.storm && !p.storm.endedAt) return { state: 'storm', tone: imported ? 'at-export' : 'storm' };
  if (!imported) return { state: p.reconnect?.state ?? p.state ?? 'active', tone: 'live' };
  const inFlight = (p.inFlight ?? 0) > 0 || p.state === 'held';
  return inFlight ? { state: PENDING_AT_EXPORT, tone: 'at-export' } : { state: '', tone: 'ended' };
}

function startedEarlier(entry: ListEntry, c: Connection): void {
  if (c.startedAt >= entry.startedAt) return;
  entry.startedAt = c.startedAt;
  entry.section = c.section;
}

export function buildEntries(
  connections: readonly Connection[],
  patterns: readonly ChannelPattern[],
  numberOf: (c: Connection) => number,
  opts: { imported?: boolean } = {},
): ListEntry[] {
  const imported = opts.imported === true;
  const entries: ListEntry[] = [];
  const patternOf = new Map<string, ListEntry>();
  for (const p of patterns) {
    const entry: ListEntry = {
      id: `pattern:${p.id}`,
      kind: 'channel',
      title: channelTitle(p),
      url: p.url,
      host: hostOf(p.url),
      transport: null,
      ...channelState(p, imported),
      messages: 0,
      bytes: 0,
      connectionKeys: [],
      startedAt: Number.POSITIVE_INFINITY,
      section: 0,
      pattern: p,
    };
    for (const k of p.connectionKeys) if (!patternOf.has(k)) patternOf.set(k, entry);
    entries.push(entry);
  }
  const other: ListEntry = {
    id: OTHER_ENTRY_ID,
    kind: 'other',
    title: 'Other requests',
    url: '',
    host: '',
    transport: null,
    state: '',
    tone: 'ended',
    messages: 0,
    bytes: 0,
    connectionKeys: [],
    startedAt: Number.POSITIVE_INFINITY,
    section: 0,
  };
  let pending = 0;
  for (const c of connections) {
    const channel = patternOf.get(c.key);
    if (channel) {
      addCounts(channel, c);
      channel.transport = channel.transport ?? c.transport;
      startedEarlier(channel, c);
      continue;
    }
    if (c.transport === 'websocket' || c.transport === 'eventsource') {
      const status = exchangeStatus(c, { imported });
      const entry: ListEntry = {
        id: `conn:${c.key}`,
        kind: 'connection',
        title: shortUrl(c.url),
        url: c.url,
        host: hostOf(c.url),
        transport: c.transport,
        state: status.label,
        tone: status.tone,
        messages: 0,
        bytes: 0,
        connectionKeys: [],
        startedAt: c.startedAt,
        section: c.section,
        number: numberOf(c),
      };
      addCounts(entry, c);
      entries.push(entry);
      continue;
    }
    addCounts(other, c);
    startedEarlier(other, c);
    if (!hasEnded(c)) pending++;
  }
  // Channels first (the point of the tool), then sockets by start, then the rest.
  entries.sort((a, b) => (a.kind === b.kind ? a.startedAt - b.startedAt : a.kind === 'channel' ? -1 : 1));
  if (other.connectionKeys.length > 0) {
    const n = other.connectionKeys.length;
    const pendingWord = imported ? PENDING_AT_EXPORT : 'pending';
    other.state = `${n} request${n === 1 ? '' : 's'}${pending ? `, ${pending} ${pendingWord}` : ''}`;
    if (pending) other.tone = imported ? 'at-export' : 'live';
    entries.push(other);
  }
  return entries;
}
