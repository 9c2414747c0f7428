// Turns parsed filter clauses into one predicate over timeline events. Built
// once per query change; the predicate itself does no allocation per event
// except reading fields, so a pass over 100,000 events stays interactive.

import { type MessagePair, pairLatency } from '../decode/pair-latency';
import type { DecodedFields, DecodedMessage } from '../decode/types';
import type { Connection, TimelineEvent } from '../timeline/store';
import type { Clause, Comparison, TextMatcher, TopicMatcher } from './parse';

export type EventPredicate = (e: TimelineEvent) => boolean;

/** Gives the number shown for a connection in the list (what `conn:3` means). */
export type ConnectionNumber = (c: Connection) => number;

/** The panel's decoding, for the clauses that read decoded protocols (lib/decode/connection-decoding.ts). */
export interface DecodedLookup {
  protocolOf(c: Connection): { id: string; label: string } | null;
  decodedOf(e: TimelineEvent): readonly DecodedMessage[];
  pairOf(e: TimelineEvent): MessagePair | null;
}

/** Whether any decoded message (or one carried inside it) has a field that passes. */
function someField(messages: readonly DecodedMessage[], test: (fields: DecodedFields) => boolean): boolean {
  for (const m of messages) {
    if (m.fields && test(m.fields)) return true;
    if (m.inner && someField(m.inner, test)) return true;
  }
  return false;
}

/** MQTT topic filter semantics: + is one level, a last # is any number (none included). */
function mqttMatches(levels: readonly string[], topic: string): boolean {
  const parts = topic.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level === '#') return true;
    if (i >= parts.length) return false;
    if (level !== '+' && level !== parts[i]) return false;
  }
  return parts.length === levels.length;
}

function matchTopic(m: TopicMatcher, topic: string | undefined): boolean {
  if (topic === undefined) return false;
  return m.kind === 'mqtt' ? mqttMatches(m.levels, topic) : matchText(m, topic);
}

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

function clausePredicate(
  c: Clause,
  numberOf: ConnectionNumber,
  decoded: DecodedLookup | null,
): EventPredicate {
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
      // An EventSource message's name, or a decoded event (Socket.IO, Phoenix, SignalR…).
      return (e) =>
        matchText(c.match, e.record.eventName) ||
        (decoded !== null && someField(decoded.decodedOf(e), (f) => matchText(c.match, f.event)));
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
    case 'proto':
      return (e) => {
        const p = decoded?.protocolOf(e.connection) ?? null;
        if (!p) return c.values.includes('none');
        const label = p.label.toLowerCase();
        return c.values.some((v) => p.id.includes(v) || label.includes(v));
      };
    case 'topic':
      return (e) =>
        decoded !== null &&
        someField(decoded.decodedOf(e), (f) => matchTopic(c.match, f.topic ?? f.destination));
    case 'op':
      return (e) => decoded !== null && someField(decoded.decodedOf(e), (f) => matchText(c.match, f.op));
    case 'latency':
      // The request and its answers, when the answer's time compares.
      return (e) => {
        const pair = decoded?.pairOf(e);
        const ms = pair ? pairLatency(pair) : null;
        return ms !== null && compare(c.op, ms, c.ms);
      };
    case 'unanswered':
      return (e) => {
        const pair = decoded?.pairOf(e);
        return pair !== undefined && pair !== null && pair.request === e && pairLatency(pair) === null;
      };
  }
}

/** Clauses whose answer for an event can change as later events arrive (its answer comes). */
export function dependsOnLaterEvents(clauses: readonly Clause[]): boolean {
  return clauses.some((c) => c.field === 'latency' || c.field === 'unanswered');
}

/**
 * One predicate for all clauses (AND); null when there is nothing to filter by.
 * Without `decoded`, decoded-protocol clauses match nothing (proto:none everything).
 */
export function compileClauses(
  clauses: Clause[],
  numberOf: ConnectionNumber,
  decoded: DecodedLookup | null = null,
): EventPredicate | null {
  if (clauses.length === 0) return null;
  const preds = clauses.map((c) => {
    const p = clausePredicate(c, numberOf, decoded);
    return c.negate ? (e: TimelineEvent) => !p(e) : p;
  });
  if (preds.length === 1) return preds[0] ?? null;
  return (e) => {
    for (const p of preds) if (!p(e)) return false;
    return true;
  };
}
