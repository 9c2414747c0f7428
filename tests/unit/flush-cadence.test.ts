import { describe, expect, it } from 'vitest';
import { FLUSH_CADENCE, FlushCadence, type FlushCadenceOptions } from '../../lib/relay/flush-cadence';
import { FakeTimers } from './fake-timers';

/** A cadence whose deliveries are logged by time; `leftOver` says what each delivery leaves undelivered. */
function setup(leftOver: () => boolean = () => false, options: FlushCadenceOptions = FLUSH_CADENCE) {
  const timers = new FakeTimers();
  const deliveries: number[] = [];
  const cadence = new FlushCadence(
    () => {
      deliveries.push(timers.now());
      return leftOver();
    },
    timers,
    options,
  );
  return { timers, deliveries, cadence };
}

/** Queues `perTick` records every 10 ms for `ms`. */
function stream(t: ReturnType<typeof setup>, perTick: number, ms: number) {
  for (let at = 0; at < ms; at += 10) {
    t.cadence.queued(perTick);
    t.timers.advance(10);
  }
}

describe('FlushCadence', () => {
  it('delivers normal traffic 100 ms after its first record, once per batch', () => {
    const t = setup();
    t.timers.advance(5);
    t.cadence.queued(3);
    t.timers.advance(50);
    t.cadence.queued(2);
    t.timers.advance(100);
    expect(t.deliveries).toEqual([105]);
    expect(t.cadence.scheduled).toBe(false);
  });

  it('keeps steady traffic below the burst rate on the 100 ms cadence', () => {
    const t = setup();
    stream(t, 4, 1000); // 400 records a second
    t.timers.advance(200);
    expect(t.deliveries).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  });

  it('holds a burst until it has stopped for a while, or its first record waited a second', () => {
    const t = setup();
    stream(t, 200, 400); // 20,000 records a second for 0.4 s
    t.timers.advance(1000);
    // Bursting at the checks 100..400; quiet from 500, but 600 ms after 400 is past the 1 s hold.
    expect(t.deliveries).toEqual([1000]);
  });

  it('after a burst captured at once (a send loop), delivers once the page stayed quiet', () => {
    const t = setup();
    t.timers.advance(20);
    t.cadence.queued(20_000);
    t.timers.advance(2000);
    // The check at 120 finds the burst; the page is quiet from then on: 600 ms later it is delivered.
    expect(t.deliveries).toEqual([720]);
    // Traffic below the burst rate afterwards is back on the 100 ms cadence.
    t.cadence.queued(3);
    t.timers.advance(200);
    expect(t.deliveries).toEqual([720, 2120]);
  });

  it('delivers at once after a burst when told to wait for no quiet', () => {
    const t = setup(undefined, { ...FLUSH_CADENCE, quietAfterBurstMs: 0 });
    t.cadence.queued(20_000);
    t.timers.advance(1000);
    expect(t.deliveries).toEqual([200]);
  });

  it('holds traffic at the rate a panel draws as a flood, e.g. a chain of fetches', () => {
    const t = setup();
    stream(t, 13, 2500); // 1,300 records a second: sequential fetches of 4 records each
    t.timers.advance(1000);
    expect(t.deliveries).toEqual([1000, 2000, 3000]);
  });

  it('under a lasting flood, delivers once a second', () => {
    const t = setup();
    stream(t, 200, 3500);
    t.timers.advance(1000);
    expect(t.deliveries).toEqual([1000, 2000, 3000, 4000]);
    expect(Math.max(...t.deliveries.map((at, i) => at - (t.deliveries[i - 1] ?? 0)))).toBeLessThanOrEqual(
      FLUSH_CADENCE.maxHoldMs,
    );
  });

  it('a replay (no new records) is delivered on the normal cadence', () => {
    const t = setup();
    t.cadence.queued(0);
    t.timers.advance(100);
    expect(t.deliveries).toEqual([100]);
  });

  it('checks again while something is left (a body still being read), and stops once all is out', () => {
    let left = 2;
    const t = setup(() => left-- > 0);
    t.cadence.queued(1);
    t.timers.advance(1000);
    expect(t.deliveries).toEqual([100, 200, 300]);
    expect(t.cadence.scheduled).toBe(false);
  });

  it("while the page's sockets still hold unsent data, holds a send loop's records until it has gone and the page stayed quiet", () => {
    const t = setup();
    t.timers.advance(20);
    t.cadence.pageBacklog(true);
    t.cadence.queued(20_000);
    t.timers.advance(780);
    t.cadence.pageBacklog(false);
    t.timers.advance(2000);
    // The checks up to 720 find the backlog; from 820 it has gone, so 600 ms after 720 (past the 1 s hold).
    expect(t.deliveries).toEqual([1320]);
    // A flood afterwards (from 2800) is bounded by the usual second again.
    stream(t, 200, 1500);
    t.timers.advance(1000);
    expect(t.deliveries.slice(1)).toEqual([3800, 4800]);
  });

  it('a backlog that never drains holds records for at most 2 s, then again', () => {
    const t = setup();
    t.timers.advance(20);
    t.cadence.pageBacklog(true);
    t.cadence.queued(5);
    t.timers.advance(2500);
    expect(t.deliveries).toEqual([2020]);
    t.cadence.queued(5);
    t.timers.advance(2100);
    expect(t.deliveries).toEqual([2020, 4520]);
    expect(FLUSH_CADENCE.maxBacklogHoldMs).toBe(2000);
  });

  it('a backlog that came and went while nothing waited does not hold later traffic', () => {
    const t = setup();
    t.cadence.pageBacklog(true);
    t.timers.advance(300);
    t.cadence.pageBacklog(false);
    t.cadence.queued(3);
    t.timers.advance(200);
    expect(t.deliveries).toEqual([400]);
  });
});
