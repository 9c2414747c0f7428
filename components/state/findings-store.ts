// What the findings strip shows: which findings the user dismissed (a
// finding that flares up again after it ended comes back), whether the strip
// is folded to its first line, whose details are open, and a token the
// status bar's count bumps to bring the strip into view.

import { signal } from '@preact/signals';
import type { Finding } from '../../lib/patterns';

export class FindingsStore {
  /** Folded: only the first finding's line, with "+N more". */
  readonly folded = signal(true);
  /** The finding whose fault and fix are shown (null: none). */
  readonly openId = signal<string | null>(null);
  /** Bumped to move the keyboard focus to the strip. */
  readonly focusToken = signal(0);
  private readonly dismissed = signal<ReadonlySet<string>>(new Set());
  /** Each finding's state when last seen, to notice one that flares up again. */
  private readonly lastState = new Map<string, Finding['state']>();
  /** The connections-list entry shown before "Show these requests", to go back to. */
  private before: { entryId: string | null } | null = null;

  /** The findings not dismissed; a dismissed one that went from ended to ongoing again is shown again. */
  visible(findings: readonly Finding[]): Finding[] {
    let dismissed = this.dismissed.peek();
    for (const f of findings) {
      if (this.lastState.get(f.id) === 'ended' && f.state === 'ongoing' && dismissed.has(f.id)) {
        const next = new Set(dismissed);
        next.delete(f.id);
        dismissed = next;
      }
      this.lastState.set(f.id, f.state);
    }
    if (dismissed !== this.dismissed.peek()) this.dismissed.value = dismissed;
    const shown = this.dismissed.value;
    return findings.filter((f) => !shown.has(f.id));
  }

  dismiss(id: string): void {
    this.dismissed.value = new Set([...this.dismissed.value, id]);
    if (this.openId.value === id) this.openId.value = null;
  }

  toggleFolded(): void {
    this.folded.value = !this.folded.value;
  }

  toggleDetails(id: string): void {
    this.openId.value = this.openId.value === id ? null : id;
  }

  /** The status bar's count was clicked: show every finding, dismissed ones too, and focus the strip. */
  reveal(): void {
    this.dismissed.value = new Set();
    this.folded.value = false;
    this.focusToken.value++;
  }

  /**
   * "Show these requests": the entry to select now. A second click on the
   * same finding goes back to what was selected before (undo), as does
   * choosing it when already shown.
   */
  showRequests(entryIdOfFinding: string, currentEntryId: string | null): string | null {
    if (currentEntryId === entryIdOfFinding) {
      const back = this.before?.entryId ?? null;
      this.before = null;
      return back;
    }
    this.before = { entryId: currentEntryId };
    return entryIdOfFinding;
  }

  /** Forgets dismissals and state (the store was cleared or another one is shown). */
  reset(): void {
    this.dismissed.value = new Set();
    this.lastState.clear();
    this.openId.value = null;
    this.before = null;
  }
}
