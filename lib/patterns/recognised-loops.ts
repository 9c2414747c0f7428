// The loops one finder (reconnect.ts, retry.ts, busy.ts) has recognised, in
// recognition order, and which loop each connection belongs to: listed,
// aged and looked up the same way for the detector.

import type { Pattern } from './pattern';

export interface RecognisedLoop {
  readonly id: string | null;
  readonly num: number;
  snapshot(now: number): Pattern;
  /** Whether its storm ended or flared up by `now` (time alone ends one). */
  reachedEnd(now: number): boolean;
}

export class RecognisedLoops<L extends RecognisedLoop> {
  private readonly loops: L[] = [];
  private readonly byConnection = new Map<string, L>();

  add(loop: L): void {
    this.loops.push(loop);
  }

  /** The connection is one of the loop's requests. */
  assign(connectionKey: string, loop: L): void {
    this.byConnection.set(connectionKey, loop);
  }

  loopOf(connectionKey: string): L | undefined {
    return this.byConnection.get(connectionKey);
  }

  patternIdOf(connectionKey: string): string | null {
    return this.byConnection.get(connectionKey)?.id ?? null;
  }

  /** The loops with their pattern numbers, in recognition order. */
  snapshots(now: number): Array<{ num: number; pattern: Pattern }> {
    return this.loops.map((l) => ({ num: l.num, pattern: l.snapshot(now) }));
  }

  /** Whether any loop's storm ended or flared up by `now`. */
  reachedEnd(now: number): boolean {
    let changed = false;
    for (const l of this.loops) if (l.reachedEnd(now)) changed = true;
    return changed;
  }
}
