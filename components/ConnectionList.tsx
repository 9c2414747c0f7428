// The connections list: sockets, SSE streams, polling channels and "other
// requests", each with live state, message count and bytes. Selecting one
// filters the event list to it; selecting it again shows everything.

import { formatBytes, formatClock, formatSinceLoad, TRANSPORT_LABEL } from '../lib/format';
import {
  channelBadge,
  channelFacts,
  formatRate,
  httpFaultText,
  type ListEntry,
  reconnectStormText,
} from '../lib/timeline/channels';

export interface ConnectionListProps {
  entries: readonly ListEntry[];
  selectedId: string | null;
  onSelect(id: string | null): void;
  /** When a page section loaded, for each entry's "Since load" (in its tooltip). */
  loadTimeOf?(section: number): number | undefined;
  /** The application protocol an entry's connection was detected to speak ("Socket.IO", "STOMP"). */
  protocolOf?(entry: ListEntry): string | null;
  /** The selected entry's call latency in words, when it speaks a decoded protocol and made calls. */
  selectedLatency?: string | null;
}

function shortPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

// An ongoing storm says how many of its requests are in flight now; an
// imported one (no live state) its peak. An ended storm is not a state.
function stateLabel(e: ListEntry): string {
  const p = e.pattern;
  if (e.kind !== 'channel' || !p?.storm || p.storm.endedAt) return e.state;
  if (p.kind === 'reconnect-loop') return `storm: ${p.cycles} attempts`;
  if (p.kind === 'retry-storm') return `retry storm: ${p.cycles} failures`;
  if (p.kind === 'busy-loop') return `busy: ${formatRate(p.busy?.requestsPerSecond ?? 0)} req/s`;
  if (e.tone !== 'storm') return `storm: peak ${p.storm.peakConcurrency} in flight`;
  return `storm: ${p.inFlight ?? p.storm.peakConcurrency} in flight`;
}

/** The storm line, in the event list's clock format: going on since when, or over and when. */
export function stormText(storm: NonNullable<NonNullable<ListEntry['pattern']>['storm']>): string {
  const peak = `up to ${storm.peakConcurrency} requests in flight`;
  return storm.endedAt
    ? `Poll storm ${formatClock(storm.startedAt)} – ended ${formatClock(storm.endedAt)}: ${peak}`
    : `⚠ Poll storm since ${formatClock(storm.startedAt)}: ${peak}`;
}

/** A cursor's latest value, short enough for the list (opaque tokens run long). */
export function cursorText(cursor: { name: string; last: string }): string {
  const last = cursor.last.length > 14 ? `${cursor.last.slice(0, 13)}…` : cursor.last;
  return `cursor ${cursor.name} → ${last}`;
}

/** The entry's tooltip: its URL and when it started, counted from the page's load. */
function entryTitle(e: ListEntry, loadTime: number | undefined): string | undefined {
  const lines: string[] = [];
  if (e.url) lines.push(e.url);
  if (loadTime !== undefined && Number.isFinite(e.startedAt))
    lines.push(`Started ${formatSinceLoad(e.startedAt - loadTime)} since load`);
  return lines.length > 0 ? lines.join('\n') : undefined;
}

export function ConnectionList({
  entries,
  selectedId,
  onSelect,
  loadTimeOf,
  protocolOf,
  selectedLatency = null,
}: ConnectionListProps) {
  return (
    <nav class="connections" aria-label="Connections">
      <div class="pane-title">Connections</div>
      <ul>
        <li>
          <button
            type="button"
            aria-pressed={selectedId === null}
            class={`conn-entry all${selectedId === null ? ' selected' : ''}`}
            onClick={() => onSelect(null)}
          >
            <span class="conn-title">All connections</span>
          </button>
        </li>
        {entries.map((e) => {
          const p = e.pattern;
          const selected = e.id === selectedId;
          return (
            <li key={e.id}>
              <button
                type="button"
                aria-pressed={selected}
                class={`conn-entry k-${e.kind} s-${e.tone}${selected ? ' selected' : ''}`}
                title={entryTitle(e, loadTimeOf?.(e.section))}
                data-entry={e.id}
                onClick={() => onSelect(selected ? null : e.id)}
              >
                <span class="conn-line">
                  {e.kind === 'connection' && e.transport && (
                    <span class={`badge tr-${e.transport}`}>{TRANSPORT_LABEL[e.transport]}</span>
                  )}
                  {e.kind === 'channel' && <span class="badge channel">{channelBadge(p)}</span>}
                  {e.kind === 'other' && <span class="badge other">HTTP</span>}
                  <span class="conn-title">
                    {e.number !== undefined ? `#${e.number} ` : ''}
                    {e.title}
                  </span>
                  {protocolOf?.(e) && (
                    <span
                      class="badge proto"
                      title="Application protocol, decoded in the list and the detail"
                    >
                      {protocolOf(e)}
                    </span>
                  )}
                </span>
                <span class="conn-meta">
                  {e.state && <span class={`state st-${e.tone}`}>{stateLabel(e)}</span>}
                  <span>{e.messages.toLocaleString()} msg</span>
                  <span>{formatBytes(e.bytes)}</span>
                </span>
                {p && (
                  <span class="conn-meta">
                    {channelFacts(p).map((fact) => (
                      <span key={fact}>{fact}</span>
                    ))}
                  </span>
                )}
                {p?.cursor && (
                  <span
                    class="conn-meta cursor"
                    title={`Cursor parameter "${p.cursor.name}": ${p.cursor.values} values so far, latest ${p.cursor.last}`}
                  >
                    {cursorText(p.cursor)}
                  </span>
                )}
                {selected && selectedLatency && (
                  <span
                    class="conn-meta latency"
                    title="Time from each request to its first answer (handshakes and heartbeats left out)"
                  >
                    calls: {selectedLatency}
                  </span>
                )}
                {p?.upgrade && (
                  <span class="conn-meta">upgraded to WebSocket {shortPath(p.upgrade.url)}</span>
                )}
                {p?.storm && (
                  <span class={`storm${p.storm.endedAt ? ' ended' : ''}`}>
                    {p.kind === 'reconnect-loop'
                      ? reconnectStormText(p)
                      : p.kind === 'retry-storm' || p.kind === 'busy-loop'
                        ? httpFaultText(p)
                        : stormText(p.storm)}
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
