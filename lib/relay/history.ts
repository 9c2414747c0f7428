// The relay's bounded history of one document: the newest records up to a
// count and a memory budget, whichever is reached first. Evictions are
// counted; sequence numbers are dense, so a reader can also see any gap.

import type { CaptureRecord } from '../model';

export const DEFAULT_MAX_EVENTS = 100_000;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export class History {
  private records: CaptureRecord[] = [];
  private weights: number[] = [];
  private head = 0;
  private bytes = 0;
  evicted = 0;

  constructor(
    private readonly maxEvents = DEFAULT_MAX_EVENTS,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  get size(): number {
    return this.records.length - this.head;
  }

  get retainedBytes(): number {
    return this.bytes;
  }

  add(record: CaptureRecord, weight: number): void {
    this.records.push(record);
    this.weights.push(weight);
    this.bytes += weight;
    while (this.size > this.maxEvents || (this.bytes > this.maxBytes && this.size > 1)) {
      this.bytes -= this.weights[this.head] ?? 0;
      this.head++;
      this.evicted++;
    }
    // Compact now and then so the arrays do not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.weights = this.weights.slice(this.head);
      this.head = 0;
    }
  }

  /** The retained records, oldest first. */
  snapshot(): CaptureRecord[] {
    return this.records.slice(this.head);
  }
}
