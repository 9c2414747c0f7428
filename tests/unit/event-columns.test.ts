import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../lib/model';
import { EventColumns } from '../../lib/timeline/event-columns';
import { TimelineStore } from '../../lib/timeline/store';
import { conn, ev, msg } from './store-fixtures';

const send = (seq: number, id: number, time: number) => ev(seq, id, time, 'x', 'send');

describe('EventColumns', () => {
  it('mirrors every event: time, connection and whether it is a send', () => {
    const store = new TimelineStore();
    store.ingest(msg([conn(1, 1), conn(2, 2), send(3, 1, 50), ev(4, 2, 40), ev(5, 1, 60)]));
    const cols = new EventColumns();
    cols.sync(store.events);
    expect(cols.length).toBe(store.events.length);
    const n = cols.length;
    expect([...cols.times.subarray(0, n)]).toEqual(store.events.map((e) => e.time));
    expect([...cols.sends.subarray(0, n)]).toEqual(
      store.events.map((e) => (e.record.type === 'send' ? 1 : 0)),
    );
    expect([...cols.receives.subarray(0, n)]).toEqual(
      store.events.map((e) => (e.record.type === 'receive' ? 1 : 0)),
    );
    for (let i = 0; i < n; i++)
      expect(cols.connections[cols.conns[i] as number]).toBe(store.events[i]?.connection);
    expect(cols.minTime).toBe(Math.min(...store.events.map((e) => e.time)));
    expect(cols.maxTime).toBe(60);
  });

  it('appends only what arrived since the last sync, growing past its first capacity', () => {
    const store = new TimelineStore();
    store.ingest(msg([conn(1, 1)]));
    const cols = new EventColumns();
    let seq = 2;
    for (let batch = 0; batch < 5; batch++) {
      const records: EventRecord[] = [];
      for (let i = 0; i < 700; i++, seq++)
        records.push(i % 3 === 0 ? send(seq, 1, 1000 + seq) : ev(seq, 1, 1000 + seq));
      store.ingest(msg(records));
      cols.sync(store.events);
      expect(cols.length).toBe(store.events.length);
    }
    const n = cols.length;
    expect(n).toBeGreaterThan(3000);
    expect([...cols.times.subarray(0, n)]).toEqual(store.events.map((e) => e.time));
    expect(cols.sends.subarray(0, n).reduce((a, b) => a + b, 0)).toBe(
      store.events.filter((e) => e.record.type === 'send').length,
    );
    // Growing keeps the receives of the first capacity too.
    expect([...cols.receives.subarray(0, n)]).toEqual(
      store.events.map((e) => (e.record.type === 'receive' ? 1 : 0)),
    );
    expect(cols.connections).toHaveLength(1);
  });

  it('starts over when the store is cleared', () => {
    const store = new TimelineStore();
    store.ingest(msg([conn(1, 1), ev(2, 1, 10), ev(3, 1, 900)]));
    const cols = new EventColumns();
    cols.sync(store.events);
    store.clear();
    store.ingest(msg([conn(4, 5), ev(5, 5, 500)]));
    cols.sync(store.events);
    expect(cols.length).toBe(store.events.length);
    expect(cols.minTime).toBe(Math.min(...store.events.map((e) => e.time)));
    expect(cols.maxTime).toBe(Math.max(...store.events.map((e) => e.time)));
    expect(cols.connections).toEqual([store.events[0]?.connection]);
  });

  it('is empty for no events', () => {
    const cols = new EventColumns();
    cols.sync([]);
    expect(cols.length).toBe(0);
    expect(Number.isFinite(cols.minTime)).toBe(false);
  });
});
