// Builds timeline events for filter and view tests through the real store.

import type { EventRecord, HeaderList, Transport } from '../../lib/model';
import { TimelineStore } from '../../lib/timeline/store';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';

export interface Spec {
  conn: number;
  type: EventRecord['type'];
  text?: string;
  base64?: string;
  size?: number;
  status?: number;
  eventName?: string;
  reason?: string;
  time?: number;
  responseHeaders?: HeaderList;
}

/** A store holding connections (id = index + 1) and the given events, in order. */
export function storeWith(
  conns: Array<{ transport: Transport; url: string; method?: string }>,
  events: Spec[],
): TimelineStore {
  const store = new TimelineStore();
  let seq = 0;
  const records: Array<import('../../lib/model').CaptureRecord> = conns.map((c, i) => ({
    r: 'conn' as const,
    seq: ++seq,
    time: 1000 + i,
    id: i + 1,
    transport: c.transport,
    url: c.url,
    ...(c.method ? { method: c.method } : {}),
  }));
  events.forEach((e, i) => {
    const rec: EventRecord = { r: 'ev', seq: 0, time: e.time ?? 2000 + i, conn: e.conn, type: e.type };
    if (e.text !== undefined) rec.data = { text: e.text };
    if (e.base64 !== undefined) rec.data = { base64: e.base64 };
    if (e.size !== undefined || e.text !== undefined) rec.size = e.size ?? e.text?.length;
    if (e.status !== undefined) rec.status = e.status;
    if (e.eventName !== undefined) rec.eventName = e.eventName;
    if (e.reason !== undefined) rec.reason = e.reason;
    if (e.responseHeaders !== undefined) rec.responseHeaders = e.responseHeaders;
    rec.seq = ++seq;
    records.push(rec);
  });
  store.ingest({
    v: PROTOCOL_VERSION,
    t: 'panel-records',
    tabId: 1,
    frameId: 0,
    doc: { docId: 'd1', url: 'http://app.test/', title: 'app', top: true, startedAt: 900 },
    loss: { evicted: 0, dropped: 0, invalid: 0 },
    records,
  });
  return store;
}
