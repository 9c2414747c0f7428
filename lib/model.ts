// The event model shared by relay, background, panel, detectors and export.
// Everything here is plain data that survives JSON and structured clone.

export const TRANSPORTS = ['websocket', 'xhr', 'fetch', 'eventsource'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const EVENT_TYPES = ['open', 'send', 'receive', 'close', 'error'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A captured payload: text as is, binary as base64. */
export type Payload = { text: string } | { base64: string };

/** Header list in the order the page / server gave them. */
export type HeaderList = Array<[name: string, value: string]>;

/**
 * Where the page's code started a request: the first stack frame outside the
 * page hook, as DevTools' Initiator column shows it. Lines and columns count
 * from 1, as stack traces print them.
 */
export interface CallSite {
  /** The function's name as the stack prints it ("longPoll", "Foo.bar"); absent for anonymous code. */
  fn?: string;
  /** The script's URL (the page's URL for an inline script). */
  url: string;
  line: number;
  column: number;
}

/**
 * A connection as first seen: a WebSocket, an EventSource, or one HTTP exchange.
 * `id` is local to the document that opened it.
 */
export interface ConnectionRecord {
  r: 'conn';
  seq: number;
  time: number;
  id: number;
  transport: Transport;
  url: string;
  method?: string;
  /** WebSocket subprotocols the page asked for. */
  requestedProtocols?: string[];
  /** EventSource withCredentials; XHR withCredentials at send. */
  withCredentials?: boolean;
  /** XHR: false for a synchronous request. */
  async?: boolean;
  requestHeaders?: HeaderList;
  /**
   * HTTP requests that looked like part of a loop (the same method and path
   * started again soon, or while one was in flight): where the page started it.
   */
  initiator?: CallSite;
  /** Fields the relay cut to fit the wire format's limits (e.g. "url"), when any were. */
  truncatedFields?: string[];
}

/** What an event may tell besides its body: shared by the hook's records and EventRecord. */
export interface EventFields {
  /** HTTP status (receive/close of xhr/fetch). */
  status?: number;
  statusText?: string;
  responseHeaders?: HeaderList;
  /** WebSocket close code and reason; error reason for HTTP. */
  code?: number;
  reason?: string;
  wasClean?: boolean;
  /** Which side started a WebSocket close. */
  closedBy?: 'client' | 'server';
  /** Negotiated WebSocket subprotocol / extensions (open). */
  protocol?: string;
  extensions?: string;
  /** EventSource message event name and id. */
  eventName?: string;
  lastEventId?: string;
  /** How the body arrived: one piece, or the nth streamed chunk. */
  chunk?: number;
  /** XHR responseType / fetch body kind the page used. */
  bodyKind?: string;
  /** Form fields of a FormData body (files as name + size). */
  form?: Array<{ name: string; value?: string; fileName?: string; fileSize?: number; fileType?: string }>;
  /** Time response headers arrived (HTTP), for hold-time measurement. */
  headersAt?: number;
  /**
   * Fields other than the body that were cut to fit the wire format's limits
   * (e.g. "reason", "responseHeaders"), when any were; a cut body says so with `truncated`.
   */
  truncatedFields?: string[];
}

/** Every optional event field, so code can copy them by name (the relay, the export). */
export const EVENT_FIELDS = [
  'status',
  'code',
  'reason',
  'wasClean',
  'closedBy',
  'protocol',
  'extensions',
  'eventName',
  'lastEventId',
  'responseHeaders',
  'chunk',
  'statusText',
  'headersAt',
  'bodyKind',
  'form',
  'truncatedFields',
] as const satisfies readonly (keyof EventFields)[];
// Fails to compile if EventFields gains a field that EVENT_FIELDS does not list.
const everyFieldListed: Exclude<keyof EventFields, (typeof EVENT_FIELDS)[number]> extends never
  ? true
  : never = true;
void everyFieldListed;

/** Copies the event fields `from` has (not undefined) onto `to`, and nothing else. */
export function copyEventFields(from: EventFields, to: EventFields): void {
  for (const name of EVENT_FIELDS) {
    const value = from[name];
    if (value !== undefined) (to as Record<string, unknown>)[name] = value;
  }
}

/** Something that happened on a connection. */
export interface EventRecord extends EventFields {
  r: 'ev';
  seq: number;
  time: number;
  conn: number;
  type: EventType;
  data?: Payload;
  /** Bytes of the whole payload (UTF-8 for text), even when truncated. */
  size?: number;
  truncated?: boolean;
}

export type CaptureRecord = ConnectionRecord | EventRecord;

/** The document (frame) that produced records. */
export interface DocumentInfo {
  /** Random id made by the relay for this document; never visible to the page. */
  docId: string;
  url: string;
  title: string;
  top: boolean;
  /** Page-clock time the relay started. */
  startedAt: number;
}
