import { describe, expect, it } from 'vitest';
import { compileClauses, parseFilter } from '../../lib/filter';
import { TimelineStore } from '../../lib/timeline/store';
import { FilteredView } from '../../lib/timeline/view';
import { conn, ev, msg } from './store-fixtures';

describe('TimelineStore extensions', () => {
  it('numbers connections in order of appearance and restarts after clear', () => {
    const s = new TimelineStore();
    s.ingest(msg([conn(1, 7), conn(2, 3)]));
    expect(s.connections.map((c) => s.numberOf(c))).toEqual([1, 2]);
    const g = s.generation;
    s.clear();
    expect(s.generation).toBe(g + 1);
    s.ingest(msg([conn(3, 9)]));
    expect(s.numberOf(s.connections[0] as (typeof s.connections)[0])).toBe(1);
  });
  it('while paused, acknowledges records without keeping them and counts no gap', () => {
    const s = new TimelineStore();
    s.ingest(msg([conn(1, 1), ev(2, 1, 10)]));
    s.recording = false;
    s.ingest(msg([ev(3, 1, 11), ev(4, 1, 12)]));
    s.recording = true;
    s.ingest(msg([ev(5, 1, 13)]));
    expect(s.events.map((e) => e.record.seq)).toEqual([2, 5]);
    expect(s.lost.missing).toBe(0);
  });
});

describe('FilteredView', () => {
  it('appends only new events on update and rebuilds on a new predicate', () => {
    const s = new TimelineStore();
    s.ingest(msg([conn(1, 1), ev(2, 1, 10, 'alpha'), ev(3, 1, 11, 'beta')]));
    const v = new FilteredView(s);
    expect(v.update()).toEqual({ appended: 2, rebuilt: true });
    s.ingest(msg([ev(4, 1, 12, 'alpha2')]));
    expect(v.update()).toEqual({ appended: 1, rebuilt: false });
    v.setPredicate(compileClauses(parseFilter('alpha').clauses, () => 0));
    expect(v.update().rebuilt).toBe(true);
    expect(v.items.map((e) => e.record.seq)).toEqual([2, 4]);
    s.ingest(msg([ev(5, 1, 13, 'beta'), ev(6, 1, 14, 'alpha3')]));
    expect(v.update()).toEqual({ appended: 1, rebuilt: false });
  });
  it('keeps time order when a frame delivers older events late', () => {
    const s = new TimelineStore();
    s.ingest(msg([conn(1, 1), ev(2, 1, 100), ev(3, 1, 300)]));
    const v = new FilteredView(s);
    v.update();
    s.ingest(msg([conn(1, 1), ev(2, 1, 200)], 'child', 5, false));
    const r = v.update();
    expect(r.rebuilt).toBe(true);
    expect(v.items.map((e) => e.time)).toEqual([100, 200, 300]);
    const mid = v.items[1];
    expect(mid && v.indexOfSeq(mid.seq, mid.time)).toBe(1);
    expect(v.indexOfSeq(999, 200)).toBe(-1);
  });
  it('rebuilds after clear', () => {
    const s = new TimelineStore();
    s.ingest(msg([conn(1, 1), ev(2, 1, 100)]));
    const v = new FilteredView(s);
    v.update();
    s.clear();
    expect(v.update()).toEqual({ appended: 0, rebuilt: true });
    expect(v.items).toEqual([]);
  });
});
