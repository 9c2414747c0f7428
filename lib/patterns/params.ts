// The endpoint key: method + origin + path + the stable part of the query.
//
// A query parameter is dropped from the key when its value changes between
// requests to the same method+origin+path AND it looks volatile (a timestamp,
// a counter, a random number or id, or a common cache-buster name). A
// parameter whose value stays constant (Engine.IO `sid`, `channel=news`) or
// whose changing values look meaningful (`q=shoes`) is kept. Every decision
// carries a sentence saying why, shown in the panel and exported.
//
// A cursor (Matrix `since`, CouchDB `since`, Telegram `offset`, an inbox's
// last id) is dropped too, however often it moves: its value comes from the
// previous answer of the same route, or it only moves forward. Such a
// parameter often repeats (it advances only when there is news), so without
// this rule every cursor value would be a channel of its own.

import type { Answer } from './answers';
import { RULES } from './rules';
import { looksLikeTimestamp, shapeOf, type ValueShape } from './shapes';

export interface ParamDecision {
  name: string;
  kept: boolean;
  reason: string;
  /** Dropped as a cursor: the loop's position, shown as its progress. */
  cursor?: true;
}

const MAX_TRACKED_VALUES = 64;
const CACHE_BUSTERS = new Set(RULES.params.cacheBusterNames);

class ParamStats {
  count = 0;
  private readonly values = new Set<string>();
  private overflow = false;
  private last: string | null = null;
  private steps = 0;
  private increasing = 0;
  private readonly shapes: Record<ValueShape, number> = {
    timestamp: 0,
    'random-number': 0,
    'random-id': 0,
    integer: 0,
    other: 0,
  };
  private firstValue = '';
  /** Requests whose value differed from the previous request's. */
  private changes = 0;
  /** Changes to a machine-made value found in the route's previous answer. */
  private echoed = 0;
  /** Changes that came after an answer with content. */
  private afterNews = 0;
  /** Changes back to a value seen before (a cursor never returns). */
  private revisits = 0;
  /** Changes to a value that is not machine-made (a word: a search term, a name). */
  private wordChanges = 0;
  /** Every value an integer, none smaller than the one before. */
  private nonDecreasing = true;
  private increases = 0;
  frozen = false;
  decision: ParamDecision;

  constructor(
    readonly name: string,
    private readonly protocolRole: 'session-id' | null,
  ) {
    this.decision = { name, kept: true, reason: '' };
  }

  get distinct(): number {
    return this.overflow ? this.count : this.values.size;
  }

  /**
   * Records one request's value; returns whether the keep/drop decision
   * changed and whether the value moved (changed, or appeared on a later
   * request of the route) to a machine-made value: such a move is judged
   * against the previous request's answer once that answer is in (judge).
   */
  observe(value: string, appeared = false): { flipped: boolean; moved: boolean } {
    if (this.count === 0) this.firstValue = value;
    this.count++;
    const shape = shapeOf(value);
    const last = this.last;
    // A parameter that first appears on a later request (Matrix's first sync
    // has no `since`) moved from "absent" to its value.
    const changed = (last !== null && value !== last) || (last === null && appeared);
    if (changed) {
      this.changes++;
      if (shape === 'other') this.wordChanges++;
      if (!this.overflow && this.values.has(value)) this.revisits++;
    }
    if (!this.overflow) {
      this.values.add(value);
      if (this.values.size > MAX_TRACKED_VALUES) this.overflow = true;
    }
    this.shapes[shape]++;
    const numeric = /^\d+$/.test(value);
    if (last !== null && numeric && /^\d+$/.test(last)) {
      this.steps++;
      if (Number(value) > Number(last)) {
        this.increasing++;
        this.increases++;
      } else if (Number(value) < Number(last)) this.nonDecreasing = false;
    } else if (!numeric) this.nonDecreasing = false;
    this.last = value;
    const flipped = this.redecide();
    if (this.count >= RULES.params.freezeAt) this.frozen = true;
    return { flipped: this.count > 1 && flipped, moved: changed && shape !== 'other' };
  }

  /**
   * A move of this parameter (see observe) meets the answer of the request
   * before it: echoed from it, or after news? Returns true when the decision
   * changed.
   */
  judge(value: string, answer: Answer | null): boolean {
    // Dropped for good (a cache-buster, a nonce): nothing an answer says can change that.
    if (this.frozen && !this.decision.kept) return false;
    if (answer?.hadContent) this.afterNews++;
    if (echoes(value, answer)) this.echoed++;
    return this.redecide();
  }

  /** Decides again unless frozen; returns true when kept/dropped changed. */
  private redecide(): boolean {
    // A constant timestamp-looking value may still start changing later (a
    // per-second timestamp on a fast loop), and a cursor may advance for the
    // first time late (when news is rare): those cases are never frozen while
    // kept. Dropping them only merges channels.
    const timestampKept = this.decision.kept && this.share('timestamp') >= RULES.params.distinctRatio;
    const cursorKept = this.decision.kept && this.mayBeCursor();
    if (this.frozen && !timestampKept && !cursorKept) return false;
    const before = this.decision.kept;
    this.decision = this.decide();
    return before !== this.decision.kept;
  }

  /** Still consistent with a cursor (so worth re-judging after the freeze). */
  private mayBeCursor(): boolean {
    if (this.changes === 0 || this.wordChanges > 0 || this.revisits > 0) return false;
    return this.echoed > 0 || this.nonDecreasing || this.afterNews === this.changes;
  }

  /** Whether the value moves at all, and only to values never seen before that are not words. */
  private movesLikeCursor(): boolean {
    return this.changes > 0 && this.wordChanges === 0 && this.revisits === 0;
  }

  /** "Its value comes from the previous response" (see docs/patterns.md, "Endpoint key"), or null. */
  private echoReason(): string | null {
    const c = RULES.params.cursor;
    if (!this.movesLikeCursor() || this.echoed < c.minEchoes || this.echoed < c.echoShare * this.changes)
      return null;
    return `cursor — its value comes from the previous response (${this.echoed} of ${this.moves()})`;
  }

  /** "Its value only moves forward", or null. */
  private forwardReason(): string | null {
    const c = RULES.params.cursor;
    if (!this.movesLikeCursor() || this.changes < c.minForwardMoves) return null;
    if (this.nonDecreasing && this.increases >= c.minForwardMoves)
      return `cursor — its value only moves forward (${this.moves()}, never back)`;
    const repeats = this.count - 1 - this.changes;
    if (this.afterNews === this.changes && repeats > 0)
      return `cursor — its value only moves forward (${this.moves()}, each after an answer with news, never back to an earlier value)`;
    return null;
  }

  private moves(): string {
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    return `${plural(this.changes, 'change')} in ${plural(this.count, 'request')}`;
  }

  private share(shape: ValueShape): number {
    return this.count === 0 ? 0 : this.shapes[shape] / this.count;
  }

  private dominantShape(): ValueShape {
    const ratio = RULES.params.distinctRatio;
    for (const s of ['timestamp', 'random-number', 'random-id', 'integer'] as const)
      if (this.share(s) >= ratio) return s;
    return 'other';
  }

  private decide(): ParamDecision {
    const name = this.name;
    const keep = (reason: string): ParamDecision => ({ name, kept: true, reason: `kept: ${reason}` });
    const drop = (reason: string): ParamDecision => ({ name, kept: false, reason: `dropped: ${reason}` });
    if (this.protocolRole === 'session-id')
      return keep('Engine.IO session id, constant for one session, so one session is one channel');
    const k = this.count;
    const d = this.distinct;
    const shape = this.dominantShape();
    const isCacheBusterName = CACHE_BUSTERS.has(name.toLowerCase());
    const echo = this.echoReason();
    if (echo) return { ...drop(echo), cursor: true };
    if (k === 1) {
      const v = this.firstValue;
      if (looksLikeTimestamp(v)) return drop('looks like a timestamp (seen once; assumed to change)');
      if (shape === 'random-number') return drop('looks like a random number (seen once; assumed to change)');
      if (shape === 'random-id')
        return drop('looks like a random id or nonce (seen once; assumed to change)');
      if (isCacheBusterName && v !== '')
        return drop(`"${name}" is a common cache-buster name (seen once; assumed to change)`);
      return keep('seen once, value looks meaningful');
    }
    const tally = `${d} distinct values in ${k} requests`;
    if (d === 1) return keep(`value constant across ${k} requests: it names a stable resource or session`);
    if (shape === 'timestamp')
      return drop(`value changes between requests (${tally}) and looks like a timestamp`);
    const forward = this.forwardReason();
    if (d / k >= RULES.params.distinctRatio) {
      if (shape === 'random-number')
        return drop(`value changes on every request (${tally}) and looks like a random number`);
      if (shape === 'integer' && this.steps > 0 && this.increasing / this.steps >= RULES.params.distinctRatio)
        return {
          ...drop(`value changes on every request (${tally}) and counts up: a counter or cursor`),
          cursor: true,
        };
      if (shape === 'integer' && this.firstValue.length >= 6)
        return drop(`value changes on every request (${tally}) and looks like a random number`);
      if (shape === 'random-id')
        return drop(`value changes on every request (${tally}) and looks like a random id, nonce or cursor`);
      if (isCacheBusterName)
        return drop(`value changes on every request (${tally}) and "${name}" is a common cache-buster name`);
      if (forward) return { ...drop(forward), cursor: true };
      return keep(`values change (${tally}) but look meaningful, so they select different resources`);
    }
    if (forward) return { ...drop(forward), cursor: true };
    return keep(`values repeat (${tally}): it identifies a stable channel or session`);
  }
}

/**
 * The value is one of the previous answer's values, or one past one (Telegram:
 * `offset` = the last `update_id` + 1).
 */
function echoes(value: string, answer: Answer | null): boolean {
  if (!answer) return false;
  const values = answer.values();
  if (values.has(value)) return true;
  return /^[1-9]\d{0,14}$/.test(value) && values.has(String(Number(value) - 1));
}

export interface ParsedUrl {
  origin: string;
  path: string;
  /** Parameters in first-seen order; repeated names joined with ','. */
  params: Array<[string, string]>;
}

/** Whatever the URL standard makes of `url` (the reference for the fast path below). */
export function parseUrlWithUrlApi(url: string): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const q = url.indexOf('?');
    return { origin: '', path: q < 0 ? url : url.slice(0, q), params: [] };
  }
  return { origin: u.origin, path: u.pathname, params: groupParams(u.searchParams) };
}

function groupParams(pairs: Iterable<[string, string]>): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  const index = new Map<string, number>();
  for (const [name, value] of pairs) {
    const at = index.get(name);
    const entry = at === undefined ? undefined : params[at];
    if (entry) entry[1] = `${entry[1]},${value}`;
    else {
      index.set(name, params.length);
      params.push([name, value]);
    }
  }
  return params;
}

/** Printable ASCII without spaces: the standard neither strips, removes nor encodes any of it. */
const PLAIN = /^[\x21-\x7e]*$/;
/** Characters a query's form decoding changes ('+' is a space, '%' starts an escape). */
const ENCODED = /[%+]/;

function plainPairs(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return pairs;
}

/** Origin and path of URLs up to their query, by that prefix: a polling loop repeats a few. */
const bases = new Map<string, { origin: string; path: string } | null>();
const MAX_BASES = 2000;

/**
 * The same result as parseUrlWithUrlApi, without a URL object per request:
 * every request of a loop has the same origin and path (parsed once, then
 * looked up) and a query that needs no decoding (split by hand). Anything
 * else goes through the URL API.
 */
export function parseUrl(url: string): ParsedUrl {
  if (!PLAIN.test(url)) return parseUrlWithUrlApi(url);
  const q = url.indexOf('?');
  const h = url.indexOf('#');
  // The query runs from the first '?' to the first '#' after it; a '#' first means no query.
  const baseEnd = q >= 0 && (h < 0 || q < h) ? q : h >= 0 ? h : url.length;
  const base = url.slice(0, baseEnd);
  let parsed = bases.get(base);
  if (parsed === undefined) {
    try {
      const u = new URL(base);
      parsed = { origin: u.origin, path: u.pathname };
    } catch {
      parsed = null;
    }
    if (bases.size >= MAX_BASES) bases.clear();
    bases.set(base, parsed);
  }
  if (parsed === null) return parseUrlWithUrlApi(url);
  const query = baseEnd === q ? url.slice(q + 1, h > q ? h : url.length) : '';
  const pairs = ENCODED.test(query) ? new URLSearchParams(query) : plainPairs(query);
  return { origin: parsed.origin, path: parsed.path, params: groupParams(pairs) };
}

/** One method + origin + path in one document, with what its parameters have shown so far. */
export class Route {
  private readonly stats = new Map<string, ParamStats>();
  readonly engineIo: boolean;
  /** Requests observed so far. */
  private requests = 0;

  constructor(
    readonly id: string,
    readonly docId: string,
    readonly method: string,
    readonly origin: string,
    readonly path: string,
    firstParams: Array<[string, string]>,
  ) {
    this.engineIo = firstParams.some(([n]) => n === 'EIO') && firstParams.some(([n]) => n === 'transport');
  }

  /**
   * Records a request's parameters; returns true when an earlier request's
   * key may have changed. Parameters that moved to a machine-made value are
   * added to `moves`, to be judged against the previous request's answer.
   */
  observe(params: Array<[string, string]>, moves: Array<[string, string]> = []): boolean {
    let flipped = false;
    for (const [name, value] of params) {
      let s = this.stats.get(name);
      if (!s) {
        s = new ParamStats(name, this.engineIo && name === 'sid' ? 'session-id' : null);
        this.stats.set(name, s);
      }
      const seen = s.observe(value, this.requests > 0);
      if (seen.flipped) flipped = true;
      if (seen.moved) moves.push([name, value]);
    }
    this.requests++;
    return flipped;
  }

  /**
   * Judges a request's moves (from observe) against the answer of the
   * route's request before it (null: it failed or had none). Returns true
   * when a decision changed.
   */
  judge(moves: ReadonlyArray<[string, string]>, answer: Answer | null): boolean {
    let flipped = false;
    for (const [name, value] of moves) if (this.stats.get(name)?.judge(value, answer)) flipped = true;
    return flipped;
  }

  private kept(name: string): boolean {
    return this.stats.get(name)?.decision.kept ?? true;
  }

  /** The endpoint key (identity) and the display URL for a request's parameters. */
  keyOf(params: Array<[string, string]>): { key: string; url: string } {
    const kept = params.filter(([n]) => this.kept(n));
    const display = kept.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`);
    const url = `${this.origin}${this.path}${display.length ? `?${display.join('&')}` : ''}`;
    const identity = display.slice().sort().join('&');
    return { key: `${this.id}?${identity}`, url };
  }

  /** The decision for every parameter this route has seen, in first-seen order. */
  decisions(): ParamDecision[] {
    return [...this.stats.values()].map((s) => s.decision);
  }
}
