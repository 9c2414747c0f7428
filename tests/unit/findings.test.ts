import { describe, expect, it } from 'vitest';
import type { CallSite } from '../../lib/model';
import {
  commonInitiator,
  detectPatterns,
  findingSentence,
  findingsOf,
  PatternDetector,
  RULES,
  stormText,
} from '../../lib/patterns';
import { longPollLoop, pollingLoop, rng, seedStorm, Trace } from './patterns-traces';
import { Sockets } from './socket-traces';

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

describe('reconnect storms and the one-sentence finding', () => {
  it('a reconnect storm is a finding with its attempts, fault and back-off fix', () => {
    const s = new Sockets();
    s.loop('ws://127.0.0.1:9000/live', T0, [40, 35, 50, 45, 40, 38], [3, 1, 4, 2, 5, 0], 1011);
    const patterns = s.detect();
    const [f, ...rest] = findingsOf(patterns, { initiatorOf: () => undefined });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ id: 'storm:p1', kind: 'reconnect-storm', attempts: 6, state: 'ongoing' });
    expect(f?.connectionKeys).toHaveLength(6);
    expect(f?.text.title).toBe('Reconnect storm on WebSocket /live: 6 attempts, retried after 3 ms');
    expect(f?.text.fault).toMatch(/^The client reconnects at once after each close \(close code 1011\)/);
    expect(f?.text.fix).toMatch(/^Back off: wait 1 s, 2 s, 4 s … .*jitter.*stop after/);
  });

  it('a short-lived reconnect storm blames the server closing the connection', () => {
    const s = new Sockets();
    s.loop('ws://127.0.0.1:9000/feed', T0, [120, 90, 110, 100, 95], [2000, 2000, 2000, 2000, 0], 1008);
    const [f] = findingsOf(s.detect(), { initiatorOf: () => undefined });
    expect(f?.text.title).toMatch(/each lived 100 ms$/);
    expect(f?.text.fault).toMatch(
      /^Each connection lives only about 100 ms before it closes \(close code 1008\)/,
    );
  });

  it('a reconnect loop that backs off is no finding in the strip, but its sentence says what keeps closing', () => {
    const s = new Sockets();
    s.loop('ws://127.0.0.1:9000/live', T0, [60, 60, 60, 60, 60], [250, 520, 980, 2100], 1001);
    const patterns = s.detect();
    expect(findingsOf(patterns, { initiatorOf: () => undefined })).toEqual([]);
    expect(findingSentence(patterns[0] as (typeof patterns)[0])).toMatch(
      /^The WebSocket to \/live keeps closing and is reopened 5 times \(close code 1001\), with back-off/,
    );
  });

  it("every storm's sentence says what is wrong and how to fix it; the seed's names onreadystatechange", () => {
    const held = stormDetector(2000);
    const [seedLongPoll] = held.d.patterns(held.last);
    expect(findingSentence(seedLongPoll as NonNullable<typeof seedLongPoll>)).toMatch(
      /^The next poll to \/poll\?room=1 starts inside onreadystatechange before the request is done .*; start the next poll only when readyState === 4/,
    );
    const instant = stormDetector(40, 5);
    const [seedPolling] = instant.d.patterns(instant.last);
    expect(findingSentence(seedPolling as NonNullable<typeof seedPolling>)).toMatch(
      /inside onreadystatechange before the request is done.*; schedule exactly one next poll/,
    );
    const fetchStorm = {
      ...(seedLongPoll as NonNullable<typeof seedLongPoll>),
      httpTransport: 'fetch' as const,
    };
    expect(findingSentence(fetchStorm)).toMatch(/still in flight.*; start the next poll from one place only/);
  });

  it('a healthy long-poll or polling loop has no sentence; a polling loop busier than once a second has one', () => {
    const t = new Trace();
    const r = rng(5);
    longPollLoop(t, r, { path: '/lp', start: T0, cycles: 5, label: 'lp' });
    pollingLoop(t, r, { path: '/status', start: T0, cycles: 6, interval: 5000, jitter: 0, label: 'status' });
    pollingLoop(t, r, { path: '/busy', start: T0, cycles: 8, interval: 300, jitter: 0, label: 'busy' });
    const store = t.store();
    const patterns = detectPatterns(store.connections, store.events);
    const sentences = Object.fromEntries(patterns.map((p) => [new URL(p.url).pathname, findingSentence(p)]));
    expect(sentences['/lp']).toBeNull();
    expect(sentences['/status']).toBeNull();
    expect(sentences['/busy']).toMatch(/^\/busy is polled every 3\d\d ms.*; poll less often/);
  });
});
