// Running median in O(log n) per value (two heaps), so a pattern's median
// hold and gap stay cheap to keep while it grows to 100,000 cycles.

class Heap {
  private readonly items: number[] = [];
  constructor(private readonly before: (a: number, b: number) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): number {
    return this.items[0] ?? 0;
  }

  push(v: number): void {
    const a = this.items;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as number;
      if (!this.before(v, p)) break;
      a[i] = p;
      i = parent;
    }
    a[i] = v;
  }

  pop(): number {
    const a = this.items;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const child = r < a.length && this.before(a[r] as number, a[l] as number) ? r : l;
      const c = a[child] as number;
      if (!this.before(c, last)) break;
      a[i] = c;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

export class RunningMedian {
  private readonly low = new Heap((a, b) => a > b);
  private readonly high = new Heap((a, b) => a < b);

  get count(): number {
    return this.low.size + this.high.size;
  }

  add(v: number): void {
    if (this.low.size === 0 || v <= this.low.peek()) this.low.push(v);
    else this.high.push(v);
    if (this.low.size > this.high.size + 1) this.high.push(this.low.pop());
    else if (this.high.size > this.low.size) this.low.push(this.high.pop());
  }

  /** The median, or 0 when nothing was added. */
  get value(): number {
    if (this.count === 0) return 0;
    if (this.low.size > this.high.size) return this.low.peek();
    return (this.low.peek() + this.high.peek()) / 2;
  }
}

/** Median of a small array (not modified). */
export function medianOf(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
