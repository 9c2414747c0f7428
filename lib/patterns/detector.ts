// The incremental pattern detector: feed it connections and events in arrival
// order (or point it at a TimelineStore), read patterns. See index.ts for the
// API and docs/patterns.md for the rules.

import type { Connection, TimelineEvent } from '../timeline/store';
import { Answer, MAX_ANSWER_TEXT } from './answers';
import { BusyLoops } from './busy';
import { Channel, type ChannelHost } from './channel';
import { parseUrl, Route } from './params';
import { type Pattern, PatternImpl, type PatternKind } from './pattern';
import { type PatternIds, ReconnectLoops } from './reconnect';
import { failureOf, type Req } from './request';
import { RetryLoops } from './retry';
import { RULES } from './rules';
import { classifyRequest, engineIoUpgradeSession, sockjsInfoBase, sockjsPath } from './transports';

interface Session {
  pattern: PatternImpl | null;
  sends: Req[];
  upgrade: { connectionKey: string; url: string; startedAt: number } | null;
}

/** The parts of a TimelineStore the detector reads. */
export interface StoreLike {
  connections: readonly Connection[];
  events: readonly TimelineEvent[];
}

/** Min-heap of requests by the time their decision may be taken. */
class DueQueue {
  private readonly items: Req[] = [];
  private due(r: Req): number {
    return r.start + RULES.handoverSlackMs;
  }
  get size(): number {
    return this.items.length;
  }
  push(r: Req): void {
    const a = this.items;
    a.push(r);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.due(a[parent] as Req) <= this.due(r)) break;
      a[i] = a[parent] as Req;
      i = parent;
    }
    a[i] = r;
  }
  peekDue(): number {
    const top = this.items[0];
    return top ? this.due(top) : Number.POSITIVE_INFINITY;
  }
  pop(): Req | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const rr = l + 1;
      const child = rr < a.length && this.due(a[rr] as Req) < this.due(a[l] as Req) ? rr : l;
      if (this.due(a[child] as Req) >= this.due(last)) break;
      a[i] = a[child] as Req;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

export class PatternDetector implements ChannelHost {
  /**
   * One clock and queue of waiting decisions per document: a document's
   * records arrive in capture order, but frames batch independently, so one
   * frame's late batch must not be judged by another frame's clock.
   */
  private docClocks = new Map<string, { clock: number; due: DueQueue }>();
  private latest = Number.NEGATIVE_INFINITY;
  private reqs = new Map<string, Req>();
  /** Connections that are not HTTP exchanges (WebSocket, EventSource): seen, nothing to track. */
  private others = new Set<string>();
  private routes = new Map<string, { route: Route; requests: Req[] }>();
  private channels = new Map<string, Channel>();
  private sessions = new Map<string, Session>();
  private sockjsBases = new Set<string>();
  private byId = new Map<string, PatternImpl>();
  private nextNum = 1;
  /** WebSocket / EventSource reconnect loops (reconnect.ts); they share the pattern ids. */
  private reconnects = this.newReconnectLoops();
  /** HTTP retry storms (retry.ts) and busy loops (busy.ts); they share the pattern ids. */
  private retries = new RetryLoops(this.ids());
  private busy = new BusyLoops(this.ids());
  /** During a rebuild: the pattern id each request had, so ids survive. */
  private reuse: Map<Req, { id: string; num: number }> | null = null;
  private reused = new Set<string>();
  private seenConnections: readonly Connection[] | null = null;
  private seenEvents: readonly TimelineEvent[] | null = null;
  private connIndex = 0;
  private eventIndex = 0;
  /** Bumped on every change to any pattern. */
  version = 0;

  /** Forgets everything (ids keep counting up so the panel never confuses p1 before and after). */
  reset(): void {
    this.docClocks = new Map();
    this.latest = Number.NEGATIVE_INFINITY;
    this.reqs = new Map();
    this.others = new Set();
    this.routes = new Map();
    this.channels = new Map();
    this.sessions = new Map();
    this.sockjsBases = new Set();
    this.byId = new Map();
    this.reconnects = this.newReconnectLoops();
    this.retries = new RetryLoops(this.ids());
    this.busy = new BusyLoops(this.ids());
    this.seenConnections = null;
    this.seenEvents = null;
    this.connIndex = 0;
    this.eventIndex = 0;
    this.version++;
  }

  /** Latest page-clock time seen. */
  get now(): number {
    return this.latest;
  }

  /**
   * Processes what the store gained since the last call, in time order. A
   * store that was cleared or started a new page section (its arrays were
   * replaced) is re-read from the start.
   */
  update(store: StoreLike, now?: number): void {
    const conns = store.connections;
    const events = store.events;
    const replaced = conns !== this.seenConnections || events !== this.seenEvents;
    if (replaced || this.connIndex > conns.length || this.eventIndex > events.length) {
      if (this.seenConnections !== null) this.reset();
      this.seenConnections = conns;
      this.seenEvents = events;
    }
    // Per document, records arrive in capture order: replay each document's
    // new connections and events in that order.
    const perDoc = new Map<string, { conns: Connection[]; events: TimelineEvent[] }>();
    const bucket = (docId: string) => {
      let b = perDoc.get(docId);
      if (!b) {
        b = { conns: [], events: [] };
        perDoc.set(docId, b);
      }
      return b;
    };
    for (; this.connIndex < conns.length; this.connIndex++) {
      const c = conns[this.connIndex] as Connection;
      bucket(c.docId).conns.push(c);
    }
    for (; this.eventIndex < events.length; this.eventIndex++) {
      const e = events[this.eventIndex] as TimelineEvent;
      bucket(e.connection.docId).events.push(e);
    }
    for (const b of perDoc.values()) {
      let ci = 0;
      let ei = 0;
      while (ci < b.conns.length || ei < b.events.length) {
        const c = b.conns[ci];
        const e = b.events[ei];
        // Page-clock time is monotonic within a document; seq breaks ties.
        if (c && (!e || c.startedAt < e.time || (c.startedAt === e.time && c.record.seq <= e.record.seq))) {
          this.onConnection(c);
          ci++;
        } else if (e) {
          this.onEvent(e);
          ei++;
        }
      }
    }
    if (now !== undefined) this.advance(now);
  }

  /** A connection was opened (HTTP request sent, WebSocket created). Idempotent. */
  onConnection(conn: Connection): void {
    if (this.reqs.has(conn.key) || this.others.has(conn.key)) return;
    this.advanceDoc(conn.docId, conn.startedAt);
    if (conn.transport !== 'xhr' && conn.transport !== 'fetch') {
      this.others.add(conn.key);
      if (conn.transport === 'websocket') this.onWebSocket(conn);
      if (this.reconnects.onConnection(conn)) this.version++;
      return;
    }
    const method = (conn.method ?? 'GET').toUpperCase();
    const url = parseUrl(conn.url);
    const routeId = `${conn.docId}|${method} ${url.origin}${url.path}`;
    let entry = this.routes.get(routeId);
    if (!entry) {
      entry = {
        route: new Route(routeId, conn.docId, method, url.origin, url.path, url.params),
        requests: [],
      };
      this.routes.set(routeId, entry);
    }
    const moves: Array<[string, string]> = [];
    const flipped = entry.route.observe(url.params, moves);
    const prev = entry.requests[entry.requests.length - 1] ?? null;
    const infoBase = sockjsInfoBase(conn.docId, method, url);
    if (infoBase) this.sockjsBases.add(infoBase);
    const { key, url: displayUrl } = entry.route.keyOf(url.params);
    const r: Req = {
      conn,
      route: entry.route,
      url,
      known: classifyRequest(conn.docId, method, url),
      sockjsBase: sockjsPath(conn.docId, method, url)?.base ?? null,
      channelKey: key,
      displayUrl,
      start: conn.startedAt,
      done: null,
      status: null,
      failure: null,
      bytes: 0,
      headersAt: null,
      retryAfter: null,
      answerText: '',
      moves,
      awaitingAnswer: null,
      end: null,
      resolved: false,
      pred: null,
      gap: 0,
      conc: 0,
      lp: null,
      poll: null,
      member: null,
      sendOf: null,
    };
    this.reqs.set(conn.key, r);
    if (flipped) this.rekey(entry.requests, entry.route);
    entry.requests.push(r);
    this.channelFor(r).start(r);
    this.retries.onStart(r);
    if (this.busy.onStart(r)) this.version++;
    // A cursor's move is judged by the previous request's answer: now, or
    // once it is complete (a fetch loop may start the next request before
    // the capture recorded the answer).
    if (moves.length > 0 && prev) {
      if (prev.done !== null) this.judge(r, prev, entry);
      else if (prev.awaitingAnswer) prev.awaitingAnswer.push(r);
      else prev.awaitingAnswer = [r];
    }
    // Only the route's latest answer can still be asked: forget the one before.
    if (prev && prev.done !== null) prev.answerText = '';
    if (r.known.role === 'send' && r.known.session) {
      const s = this.session(r.known.session);
      s.sends.push(r);
      s.pattern?.addSend(r);
      this.version++;
    }
  }

  /** An event of a connection, in arrival order. */
  onEvent(ev: TimelineEvent): void {
    if (ev.connection.transport === 'websocket' || ev.connection.transport === 'eventsource') {
      this.onConnection(ev.connection);
      if (this.reconnects.onEvent(ev)) this.version++;
      return;
    }
    let r = this.reqs.get(ev.connection.key);
    if (!r) {
      this.onConnection(ev.connection);
      r = this.reqs.get(ev.connection.key);
      if (!r) return;
    }
    this.advanceDoc(ev.connection.docId, ev.time);
    const rec = ev.record;
    switch (rec.type) {
      case 'receive':
        if (rec.status !== undefined) r.status = rec.status;
        if (r.headersAt === null) r.headersAt = rec.headersAt ?? rec.time;
        if (rec.responseHeaders) {
          const h = rec.responseHeaders.find(([name]) => name.toLowerCase() === 'retry-after');
          if (h) r.retryAfter = h[1];
        }
        r.bytes += rec.size ?? 0;
        if (rec.data && 'text' in rec.data && r.answerText.length < MAX_ANSWER_TEXT)
          r.answerText = (r.answerText + rec.data.text).slice(0, MAX_ANSWER_TEXT);
        break;
      case 'close':
        if (r.done !== null) return;
        if (rec.status !== undefined) r.status = rec.status;
        r.done = rec.time;
        this.complete(r);
        break;
      case 'error':
        if (r.done !== null) return;
        r.failure = failureOf(rec.reason);
        r.done = rec.time;
        this.complete(r);
        break;
    }
  }

  /**
   * Moves every document's clock to `now` (page clock, ms since epoch) and
   * takes the decisions that were waiting for the hand-over slack to pass.
   * Call it on a timer while live so a quiet page still gets its answers.
   */
  advance(now: number): void {
    for (const docId of this.docClocks.keys()) this.advanceDoc(docId, now);
    // A storm ends with time alone (a calm period passes): tell the panel.
    for (const p of this.byId.values()) if (p.reachedEnd(now)) this.version++;
    if (this.reconnects.reachedEnd(now)) this.version++;
    if (this.retries.reachedEnd(now)) this.version++;
    if (this.busy.reachedEnd(now)) this.version++;
  }

  private docClock(docId: string): { clock: number; due: DueQueue } {
    let c = this.docClocks.get(docId);
    if (!c) {
      c = { clock: Number.NEGATIVE_INFINITY, due: new DueQueue() };
      this.docClocks.set(docId, c);
    }
    return c;
  }

  private advanceDoc(docId: string, now: number): void {
    const c = this.docClock(docId);
    if (now > this.latest && now < Number.MAX_VALUE) this.latest = now;
    if (!(now > c.clock)) return;
    c.clock = now;
    while (c.due.size > 0 && c.due.peekDue() < now) {
      const r = c.due.pop();
      if (r && !r.resolved) this.channelOf(r)?.resolve(r);
    }
  }

  /** Takes every waiting decision now (end of an imported timeline). */
  flush(): void {
    this.advance(Number.MAX_VALUE);
  }

  /** Patterns in order of recognition, as snapshots. `now` decides the live state. */
  patterns(now: number = this.latest): Pattern[] {
    const http = [...this.byId.values()].map((p) => ({ num: p.num, pattern: p.snapshot(now) }));
    return [
      ...http,
      ...this.reconnects.snapshots(now),
      ...this.retries.snapshots(now),
      ...this.busy.snapshots(now),
    ]
      .sort((a, b) => a.num - b.num)
      .map((x) => x.pattern);
  }

  /** The pattern a connection belongs to (as a cycle or a send), or null. */
  patternIdOf(connectionKey: string): string | null {
    const r = this.reqs.get(connectionKey);
    const p = r?.member ?? r?.sendOf ?? null;
    if (!r) return this.reconnects.patternIdOf(connectionKey);
    if (p && this.byId.get(p.id) === p) return p.id;
    return this.retries.patternIdOf(connectionKey) ?? this.busy.patternIdOf(connectionKey);
  }

  private ids(): PatternIds {
    return {
      nextPatternId: () => {
        const num = this.nextNum++;
        return { id: `p${num}`, num };
      },
    };
  }

  private newReconnectLoops(): ReconnectLoops {
    return new ReconnectLoops(this.ids());
  }

  // ChannelHost -------------------------------------------------------------

  schedule(r: Req): void {
    this.docClock(r.conn.docId).due.push(r);
  }

  confirm(channel: Channel, kind: PatternKind, root: Req): PatternImpl {
    let id: string | null = null;
    let num = 0;
    if (this.reuse) {
      for (const m of channel.reqs) {
        const old = m.start >= root.start ? this.reuse.get(m) : undefined;
        if (old && !this.reused.has(old.id)) {
          ({ id, num } = old);
          break;
        }
      }
    }
    if (id === null) {
      num = this.nextNum++;
      id = `p${num}`;
    }
    if (this.reuse) this.reused.add(id);
    const head = channel.reqs[0] as Req;
    const p = new PatternImpl(id, num, kind, channel.key, root.route, root, channel.label);
    this.byId.set(id, p);
    for (const m of channel.reqs) if (m.start >= root.start) p.addMember(m);
    p.sealBaseline();
    const sessionKey = head.known.session;
    if (sessionKey && head.known.role === 'poll') {
      const s = this.session(sessionKey);
      s.pattern = p;
      for (const send of s.sends) p.addSend(send);
      p.upgrade = s.upgrade;
    }
    this.version++;
    return p;
  }

  // internals ---------------------------------------------------------------

  private session(key: string): Session {
    let s = this.sessions.get(key);
    if (!s) {
      s = { pattern: null, sends: [], upgrade: null };
      this.sessions.set(key, s);
    }
    return s;
  }

  private onWebSocket(conn: Connection): void {
    const key = engineIoUpgradeSession(conn.docId, parseUrl(conn.url));
    if (!key) return;
    const s = this.session(key);
    s.upgrade = { connectionKey: conn.key, url: conn.url, startedAt: conn.startedAt };
    if (s.pattern) {
      s.pattern.upgrade = s.upgrade;
      s.pattern.version++;
      this.version++;
    }
  }

  private channelOf(r: Req): Channel | undefined {
    return this.channels.get(r.channelKey);
  }

  private channelFor(r: Req): Channel {
    let ch = this.channels.get(r.channelKey);
    if (!ch) {
      const { label, role, session } = r.known;
      const early =
        role === 'poll' &&
        session !== null &&
        (label === 'engine.io' || (r.sockjsBase !== null && this.sockjsBases.has(r.sockjsBase)));
      ch = new Channel(r.channelKey, this, role === 'send', label, early);
      this.channels.set(r.channelKey, ch);
    }
    return ch;
  }

  private complete(r: Req): void {
    if (this.retries.onEnd(r, r.retryAfter ?? undefined)) this.version++;
    if (this.busy.onEnd(r)) this.version++;
    const ch = this.channelOf(r);
    if (!ch) return;
    ch.end(r);
    if (r.member) this.version++;
    const entry = this.routes.get(r.route.id);
    if (!entry) return;
    const waiting = r.awaitingAnswer;
    r.awaitingAnswer = null;
    if (waiting) for (const next of waiting) this.judge(next, r, entry);
    if (entry.requests[entry.requests.length - 1] !== r) r.answerText = '';
  }

  /** Judges `r`'s parameter moves by the answer of `prev` (the route's request before it); re-keys on a change. */
  private judge(r: Req, prev: Req, entry: { route: Route; requests: Req[] }): void {
    const answer = prev.failure === null ? new Answer(prev.answerText, prev.bytes, prev.status) : null;
    if (entry.route.judge(r.moves, answer)) this.rekey(entry.requests, entry.route);
  }

  /**
   * A parameter decision of this route changed: recompute its requests'
   * keys and rebuild the channels they leave or join, keeping pattern ids.
   */
  private rekey(requests: readonly Req[], route: Route): void {
    const touched = new Set<string>();
    for (const r of requests) {
      const { key, url } = route.keyOf(r.url.params);
      r.displayUrl = url;
      if (key === r.channelKey) continue;
      touched.add(r.channelKey);
      touched.add(key);
      r.channelKey = key;
    }
    if (touched.size === 0) return;
    const members = new Map<string, Req[]>();
    for (const key of touched) members.set(key, []);
    const oldIds = new Map<Req, { id: string; num: number }>();
    for (const key of touched) {
      const ch = this.channels.get(key);
      if (!ch) continue;
      const p = ch.pattern;
      if (p) {
        for (const m of ch.reqs) if (m.member === p) oldIds.set(m, { id: p.id, num: p.num });
        this.byId.delete(p.id);
        for (const s of this.sessions.values()) if (s.pattern === p) s.pattern = null;
      }
      for (const m of ch.reqs) members.get(m.channelKey)?.push(m);
      this.channels.delete(key);
    }
    this.reuse = oldIds;
    this.reused = new Set();
    for (const list of members.values()) {
      if (list.length === 0) continue;
      const first = list.reduce((a, b) => (b.start < a.start ? b : a));
      const ch = this.channelFor(first);
      ch.rebuild(list, this.docClock(route.docId).clock);
      for (const m of list) if (!m.resolved) this.schedule(m);
    }
    this.reuse = null;
    this.reused = new Set();
    this.version++;
  }
}
