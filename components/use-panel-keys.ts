// The panel's keyboard: ↑ ↓ Home End move the selection, Enter opens the
// detail, Esc closes it (or an open drop-down, or drops the selection),
// Ctrl/Cmd+F focuses the filter. Listens on the document, so it works
// wherever focus is, except while typing in a field.

import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { TimelineEvent, TimelineStore } from '../lib/timeline/store';
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
  items: readonly TimelineEvent[],
  store: TimelineStore,
): void {
  // The listener is added once; it reads what the latest render showed.
  const latest = useRef({ items, store });
  latest.current = { items, store };
  useEffect(() => {
    const { filter, selection, layout } = state;
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
      const { items: list, store: shown } = latest.current;
      const move = MOVES[ev.key];
      if (move) {
        if (selection.move(list, shown, move)) ev.preventDefault();
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
