// Generated traces (seeded): loops with jitter mixed with ordinary traffic and
// adversarial near misses. Measures precision and recall of the detector over
// the whole corpus and checks them against floors. Among them: long-polls that
// carry a cursor (inbox, Matrix, CouchDB, Telegram styles) and paging, search
// and scrolling near misses whose parameters move too.

import { describe, expect, it } from 'vitest';
import { detectPatterns, type Pattern } from '../../lib/patterns';
import {
  assetsAndBurst,
  busyLongPoll,
  type CursorStyle,
  cursorLongPoll,
  type Expected,
  fastCrawl,
  infiniteScroll,
  longPollLoop,
  paginatedList,
  pollingLoop,
  restTraffic,
  retriesHonouringRetryAfter,
  retriesWithBackoff,
  rng,
  searchAsYouType,
  seedStorm,
  sequentialBatch,
  Trace,
  tightRetries,
} from './patterns-traces';

const T0 = 1_764_000_000_000;

interface Case {
  trace: Trace;
  expected: Expected[];
}

/** One generated page: 0-2 long-polls, 0-2 polling loops, maybe a storm, plus noise and near misses. */
function generateCase(seed: number): Case {
  const r = rng(seed);
  const t = new Trace(`doc${seed}`);
  const expected: Expected[] = [];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const lps = Math.floor(r() * 3);
  for (let i = 0; i < lps; i++) {
    const label = `lp${i}`;
    longPollLoop(t, r, {
      path: `/lp${i}?topic=${pick(['news', 'chat', 'stock'])}`,
      start: T0 + r() * 5000,
      cycles: 3 + Math.floor(r() * 25),
      label,
      method: pick(['GET', 'GET', 'POST']),
      transport: pick(['xhr', 'fetch'] as const),
      cacheBuster: pick([undefined, '_', 't', 'ts']),
    });
    expected.push({ label, kind: 'long-poll' });
  }
  const polls = Math.floor(r() * 3);
  for (let i = 0; i < polls; i++) {
    const label = `poll${i}`;
    const jitter = pick([0, 0, 0.03, 0.08]);
    pollingLoop(t, r, {
      path: `/status${i}`,
      start: T0 + r() * 5000,
      // jittery loops are recognised from their 7th request
      cycles: (jitter ? 7 : 3) + Math.floor(r() * 25),
      label,
      interval: pick([500, 1000, 2000, 3000, 5000, 10_000, 15_000]),
      jitter,
      style: pick(['interval', 'timeout'] as const),
      cacheBuster: pick([undefined, '_', 'rnd']),
    });
    expected.push({ label, kind: 'polling' });
  }
  if (r() < 0.2) {
    seedStorm(t, {
      path: '/seed',
      start: T0 + r() * 3000,
      hold: 1500 + r() * 2000,
      generations: 3,
      label: 'storm',
    });
    expected.push({ label: 'storm', kind: 'long-poll', storm: true });
  }
  // ordinary traffic
  restTraffic(t, r, { start: T0, calls: 10 + Math.floor(r() * 30) });
  assetsAndBurst(t, r, T0 + r() * 10_000);
  retriesWithBackoff(t, r, {
    path: '/api/flaky',
    start: T0 + r() * 20_000,
    tries: 3 + Math.floor(r() * 3),
    succeedLast: r() < 0.5,
  });
  // near misses: a two-cycle long-poll and a two-tick poller
  longPollLoop(t, r, { path: '/lp-short', start: T0 + r() * 10_000, cycles: 2, label: 'nm1' });
  pollingLoop(t, r, { path: '/poll-short', start: T0, cycles: 2, label: 'nm2', interval: 2000, jitter: 0 });
  // a long-poll carrying a cursor that advances only on news, on half the pages
  if (r() < 0.5) {
    const style = pick(['inbox', 'inbox-silent', 'matrix', 'couchdb', 'telegram'] as CursorStyle[]);
    cursorLongPoll(t, r, {
      path: `/cursor-${style}`,
      style,
      start: T0 + r() * 5000,
      cycles: 3 + Math.floor(r() * 20),
      // an inbox held a few hundred ms is a long-poll by its empty answers: news every time would be a crawl
      newsEvery: style.startsWith('inbox') ? pick([2, 2, 3, 5]) : pick([1, 2, 2, 3, 5]),
      label: 'cursor',
    });
    expected.push({ label: 'cursor', kind: 'long-poll' });
  }
  // paging, searching and scrolling: parameters that move, and no loop
  const by = pick(['page', 'offset'] as const);
  paginatedList(t, r, {
    path: '/api/list',
    start: T0 + r() * 20_000,
    pages: 2 + Math.floor(r() * 8),
    by,
    label: 'nm3',
  });
  searchAsYouType(t, r, {
    path: '/api/find',
    start: T0 + r() * 20_000,
    word: pick(['shoes', 'javascript', 'abc']),
    label: 'nm4',
  });
  infiniteScroll(t, r, {
    path: '/api/feed',
    start: T0 + r() * 20_000,
    pages: 2 + Math.floor(r() * 10),
    label: 'nm5',
  });
  // a retry storm on a quarter of the pages: 503s, network errors or 429s whose Retry-After is ignored
  if (r() < 0.25) {
    tightRetries(t, r, {
      path: '/api/save',
      start: T0 + r() * 20_000,
      tries: 4 + Math.floor(r() * 20),
      maxDelay: pick([10, 100, 500]),
      failure: pick(['503', 'network', '429'] as const),
      label: 'retry',
    });
    expected.push({ label: 'retry', kind: 'retry-storm' });
  }
  // a busy long-poll on a quarter of the pages
  if (r() < 0.25) {
    busyLongPoll(t, r, {
      path: '/events',
      start: T0 + r() * 20_000,
      cycles: 10 + Math.floor(r() * 100),
      label: 'busy',
      cacheBuster: pick([undefined, '_', 't']),
    });
    expected.push({ label: 'busy', kind: 'busy-loop' });
  }
  // fast ordinary traffic: retries that honour Retry-After, crawls and batches answered at once
  retriesHonouringRetryAfter(t, r, {
    path: '/api/limited',
    start: T0 + r() * 20_000,
    tries: 3 + Math.floor(r() * 6),
    label: 'nm6',
  });
  fastCrawl(t, r, {
    path: '/api/all',
    start: T0 + r() * 20_000,
    pages: 5 + Math.floor(r() * 40),
    by: pick(['page', 'cursor'] as const),
    label: 'nm7',
  });
  sequentialBatch(t, r, { start: T0 + r() * 20_000, count: 5 + Math.floor(r() * 30) });
  return { trace: t, expected };
}

function overlap(a: readonly string[], b: readonly string[]): number {
  const set = new Set(b);
  return a.filter((k) => set.has(k)).length;
}

function matches(p: Pattern, t: Trace, e: Expected): boolean {
  const keys = t.keysOf(e.label);
  const shared = overlap(p.cycleKeys, keys);
  return p.kind === e.kind && shared >= 0.8 * keys.length && shared >= 0.8 * p.cycleKeys.length;
}

function scoreCorpus(seeds: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let storms = 0;
  let stormsFlagged = 0;
  let falseStorms = 0;
  const misses: string[] = [];
  const byKind: Record<string, { tp: number; fp: number; fn: number }> = {};
  const count = (kind: string, what: 'tp' | 'fp' | 'fn') => {
    byKind[kind] ??= { tp: 0, fp: 0, fn: 0 };
    byKind[kind][what]++;
  };
  for (let seed = 1; seed <= seeds; seed++) {
    const { trace, expected } = generateCase(seed);
    const store = trace.store();
    const found = detectPatterns(store.connections, store.events);
    const used = new Set<Pattern>();
    for (const e of expected) {
      const p = found.find((x) => !used.has(x) && matches(x, trace, e));
      if (p) {
        tp++;
        count(e.kind, 'tp');
        used.add(p);
        if (e.kind === 'retry-storm' || e.kind === 'busy-loop') {
          // their fault is carried as a storm: not a poll storm to count
        } else if (e.storm) {
          storms++;
          if (p.storm) stormsFlagged++;
        } else if (p.storm) falseStorms++;
      } else {
        fn++;
        count(e.kind, 'fn');
        misses.push(`seed ${seed}: missed ${e.kind} ${e.label}`);
      }
    }
    for (const p of found)
      if (!used.has(p)) {
        fp++;
        count(p.kind, 'fp');
        misses.push(`seed ${seed}: false ${p.kind} ${p.method} ${p.url} x${p.cycles}`);
      }
  }
  return {
    tp,
    fp,
    fn,
    precision: tp / (tp + fp),
    recall: tp / (tp + fn),
    storms,
    stormsFlagged,
    falseStorms,
    misses,
    byKind,
  };
}

describe('generated corpus', () => {
  it('finds the loops and little else (precision / recall over 400 seeded pages)', () => {
    const s = scoreCorpus(400);
    console.log(
      `patterns corpus: TP ${s.tp} FP ${s.fp} FN ${s.fn} precision ${s.precision.toFixed(4)} recall ${s.recall.toFixed(4)}; storms flagged ${s.stormsFlagged}/${s.storms}, false storms ${s.falseStorms}`,
    );
    console.log(
      `patterns corpus by kind: ${Object.entries(s.byKind)
        .map(([k, v]) => `${k} TP ${v.tp} FP ${v.fp} FN ${v.fn}`)
        .join('; ')}`,
    );
    if (s.misses.length) console.log(s.misses.slice(0, 20).join('\n'));
    expect(s.tp).toBeGreaterThan(500);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.stormsFlagged).toBe(s.storms);
    expect(s.falseStorms).toBe(0);
  });
});
