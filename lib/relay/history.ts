// The relay's bounded history of one document: the newest records up to a
// count and a memory budget, whichever is reached first. Records are kept as
// they came: one by one, or as runs of WebSocket messages the hook packed
// (stored-run.ts), which count as one record per message and are evicted
// message by message (a run's memory goes with its last). Sequence numbers
// are dense, so a reader sees any gap; evictions are also counted.
//
// A connection's record outlives its evicted events: it is kept aside
// ("pinned") while the connection still has events in the history or may
// still have more (it has not ended), so whatever is kept of a busy socket
// still has its connection to be shown on. So is what its evicted events said
// of its state: the latest `open` or `error` (a WebSocket's negotiated
// protocol, an EventSource's reconnects) and the latest response head (HTTP
// status and headers), its body emptied and marked truncated. A reader that
// comes later gets those first, in sequence order, then the history.

import type { CaptureRecord, ConnectionRecord, EventRecord } from '../model';
import { jsonBound } from '../wire-size';
import { dropMessage, messageConn, messageCount, type StoredRun } from './stored-run';

export const DEFAULT_MAX_EVENTS = 100_000;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** The most connections kept aside at once; beyond, the oldest go (counted as evicted). */
export const MAX_PINNED_CONNECTIONS = 10_000;

/** A record as kept, with its memory weight and the upper bound of its JSON bytes. */
export interface Kept {
  record: CaptureRecord;
  weight: number;
  wire: number;
}

/** Messages [start, end) of a run, as kept. */
export interface KeptRun {
  run: StoredRun;
  start: number;
  end: number;
}

/** What the history holds, in order: a record, or what is left of a run. */
export type KeptItem = Kept | KeptRun;

export const isKeptRun = (item: KeptItem): item is KeptRun => 'run' in item;

/** The seq of an item's first record. */
export const firstSeq = (item: KeptItem): number =>
  isKeptRun(item) ? item.run.seq + item.start : item.record.seq;

interface ConnState {
  conn: Kept;
  /** Events of this connection still in the history. */
  retained: number;
  /** A close, or an error that ends it (an EventSource reconnects after an error). */
  ended: boolean;
  /** Its record has been evicted from the history and is kept aside. */
  pinned: boolean;
  /** The latest evicted `open` or `error`: the connection's state. */
  lifecycle: Kept | null;
  /** The latest evicted response head (an HTTP receive with a status), body emptied. */
  head: Kept | null;
}

function endsConnection(conn: ConnectionRecord, event: EventRecord): boolean {
  return event.type === 'close' || (event.type === 'error' && conn.transport !== 'eventsource');
}

/** A response head kept for its status and headers: the event with its body emptied, marked truncated. */
function headOf(event: EventRecord): Kept {
  const record: EventRecord = { ...event };
  if (record.data) {
    record.data = 'text' in record.data ? { text: '' } : { base64: '' };
    record.truncated = true;
  }
  const wire = jsonBound(record) + 1;
  return { record, weight: 200 + Math.ceil(wire / 3), wire };
}

/** What the history holds: a record, or a run (its `start` moves as its oldest messages are evicted). */
type Entry = Kept | StoredRun;

const isRun = (entry: Entry): entry is StoredRun => !('record' in entry);

export class History {
  private entries: Entry[] = [];
  private head = 0;
  /** Records kept in the history proper, messages of runs included. */
  private count = 0;
  private bytes = 0;
  /** Connections with a record in the history or kept aside, in the order their records came (seq). */
  private readonly conns = new Map<number, ConnState>();
  private pinnedCount = 0;
  private pinnedBytes = 0;
  /** Records no longer kept in any form. */
  evicted = 0;

  constructor(
    private readonly maxEvents = DEFAULT_MAX_EVENTS,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
    private readonly maxPinned = MAX_PINNED_CONNECTIONS,
  ) {}

  /** Records in the history proper (not counting those kept aside). */
  get size(): number {
    return this.count;
  }

  /** Connections kept aside after their record left the history. */
  get pinned(): number {
    return this.pinnedCount;
  }

  get retainedBytes(): number {
    return this.bytes;
  }

  /** `wire`: the upper bound of the record's JSON bytes (normalize's); measured here when not given. */
  add(record: CaptureRecord, weight: number, wire = jsonBound(record) + 1): void {
    this.entries.push({ record, weight, wire });
    this.count++;
    this.bytes += weight;
    if (record.r === 'conn') {
      this.conns.set(record.id, {
        conn: { record, weight, wire },
        retained: 0,
        ended: false,
        pinned: false,
        lifecycle: null,
        head: null,
      });
    } else {
      const state = this.conns.get(record.conn);
      if (state) {
        state.retained++;
        if (endsConnection(state.conn.record as ConnectionRecord, record)) state.ended = true;
      }
    }
    this.trim();
  }

  /** Keeps a run of messages (none of which ends its connection). */
  addRun(run: StoredRun): void {
    const n = messageCount(run);
    this.entries.push(run);
    this.count += n;
    this.bytes += run.weight;
    // Messages of one connection come in stretches: its state is looked up once per stretch.
    let id = -1;
    let state: ConnState | undefined;
    for (let i = 0; i < n; i++) {
      const conn = messageConn(run, i);
      if (conn !== id) {
        id = conn;
        state = this.conns.get(conn);
      }
      if (state) state.retained++;
    }
    this.trim();
  }

  private trim(): void {
    while (this.count > this.maxEvents || (this.bytes > this.maxBytes && this.count > 1)) this.evictOldest();
    this.trimPinned();
    // Compact now and then so the list does not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private evictOldest(): void {
    const entry = this.entries[this.head] as Entry;
    if (isRun(entry)) {
      this.evictMessage(entry);
      return;
    }
    this.head++;
    this.count--;
    const { record, weight } = entry;
    if (record.r === 'conn') {
      const state = this.conns.get(record.id);
      if (state && state.conn.record === record && !(state.ended && state.retained === 0)) {
        // Kept aside: its events are still here, or more may come.
        state.pinned = true;
        this.pinnedCount++;
        this.pinnedBytes += weight;
        return;
      }
      if (state?.conn.record === record) this.conns.delete(record.id);
      this.bytes -= weight;
      this.evicted++;
      return;
    }
    this.bytes -= weight;
    this.evicted++;
    const state = this.conns.get(record.conn);
    if (!state) return;
    state.retained--;
    // Its connection's record left before it (lower seq), so the connection is kept aside.
    if (state.pinned) {
      if (record.type === 'open' || (record.type === 'error' && !state.ended))
        state.lifecycle = this.keep(state.lifecycle, entry);
      else if (record.type === 'receive' && record.status !== undefined)
        state.head = this.keep(state.head, headOf(record));
      if (state.ended && state.retained === 0) this.release(state);
    }
  }

  /** Evicts a run's oldest message; the run goes once it has none left. */
  private evictMessage(run: StoredRun): void {
    const conn = messageConn(run, run.start);
    this.bytes -= dropMessage(run);
    this.count--;
    this.evicted++;
    if (run.start === messageCount(run)) this.head++;
    const state = this.conns.get(conn);
    if (!state) return;
    state.retained--;
    if (state.pinned && state.ended && state.retained === 0) this.release(state);
  }

  /** Keeps `next` aside in place of `previous` (which is then gone for good). */
  private keep(previous: Kept | null, next: Kept): Kept {
    if (previous) {
      this.bytes -= previous.weight;
      this.pinnedBytes -= previous.weight;
      this.evicted++;
    }
    this.bytes += next.weight;
    this.pinnedBytes += next.weight;
    this.evicted--;
    return next;
  }

  /** A connection kept aside goes, with what was kept of its state. */
  private release(state: ConnState): void {
    const id = (state.conn.record as ConnectionRecord).id;
    this.conns.delete(id);
    this.pinnedCount--;
    for (const kept of [state.conn, state.lifecycle, state.head]) {
      if (!kept) continue;
      this.bytes -= kept.weight;
      this.pinnedBytes -= kept.weight;
      this.evicted++;
    }
  }

  /** Past the limits of what is kept aside, the oldest connections go (they come first in the map). */
  private trimPinned(): void {
    if (this.pinnedCount <= this.maxPinned && this.pinnedBytes <= this.maxBytes / 4) return;
    for (const state of this.conns.values()) {
      if (this.pinnedCount <= this.maxPinned && this.pinnedBytes <= this.maxBytes / 4) return;
      if (state.pinned) this.release(state);
    }
  }

  /** Everything kept, oldest first: what was kept aside, then the history. */
  snapshot(): KeptItem[] {
    const aside: Kept[] = [];
    for (const state of this.conns.values()) {
      if (!state.pinned) continue;
      aside.push(state.conn);
      if (state.lifecycle) aside.push(state.lifecycle);
      if (state.head) aside.push(state.head);
    }
    aside.sort((a, b) => a.record.seq - b.record.seq);
    const out: KeptItem[] = aside;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i] as Entry;
      out.push(isRun(entry) ? { run: entry, start: entry.start, end: messageCount(entry) } : entry);
    }
    return out;
  }
}
