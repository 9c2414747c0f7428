// When the relay sends what it queued for its subscribers. The relay runs on
// the page's own main thread, and a delivery (serialising the batch, then the
// extension decoding and drawing it) competes with the page for the machine.
// Normal traffic is delivered 100 ms after it is captured. While the page
// produces a burst (records at the rate from which a panel counts traffic as a
// flood, and draws it once a second), the relay keeps collecting until the
// burst has stopped for a while, or a record has waited a second, and then
// delivers it all at once: the page gets the machine while it is busiest, and
// the panel shows it within the same second. "For a while", because the work a
// burst sets off outlasts its records: messages sent in one loop are captured
// at once, then take the socket a while to drain, and a delivery meanwhile
// competes with that drain. So the hook also says while the page's sockets
// hold unsent data (WebSocket bufferedAmount), which counts as a burst, and
// then a record may wait up to 2 s instead of 1 s. A burst's delivery is
// moved, not removed: under a flood that lasts, the records per second are
// the same, in fewer, larger messages, and each message costs the page, the
// browser and the panel a fixed part besides its records (figures in
// docs/benchmarks.md, design measurements).

import { FLOOD_MS, FLOOD_RATE } from '../flood';
import { globalTimers, type Timers } from '../timers';

const INTERVAL_MS = 100;

export interface FlushCadenceOptions {
  /** Delay from the first queued record to its delivery in normal traffic; also how often a burst is checked. */
  intervalMs: number;
  /** Records queued within one interval from which the page counts as in a burst. */
  burstRecords: number;
  /** Longest a record waits while a burst goes on. */
  maxHoldMs: number;
  /** After a burst, how long the page must stay below the burst rate before delivery (within maxHoldMs). */
  quietAfterBurstMs: number;
  /** Longest a record waits when the page's sockets held unsent data while it waited. */
  maxBacklogHoldMs: number;
}

export const FLUSH_CADENCE: FlushCadenceOptions = {
  intervalMs: INTERVAL_MS,
  burstRecords: (FLOOD_RATE * INTERVAL_MS) / 1000,
  maxHoldMs: FLOOD_MS,
  quietAfterBurstMs: 600,
  maxBacklogHoldMs: 2_000,
};

export class FlushCadence {
  private timer: unknown = null;
  /** When the oldest undelivered record was queued; null when nothing waits. */
  private waitingSince: number | null = null;
  /** Records queued since the last check. */
  private inflow = 0;
  /** When a check last found the page bursting. */
  private lastBurstAt = Number.NEGATIVE_INFINITY;
  /** The page's sockets hold data they were asked to send (as the hook last said). */
  private backlog = false;
  /** The page had a backlog at some check since the oldest waiting record was queued. */
  private heldForBacklog = false;

  /** `flush` delivers what is ready and says whether anything is left (a body still being read). */
  constructor(
    private readonly flush: () => boolean,
    private readonly timers: Timers = globalTimers,
    private readonly options: FlushCadenceOptions = FLUSH_CADENCE,
  ) {}

  /** Something was queued for delivery: `records` new records (0 for e.g. a replay). */
  queued(records: number): void {
    this.inflow += records;
    this.waitingSince ??= this.timers.now();
    if (this.timer === null) this.arm();
  }

  /** The hook said the page's sockets still hold unsent data (true), or that it has gone (false). */
  pageBacklog(pending: boolean): void {
    this.backlog = pending;
  }

  /** Whether a delivery is scheduled. */
  get scheduled(): boolean {
    return this.timer !== null;
  }

  private arm(): void {
    this.timer = this.timers.setTimeout(() => this.check(), this.options.intervalMs);
  }

  private check(): void {
    this.timer = null;
    // A backlog counts as a burst: its data is still going out.
    const bursting = this.inflow >= this.options.burstRecords || this.backlog;
    this.inflow = 0;
    const now = this.timers.now();
    if (bursting) this.lastBurstAt = now;
    if (this.backlog) this.heldForBacklog = true;
    const settling = now - this.lastBurstAt < this.options.quietAfterBurstMs;
    const waited = now - (this.waitingSince ?? now);
    const maxHold = this.heldForBacklog ? this.options.maxBacklogHoldMs : this.options.maxHoldMs;
    if ((bursting || settling) && waited + this.options.intervalMs <= maxHold) {
      this.arm();
      return;
    }
    this.waitingSince = null;
    this.heldForBacklog = false;
    if (this.flush()) {
      this.waitingSince = now;
      this.arm();
    }
  }
}
