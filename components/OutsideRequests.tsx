// Requests and sockets that only DevTools' network log saw: those of Web
// Workers, SharedWorkers and Service Workers, which the page hook cannot
// reach. Listed under the connections, marked as such; they are not in the
// timeline or its export, since only their outline (no messages) is known.

import { formatDuration } from '../lib/format';
import type { OutsideKind, OutsideRequest } from '../lib/outside-requests';

const KIND_LABEL: Readonly<Record<OutsideKind, string>> = {
  fetch: 'FETCH',
  xhr: 'XHR',
  websocket: 'WS',
  eventsource: 'SSE',
};

export interface OutsideRequestsProps {
  requests: readonly OutsideRequest[];
  /** Requests not listed because the list was full. */
  unlisted: number;
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function scriptName(url: string): string {
  try {
    return new URL(url).pathname.split('/').pop() || url;
  } catch {
    return url;
  }
}

export function OutsideRequests({ requests, unlisted }: OutsideRequestsProps) {
  if (requests.length === 0 && unlisted === 0) return null;
  return (
    <section class="outside" aria-label="Seen only by DevTools">
      <div
        class="pane-title"
        title="From DevTools' network log: made by workers, which the page hook cannot see. Not in the timeline or its export."
      >
        Seen only by DevTools ({requests.length + unlisted})
      </div>
      <p class="outside-note">
        Made by workers, outside the page hook's reach: outline only, not in the timeline.
      </p>
      <ul>
        {requests.map((r) => (
          <li key={r.key} class="outside-entry" title={`${r.method} ${r.url}\nstarted by ${r.startedBy}`}>
            <span class="conn-line">
              <span class={`badge tr-${r.kind}`}>{KIND_LABEL[r.kind]}</span>
              <span class="conn-title">
                {r.kind === 'websocket' || r.kind === 'eventsource' ? '' : `${r.method} `}
                {pathOf(r.url)}
              </span>
            </span>
            <span class="conn-meta">
              <span>{r.status > 0 ? r.status : '—'}</span>
              {r.messages !== undefined && (
                <span class="outside-msgs">{r.messages.toLocaleString()} msg</span>
              )}
              <span>{formatDuration(r.durationMs)}</span>
              <span>from {scriptName(r.startedBy)}</span>
            </span>
          </li>
        ))}
      </ul>
      {unlisted > 0 && <p class="outside-note">{unlisted.toLocaleString()} more not listed (list full).</p>}
    </section>
  );
}
