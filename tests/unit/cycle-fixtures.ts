// HTTP exchanges of a polling loop as capture records, for the cycles table's
// tests: each exchange says when it started, when its response headers came,
// and how it ended; the records come out in one document's capture order.

import type { CaptureRecord, ConnectionRecord, EventRecord } from '../../lib/model';
import { TimelineStore } from '../../lib/timeline/store';
import { msg } from './store-fixtures';

export interface ExchangeSpec {
  start: number;
  /** Response headers and body at this time (omitted: no response). */
  answerAt?: number;
  /** Completion; omitted: still in flight. */
  endAt?: number;
  status?: number;
  size?: number;
  /** Ends with an error event of this reason instead of a close. */
  error?: string;
  url?: string;
}

/** Records of the exchanges, ids 1..n, sorted by time (a document's capture order). */
type Unnumbered = Omit<ConnectionRecord, 'seq'> | Omit<EventRecord, 'seq'>;

export function exchangeRecords(specs: readonly ExchangeSpec[]): CaptureRecord[] {
  const timed: Array<{ time: number; order: number; record: Unnumbered }> = [];
  let order = 0;
  const push = (time: number, record: Unnumbered) => timed.push({ time, order: order++, record });
  specs.forEach((s, i) => {
    const id = i + 1;
    const url = s.url ?? `http://app.test/poll?n=${id}`;
    push(s.start, { r: 'conn', time: s.start, id, transport: 'xhr', url, method: 'GET' });
    push(s.start, { r: 'ev', time: s.start, conn: id, type: 'open' });
    if (s.answerAt !== undefined) {
      const body = 'x'.repeat(s.size ?? 2);
      const receive: Omit<EventRecord, 'seq'> = {
        r: 'ev',
        time: s.answerAt,
        conn: id,
        type: 'receive',
        status: s.status ?? 200,
        headersAt: s.answerAt,
        data: { text: body },
        size: body.length,
      };
      push(s.answerAt, receive);
    }
    if (s.endAt !== undefined) {
      const end: Omit<EventRecord, 'seq'> = s.error
        ? { r: 'ev', time: s.endAt, conn: id, type: 'error', reason: s.error }
        : { r: 'ev', time: s.endAt, conn: id, type: 'close', status: s.status ?? 200 };
      push(s.endAt, end);
    }
  });
  timed.sort((a, b) => a.time - b.time || a.order - b.order);
  return timed.map((t, i) => ({ ...t.record, seq: i + 1 }) as CaptureRecord);
}

/** A store holding the exchanges (document d1: keys d1:1..d1:n). */
export function storeOfExchanges(specs: readonly ExchangeSpec[]): TimelineStore {
  const store = new TimelineStore();
  store.ingest(msg(exchangeRecords(specs)));
  return store;
}

/** A held long-poll: `n` cycles held `holdMs`, each re-issued `gapMs` after the previous answer. */
export function longPollSpecs(n: number, holdMs: number, gapMs: number, from = 10_000): ExchangeSpec[] {
  const specs: ExchangeSpec[] = [];
  let t = from;
  for (let i = 0; i < n; i++) {
    specs.push({ start: t, answerAt: t + holdMs, endAt: t + holdMs + 1, size: 20 + i });
    t += holdMs + 1 + gapMs;
  }
  return specs;
}

export const keysOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `d1:${i + 1}`);
