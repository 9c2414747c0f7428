// The visible list: the store's events that pass the current predicate, in
// time order. Kept incrementally: when only new events arrived, update() looks
// at those alone, so a busy socket costs O(batch) per render, not O(all events).
// A new predicate (the user typed) or a replaced event array rebuilds once.

import type { EventPredicate } from '../filter/match';
import type { TimelineEvent, TimelineStore } from './store';

export class FilteredView {
  /** Visible events, ascending by (time, seq). */
  items: TimelineEvent[] = [];
  private predicate: EventPredicate | null = null;
  private scanned = 0;
  private generation = -1;
  private events: TimelineEvent[] | null = null;
  /** Bumped when items changed other than by appending at the end. */
  reorders = 0;

  constructor(private readonly store: TimelineStore) {}

  setPredicate(p: EventPredicate | null): void {
    if (p === this.predicate) return;
    this.predicate = p;
    this.generation = -1;
  }

  get filtered(): boolean {
    return this.predicate !== null;
  }

  /** Brings items up to date with the store; returns how many were added at the end. */
  update(): { appended: number; rebuilt: boolean } {
    const all = this.store.events;
    if (this.generation !== this.store.generation || this.events !== all || all.length < this.scanned) {
      this.generation = this.store.generation;
      this.events = all;
      this.scanned = 0;
      this.items = [];
      this.reorders++;
      this.scan(all);
      return { appended: this.items.length, rebuilt: true };
    }
    const before = this.items.length;
    const reorderedBefore = this.reorders;
    this.scan(all);
    return { appended: this.items.length - before, rebuilt: this.reorders !== reorderedBefore };
  }

  private scan(all: TimelineEvent[]): void {
    const p = this.predicate;
    const items = this.items;
    for (let i = this.scanned; i < all.length; i++) {
      const e = all[i] as TimelineEvent;
      if (p && !p(e)) continue;
      const last = items[items.length - 1];
      if (!last || last.time < e.time || (last.time === e.time && last.seq < e.seq)) {
        items.push(e);
      } else {
        // Frames batch independently, so an event can arrive after later ones: insert in place.
        items.splice(insertionPoint(items, e), 0, e);
        this.reorders++;
      }
    }
    this.scanned = all.length;
  }

  indexOfSeq(seq: number, time: number): number {
    const i = insertionPoint(this.items, { seq, time });
    const hit = this.items[i];
    return hit && hit.seq === seq ? i : -1;
  }
}

/** First index whose (time, seq) is not before e's. */
function insertionPoint(items: TimelineEvent[], e: { time: number; seq: number }): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = items[mid] as TimelineEvent;
    if (m.time < e.time || (m.time === e.time && m.seq < e.seq)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
