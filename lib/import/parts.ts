// Turns imported connections and events into the panel's model
// (lib/timeline/store.ts types), so TimelineStore.fromParts can show them.
// Imported data belongs to one pseudo-document; ids are local to it.

import type { ProtocolId } from '../decode/types';
import type { PatternForExport } from '../export/timeline';
import type { ConnectionRecord, EventRecord } from '../model';
import { type Connection, countEvent, newConnection, type TimelineEvent } from '../timeline/store';

export const IMPORT_DOC_ID = 'import';

export interface ImportedParts {
  connections: Connection[];
  events: TimelineEvent[];
  page: { url: string; title: string };
  /** Patterns stored in a Wirescope file (by store key); HAR files have none. */
  patterns: PatternForExport[];
  /** The application protocol a Wirescope file says a connection was decoded as (by store key). */
  decodedAs?: Record<string, ProtocolId>;
}

export interface ConnectionInput {
  record: Omit<ConnectionRecord, 'r' | 'seq' | 'id'>;
  /** The number the file gives it (a Wirescope file's `cN`): the panel shows it as #N. */
  number?: number;
  frameUrl: string;
  endedAt: number | null;
  status: number | null;
  protocol: string | null;
  /** The application protocol the file says it was decoded as. */
  decodedAs?: ProtocolId;
}

/**
 * Builds parts; events refer to connections by their index in `connections`.
 * A connection keeps the number its file gives it when every connection has
 * a distinct one (else they are numbered in order); an event keeps its `seq`
 * when given (strictly increasing), else it is numbered in order.
 */
export function buildParts(
  inputs: ConnectionInput[],
  events: Array<{ connIndex: number; seq?: number; record: Omit<EventRecord, 'r' | 'seq' | 'conn'> }>,
  page: { url: string; title: string },
  patterns: PatternForExport[] = [],
): ImportedParts {
  const numbers = new Set<number>();
  for (const input of inputs) if (input.number !== undefined && input.number > 0) numbers.add(input.number);
  const keepNumbers = numbers.size === inputs.length;
  const connections: Connection[] = inputs.map((input, i) => {
    const localId = keepNumbers ? (input.number as number) : i + 1;
    const record: ConnectionRecord = { ...input.record, r: 'conn', seq: 0, id: localId };
    return {
      ...newConnection(IMPORT_DOC_ID, record, input.frameUrl, 0),
      endedAt: input.endedAt,
      status: input.status,
      protocol: input.protocol,
    };
  });
  const out: TimelineEvent[] = [];
  for (const e of events) {
    const conn = connections[e.connIndex];
    if (!conn) continue;
    const seq = e.seq ?? out.length + 1;
    // The input objects are the importer's own (freshly parsed): completing them in place
    // instead of copying keeps a 100,000-event import well under a second.
    const record: EventRecord = Object.assign(e.record, { r: 'ev' as const, seq, conn: conn.localId });
    countEvent(conn, record);
    out.push({ seq, time: record.time, connection: conn, record, section: 0 });
  }
  const decodedAs: Record<string, ProtocolId> = {};
  inputs.forEach((input, i) => {
    const c = connections[i];
    if (input.decodedAs && c) decodedAs[c.key] = input.decodedAs;
  });
  return {
    connections,
    events: out,
    page,
    patterns,
    ...(Object.keys(decodedAs).length > 0 && { decodedAs }),
  };
}
