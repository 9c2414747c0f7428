import { describe, expect, it } from 'vitest';
import { movedIndex, SelectionStore } from '../../../components/state/selection-store';
import { TimelineStore } from '../../../lib/timeline/store';
import { conn, ev, msg } from '../store-fixtures';

function storeOf(n: number): TimelineStore {
  const store = new TimelineStore();
  store.ingest(msg([conn(1, 1), ...Array.from({ length: n }, (_, i) => ev(i + 2, 1, 10 + i))]));
  return store;
}

describe('movedIndex', () => {
  it('starts at an end when nothing is selected', () => {
    expect(movedIndex(5, -1, 'next')).toBe(0);
    expect(movedIndex(5, -1, 'previous')).toBe(4);
  });
  it('moves by one and stops at the ends', () => {
    expect(movedIndex(5, 2, 'next')).toBe(3);
    expect(movedIndex(5, 4, 'next')).toBe(4);
    expect(movedIndex(5, 0, 'previous')).toBe(0);
  });
  it('jumps to the first and last rows', () => {
    expect(movedIndex(5, 2, 'first')).toBe(0);
    expect(movedIndex(5, 2, 'last')).toBe(4);
  });
  it('goes nowhere in an empty list', () => {
    for (const m of ['next', 'previous', 'first', 'last'] as const) expect(movedIndex(0, -1, m)).toBeNull();
  });
});

describe('SelectionStore', () => {
  it('chooses an event and opens its detail', () => {
    const store = storeOf(3);
    const sel = new SelectionStore();
    sel.closeDetail();
    sel.choose(store.events[1] ?? null, store);
    expect(sel.currentIn(store)).toBe(store.events[1]);
    expect(sel.detailOpen.value).toBe(true);
  });

  it('reveals an event chosen elsewhere (a channel’s cycle) in the list, leaving the detail closed', () => {
    const store = storeOf(3);
    const sel = new SelectionStore();
    sel.closeDetail();
    sel.reveal(store.events[2] as (typeof store.events)[number], store);
    expect(sel.currentIn(store)).toBe(store.events[2]);
    expect(sel.revealToken.value).toBe(1);
    expect(sel.detailOpen.value).toBe(false);
  });

  it('forgets a selection once its store is cleared or another store is shown', () => {
    const store = storeOf(3);
    const other = storeOf(3);
    const sel = new SelectionStore();
    sel.choose(store.events[0] ?? null, store);
    expect(sel.currentIn(other)).toBeNull();
    store.clear();
    expect(sel.currentIn(store)).toBeNull();
  });

  it('moves through the list, asking the list to reveal the row, without opening the detail', () => {
    const store = storeOf(3);
    const sel = new SelectionStore();
    sel.closeDetail();
    expect(sel.move(store.events, store, 'next')).toBe(true);
    expect(sel.currentIn(store)).toBe(store.events[0]);
    sel.move(store.events, store, 'last');
    expect(sel.currentIn(store)).toBe(store.events[2]);
    expect(sel.revealToken.value).toBe(2);
    expect(sel.detailOpen.value).toBe(false);
    expect(sel.move([], store, 'next')).toBe(false);
    expect(sel.revealToken.value).toBe(2);
  });

  it('moves from the top again when the selected event is filtered out of the list', () => {
    const store = storeOf(3);
    const sel = new SelectionStore();
    sel.choose(store.events[2] ?? null, store);
    const shown = store.events.slice(0, 2);
    sel.move(shown, store, 'next');
    expect(sel.currentIn(store)).toBe(store.events[0]);
  });

  it('Esc closes the detail first, then drops the selection; Enter reopens only with a selection', () => {
    const store = storeOf(2);
    const sel = new SelectionStore();
    sel.choose(store.events[0] ?? null, store);
    sel.escape(store);
    expect(sel.detailOpen.value).toBe(false);
    expect(sel.currentIn(store)).toBe(store.events[0]);
    sel.openDetail(store);
    expect(sel.detailOpen.value).toBe(true);
    sel.closeDetail();
    sel.escape(store);
    expect(sel.currentIn(store)).toBeNull();
    sel.openDetail(store);
    expect(sel.detailOpen.value).toBe(false);
  });
});
