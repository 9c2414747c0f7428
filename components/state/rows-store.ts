// Which HTTP exchanges of the list are expanded to show their steps under
// them. A view choice, not a setting: it lasts while the panel is open and
// goes with the store it was made in (cleared, or another one shown).

import { signal } from '@preact/signals';
import type { TimelineStore } from '../../lib/timeline/store';

const NONE: ReadonlySet<string> = new Set();

export class RowsStore {
  private readonly state = signal<{
    keys: ReadonlySet<string>;
    store: TimelineStore | null;
    generation: number;
  }>({ keys: NONE, store: null, generation: 0 });

  /** Keys of the expanded exchanges of `store`; one Set per change, so it can be compared by identity. */
  expandedIn(store: TimelineStore): ReadonlySet<string> {
    const s = this.state.value;
    return s.store === store && s.generation === store.generation ? s.keys : NONE;
  }

  isExpanded(store: TimelineStore, key: string): boolean {
    return this.expandedIn(store).has(key);
  }

  /** Expands or collapses one exchange; returns whether anything changed. */
  setExpanded(store: TimelineStore, key: string, expanded: boolean): boolean {
    const keys = this.expandedIn(store);
    if (keys.has(key) === expanded) return false;
    const next = new Set(keys);
    if (expanded) next.add(key);
    else next.delete(key);
    this.state.value = { keys: next, store, generation: store.generation };
    return true;
  }

  toggle(store: TimelineStore, key: string): void {
    this.setExpanded(store, key, !this.isExpanded(store, key));
  }
}
