// The store's events as flat typed columns (time, connection number, is-send,
// is-receive)
// for passes that visit every event on each redraw, such as the timeline
// overview. Kept up to date by appending only what arrived since the last
// sync: the store only ever appends to its events array, and replaces the
// array when it is cleared.

import type { Connection, TimelineEvent } from './store';

const INITIAL_CAPACITY = 1024;

export class EventColumns {
  /** Event times, ms since the epoch; valid up to `length`. */
  times = new Float64Array(INITIAL_CAPACITY);
  /** Index into `connections` of each event's connection. */
  conns = new Int32Array(INITIAL_CAPACITY);
  /** 1 for a send, 0 for anything else. */
  sends = new Uint8Array(INITIAL_CAPACITY);
  /** 1 for a receive, 0 for anything else. */
  receives = new Uint8Array(INITIAL_CAPACITY);
  length = 0;
  /** Every connection seen, in order of first event. */
  connections: Connection[] = [];
  minTime = Number.POSITIVE_INFINITY;
  maxTime = Number.NEGATIVE_INFINITY;
  private connIndex = new Map<Connection, number>();
  private source: readonly TimelineEvent[] | null = null;

  /** Brings the columns up to date with `events`; O(new events), or O(all) when the array was replaced. */
  sync(events: readonly TimelineEvent[]): void {
    if (events !== this.source || events.length < this.length) this.reset(events);
    const n = events.length;
    if (n > this.times.length) this.grow(n);
    for (let i = this.length; i < n; i++) {
      const e = events[i] as TimelineEvent;
      let c = this.connIndex.get(e.connection);
      if (c === undefined) {
        c = this.connections.length;
        this.connections.push(e.connection);
        this.connIndex.set(e.connection, c);
      }
      this.times[i] = e.time;
      this.conns[i] = c;
      this.sends[i] = e.record.type === 'send' ? 1 : 0;
      this.receives[i] = e.record.type === 'receive' ? 1 : 0;
      if (e.time < this.minTime) this.minTime = e.time;
      if (e.time > this.maxTime) this.maxTime = e.time;
    }
    this.length = n;
  }

  private reset(events: readonly TimelineEvent[]): void {
    this.source = events;
    this.length = 0;
    this.connections = [];
    this.connIndex = new Map();
    this.minTime = Number.POSITIVE_INFINITY;
    this.maxTime = Number.NEGATIVE_INFINITY;
  }

  private grow(atLeast: number): void {
    let capacity = this.times.length;
    while (capacity < atLeast) capacity *= 2;
    const times = new Float64Array(capacity);
    times.set(this.times.subarray(0, this.length));
    const conns = new Int32Array(capacity);
    conns.set(this.conns.subarray(0, this.length));
    const sends = new Uint8Array(capacity);
    sends.set(this.sends.subarray(0, this.length));
    const receives = new Uint8Array(capacity);
    receives.set(this.receives.subarray(0, this.length));
    this.times = times;
    this.conns = conns;
    this.sends = sends;
    this.receives = receives;
  }
}
