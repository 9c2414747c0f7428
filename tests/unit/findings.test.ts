import { describe, expect, it } from 'vitest';
import type { CallSite } from '../../lib/model';
import { commonInitiator, findingsOf, PatternDetector, RULES, stormText } from '../../lib/patterns';
import { seedStorm, Trace } from './patterns-traces';

const T0 = 1_764_000_000_000;

function stormDetector(hold: number, generations = 3) {
  const t = new Trace();
  seedStorm(t, { path: '/poll?room=1', start: T0, hold, generations, label: 's' });
  const store = t.store();
  const d = new PatternDetector();
  const last = Math.max(...store.events.map((e) => e.time));
  d.update(store, last);
  return { t, d, last };
}

const site = (line: number, fn?: string): CallSite => ({
  url: 'http://127.0.0.1/page',
  line,
  column: 7,
  ...(fn ? { fn } : {}),
});

describe('findings', () => {
  it('a long-poll storm going on is an ongoing finding with its endpoint, peak, requests and words', () => {
    const { t, d, last } = stormDetector(2000);
    const [f, ...rest] = findingsOf(d.patterns(last), { initiatorOf: () => undefined });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      id: 'storm:p1',
      patternId: 'p1',
      kind: 'long-poll-storm',
      state: 'ongoing',
      startedAt: T0 + 3000.35,
      endedAt: null,
      method: 'GET',
      peakConcurrency: 9,
      initiator: null,
    });
    expect(f?.connectionKeys).toEqual(t.keysOf('s'));
    expect(f?.text.title).toBe('Long-poll storm on GET /poll?room=1: up to 9 requests in flight');
    expect(f?.text.fault).toContain('readyState === 4');
    expect(f?.text.fix).toContain('Keep one request in flight');
  });

  it('ends with the storm, with when', () => {
    const { d, last } = stormDetector(2000);
    const [f] = findingsOf(d.patterns(last + RULES.storm.calmMs + 1), { initiatorOf: () => undefined });
    expect(f?.state).toBe('ended');
    expect(f?.endedAt).toBeGreaterThan(T0 + 3000);
    expect(f?.inFlight).toBe(0);
  });

  it('a polling storm has its own fault and fix', () => {
    const { d, last } = stormDetector(40, 5);
    const [f] = findingsOf(d.patterns(last), { initiatorOf: () => undefined });
    expect(f?.kind).toBe('polling-storm');
    expect(f?.text.title).toMatch(/^Polling storm on GET/);
    expect(f?.text.fix).toContain('exactly one next poll');
  });

  it('a fetch long-poll storm names fetch-shaped causes', () => {
    const { d, last } = stormDetector(2000);
    const p = d.patterns(last)[0];
    if (!p) return expect.unreachable();
    const text = stormText({ ...p, httpTransport: 'fetch' }, 'long-poll-storm');
    expect(text.fault).toContain('fetch');
    expect(text.fix).toContain('AbortController');
  });

  it('a healthy loop is no finding', () => {
    const t = new Trace();
    for (let i = 0, at = T0; i < 5; i++, at += 1500) t.request({ url: '/lp', start: at, end: at + 1500 });
    const d = new PatternDetector();
    d.update(t.store(), T0 + 8000);
    expect(d.patterns(T0 + 8000)).toHaveLength(1);
    expect(findingsOf(d.patterns(T0 + 8000), { initiatorOf: () => undefined })).toEqual([]);
  });

  it('takes the call site most requests share, and a detector’s own words', () => {
    const { t, d, last } = stormDetector(2000);
    const keys = t.keysOf('s');
    const initiatorOf = (k: string) => (k === keys[0] ? site(3, 'boot') : site(12, 'longPoll'));
    const [f] = findingsOf(d.patterns(last), {
      initiatorOf,
      text: (p) => ({ title: `custom ${p.id}`, fault: 'f', fix: 'x' }),
    });
    expect(f?.initiator).toEqual(site(12, 'longPoll'));
    expect(f?.text).toEqual({ title: 'custom p1', fault: 'f', fix: 'x' });
  });

  it('commonInitiator: none recorded is null; a tie keeps the first met', () => {
    expect(commonInitiator(['a', 'b'], () => undefined)).toBeNull();
    const sites: Record<string, CallSite> = { a: site(1), b: site(2), c: site(2), d: site(1) };
    expect(commonInitiator(['a', 'b'], (k) => sites[k])).toEqual(site(1));
    expect(commonInitiator(['a', 'b', 'c'], (k) => sites[k])).toEqual(site(2));
  });
});
