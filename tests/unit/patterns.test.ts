import { describe, expect, it } from 'vitest';
import { buildTimelineExport } from '../../lib/export/timeline';
import { detectPatterns, PatternDetector, toPatternForExport } from '../../lib/patterns';
import { TimelineStore } from '../../lib/timeline/store';
import {
  assetsAndBurst,
  longPollLoop,
  pollingLoop,
  restTraffic,
  rng,
  seedStorm,
  Trace,
} from './patterns-traces';

const T0 = 1_764_000_000_000;

function detect(t: Trace) {
  const s = t.store();
  return detectPatterns(s.connections, s.events);
}

/** Feeds the trace batch by batch, as the panel does, returning the detector and store. */
function live(t: Trace, batch = 7) {
  const store = new TimelineStore();
  const detector = new PatternDetector();
  const seen: string[][] = [];
  for (const m of t.messages(batch)) {
    store.ingest(m);
    detector.update(store);
    seen.push(detector.patterns().map((p) => p.id));
  }
  return { store, detector, seen };
}

/** A correct XHR long-poll: the next request starts inside the readyState 4 handler. */
function correctLongPoll(t: Trace, path: string, start: number, holds: number[], label = 'lp'): number {
  let at = start;
  for (const hold of holds) {
    t.request({ url: path, start: at, end: at + hold }, label);
    at += hold; // same ms: recorded before the previous close
  }
  return at;
}

describe('long-poll', () => {
  it('appears at the start of the third cycle, not before', () => {
    const t = new Trace();
    correctLongPoll(t, '/lp', T0, [2000, 2000]);
    const store = t.store();
    const d = new PatternDetector();
    d.update(store);
    expect(d.patterns()).toEqual([]);
    const t3 = new Trace();
    correctLongPoll(t3, '/lp', T0, [2000, 2000]);
    t3.request({ url: '/lp', start: T0 + 4000, end: null }, 'lp');
    const d3 = new PatternDetector();
    d3.update(t3.store(), T0 + 4001);
    const [p] = d3.patterns(T0 + 4001);
    expect(p).toMatchObject({
      id: 'p1',
      kind: 'long-poll',
      method: 'GET',
      url: 'http://127.0.0.1:8000/lp',
      cycles: 3,
      medianHoldMs: 2000,
      medianGapMs: 0,
      state: 'held',
      storm: null,
      inFlight: 1,
    });
    expect(p?.connectionKeys).toEqual(t3.keysOf('lp'));
  });

  it('a hand-over (next request recorded before the previous close) is not a storm', () => {
    const t = new Trace();
    correctLongPoll(t, '/lp', T0, [1500, 3000, 1200, 2500, 1800, 2200]);
    const [p] = detect(t);
    expect(p?.kind).toBe('long-poll');
    expect(p?.storm).toBeNull();
    expect(p?.cycles).toBe(6);
  });

  it('keeps its id as it grows, with a second loop getting the next id', () => {
    const t = new Trace();
    const r = rng(7);
    longPollLoop(t, r, { path: '/a', start: T0, cycles: 12, label: 'a' });
    longPollLoop(t, r, { path: '/b', start: T0 + 30_000, cycles: 12, label: 'b' });
    const { detector, seen } = live(t, 3);
    const firstSeen = seen.findIndex((ids) => ids.length > 0);
    for (const ids of seen.slice(firstSeen)) expect(ids[0]).toBe('p1');
    const ps = detector.patterns();
    expect(ps.map((p) => [p.id, p.url, p.cycles])).toEqual([
      ['p1', 'http://127.0.0.1:8000/a', 12],
      ['p2', 'http://127.0.0.1:8000/b', 12],
    ]);
  });

  it('live feeding in any batch size gives the one-shot result', () => {
    const t = new Trace();
    const r = rng(3);
    longPollLoop(t, r, { path: '/lp', start: T0, cycles: 15, label: 'a', cacheBuster: '_' });
    pollingLoop(t, r, { path: '/poll', start: T0 + 500, cycles: 20, label: 'b', interval: 2000, jitter: 0 });
    restTraffic(t, r, { start: T0, calls: 15 });
    const oneShot = detect(t).map((p) => [p.id, p.kind, p.url, p.cycles, p.medianHoldMs, p.medianGapMs]);
    for (const batch of [1, 5, 64]) {
      const { detector } = live(t, batch);
      detector.flush();
      expect(
        detector.patterns().map((p) => [p.id, p.kind, p.url, p.cycles, p.medianHoldMs, p.medianGapMs]),
      ).toEqual(oneShot);
    }
    expect(oneShot).toHaveLength(2);
  });

  it('one slow cycle (a 30 s timeout) and one long client pause keep one pattern', () => {
    const t = new Trace();
    let at = correctLongPoll(t, '/lp', T0, [1500, 1600, 30_000, 1400, 1500]);
    at += 20_000; // the client paused (tab hidden, reconnect back-off)
    correctLongPoll(t, '/lp', at, [1500, 1700, 1600]);
    const ps = detect(t);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ id: 'p1', cycles: 8, medianHoldMs: 1550 });
  });

  it('a fetch long-poll with a cache-buster and a client-side abort timeout', () => {
    const t = new Trace();
    let at = T0;
    for (let i = 0; i < 6; i++) {
      const url = `/updates?since=42&_=${Math.round(at)}`;
      if (i % 2)
        t.request(
          { url, start: at, end: at + 25_000, transport: 'fetch', error: 'AbortError: aborted' },
          'f',
        );
      else t.request({ url, start: at, end: at + 800, transport: 'fetch', size: 60 }, 'f');
      at += i % 2 ? 25_005 : 805;
    }
    const [p] = detect(t);
    expect(p).toMatchObject({ kind: 'long-poll', url: 'http://127.0.0.1:8000/updates?since=42', cycles: 6 });
    expect(p?.httpTransport).toBe('fetch');
    expect(p?.params.find((d) => d.name === '_')?.reason).toMatch(/timestamp/);
    expect(p?.failures).toBe(0);
  });

  it('live state: held while in flight, gap right after, waiting when overdue', () => {
    const t = new Trace();
    const end = correctLongPoll(t, '/lp', T0, [2000, 2000, 2000, 2000]);
    const d = new PatternDetector();
    d.update(t.store());
    expect(d.patterns(end + 5)[0]?.state).toBe('gap');
    expect(d.patterns(end + 60_000)[0]?.state).toBe('waiting');
    t.request({ url: '/lp', start: end + 10, end: null });
    const d2 = new PatternDetector();
    d2.update(t.store(), end + 200);
    expect(d2.patterns(end + 200)[0]?.state).toBe('held');
  });
});

describe('poll storm (the seed snippet)', () => {
  it('flags the exact peak concurrency and when it began', () => {
    const t = new Trace();
    // Server holds each poll 2 s; every response fires readyState 2, 3, 4 and
    // each schedules a new poll 1 s later: generations of 1, 3, 9, 27.
    seedStorm(t, { path: '/poll', start: T0, hold: 2000, generations: 4, label: 's' });
    const { detector } = live(t, 10);
    detector.flush();
    const ps = detector.patterns();
    expect(ps).toHaveLength(1);
    const p = ps[0];
    expect(p?.kind).toBe('long-poll');
    expect(p?.cycles).toBe(40);
    // Generation 2 starts at T0 + 3000 (+0, +0.35, +0.7 ms): the second poll in flight began it.
    expect(p?.storm).toEqual({ peakConcurrency: 27, startedAt: T0 + 3000.35, endedAt: null });
    expect(p?.connectionKeys).toEqual(t.keysOf('s'));
  });

  it('is caught when the server flushes headers at once (readyState 2 fires early)', () => {
    const t = new Trace();
    // readyState 2 at send time schedules a poll 1 s later, while the 3 s hold runs.
    const starts = [T0];
    const made: number[] = [];
    while (starts.length && made.length < 60) {
      starts.sort((a, b) => a - b);
      const s = starts.shift() as number;
      made.push(s);
      const end = s + 3000;
      t.request({ url: '/poll', start: s, end, headersAt: s + 2 }, 's');
      starts.push(s + 1002, end + 1000, end + 1000.1);
    }
    const [p] = detect(t);
    expect(p?.storm?.peakConcurrency).toBeGreaterThanOrEqual(3);
    expect(p?.storm?.startedAt).toBe(T0 + 1002);
  });

  it.each([
    ['fire together', 0.1],
    ['fire tens of ms apart (a loaded machine)', 60],
  ])(
    'a server holding each poll 300 ms (less than the 1 s wait) makes a long-poll storm, whichever poll confirms it, when its timers %s',
    (_name, spreadMs) => {
      const t = new Trace();
      seedStorm(t, {
        path: '/poll',
        start: T0,
        hold: 300,
        generations: 4,
        label: 's',
        siblingGapMs: spreadMs,
        body: '{"messages":[]}',
      });
      const store = new TimelineStore();
      const detector = new PatternDetector();
      const kinds = new Set<string>();
      for (const m of t.messages(1)) {
        store.ingest(m);
        detector.update(store);
        for (const p of detector.patterns()) kinds.add(p.kind);
      }
      detector.flush();
      expect([...kinds]).toEqual(['long-poll']);
      const [p] = detector.patterns();
      expect(p?.storm?.peakConcurrency).toBeGreaterThanOrEqual(9);
      // Every poll (the generator adds a generation's polls by parent, the channel lists them by start).
      expect([...(p?.connectionKeys ?? [])].sort()).toEqual([...t.keysOf('s')].sort());
    },
  );

  it('an immediate server makes it a polling storm whose width grows', () => {
    const t = new Trace();
    seedStorm(t, { path: '/poll', start: T0, hold: 40, generations: 5, label: 's' });
    const [p] = detect(t);
    expect(p?.kind).toBe('polling');
    expect(p?.cycles).toBe(121);
    expect(p?.storm?.peakConcurrency).toBe(81);
    expect(p?.storm?.startedAt).toBe(T0 + 1040.35);
  });

  it('a dashboard polling three items at once every 5 s is not a storm', () => {
    const t = new Trace();
    for (let i = 0; i < 6; i++)
      for (let k = 1; k <= 3; k++)
        t.request({
          url: `/api/item?id=${k}&_=${T0 + i * 5000 + k}`,
          start: T0 + i * 5000 + k,
          end: T0 + i * 5000 + 80,
        });
    const ps = detect(t);
    for (const p of ps) expect(p.storm).toBeNull();
  });
});

describe('polling', () => {
  it('a timer loop appears at its third request', () => {
    const t = new Trace();
    for (let i = 0; i < 3; i++)
      t.request({ url: '/status', start: T0 + i * 2002, end: T0 + i * 2002 + 30 }, 'p');
    const [p] = detect(t);
    expect(p).toMatchObject({ kind: 'polling', cycles: 3, medianIntervalMs: 2002, medianHoldMs: 30 });
    expect(p?.medianGapMs).toBe(1972);
  });

  it('setTimeout-after-answer polling with varying answer times is regular in its gaps', () => {
    const t = new Trace();
    let at = T0;
    for (const hold of [20, 400, 90, 700, 50, 300]) {
      t.request({ url: '/status', start: at, end: at + hold }, 'p');
      at += hold + 3001;
    }
    const [p] = detect(t);
    expect(p).toMatchObject({ kind: 'polling', cycles: 6 });
    expect(p?.medianGapMs).toBe(3001);
  });

  it('a loop with ±10 % jitter is recognised by its seventh request', () => {
    const t = new Trace();
    pollingLoop(t, rng(11), { path: '/feed', start: T0, cycles: 7, label: 'p', interval: 3000, jitter: 0.1 });
    const [p] = detect(t);
    expect(p?.kind).toBe('polling');
    expect(p?.cycles).toBeGreaterThanOrEqual(1);
  });
});

describe('near misses: no pattern', () => {
  it('two cycles only', () => {
    const t = new Trace();
    correctLongPoll(t, '/lp', T0, [5000, 5000]);
    for (let i = 0; i < 2; i++) t.request({ url: '/status', start: T0 + i * 2000, end: T0 + i * 2000 + 30 });
    expect(detect(t)).toEqual([]);
  });

  it('page assets and a burst of parallel calls', () => {
    const t = new Trace();
    assetsAndBurst(t, rng(2), T0);
    assetsAndBurst(t, rng(3), T0 + 7000);
    expect(detect(t)).toEqual([]);
  });

  it('retries after errors with back-off, failing or finally succeeding', () => {
    const t = new Trace();
    let at = T0;
    for (const [i, wait] of [1000, 2000, 4000, 8000].entries()) {
      const ok = i === 3;
      t.request({
        url: '/api/save',
        method: 'POST',
        start: at,
        end: at + 30,
        ...(ok ? {} : { status: 503 }),
      });
      at += 30 + wait;
    }
    // three quick retries at a fixed 1 s interval, all failing
    for (let i = 0; i < 4; i++)
      t.request({ url: '/api/load', start: at + i * 1000, end: at + i * 1000 + 5, error: 'net' });
    // a hanging request retried on client timeouts, three times
    for (let i = 0; i < 3; i++)
      t.request({
        url: '/api/slow',
        start: at + i * 10_001,
        end: at + i * 10_001 + 10_000,
        error: 'timeout',
      });
    expect(detect(t)).toEqual([]);
  });

  it('a paginated crawl with a cursor (fast back-to-back calls)', () => {
    const t = new Trace();
    let at = T0;
    for (const cursor of ['eyJpZCI6MTB9', 'eyJpZCI6MjB9', 'eyJpZCI6MzB9', 'eyJpZCI6NDB9', 'eyJpZCI6NTB9']) {
      t.request({ url: `/api/list?cursor=${cursor}`, start: at, end: at + 180, size: 20_000 });
      at += 183;
    }
    expect(detect(t)).toEqual([]);
  });

  it('irregular REST calls to the same endpoints', () => {
    const t = new Trace();
    restTraffic(t, rng(5), { start: T0, calls: 40 });
    expect(detect(t)).toEqual([]);
  });
});

describe('keys', () => {
  it('two loops on one path with different stable parameters are two patterns', () => {
    const t = new Trace();
    const r = rng(9);
    longPollLoop(t, r, { path: '/sub?channel=news', start: T0, cycles: 8, label: 'n', cacheBuster: 't' });
    longPollLoop(t, r, {
      path: '/sub?channel=sports',
      start: T0 + 10,
      cycles: 8,
      label: 's',
      cacheBuster: 't',
    });
    const ps = detect(t);
    expect(ps.map((p) => p.url).sort()).toEqual([
      'http://127.0.0.1:8000/sub?channel=news',
      'http://127.0.0.1:8000/sub?channel=sports',
    ]);
    for (const p of ps) expect(p.storm).toBeNull();
    const news = ps.find((p) => p.url.endsWith('news'));
    expect(news?.cycleKeys).toEqual(t.keysOf('n'));
  });

  it('interleaved keys: a long-poll, a polling loop and REST noise', () => {
    const t = new Trace();
    const r = rng(21);
    longPollLoop(t, r, { path: '/lp', start: T0, cycles: 10, label: 'lp', method: 'POST' });
    pollingLoop(t, r, { path: '/p', start: T0 + 100, cycles: 12, label: 'p', interval: 1500, jitter: 0 });
    restTraffic(t, r, { start: T0, calls: 20 });
    const ps = detect(t);
    expect(ps.map((p) => [p.kind, p.method, p.cycleKeys])).toEqual(
      expect.arrayContaining([
        ['long-poll', 'POST', t.keysOf('lp')],
        ['polling', 'GET', t.keysOf('p')],
      ]),
    );
    expect(ps).toHaveLength(2);
  });

  it('numeric ids that first look like a counter are re-keyed once they repeat', () => {
    const t = new Trace();
    let at = T0;
    for (let i = 0; i < 6; i++) {
      t.request({ url: '/sub?room=123', start: at, end: at + 2000 }, 'a');
      t.request({ url: '/sub?room=456', start: at + 3, end: at + 2003 }, 'b');
      at += 2003;
    }
    const { detector } = live(t, 2);
    const ps = detector.patterns();
    expect(ps.map((p) => [p.url, p.storm, p.cycles])).toEqual([
      ['http://127.0.0.1:8000/sub?room=123', null, 6],
      ['http://127.0.0.1:8000/sub?room=456', null, 6],
    ]);
    expect(ps[0]?.params[0]?.reason).toMatch(/repeat/);
  });

  it('a late parameter decision re-keys requests without renumbering the pattern', () => {
    const t = new Trace();
    const end = correctLongPoll(t, '/lp', T0, [2000, 2000, 2000, 2000, 2000]);
    // a random-looking value seen once is assumed volatile: joins the loop's key...
    t.request({ url: '/lp?v=Ab3dE9xQ', start: end, end: end + 2000 }, 'late');
    // ...until it repeats: then it is a stable parameter and those requests move out
    t.request({ url: '/lp?v=Ab3dE9xQ', start: end + 2000, end: end + 4000 }, 'late');
    const { detector, seen } = live(t, 3);
    expect(seen.flat().every((id) => id === 'p1')).toBe(true);
    const [p] = detector.patterns();
    expect(p?.cycleKeys).toEqual(t.keysOf('lp'));
    expect(p?.url).toBe('http://127.0.0.1:8000/lp');
    expect(detector.patternIdOf(t.keysOf('late')[0] as string)).toBeNull();
  });

  it('the same URL in two frames is two loops', () => {
    const a = new Trace('frameA');
    const b = new Trace('frameB');
    correctLongPoll(a, '/lp', T0, [2000, 2000, 2000, 2000]);
    correctLongPoll(b, '/lp', T0 + 7, [2000, 2000, 2000, 2000]);
    const store = new TimelineStore();
    const inFrame = b.messages().map((m) => ({ ...m, frameId: 3, doc: { ...m.doc, top: false } }));
    for (const m of [...a.messages(), ...inFrame]) store.ingest(m);
    const ps = detectPatterns(store.connections, store.events);
    expect(ps.map((p) => p.storm)).toEqual([null, null]);
    expect(ps.map((p) => p.docId).sort()).toEqual(['frameA', 'frameB']);
  });
});

describe('known transports', () => {
  it('Engine.IO polling: GET long-poll + POST sends on the sid, upgraded to a WebSocket', () => {
    const t = new Trace();
    const eio = (tt: string, sid?: string) =>
      `/socket.io/?EIO=4&transport=polling&t=${tt}${sid ? `&sid=${sid}` : ''}`;
    const sid = 'kQx2lPbDL6UKAAAB';
    t.request({ url: eio('P0a1bC2'), start: T0, end: T0 + 5, size: 96 }); // handshake
    t.request({ url: eio('P0a1bD9', sid), method: 'POST', start: T0 + 7, end: T0 + 9 }, 'send');
    t.request({ url: eio('P0a1bE4', sid), start: T0 + 8, end: T0 + 12 }, 'poll'); // "40" ack
    t.request({ url: eio('P0a1bF7', sid), start: T0 + 13, end: T0 + 25_013 }, 'poll'); // held to ping
    t.request({ url: eio('P0a1bG1', sid), method: 'POST', start: T0 + 25_014, end: T0 + 25_016 }, 'send'); // pong
    t.websocket(`ws://127.0.0.1:8000/socket.io/?EIO=4&transport=websocket&sid=${sid}`, T0 + 25_020, 'ws');
    t.request({ url: eio('P0a1bH3', sid), start: T0 + 25_014, end: T0 + 25_100, size: 1 }, 'poll'); // noop on upgrade
    const ps = detect(t);
    expect(ps).toHaveLength(1);
    const p = ps[0];
    expect(p).toMatchObject({
      kind: 'long-poll',
      transport: 'engine.io',
      url: `http://127.0.0.1:8000/socket.io/?EIO=4&transport=polling&sid=${sid}`,
      cycles: 3,
    });
    expect(p?.sendKeys).toEqual(t.keysOf('send'));
    expect(p?.cycleKeys).toEqual(t.keysOf('poll'));
    expect(p?.upgrade?.connectionKey).toBe(t.keysOf('ws')[0]);
    expect(p?.params.find((d) => d.name === 't')?.kept).toBe(false);
  });

  it('SockJS xhr-polling and xhr-streaming sessions are labelled', () => {
    const t = new Trace();
    t.request({ url: '/echo/info?t=1764000000000', start: T0, end: T0 + 3, size: 80 });
    t.request({ url: '/echo/412/x8kq2nbw/xhr', method: 'POST', start: T0 + 5, end: T0 + 7 }, 'poll'); // "o"
    t.request({ url: '/echo/412/x8kq2nbw/xhr', method: 'POST', start: T0 + 8, end: T0 + 2000 }, 'poll');
    t.request({ url: '/echo/412/x8kq2nbw/xhr_send', method: 'POST', start: T0 + 900, end: T0 + 905 }, 'send');
    t.request({ url: '/echo/412/x8kq2nbw/xhr', method: 'POST', start: T0 + 2001, end: null }, 'poll');
    t.request(
      { url: '/echo/733/m1n2b3v4/xhr_streaming', method: 'POST', start: T0 + 10, end: null },
      'stream',
    );
    const ps = detect(t);
    const poll = ps.find((p) => p.transport === 'sockjs-xhr-polling');
    expect(poll).toMatchObject({ kind: 'long-poll', cycles: 3, method: 'POST' });
    expect(poll?.sendKeys).toEqual(t.keysOf('send'));
    const stream = ps.find((p) => p.transport === 'sockjs-xhr-streaming');
    expect(stream?.cycleKeys).toEqual(t.keysOf('stream'));
    expect(stream?.state).toBe('held');
    expect(ps).toHaveLength(2);
  });

  it('a path that merely looks like SockJS, without /info, needs three cycles', () => {
    const t = new Trace();
    t.request({ url: '/a/b/c/xhr', method: 'POST', start: T0, end: T0 + 20 });
    expect(detect(t)).toEqual([]);
  });
});

describe('store integration and export', () => {
  it('re-reads after the store is cleared; ids keep counting up', () => {
    const t = new Trace();
    correctLongPoll(t, '/lp', T0, [2000, 2000, 2000, 2000]);
    const store = t.store();
    const d = new PatternDetector();
    d.update(store);
    expect(d.patterns().map((p) => p.id)).toEqual(['p1']);
    store.clear();
    d.update(store);
    expect(d.patterns()).toEqual([]);
    const t2 = new Trace('d1');
    correctLongPoll(t2, '/lp2', T0 + 100_000, [2000, 2000, 2000]);
    // new records continue the document's sequence
    const msgs = t2.messages();
    for (const m of msgs) m.records = m.records.map((r) => ({ ...r, seq: r.seq + 1000 }));
    for (const m of msgs) store.ingest(m);
    d.update(store);
    expect(d.patterns().map((p) => p.id)).toEqual(['p2']);
    expect(d.patternIdOf(`d1:${1}`)).toBe('p2');
  });

  it('exports through buildTimelineExport with ids mapped and additions in extra', () => {
    const t = new Trace();
    seedStorm(t, { path: '/poll', start: T0, hold: 2000, generations: 3, label: 's' });
    const store = t.store();
    const patterns = detectPatterns(store.connections, store.events).map(toPatternForExport);
    const out = buildTimelineExport({
      connections: store.connections,
      events: store.events,
      page: { url: 'http://127.0.0.1:8000/', title: 't' },
      toolVersion: '0.1.0',
      userAgent: 'test',
      now: new Date(0),
      patterns,
    });
    expect(out.patterns).toHaveLength(1);
    const p = out.patterns[0];
    expect(p?.connectionIds).toHaveLength(13);
    expect(p?.connectionIds[0]).toBe('c1');
    expect(p).toMatchObject({ id: 'p1', kind: 'long-poll', cycles: 13, medianHoldMs: 2000 });
    expect(p?.storm).toEqual({ peakConcurrency: 9, startedAt: T0 + 3000.35, endedAt: null });
    expect(p?.transport).toBeNull();
  });

  it('ignores junk: bad URLs, unknown methods, events of unknown or non-HTTP connections', () => {
    const t = new Trace();
    t.request({ url: 'http://[::1', start: T0, end: T0 + 5 });
    t.request({ url: 'data:text/plain,hi', start: T0 + 1, end: T0 + 2 });
    t.request({ url: '/x', method: 'brew', start: T0 + 2, end: T0 + 3 });
    t.websocket('ws://127.0.0.1:8000/chat', T0 + 4);
    t.websocket('ws://127.0.0.1:8000/socket.io/?EIO=4&transport=websocket&sid=zzz', T0 + 5);
    const store = t.store();
    const d = new PatternDetector();
    expect(() => {
      d.update(store);
      d.onEvent({ ...(store.events[0] as (typeof store.events)[number]) });
      d.flush();
    }).not.toThrow();
    expect(d.patterns()).toEqual([]);
  });
});
