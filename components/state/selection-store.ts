// The selected event and whether its detail pane is open. A selection
// belongs to the store it was made in: once that store is cleared or another
// one is shown (an import), it no longer exists.

import { signal } from '@preact/signals';
import { indexOfTarget, type ListRow, type RowTarget, targetOfRow } from '../../lib/timeline/list-rows';
import type { TimelineEvent, TimelineStore } from '../../lib/timeline/store';

interface Selected {
  target: RowTarget;
  store: TimelineStore;
  /** The store's generation when selected: a clear bumps it. */
  generation: number;
}

/** Keys that move the selection through the list. */
export type SelectionMove = 'next' | 'previous' | 'first' | 'last';

/**
 * The index a move lands on in a list of `length` rows from `index` (-1: no
 * selection): down from nothing is the first row, up from nothing the last;
 * moves stop at the ends. Null when the list is empty.
 */
export function movedIndex(length: number, index: number, move: SelectionMove): number | null {
  if (length === 0) return null;
  if (move === 'first') return 0;
  if (move === 'last') return length - 1;
  if (index < 0) return move === 'next' ? 0 : length - 1;
  return Math.min(length - 1, Math.max(0, index + (move === 'next' ? 1 : -1)));
}

export class SelectionStore {
  private readonly selected = signal<Selected | null>(null);
  /** Whether the detail pane shows the selected event. */
  readonly detailOpen = signal(true);
  /** Bumped to ask the list to scroll the selected row into view (keyboard moves). */
  readonly revealToken = signal(0);

  /** The selected row's target (an event, or a whole HTTP exchange), if it still exists in `store`. */
  targetIn(store: TimelineStore): RowTarget | null {
    const s = this.selected.value;
    return s && s.store === store && s.generation === store.generation ? s.target : null;
  }

  /** The selected event (an exchange's first shown one), if it still exists in `store`. */
  currentIn(store: TimelineStore): TimelineEvent | null {
    return this.targetIn(store)?.event ?? null;
  }

  /**
   * Selects an event (or nothing), or with `exchange` the whole HTTP exchange
   * it belongs to; a chosen one opens the detail pane.
   */
  choose(event: TimelineEvent | null, store: TimelineStore, exchange = false): void {
    this.set(event ? { event, exchange } : null, store);
    if (event) this.detailOpen.value = true;
  }

  /** Selects an event (with `exchange`, its whole HTTP exchange) and brings its row into view, leaving the detail pane as it is. */
  reveal(event: TimelineEvent, store: TimelineStore, exchange = false): void {
    this.set({ event, exchange }, store);
    this.revealToken.value++;
  }

  clear(): void {
    this.selected.value = null;
  }

  /** Selects what a row stands for: its event, or its whole exchange. */
  chooseRow(row: ListRow, store: TimelineStore): void {
    this.set(targetOfRow(row), store);
    this.detailOpen.value = true;
  }

  /** Moves through `items` from the current selection, keeping the row in view; the detail pane stays as it is. */
  move(rows: readonly ListRow[], store: TimelineStore, move: SelectionMove): boolean {
    const index = movedIndex(rows.length, indexOfTarget(rows, this.targetIn(store)), move);
    const row = index === null ? undefined : rows[index];
    if (!row) return false;
    this.set(targetOfRow(row), store);
    this.revealToken.value++;
    return true;
  }

  openDetail(store: TimelineStore): void {
    if (this.currentIn(store)) this.detailOpen.value = true;
  }

  closeDetail(): void {
    this.detailOpen.value = false;
  }

  /** Esc: closes an open detail pane first, then drops the selection. */
  escape(store: TimelineStore): void {
    if (this.targetIn(store) && this.detailOpen.value) this.detailOpen.value = false;
    else this.clear();
  }

  private set(target: RowTarget | null, store: TimelineStore): void {
    this.selected.value = target ? { target, store, generation: store.generation } : null;
  }
}
