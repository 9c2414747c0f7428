// Recording state, what was lost, and what the list shows. The live store is
// not a signal (the glue re-renders the panel when records arrive), so the
// user's own changes to it (pause, clear) are counted here to re-render.

import { signal } from '@preact/signals';
import type { TimelineStore } from '../../lib/timeline/store';

/** What the panel's main area shows: the list, or why there is nothing in it. */
export type BodyKind =
  | 'no-tab'
  | 'empty-import'
  | 'no-traffic'
  | 'paused'
  | 'no-patterns'
  | 'no-match'
  | 'list';

export function bodyKind(s: {
  hasTab: boolean;
  readOnly: boolean;
  recording: boolean;
  events: number;
  shown: number;
  patternsOnly: boolean;
  channels: number;
}): BodyKind {
  if (!s.hasTab && !s.readOnly) return 'no-tab';
  if (s.events === 0) return s.readOnly ? 'empty-import' : s.recording ? 'no-traffic' : 'paused';
  if (s.shown === 0) return s.patternsOnly && s.channels === 0 ? 'no-patterns' : 'no-match';
  return 'list';
}

/** "N events", or "N of M events" when filtered, and the connection count. */
export function countsText(shown: number, total: number, connections: number): string {
  const events =
    shown === total
      ? `${total.toLocaleString()} events`
      : `${shown.toLocaleString()} of ${total.toLocaleString()} events`;
  return `${events} · ${connections.toLocaleString()} connections`;
}

export interface Loss {
  total: number;
  /** Where they went, for the tooltip. */
  detail: string;
}

/** Events lost on the way to the live panel (an import has none of its own to report). */
export function lossOf(live: TimelineStore, readOnly: boolean): Loss {
  const lost = live.lost;
  return {
    total: readOnly ? 0 : lost.missing + lost.dropped + lost.invalid + lost.orphaned,
    detail: `${lost.missing} missing (never reached the panel: evicted from the page's history before it opened, or lost on the way), ${lost.dropped} dropped (the page hook could not deliver them), ${lost.invalid} invalid (failed validation), ${lost.orphaned} orphaned (their connection's record was lost)`,
  };
}

export function rejectedText(count: number): string {
  return `${count.toLocaleString()} malformed ${count === 1 ? 'message' : 'messages'} rejected`;
}

export class StatusStore {
  /** Bumped by each change the user makes to the live store. */
  readonly revision = signal(0);

  /** Whether the live store records; reading it re-renders the reader when the user toggles it. */
  recording(live: TimelineStore): boolean {
    return this.revision.value >= 0 && live.recording;
  }

  toggleRecording(live: TimelineStore): void {
    live.recording = !live.recording;
    this.revision.value++;
  }

  /** Empties the live store (a selection in it goes with it: its generation changes). */
  clear(live: TimelineStore): void {
    live.clear();
    this.revision.value++;
  }
}
