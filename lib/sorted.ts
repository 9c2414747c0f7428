// Binary search over an ascending array of numbers (times), shared by the
// loop detector and the cycles table.

/** Index of the first element > t in an ascending array. */
export function upperBound(a: readonly number[], t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
