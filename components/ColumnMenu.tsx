// The event list header's context menu, as in DevTools: which columns to
// show, and whether HTTP steps are rows of their own. Closes on Esc or a
// click elsewhere.

import { useEffect, useRef } from 'preact/hooks';
import { COLUMN_LABEL, FIXED_COLUMNS, LIST_COLUMNS, type ListColumn } from './list-columns';

/** The header's context menu: columns to show, and HTTP steps as rows. */
export function ColumnMenu(props: {
  at: { x: number; y: number };
  hidden: readonly ListColumn[];
  shown: readonly ListColumn[];
  onHidden(hidden: ListColumn[]): void;
  stepsAsRows: boolean;
  onStepsAsRows(v: boolean): void;
  onClose(): void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const away = (ev: Event) => {
      if (!ref.current?.contains(ev.target as Node)) props.onClose();
    };
    const esc = (ev: KeyboardEvent) => {
      if (ev.key === 'Escape') {
        ev.stopPropagation();
        props.onClose();
      }
    };
    document.addEventListener('mousedown', away, true);
    document.addEventListener('keydown', esc, true);
    return () => {
      document.removeEventListener('mousedown', away, true);
      document.removeEventListener('keydown', esc, true);
    };
  }, []);
  const choosable = LIST_COLUMNS.filter((c) => !FIXED_COLUMNS.includes(c));
  const leftOut = choosable.filter((c) => !props.hidden.includes(c) && !props.shown.includes(c));
  return (
    <div
      ref={ref}
      class="menu column-menu"
      role="menu"
      aria-label="Columns"
      style={{ left: `${props.at.x}px`, top: `${props.at.y}px` }}
    >
      {choosable.map((c) => {
        const on = !props.hidden.includes(c);
        return (
          <button
            key={c}
            type="button"
            role="menuitemcheckbox"
            aria-checked={on}
            onClick={() => props.onHidden(on ? [...props.hidden, c] : props.hidden.filter((h) => h !== c))}
          >
            <span class="check-mark">{on ? '✓' : ''}</span>
            {COLUMN_LABEL[c]}
            {leftOut.includes(c) && <span class="muted"> (no room)</span>}
          </button>
        );
      })}
      <hr />
      <button
        type="button"
        role="menuitemcheckbox"
        aria-checked={props.stepsAsRows}
        title="Show each HTTP step (start, request body, response, chunks, end) as a row of its own"
        onClick={() => props.onStepsAsRows(!props.stepsAsRows)}
      >
        <span class="check-mark">{props.stepsAsRows ? '✓' : ''}</span>
        HTTP steps as rows
      </button>
    </div>
  );
}
