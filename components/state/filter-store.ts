// What narrows the event list: the filter text, the transport and direction
// toggles, "patterns only", the connections-list entry and the time range
// brushed on the overview. The text, transports and directions are settings
// (remembered); the rest lasts as long as the panel.

import { computed, type ReadonlySignal, signal } from '@preact/signals';
import { type DirectionGroup, type ParsedFilter, parseFilter } from '../../lib/filter';
import { TRANSPORTS, type Transport } from '../../lib/model';
import type { ListEntry } from '../../lib/timeline/channels';
import { globalTimers, type Timers } from '../../lib/timers';
import { DIRECTION_GROUPS } from '../settings';
import type { SettingsStore } from './settings-store';

/** How long typing must pause before the filter text is saved. */
export const SAVE_QUERY_AFTER_MS = 400;

export type TimeRange = [number, number];

/** A Set over a settings array that keeps its identity while the array does (so the list is not re-filtered). */
function setOf<T>(array: () => readonly T[]): ReadonlySignal<ReadonlySet<T>> {
  let source: readonly T[] | null = null;
  let set: ReadonlySet<T> = new Set();
  return computed(() => {
    const next = array();
    if (next !== source) {
      source = next;
      set = new Set(next);
    }
    return set;
  });
}

const toggled = <T>(list: readonly T[], v: T): T[] =>
  list.includes(v) ? list.filter((x) => x !== v) : [...list, v];

export class FilterStore {
  /** The filter text as typed. */
  readonly query = signal('');
  readonly parsed: ReadonlySignal<ParsedFilter>;
  readonly transports: ReadonlySignal<ReadonlySet<Transport>>;
  readonly directions: ReadonlySignal<ReadonlySet<DirectionGroup>>;
  /** Only the connections of detected polling channels. */
  readonly patternsOnly = signal(false);
  /** The connections-list entry the list is narrowed to (null: all). */
  readonly entryId = signal<string | null>(null);
  /** The time range brushed on the overview (null: all time). */
  readonly range = signal<TimeRange | null>(null);

  private saveTimer: unknown = null;
  private scope: { signature: string; keys: ReadonlySet<string> | null } = { signature: '', keys: null };

  constructor(
    private readonly settings: SettingsStore,
    private readonly timers: Timers = globalTimers,
  ) {
    this.query.value = settings.value.query;
    this.parsed = computed(() => parseFilter(this.query.value));
    this.transports = setOf(() => settings.settings.value.transports);
    this.directions = setOf(() => settings.settings.value.directions);
  }

  /** Sets the text; it is saved once typing pauses. */
  setQuery(query: string): void {
    this.query.value = query;
    this.cancelSave();
    if (query === this.settings.value.query) return;
    this.saveTimer = this.timers.setTimeout(() => {
      this.saveTimer = null;
      this.settings.update({ query });
    }, SAVE_QUERY_AFTER_MS);
  }

  /**
   * Adds or removes one transport (DevTools' Ctrl/Cmd-click on a type). Removing
   * the last one shows all again, as DevTools does, rather than an empty list.
   */
  toggleTransport(t: Transport): void {
    const next = toggled(this.settings.value.transports, t);
    this.settings.update({ transports: next.length ? next : [...TRANSPORTS] });
  }

  /** Shows only this transport (DevTools' plain click on a type). */
  showOnlyTransport(t: Transport): void {
    this.settings.update({ transports: [t] });
  }

  /** Shows every transport (the "All" chip). */
  showAllTransports(): void {
    this.settings.update({ transports: [...TRANSPORTS] });
  }

  toggleDirection(d: DirectionGroup): void {
    this.settings.update({ directions: toggled(this.settings.value.directions, d) });
  }

  /** Shows everything again: no text, every transport and direction, all connections, all time. */
  reset(): void {
    this.cancelSave();
    this.query.value = '';
    this.entryId.value = null;
    this.range.value = null;
    this.patternsOnly.value = false;
    this.settings.update({ query: '', transports: [...TRANSPORTS], directions: [...DIRECTION_GROUPS] });
  }

  /** Drops what only made sense for the events shown before (another store is shown now). */
  clearScope(): void {
    this.entryId.value = null;
    this.range.value = null;
  }

  /**
   * The connection keys the list is narrowed to by the selected entry or by
   * "patterns only" (null: no narrowing). A new Set only when membership
   * changed (a new request joined a channel), so the list is not re-filtered
   * on every redraw.
   */
  connectionScope(entries: readonly ListEntry[]): ReadonlySet<string> | null {
    const id = this.entryId.value;
    const entry = id ? entries.find((e) => e.id === id) : undefined;
    const channels = entry || !this.patternsOnly.value ? [] : entries.filter((e) => e.kind === 'channel');
    const signature = entry
      ? `${entry.id}:${entry.connectionKeys.length}`
      : this.patternsOnly.value
        ? `patterns:${channels.reduce((n, e) => n + e.connectionKeys.length, 0)}`
        : '';
    if (signature !== this.scope.signature) {
      const keys = entry
        ? new Set(entry.connectionKeys)
        : this.patternsOnly.value
          ? new Set(channels.flatMap((e) => e.connectionKeys))
          : null;
      this.scope = { signature, keys };
    }
    return this.scope.keys;
  }

  /** Stops a pending save of the text (the panel is going away). */
  dispose(): void {
    this.cancelSave();
  }

  private cancelSave(): void {
    if (this.saveTimer !== null) this.timers.clearTimeout(this.saveTimer);
    this.saveTimer = null;
  }
}
