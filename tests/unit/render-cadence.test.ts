import { describe, expect, it } from 'vitest';
import { RENDER_CADENCE, RenderScheduler } from '../../lib/timeline/render-cadence';
import { FakeTimers } from './fake-timers';

/** A scheduler whose renders are logged by time; each render takes `renderMs` of the fake clock. */
function setup(renderMs = 0) {
  const timers = new FakeTimers();
  const renders: number[] = [];
  const scheduler = new RenderScheduler(
    () => {
      renders.push(timers.time);
      timers.time += renderMs;
    },
    RENDER_CADENCE,
    timers,
  );
  /** Delivers `records` every `everyMs` for `forMs`, as the relay's batches do. */
  const stream = (records: number, everyMs: number, forMs: number) => {
    for (let t = 0; t < forMs; t += everyMs) {
      scheduler.changed(records);
      timers.advance(everyMs);
    }
  };
  return { timers, renders, scheduler, stream };
}

describe('RenderScheduler', () => {
  it('shows the first change after a quiet spell within 50 ms', () => {
    const { timers, renders, scheduler } = setup();
    timers.advance(5000);
    scheduler.changed(1);
    timers.advance(49);
    expect(renders).toEqual([]);
    timers.advance(1);
    expect(renders).toEqual([5050]);
  });

  it('coalesces changes that arrive while a redraw is waiting into that redraw', () => {
    const { timers, renders, scheduler } = setup();
    scheduler.changed(1);
    scheduler.changed(2);
    scheduler.changed(0);
    timers.advance(60);
    expect(renders).toHaveLength(1);
    expect(scheduler.scheduled).toBe(false);
  });

  it('redraws steady traffic every 300 ms', () => {
    const { renders, stream } = setup();
    // 10 records a second, one batch each 100 ms, for 3 s.
    stream(1, 100, 3000);
    // 50 ms after the first batch, then 300 ms after each batch that follows a redraw.
    expect(renders.slice(0, 3)).toEqual([50, 400, 700]);
    const gaps = renders.slice(2).map((t, i) => t - (renders[i + 1] as number));
    expect(gaps.length).toBeGreaterThan(5);
    for (const g of gaps) expect(g).toBe(300);
  });

  it('redraws a flood once a second, after one quick first redraw', () => {
    const { renders, stream } = setup();
    // 2,000 records a second for 5 s.
    stream(200, 100, 5000);
    // The rate is known from the first batch after the quick redraw on.
    expect(renders).toEqual([50, 1100, 2100, 3100, 4100]);
  });

  it('a flood delivered in one large batch waits as a flood', () => {
    const { timers, renders, scheduler } = setup();
    scheduler.changed(10);
    timers.advance(50);
    expect(renders).toEqual([50]);
    timers.advance(100);
    // 5,000 records 100 ms after the last redraw: 50,000 a second.
    scheduler.changed(5000);
    timers.advance(150);
    expect(renders).toEqual([50]);
  });

  it('redraws a flood 200 ms after it stops, without waiting out the second', () => {
    const { timers, renders, stream } = setup();
    stream(200, 100, 1500);
    const before = renders.length;
    const stoppedAt = timers.time;
    timers.advance(2000);
    expect(renders).toHaveLength(before + 1);
    const last = renders[renders.length - 1] as number;
    expect(last - stoppedAt).toBeLessThanOrEqual(200);
  });

  it('goes back to quick redraws when a flood is followed by a quiet spell', () => {
    const { timers, renders, scheduler, stream } = setup();
    stream(200, 100, 3000);
    timers.advance(3000);
    const before = renders.length;
    scheduler.changed(1);
    timers.advance(50);
    expect(renders).toHaveLength(before + 1);
  });

  it('keeps slow redraws to a fifth of the time', () => {
    const { renders, stream } = setup(200);
    // Steady traffic, but each redraw takes 200 ms: the next waits 800 ms after it.
    stream(1, 100, 6000);
    const gaps = renders.slice(1).map((t, i) => t - (renders[i] as number));
    expect(gaps.length).toBeGreaterThan(3);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1000);
  });

  it('keeps slow redraws to a fifth of the time in a flood that pauses often', () => {
    const { timers, renders, scheduler } = setup(300);
    // Bursts of 500 records every 350 ms: each pause is long enough to settle.
    for (let i = 0; i < 20; i++) {
      scheduler.changed(500);
      timers.advance(350);
    }
    const gaps = renders.slice(1).map((t, i) => t - (renders[i] as number));
    expect(gaps.length).toBeGreaterThan(3);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1500);
  });

  it('ignores a negative record count', () => {
    const { renders, stream } = setup();
    stream(-1000, 100, 3000);
    expect(renders.slice(0, 4)).toEqual([50, 400, 700, 1000]);
  });

  it('cancel drops the waiting redraw', () => {
    const { timers, renders, scheduler } = setup();
    scheduler.changed(1);
    scheduler.cancel();
    timers.advance(2000);
    expect(renders).toEqual([]);
  });
});

describe('RenderScheduler while the panel cannot be seen', () => {
  it('does not draw while paused, and draws once, at once, on resume when something changed', () => {
    const { timers, renders, scheduler, stream } = setup();
    scheduler.setPaused(true);
    stream(100, 100, 3000);
    timers.advance(2000);
    expect(renders).toEqual([]);
    expect(scheduler.scheduled).toBe(false);
    scheduler.setPaused(false);
    timers.advance(0);
    expect(renders).toEqual([5000]);
    timers.advance(5000);
    expect(renders).toEqual([5000]);
  });

  it('a redraw that was waiting when the panel was hidden is drawn on resume, not before', () => {
    const { timers, renders, scheduler } = setup();
    timers.advance(1000);
    scheduler.changed(1);
    scheduler.setPaused(true);
    timers.advance(500);
    expect(renders).toEqual([]);
    scheduler.setPaused(false);
    timers.advance(0);
    expect(renders).toEqual([1500]);
  });

  it('resuming with nothing new draws nothing', () => {
    const { timers, renders, scheduler } = setup();
    scheduler.changed(1);
    timers.advance(100);
    expect(renders).toEqual([50]);
    scheduler.setPaused(true);
    timers.advance(1000);
    scheduler.setPaused(false);
    timers.advance(1000);
    expect(renders).toEqual([50]);
  });
});
