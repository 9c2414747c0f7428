// The whole "what is visible" decision of the panel: the typed query plus the
// toolbar toggles, the selected connection or channel, and a brushed time range.

import type { Transport } from '../model';
import type { TimelineEvent } from '../timeline/store';
import { type ConnectionNumber, compileClauses, type DecodedLookup, type EventPredicate } from './match';
import type { ParsedFilter } from './parse';

export type DirectionGroup = 'out' | 'in' | 'lifecycle';

export interface ViewFilter {
  query: ParsedFilter | null;
  /** Transports shown; all when every one is on. */
  transports: ReadonlySet<Transport>;
  directions: ReadonlySet<DirectionGroup>;
  /** Only these connections (a selected connection or channel); null = all. */
  connectionKeys: ReadonlySet<string> | null;
  /** Only events in [from, to] (page epoch ms); null = all time. */
  timeRange: readonly [number, number] | null;
}

export function directionOf(e: TimelineEvent): DirectionGroup {
  const t = e.record.type;
  return t === 'send' ? 'out' : t === 'receive' ? 'in' : 'lifecycle';
}

/** Null when the filter lets everything through (the common case costs nothing). */
export function buildViewPredicate(
  f: ViewFilter,
  numberOf: ConnectionNumber,
  decoded: DecodedLookup | null = null,
): EventPredicate | null {
  const preds: EventPredicate[] = [];
  if (f.transports.size < 4) preds.push((e) => f.transports.has(e.connection.transport));
  if (f.directions.size < 3) preds.push((e) => f.directions.has(directionOf(e)));
  if (f.connectionKeys) {
    const keys = f.connectionKeys;
    preds.push((e) => keys.has(e.connection.key));
  }
  if (f.timeRange) {
    const [from, to] = f.timeRange;
    preds.push((e) => e.time >= from && e.time <= to);
  }
  const q = f.query ? compileClauses(f.query.clauses, numberOf, decoded) : null;
  if (q) preds.push(q);
  if (preds.length === 0) return null;
  if (preds.length === 1) return preds[0] ?? null;
  return (e) => {
    for (const p of preds) if (!p(e)) return false;
    return true;
  };
}
