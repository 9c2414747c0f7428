import { afterEach, describe, expect, it } from 'vitest';
import { labelCharsFor, tickLabel, tickStep, timeTicks } from '../../lib/timeline/time-ticks';

const SPACING = { charPx: 6, gapPx: 18 };
/** A local clock time today-ish: labels are local times. */
const at = (h: number, m: number, s: number, ms = 0) => new Date(2026, 11, 5, h, m, s, ms).getTime();

describe('tick step', () => {
  it('picks the smallest round step whose labels fit, for any zoom', () => {
    // 1 px per ms: a 12-character label needs 90 px, so 100 ms.
    expect(tickStep(1, SPACING)).toBe(100);
    // 1 px per second: "14:03:05" needs 66 px, so a minute ("14:03" needs 48 px).
    expect(tickStep(1 / 1000, SPACING)).toBe(60_000);
    // Widening the plot never makes the step coarser.
    let last = Number.POSITIVE_INFINITY;
    for (let pxPerMs = 1e-9; pxPerMs < 10; pxPerMs *= 3) {
      const step = tickStep(pxPerMs, SPACING);
      expect(step).not.toBeNull();
      expect(step as number).toBeLessThanOrEqual(last);
      last = step as number;
    }
  });

  it('has no step for a plot with no width or no scale', () => {
    expect(tickStep(0, SPACING)).toBeNull();
    expect(tickStep(Number.NaN, SPACING)).toBeNull();
    expect(tickStep(Number.POSITIVE_INFINITY, SPACING)).toBeNull();
  });

  it('sizes labels by their precision', () => {
    expect(labelCharsFor(250)).toBe('14:03:05.250'.length);
    expect(labelCharsFor(5000)).toBe('14:03:05'.length);
    expect(labelCharsFor(300_000)).toBe('14:05'.length);
    expect(labelCharsFor(86_400_000)).toBe('2026-12-05'.length);
  });
});

describe('tick labels', () => {
  it('reads as the clock at the step precision', () => {
    const t = at(14, 3, 5, 250);
    expect(tickLabel(t, 250, null)).toBe('14:03:05.250');
    expect(tickLabel(at(14, 3, 5), 5000, null)).toBe('14:03:05');
    expect(tickLabel(at(14, 5, 0), 300_000, null)).toBe('14:05');
    expect(tickLabel(at(0, 0, 0), 86_400_000, null)).toBe('2026-12-05');
  });

  it('shortens a sub-second tick to its milliseconds within the same second', () => {
    expect(tickLabel(at(14, 3, 5, 500), 250, at(14, 3, 5, 250))).toBe('.500');
    expect(tickLabel(at(14, 3, 6), 250, at(14, 3, 5, 750))).toBe('14:03:06.000');
  });
});

describe('time ticks', () => {
  it('places round times across the plot, inside it, in order, spaced so labels fit', () => {
    const t0 = at(14, 3, 4, 870);
    const t1 = t0 + 10_000;
    const ticks = timeTicks(t0, t1, 801, SPACING);
    expect(ticks.length).toBeGreaterThan(3);
    expect(ticks.length).toBeLessThanOrEqual(12);
    const step = (ticks[1]?.t ?? 0) - (ticks[0]?.t ?? 0);
    expect(step).toBe(1000);
    expect(ticks[0]?.t).toBe(at(14, 3, 5));
    expect(ticks[0]?.label).toBe('14:03:05');
    expect(ticks.map((k) => k.label)).toContain('14:03:14');
    for (const k of ticks) {
      expect(k.t % 1000).toBe(0);
      expect(k.x).toBeGreaterThanOrEqual(0);
      expect(k.x).toBeLessThanOrEqual(800);
      expect(k.x).toBeCloseTo(((k.t - t0) / (t1 - t0)) * 800);
    }
    for (let i = 1; i < ticks.length; i++)
      expect((ticks[i]?.x ?? 0) - (ticks[i - 1]?.x ?? 0)).toBeGreaterThanOrEqual(8 * 6 + 18);
  });

  it('adapts to the width: a narrower plot gets fewer, coarser ticks', () => {
    const t0 = at(14, 0, 0);
    const wide = timeTicks(t0, t0 + 60_000, 1200, SPACING);
    const narrow = timeTicks(t0, t0 + 60_000, 250, SPACING);
    expect(narrow.length).toBeLessThan(wide.length);
    expect(narrow.length).toBeGreaterThanOrEqual(2);
  });

  it('labels sub-second ticks in full once per second, then by their milliseconds', () => {
    const t0 = at(14, 3, 5, 80);
    const ticks = timeTicks(t0, t0 + 1000, 1001, SPACING);
    expect(ticks.map((k) => k.label)).toEqual([
      '14:03:05.100',
      '.200',
      '.300',
      '.400',
      '.500',
      '.600',
      '.700',
      '.800',
      '.900',
      '14:03:06.000',
    ]);
  });

  it('puts a tick on a round time at the very start or end of the axis', () => {
    const t0 = at(14, 0, 0);
    const ticks = timeTicks(t0, t0 + 4000, 401, SPACING);
    expect(ticks[0]).toEqual({ t: t0, x: 0, label: '14:00:00' });
    expect(ticks.at(-1)?.t).toBe(t0 + 4000);
    expect(ticks.at(-1)?.x).toBeCloseTo(400);
  });

  it('has no ticks for an empty, zero-length or backwards axis, or a plot without width', () => {
    expect(timeTicks(1000, 1000, 800, SPACING)).toEqual([]);
    expect(timeTicks(2000, 1000, 800, SPACING)).toEqual([]);
    expect(timeTicks(1000, 2000, 1, SPACING)).toEqual([]);
    expect(timeTicks(1000, 2000, 0, SPACING)).toEqual([]);
    expect(timeTicks(Number.NaN, 2000, 800, SPACING)).toEqual([]);
    expect(timeTicks(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 800, SPACING)).toEqual([]);
  });

  it('gives a huge span (centuries of epoch time) a few dated ticks, not millions', () => {
    const ticks = timeTicks(0, 8.64e15, 1000, SPACING);
    expect(ticks.length).toBeGreaterThan(1);
    expect(ticks.length).toBeLessThanOrEqual(12);
    for (const k of ticks) expect(k.label).toMatch(/^\d{4,}-\d\d-\d\d$/);
    // Hours of a long import: clock minutes or hours.
    const day = timeTicks(at(0, 0, 0), at(23, 59, 0), 1000, SPACING);
    for (const k of day) expect(k.label).toMatch(/^\d\d:\d\d$/);
    expect(day.length).toBeGreaterThan(4);
  });

  it('keeps no spacing from making a tick per millisecond', () => {
    const ticks = timeTicks(0, 3_600_000, 1000, { charPx: 0, gapPx: 0 });
    expect(ticks.length).toBeLessThanOrEqual(1001);
  });
});

describe('time ticks in a time zone off the hour', () => {
  const saved = process.env.TZ;
  afterEach(() => {
    process.env.TZ = saved;
  });

  it('aligns on the local clock (Kathmandu is UTC+5:45)', () => {
    process.env.TZ = 'Asia/Kathmandu';
    const t0 = new Date(2026, 11, 5, 9, 0, 0).getTime();
    const ticks = timeTicks(t0 + 1, t0 + 4 * 3_600_000, 300, SPACING);
    expect(ticks.length).toBeGreaterThan(1);
    for (const k of ticks) expect(k.label).toMatch(/^\d\d:00$/);
  });
});
