// Requests and sockets that only DevTools' network log saw: those of Web
// Workers, SharedWorkers and Service Workers, which the page hook cannot
// reach. Listed under the connections, marked as such; they are not in the
// timeline or its export, since only their outline (no messages) is known.
// A worker polls the same endpoint again and again, so requests are grouped
// by endpoint (a count, the latest status and time); a group opens to its
// requests.

import { useMemo, useState } from 'preact/hooks';
import { formatClock, formatDuration } from '../lib/format';
import {
  groupOutsideRequests,
  type OutsideGroup,
  type OutsideKind,
  type OutsideRequest,
} from '../lib/outside-requests';

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
  const groups = useMemo(() => groupOutsideRequests(requests), [requests]);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  if (requests.length === 0 && unlisted === 0) return null;
  const toggle = (key: string) => {
    const next = new Set(open);
    if (!next.delete(key)) next.add(key);
    setOpen(next);
  };
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
        {groups.map((g) => (
          <OutsideGroupItem key={g.key} group={g} open={open.has(g.key)} onToggle={() => toggle(g.key)} />
        ))}
      </ul>
      {unlisted > 0 && <p class="outside-note">{unlisted.toLocaleString()} more not listed (list full).</p>}
    </section>
  );
}

const isSocket = (kind: OutsideKind) => kind === 'websocket' || kind === 'eventsource';
const statusText = (r: OutsideRequest) => (r.status > 0 ? String(r.status) : '—');

function OutsideGroupItem({
  group: g,
  open,
  onToggle,
}: {
  group: OutsideGroup;
  open: boolean;
  onToggle(): void;
}) {
  const n = g.requests.length;
  const latest = g.latest;
  const title = [
    `${isSocket(g.kind) ? '' : `${g.method} `}${g.endpoint}`,
    `${n} request${n === 1 ? '' : 's'}; latest started ${formatClock(latest.startedAt)}`,
    `started by ${latest.startedBy}`,
  ].join('\n');
  return (
    <li class="outside-group" data-endpoint={g.key}>
      <button type="button" class="outside-entry" aria-expanded={open} title={title} onClick={onToggle}>
        <span class="conn-line">
          <span class="twisty" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
          <span class={`badge tr-${g.kind}`}>{KIND_LABEL[g.kind]}</span>
          <span class="conn-title">
            {isSocket(g.kind) ? '' : `${g.method} `}
            {g.path}
          </span>
          <span class="outside-count" title={`${n} request${n === 1 ? '' : 's'} to this endpoint`}>
            ×{n}
          </span>
        </span>
        <span class="conn-meta">
          <span title="Status of the latest request">{statusText(latest)}</span>
          {g.messages !== undefined && <span class="outside-msgs">{g.messages.toLocaleString()} msg</span>}
          <span title="Duration of the latest request">{formatDuration(latest.durationMs)}</span>
          <span>from {scriptName(latest.startedBy)}</span>
        </span>
      </button>
      {open && (
        <ul class="outside-requests" aria-label={`Requests to ${g.path}`}>
          {[...g.requests].reverse().map((r) => (
            <li key={r.key} class="outside-request" title={`${r.method} ${r.url}\nstarted by ${r.startedBy}`}>
              <span class="conn-title">{pathOf(r.url)}</span>
              <span class="conn-meta">
                <span>{statusText(r)}</span>
                {r.messages !== undefined && <span>{r.messages.toLocaleString()} msg</span>}
                <span>{formatDuration(r.durationMs)}</span>
                <span>{formatClock(r.startedAt)}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
