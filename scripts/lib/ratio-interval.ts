// How sure a benchmark ratio is. The modes are measured in rounds, side by
// side (each round's runs interleaved, so the machine's slow swings hit every
// mode of a round alike), so the ratio is taken within each round. Samples
// from one browser share that browser's luck (process placement, caches, VM
// neighbours), so the interval resamples whole rounds, not single runs: a
// cluster bootstrap with a fixed seed, so a report is reproducible.

import { medianOf } from '../../lib/patterns/median';
import { seededRandom } from './seeded-random';

export interface RatioInterval {
  /** The median of the rounds' ratios. */
  ratio: number;
  /** Bounds of the central `level` share of the bootstrap ratios. */
  low: number;
  high: number;
}

/**
 * The median over rounds of each round's ratio of medians (`mode[k]` over
 * `baseline[k]`, both measured in round k), with a bootstrap interval that
 * resamples rounds. Rounds missing either side are left out; all NaN when
 * none is left.
 */
export function pairedRatioInterval(
  mode: number[][],
  baseline: number[][],
  options: { iterations?: number; level?: number; seed?: number } = {},
): RatioInterval {
  const { iterations = 2000, level = 0.9, seed = 1 } = options;
  const perRound: number[] = [];
  for (let k = 0; k < Math.min(mode.length, baseline.length); k++) {
    const m = mode[k] ?? [];
    const b = baseline[k] ?? [];
    if (m.length > 0 && b.length > 0) perRound.push(medianOf(m) / medianOf(b));
  }
  if (perRound.length === 0) return { ratio: Number.NaN, low: Number.NaN, high: Number.NaN };
  const random = seededRandom(seed);
  const ratios: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const picked: number[] = [];
    for (let j = 0; j < perRound.length; j++)
      picked.push(perRound[Math.floor(random() * perRound.length)] as number);
    ratios.push(medianOf(picked));
  }
  return { ratio: medianOf(perRound), ...centralShare(ratios, level) };
}

/** Bounds of the central `level` share of `values`. */
function centralShare(values: number[], level: number): { low: number; high: number } {
  const sorted = [...values].sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] ?? Number.NaN;
  return { low: at(tail), high: at(1 - tail) };
}
