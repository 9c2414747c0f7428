// Turns parsed filter clauses into one predicate over timeline events. Built
// once per query change; the predicate itself does no allocation per event
// except reading fields, so a pass over 100,000 events stays interactive.

import type { Connection, TimelineEvent } from '../timeline/store';
import type { Clause, Comparison, TextMatcher } from './parse';

export type EventPredicate = (e: TimelineEvent) => boolean;

/** Gives the number shown for a connection in the list (what `conn:3` means). */
export type ConnectionNumber = (c: Connection) => number;

function compare(op: Comparison, a: number, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

function matchText(m: TextMatcher, s: string | undefined): boolean {
  if (s === undefined || s === '') return false;
  if (m.kind === 'regex') return m.re.test(s);
  // Plain text: case-insensitive. toLowerCase on a huge payload would copy it,
  // so long strings are searched with a case-insensitive regex instead.
  return s.length > 4096 ? lazyRegex(m).test(s) : s.toLowerCase().includes(m.lower);
}

const regexOfSubstring = new WeakMap<TextMatcher, RegExp>();
function lazyRegex(m: TextMatcher & { kind: 'substring' }): RegExp {
  let re = regexOfSubstring.get(m);
  if (!re) {
    re = new RegExp(m.lower.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    regexOfSubstring.set(m, re);
  }
  return re;
}

function payloadText(e: TimelineEvent): string | undefined {
  const d = e.record.data;
  return d && 'text' in d ? d.text : undefined;
}

function matchAnyText(m: TextMatcher, e: TimelineEvent): boolean {
  const r = e.record;
  return (
    matchText(m, payloadText(e)) ||
    matchText(m, e.connection.url) ||
    matchText(m, r.eventName) ||
    matchText(m, r.reason) ||
    matchText(m, r.statusText)
  );
}

// A URL is parsed once per connection, not once per event.
const hostOf = new WeakMap<Connection, string>();
function host(c: Connection): string {
  let h = hostOf.get(c);
  if (h === undefined) {
    try {
      h = new URL(c.url).hostname;
    } catch {
      h = '';
    }
    hostOf.set(c, h);
  }
  return h;
}

function mimeMatches(values: readonly string[], contentType: string | null): boolean {
  if (!contentType) return false;
  for (const v of values) {
    if (v.endsWith('/*') ? contentType.startsWith(v.slice(0, -1)) : contentType === v) return true;
  }
  return false;
}

function clausePredicate(c: Clause, numberOf: ConnectionNumber): EventPredicate {
  switch (c.field) {
    case 'text':
      return (e) => matchAnyText(c.match, e);
    case 'transport':
      return (e) => c.values.includes(e.connection.transport);
    case 'dir':
      return (e) =>
        (e.record.type === 'receive' && c.values.includes('in')) ||
        (e.record.type === 'send' && c.values.includes('out'));
    case 'type':
      return (e) => c.values.includes(e.record.type);
    case 'conn':
      // A number means the connection's number only (a port or id in a URL must not match it).
      if (c.number !== null) return (e) => numberOf(e.connection) === c.number;
      return (e) => matchText(c.match, e.connection.url);
    case 'url':
      return (e) => matchText(c.match, e.connection.url);
    case 'event':
      return (e) => matchText(c.match, e.record.eventName);
    case 'size':
      return (e) => e.record.size !== undefined && compare(c.op, e.record.size, c.bytes);
    case 'status':
      return (e) => {
        const s = e.record.status ?? e.connection.status;
        if (s === undefined || s === null) return false;
        if (c.classOf !== null) return Math.floor(s / 100) === c.classOf;
        return compare(c.op, s, c.value);
      };
    case 'method':
      // WebSocket and EventSource open with a GET (as DevTools lists them); fetch defaults to it.
      return (e) => c.values.includes((e.connection.method ?? 'GET').toUpperCase());
    case 'domain':
      return (e) => {
        const h = host(e.connection);
        return h !== '' && c.patterns.some((re) => re.test(h));
      };
    case 'mime':
      return (e) => mimeMatches(c.values, e.connection.contentType);
    case 'running':
      return (e) => e.connection.endedAt === null;
  }
}

/** One predicate for all clauses (AND); null when there is nothing to filter by. */
export function compileClauses(clauses: Clause[], numberOf: ConnectionNumber): EventPredicate | null {
  if (clauses.length === 0) return null;
  const preds = clauses.map((c) => {
    const p = clausePredicate(c, numberOf);
    return c.negate ? (e: TimelineEvent) => !p(e) : p;
  });
  if (preds.length === 1) return preds[0] ?? null;
  return (e) => {
    for (const p of preds) if (!p(e)) return false;
    return true;
  };
}
