// The panel's keyboard: ↑ ↓ Home End move the selection, → and ← expand and
// collapse the selected HTTP exchange (← on one of its steps goes back up to
// it), Enter opens the detail, Esc closes it (or an open drop-down, or drops the selection),
// Ctrl/Cmd+F focuses the filter. Listens on the document, so it works
// wherever focus is, except while typing in a field.

import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { indexOfTarget, isExchangeRow, isStepRow, type ListRow } from '../lib/timeline/list-rows';
import type { TimelineStore } from '../lib/timeline/store';
import type { ViewState } from './state';
import type { SelectionMove } from './state/selection-store';

const MOVES: Record<string, SelectionMove> = {
  ArrowDown: 'next',
  ArrowUp: 'previous',
  Home: 'first',
  End: 'last',
};

function isEditable(el: EventTarget | null): boolean {
  return el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

export function usePanelKeys(
  state: ViewState,
  filterRef: RefObject<HTMLInputElement | null>,
  rows: readonly ListRow[],
  store: TimelineStore,
): void {
  // The listener is added once; it reads what the latest render showed.
  const latest = useRef({ rows, store });
  latest.current = { rows, store };
  useEffect(() => {
    const { filter, selection, layout, rows: rowsState } = state;
    /** → / ←: expand or collapse the selected exchange; ← on a step selects its exchange. */
    const fold = (expand: boolean, list: readonly ListRow[], shown: TimelineStore): boolean => {
      const row = list[indexOfTarget(list, selection.targetIn(shown))];
      if (!row) return false;
      if (isExchangeRow(row)) return rowsState.setExpanded(shown, row.connection.key, expand) || true;
      if (!expand && isStepRow(row)) {
        selection.chooseRow(row.exchange, shown);
        selection.revealToken.value++;
        return true;
      }
      return false;
    };
    const onKey = (ev: KeyboardEvent) => {
      const box = filterRef.current;
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'f') {
        ev.preventDefault();
        box?.focus();
        box?.select();
        return;
      }
      if (isEditable(ev.target)) {
        if (ev.key === 'Escape' && ev.target === box) {
          if (box?.value) filter.setQuery('');
          else box?.blur();
        }
        if (ev.key === 'ArrowDown' && ev.target === box) {
          ev.preventDefault();
          (document.querySelector('[data-testid="events"]') as HTMLElement | null)?.focus();
        }
        return;
      }
      const { rows: list, store: shown } = latest.current;
      const move = MOVES[ev.key];
      if (move) {
        if (selection.move(list, shown, move)) ev.preventDefault();
      } else if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
        if (fold(ev.key === 'ArrowRight', list, shown)) ev.preventDefault();
      } else if (ev.key === 'Enter') {
        selection.openDetail(shown);
      } else if (ev.key === 'Escape') {
        if (layout.connectionsOpen.peek()) layout.closeConnections();
        else selection.escape(shown);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
