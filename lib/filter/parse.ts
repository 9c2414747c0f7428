// The panel's filter language, parsed into clauses that are ANDed together:
//   hello              plain text (case-insensitive) in payload, URL, event name, reason
//   "two words"        quoted text
//   /ping|pong/i       regular expression over the same text
//   transport:ws,sse   field filters (see FIELDS), comma = any of
//   size>1k size<=2mb  comparisons with units (b, k/kb, m/mb, g/gb; 1k = 1024 bytes)
//   -term              negation of any clause
//   proto:stomp event:chat topic:sensors/# op:GetUser latency>200ms unanswered
//                      decoded application protocols (lib/decode): the protocol,
//                      an event / topic / operation name, a request's answer time
// Chrome DevTools' Network-panel keys work too (status-code:, larger-than:,
// method:, domain:, mime-type:, is:running), so its users can type what they know.
// Parsing never throws: a bad token becomes an error with its position, and the
// remaining clauses still apply, so a half-typed query keeps the list useful.

import type { EventType, Transport } from '../model';

export type Comparison = '=' | '>' | '>=' | '<' | '<=';

export type TextMatcher = { kind: 'substring'; lower: string } | { kind: 'regex'; re: RegExp };

/** A topic filter: text, or an MQTT topic filter with + (one level) and # (the rest). */
export type TopicMatcher = TextMatcher | { kind: 'mqtt'; levels: string[] };

export type Clause =
  | { field: 'text'; match: TextMatcher; negate: boolean }
  | { field: 'transport'; values: Transport[]; negate: boolean }
  | { field: 'dir'; values: Array<'in' | 'out'>; negate: boolean }
  | { field: 'type'; values: EventType[]; negate: boolean }
  | { field: 'conn'; number: number | null; match: TextMatcher; negate: boolean }
  | { field: 'url'; match: TextMatcher; negate: boolean }
  | { field: 'event'; match: TextMatcher; negate: boolean }
  | { field: 'size'; op: Comparison; bytes: number; negate: boolean }
  | { field: 'status'; op: Comparison; value: number; classOf: number | null; negate: boolean }
  | { field: 'method'; values: string[]; negate: boolean }
  | { field: 'domain'; patterns: RegExp[]; negate: boolean }
  | { field: 'mime'; values: string[]; negate: boolean }
  | { field: 'running'; negate: boolean }
  | { field: 'proto'; values: string[]; negate: boolean }
  | { field: 'topic'; match: TopicMatcher; negate: boolean }
  | { field: 'op'; match: TextMatcher; negate: boolean }
  | { field: 'latency'; op: Comparison; ms: number; negate: boolean }
  | { field: 'unanswered'; negate: boolean };

export interface FilterError {
  message: string;
  /** Offsets of the offending token in the query. */
  start: number;
  end: number;
}

export interface ParsedFilter {
  query: string;
  clauses: Clause[];
  errors: FilterError[];
}

/** Longest query we parse; longer input is cut (and reported) so typing a novel cannot hang. */
export const MAX_QUERY_LENGTH = 2000;

const TRANSPORT_ALIASES: Record<string, Transport[]> = {
  ws: ['websocket'],
  websocket: ['websocket'],
  xhr: ['xhr'],
  fetch: ['fetch'],
  sse: ['eventsource'],
  es: ['eventsource'],
  eventsource: ['eventsource'],
  http: ['xhr', 'fetch'],
};

const DIR_ALIASES: Record<string, 'in' | 'out'> = {
  in: 'in',
  recv: 'in',
  received: 'in',
  receive: 'in',
  '↓': 'in',
  out: 'out',
  send: 'out',
  sent: 'out',
  '↑': 'out',
};

const TYPE_ALIASES: Record<string, EventType> = {
  open: 'open',
  send: 'send',
  receive: 'receive',
  message: 'receive',
  close: 'close',
  error: 'error',
};

type FieldKey = Exclude<Clause['field'], 'text' | 'running' | 'unanswered'> | 'larger-than' | 'is';

const FIELD_ALIASES: Record<string, FieldKey> = {
  transport: 'transport',
  t: 'transport',
  dir: 'dir',
  direction: 'dir',
  type: 'type',
  conn: 'conn',
  connection: 'conn',
  c: 'conn',
  url: 'url',
  event: 'event',
  size: 'size',
  status: 'status',
  // Chrome DevTools' Network-panel keys.
  'status-code': 'status',
  'larger-than': 'larger-than',
  method: 'method',
  domain: 'domain',
  'mime-type': 'mime',
  is: 'is',
  // Decoded application protocols.
  proto: 'proto',
  protocol: 'proto',
  topic: 'topic',
  destination: 'topic',
  op: 'op',
  operation: 'op',
  latency: 'latency',
};

/** The keys named when an unknown one is typed (aliases left out to keep the line short). */
export const KNOWN_KEYS = [
  'transport',
  'dir',
  'type',
  'conn',
  'url',
  'event',
  'size',
  'status',
  'status-code',
  'larger-than',
  'method',
  'domain',
  'mime-type',
  'is',
  'proto',
  'topic',
  'op',
  'latency',
] as const;

/**
 * What reads as a filter key: letters and inner hyphens, then an operator. A
 * value starting with "//" is a URL's scheme ("http://x"), so free text.
 */
const KEY_SHAPE = /^([a-z](?:[a-z-]*[a-z])?)(:|>=|<=|>|<|=)(?!\/\/)([\s\S]*)$/i;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

interface Token {
  text: string;
  start: number;
  end: number;
}

/**
 * Splits on whitespace, keeping "quoted text" and /regex with spaces/ together
 * (a regex token ends at the first unescaped slash followed by flags and space).
 */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = query.length;
  while (i < n) {
    while (i < n && /\s/.test(query.charAt(i))) i++;
    if (i >= n) break;
    const start = i;
    let text = '';
    let inQuote = false;
    let inRegex = false;
    let regexFrom = -1;
    while (i < n) {
      const ch = query.charAt(i);
      if (inQuote) {
        if (ch === '\\' && i + 1 < n) {
          text += query.charAt(i + 1);
          i += 2;
          continue;
        }
        if (ch === '"') {
          inQuote = false;
          i++;
          continue;
        }
        text += ch;
        i++;
        continue;
      }
      if (inRegex) {
        text += ch;
        if (ch === '\\' && i + 1 < n) {
          text += query.charAt(i + 1);
          i += 2;
          continue;
        }
        i++;
        if (ch === '/') inRegex = false;
        continue;
      }
      if (/\s/.test(ch)) break;
      if (ch === '"') {
        inQuote = true;
        // Mark quoted text so a quoted "/x/" is text, not a regex.
        if (text === '' || text === '-' || text.endsWith(':')) text += '\u0000';
        i++;
        continue;
      }
      if (ch === '/' && (text === '' || text === '-' || /^-?[a-z][a-z-]*:$/i.test(text))) {
        inRegex = true;
        regexFrom = i;
        text += ch;
        i++;
        continue;
      }
      text += ch;
      i++;
    }
    if (inRegex) {
      // Never closed: a plain path like "url:/api more" ends at the first space
      // instead of swallowing the rest of the query.
      const space = query.slice(regexFrom, i).search(/\s/);
      if (space >= 0) {
        i = regexFrom + space;
        text = text.slice(0, text.length - (n - i));
      }
    }
    tokens.push({ text, start, end: i });
  }
  return tokens;
}

/** Parses "/body/flags" into a RegExp; a string message on failure. */
function parseRegex(token: string): RegExp | string {
  const last = token.lastIndexOf('/');
  if (last <= 0) return 'unterminated regular expression: add a closing /';
  const body = token.slice(1, last);
  const flags = token.slice(last + 1);
  if (body === '') return 'empty regular expression';
  if (!/^[imsu]*$/.test(flags)) return `unsupported regex flags "${flags}" (use i, m, s or u)`;
  try {
    // Case-insensitive by default, like plain text, unless the pattern has capitals.
    const insensitive = flags.includes('i') || !/[A-Z]/.test(body);
    return new RegExp(body, insensitive && !flags.includes('i') ? `${flags}i` : flags);
  } catch (err) {
    return `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function textMatcher(raw: string): TextMatcher | string {
  if (raw.startsWith('\u0000')) return { kind: 'substring', lower: raw.slice(1).toLowerCase() };
  if (raw.startsWith('/') && raw.length > 1) {
    const re = parseRegex(raw);
    return typeof re === 'string' ? re : { kind: 'regex', re };
  }
  return { kind: 'substring', lower: raw.toLowerCase() };
}

/**
 * url: takes a plain substring (a path like "/api/items?x=1" included); only a
 * value written whole as /body/flags is a regex.
 */
function urlMatcher(raw: string): TextMatcher | string {
  if (/^\/[\s\S]+\/[imsu]*$/.test(raw)) return textMatcher(raw);
  const plain = raw.startsWith('\u0000') ? raw.slice(1) : raw;
  return { kind: 'substring', lower: plain.toLowerCase() };
}

/** A DevTools domain pattern ("*.example.com") as an anchored, case-insensitive RegExp over a host. */
function domainPattern(raw: string): RegExp | null {
  if (!/^[a-z0-9.*\-[\]:]+$/i.test(raw) || /^[.*]*$/.test(raw)) return null;
  const body = raw.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${body}$`, 'i');
}

/** "200ms" -> 200, "1.5s" -> 1500, "80" -> 80 (milliseconds); null when not a duration. */
export function parseDuration(raw: string): number | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?$/i.exec(raw.trim());
  if (!m) return null;
  return Number(m[1]) * ((m[2] ?? 'ms').toLowerCase() === 's' ? 1000 : 1);
}

/** topic: an MQTT filter when it has a + or # level, else text (a regex when written /…/). */
function topicMatcher(raw: string): TopicMatcher | string {
  const plain = raw.startsWith('\u0000') ? raw.slice(1) : raw;
  const levels = plain.split('/');
  if (!raw.startsWith('\u0000') && levels.some((l) => l === '+' || l === '#')) {
    const hash = levels.indexOf('#');
    if (hash >= 0 && hash !== levels.length - 1) return 'topic: # may only be the last level (sensors/#)';
    return { kind: 'mqtt', levels };
  }
  return urlMatcher(raw);
}

/** "1k" -> 1024, "2.5mb" -> 2621440; null when not a size. */
export function parseSize(raw: string): number | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec(raw.trim());
  if (!m) return null;
  const unit = UNITS[(m[2] ?? '').toLowerCase()];
  if (unit === undefined) return null;
  return Math.round(Number(m[1]) * unit);
}

function splitList<T>(raw: string, aliases: Record<string, T>): { values: T[]; bad: string[] } {
  const values: T[] = [];
  const bad: string[] = [];
  for (const part of raw.split(',')) {
    if (part === '') continue;
    const v = aliases[part.toLowerCase()];
    if (v === undefined) bad.push(part);
    else values.push(v);
  }
  return { values, bad };
}

function uniqueFlat<T>(xs: Array<T | T[]>): T[] {
  const out: T[] = [];
  for (const x of xs.flat() as T[]) if (!out.includes(x)) out.push(x);
  return out;
}

type FieldResult = Clause | string;

function parseField(
  field: FieldKey,
  key: string,
  op: Comparison | ':',
  value: string,
  negate: boolean,
): FieldResult {
  const clean = value.startsWith('\u0000') ? value.slice(1) : value;
  if (clean === '' && !value.startsWith('\u0000')) return `${key}: needs a value`;
  if (op !== ':' && field !== 'size' && field !== 'status' && field !== 'latency')
    return `${key} does not compare with ${op}; use ${key}:value`;
  switch (field) {
    case 'transport': {
      const { values, bad } = splitList(clean, TRANSPORT_ALIASES);
      if (bad.length) return `unknown transport "${bad.join(',')}" (use ws, xhr, fetch, sse or http)`;
      return { field, values: uniqueFlat(values), negate };
    }
    case 'dir': {
      const { values, bad } = splitList(clean, DIR_ALIASES);
      if (bad.length) return `unknown direction "${bad.join(',')}" (use in or out)`;
      return { field, values: uniqueFlat(values), negate };
    }
    case 'type': {
      const { values, bad } = splitList(clean, TYPE_ALIASES);
      if (bad.length)
        return `unknown event type "${bad.join(',')}" (use open, send, receive, close or error)`;
      return { field, values: uniqueFlat(values), negate };
    }
    case 'conn': {
      const m = /^#?(\d+)$/.exec(clean);
      const match = textMatcher(value);
      if (typeof match === 'string') return match;
      return { field, number: m ? Number(m[1]) : null, match, negate };
    }
    case 'url': {
      const match = urlMatcher(value);
      if (typeof match === 'string') return match;
      return { field, match, negate };
    }
    case 'event': {
      const match = textMatcher(value);
      if (typeof match === 'string') return match;
      return { field, match, negate };
    }
    case 'size': {
      const bytes = parseSize(clean);
      if (bytes === null)
        return `size expects a number with an optional unit, like 1k or 2mb (got "${clean}")`;
      return { field, op: op === ':' ? '=' : op, bytes, negate };
    }
    case 'larger-than': {
      const bytes = parseSize(clean);
      if (bytes === null)
        return `larger-than expects a number with an optional unit, like 1k or 2mb (got "${clean}")`;
      return { field: 'size', op: '>', bytes, negate };
    }
    case 'status': {
      const cls = /^([1-5])xx$/i.exec(clean);
      if (cls && op === ':') return { field, op: '=', value: 0, classOf: Number(cls[1]), negate };
      if (!/^\d{1,3}$/.test(clean))
        return `${key} expects a number like 404 or a class like 5xx (got "${clean}")`;
      return { field, op: op === ':' ? '=' : op, value: Number(clean), classOf: null, negate };
    }
    case 'method': {
      const parts = clean.split(',').filter((x) => x !== '');
      const bad = parts.filter((x) => !/^[a-z]+$/i.test(x));
      if (bad.length || parts.length === 0)
        return `method expects an HTTP method like GET or POST (got "${clean}")`;
      return { field, values: uniqueFlat(parts.map((x) => x.toUpperCase())), negate };
    }
    case 'domain': {
      const parts = clean.split(',').filter((x) => x !== '');
      const patterns = parts.map(domainPattern);
      if (parts.length === 0 || patterns.some((x) => x === null))
        return `domain expects a host like example.com or *.example.com (got "${clean}")`;
      return { field, patterns: patterns as RegExp[], negate };
    }
    case 'mime': {
      const parts = clean.split(',').filter((x) => x !== '');
      const bad = parts.filter((x) => !/^[a-z0-9!#$&^_.+-]+\/(?:[a-z0-9!#$&^_.+-]+|\*)$/i.test(x));
      if (bad.length || parts.length === 0)
        return `mime-type expects a type like application/json or text/* (got "${clean}")`;
      return { field, values: uniqueFlat(parts.map((x) => x.toLowerCase())), negate };
    }
    case 'is': {
      const what = clean.toLowerCase();
      if (what === 'running') return { field: 'running', negate };
      if (what === 'unanswered') return { field: 'unanswered', negate };
      return `is: takes running or unanswered (got "${clean}")`;
    }
    case 'proto': {
      const values = clean
        .split(',')
        .filter((x) => x !== '')
        .map((x) => x.toLowerCase());
      if (values.length === 0) return 'proto: needs a protocol, like socket.io, stomp, mqtt or none';
      return { field, values: uniqueFlat(values), negate };
    }
    case 'topic': {
      const match = topicMatcher(value);
      if (typeof match === 'string') return match;
      return { field, match, negate };
    }
    case 'op': {
      const match = textMatcher(value);
      if (typeof match === 'string') return match;
      return { field, match, negate };
    }
    case 'latency': {
      const ms = parseDuration(clean);
      if (ms === null) return `latency expects a time like 200ms or 1.5s (got "${clean}")`;
      return { field, op: op === ':' ? '=' : op, ms, negate };
    }
  }
}

export function parseFilter(input: string): ParsedFilter {
  const errors: FilterError[] = [];
  let query = input;
  if (query.length > MAX_QUERY_LENGTH) {
    errors.push({
      message: `filter cut to its first ${MAX_QUERY_LENGTH} characters`,
      start: MAX_QUERY_LENGTH,
      end: input.length,
    });
    query = query.slice(0, MAX_QUERY_LENGTH);
  }
  const clauses: Clause[] = [];
  for (const token of tokenize(query)) {
    let text = token.text;
    let negate = false;
    if (text.startsWith('-') && text.length > 1) {
      negate = true;
      text = text.slice(1);
    }
    if (text === '' || text === '-' || text === '\u0000') continue;
    // A request still waiting for its answer ("unanswered" in quotes finds the word).
    if (text.toLowerCase() === 'unanswered') {
      clauses.push({ field: 'unanswered', negate });
      continue;
    }
    const fail = (message: string) => errors.push({ message, start: token.start, end: token.end });
    const fm = KEY_SHAPE.exec(text);
    const key = (fm?.[1] ?? '').toLowerCase();
    const field = fm ? FIELD_ALIASES[key] : undefined;
    if (fm && field) {
      const result = parseField(field, key, fm[2] as Comparison | ':', fm[3] ?? '', negate);
      if (typeof result === 'string') fail(result);
      else clauses.push(result);
      continue;
    }
    // A key-shaped "foo:value" is a typo far more often than text to find: say so
    // rather than silently searching for it. ("a>b" and "http://x" stay text.)
    if (fm && fm[2] === ':') {
      fail(`unknown filter key '${key}:'; known: ${KNOWN_KEYS.join(', ')}`);
      continue;
    }
    // Not key-shaped (e.g. "http://host/path", "12:30"): it is text.
    const match = textMatcher(text);
    if (typeof match === 'string') fail(match);
    else clauses.push({ field: 'text', match, negate });
  }
  return { query: input, clauses, errors };
}
