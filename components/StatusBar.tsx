// The status bar: how many events the list shows of how many, whether
// recording is paused, what was lost on the way, and the brushed time range.

import type { ComponentChildren } from 'preact';
import { formatClock } from '../lib/format';
import { countsText, type Loss, rejectedText } from './state/status-store';

export interface StatusBarProps {
  shown: number;
  total: number;
  connections: number;
  paused: boolean;
  loss: Loss;
  /** Malformed messages the live panel rejected (0 for an import). */
  rejected: number;
  range: readonly [number, number] | null;
  onClearRange(): void;
  /** Findings shown in the strip: how many, and how many still going on. */
  findings?: { total: number; ongoing: number };
  /** The findings count was clicked: bring the strip into view. */
  onShowFindings?(): void;
  /** Shown at the end of the bar (the page hook's status). */
  children?: ComponentChildren;
}

/** "⚠ 2 findings (1 ongoing)", or "1 finding (ended)". */
export function findingsText(total: number, ongoing: number): string {
  const noun = `${total} finding${total === 1 ? '' : 's'}`;
  if (ongoing === 0) return `${noun} (ended)`;
  return ongoing === total ? `⚠ ${noun}` : `⚠ ${noun} (${ongoing} ongoing)`;
}

export function StatusBar(p: StatusBarProps) {
  return (
    <div class="statusbar" role="status" data-testid="summary">
      <span>{countsText(p.shown, p.total, p.connections)}</span>
      {p.paused && <span class="paused">Recording paused</span>}
      {p.findings && p.findings.total > 0 && (
        <button
          type="button"
          class={`link findings-count${p.findings.ongoing === 0 ? ' ended' : ''}`}
          data-testid="findings-count"
          title="Show the findings above the list"
          onClick={() => p.onShowFindings?.()}
        >
          {findingsText(p.findings.total, p.findings.ongoing)}
        </button>
      )}
      {p.loss.total > 0 && (
        <span class="lost" title={p.loss.detail}>
          {p.loss.total.toLocaleString()} events lost
        </span>
      )}
      {p.rejected > 0 && (
        <span
          class="lost"
          title="Messages that reached the panel malformed were rejected unread; the events they carried count as missing once later ones arrive"
        >
          {rejectedText(p.rejected)}
        </span>
      )}
      {p.range && (
        <span class="range">
          Range {formatClock(p.range[0])} – {formatClock(p.range[1])}
          <button type="button" class="link" aria-label="Clear time range" onClick={p.onClearRange}>
            ✕
          </button>
        </span>
      )}
      {p.children}
    </div>
  );
}
