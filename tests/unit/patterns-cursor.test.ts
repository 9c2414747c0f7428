// Loops that carry a cursor (Matrix, CouchDB, Telegram, an inbox's last id)
// are one channel however often the cursor moves; ordinary paging, search
// and scrolling stay no pattern.

import { describe, expect, it } from 'vitest';
import { detectPatterns, PatternDetector, toPatternForExport } from '../../lib/patterns';
import { Answer } from '../../lib/patterns/answers';
import { parseUrl, Route } from '../../lib/patterns/params';
import { TimelineStore } from '../../lib/timeline/store';
import {
  couchSeq,
  cursorLongPoll,
  infiniteScroll,
  matrixToken,
  paginatedList,
  rng,
  searchAsYouType,
  Trace,
} from './patterns-traces';

const T0 = 1_764_000_000_000;
const ORIGIN = 'http://127.0.0.1:8000';

function detect(t: Trace) {
  const s = t.store();
  return detectPatterns(s.connections, s.events);
}

/** Feeds the trace in small batches as the panel does; returns the detector and every id it ever showed. */
function live(t: Trace, batch = 3) {
  const store = new TimelineStore();
  const detector = new PatternDetector();
  const ids = new Set<string>();
  for (const m of t.messages(batch)) {
    store.ingest(m);
    detector.update(store);
    for (const p of detector.patterns()) ids.add(p.id);
  }
  detector.flush();
  return { detector, ids };
}

describe('cursor parameters: the decision', () => {
  /** A route fed requests and, after each, the answer the server gave. */
  function route(steps: Array<[url: string, answer: string]>) {
    const first = parseUrl((steps[0] as [string, string])[0]);
    const r = new Route('d|GET x', 'd', 'GET', first.origin, first.path, first.params);
    let previous: Answer | null = null;
    for (const [url, answer] of steps) {
      const moves: Array<[string, string]> = [];
      r.observe(parseUrl(url).params, moves);
      r.judge(moves, previous);
      previous = new Answer(answer, answer.length, answer ? 200 : 204);
    }
    return new Map(r.decisions().map((d) => [d.name, d]));
  }

  it('a value taken from the previous answer is a cursor, from its first move', () => {
    const d = route([
      [`${ORIGIN}/inbox?since=0`, ''],
      [`${ORIGIN}/inbox?since=0`, '{"messages":[{"id":1}],"next":7}'],
      [`${ORIGIN}/inbox?since=7`, ''],
    ]).get('since');
    expect(d).toMatchObject({ kept: false, cursor: true });
    expect(d?.reason).toBe(
      'dropped: cursor — its value comes from the previous response (1 of 1 change in 3 requests)',
    );
  });

  it('an integer that only moves forward is a cursor once it moved twice, however often it repeats', () => {
    const urls = [0, 0, 1, 1].map((n) => [`${ORIGIN}/inbox?since=${n}`, 'x'] as [string, string]);
    expect(route(urls).get('since')?.kept).toBe(true);
    const d = route([...urls, [`${ORIGIN}/inbox?since=2`, 'x']]).get('since');
    expect(d).toMatchObject({ kept: false, cursor: true });
    expect(d?.reason).toMatch(
      /^dropped: cursor — its value only moves forward \(2 changes in 5 requests, never back\)$/,
    );
  });

  it('an opaque token that changes only after answers with news, never back, is a cursor', () => {
    const tokens = ['Qm9vazE3', 'Qm9vazE3', 'Zx81LpQ2', 'Zx81LpQ2', 'Hy7PqW04'];
    const answers = ['', 'news', '', 'news', ''];
    const d = route(tokens.map((tk, i) => [`${ORIGIN}/feed?pos=${tk}`, answers[i] as string])).get('pos');
    expect(d).toMatchObject({ kept: false, cursor: true });
    expect(d?.reason).toMatch(/each after an answer with news/);
  });

  it('search terms are never cursors, even when the previous answer lists the next one', () => {
    const d = route([
      [`${ORIGIN}/search?q=a`, '{"results":["ab","abc"]}'],
      [`${ORIGIN}/search?q=ab`, '{"results":["abc"]}'],
      [`${ORIGIN}/search?q=abc`, '{"results":["abc"]}'],
    ]).get('q');
    expect(d?.kept).toBe(true);
  });

  it('a value that comes back (rooms switched to and fro) is no cursor', () => {
    const rooms = [101, 101, 202, 202, 101, 101, 202, 202];
    const d = route(rooms.map((n) => [`${ORIGIN}/sub?room=${n}`, `{"room":${n === 101 ? 202 : 101}}`])).get(
      'room',
    );
    expect(d?.kept).toBe(true);
  });

  it('a constant value is kept even when the answer repeats it', () => {
    const d = route([1, 2, 3].map(() => [`${ORIGIN}/sub?channel=c42x9`, '{"channel":"c42x9"}'])).get(
      'channel',
    );
    expect(d?.kept).toBe(true);
  });
});

describe('cursor loops are one channel', () => {
  it('an inbox whose `since` advances every second answer, held a few hundred ms', () => {
    const t = new Trace();
    cursorLongPoll(t, rng(1), { path: '/api/inbox', style: 'inbox', start: T0, cycles: 12, label: 'lp' });
    const { detector, ids } = live(t);
    const ps = detector.patterns();
    expect(ps).toHaveLength(1);
    expect(ids).toEqual(new Set(['p1']));
    const [p] = ps;
    expect(p?.kind).toBe('long-poll');
    expect(p?.url).toBe(`${ORIGIN}/api/inbox`);
    expect(p?.cycleKeys).toEqual(t.keysOf('lp'));
    expect(p?.cursor).toEqual({ name: 'since', values: 6, last: '5' });
  });

  it('the same inbox whose answers do not repeat the cursor (it only moves forward)', () => {
    const t = new Trace();
    cursorLongPoll(t, rng(2), {
      path: '/api/inbox',
      style: 'inbox-silent',
      start: T0,
      cycles: 10,
      label: 'lp',
    });
    const { detector, ids } = live(t);
    const ps = detector.patterns();
    expect(ps.map((p) => [p.kind, p.cycles])).toEqual([['long-poll', 10]]);
    expect(ids).toEqual(new Set(['p1']));
    expect(ps[0]?.cursor).toEqual({ name: 'since', values: 5, last: '4' });
  });

  it('a cursor that moves rarely (every fifth answer) still joins one channel after the freeze', () => {
    const t = new Trace();
    cursorLongPoll(t, rng(3), {
      path: '/api/inbox',
      style: 'inbox-silent',
      start: T0,
      cycles: 24,
      label: 'lp',
      newsEvery: 5,
    });
    const { detector } = live(t);
    const ps = detector.patterns();
    expect(ps.map((p) => p.cycleKeys)).toEqual([t.keysOf('lp')]);
  });

  it('Matrix /sync with an opaque `since` token (the first sync without one)', () => {
    const t = new Trace();
    cursorLongPoll(t, rng(4), {
      path: '/_matrix/client/v3/sync',
      style: 'matrix',
      start: T0,
      cycles: 9,
      label: 'lp',
    });
    const ps = detect(t);
    expect(ps).toHaveLength(1);
    expect(ps[0]?.url).toBe(`${ORIGIN}/_matrix/client/v3/sync?timeout=30000`);
    expect(ps[0]?.cycleKeys).toEqual(t.keysOf('lp'));
    expect(ps[0]?.cursor).toEqual({ name: 'since', values: 5, last: matrixToken(5) });
    expect(ps[0]?.params.find((d) => d.name === 'since')?.reason).toMatch(/comes from the previous response/);
  });

  it('a fetch loop that starts the next request before the capture recorded the answer', () => {
    // As Chromium records a fetch loop: the page read the answer (headers in
    // at `end - 60`) and started the next request 20 ms before the hook's
    // receive and close of the previous one.
    const t = new Trace();
    let at = T0;
    let since = '0';
    let pos = 1;
    for (let n = 0; n < 8; n++) {
      const news = n % 2 === 1;
      const hold = news ? 300 : 1000;
      if (news) pos++;
      const answer = JSON.stringify({ results: [], last_seq: couchSeq(pos) });
      const url = `/db/_changes?feed=longpoll&since=${since}`;
      t.request({ url, start: at, end: at + hold, headersAt: at + hold - 60, body: answer }, 'lp');
      since = couchSeq(pos);
      at += hold - 20;
    }
    const { detector } = live(t, 2);
    const ps = detector.patterns();
    expect(ps.map((p) => [p.url, p.cycleKeys])).toEqual([
      [`${ORIGIN}/db/_changes?feed=longpoll`, t.keysOf('lp')],
    ]);
  });

  it('CouchDB _changes?feed=longpoll&since=<last_seq>', () => {
    const t = new Trace();
    cursorLongPoll(t, rng(5), { path: '/db/_changes', style: 'couchdb', start: T0, cycles: 10, label: 'lp' });
    const ps = detect(t);
    expect(ps).toHaveLength(1);
    expect(ps[0]?.url).toBe(`${ORIGIN}/db/_changes?feed=longpoll`);
    expect(ps[0]?.cycleKeys).toEqual(t.keysOf('lp'));
    expect(ps[0]?.cursor?.last).toBe(couchSeq(5));
  });

  it('Telegram getUpdates?offset=<last update_id + 1>, exported with its cursor', () => {
    const t = new Trace();
    cursorLongPoll(t, rng(6), {
      path: '/bot123/getUpdates',
      style: 'telegram',
      start: T0,
      cycles: 10,
      label: 'lp',
    });
    const ps = detect(t);
    expect(ps.map((p) => [p.kind, p.url, p.cycles])).toEqual([
      ['long-poll', `${ORIGIN}/bot123/getUpdates?timeout=25`, 10],
    ]);
    const exported = toPatternForExport(ps[0] as (typeof ps)[0]);
    expect(exported.extra?.cursor).toEqual({ name: 'offset', values: 5, last: '1004' });
    // offset = the last update_id + 1: one past a value of the previous answer
    expect(exported.extra?.droppedParams).toEqual([
      {
        name: 'offset',
        reason: expect.stringMatching(/^dropped: cursor — its value comes from the previous response/),
      },
    ]);
  });
});

describe('POST loops whose body carries a cursor or a timestamp', () => {
  // The endpoint key is built from the URL: a body's moving fields never split a loop.
  it('GraphQL polling with the same query and a moving `after` cursor is one polling channel', () => {
    const t = new Trace();
    const query = 'query Feed($after: String) { feed(after: $after) { id cursor } }';
    for (let i = 0; i < 6; i++) {
      const at = T0 + i * 2000;
      const requestBody = JSON.stringify({ query, variables: { after: `Y3Vyc29yOj${i >> 1}`, now: at } });
      t.request({ url: '/graphql', method: 'POST', start: at, end: at + 40, requestBody }, 'poll');
    }
    const ps = detect(t);
    expect(ps.map((p) => [p.kind, p.method, p.url, p.cycleKeys])).toEqual([
      ['polling', 'POST', `${ORIGIN}/graphql`, t.keysOf('poll')],
    ]);
  });

  it('a JSON-RPC long-poll with `since` and a timestamp in its params is one long-poll channel', () => {
    const t = new Trace();
    let at = T0;
    for (let i = 0; i < 6; i++) {
      const requestBody = JSON.stringify({
        jsonrpc: '2.0',
        id: i + 1,
        method: 'events.wait',
        params: { since: i >> 1, ts: Math.round(at) },
      });
      t.request({ url: '/rpc', method: 'POST', start: at, end: at + 1500, requestBody }, 'lp');
      at += 1500;
    }
    const ps = detect(t);
    expect(ps.map((p) => [p.kind, p.method, p.cycleKeys])).toEqual([['long-poll', 'POST', t.keysOf('lp')]]);
  });
});

describe('ordinary traffic stays no pattern', () => {
  it('a paginated list fetched at once (?page=1,2,3…), answers naming the next page', () => {
    const t = new Trace();
    paginatedList(t, rng(7), { path: '/api/items', start: T0, pages: 6, by: 'page', label: 'x' });
    expect(detect(t)).toEqual([]);
  });

  it('list pages by offset (?offset=0,20,40,60)', () => {
    const t = new Trace();
    paginatedList(t, rng(8), { path: '/api/items', start: T0, pages: 4, by: 'offset', label: 'x' });
    expect(detect(t)).toEqual([]);
  });

  it('search as you type (?q=a, ?q=ab, ?q=abc…)', () => {
    const t = new Trace();
    searchAsYouType(t, rng(9), { path: '/api/search', start: T0, word: 'abcdefgh', label: 'x' });
    expect(detect(t)).toEqual([]);
  });

  it('infinite scroll (?page=N at the reader’s pace)', () => {
    const t = new Trace();
    // reading times between pages, as a person scrolls (ms)
    const reading = [2400, 5100, 1300, 3800, 900, 7200, 2600, 4100];
    let at = T0;
    reading.forEach((gap, i) => {
      const body = JSON.stringify({ posts: [{ id: i * 10 }], next_page: i + 2 });
      t.request({ url: `/api/feed?page=${i + 1}`, start: at, end: at + 120, body });
      at += 120 + gap;
    });
    expect(detect(t)).toEqual([]);
  });

  it('generated infinite scrolls are no long-poll', () => {
    for (let seed = 10; seed < 40; seed++) {
      const t = new Trace();
      infiniteScroll(t, rng(seed), { path: '/api/feed', start: T0, pages: 8, label: 'x' });
      expect(
        detect(t).filter((p) => p.kind === 'long-poll'),
        `seed ${seed}`,
      ).toEqual([]);
    }
  });
});
