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

/** Calls `onResize` with an element's client size when it mounts and whenever it resizes. */
export function useObservedBox<T extends HTMLElement>(
  ref: RefObject<T | null>,
  onResize: (size: { width: number; height: number }) => void,
): void {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => onResize({ width: el.clientWidth, height: el.clientHeight });
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
}
