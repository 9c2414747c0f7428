// The findings strip above the event list: one line per finding (a poll or
// reconnect storm going on, or ended and when), with "Show these requests", where the
// page started them, the likely fault and its fix on demand, and a dismiss
// button. Folded it shows the first line only, so a docked panel keeps its
// list.

import { useEffect, useRef } from 'preact/hooks';
import { formatClock } from '../lib/format';
import type { CallSite } from '../lib/model';
import type { Finding } from '../lib/patterns';
import { Initiator } from './Initiator';
import type { FindingsStore } from './state/findings-store';

export interface FindingsStripProps {
  findings: readonly Finding[];
  store: FindingsStore;
  /** The finding whose requests the list is narrowed to (its button then goes back). */
  shownId: string | null;
  onShowRequests(f: Finding): void;
  onOpenSource?: ((site: CallSite) => void) | undefined;
}

/** "since 14:03:07.120 · 27 in flight" (a reconnect storm: "· 14 attempts") or "ended 14:03:12.500". */
export function findingWhen(f: Finding): string {
  if (f.state === 'ended' && f.endedAt !== null) return `ended ${formatClock(f.endedAt)}`;
  if (f.kind === 'reconnect-storm') return `since ${formatClock(f.startedAt)} · ${f.attempts ?? 0} attempts`;
  if (f.kind === 'retry-storm') return `since ${formatClock(f.startedAt)} · ${f.attempts ?? 0} failures`;
  if (f.kind === 'busy-loop') return `since ${formatClock(f.startedAt)} · ${f.attempts ?? 0} requests`;
  return `since ${formatClock(f.startedAt)} · ${f.inFlight} in flight`;
}

function FindingLine({
  f,
  open,
  shown,
  props,
}: {
  f: Finding;
  open: boolean;
  shown: boolean;
  props: FindingsStripProps;
}) {
  const { store } = props;
  const ended = f.state === 'ended';
  return (
    <li class={`finding ${ended ? 'ended' : 'ongoing'}`} data-finding={f.id}>
      <div class="finding-line">
        <span class="finding-icon" aria-hidden="true">
          {ended ? '✓' : '⚠'}
        </span>
        <button
          type="button"
          class="finding-title"
          aria-expanded={open}
          title={`${f.text.title}. ${f.text.fault} Fix: ${f.text.fix}`}
          onClick={() => store.toggleDetails(f.id)}
        >
          {f.text.title}
        </button>
        <span class="finding-when">{findingWhen(f)}</span>
        {f.initiator && <Initiator site={f.initiator} onOpen={props.onOpenSource} />}
        <button type="button" class="link" aria-pressed={shown} onClick={() => props.onShowRequests(f)}>
          {shown ? 'Show all requests' : 'Show these requests'}
        </button>
        <button
          type="button"
          class="link finding-dismiss"
          aria-label={`Dismiss: ${f.text.title}`}
          title="Dismiss"
          onClick={() => store.dismiss(f.id)}
        >
          ✕
        </button>
      </div>
      {open && (
        <dl class="finding-details">
          <dt>Likely fault</dt>
          <dd>{f.text.fault}</dd>
          <dt>Fix</dt>
          <dd>{f.text.fix}</dd>
        </dl>
      )}
    </li>
  );
}

export function FindingsStrip(props: FindingsStripProps) {
  const { findings, store } = props;
  const ref = useRef<HTMLElement>(null);
  const token = store.focusToken.value;
  useEffect(() => {
    if (token > 0) ref.current?.focus();
  }, [token]);
  if (findings.length === 0) return null;
  const folded = store.folded.value;
  const openId = store.openId.value;
  // The first line is the most pressing: an ongoing storm before an ended one.
  const ordered = [...findings].sort((a, b) => (a.state === b.state ? 0 : a.state === 'ongoing' ? -1 : 1));
  const lines = folded ? ordered.slice(0, 1) : ordered;
  const more = ordered.length - lines.length;
  return (
    <section class="findings" aria-label="Findings" data-testid="findings" tabIndex={-1} ref={ref}>
      <ul>
        {lines.map((f) => (
          <FindingLine key={f.id} f={f} open={openId === f.id} shown={props.shownId === f.id} props={props} />
        ))}
      </ul>
      {(more > 0 || (!folded && ordered.length > 1)) && (
        <button type="button" class="link findings-more" onClick={() => store.toggleFolded()}>
          {folded ? `+${more} more finding${more === 1 ? '' : 's'}` : 'Fewer'}
        </button>
      )}
    </section>
  );
}
