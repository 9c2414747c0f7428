// A drag handle between two panes (also resizable with arrow keys).

export interface SplitterProps {
  label: string;
  orientation: 'vertical' | 'horizontal';
  value: number;
  min: number;
  max: number;
  /** +1 when dragging right/down grows the pane, -1 when it shrinks it. */
  direction: 1 | -1;
  onChange(value: number): void;
  onCommit(value: number): void;
}

export function Splitter({
  label,
  orientation,
  value,
  min,
  max,
  direction,
  onChange,
  onCommit,
}: SplitterProps) {
  const clamp = (v: number) => Math.min(max, Math.max(min, Math.round(v)));
  const onPointerDown = (ev: PointerEvent) => {
    ev.preventDefault();
    const start = orientation === 'vertical' ? ev.clientX : ev.clientY;
    const startValue = value;
    let last = value;
    const move = (e: PointerEvent) => {
      const pos = orientation === 'vertical' ? e.clientX : e.clientY;
      last = clamp(startValue + direction * (pos - start));
      onChange(last);
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      onCommit(last);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  const onKeyDown = (ev: KeyboardEvent) => {
    const grow = orientation === 'vertical' ? ['ArrowRight', 'ArrowLeft'] : ['ArrowDown', 'ArrowUp'];
    const i = grow.indexOf(ev.key);
    if (i < 0) return;
    ev.preventDefault();
    ev.stopPropagation();
    const next = clamp(value + (i === 0 ? 1 : -1) * direction * 16);
    onChange(next);
    onCommit(next);
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a focusable separator is the ARIA pattern for a pane splitter.
    <div
      class={`splitter ${orientation}`}
      role="separator"
      aria-label={label}
      aria-orientation={orientation}
      aria-valuenow={value}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
    />
  );
}
