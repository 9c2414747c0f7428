import { describe, expect, it } from 'vitest';
import { pairedRatioInterval } from '../../scripts/lib/ratio-interval';

describe('pairedRatioInterval (ratios taken within each round of side-by-side runs)', () => {
  it('gives the median of the rounds’ ratios, inside its interval', () => {
    const base = [
      [100, 102],
      [200, 204],
      [150, 150],
    ];
    const mode = [
      [105, 107],
      [210, 214],
      [160, 160],
    ];
    const r = pairedRatioInterval(mode, base);
    // Per round: 106/101, 212/202, 160/150; the median is the second.
    expect(r.ratio).toBeCloseTo(212 / 202, 6);
    expect(r.low).toBeLessThanOrEqual(r.ratio);
    expect(r.high).toBeGreaterThanOrEqual(r.ratio);
  });

  it('is wide when rounds disagree and narrow when they agree', () => {
    const base = [[100], [100], [100], [100]];
    const steady = pairedRatioInterval([[110], [110], [111], [109]], base);
    const noisy = pairedRatioInterval([[80], [140], [95], [130]], base);
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
    expect(pairedRatioInterval(mode, base)).toEqual(pairedRatioInterval(mode, base));
  });

  it('cancels a swing that hits every mode of a round alike', () => {
    // The machine is twice as slow in the even rounds; the mode always costs 5 % more.
    const base = [[100], [200], [100], [200], [100], [200]];
    const mode = [[105], [210], [105], [210], [105], [210]];
    const paired = pairedRatioInterval(mode, base);
    expect(paired.ratio).toBeCloseTo(1.05, 6);
    expect(paired.high - paired.low).toBeLessThan(1e-9);
  });

  it('leaves out rounds missing a side, and is NaN with none left', () => {
    expect(pairedRatioInterval([[110], [], [120]], [[100], [100], []]).ratio).toBeCloseTo(1.1, 6);
    expect(pairedRatioInterval([[1]], [[]]).ratio).toBeNaN();
    expect(pairedRatioInterval([], []).low).toBeNaN();
  });
});
