// Which rows of a fixed-row-height list to render. Every row has the same
// height, so the window is arithmetic on the scroll offset: O(rows in view),
// whatever the list's length. (A measuring virtualizer re-lays out every row
// each time the count grows, which under streaming traffic is every update.)

/** Rows [first, end) to render. */
export interface RowWindow {
  first: number;
  end: number;
}

/** The rows in view at `scrollTop`, plus `overscan` beyond each edge. */
export function rowWindow(
  count: number,
  scrollTop: number,
  viewportPx: number,
  rowPx: number,
  overscan: number,
): RowWindow {
  if (count <= 0 || rowPx <= 0) return { first: 0, end: 0 };
  const top = Math.max(0, Number.isFinite(scrollTop) ? scrollTop : 0);
  const height = Math.max(0, Number.isFinite(viewportPx) ? viewportPx : 0);
  const firstVisible = Math.min(count - 1, Math.floor(top / rowPx));
  const endVisible = Math.min(count, Math.ceil((top + height) / rowPx));
  return {
    first: Math.max(0, firstVisible - overscan),
    end: Math.min(count, Math.max(endVisible, firstVisible + 1) + overscan),
  };
}

/** The last rows, as shown when the list is scrolled to its end. */
export function bottomWindow(count: number, viewportPx: number, rowPx: number, overscan: number): RowWindow {
  if (count <= 0 || rowPx <= 0) return { first: 0, end: 0 };
  const inView = Math.ceil(Math.max(0, viewportPx) / rowPx);
  return { first: Math.max(0, count - inView - overscan), end: count };
}

/**
 * The scroll offset that brings row `index` fully into view with the least
 * movement, or null when it is already in view.
 */
export function revealOffset(
  index: number,
  scrollTop: number,
  viewportPx: number,
  rowPx: number,
): number | null {
  const top = index * rowPx;
  const bottom = top + rowPx;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportPx) return Math.max(0, bottom - viewportPx);
  return null;
}
