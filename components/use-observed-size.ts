// A size of an element kept in state: read once when it mounts, then again
// whenever it resizes (where ResizeObserver exists; jsdom has none).

import type { RefObject } from 'preact';
import { useLayoutEffect, useState } from 'preact/hooks';

export function useObservedSize<T extends HTMLElement>(
  ref: RefObject<T | null>,
  read: (el: T) => number,
): number {
  const [size, setSize] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setSize(read(el));
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setSize(read(el)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return size;
}
