import { effect } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import {
  bodyKind,
  countsText,
  lossOf,
  rejectedText,
  StatusStore,
} from '../../../components/state/status-store';
import { TimelineStore } from '../../../lib/timeline/store';
import { conn, ev, msg } from '../store-fixtures';

const base = {
  hasTab: true,
  readOnly: false,
  recording: true,
  events: 10,
  shown: 10,
  patternsOnly: false,
  channels: 0,
};

describe('what the panel shows', () => {
  it('says why the list is empty, or shows it', () => {
    expect(bodyKind(base)).toBe('list');
    expect(bodyKind({ ...base, hasTab: false })).toBe('no-tab');
    expect(bodyKind({ ...base, hasTab: false, readOnly: true })).toBe('list');
    expect(bodyKind({ ...base, events: 0, shown: 0 })).toBe('no-traffic');
    expect(bodyKind({ ...base, events: 0, shown: 0, recording: false })).toBe('paused');
    expect(bodyKind({ ...base, events: 0, shown: 0, readOnly: true })).toBe('empty-import');
    expect(bodyKind({ ...base, shown: 0 })).toBe('no-match');
    expect(bodyKind({ ...base, shown: 0, patternsOnly: true })).toBe('no-patterns');
    expect(bodyKind({ ...base, shown: 0, patternsOnly: true, channels: 1 })).toBe('no-match');
  });

  it('counts events and connections', () => {
    expect(countsText(5, 5, 2)).toBe('5 events · 2 connections');
    expect(countsText(1, 1234, 1)).toBe(`1 of ${(1234).toLocaleString()} events · 1 connections`);
    expect(rejectedText(1)).toBe('1 malformed message rejected');
    expect(rejectedText(2)).toBe('2 malformed messages rejected');
  });

  it('adds up what was lost, and reports none for an import', () => {
    const store = new TimelineStore();
    const m = msg([conn(1, 1), ev(2, 1, 5), ev(3, 9, 6)]);
    store.ingest({ ...m, loss: { evicted: 0, dropped: 2, invalid: 1 } });
    const loss = lossOf(store, false);
    expect(loss.total).toBe(4);
    expect(loss.detail).toContain('2 dropped (the page hook could not deliver them)');
    expect(loss.detail).toContain("1 orphaned (their connection's record was lost)");
    expect(lossOf(store, true).total).toBe(0);
  });
});

describe('StatusStore', () => {
  it('pauses and resumes recording, re-rendering whoever reads it', () => {
    const store = new TimelineStore();
    const status = new StatusStore();
    const seen: boolean[] = [];
    const stop = effect(() => {
      seen.push(status.recording(store));
    });
    status.toggleRecording(store);
    expect(store.recording).toBe(false);
    status.toggleRecording(store);
    stop();
    expect(seen).toEqual([true, false, true]);
  });

  it('clears the live store, and a reader hears of it', () => {
    const store = new TimelineStore();
    store.ingest(msg([conn(1, 1), ev(2, 1, 5)]));
    const status = new StatusStore();
    let runs = 0;
    const stop = effect(() => {
      status.recording(store);
      runs++;
    });
    const generation = store.generation;
    status.clear(store);
    stop();
    expect(store.events).toHaveLength(0);
    expect(store.generation).not.toBe(generation);
    expect(runs).toBe(2);
  });
});
