// Which events the list's filter lets through, kept beside the overview's
// event columns (same indices): a flag per event and a count per connection,
// so the overview draws only what the list can show and gives a lane only to
// entries with something shown. Kept up to date incrementally: new events are
// tested as they arrive; a changed filter, or a cleared store, tests them all
// once.

import type { EventPredicate } from '../filter';
import type { ListEntry } from './channels';
import type { TimelineEvent } from './store';

const INITIAL_CAPACITY = 1024;

export class EventVisibility {
  /** 1 where the event at that index passes the filter; valid up to `length`. */
  shown = new Uint8Array(INITIAL_CAPACITY);
  length = 0;
  /** The filter the flags were computed with (null: everything passes). */
  predicate: EventPredicate | null = null;
  private shownByKey = new Map<string, number>();
  private source: readonly TimelineEvent[] | null = null;

  /** Brings the flags up to date: O(new events), or O(all) when the filter or the array changed. */
  sync(events: readonly TimelineEvent[], predicate: EventPredicate | null): void {
    if (events !== this.source || events.length < this.length || predicate !== this.predicate)
      this.reset(events, predicate);
    const n = events.length;
    if (n > this.shown.length) this.grow(n);
    for (let i = this.length; i < n; i++) {
      const e = events[i] as TimelineEvent;
      const pass = predicate === null || predicate(e);
      this.shown[i] = pass ? 1 : 0;
      if (pass) {
        const key = e.connection.key;
        this.shownByKey.set(key, (this.shownByKey.get(key) ?? 0) + 1);
      }
    }
    this.length = n;
  }

  /** Whether anything is filtered out at all. */
  get filtering(): boolean {
    return this.predicate !== null;
  }

  /** Events of a connection the filter lets through. */
  shownOf(key: string): number {
    return this.shownByKey.get(key) ?? 0;
  }

  /**
   * Whether a connection belongs on the overview: with no filter every one
   * does (also one with no events yet); with one, only a connection with an
   * event it lets through.
   */
  connectionShown(key: string): boolean {
    return this.predicate === null || this.shownOf(key) > 0;
  }

  /** The entries that get a lane: those with a connection on the overview. */
  entriesShown(entries: readonly ListEntry[]): ListEntry[] {
    if (this.predicate === null) return [...entries];
    return entries.filter((e) => e.connectionKeys.some((k) => this.shownOf(k) > 0));
  }

  private reset(events: readonly TimelineEvent[], predicate: EventPredicate | null): void {
    this.source = events;
    this.predicate = predicate;
    this.length = 0;
    this.shownByKey = new Map();
  }

  private grow(atLeast: number): void {
    let capacity = this.shown.length;
    while (capacity < atLeast) capacity *= 2;
    const shown = new Uint8Array(capacity);
    shown.set(this.shown.subarray(0, this.length));
    this.shown = shown;
  }
}
