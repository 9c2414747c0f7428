// WebSocket and EventSource traces for the reconnect-loop tests: sockets
// opened, open, closed or failed at given page times, as capture records.

import type { CaptureRecord } from '../../lib/model';
import { detectPatterns, type Pattern } from '../../lib/patterns';
import { TimelineStore } from '../../lib/timeline/store';
import { msg } from './store-fixtures';

type Unnumbered = CaptureRecord extends infer R ? (R extends unknown ? Omit<R, 'seq'> : never) : never;

/** Socket records in page-time order (ties in the order added). */
export class Sockets {
  private recs: Array<{ time: number; n: number; rec: Unnumbered }> = [];
  private nextId = 1;
  private n = 0;

  constructor(readonly docId = 'd1') {}

  key(id: number): string {
    return `${this.docId}:${id}`;
  }

  private push(rec: Unnumbered): void {
    this.recs.push({ time: rec.time, n: this.n++, rec });
  }

  /** A WebSocket that opens after `connectMs` (null: never) and ends at `end` (null: still open). */
  ws(
    url: string,
    start: number,
    spec: { connectMs?: number | null; end: number | null; code?: number; error?: boolean },
  ): number {
    const id = this.nextId++;
    this.push({ r: 'conn', time: start, id, transport: 'websocket', url });
    const connectMs = spec.connectMs === undefined ? 2 : spec.connectMs;
    if (connectMs !== null) this.push({ r: 'ev', time: start + connectMs, conn: id, type: 'open' });
    if (spec.end !== null) {
      if (spec.error) this.push({ r: 'ev', time: spec.end, conn: id, type: 'error' });
      this.push({ r: 'ev', time: spec.end, conn: id, type: 'close', code: spec.code ?? 1006 });
    }
    return id;
  }

  /** Attempts of one WebSocket loop: each lives `lives[i]` ms, the next starts `delays[i]` ms after its end. */
  loop(url: string, start: number, lives: number[], delays: number[], code = 1011): number {
    let at = start;
    lives.forEach((life, i) => {
      this.ws(url, at, { end: at + 2 + life, code });
      at += 2 + life + (delays[i] ?? 0);
    });
    return at;
  }

  /** An EventSource whose browser reconnects by itself: each `[open, error]` pair, in page time. */
  eventSource(url: string, start: number, cycles: Array<[open: number | null, error: number]>): number {
    const id = this.nextId++;
    this.push({ r: 'conn', time: start, id, transport: 'eventsource', url, method: 'GET' });
    for (const [open, error] of cycles) {
      if (open !== null) this.push({ r: 'ev', time: open, conn: id, type: 'open' });
      this.push({ r: 'ev', time: error, conn: id, type: 'error', reason: 'connection lost; reconnecting' });
    }
    return id;
  }

  raw(rec: Unnumbered): void {
    this.push(rec);
  }

  records(): CaptureRecord[] {
    const sorted = [...this.recs].sort((a, b) => a.time - b.time || a.n - b.n);
    return sorted.map((t, i) => ({ ...t.rec, seq: i + 1 }) as CaptureRecord);
  }

  store(batch = Number.POSITIVE_INFINITY): TimelineStore {
    const store = new TimelineStore();
    const recs = this.records();
    for (let i = 0; i < recs.length; i += Math.min(batch, recs.length))
      store.ingest(msg(recs.slice(i, i + batch), this.docId));
    return store;
  }

  detect(now?: number): Pattern[] {
    const s = this.store();
    return detectPatterns(s.connections, s.events, now);
  }
}
