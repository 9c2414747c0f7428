// Builds the Wirescope timeline export, format version 1 (see
// schema/wirescope-timeline.v1.schema.json and the README).

import { type CallSite, copyEventFields, type EventType, type Payload, type Transport } from '../model';
import type { Connection, TimelineEvent } from '../timeline/store';

export const TIMELINE_FORMAT = 'wirescope-timeline';
export const TIMELINE_VERSION = 1;

export interface ExportedConnection {
  id: string;
  transport: Transport;
  url: string;
  method?: string;
  frameUrl: string;
  startedAt: number;
  endedAt: number | null;
  status: number | null;
  protocol: string | null;
  requestedProtocols?: string[];
  requestHeaders?: Array<[string, string]>;
  /** XHR: false for a synchronous request. */
  async?: boolean;
  /** XHR / EventSource credentials flag. */
  withCredentials?: boolean;
  /** Where the page's code started the request (loop requests, XHR and fetch). */
  initiator?: CallSite;
  /** Fields cut to fit Wirescope's limits (e.g. "url", "requestHeaders"), when any were. */
  truncatedFields?: string[];
}

export interface ExportedEvent {
  seq: number;
  time: number;
  connectionId: string;
  type: EventType;
  data?: Payload;
  size?: number;
  truncated?: boolean;
  status?: number;
  code?: number;
  reason?: string;
  wasClean?: boolean;
  closedBy?: 'client' | 'server';
  /** WebSocket open: the negotiated subprotocol and extensions (Sec-WebSocket-Extensions). */
  protocol?: string;
  extensions?: string;
  eventName?: string;
  lastEventId?: string;
  responseHeaders?: Array<[string, string]>;
  chunk?: number;
  statusText?: string;
  /** HTTP: when the response headers arrived (the request was sent at its `open`). */
  headersAt?: number;
  /** Kind of body: text, json, arraybuffer, blob, document, formdata, urlsearchparams, view, stream. */
  bodyKind?: string;
  /** FormData request body: fields, files as name, size and type. */
  form?: Array<{ name: string; value?: string; fileName?: string; fileSize?: number; fileType?: string }>;
  /** Fields other than the body cut to fit Wirescope's limits (e.g. "reason"), when any were. */
  truncatedFields?: string[];
}

export interface ExportedPattern {
  id: string;
  kind: 'long-poll' | 'polling';
  method: string;
  url: string;
  connectionIds: string[];
  cycles: number;
  medianHoldMs: number;
  medianGapMs: number;
  [extra: string]: unknown;
}

export interface TimelineExport {
  format: typeof TIMELINE_FORMAT;
  version: typeof TIMELINE_VERSION;
  exportedAt: string;
  source: { tool: 'wirescope'; toolVersion: string; userAgent: string };
  page: { url: string; title: string };
  connections: ExportedConnection[];
  events: ExportedEvent[];
  patterns: ExportedPattern[];
}

/** A detected pattern, referring to connections by store key. */
export interface PatternForExport {
  id: string;
  kind: 'long-poll' | 'polling';
  method: string;
  url: string;
  connectionKeys: string[];
  cycles: number;
  medianHoldMs: number;
  medianGapMs: number;
  /** Optional additions to the v1 format (storm warning, transport label...). */
  extra?: Record<string, unknown>;
}

export interface ExportInput {
  connections: Connection[];
  events: TimelineEvent[];
  page: { url: string; title: string };
  toolVersion: string;
  userAgent: string;
  now: Date;
  /** Patterns keyed by store connection keys; ids are mapped on export. */
  patterns?: PatternForExport[];
  /**
   * The number the panel shows for a connection (#N, `conn:N`): its id in
   * the file is then `cN`, whatever part of the timeline is exported. Without
   * it, connections are numbered in the order given.
   */
  numberOf?: (c: Connection) => number;
}

export function buildTimelineExport(input: ExportInput): TimelineExport {
  const numbers = new Map<Connection, number>();
  input.connections.forEach((c, i) => {
    numbers.set(c, input.numberOf?.(c) || i + 1);
  });
  const sortedConns = [...input.connections].sort((a, b) => a.startedAt - b.startedAt);
  const idOf = new Map<string, string>();
  const connections: ExportedConnection[] = sortedConns.map((c) => {
    const id = `c${numbers.get(c)}`;
    idOf.set(c.key, id);
    const out: ExportedConnection = {
      id,
      transport: c.transport,
      url: c.url,
      frameUrl: c.frameUrl,
      startedAt: c.startedAt,
      endedAt: c.endedAt,
      status: c.status,
      protocol: c.protocol,
    };
    if (c.method) out.method = c.method;
    if (c.record.requestedProtocols) out.requestedProtocols = c.record.requestedProtocols;
    if (c.record.requestHeaders) out.requestHeaders = c.record.requestHeaders;
    if (c.record.async !== undefined) out.async = c.record.async;
    if (c.record.withCredentials !== undefined) out.withCredentials = c.record.withCredentials;
    if (c.record.initiator) out.initiator = c.record.initiator;
    if (c.record.truncatedFields) out.truncatedFields = c.record.truncatedFields;
    return out;
  });
  // Events in time order (frames batch independently), stable on arrival order.
  const sorted = [...input.events].sort((a, b) => a.time - b.time || a.seq - b.seq);
  const events: ExportedEvent[] = [];
  for (const e of sorted) {
    const connectionId = idOf.get(e.connection.key);
    if (!connectionId) continue;
    const r = e.record;
    const out: ExportedEvent = { seq: events.length + 1, time: r.time, connectionId, type: r.type };
    if (r.data) {
      out.data = r.data;
      out.size = r.size ?? 0;
      out.truncated = r.truncated ?? false;
    }
    copyEventFields(r, out);
    events.push(out);
  }
  const patterns: ExportedPattern[] = (input.patterns ?? []).map((p) => ({
    ...p.extra,
    id: p.id,
    kind: p.kind,
    method: p.method,
    url: p.url,
    connectionIds: p.connectionKeys.map((k) => idOf.get(k)).filter((x): x is string => x !== undefined),
    cycles: p.cycles,
    medianHoldMs: p.medianHoldMs,
    medianGapMs: p.medianGapMs,
  }));
  return {
    format: TIMELINE_FORMAT,
    version: TIMELINE_VERSION,
    exportedAt: input.now.toISOString(),
    source: { tool: 'wirescope', toolVersion: input.toolVersion, userAgent: input.userAgent },
    page: input.page,
    connections,
    events,
    patterns,
  };
}
