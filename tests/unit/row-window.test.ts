import { describe, expect, it } from 'vitest';
import { bottomWindow, revealOffset, rowWindow } from '../../lib/timeline/row-window';

describe('rowWindow', () => {
  it('covers the rows in view plus the overscan on each side', () => {
    // 20 px rows, 100 px viewport at 400 px: rows 20..24 are in view.
    expect(rowWindow(1000, 400, 100, 20, 3)).toEqual({ first: 17, end: 28 });
  });

  it('counts a partly visible row at either edge', () => {
    // 410..510 shows rows 20 (from 10 px in) to 25 (its first 10 px).
    expect(rowWindow(1000, 410, 100, 20, 0)).toEqual({ first: 20, end: 26 });
  });

  it('stops at both ends of the list', () => {
    expect(rowWindow(1000, 0, 100, 20, 5)).toEqual({ first: 0, end: 10 });
    expect(rowWindow(30, 560, 100, 20, 5)).toEqual({ first: 23, end: 30 });
  });

  it('shows the last rows when the offset is past the end (the list shrank)', () => {
    expect(rowWindow(10, 5000, 100, 20, 0)).toEqual({ first: 9, end: 10 });
  });

  it('renders one row before the viewport is measured', () => {
    expect(rowWindow(100, 0, 0, 20, 0)).toEqual({ first: 0, end: 1 });
  });

  it('is empty for an empty list or nonsense sizes', () => {
    expect(rowWindow(0, 0, 100, 20, 3)).toEqual({ first: 0, end: 0 });
    expect(rowWindow(10, 0, 100, 0, 3)).toEqual({ first: 0, end: 0 });
    expect(rowWindow(10, Number.NaN, Number.NaN, 20, 0)).toEqual({ first: 0, end: 1 });
    expect(rowWindow(10, -50, 40, 20, 0)).toEqual({ first: 0, end: 2 });
  });

  it('costs the same at 100,000 rows as at 100', () => {
    const w = rowWindow(100_000, 1_000_000, 400, 20, 12);
    expect(w).toEqual({ first: 49_988, end: 50_032 });
  });
});

describe('bottomWindow', () => {
  it('is the rows that fill the viewport at the end, plus the overscan', () => {
    expect(bottomWindow(1000, 100, 20, 3)).toEqual({ first: 992, end: 1000 });
  });

  it('is the whole list when it is shorter than that', () => {
    expect(bottomWindow(4, 100, 20, 3)).toEqual({ first: 0, end: 4 });
    expect(bottomWindow(0, 100, 20, 3)).toEqual({ first: 0, end: 0 });
  });
});

describe('revealOffset', () => {
  it('leaves a row in view where it is', () => {
    expect(revealOffset(21, 400, 100, 20)).toBeNull();
  });

  it('scrolls up to put a row above the view at the top', () => {
    expect(revealOffset(5, 400, 100, 20)).toBe(100);
  });

  it('scrolls down to put a row below the view at the bottom', () => {
    expect(revealOffset(30, 400, 100, 20)).toBe(520);
  });

  it('treats a half-visible row as out of view', () => {
    expect(revealOffset(25, 410, 100, 20)).toBe(420);
    expect(revealOffset(20, 410, 100, 20)).toBe(400);
  });
});
