// When the live panel redraws. Each redraw costs the same whatever it shows
// (the rows in view are laid out and painted again, the overview redrawn), and
// on a loaded machine every millisecond the panel spends is taken from the
// page it inspects. So: the first change after a quiet spell shows at once;
// steady traffic redraws a few times a second; a flood (more records a second
// than anyone can read row by row) redraws once a second, and as soon as it
// pauses. The store itself is always current; only drawing waits. Timers,
// not requestAnimationFrame: rAF stops while a docked panel is hidden, and its
// state must stay current. A panel nobody can see (another DevTools tab is
// selected, its window is minimised) does not draw at all: it is paused, and
// draws once, at once, when it is shown again.

import { FLOOD_MS, FLOOD_RATE } from '../flood';
import { globalTimers, type Timers } from '../timers';

export interface RenderCadenceOptions {
  /** Delay of the first redraw after a quiet spell. */
  firstMs: number;
  /** No redraw for this long means the panel was quiet. */
  quietMs: number;
  /** Least time between redraws under steady traffic. */
  steadyMs: number;
  /** Records per second from which traffic counts as a flood. */
  floodRate: number;
  /** Least time between redraws during a flood. */
  floodMs: number;
  /** During a flood, redraw early once no change came for this long. */
  settleMs: number;
  /** Largest share of the panel's time redraws may take, however slow they get. */
  maxRenderShare: number;
}

export const RENDER_CADENCE: RenderCadenceOptions = {
  firstMs: 50,
  quietMs: 1000,
  steadyMs: 300,
  floodRate: FLOOD_RATE,
  floodMs: FLOOD_MS,
  settleMs: 200,
  maxRenderShare: 0.2,
};

export class RenderScheduler {
  private lastRenderAt = Number.NEGATIVE_INFINITY;
  private lastRenderMs = 0;
  /** Records that arrived since the last redraw. */
  private pending = 0;
  /** Records per second over the interval that ended with the last redraw. */
  private rate = 0;
  private due: unknown = null;
  /** Armed only while a flood's redraw is waiting. */
  private settle: unknown = null;
  private paused = false;
  /** Something changed while paused: draw on resume. */
  private stale = false;

  constructor(
    private readonly render: () => void,
    private readonly options: RenderCadenceOptions = RENDER_CADENCE,
    private readonly timers: Timers = globalTimers,
  ) {}

  /** Something changed (`records` new ones, or 0 for other state): a redraw will follow. */
  changed(records = 0): void {
    this.pending += Math.max(0, records);
    if (this.paused) {
      this.stale = true;
      return;
    }
    if (this.due !== null) {
      if (this.settle !== null) this.armSettle();
      return;
    }
    const o = this.options;
    const sinceLast = this.timers.now() - this.lastRenderAt;
    let flood = false;
    let delay = o.firstMs;
    if (sinceLast <= o.quietMs) {
      const pendingRate = sinceLast > 0 ? (this.pending * 1000) / sinceLast : 0;
      flood = this.rate >= o.floodRate || pendingRate >= o.floodRate;
      delay = Math.max(flood ? o.floodMs : o.steadyMs, this.leastGap());
    }
    this.due = this.timers.setTimeout(() => this.run(), delay);
    if (flood) this.armSettle();
  }

  /**
   * While paused (the panel cannot be seen) changes are only noted; resuming
   * draws at once if anything changed, so the panel is current when shown.
   */
  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) {
      if (this.due !== null) this.stale = true;
      this.cancel();
      return;
    }
    if (this.stale) {
      this.stale = false;
      this.due = this.timers.setTimeout(() => this.run(), 0);
    }
  }

  /** Whether a redraw is waiting (for tests and diagnostics). */
  get scheduled(): boolean {
    return this.due !== null;
  }

  /** Drops any waiting redraw. */
  cancel(): void {
    if (this.due !== null) this.timers.clearTimeout(this.due);
    if (this.settle !== null) this.timers.clearTimeout(this.settle);
    this.due = null;
    this.settle = null;
  }

  /** The wait after a redraw that keeps redraws within their share of the time. */
  private leastGap(): number {
    return this.lastRenderMs * (1 / this.options.maxRenderShare - 1);
  }

  private armSettle(): void {
    if (this.settle !== null) this.timers.clearTimeout(this.settle);
    this.settle = this.timers.setTimeout(() => this.run(), Math.max(this.options.settleMs, this.leastGap()));
  }

  private run(): void {
    this.cancel();
    const start = this.timers.now();
    const interval = start - this.lastRenderAt;
    this.rate = interval > 0 && Number.isFinite(interval) ? (this.pending * 1000) / interval : 0;
    this.pending = 0;
    this.lastRenderAt = start;
    this.render();
    this.lastRenderMs = this.timers.now() - start;
  }
}
