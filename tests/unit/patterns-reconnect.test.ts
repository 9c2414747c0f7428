// Reconnect loops: WebSocket / EventSource connections reopened to one
// endpoint, their attempts, back-off and storms, fed as the panel feeds them;
// their export (valid against the schema, read back on import).

import { readFile } from 'node:fs/promises';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildTimelineExport } from '../../lib/export/timeline';
import { importFile } from '../../lib/import';
import { detectPatterns, type Pattern, PatternDetector, toPatternForExport } from '../../lib/patterns';
import { backsOff, endpointOf } from '../../lib/patterns/reconnect';
import { TimelineStore } from '../../lib/timeline/store';
import { rng } from './patterns-traces';
import { Sockets } from './socket-traces';
import { msg } from './store-fixtures';

const T0 = 1_764_000_000_000;

/** Exponential back-off with ±30 % jitter: base, 2×base, 4×base… */
function backoffDelays(base: number, n: number, seed = 7): number[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => base * 2 ** i * (0.7 + 0.6 * rand()));
}

describe('reconnect loops', () => {
  it('a client that reconnects at once is a reconnect-loop storm (fast retries)', () => {
    const s = new Sockets();
    s.loop('ws://127.0.0.1:9000/live', T0, [40, 35, 50, 45, 40, 38], [3, 1, 4, 2, 5, 0]);
    const [p, ...rest] = s.detect();
    expect(rest).toEqual([]);
    expect(p).toMatchObject({
      id: 'p1',
      kind: 'reconnect-loop',
      url: 'ws://127.0.0.1:9000/live',
      cycles: 6,
      httpTransport: null,
      reconnect: { transport: 'websocket', backoff: false, closeCodes: [1011], state: 'waiting' },
    });
    expect(p?.connectionKeys).toHaveLength(6);
    expect(p?.storm).toMatchObject({ cause: 'fast-retries', startedAt: T0 });
    expect(p?.medianGapMs).toBeLessThan(10);
    const attempts = p?.reconnect?.attempts ?? [];
    expect(attempts.map((a) => a.lifetimeMs)).toEqual([40, 35, 50, 45, 40, 38]);
    expect(attempts.map((a) => a.delayMs)).toEqual([null, 3, 1, 4, 2, 5]);
    expect(attempts.every((a) => a.code === 1011)).toBe(true);
  });

  it('exponential back-off with jitter is a loop, not a storm, even when each connection lives briefly', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const s = new Sockets();
      const delays = backoffDelays(250, 6, seed);
      s.loop('ws://127.0.0.1:9000/live', T0, [60, 60, 60, 60, 60, 60, 60], delays, 1001);
      const [p] = s.detect();
      expect(p?.kind, `seed ${seed}`).toBe('reconnect-loop');
      expect(p?.cycles).toBe(7);
      expect(p?.reconnect?.backoff, `seed ${seed}: ${delays.map(Math.round)}`).toBe(true);
      expect(p?.storm, `seed ${seed}`).toBeNull();
    }
  });

  it('connections that live less than a second each, retried at a fixed pace, are a short-lived storm', () => {
    const s = new Sockets();
    s.loop('ws://127.0.0.1:9000/feed', T0, [120, 90, 110, 100, 95], [2000, 2000, 2000, 2000, 0], 1008);
    const [p] = s.detect();
    expect(p?.storm).toMatchObject({ cause: 'short-lived' });
    expect(p?.reconnect?.closeCodes).toEqual([1008]);
  });

  it('long-lived connections reopened after a pause are a loop without a storm', () => {
    const s = new Sockets();
    s.loop('ws://127.0.0.1:9000/feed', T0, [600_000, 300_000, 900_000], [1500, 1500, 0], 1006);
    const [p] = s.detect();
    expect(p?.kind).toBe('reconnect-loop');
    expect(p?.storm).toBeNull();
    expect(p?.medianHoldMs).toBe(600_000);
  });

  it("counts an EventSource's own reconnects (error, then open again) as attempts of one connection", () => {
    const s = new Sockets();
    const id = s.eventSource('http://127.0.0.1:9000/events', T0, [
      [T0 + 5, T0 + 200],
      [T0 + 3210, T0 + 3400],
      [T0 + 6405, T0 + 6600],
      [T0 + 9605, T0 + 9800],
      [null, T0 + 12_800],
    ]);
    const [p] = s.detect();
    expect(p).toMatchObject({
      kind: 'reconnect-loop',
      cycles: 5,
      connectionKeys: [s.key(id)],
      reconnect: { transport: 'eventsource', backoff: false },
      failures: 1,
    });
    const attempts = p?.reconnect?.attempts ?? [];
    expect(attempts.map((a) => a.delayMs)).toEqual([null, 3010, 3005, 3005, 3000]);
    expect(attempts.map((a) => a.lifetimeMs)).toEqual([195, 190, 195, 195, 0]);
    // Lives < 1 s, fixed 3 s retry: the browser's default, never backing off.
    expect(p?.storm?.cause).toBe('short-lived');
  });

  it('an EventSource that reconnects by itself and a new EventSource to the same URL continue one loop', () => {
    const s = new Sockets();
    s.eventSource('http://127.0.0.1:9000/events', T0, [[T0 + 5, T0 + 100]]);
    s.raw({ r: 'ev', time: T0 + 100, conn: 1, type: 'close' });
    s.eventSource('http://127.0.0.1:9000/events', T0 + 110, [[T0 + 115, T0 + 200]]);
    s.raw({ r: 'ev', time: T0 + 200, conn: 2, type: 'close' });
    s.eventSource('http://127.0.0.1:9000/events', T0 + 210, [[T0 + 215, T0 + 300]]);
    const [p] = s.detect();
    expect(p?.cycles).toBe(3);
    expect(p?.connectionKeys).toEqual([s.key(1), s.key(2), s.key(3)]);
  });

  it("takes a retry recorded a moment before the previous close (the event clock and the creation clock differ) as the loop's", () => {
    const s = new Sockets();
    let at = T0;
    for (let i = 0; i < 6; i++) {
      s.ws('ws://127.0.0.1:9000/live', at, { end: at + 40, code: 1011 });
      at += 40 - (i % 2 ? 1.5 : 0);
    }
    const patterns = s.detect();
    expect(patterns).toHaveLength(1);
    expect(patterns[0]?.cycles).toBe(6);
    expect(patterns[0]?.reconnect?.attempts.map((a) => a.delayMs)).toEqual([null, 0, 0, 0, 0, 0]);
    expect(patterns[0]?.storm?.cause).toBe('fast-retries');
  });

  it('takes a connection as the retry when the previous close reaches the detector after it', () => {
    const s = new Sockets();
    s.loop('ws://127.0.0.1:9000/live', T0, [40, 40, 40, 40, 40, 40], [3, 3, 3, 3, 3, 0], 1011);
    const recs = s.records();
    // The third socket's close arrives after the fourth socket's creation (it waited behind messages).
    const close3 = recs.findIndex((r) => r.r === 'ev' && r.conn === 3 && r.type === 'close');
    const conn4 = recs.findIndex((r) => r.r === 'conn' && r.id === 4);
    const reordered = [...recs];
    const [moved] = reordered.splice(close3, 1);
    reordered.splice(conn4, 0, moved as (typeof recs)[0]);
    const store = new TimelineStore();
    const detector = new PatternDetector();
    for (const r of reordered.map((r, i) => ({ ...r, seq: i + 1 }))) {
      store.ingest(msg([r]));
      detector.update(store);
    }
    const [p, ...rest] = detector.patterns();
    expect(rest).toEqual([]);
    expect(p?.cycles).toBe(6);
    expect(p?.connectionKeys).toEqual([1, 2, 3, 4, 5, 6].map((id) => s.key(id)));
    expect(p?.reconnect?.attempts.map((a) => a.delayMs)).toEqual([null, 3, 3, 3, 3, 3]);
  });

  it('keeps two endpoints apart, drops volatile query parameters, keeps ones that name something', () => {
    const s = new Sockets();
    const rand = rng(3);
    let at = T0;
    for (let i = 0; i < 4; i++) {
      const token = Math.floor(rand() * 1e12).toString(36);
      s.ws(`ws://127.0.0.1:9000/chat?room=lobby&token=${token}&attempt=${i}`, at, { end: at + 30 });
      s.ws(`ws://127.0.0.1:9000/chat?room=games&token=${token}x&attempt=${i}`, at + 1, { end: at + 31 });
      s.ws(`ws://127.0.0.1:9000/other?_=${at}`, at + 2, { end: at + 32 });
      at += 40;
    }
    const patterns = s.detect();
    expect(patterns.map((p) => [p.id, p.url, p.cycles])).toEqual([
      ['p1', 'ws://127.0.0.1:9000/chat?room=lobby', 4],
      ['p2', 'ws://127.0.0.1:9000/chat?room=games', 4],
      ['p3', 'ws://127.0.0.1:9000/other', 4],
    ]);
    // A fresh token made of letters only (Math.random().toString(36) now and then) is still a token.
    expect(endpointOf('d1', 'websocket', 'ws://h/p?room=a&token=qwhtrbmzxk').displayUrl).toBe(
      'ws://h/p?room=a',
    );
    expect(endpointOf('d1', 'websocket', 'ws://h/p?room=a').key).not.toBe(
      endpointOf('d2', 'websocket', 'ws://h/p?room=a').key,
    );
    expect(endpointOf('d1', 'websocket', 'ws://h/p').key).not.toBe(
      endpointOf('d1', 'eventsource', 'ws://h/p').key,
    );
  });

  it('is no loop with two attempts, or with sockets open side by side, or retries minutes apart', () => {
    const two = new Sockets();
    two.loop('ws://127.0.0.1:9000/a', T0, [10, 10], [1, 0]);
    expect(two.detect()).toEqual([]);
    const parallel = new Sockets();
    for (let i = 0; i < 5; i++) parallel.ws('ws://127.0.0.1:9000/tabs', T0 + i, { end: T0 + 1000 + i });
    expect(parallel.detect()).toEqual([]);
    const apart = new Sockets();
    apart.loop('ws://127.0.0.1:9000/a', T0, [10, 10, 10], [200_000, 200_000, 0]);
    expect(apart.detect()).toEqual([]);
  });

  it('survives bad input: odd URLs, events of unknown or unopened sockets, repeated ends', () => {
    const s = new Sockets();
    s.raw({ r: 'ev', time: T0, conn: 99, type: 'close', code: 1000 });
    s.ws('not a url', T0 + 1, { connectMs: null, end: T0 + 2, error: true });
    s.ws('not a url', T0 + 3, { connectMs: null, end: T0 + 4, error: true });
    s.ws('not a url', T0 + 5, { connectMs: null, end: T0 + 6, error: true });
    s.raw({ r: 'ev', time: T0 + 7, conn: 3, type: 'close', code: 1006 });
    s.raw({ r: 'ev', time: T0 + 7, conn: 3, type: 'open' });
    s.ws('ws://127.0.0.1:9000/x?%zz=%', T0 + 8, { end: null });
    const patterns = s.detect();
    expect(patterns).toHaveLength(1);
    expect(patterns[0]).toMatchObject({ kind: 'reconnect-loop', cycles: 3, failures: 3 });
    expect(patterns[0]?.reconnect?.attempts.map((a) => a.lifetimeMs)).toEqual([0, 0, 0]);
    expect(patterns[0]?.reconnect?.closeCodes).toEqual([1006]);
  });

  it('shares pattern ids with HTTP loops, fed live in batches, and tells which pattern a socket belongs to', () => {
    const s = new Sockets();
    s.loop('ws://127.0.0.1:9000/live', T0, [40, 40, 40, 40], [1, 1, 1, 0]);
    const whole = s.detect();
    const store = new TimelineStore();
    const detector = new PatternDetector();
    const recs = s.records();
    const versions: number[] = [];
    for (let i = 0; i < recs.length; i += 2) {
      store.ingest(msg(recs.slice(i, i + 2)));
      detector.update(store);
      versions.push(detector.version);
    }
    const withoutVersion = (ps: Pattern[]) => ps.map(({ version: _, ...rest }) => rest);
    expect(withoutVersion(detector.patterns())).toEqual(withoutVersion(whole));
    expect(detector.patternIdOf(s.key(1))).toBe('p1');
    expect(detector.patternIdOf('d1:404')).toBeNull();
    expect(versions.at(-1)).toBeGreaterThan(versions[0] ?? 0);
  });

  it('a storm ends when the client stops retrying for a calm period, or starts backing off', () => {
    const s = new Sockets();
    const end = s.loop('ws://127.0.0.1:9000/live', T0, [20, 20, 20, 20, 20], [1, 1, 1, 1, 0]);
    const store = s.store();
    const detector = new PatternDetector();
    detector.update(store, end + 100);
    expect(detector.patterns(end + 100)[0]?.storm).toMatchObject({ endedAt: null });
    const before = detector.version;
    detector.advance(end + 10_000);
    expect(detector.version).toBeGreaterThan(before);
    expect(detector.patterns(end + 10_000)[0]?.storm?.endedAt).toBe(end);

    const b = new Sockets();
    b.loop(
      'ws://127.0.0.1:9000/live',
      T0,
      [20, 20, 20, 20, 20, 20, 20, 20, 20],
      [1, 1, 1, 300, 900, 2700, 8100, 24_300],
    );
    const [p] = b.detect();
    expect(p?.storm?.endedAt).not.toBeNull();
    expect(p?.reconnect?.backoff).toBe(true);
  });

  it('over 1,000 generated clients: no back-off judged a storm, immediate retries caught by the eighth attempt', () => {
    let falseStorms = 0;
    let missed = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const rand = rng(seed);
      const base = [100, 250, 500, 1000][seed % 4] as number;
      const factor = seed % 3 === 0 ? 1.5 : 2;
      const backoff = new Sockets();
      const delays = Array.from({ length: 7 }, (_, i) => base * factor ** i * (0.7 + 0.6 * rand()));
      backoff.loop('ws://127.0.0.1:9000/a', T0, [50, 50, 50, 50, 50, 50, 50, 50], delays);
      if (backoff.detect()[0]?.storm) falseStorms++;
      const immediate = new Sockets();
      const spread = seed % 2 ? 40 : 300;
      immediate.loop(
        'ws://127.0.0.1:9000/a',
        T0,
        [50, 50, 50, 50, 50, 50, 50, 50],
        Array.from({ length: 7 }, () => rand() * spread),
      );
      if (!immediate.detect()[0]?.storm) missed++;
    }
    expect(falseStorms).toBe(0);
    expect(missed).toBeLessThanOrEqual(10);
  });

  it('judges back-off by the trend of the delays, not by single steps', () => {
    expect(backsOff([3, 8, 2, 20, 5])).toBe(false);
    expect(backsOff([100, 220, 380, 900, 1500])).toBe(true);
    expect(backsOff([1000, 1000, 1000, 1000])).toBe(false);
    expect(backsOff([30_000, 30_000, 30_000])).toBe(true);
    expect(backsOff([])).toBe(false);
  });
});

describe('reconnect loops in the export', () => {
  it('writes kind reconnect-loop with attempts, close codes, back-off, storm and finding; valid against the schema', async () => {
    const schemaJson = JSON.parse(
      await readFile(new URL('../../schema/wirescope-timeline.v1.schema.json', import.meta.url), 'utf8'),
    );
    const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
    const validate = new AjvClass({ allErrors: true, strict: false, validateFormats: false }).compile(
      schemaJson,
    );
    const s = new Sockets();
    s.loop('ws://127.0.0.1:9000/live', T0, [40, 35, 50, 45, 40], [3, 1, 4, 2, 0]);
    const store = s.store();
    const patterns = detectPatterns(store.connections, store.events);
    const file = buildTimelineExport({
      connections: [...store.connections],
      events: [...store.events],
      page: { url: 'http://127.0.0.1:9000/', title: '' },
      toolVersion: 'test',
      userAgent: 'test',
      now: new Date(T0),
      patterns: patterns.map(toPatternForExport),
    });
    expect(validate(file), JSON.stringify(validate.errors)).toBe(true);
    const [p] = file.patterns;
    expect(p).toMatchObject({
      kind: 'reconnect-loop',
      cycles: 5,
      transport: 'websocket',
      backoff: false,
      closeCodes: [1011],
      storm: { cause: 'fast-retries' },
    });
    expect(p?.connectionIds).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(p?.attempts).toHaveLength(5);
    expect(p?.finding).toMatch(/reconnects the WebSocket to \/live at once after each close.*back off/);
    const back = importFile(JSON.stringify(file), 'x.json');
    expect(back.ok).toBe(true);
    if (back.ok) expect(back.parts.patterns[0]?.kind).toBe('reconnect-loop');
  });
});
