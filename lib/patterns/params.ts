// The endpoint key: method + origin + path + the stable part of the query.
//
// A query parameter is dropped from the key when its value changes between
// requests to the same method+origin+path AND it looks volatile (a timestamp,
// a counter, a random number or id, or a common cache-buster name). A
// parameter whose value stays constant (Engine.IO `sid`, `channel=news`) or
// whose changing values look meaningful (`q=shoes`) is kept. Every decision
// carries a sentence saying why, shown in the panel and exported.

import { RULES } from './rules';
import { looksLikeTimestamp, shapeOf, type ValueShape } from './shapes';

export interface ParamDecision {
  name: string;
  kept: boolean;
  reason: string;
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

  /** Records one request's value; returns true when the keep/drop decision changed. */
  observe(value: string): boolean {
    if (this.count === 0) this.firstValue = value;
    this.count++;
    if (!this.overflow) {
      this.values.add(value);
      if (this.values.size > MAX_TRACKED_VALUES) this.overflow = true;
    }
    this.shapes[shapeOf(value)]++;
    if (this.last !== null && /^\d+$/.test(value) && /^\d+$/.test(this.last)) {
      this.steps++;
      if (Number(value) > Number(this.last)) this.increasing++;
    }
    this.last = value;
    // A constant timestamp-looking value may still start changing later (a
    // per-second timestamp on a fast loop), so that one case is never frozen.
    const timestampKept = this.decision.kept && this.share('timestamp') >= RULES.params.distinctRatio;
    if (this.frozen && !timestampKept) return false;
    const before = this.decision.kept;
    this.decision = this.decide();
    if (this.count >= RULES.params.freezeAt) this.frozen = true;
    return this.count > 1 && before !== this.decision.kept;
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
    if (d / k >= RULES.params.distinctRatio) {
      if (shape === 'random-number')
        return drop(`value changes on every request (${tally}) and looks like a random number`);
      if (shape === 'integer' && this.steps > 0 && this.increasing / this.steps >= RULES.params.distinctRatio)
        return drop(`value changes on every request (${tally}) and counts up: a counter or cursor`);
      if (shape === 'integer' && this.firstValue.length >= 6)
        return drop(`value changes on every request (${tally}) and looks like a random number`);
      if (shape === 'random-id')
        return drop(`value changes on every request (${tally}) and looks like a random id, nonce or cursor`);
      if (isCacheBusterName)
        return drop(`value changes on every request (${tally}) and "${name}" is a common cache-buster name`);
      return keep(`values change (${tally}) but look meaningful, so they select different resources`);
    }
    return keep(`values repeat (${tally}): it identifies a stable channel or session`);
  }
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

  /** Records a request's parameters; returns true when an earlier request's key may have changed. */
  observe(params: Array<[string, string]>): boolean {
    let flipped = false;
    for (const [name, value] of params) {
      let s = this.stats.get(name);
      if (!s) {
        s = new ParamStats(name, this.engineIo && name === 'sid' ? 'session-id' : null);
        this.stats.set(name, s);
      }
      if (s.observe(value)) flipped = true;
    }
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
