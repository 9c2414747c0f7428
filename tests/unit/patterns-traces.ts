// Synthetic traffic for the pattern detector's tests and benchmark: a
// builder that turns request descriptions into the PanelRecords messages the
// panel's store ingests, plus seeded generators of loops and ordinary traffic.

import type { CaptureRecord, ConnectionRecord, DocumentInfo, EventRecord } from '../../lib/model';
import { TimelineStore } from '../../lib/timeline/store';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import type { PanelRecords } from '../../lib/wire/records';

export interface RequestSpec {
  url: string;
  start: number;
  /** Completion time; null = still in flight at the end of the trace. */
  end: number | null;
  method?: string;
  transport?: 'xhr' | 'fetch';
  status?: number;
  size?: number;
  /** Ends with an `error` event with this reason instead of receive + close. */
  error?: string;
  /** Response headers arrived (defaults to end). */
  headersAt?: number;
  /** The response's text (defaults to `size` bytes of filler, at most 16 of them captured). */
  body?: string;
  /** The request's body, sent as a `send` event. */
  requestBody?: string;
  /** Response headers (e.g. Retry-After). */
  headers?: Array<[string, string]>;
}

type Unnumbered = Omit<ConnectionRecord, 'seq'> | Omit<EventRecord, 'seq'>;
type Timed = { time: number; order: number; n: number; rec: Unnumbered };

export class Trace {
  private timed: Timed[] = [];
  private nextId = 1;
  private n = 0;
  /** Ids of requests, by the label given when adding them. */
  readonly labels = new Map<string, number[]>();

  constructor(
    readonly docId = 'd1',
    readonly origin = 'http://127.0.0.1:8000',
  ) {}

  key(id: number): string {
    return `${this.docId}:${id}`;
  }

  keysOf(label: string): string[] {
    return (this.labels.get(label) ?? []).map((id) => this.key(id));
  }

  private push(time: number, order: number, rec: Unnumbered): void {
    this.timed.push({ time, order, n: this.n++, rec });
  }

  request(spec: RequestSpec, label?: string): number {
    const id = this.nextId++;
    const url = spec.url.startsWith('http') ? spec.url : `${this.origin}${spec.url}`;
    const transport = spec.transport ?? 'xhr';
    // Order at equal times: a new request is recorded before the completion of
    // another (the page starts the next poll inside the readyState 4 handler).
    this.push(spec.start, 0, {
      r: 'conn',
      time: spec.start,
      id,
      transport,
      url,
      method: spec.method ?? 'GET',
    });
    this.push(spec.start, 1, { r: 'ev', time: spec.start, conn: id, type: 'open' });
    if (spec.requestBody !== undefined)
      this.push(spec.start, 1, {
        r: 'ev',
        time: spec.start,
        conn: id,
        type: 'send',
        data: { text: spec.requestBody },
        size: spec.requestBody.length,
      });
    if (spec.end !== null) {
      if (spec.error !== undefined) {
        this.push(spec.end, 2, { r: 'ev', time: spec.end, conn: id, type: 'error', reason: spec.error });
      } else {
        const status = spec.status ?? 200;
        const size = spec.size ?? (spec.body !== undefined ? new TextEncoder().encode(spec.body).length : 12);
        this.push(spec.end, 2, {
          r: 'ev',
          time: spec.end,
          conn: id,
          type: 'receive',
          status,
          size,
          headersAt: spec.headersAt ?? spec.end,
          ...(spec.headers ? { responseHeaders: spec.headers } : {}),
          ...(spec.body !== undefined
            ? { data: { text: spec.body } }
            : size > 0
              ? { data: { text: 'x'.repeat(Math.min(size, 16)) } }
              : {}),
        });
        this.push(spec.end, 3, { r: 'ev', time: spec.end, conn: id, type: 'close', status });
      }
    }
    if (label) {
      const list = this.labels.get(label) ?? [];
      list.push(id);
      this.labels.set(label, list);
    }
    return id;
  }

  websocket(url: string, start: number, label?: string): number {
    const id = this.nextId++;
    this.push(start, 0, { r: 'conn', time: start, id, transport: 'websocket', url });
    this.push(start + 5, 1, { r: 'ev', time: start + 5, conn: id, type: 'open' });
    if (label) this.labels.set(label, [id]);
    return id;
  }

  /** Capture records in recording order, with sequence numbers. */
  records(): CaptureRecord[] {
    const sorted = [...this.timed].sort((a, b) => a.time - b.time || a.order - b.order || a.n - b.n);
    return sorted.map((t, i) => ({ ...t.rec, seq: i + 1 }) as CaptureRecord);
  }

  /** The records as panel messages of `batch` records each. */
  messages(batch = 50): PanelRecords[] {
    const doc: DocumentInfo = {
      docId: this.docId,
      url: `${this.origin}/`,
      title: 't',
      top: true,
      startedAt: 0,
    };
    const all = this.records();
    const out: PanelRecords[] = [];
    for (let i = 0; i < all.length; i += batch) {
      out.push({
        v: PROTOCOL_VERSION,
        t: 'panel-records',
        tabId: 1,
        frameId: 0,
        doc,
        loss: { evicted: 0, dropped: 0, invalid: 0 },
        records: all.slice(i, i + batch),
      });
    }
    return out;
  }

  store(): TimelineStore {
    const store = new TimelineStore();
    for (const m of this.messages(1000)) store.ingest(m);
    return store;
  }
}

// ---------------------------------------------------------------------------
// seeded generators

export { seededRandom as rng } from '../../scripts/lib/seeded-random';

const between = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();

export interface Expected {
  label: string;
  kind: 'long-poll' | 'polling' | 'retry-storm' | 'busy-loop';
  storm?: boolean;
}

export interface LoopOptions {
  path: string;
  start: number;
  cycles: number;
  label: string;
  method?: string;
  transport?: 'xhr' | 'fetch';
  /** Adds a cache-buster parameter with this name (timestamp value). */
  cacheBuster?: string;
}

/** A long-poll: held 0.3-8 s (some to a 10 s empty timeout), re-issued 0-50 ms later. */
export function longPollLoop(t: Trace, r: () => number, o: LoopOptions): number {
  let at = o.start;
  for (let i = 0; i < o.cycles; i++) {
    const timeout = r() < 0.2;
    const hold = timeout ? 10_000 : between(r, 300, 8000);
    const sep = o.path.includes('?') ? '&' : '?';
    const url = o.cacheBuster ? `${o.path}${sep}${o.cacheBuster}=${Math.round(at)}` : o.path;
    t.request(
      {
        url,
        start: at,
        end: at + hold,
        method: o.method,
        transport: o.transport,
        status: timeout ? 204 : 200,
        size: timeout ? 0 : 40,
      },
      o.label,
    );
    at += hold + between(r, 0, 50);
  }
  return at;
}

/** A polling loop: a timer every `interval` ms (± jitter), answered in 5-120 ms. */
export function pollingLoop(
  t: Trace,
  r: () => number,
  o: LoopOptions & { interval: number; jitter: number; style?: 'interval' | 'timeout' },
): number {
  let at = o.start;
  for (let i = 0; i < o.cycles; i++) {
    const hold = between(r, 5, 120);
    const sep = o.path.includes('?') ? '&' : '?';
    const url = o.cacheBuster ? `${o.path}${sep}${o.cacheBuster}=${Math.round(at)}` : o.path;
    t.request({ url, start: at, end: at + hold, method: o.method, transport: o.transport }, o.label);
    const tick = o.interval * (1 + between(r, -o.jitter, o.jitter)) + between(r, 0, 8);
    at += (o.style === 'timeout' ? hold : 0) + tick;
  }
  return at;
}

/**
 * The seed's snippet: every response fires readystatechange 2, 3 and 4, each
 * scheduling a new poll 1 s later, so each generation is 3x the previous one.
 * `siblingGapMs`: how far apart the three timers fire (0.1 ms, or tens of ms
 * on a loaded machine); `body`: the answer's text.
 */
export function seedStorm(
  t: Trace,
  o: {
    path: string;
    start: number;
    hold: number;
    generations: number;
    label: string;
    siblingGapMs?: number;
    body?: string;
  },
): void {
  const apart = o.siblingGapMs ?? 0.1;
  let gen = [o.start];
  for (let g = 0; g < o.generations; g++) {
    const next: number[] = [];
    for (const [i, s] of gen.entries()) {
      const start = s + i * 0.25;
      const end = start + o.hold;
      t.request({ url: o.path, start, end, ...(o.body !== undefined ? { body: o.body } : {}) }, o.label);
      // readyState 2, 3, 4 at the end of a response that was held then sent at once
      next.push(end + 1000, end + 1000 + apart, end + 1000 + 2 * apart);
    }
    gen = next;
  }
}

/** Ordinary REST use: a handful of endpoints called at irregular, human times. */
export function restTraffic(t: Trace, r: () => number, o: { start: number; calls: number }): void {
  const endpoints = ['/api/user', '/api/items', '/api/cart', '/api/search?q=shoes', '/api/items?page=2'];
  let at = o.start;
  for (let i = 0; i < o.calls; i++) {
    const ep = endpoints[Math.floor(r() * endpoints.length)] as string;
    const hold = between(r, 20, 400);
    const method = r() < 0.2 ? 'POST' : 'GET';
    t.request({ url: ep, start: at, end: at + hold, method });
    at += -Math.log(1 - r()) * 4000 + 50;
  }
}

/** Page assets and a burst of parallel API calls with counter-like ids. */
export function assetsAndBurst(t: Trace, r: () => number, start: number): void {
  for (const a of ['/app.js', '/app.css', '/logo.png', '/font.woff2', '/vendor.js'])
    t.request({ url: a, start: start + r() * 20, end: start + 50 + r() * 200, size: 5000 });
  for (let i = 1; i <= 8; i++)
    t.request({ url: `/api/item?id=${i}`, start: start + 300 + i, end: start + 400 + r() * 300 });
}

/** A failing request retried with exponential back-off, finally succeeding or not. */
export function retriesWithBackoff(
  t: Trace,
  r: () => number,
  o: { path: string; start: number; tries: number; succeedLast: boolean },
): void {
  let at = o.start;
  let backoff = 1000;
  for (let i = 0; i < o.tries; i++) {
    const last = i === o.tries - 1;
    const hold = between(r, 10, 60);
    if (last && o.succeedLast) t.request({ url: o.path, start: at, end: at + hold });
    else if (r() < 0.5) t.request({ url: o.path, start: at, end: at + hold, status: 503 });
    else t.request({ url: o.path, start: at, end: at + hold, error: 'network error' });
    at += hold + backoff;
    backoff *= 2;
  }
}

// ---------------------------------------------------------------------------
// loops that carry a cursor, and the ordinary traffic they must not be confused with

export type CursorStyle = 'inbox' | 'inbox-silent' | 'matrix' | 'couchdb' | 'telegram';

/** A Matrix-style opaque sync token for position n. */
export const matrixToken = (n: number): string => `s${72594 + n}_${4483 + 3 * n}_${1934 + (n % 7)}`;
/** A CouchDB-style update sequence for position n. */
export const couchSeq = (n: number): string =>
  `${12 + n}-g1AAAAFReJzLYWBg4MhgTmEQTM4vTc5ISXIwNDLXMwBCwxygOFMiQ5L8${String.fromCharCode(65 + (n % 26))}${n}`;

/**
 * A long-poll that passes a cursor and advances it only when the answer had
 * news (every `newsEvery`-th answer):
 * - inbox: `?since=N`, held 300-500 ms; news answers `{"messages":[…],"next":N+1}`,
 *   the others 204 (the server let go);
 * - inbox-silent: the same with answers that do not repeat the cursor (it still only moves forward);
 * - matrix: `/sync?since=<next_batch>&timeout=30000`, the first sync without `since`;
 * - couchdb: `_changes?feed=longpoll&since=<last_seq>`, starting at `since=0`;
 * - telegram: `getUpdates?offset=<last update_id + 1>&timeout=…`.
 */
export function cursorLongPoll(
  t: Trace,
  r: () => number,
  o: { path: string; style: CursorStyle; start: number; cycles: number; label: string; newsEvery?: number },
): number {
  let at = o.start;
  let n = 0;
  const every = o.newsEvery ?? 2;
  const sep = o.path.includes('?') ? '&' : '?';
  for (let i = 0; i < o.cycles; i++) {
    const news = i % every === every - 1;
    const fast = o.style === 'inbox' || o.style === 'inbox-silent';
    const hold = fast ? between(r, 300, 500) : news ? between(r, 200, 3000) : between(r, 5000, 30_000);
    let url: string;
    let body: string;
    let status = 200;
    switch (o.style) {
      case 'inbox':
      case 'inbox-silent':
        url = `${o.path}${sep}since=${n}`;
        body = news
          ? JSON.stringify({
              messages: [{ id: n + 1, text: 'hello' }],
              ...(o.style === 'inbox' ? { next: n + 1 } : {}),
            })
          : '';
        if (!news) status = 204;
        break;
      case 'matrix':
        url =
          i === 0 ? `${o.path}${sep}timeout=30000` : `${o.path}${sep}since=${matrixToken(n)}&timeout=30000`;
        body = JSON.stringify({
          next_batch: matrixToken(news || i === 0 ? n + 1 : n),
          rooms: news ? { join: { '!r:h': { timeline: { events: [{ type: 'm.room.message' }] } } } } : {},
        });
        break;
      case 'couchdb':
        url = `${o.path}${sep}feed=longpoll&since=${n === 0 ? '0' : couchSeq(n)}`;
        body = JSON.stringify({
          results: news ? [{ seq: couchSeq(n + 1), id: `doc${n}`, changes: [{ rev: '1-a' }] }] : [],
          last_seq: couchSeq(news ? n + 1 : Math.max(n, 1)),
        });
        break;
      case 'telegram':
        url = `${o.path}${sep}offset=${1000 + n}&timeout=25`;
        body = JSON.stringify({
          ok: true,
          result: news ? [{ update_id: 1000 + n, message: { text: 'hi' } }] : [],
        });
        break;
    }
    t.request({ url, start: at, end: at + hold, status, body }, o.label);
    // couchdb's first `since` is 0, then the first last_seq it was given
    if (news || (o.style === 'matrix' && i === 0) || (o.style === 'couchdb' && n === 0)) n++;
    at += hold + between(r, 0, 30);
  }
  return at;
}

/** A list fetched page by page at once (`?page=1,2,3…`, or `?offset=20,40…`), each answered with data, then done. */
export function paginatedList(
  t: Trace,
  r: () => number,
  o: { path: string; start: number; pages: number; by: 'page' | 'offset'; label: string },
): number {
  let at = o.start;
  const sep = o.path.includes('?') ? '&' : '?';
  for (let i = 0; i < o.pages; i++) {
    const value = o.by === 'page' ? i + 1 : i * 20;
    const hold = between(r, 40, 250);
    const body = JSON.stringify({
      items: [{ id: i * 20 + 1 }, { id: i * 20 + 2 }],
      next: value + (o.by === 'page' ? 1 : 20),
    });
    t.request({ url: `${o.path}${sep}${o.by}=${value}`, start: at, end: at + hold, body }, o.label);
    at += hold + between(r, 1, 20);
  }
  return at;
}

/** Search as you type: `?q=a`, `?q=ab`… a request per keystroke, 120-400 ms apart. */
export function searchAsYouType(
  t: Trace,
  r: () => number,
  o: { path: string; start: number; word: string; label: string },
): number {
  let at = o.start;
  for (let i = 1; i <= o.word.length; i++) {
    const q = o.word.slice(0, i);
    const hold = between(r, 30, 150);
    const body = JSON.stringify({ results: [o.word.slice(0, i + 1), `${q}s`, o.word], q });
    t.request({ url: `${o.path}?q=${q}`, start: at, end: at + hold, body }, o.label);
    at += between(r, 120, 400);
  }
  return at;
}

/** Infinite scroll: `?page=N` each time the reader reaches the bottom (reading times: 0.6 s + exponential, mean 3 s). */
export function infiniteScroll(
  t: Trace,
  r: () => number,
  o: { path: string; start: number; pages: number; label: string },
): number {
  let at = o.start;
  for (let i = 1; i <= o.pages; i++) {
    const hold = between(r, 60, 300);
    const body = JSON.stringify({ posts: [{ id: i * 10 }], page: i, next_page: i + 1 });
    t.request({ url: `${o.path}?page=${i}`, start: at, end: at + hold, body }, o.label);
    at += hold + 600 - Math.log(1 - r()) * 3000;
  }
  return at;
}

// ---------------------------------------------------------------------------
// retry storms and busy loops, and the fast ordinary traffic they must not be confused with

/**
 * A failing request re-sent 0-`maxDelay` ms after each failure, `tries` times:
 * 503s, network errors, or 429s whose Retry-After (2 s) is ignored.
 */
export function tightRetries(
  t: Trace,
  r: () => number,
  o: {
    path: string;
    start: number;
    tries: number;
    maxDelay: number;
    failure: '503' | 'network' | '429';
    label: string;
  },
): number {
  let at = o.start;
  for (let i = 0; i < o.tries; i++) {
    const hold = between(r, 5, 80);
    const fail =
      o.failure === 'network'
        ? { error: 'network error' }
        : o.failure === '429'
          ? { status: 429, headers: [['Retry-After', '2']] as Array<[string, string]> }
          : { status: 503 };
    t.request({ url: o.path, method: 'POST', start: at, end: at + hold, ...fail }, o.label);
    at += hold + between(r, 0, o.maxDelay);
  }
  return at;
}

/** A 429 or 503 retried after the Retry-After it carries (1-3 s), plus up to 20 % more. */
export function retriesHonouringRetryAfter(
  t: Trace,
  r: () => number,
  o: { path: string; start: number; tries: number; label: string },
): number {
  let at = o.start;
  for (let i = 0; i < o.tries; i++) {
    const hold = between(r, 5, 80);
    const seconds = 1 + Math.floor(r() * 3);
    t.request(
      {
        url: o.path,
        start: at,
        end: at + hold,
        status: r() < 0.5 ? 429 : 503,
        headers: [['Retry-After', String(seconds)]],
      },
      o.label,
    );
    at += hold + seconds * 1000 * between(r, 1, 1.2);
  }
  return at;
}

/** A long-poll whose server answers at once: held 3-60 ms, re-requested 0-20 ms later. */
export function busyLongPoll(
  t: Trace,
  r: () => number,
  o: { path: string; start: number; cycles: number; label: string; cacheBuster?: string },
): number {
  let at = o.start;
  for (let i = 0; i < o.cycles; i++) {
    const hold = between(r, 3, 60);
    const sep = o.path.includes('?') ? '&' : '?';
    const url = o.cacheBuster ? `${o.path}${sep}${o.cacheBuster}=${Math.round(at)}` : o.path;
    t.request({ url, start: at, end: at + hold, size: r() < 0.5 ? 0 : 20 }, o.label);
    at += hold + between(r, 0, 20);
  }
  return at;
}

/** A crawl through many pages as fast as the server answers (10-90 ms), by page number or opaque cursor. */
export function fastCrawl(
  t: Trace,
  r: () => number,
  o: { path: string; start: number; pages: number; by: 'page' | 'cursor'; label: string },
): number {
  let at = o.start;
  for (let i = 0; i < o.pages; i++) {
    const hold = between(r, 10, 90);
    const value =
      o.by === 'page' ? String(i + 1) : `c${(1e9 + i * 7919 + Math.floor(r() * 1e6)).toString(36)}`;
    t.request({ url: `${o.path}?${o.by}=${value}`, start: at, end: at + hold, size: 2000 }, o.label);
    at += hold + between(r, 0, 15);
  }
  return at;
}

/** A batch of different resources fetched one after the other at once (`/api/doc/1`, `/api/doc/2`…). */
export function sequentialBatch(t: Trace, r: () => number, o: { start: number; count: number }): void {
  let at = o.start;
  for (let i = 0; i < o.count; i++) {
    const hold = between(r, 10, 90);
    t.request({ url: `/api/doc/${i + 1}`, start: at, end: at + hold });
    at += hold + between(r, 0, 10);
  }
}
