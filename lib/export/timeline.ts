// Builds the Wirescope timeline export, format version 1 (see
// schema/wirescope-timeline.v1.schema.json and the README).

import { type LatencyStats, type MessagePair, pairLatency, pairLifetime } from '../decode/pair-latency';
import type { DecodedFields, DecodedMessage, PairPart } from '../decode/types';
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
  /** The application protocol it was decoded as ("socket.io", "stomp"…), else its WebSocket subprotocol, else null. */
  protocol: string | null;
  /** WebSocket: the negotiated subprotocol, or null when none was. */
  subprotocol?: string | null;
  /** Its calls' latency, when it speaks a decoded protocol and made calls. */
  latency?: LatencyStats;
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
  /** The protocol messages its payload carried, decoded. */
  decoded?: ExportedDecodedMessage[];
  /** The request ↔ answer pair it belongs to (that of its first paired message). */
  pair?: ExportedPair;
}

export interface ExportedDecodedMessage {
  protocol: string;
  kind: string;
  summary: string;
  fields?: DecodedFields;
  pair?: PairPart;
  note?: string;
  inner?: ExportedDecodedMessage[];
}

export interface ExportedPair {
  key: string;
  /** This event's part: the request, a streamed result, or the answer (a response or a stream's end). */
  role: 'request' | 'result' | 'answer';
  /** The request's and the answer's `seq` in this file; null when not captured, not come, or not exported. */
  requestSeq: number | null;
  answerSeq: number | null;
  /** From the request to its first answer. */
  latencyMs: number | null;
  /** A streamed operation's time from request to end. */
  lifetimeMs?: number;
  /** A handshake or heartbeat, left out of the connection's latency. */
  control?: true;
}

/** What the export needs from the panel's decoding (lib/decode/connection-decoding.ts). */
export interface DecodingForExport {
  protocolOf(c: Connection): { id: string } | null;
  latencyOf(c: Connection): LatencyStats | null;
  decodedOf(e: TimelineEvent): readonly DecodedMessage[];
  pairOf(e: TimelineEvent): MessagePair | null;
}

export interface ExportedPattern {
  id: string;
  kind: 'long-poll' | 'polling' | 'reconnect-loop' | 'retry-storm' | 'busy-loop';
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
  kind: 'long-poll' | 'polling' | 'reconnect-loop' | 'retry-storm' | 'busy-loop';
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
  /** Decoded protocols, summaries, pairs and latency; left out without it. */
  decoding?: DecodingForExport;
}

function exportedDecoded(m: DecodedMessage): ExportedDecodedMessage {
  const out: ExportedDecodedMessage = { protocol: m.protocol, kind: m.kind, summary: m.summary };
  if (m.fields && Object.keys(m.fields).length > 0) out.fields = m.fields;
  if (m.pair) out.pair = m.pair;
  if (m.note) out.note = m.note;
  if (m.inner && m.inner.length > 0) out.inner = m.inner.map(exportedDecoded);
  return out;
}

function exportedPair(pair: MessagePair, e: TimelineEvent, seqOf: Map<TimelineEvent, number>): ExportedPair {
  const role = pair.request === e ? 'request' : pair.response === e ? 'answer' : 'result';
  const out: ExportedPair = {
    key: pair.key,
    role,
    requestSeq: (pair.request && seqOf.get(pair.request)) ?? null,
    answerSeq: (pair.response && seqOf.get(pair.response)) ?? null,
    latencyMs: pairLatency(pair),
  };
  const lifetime = pairLifetime(pair);
  if (lifetime !== null) out.lifetimeMs = lifetime;
  if (pair.control) out.control = true;
  return out;
}

/** Each exported event's decoded messages and pair, once every event has its seq. */
function addDecoding(decoding: DecodingForExport, exported: TimelineEvent[], events: ExportedEvent[]): void {
  const seqOf = new Map<TimelineEvent, number>();
  exported.forEach((e, i) => {
    seqOf.set(e, i + 1);
  });
  exported.forEach((e, i) => {
    const out = events[i] as ExportedEvent;
    const decoded = decoding.decodedOf(e);
    if (decoded.length === 0) return;
    out.decoded = decoded.map(exportedDecoded);
    const pair = decoding.pairOf(e);
    if (pair) out.pair = exportedPair(pair, e, seqOf);
  });
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
      protocol: input.decoding?.protocolOf(c)?.id ?? c.protocol,
    };
    if (c.transport === 'websocket') out.subprotocol = c.protocol;
    const latency = input.decoding?.latencyOf(c);
    if (latency) out.latency = latency;
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
  const exported: TimelineEvent[] = [];
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
    exported.push(e);
  }
  if (input.decoding) addDecoding(input.decoding, exported, events);
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
