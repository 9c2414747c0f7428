import { describe, expect, it } from 'vitest';
import { detectPatterns, PatternDetector, RULES } from '../../lib/patterns';
import { seedStorm, Trace } from './patterns-traces';

const T0 = 1_764_000_000_000;

/** Completion times of every request of the trace, ascending. */
function endsOf(t: Trace): number[] {
  const s = t.store();
  return s.connections
    .map((c) => s.events.find((e) => e.connection === c && e.record.type === 'close')?.time)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
}

describe('a storm ends when the requests in flight are back to normal for a while', () => {
  it('a long-poll storm the page stopped ends when one poll was left in flight, once the calm lasted', () => {
    const t = new Trace();
    seedStorm(t, { path: '/poll', start: T0, hold: 2000, generations: 4, label: 's' });
    const ends = endsOf(t);
    const last = ends[ends.length - 1] as number;
    // In flight fell to one when the second-to-last poll completed.
    const calm = ends[ends.length - 2] as number;
    const store = t.store();
    const d = new PatternDetector();
    d.update(store, last);
    expect(d.patterns(last)[0]?.storm?.endedAt).toBeNull();
    const justBefore = calm + RULES.storm.calmMs - 1;
    expect(d.patterns(justBefore)[0]?.storm?.endedAt).toBeNull();
    const after = calm + RULES.storm.calmMs;
    const storm = d.patterns(after)[0]?.storm;
    expect(storm).toEqual({ peakConcurrency: 27, startedAt: T0 + 3000.35, endedAt: calm });
  });

  it('tells the panel when time alone ended it (the version bumps once)', () => {
    const t = new Trace();
    seedStorm(t, { path: '/poll', start: T0, hold: 2000, generations: 3, label: 's' });
    const ends = endsOf(t);
    const last = ends[ends.length - 1] as number;
    const d = new PatternDetector();
    d.update(t.store(), last);
    const before = d.version;
    d.advance(last + 1000);
    expect(d.version).toBe(before);
    d.advance(last + RULES.storm.calmMs + 10);
    expect(d.version).toBe(before + 1);
    d.advance(last + RULES.storm.calmMs + 500);
    expect(d.version).toBe(before + 1);
  });

  it('a polling storm quiet between its generations is still going on between them', () => {
    const t = new Trace();
    // An immediate server: each generation is answered in 40 ms, the next starts a second later.
    seedStorm(t, { path: '/poll', start: T0, hold: 40, generations: 5, label: 's' });
    const ends = endsOf(t);
    const last = ends[ends.length - 1] as number;
    const store = t.store();
    const d = new PatternDetector();
    d.update(store, last);
    // 900 ms after the last generation the next one would be due: not over.
    expect(d.patterns(last + 900)[0]?.storm?.endedAt).toBeNull();
    // Over from when its last generation had drained to what the loop had when recognised.
    const endedAt = d.patterns(last + RULES.storm.calmMs + 1)[0]?.storm?.endedAt ?? 0;
    expect(endedAt).toBeGreaterThan(last - 40);
    expect(endedAt).toBeLessThanOrEqual(last);
  });

  it('a loop storming in bursts needs a longer calm: twice its longest quiet spell', () => {
    const t = new Trace();
    // A long-poll (held 1.5 s), then bursts of three overlapping polls held 1 s, 4 s apart.
    let at = T0;
    for (let i = 0; i < 3; i++, at += 1500) t.request({ url: '/feed', start: at, end: at + 1500 }, 'f');
    for (let burst = 0; burst < 4; burst++, at += 5000)
      for (let i = 0; i < 3; i++) t.request({ url: '/feed', start: at + i, end: at + 1000 + i }, 'f');
    const ends = endsOf(t);
    const last = ends[ends.length - 1] as number;
    const calm = ends[ends.length - 2] as number;
    const d = new PatternDetector();
    d.update(t.store(), last);
    expect(d.patterns(last)[0]?.storm).not.toBeNull();
    // Quiet spells of about 4 s were followed by another burst: 5 s of calm proves nothing yet.
    expect(d.patterns(calm + RULES.storm.calmMs + 100)[0]?.storm?.endedAt).toBeNull();
    expect(d.patterns(calm + 2 * 4000 + 100)[0]?.storm?.endedAt).toBe(calm);
  });

  it('a storm that flares up again after it ended is ongoing again', () => {
    const t = new Trace();
    seedStorm(t, { path: '/poll', start: T0, hold: 2000, generations: 3, label: 's' });
    const ends = endsOf(t);
    const last = ends[ends.length - 1] as number;
    const again = last + RULES.storm.calmMs + 2000;
    for (let i = 0; i < 3; i++) t.request({ url: '/poll', start: again + i, end: null }, 's');
    const store = t.store();
    const d = new PatternDetector();
    d.update(store, again + 500);
    expect(d.patterns(again + 500)[0]?.storm?.endedAt).toBeNull();
  });

  it('an imported timeline judges the end at its last moment', () => {
    const t = new Trace();
    seedStorm(t, { path: '/poll', start: T0, hold: 2000, generations: 3, label: 's' });
    const s = t.store();
    // The capture stopped right after the last poll: too soon to say it was over.
    expect(detectPatterns(s.connections, s.events)[0]?.storm?.endedAt).toBeNull();
    // A later marker request on another path shows the calm lasted.
    const ends = endsOf(t);
    const last = ends[ends.length - 1] as number;
    t.request({ url: '/marker', start: last + 10_000, end: last + 10_010 });
    const s2 = t.store();
    expect(detectPatterns(s2.connections, s2.events)[0]?.storm?.endedAt).toBe(ends[ends.length - 2]);
  });
});
