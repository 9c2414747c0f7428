// What each HTTP exchange of a store came to: when its response began, when
// and how it ended, and its first event (the one to select for it). Kept
// incrementally: each update reads only the connections and events added since
// the last one, and starts over when the store's arrays were replaced.

import { failureOf } from '../patterns/request';
import { type Connection, isHttp, type TimelineEvent } from './store';

export interface ExchangeFacts {
  connection: Connection;
  /** The exchange's first event (its open), or null before any arrived. */
  first: TimelineEvent | null;
  /** Time the response headers arrived (`headersAt`), else the first response event's time. */
  headersAt: number | null;
  /** Time it completed (its first close or error), null while in flight. */
  endAt: number | null;
  /** How an exchange that ended with an error failed. */
  failure: 'timeout' | 'abort' | 'error' | null;
  /** The error's reason, as recorded. */
  reason: string | null;
}

/** The parts of a TimelineStore the index reads. */
export interface ExchangeSource {
  connections: readonly Connection[];
  events: readonly TimelineEvent[];
}

export class ExchangeIndex {
  private readonly facts = new Map<string, ExchangeFacts>();
  private connections: readonly Connection[] | null = null;
  private events: readonly TimelineEvent[] | null = null;
  private connectionsRead = 0;
  private eventsRead = 0;

  /** Reads what the store gained since the last call. */
  update(source: ExchangeSource): void {
    if (
      source.connections !== this.connections ||
      source.events !== this.events ||
      this.connectionsRead > source.connections.length ||
      this.eventsRead > source.events.length
    ) {
      this.facts.clear();
      this.connections = source.connections;
      this.events = source.events;
      this.connectionsRead = 0;
      this.eventsRead = 0;
    }
    const conns = source.connections;
    for (; this.connectionsRead < conns.length; this.connectionsRead++) {
      const c = conns[this.connectionsRead] as Connection;
      if (isHttp(c)) this.factsOf(c);
    }
    const events = source.events;
    for (; this.eventsRead < events.length; this.eventsRead++) {
      const e = events[this.eventsRead] as TimelineEvent;
      if (isHttp(e.connection)) this.add(this.factsOf(e.connection), e);
    }
  }

  get(key: string): ExchangeFacts | undefined {
    return this.facts.get(key);
  }

  private factsOf(c: Connection): ExchangeFacts {
    let f = this.facts.get(c.key);
    if (!f) {
      f = { connection: c, first: null, headersAt: null, endAt: null, failure: null, reason: null };
      this.facts.set(c.key, f);
    }
    return f;
  }

  private add(f: ExchangeFacts, e: TimelineEvent): void {
    const r = e.record;
    if (f.first === null) f.first = e;
    if (r.type === 'receive') {
      // Events may arrive out of time order (a late batch): the earliest response counts.
      const at = r.headersAt ?? r.time;
      if (f.headersAt === null || at < f.headersAt) f.headersAt = at;
    } else if ((r.type === 'close' || r.type === 'error') && f.endAt === null) {
      f.endAt = r.time;
      if (r.type === 'error') {
        f.failure = failureOf(r.reason);
        f.reason = r.reason ?? null;
      }
    }
  }
}
