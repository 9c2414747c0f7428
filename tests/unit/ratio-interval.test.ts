import { describe, expect, it } from 'vitest';
import { ratioInterval } from '../../scripts/lib/ratio-interval';

describe('ratioInterval (bench ratios with a bootstrap interval over browsers)', () => {
  it('gives the ratio of medians, inside its interval', () => {
    const base = [
      [100, 102],
      [98, 101],
      [103, 99],
    ];
    const mode = [
      [110, 112],
      [108, 111],
      [113, 109],
    ];
    const r = ratioInterval(mode, base);
    expect(r.ratio).toBeCloseTo(110.5 / 100.5, 6);
    expect(r.low).toBeLessThanOrEqual(r.ratio);
    expect(r.high).toBeGreaterThanOrEqual(r.ratio);
    expect(r.low).toBeGreaterThan(1);
  });

  it('is wide when browsers disagree and narrow when they agree', () => {
    const base = [[100], [100], [100], [100]];
    const steady = ratioInterval([[110], [110], [111], [109]], base);
    const noisy = ratioInterval([[80], [140], [95], [130]], base);
    expect(steady.high - steady.low).toBeLessThan(0.03);
    expect(noisy.high - noisy.low).toBeGreaterThan(0.3);
  });

  it('is reproducible for a seed', () => {
    const base = [
      [100, 90],
      [110, 95],
      [105, 99],
    ];
    const mode = [
      [120, 100],
      [90, 130],
      [105, 111],
    ];
    expect(ratioInterval(mode, base)).toEqual(ratioInterval(mode, base));
  });

  it('is NaN when a side has no samples', () => {
    expect(ratioInterval([], [[1]]).ratio).toBeNaN();
    expect(ratioInterval([[1]], [[], []]).low).toBeNaN();
  });
});
