// The panel's model of a tab's traffic: documents, connections and events in
// arrival order, built from the records the background forwards. Plain logic:
// no DOM, no extension APIs, so it is unit-tested and reused by import.

import type { ConnectionRecord, DocumentInfo, EventRecord, Transport } from '../model';
import type { LossCounters, PanelRecords } from '../wire/records';

export interface Connection {
  /** Unique in the store: docId + ':' + the document-local id. */
  key: string;
  docId: string;
  localId: number;
  transport: Transport;
  url: string;
  method?: string;
  frameUrl: string;
  startedAt: number;
  endedAt: number | null;
  status: number | null;
  protocol: string | null;
  /** The response's media type ("application/json", lowercased, no parameters) once headers arrived (HTTP). */
  contentType: string | null;
  /** When the response headers arrived (HTTP): the end of a long-poll's hold. */
  headersAt: number | null;
  /** Why it failed, when it ended in an error. */
  errorReason: string | null;
  record: ConnectionRecord;
  /** Live counters, updated as events arrive. */
  sent: number;
  received: number;
  bytesSent: number;
  bytesReceived: number;
  state: 'connecting' | 'open' | 'closed' | 'error';
  section: number;
}

/** Whether a connection is an HTTP exchange (XHR or fetch), not a socket or an event stream. */
export function isHttp(c: Pick<Connection, 'transport'>): boolean {
  return c.transport === 'xhr' || c.transport === 'fetch';
}

/** A connection's key in the store: its document and the document-local id. */
export function connectionKey(docId: string, localId: number): string {
  return `${docId}:${localId}`;
}

/** A connection as first seen: nothing sent or received yet, not ended. */
export function newConnection(
  docId: string,
  record: ConnectionRecord,
  frameUrl: string,
  section: number,
): Connection {
  return {
    key: connectionKey(docId, record.id),
    docId,
    localId: record.id,
    transport: record.transport,
    url: record.url,
    ...(record.method !== undefined ? { method: record.method } : {}),
    frameUrl,
    startedAt: record.time,
    endedAt: null,
    status: null,
    protocol: null,
    contentType: null,
    headersAt: null,
    errorReason: null,
    record,
    sent: 0,
    received: 0,
    bytesSent: 0,
    bytesReceived: 0,
    state: 'connecting',
    section,
  };
}

export interface TimelineEvent {
  /** Store-wide, strictly increasing in arrival order. */
  seq: number;
  time: number;
  connection: Connection;
  record: EventRecord;
  section: number;
}

export interface DocumentState {
  doc: DocumentInfo;
  frameId: number;
  lastSeq: number;
  /** Records this panel never received (gaps in the document's sequence). */
  missing: number;
  /**
   * Events received for a connection this panel never got the record of
   * (dropped or lost on the way): they cannot be shown, so they are counted.
   */
  orphaned: number;
  loss: LossCounters;
  section: number;
}

export interface Section {
  index: number;
  url: string;
  startedAt: number;
}

/** Live state and counters of a connection, from one of its events (store and import alike). */
export function countEvent(conn: Connection, record: EventRecord): void {
  if (record.responseHeaders) {
    const ct = record.responseHeaders.find(([name]) => name.toLowerCase() === 'content-type');
    if (ct) conn.contentType = (ct[1].split(';')[0] ?? '').trim().toLowerCase() || null;
  }
  if (record.headersAt !== undefined && conn.headersAt === null) conn.headersAt = record.headersAt;
  switch (record.type) {
    case 'open':
      conn.state = 'open';
      break;
    case 'send':
      conn.sent++;
      conn.bytesSent += record.size ?? 0;
      break;
    case 'receive':
      conn.received++;
      conn.bytesReceived += record.size ?? 0;
      break;
    case 'close':
      conn.state = 'closed';
      break;
    case 'error':
      conn.state = 'error';
      conn.errorReason = record.reason || 'failed';
      break;
  }
}

export class TimelineStore {
  connections: Connection[] = [];
  events: TimelineEvent[] = [];
  sections: Section[] = [];
  readonly docs = new Map<string, DocumentState>();
  private readonly connByKey = new Map<string, Connection>();
  /**
   * Connections the user let go (cleared, navigated away from without
   * Preserve log, opened while paused): their later events are not shown and
   * not counted as lost.
   */
  private readonly forgotten = new Set<string>();
  private seq = 0;
  private topDocId: string | null = null;
  preserveLog = false;
  /** While false (paused), records are acknowledged (no false gaps) but not kept. */
  recording = true;
  /** Bumped on every change, so views can cheaply tell whether to re-render. */
  version = 0;
  /**
   * Bumped whenever `events` is replaced rather than appended to (clear,
   * navigation without preserve log, bulk load): derived indexes rebuild then,
   * and otherwise only look at the events added since their last pass.
   */
  generation = 0;
  /** The number shown for each connection (1, 2, 3... in order of appearance). */
  private readonly numbers = new WeakMap<Connection, number>();
  private nextNumber = 1;

  /**
   * When the page of a section loaded, what "Since load" counts from: the
   * section's start; an import, which has no sections, counts from its first event.
   */
  loadTimeOf(section: number): number | undefined {
    return this.sections[section]?.startedAt ?? this.events[0]?.time;
  }

  /** Display number of a connection (what the filter's `conn:N` refers to). */
  /** The connection with this key, if the store holds it. */
  connection(key: string): Connection | undefined {
    return this.connByKey.get(key);
  }

  numberOf(conn: Connection): number {
    return this.numbers.get(conn) ?? 0;
  }

  /**
   * Whole messages that reached the panel but failed validation, dropped
   * unread (the events they carried show up as `missing` once later ones arrive).
   */
  rejectedMessages = 0;

  /** Counts a message that failed validation. */
  rejectMessage(): void {
    this.rejectedMessages++;
    this.version++;
  }

  /** Records dropped before reaching the panel, or that reached it and cannot be shown, summed over documents. */
  get lost(): { missing: number; dropped: number; invalid: number; orphaned: number } {
    let missing = 0;
    let dropped = 0;
    let invalid = 0;
    let orphaned = 0;
    for (const d of this.docs.values()) {
      missing += d.missing;
      dropped += d.loss.dropped;
      invalid += d.loss.invalid;
      orphaned += d.orphaned;
    }
    return { missing, dropped, invalid, orphaned };
  }

  /** The connections shown so far go, and so do their later events, silently. */
  private forgetConnections(): void {
    for (const key of this.connByKey.keys()) this.forgotten.add(key);
    this.connByKey.clear();
  }

  clear(): void {
    this.connections = [];
    this.events = [];
    this.forgetConnections();
    this.rejectedMessages = 0;
    // Documents stay known so their sequence continues without counting a gap.
    for (const d of this.docs.values()) {
      d.missing = 0;
      d.orphaned = 0;
    }
    this.sections = this.sections.slice(-1);
    this.nextNumber = 1;
    this.generation++;
    this.version++;
  }

  private currentSection(): number {
    return this.sections.length - 1;
  }

  private startSection(doc: DocumentInfo): void {
    if (!this.preserveLog) {
      this.connections = [];
      this.events = [];
      this.forgetConnections();
      this.sections = [];
      this.nextNumber = 1;
      this.generation++;
    }
    this.sections.push({ index: this.sections.length, url: doc.url, startedAt: doc.startedAt });
  }

  ingest(msg: PanelRecords): void {
    const { doc } = msg;
    let state = this.docs.get(doc.docId);
    if (!state) {
      if (doc.top && msg.frameId === 0 && doc.docId !== this.topDocId) {
        // A new top document is a navigation: start a new page section.
        if (this.topDocId !== null || this.sections.length === 0) this.startSection(doc);
        this.topDocId = doc.docId;
      } else if (this.sections.length === 0) {
        this.sections.push({ index: 0, url: doc.url, startedAt: doc.startedAt });
      }
      state = {
        doc,
        frameId: msg.frameId,
        lastSeq: 0,
        missing: 0,
        orphaned: 0,
        loss: msg.loss,
        section: this.currentSection(),
      };
      this.docs.set(doc.docId, state);
    }
    state.loss = msg.loss;
    if (doc.title) state.doc = { ...state.doc, title: doc.title };
    for (const record of msg.records) {
      // Replays after a reconnect repeat what we have: sequence numbers tell.
      if (record.seq <= state.lastSeq) continue;
      if (record.seq > state.lastSeq + 1) state.missing += record.seq - state.lastSeq - 1;
      state.lastSeq = record.seq;
      if (!this.recording) {
        // Paused: a connection opened meanwhile is let go like a cleared one.
        if (record.r === 'conn') this.forgotten.add(connectionKey(doc.docId, record.id));
        continue;
      }
      if (record.r === 'conn') this.addConnection(state, record);
      else this.addEvent(state, record);
    }
    // Records the relay could not send at all: a gap to count now.
    if (msg.through !== undefined && msg.through > state.lastSeq) {
      state.missing += msg.through - state.lastSeq;
      state.lastSeq = msg.through;
    }
    this.version++;
  }

  private addConnection(state: DocumentState, record: ConnectionRecord): void {
    const key = connectionKey(state.doc.docId, record.id);
    if (this.connByKey.has(key)) return;
    const conn = newConnection(state.doc.docId, record, state.doc.url, state.section);
    this.connByKey.set(key, conn);
    this.numbers.set(conn, this.nextNumber++);
    this.connections.push(conn);
  }

  private addEvent(state: DocumentState, record: EventRecord): void {
    const key = connectionKey(state.doc.docId, record.conn);
    const conn = this.connByKey.get(key);
    if (!conn) {
      // An event of a connection the user cleared is not shown; one whose
      // connection never arrived (dropped, or lost on the way) cannot be: counted.
      if (!this.forgotten.has(key)) state.orphaned++;
      return;
    }
    countEvent(conn, record);
    if (record.type === 'open' && record.protocol) conn.protocol = record.protocol;
    if ((record.type === 'receive' || record.type === 'close') && record.status !== undefined)
      conn.status = record.status;
    if (record.type === 'close') conn.endedAt = record.time;
    // An EventSource error is followed by a reconnect on the same connection.
    if (record.type === 'error' && conn.transport !== 'eventsource') conn.endedAt = record.time;
    this.events.push({
      seq: ++this.seq,
      time: record.time,
      connection: conn,
      record,
      section: state.section,
    });
  }

  /**
   * Loads an imported set wholesale (read-only views). A connection's number
   * is its document-local id, which an import takes from its file (`cN`), so
   * #N in the panel is cN in the file it came from.
   */
  static fromParts(parts: { connections: Connection[]; events: TimelineEvent[] }): TimelineStore {
    const store = new TimelineStore();
    store.connections = parts.connections;
    store.events = parts.events;
    for (const c of parts.connections) {
      store.connByKey.set(c.key, c);
      store.numbers.set(c, c.localId);
      store.nextNumber = Math.max(store.nextNumber, c.localId + 1);
    }
    store.seq = parts.events.at(-1)?.seq ?? 0;
    store.generation++;
    store.version++;
    return store;
  }
}
