import { describe, expect, it } from 'vitest';
import { formatSinceLoad } from '../../lib/format';

describe('formatSinceLoad', () => {
  it('shows seconds to the millisecond under a minute', () => {
    expect(formatSinceLoad(0)).toBe('0.000 s');
    expect(formatSinceLoad(7)).toBe('0.007 s');
    expect(formatSinceLoad(1234)).toBe('1.234 s');
    expect(formatSinceLoad(59_999)).toBe('59.999 s');
  });

  it('rounds below a millisecond, and never shows a negative zero', () => {
    expect(formatSinceLoad(0.4)).toBe('0.000 s');
    expect(formatSinceLoad(0.6)).toBe('0.001 s');
    expect(formatSinceLoad(-0.4)).toBe('0.000 s');
    expect(formatSinceLoad(1234.5678)).toBe('1.235 s');
  });

  it('switches to m:ss.mmm at a minute, also when rounding reaches it', () => {
    expect(formatSinceLoad(59_999.6)).toBe('1:00.000');
    expect(formatSinceLoad(60_000)).toBe('1:00.000');
    expect(formatSinceLoad(65_123)).toBe('1:05.123');
    expect(formatSinceLoad(59 * 60_000 + 59_999)).toBe('59:59.999');
  });

  it('shows hours as h:mm:ss.mmm', () => {
    expect(formatSinceLoad(3_600_000)).toBe('1:00:00.000');
    expect(formatSinceLoad(3_600_000 + 2 * 60_000 + 5_007)).toBe('1:02:05.007');
    expect(formatSinceLoad(27 * 3_600_000)).toBe('27:00:00.000');
  });

  it('marks times before the load with a minus sign', () => {
    expect(formatSinceLoad(-250)).toBe('−0.250 s');
    expect(formatSinceLoad(-61_000)).toBe('−1:01.000');
  });

  it('shows nothing for a time that is not a number', () => {
    expect(formatSinceLoad(Number.NaN)).toBe('');
    expect(formatSinceLoad(Number.POSITIVE_INFINITY)).toBe('');
  });
});
