// The relay's bounded history of one document: the newest records up to a
// count and a memory budget, whichever is reached first. Sequence numbers are
// dense, so a reader sees any gap; evictions are also counted.
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

export class History {
  private records: CaptureRecord[] = [];
  private weights: number[] = [];
  private wires: number[] = [];
  private head = 0;
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
    return this.records.length - this.head;
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
    this.records.push(record);
    this.weights.push(weight);
    this.wires.push(wire);
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
    while (this.size > this.maxEvents || (this.bytes > this.maxBytes && this.size > 1)) this.evictOldest();
    this.trimPinned();
    // Compact now and then so the arrays do not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.weights = this.weights.slice(this.head);
      this.wires = this.wires.slice(this.head);
      this.head = 0;
    }
  }

  private evictOldest(): void {
    const at = this.head++;
    const record = this.records[at] as CaptureRecord;
    const weight = this.weights[at] ?? 0;
    const wire = this.wires[at] ?? 0;
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
        state.lifecycle = this.keep(state.lifecycle, { record, weight, wire });
      else if (record.type === 'receive' && record.status !== undefined)
        state.head = this.keep(state.head, headOf(record));
      if (state.ended && state.retained === 0) this.release(state);
    }
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
  snapshot(): Kept[] {
    const aside: Kept[] = [];
    for (const state of this.conns.values()) {
      if (!state.pinned) continue;
      aside.push(state.conn);
      if (state.lifecycle) aside.push(state.lifecycle);
      if (state.head) aside.push(state.head);
    }
    aside.sort((a, b) => a.record.seq - b.record.seq);
    const out = aside;
    for (let i = this.head; i < this.records.length; i++)
      out.push({
        record: this.records[i] as CaptureRecord,
        weight: this.weights[i] ?? 0,
        wire: this.wires[i] ?? 0,
      });
    return out;
  }
}
