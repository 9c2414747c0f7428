// The connections list and the timeline lanes: one entry per WebSocket and
// EventSource, one per detected long-poll / polling channel (its HTTP requests
// grouped), and one "Other requests" entry for the remaining HTTP exchanges.

import type { Transport } from '../model';
import type { Connection } from './store';

/** A detected polling pattern as the panel shows it (adapted from lib/patterns). */
export interface ChannelPattern {
  id: string;
  kind: 'long-poll' | 'polling';
  method: string;
  url: string;
  connectionKeys: string[];
  cycles: number;
  medianHoldMs: number;
  medianGapMs: number;
  /** Live state of the loop, when known. */
  state?: 'waiting' | 'held' | 'gap' | 'stopped';
  /** Storm warning: more than one request in flight. */
  storm?: { peakConcurrency: number; since: number } | null;
  /** Known transport recognised (e.g. "Engine.IO polling"). */
  label?: string;
}

export type EntryKind = 'connection' | 'channel' | 'other';

export interface ListEntry {
  id: string;
  kind: EntryKind;
  title: string;
  url: string;
  transport: Transport | null;
  state: string;
  messages: number;
  bytes: number;
  connectionKeys: string[];
  startedAt: number;
  pattern?: ChannelPattern;
  /** Display number of the connection (kind 'connection'). */
  number?: number;
}

export const OTHER_ENTRY_ID = 'other';

function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

function addCounts(entry: ListEntry, c: Connection): void {
  entry.messages += c.sent + c.received;
  entry.bytes += c.bytesSent + c.bytesReceived;
  entry.connectionKeys.push(c.key);
}

export function buildEntries(
  connections: readonly Connection[],
  patterns: readonly ChannelPattern[],
  numberOf: (c: Connection) => number,
): ListEntry[] {
  const entries: ListEntry[] = [];
  const patternOf = new Map<string, ListEntry>();
  for (const p of patterns) {
    const entry: ListEntry = {
      id: `pattern:${p.id}`,
      kind: 'channel',
      title: `${p.label ?? (p.kind === 'long-poll' ? 'Long-poll' : 'Polling')} ${p.method} ${shortUrl(p.url)}`,
      url: p.url,
      transport: null,
      state: p.storm ? 'storm' : (p.state ?? 'active'),
      messages: 0,
      bytes: 0,
      connectionKeys: [],
      startedAt: Number.POSITIVE_INFINITY,
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
    transport: null,
    state: '',
    messages: 0,
    bytes: 0,
    connectionKeys: [],
    startedAt: Number.POSITIVE_INFINITY,
  };
  let pending = 0;
  for (const c of connections) {
    const channel = patternOf.get(c.key);
    if (channel) {
      addCounts(channel, c);
      channel.transport = channel.transport ?? c.transport;
      channel.startedAt = Math.min(channel.startedAt, c.startedAt);
      continue;
    }
    if (c.transport === 'websocket' || c.transport === 'eventsource') {
      const entry: ListEntry = {
        id: `conn:${c.key}`,
        kind: 'connection',
        title: shortUrl(c.url),
        url: c.url,
        transport: c.transport,
        state: c.state,
        messages: 0,
        bytes: 0,
        connectionKeys: [],
        startedAt: c.startedAt,
        number: numberOf(c),
      };
      addCounts(entry, c);
      entries.push(entry);
      continue;
    }
    addCounts(other, c);
    other.startedAt = Math.min(other.startedAt, c.startedAt);
    if (c.state === 'connecting' || c.state === 'open') pending++;
  }
  // Channels first (the point of the tool), then sockets by start, then the rest.
  entries.sort((a, b) => (a.kind === b.kind ? a.startedAt - b.startedAt : a.kind === 'channel' ? -1 : 1));
  if (other.connectionKeys.length > 0) {
    const n = other.connectionKeys.length;
    other.state = `${n} request${n === 1 ? '' : 's'}${pending ? `, ${pending} pending` : ''}`;
    entries.push(other);
  }
  return entries;
}
