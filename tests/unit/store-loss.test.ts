import { describe, expect, it } from 'vitest';
import { TimelineStore } from '../../lib/timeline/store';
import { conn, ev, msg } from './store-fixtures';

describe('TimelineStore: what cannot be shown is counted', () => {
  it('counts the events of a connection whose record never arrived, instead of hiding them silently', () => {
    const s = new TimelineStore();
    // seq 1 (the connection) was dropped on the way: its events arrive alone.
    s.ingest(msg([ev(2, 1, 10), ev(3, 1, 11), conn(4, 2), ev(5, 2, 12)]));
    expect(s.connections).toHaveLength(1);
    expect(s.events.map((e) => e.record.seq)).toEqual([5]);
    expect(s.lost).toEqual({ missing: 1, dropped: 0, invalid: 0, orphaned: 2 });
  });

  it('counts a connection that failed validation and each of its events, once each', () => {
    const s = new TimelineStore();
    // The relay numbers only what it keeps: its events are 1 and 2.
    const m = msg([ev(1, 1, 10), ev(2, 1, 11)]);
    m.loss.invalid = 1;
    s.ingest(m);
    const { missing, invalid, orphaned } = s.lost;
    expect(missing + invalid + orphaned).toBe(3);
  });

  it('keeps quiet about connections the user let go: cleared, navigated away from, opened while paused', () => {
    const s = new TimelineStore();
    s.ingest(msg([conn(1, 1), ev(2, 1, 10)]));
    s.clear();
    s.ingest(msg([ev(3, 1, 11)]));
    s.recording = false;
    s.ingest(msg([conn(4, 2)]));
    s.recording = true;
    s.ingest(msg([ev(5, 2, 12), conn(6, 3)]));
    // A new top document without Preserve log; the old one's socket still talks.
    s.ingest(msg([conn(1, 1)], 'd2'));
    s.ingest(msg([ev(7, 3, 13)]));
    expect(s.events).toHaveLength(0);
    expect(s.lost).toEqual({ missing: 0, dropped: 0, invalid: 0, orphaned: 0 });
  });

  it('counts records the relay could not send at all as soon as it says so (through)', () => {
    const s = new TimelineStore();
    s.ingest({ ...msg([conn(1, 1), ev(2, 1, 10)]), through: 4 });
    expect(s.lost.missing).toBe(2);
    s.ingest(msg([ev(5, 1, 11)]));
    expect(s.lost.missing).toBe(2);
    expect(s.events.map((e) => e.record.seq)).toEqual([2, 5]);
    // A replay repeats what came before: no gap, no double count.
    s.ingest({ ...msg([conn(1, 1), ev(2, 1, 10), ev(5, 1, 11)]), through: 3 });
    expect(s.lost.missing).toBe(2);
  });
});
