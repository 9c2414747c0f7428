import { describe, expect, it } from 'vitest';
import type { EventPredicate } from '../../lib/filter';
import { EventVisibility } from '../../lib/timeline/event-visibility';
import { TimelineStore } from '../../lib/timeline/store';
import { conn, ev, listEntry, msg } from './store-fixtures';

function storeWith(records: Parameters<typeof msg>[0]) {
  const store = new TimelineStore();
  store.ingest(msg(records));
  return store;
}

const textHas =
  (word: string): EventPredicate =>
  (e) =>
    e.record.data !== undefined && 'text' in e.record.data && e.record.data.text.includes(word);

describe('EventVisibility', () => {
  it('shows everything, and every entry, without a filter', () => {
    const store = storeWith([conn(1, 1), conn(2, 2), ev(3, 1, 10)]);
    const vis = new EventVisibility();
    vis.sync(store.events, null);
    expect(vis.filtering).toBe(false);
    expect([...vis.shown.subarray(0, vis.length)]).toEqual(store.events.map(() => 1));
    const [a, b] = store.connections;
    if (!a || !b) throw new Error('no connections');
    // A connection with no events yet still has its lane.
    const entries = [listEntry('a', 'connection', [a.key]), listEntry('b', 'connection', [b.key])];
    expect(vis.entriesShown(entries).map((e) => e.id)).toEqual(['a', 'b']);
    expect(vis.connectionShown(b.key)).toBe(true);
  });

  it('flags what the filter lets through and gives lanes only to entries with something shown', () => {
    const store = storeWith([
      conn(1, 1),
      conn(2, 2),
      ev(3, 1, 10, 'ping'),
      ev(4, 2, 20, 'pong'),
      ev(5, 1, 30, 'ping'),
    ]);
    const vis = new EventVisibility();
    const ping = textHas('ping');
    vis.sync(store.events, ping);
    expect(vis.filtering).toBe(true);
    expect([...vis.shown.subarray(0, vis.length)]).toEqual(store.events.map((e) => (ping(e) ? 1 : 0)));
    const [a, b] = store.connections;
    if (!a || !b) throw new Error('no connections');
    expect(vis.shownOf(a.key)).toBe(2);
    expect(vis.shownOf(b.key)).toBe(0);
    expect(vis.connectionShown(b.key)).toBe(false);
    const entries = [listEntry('a', 'connection', [a.key]), listEntry('b', 'channel', ['nope', b.key])];
    expect(vis.entriesShown(entries).map((e) => e.id)).toEqual(['a']);
  });

  it('tests only new events while the filter stays, all of them once when it changes', () => {
    const store = storeWith([conn(1, 1), ev(2, 1, 10, 'ping'), ev(3, 1, 20, 'pong')]);
    const vis = new EventVisibility();
    let calls = 0;
    const counting: EventPredicate = (e) => {
      calls++;
      return textHas('ping')(e);
    };
    vis.sync(store.events, counting);
    const first = calls;
    expect(first).toBe(store.events.length);
    store.ingest(msg([ev(4, 1, 30, 'ping'), ev(5, 1, 40, 'ping')]));
    vis.sync(store.events, counting);
    expect(calls - first).toBe(2);
    vis.sync(store.events, counting);
    expect(calls - first).toBe(2);
    const key = store.connections[0]?.key ?? '';
    expect(vis.shownOf(key)).toBe(3);
    // Another filter: every event is tested again, and the counts start over.
    vis.sync(store.events, textHas('pong'));
    expect(vis.shownOf(key)).toBe(1);
    vis.sync(store.events, null);
    expect(vis.shownOf(key)).toBe(store.events.length);
  });

  it('starts over when the store is cleared, and grows past its first capacity', () => {
    const store = storeWith([conn(1, 1)]);
    const vis = new EventVisibility();
    const records = [];
    for (let i = 0; i < 3000; i++) records.push(ev(2 + i, 1, i, i % 3 === 0 ? 'ping' : 'x'));
    store.ingest(msg(records));
    vis.sync(store.events, textHas('ping'));
    expect(vis.length).toBe(store.events.length);
    expect(vis.shownOf(store.connections[0]?.key ?? '')).toBe(1000);
    store.clear();
    vis.sync(store.events, textHas('ping'));
    expect(vis.length).toBe(store.events.length);
    expect(vis.shownOf(store.connections[0]?.key ?? '')).toBe(0);
  });

  it('handles no events at all', () => {
    const vis = new EventVisibility();
    vis.sync([], textHas('x'));
    expect(vis.length).toBe(0);
    expect(vis.entriesShown([listEntry('a', 'connection', ['k'])])).toEqual([]);
  });
});
