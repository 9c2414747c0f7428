// Where the overview's time axis puts its ticks and what they read: round
// clock times ("14:03:05", "14:03:05.250", "14:05") at a step chosen so the
// labels never crowd, whatever the width and the span (a second to centuries).

import { formatClock } from '../format';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Round steps below a day: the ones a clock reads naturally. */
const CLOCK_STEPS = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
];

/** Whole days, then 1-2-5 multiples of them (a long import can span years). */
function* steps(): Generator<number> {
  yield* CLOCK_STEPS;
  for (let decade = 1; decade <= 1e12; decade *= 10) for (const m of [1, 2, 5]) yield m * decade * DAY;
}

/** Characters a tick's label takes at this step (its precision). */
export function labelCharsFor(step: number): number {
  if (step < SECOND) return 12; // 14:03:05.250
  if (step < MINUTE) return 8; // 14:03:05
  if (step < DAY) return 5; // 14:03
  return 10; // 2026-12-05
}

export interface TimeTick {
  /** Epoch milliseconds. */
  t: number;
  /** Pixels from the plot's left edge, as plotXOf places times. */
  x: number;
  label: string;
}

export interface TickOptions {
  /** Estimated width of one label character, in pixels. */
  charPx: number;
  /** Room between two labels, in pixels. */
  gapPx: number;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function dateLabel(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** A tick's label at a step's precision; below a second, one in the same second as the previous tick shows only its milliseconds (".250"). */
export function tickLabel(t: number, step: number, previous: number | null): string {
  if (step >= DAY) return dateLabel(t);
  const clock = formatClock(t);
  if (step >= MINUTE) return clock.slice(0, 5);
  if (step >= SECOND) return clock.slice(0, 8);
  if (previous !== null && Math.floor(previous / SECOND) === Math.floor(t / SECOND)) return clock.slice(8);
  return clock;
}

/** The local clock's offset from UTC at `t`, in ms (0 where the date is out of range). */
function localOffset(t: number): number {
  const minutes = new Date(t).getTimezoneOffset();
  return Number.isFinite(minutes) ? -minutes * MINUTE : 0;
}

/** The smallest round step whose labels fit `pxPerMs`, or null when none does. */
export function tickStep(pxPerMs: number, options: TickOptions): number | null {
  if (!(pxPerMs > 0) || !Number.isFinite(pxPerMs)) return null;
  // At least a pixel apart, so no spacing, however small, makes a tick per millisecond of a long span.
  for (const step of steps())
    if (step * pxPerMs >= Math.max(1, labelCharsFor(step) * options.charPx + options.gapPx)) return step;
  return null;
}

/**
 * Ticks for the axis [t0, t1] drawn across `plotWidth` pixels: round local
 * clock times (aligned on the local clock, so a 30-minute step lands on :00
 * and :30 in any time zone; a daylight-saving change inside the span shifts
 * the later ticks by that hour), spaced so their labels fit. Empty when the
 * axis or the plot has no width.
 */
export function timeTicks(t0: number, t1: number, plotWidth: number, options: TickOptions): TimeTick[] {
  const usable = plotWidth - 1;
  if (!(t1 > t0) || !(usable > 0) || !Number.isFinite(t0) || !Number.isFinite(t1)) return [];
  const pxPerMs = usable / (t1 - t0);
  const step = tickStep(pxPerMs, options);
  if (step === null) return [];
  const offset = localOffset(t0);
  const ticks: TimeTick[] = [];
  let previous: number | null = null;
  for (let k = Math.ceil((t0 + offset) / step); ; k++) {
    const t = k * step - offset;
    if (t > t1) break;
    ticks.push({ t, x: (t - t0) * pxPerMs, label: tickLabel(t, step, previous) });
    previous = t;
  }
  return ticks;
}
