import { describe, expect, it } from 'vitest';
import { RowsStore } from '../../../components/state/rows-store';
import { TimelineStore } from '../../../lib/timeline/store';

describe('RowsStore', () => {
  it('expands and folds exchanges, one new set per change', () => {
    const store = new TimelineStore();
    const rows = new RowsStore();
    const before = rows.expandedIn(store);
    expect(rows.setExpanded(store, 'd:1', true)).toBe(true);
    expect(rows.setExpanded(store, 'd:1', true)).toBe(false);
    const after = rows.expandedIn(store);
    expect(after).not.toBe(before);
    expect([...after]).toEqual(['d:1']);
    rows.toggle(store, 'd:2');
    rows.toggle(store, 'd:1');
    expect([...rows.expandedIn(store)]).toEqual(['d:2']);
  });

  it('forgets what was expanded once the store is cleared or another is shown', () => {
    const store = new TimelineStore();
    const other = new TimelineStore();
    const rows = new RowsStore();
    rows.setExpanded(store, 'd:1', true);
    expect(rows.isExpanded(other, 'd:1')).toBe(false);
    store.clear();
    expect(rows.isExpanded(store, 'd:1')).toBe(false);
    expect(rows.expandedIn(store).size).toBe(0);
  });
});
