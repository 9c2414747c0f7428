// The connections list: sockets, SSE streams, polling channels and "other
// requests", each with live state, message count and bytes. Selecting one
// filters the event list to it; selecting it again shows everything.

import { formatBytes, formatClock, formatDuration, TRANSPORT_LABEL } from '../lib/format';
import type { ListEntry } from '../lib/timeline/channels';

export interface ConnectionListProps {
  entries: readonly ListEntry[];
  selectedId: string | null;
  onSelect(id: string | null): void;
}

function shortPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function stateLabel(e: ListEntry): string {
  const p = e.pattern;
  if (e.kind !== 'channel' || !p?.storm || p.storm.endedAt) return e.state;
  return `storm: ${p.inFlight ?? p.storm.peakConcurrency} in flight`;
}

/** The storm line, in the event list's clock format: going on since when, or over and when. */
export function stormText(storm: NonNullable<NonNullable<ListEntry['pattern']>['storm']>): string {
  const peak = `up to ${storm.peakConcurrency} requests in flight`;
  return storm.endedAt
    ? `Poll storm ${formatClock(storm.startedAt)} – ended ${formatClock(storm.endedAt)}: ${peak}`
    : `⚠ Poll storm since ${formatClock(storm.startedAt)}: ${peak}`;
}

export function ConnectionList({ entries, selectedId, onSelect }: ConnectionListProps) {
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
                class={`conn-entry k-${e.kind} s-${e.state.split(' ')[0]}${selected ? ' selected' : ''}`}
                title={e.host ? `${e.url}` : undefined}
                data-entry={e.id}
                onClick={() => onSelect(selected ? null : e.id)}
              >
                <span class="conn-line">
                  {e.kind === 'connection' && e.transport && (
                    <span class={`badge tr-${e.transport}`}>{TRANSPORT_LABEL[e.transport]}</span>
                  )}
                  {e.kind === 'channel' && (
                    <span class="badge channel">{p?.kind === 'polling' ? 'POLL' : 'LP'}</span>
                  )}
                  {e.kind === 'other' && <span class="badge other">HTTP</span>}
                  <span class="conn-title">
                    {e.number !== undefined ? `#${e.number} ` : ''}
                    {e.title}
                  </span>
                </span>
                <span class="conn-meta">
                  <span class={`state st-${e.state.split(' ')[0]}`}>{stateLabel(e)}</span>
                  <span>{e.messages.toLocaleString()} msg</span>
                  <span>{formatBytes(e.bytes)}</span>
                </span>
                {p && (
                  <span class="conn-meta">
                    <span>
                      {p.cycles} cycle{p.cycles === 1 ? '' : 's'}
                    </span>
                    <span>hold {formatDuration(p.medianHoldMs)}</span>
                    <span>gap {formatDuration(p.medianGapMs)}</span>
                  </span>
                )}
                {p?.upgrade && (
                  <span class="conn-meta">upgraded to WebSocket {shortPath(p.upgrade.url)}</span>
                )}
                {p?.storm && (
                  <span class={`storm${p.storm.endedAt ? ' ended' : ''}`}>{stormText(p.storm)}</span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
