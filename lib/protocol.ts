// The one message protocol between Wirescope's contexts:
//   hook (page MAIN world) -> relay (isolated content script) -> background -> panel.
// Every message carries the protocol version; every receiver validates what it
// gets with the parse* functions here and drops (and counts) what fails.

import { isBase64 } from './base64';
import {
  type CaptureRecord,
  type ConnectionRecord,
  type DocumentInfo,
  EVENT_TYPES,
  type EventFields,
  type EventRecord,
  type EventType,
  type HeaderList,
  TRANSPORTS,
  type Transport,
} from './model';
import { isTextFrameRun, unpackTextFrameRun, type WireRecord } from './text-frame-run';
import {
  cutString,
  isArrayBuffer,
  isHeaderList,
  isNonNegInt,
  isOneOf,
  isRecord,
  isString,
  isStringArray,
  isTime,
  MAX_HEADER_LIST_CHARS,
  MAX_HEADER_NAME_LENGTH,
  MAX_HEADER_VALUE_LENGTH,
  MAX_HEADERS,
  optional,
  ownArrayBuffer,
} from './validate';

export const PROTOCOL_VERSION = 3;

/** Port names: relay -> background and panel -> background (runtime.connect, Firefox). */
export const RELAY_PORT = 'wirescope-relay';
export const PANEL_PORT = 'wirescope-panel';
/** Port name: panel -> one frame's relay (tabs.connect, Chrome). */
export const PANEL_LINK = 'wirescope-panel-link';
/**
 * Events the DevTools page dispatches on the docked panel's window when
 * DevTools shows or hides the panel (panels.onShown / onHidden). They carry
 * nothing: the event's name is the whole message.
 */
export const PANEL_SHOWN_EVENT = 'wirescope-panel-shown';
export const PANEL_HIDDEN_EVENT = 'wirescope-panel-hidden';

/**
 * DOM event names for the one-time hook/relay handshake at document_start.
 * HOOK_READY is a cancelable MessageEvent carrying the hook's port; the relay
 * takes the port and cancels the event so the hook knows, synchronously, that
 * its port is in safe hands. RELAY_READY asks the hook to (re)announce.
 */
export const HANDSHAKE_HOOK_READY = 'wirescope:hook-ready';
export const HANDSHAKE_RELAY_READY = 'wirescope:relay-ready';
/**
 * The hook's last batch, when the page goes away, is a CustomEvent on the
 * window whose type is this prefix and a secret the relay made (sent in
 * HookConfig): a MessagePort message posted during pagehide is never
 * delivered, an event is delivered at once. No page script knows the type, so
 * none can listen for it or forge one.
 */
export const LAST_BATCH_EVENT_PREFIX = 'wirescope:last-batch:';

export const DEFAULT_PAYLOAD_CAP = 1024 * 1024;

// Limits of the wire format's fields, in characters. The relay, the first
// trusted party, cuts what the hook sends to them (and names the fields it
// cut in the record's `truncatedFields`); every later reader rejects what
// exceeds them. Header lists have their own (lib/validate.ts).
export const MAX_URL_LENGTH = 64 * 1024;
export const MAX_METHOD_LENGTH = 64;
/** statusText, reason, protocol, extensions, eventName, lastEventId, bodyKind, form names and values. */
export const MAX_FIELD_LENGTH = 100_000;
export const MAX_PROTOCOLS = 100;
export const MAX_PROTOCOL_LENGTH = 1000;
export const MAX_FORM_FIELDS = 10_000;
/** All of a form's names and values together. */
export const MAX_FORM_CHARS = 1024 * 1024;
export const MAX_TITLE_LENGTH = 10_000;
/** truncatedFields: at most this many names, each this long. */
const MAX_CUT_NAMES = 32;
const MAX_CUT_NAME_LENGTH = 64;

// ---------------------------------------------------------------------------
// hook -> relay

/** Fields a hook event may carry besides its body (copied to EventRecord). */
export type HookEventFields = EventFields;

export type HookBody = string | ArrayBuffer | Blob;

export interface HookConnection {
  r: 'conn';
  id: number;
  time: number;
  transport: Transport;
  url: string;
  method?: string;
  requestedProtocols?: string[];
  withCredentials?: boolean;
  async?: boolean;
  requestHeaders?: HeaderList;
  /** Set by the relay's reading (parseHookRecord), never by the hook: the fields it cut. */
  truncatedFields?: string[];
}

export interface HookEvent extends HookEventFields {
  r: 'ev';
  conn: number;
  time: number;
  type: EventType;
  /** Body as captured, already cut to the payload cap. */
  body?: HookBody;
  /** Full size in bytes when the hook cut the body (else computed by the relay). */
  fullSize?: number;
}

/**
 * A WebSocket message sent or received whole (under the payload cap, on an
 * open socket), as the hook records it: a tuple, the hot path of every flood.
 * Batches carry consecutive frames packed into a HookFrameRun. Anything else
 * (cut bodies, discarded sends) travels as a HookEvent.
 */
export type HookFrame = [
  direction: typeof FRAME_RECEIVE | typeof FRAME_SEND,
  conn: number,
  time: number,
  body: HookBody,
  bodyKind: FrameBodyKind,
];
export const FRAME_RECEIVE = 0;
export const FRAME_SEND = 1;
/** Index into FRAME_BODY_KINDS: how the page sent or received the body. */
export type FrameBodyKind = 0 | 1 | 2 | 3;
export const FRAME_BODY_KINDS = ['text', 'arraybuffer', 'view', 'blob'] as const;
export type FrameBodyKindName = (typeof FRAME_BODY_KINDS)[number];
/**
 * FRAME_BODY_KINDS the other way round, for the hook: a property lookup on its
 * own object, where indexOf would go through the page's Array.prototype.
 */
export const FRAME_BODY_KIND_INDEX: { readonly [K in FrameBodyKindName]: FrameBodyKind } = {
  text: 0,
  arraybuffer: 1,
  view: 2,
  blob: 3,
};

/** What the hook records, in order. */
export type HookRecord = HookConnection | HookEvent | HookFrame;

/** Numbers per message in HookFrameRun.fields: direction, conn, time, body kind. */
export const FRAME_FIELDS = 4;
/** Bytes of one message's numbers in HookFrameRun.fields (float64 each). */
export const FRAME_BYTES = FRAME_FIELDS * 8;

/**
 * Consecutive frames of a batch, packed by column: one buffer of numbers
 * (FRAME_FIELDS float64 per message) and one array of bodies. A flood's
 * thousands of messages then cost the page's thread one buffer and the bodies
 * to clone, and the relay as much to decode, instead of a tuple each (about a
 * quarter of the cost, measured with V8's serializer).
 */
export interface HookFrameRun {
  r: 'frames';
  fields: ArrayBuffer;
  bodies: HookBody[];
}

/** What a batch carries, in order. */
export type HookBatchRecord = HookConnection | HookEvent | HookFrameRun;

/** A run as the relay reads it once validated: its numbers as an array of the relay's own realm. */
export interface FrameRun {
  r: 'frames';
  fields: Float64Array;
  bodies: HookBody[];
}

/** A batch's record once validated. */
export type ParsedHookRecord = HookConnection | HookEvent | FrameRun;

export interface HookBatch {
  v: typeof PROTOCOL_VERSION;
  t: 'batch';
  records: HookBatchRecord[];
  /** Records the hook could not deliver since its last batch (counted, never silent). */
  dropped?: number;
  /**
   * true: at hand-over, a socket of the page still holds data it was asked to
   * send (WebSocket bufferedAmount); false (once, with or without records):
   * it has all gone. Absent: no change.
   */
  backlog?: boolean;
}

/** Relay -> hook. The hook checks it itself (lib/hook/channel.ts) with page-proof code only. */
export interface HookConfig {
  v: typeof PROTOCOL_VERSION;
  t: 'config';
  payloadCap: number;
  /** The event type of the hook's last batch (LAST_BATCH_EVENT_PREFIX and the relay's secret). */
  lastBatchEvent?: string;
}

// ---------------------------------------------------------------------------
// relay <-> background, background <-> panel

export interface RelayHello {
  v: typeof PROTOCOL_VERSION;
  t: 'hello';
}
export interface HelloReply {
  v: typeof PROTOCOL_VERSION;
  t: 'hello-reply';
  subscribed: boolean;
  payloadCap: number;
}
/** Background -> every relay of a tab: start streaming (replaying history first). */
export interface RelaySubscribe {
  v: typeof PROTOCOL_VERSION;
  t: 'subscribe';
  payloadCap: number;
}
/** Background -> relays, or panel -> relay over its link: new settings. */
export interface RelayConfig {
  v: typeof PROTOCOL_VERSION;
  t: 'config';
  payloadCap: number;
}
/**
 * Panel -> every relay of its tab (tabs.sendMessage, Chrome): a panel has
 * opened; say hello again so it can link to this frame.
 */
export interface RelayAnnounce {
  v: typeof PROTOCOL_VERSION;
  t: 'announce';
  payloadCap: number;
}

/** Counters of loss, cumulative per document, so the panel can show them. */
export interface LossCounters {
  /** Events evicted from the relay's bounded history before anyone saw them. */
  evicted: number;
  /** Records the hook could not deliver. */
  dropped: number;
  /** Messages from the hook that failed validation. */
  invalid: number;
}

export interface RecordsMessage {
  v: typeof PROTOCOL_VERSION;
  t: 'records';
  doc: DocumentInfo;
  loss: LossCounters;
  records: CaptureRecord[];
  /** True on the first batch after a subscribe: it starts the replay of retained history. */
  replayed?: boolean;
  /**
   * Every record up to this seq has been sent or given up on: a record the
   * relay could not send at all (no message could carry it) is a gap the
   * panel counts now, not only when a later record arrives.
   */
  through?: number;
}

/** A records message as the relay sends it: runs of text frames packed by column (see text-frame-run). */
export interface RecordsWire extends Omit<RecordsMessage, 'records'> {
  records: WireRecord[];
}

/** Background -> panel: records plus where they came from. */
export interface PanelRecords extends Omit<RecordsMessage, 't'> {
  t: 'panel-records';
  tabId: number;
  frameId: number;
}

export interface PanelSubscribe {
  v: typeof PROTOCOL_VERSION;
  t: 'panel-subscribe';
  tabId: number;
  payloadCap: number;
}

export interface PanelConfig {
  v: typeof PROTOCOL_VERSION;
  t: 'panel-config';
  tabId: number;
  payloadCap: number;
}

/**
 * Sent every 20 s while a panel is open: traffic over a port keeps an MV3
 * service worker alive, so an idle panel does not lose its background.
 */
export interface PanelPing {
  v: typeof PROTOCOL_VERSION;
  t: 'panel-ping';
  tabId: number;
  payloadCap: number;
}

export type PanelToBackground = PanelSubscribe | PanelConfig | PanelPing;
export type BackgroundToPanel = PanelRecords;
export type ToRelay = RelaySubscribe | RelayConfig | RelayAnnounce;

// ---------------------------------------------------------------------------
// validators

function hasVersion(v: unknown): v is Record<string, unknown> {
  return isRecord(v) && v.v === PROTOCOL_VERSION && typeof v.t === 'string';
}

function isPayloadCap(v: unknown): v is number {
  return isNonNegInt(v) && v >= 1024 && v <= 512 * 1024 * 1024;
}

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isShortString = (v: unknown): v is string => isString(v, MAX_FIELD_LENGTH);
const isUrl = (v: unknown): v is string => isString(v, MAX_URL_LENGTH);
const isCode = (v: unknown): v is number => isNonNegInt(v) && v <= 65535;
const isCutNames = (v: unknown): v is string[] => isStringArray(v, MAX_CUT_NAMES, MAX_CUT_NAME_LENGTH);

type FormField = NonNullable<EventRecord['form']>[number];

function isForm(v: unknown): v is NonNullable<EventRecord['form']> {
  if (!Array.isArray(v) || v.length > MAX_FORM_FIELDS) return false;
  let chars = 0;
  for (const f of v) {
    if (
      !isRecord(f) ||
      !isShortString(f.name) ||
      !optional(f.value, isShortString) ||
      !optional(f.fileName, isShortString) ||
      !optional(f.fileSize, isNonNegInt) ||
      !optional(f.fileType, isShortString)
    )
      return false;
    chars += f.name.length + (f.value?.length ?? 0) + (f.fileName?.length ?? 0) + (f.fileType?.length ?? 0);
  }
  return chars <= MAX_FORM_CHARS;
}

/** Checks the optional fields shared by HookEvent and EventRecord, as the relay sends them. */
function hasValidEventFields(e: Record<string, unknown>): boolean {
  return (
    optional(e.status, isCode) &&
    optional(e.statusText, isShortString) &&
    optional(e.responseHeaders, isHeaderList) &&
    optional(e.code, isCode) &&
    optional(e.reason, isShortString) &&
    optional(e.wasClean, isBool) &&
    (e.closedBy === undefined || e.closedBy === 'client' || e.closedBy === 'server') &&
    optional(e.protocol, isShortString) &&
    optional(e.extensions, isShortString) &&
    optional(e.eventName, isShortString) &&
    optional(e.lastEventId, isShortString) &&
    optional(e.chunk, isNonNegInt) &&
    optional(e.bodyKind, isShortString) &&
    optional(e.form, isForm) &&
    optional(e.headersAt, isTime) &&
    optional(e.truncatedFields, isCutNames)
  );
}

function hasValidConnFields(c: Record<string, unknown>): boolean {
  return (
    isNonNegInt(c.id) &&
    isTime(c.time) &&
    isOneOf(c.transport, TRANSPORTS) &&
    isUrl(c.url) &&
    optional(c.method, (m): m is string => isString(m, MAX_METHOD_LENGTH)) &&
    optional(c.requestedProtocols, (p): p is string[] =>
      isStringArray(p, MAX_PROTOCOLS, MAX_PROTOCOL_LENGTH),
    ) &&
    optional(c.withCredentials, isBool) &&
    optional(c.async, isBool) &&
    optional(c.requestHeaders, isHeaderList) &&
    optional(c.truncatedFields, isCutNames)
  );
}

// ---------------------------------------------------------------------------
// The relay's reading of hook records: the same checks, but a field that is
// only too long is cut to its limit (and named in truncatedFields) instead of
// costing the record, and with it every event of its connection.

/** Names of the fields cut so far, in the order met. */
type Cuts = string[];

function noteCut(cuts: Cuts, field: string): void {
  if (!cuts.includes(field)) cuts.push(field);
}

/** A string cut to max (the field noted when cut); null when v is not a string. */
function readString(v: unknown, max: number, field: string, cuts: Cuts): string | null {
  if (typeof v !== 'string') return null;
  if (v.length <= max) return v;
  noteCut(cuts, field);
  return cutString(v, max);
}

/** A header list cut to its limits; null when v is not a list of [name, value] strings. */
function readHeaderList(v: unknown, field: string, cuts: Cuts): HeaderList | null {
  if (!Array.isArray(v)) return null;
  if (isHeaderList(v)) return v;
  const out: HeaderList = [];
  let room = MAX_HEADER_LIST_CHARS;
  const n = Math.min(v.length, MAX_HEADERS);
  for (let i = 0; i < n; i++) {
    const h: unknown = v[i];
    if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== 'string' || typeof h[1] !== 'string')
      return null;
    if (room === 0) break;
    const name = cutString(h[0], Math.min(MAX_HEADER_NAME_LENGTH, room));
    room -= name.length;
    const value = cutString(h[1], Math.min(MAX_HEADER_VALUE_LENGTH, room));
    room -= value.length;
    out.push([name, value]);
  }
  noteCut(cuts, field);
  return out;
}

/** A FormData description cut to its limits; null when v is not one. */
function readForm(v: unknown, cuts: Cuts): FormField[] | null {
  if (!Array.isArray(v)) return null;
  if (isForm(v)) return v;
  const out: FormField[] = [];
  let room = MAX_FORM_CHARS;
  const piece = (s: unknown): string | undefined | null => {
    if (s === undefined) return undefined;
    if (typeof s !== 'string') return null;
    const kept = cutString(s, Math.min(MAX_FIELD_LENGTH, room));
    room -= kept.length;
    return kept;
  };
  const n = Math.min(v.length, MAX_FORM_FIELDS);
  for (let i = 0; i < n; i++) {
    const f: unknown = v[i];
    if (!isRecord(f) || !optional(f.fileSize, isNonNegInt)) return null;
    if (room === 0) break;
    const name = piece(f.name);
    const value = piece(f.value);
    const fileName = piece(f.fileName);
    const fileType = piece(f.fileType);
    if (typeof name !== 'string' || value === null || fileName === null || fileType === null) return null;
    const field: FormField = { name };
    if (value !== undefined) field.value = value;
    if (fileName !== undefined) field.fileName = fileName;
    if (f.fileSize !== undefined) field.fileSize = f.fileSize;
    if (fileType !== undefined) field.fileType = fileType;
    out.push(field);
  }
  noteCut(cuts, 'form');
  return out;
}

/** The string fields of an event the relay cuts to MAX_FIELD_LENGTH. */
const SHORT_EVENT_FIELDS = [
  'statusText',
  'reason',
  'protocol',
  'extensions',
  'eventName',
  'lastEventId',
  'bodyKind',
] as const;

/**
 * A hook event's optional fields, checked, with over-long ones cut in place
 * (the object is the relay's own copy); false when one has the wrong type.
 */
function readHookEventFields(e: Record<string, unknown>, cuts: Cuts): boolean {
  for (const field of SHORT_EVENT_FIELDS) {
    const value = e[field];
    if (value === undefined) continue;
    const kept = readString(value, MAX_FIELD_LENGTH, field, cuts);
    if (kept === null) return false;
    e[field] = kept;
  }
  if (e.responseHeaders !== undefined) {
    const headers = readHeaderList(e.responseHeaders, 'responseHeaders', cuts);
    if (!headers) return false;
    e.responseHeaders = headers;
  }
  if (e.form !== undefined) {
    const form = readForm(e.form, cuts);
    if (!form) return false;
    e.form = form;
  }
  // Only the relay says what it cut (a delete only when there is one: it slows the object down).
  if (e.truncatedFields !== undefined) delete e.truncatedFields;
  return (
    optional(e.status, isCode) &&
    optional(e.code, isCode) &&
    optional(e.wasClean, isBool) &&
    (e.closedBy === undefined || e.closedBy === 'client' || e.closedBy === 'server') &&
    optional(e.chunk, isNonNegInt) &&
    optional(e.headersAt, isTime)
  );
}

/** A hook connection record, its known fields only, over-long ones cut. */
function readHookConnection(v: Record<string, unknown>): HookConnection | null {
  if (!isNonNegInt(v.id) || !isTime(v.time) || !isOneOf(v.transport, TRANSPORTS)) return null;
  const cuts: Cuts = [];
  const url = readString(v.url, MAX_URL_LENGTH, 'url', cuts);
  if (url === null) return null;
  const out: HookConnection = { r: 'conn', id: v.id, time: v.time, transport: v.transport, url };
  if (v.method !== undefined) {
    const method = readString(v.method, MAX_METHOD_LENGTH, 'method', cuts);
    if (method === null) return null;
    out.method = method;
  }
  if (v.requestedProtocols !== undefined) {
    const asked = v.requestedProtocols;
    if (!Array.isArray(asked) || !asked.every((p) => typeof p === 'string')) return null;
    if (asked.length > MAX_PROTOCOLS) noteCut(cuts, 'requestedProtocols');
    out.requestedProtocols = asked
      .slice(0, MAX_PROTOCOLS)
      .map((p: string) => readString(p, MAX_PROTOCOL_LENGTH, 'requestedProtocols', cuts) as string);
  }
  if (v.withCredentials !== undefined) {
    if (!isBool(v.withCredentials)) return null;
    out.withCredentials = v.withCredentials;
  }
  if (v.async !== undefined) {
    if (!isBool(v.async)) return null;
    out.async = v.async;
  }
  if (v.requestHeaders !== undefined) {
    const headers = readHeaderList(v.requestHeaders, 'requestHeaders', cuts);
    if (!headers) return null;
    out.requestHeaders = headers;
  }
  if (cuts.length > 0) out.truncatedFields = cuts;
  return out;
}

function isHookBody(v: unknown): v is HookBody {
  return typeof v === 'string' || isArrayBuffer(v) || (typeof Blob !== 'undefined' && v instanceof Blob);
}

/** The most messages one run may carry (the hook hands over at 50,000 records). */
const MAX_RUN_FRAMES = 100_000;

function isFrameAt(fields: Float64Array, bodies: unknown[], i: number): boolean {
  const at = i * FRAME_FIELDS;
  const direction = fields[at];
  const kind = fields[at + 3];
  return (
    (direction === FRAME_RECEIVE || direction === FRAME_SEND) &&
    isNonNegInt(fields[at + 1]) &&
    isTime(fields[at + 2]) &&
    (kind === 0 || kind === 1 || kind === 2 || kind === 3) &&
    isHookBody(bodies[i])
  );
}

/**
 * A run's valid frames, and how many were not (a run whose shape is wrong
 * counts as one). Every message is checked; a bad one is dropped alone.
 */
function parseFrameRun(v: Record<string, unknown>): { run: FrameRun | null; invalid: number } {
  const { fields, bodies } = v;
  if (
    !isArrayBuffer(fields) ||
    !Array.isArray(bodies) ||
    bodies.length === 0 ||
    bodies.length > MAX_RUN_FRAMES
  )
    return { run: null, invalid: 1 };
  const own = ownArrayBuffer(fields);
  if (own.byteLength !== bodies.length * FRAME_BYTES) return { run: null, invalid: 1 };
  const numbers = new Float64Array(own);
  // Nearly always every frame is valid: checked once each, and no list of indices is made.
  let firstInvalid = 0;
  while (firstInvalid < bodies.length && isFrameAt(numbers, bodies, firstInvalid)) firstInvalid++;
  if (firstInvalid === bodies.length)
    return { run: { r: 'frames', fields: numbers, bodies: bodies as HookBody[] }, invalid: 0 };
  // Rare (only a broken or hostile sender): the valid frames, repacked.
  const valid: number[] = [];
  for (let i = 0; i < firstInvalid; i++) valid.push(i);
  for (let i = firstInvalid + 1; i < bodies.length; i++) if (isFrameAt(numbers, bodies, i)) valid.push(i);
  const invalid = bodies.length - valid.length;
  if (valid.length === 0) return { run: null, invalid };
  const kept = new Float64Array(valid.length * FRAME_FIELDS);
  for (const [to, from] of valid.entries())
    kept.set(numbers.subarray(from * FRAME_FIELDS, (from + 1) * FRAME_FIELDS), to * FRAME_FIELDS);
  return { run: { r: 'frames', fields: kept, bodies: valid.map((i) => bodies[i] as HookBody) }, invalid };
}

/**
 * One record that is not a run (runs are checked by parseHookMessage, which
 * counts their bad frames). A field of the right type that is only too long
 * is cut to its limit and named in the record's truncatedFields; anything
 * else wrong costs the record (null). An event may be cut in place: the
 * relay reads its own structured-clone copy.
 */
export function parseHookRecord(v: unknown): HookConnection | HookEvent | null {
  if (!isRecord(v)) return null;
  if (v.r === 'conn') return readHookConnection(v);
  if (v.r === 'ev') {
    if (
      !isNonNegInt(v.conn) ||
      !isTime(v.time) ||
      !isOneOf(v.type, EVENT_TYPES) ||
      !optional(v.body, isHookBody) ||
      !optional(v.fullSize, isNonNegInt)
    )
      return null;
    const cuts: Cuts = [];
    if (!readHookEventFields(v, cuts)) return null;
    if (cuts.length > 0) v.truncatedFields = cuts;
    return v as unknown as HookEvent;
  }
  return null;
}

/** Splits a hook message into valid records and a count of rejected ones. */
export function parseHookMessage(v: unknown):
  | {
      kind: 'batch';
      records: ParsedHookRecord[];
      invalid: number;
      dropped: number;
      /** As the batch said (see HookBatch); undefined when it did not. */
      backlog: boolean | undefined;
    }
  | { kind: 'invalid' } {
  if (!hasVersion(v) || v.t !== 'batch' || !Array.isArray(v.records)) return { kind: 'invalid' };
  if (!optional(v.dropped, isNonNegInt)) return { kind: 'invalid' };
  if (!optional(v.backlog, isBool)) return { kind: 'invalid' };
  const records: ParsedHookRecord[] = [];
  let invalid = 0;
  for (const r of v.records) {
    if (isRecord(r) && r.r === 'frames') {
      const { run, invalid: bad } = parseFrameRun(r);
      if (run) records.push(run);
      invalid += bad;
      continue;
    }
    const parsed = parseHookRecord(r);
    if (parsed) records.push(parsed);
    else invalid++;
  }
  return { kind: 'batch', records, invalid, dropped: v.dropped ?? 0, backlog: v.backlog };
}

/** { text } or { base64 } (canonical base64, so every reader can decode it, exports included). */
function isPayload(v: unknown): boolean {
  if (!isRecord(v)) return false;
  const keys = Object.keys(v);
  if (keys.length !== 1) return false;
  return typeof v.text === 'string' || (typeof v.base64 === 'string' && isBase64(v.base64));
}

export function parseCaptureRecord(v: unknown): CaptureRecord | null {
  if (!isRecord(v) || !isNonNegInt(v.seq)) return null;
  if (v.r === 'conn') return hasValidConnFields(v) ? (v as unknown as ConnectionRecord) : null;
  if (v.r === 'ev') {
    const ok =
      isNonNegInt(v.conn) &&
      isTime(v.time) &&
      isOneOf(v.type, EVENT_TYPES) &&
      (v.data === undefined || isPayload(v.data)) &&
      optional(v.size, isNonNegInt) &&
      optional(v.truncated, isBool) &&
      hasValidEventFields(v);
    return ok ? (v as unknown as EventRecord) : null;
  }
  return null;
}

export function parseDocumentInfo(v: unknown): DocumentInfo | null {
  if (!isRecord(v)) return null;
  const ok =
    isString(v.docId, 100) &&
    v.docId.length > 0 &&
    isUrl(v.url) &&
    isString(v.title, MAX_TITLE_LENGTH) &&
    isBool(v.top) &&
    isTime(v.startedAt);
  return ok ? (v as unknown as DocumentInfo) : null;
}

function parseLoss(v: unknown): LossCounters | null {
  return isRecord(v) && isNonNegInt(v.evicted) && isNonNegInt(v.dropped) && isNonNegInt(v.invalid)
    ? { evicted: v.evicted, dropped: v.dropped, invalid: v.invalid }
    : null;
}

/**
 * Validates a records message (as sent, RecordsWire), unpacking its runs of
 * text frames; invalid records inside an otherwise good message are dropped
 * and added to loss.invalid.
 */
export function parseRecordsMessage(v: unknown): RecordsMessage | null {
  if (!hasVersion(v) || v.t !== 'records' || !Array.isArray(v.records)) return null;
  const doc = parseDocumentInfo(v.doc);
  const loss = parseLoss(v.loss);
  if (!doc || !loss) return null;
  const records: CaptureRecord[] = [];
  for (const r of v.records) {
    if (isTextFrameRun(r)) {
      const run = unpackTextFrameRun(r);
      for (const record of run.records) records.push(record);
      loss.invalid += run.invalid;
      continue;
    }
    const parsed = parseCaptureRecord(r);
    if (parsed) records.push(parsed);
    else loss.invalid++;
  }
  if (!optional(v.through, isNonNegInt)) return null;
  const msg: RecordsMessage = { v: PROTOCOL_VERSION, t: 'records', doc, loss, records };
  if (v.replayed === true) msg.replayed = true;
  if (v.through !== undefined) msg.through = v.through;
  return msg;
}

export function parsePanelRecords(v: unknown): PanelRecords | null {
  if (!hasVersion(v) || v.t !== 'panel-records') return null;
  if (!isNonNegInt(v.tabId) || !isNonNegInt(v.frameId)) return null;
  const inner = parseRecordsMessage({ ...v, t: 'records' });
  if (!inner) return null;
  return { ...inner, t: 'panel-records', tabId: v.tabId, frameId: v.frameId };
}

export function parsePanelToBackground(v: unknown): PanelToBackground | null {
  if (!hasVersion(v) || !isNonNegInt(v.tabId) || !isPayloadCap(v.payloadCap)) return null;
  if (v.t === 'panel-subscribe')
    return { v: PROTOCOL_VERSION, t: 'panel-subscribe', tabId: v.tabId, payloadCap: v.payloadCap };
  if (v.t === 'panel-config')
    return { v: PROTOCOL_VERSION, t: 'panel-config', tabId: v.tabId, payloadCap: v.payloadCap };
  if (v.t === 'panel-ping')
    return { v: PROTOCOL_VERSION, t: 'panel-ping', tabId: v.tabId, payloadCap: v.payloadCap };
  return null;
}

/** What a relay accepts from the extension: runtime messages, and (config only) its panel links. */
export function parseToRelay(v: unknown): ToRelay | null {
  if (!hasVersion(v) || !isPayloadCap(v.payloadCap)) return null;
  if (v.t === 'subscribe') return { v: PROTOCOL_VERSION, t: 'subscribe', payloadCap: v.payloadCap };
  if (v.t === 'config') return { v: PROTOCOL_VERSION, t: 'config', payloadCap: v.payloadCap };
  if (v.t === 'announce') return { v: PROTOCOL_VERSION, t: 'announce', payloadCap: v.payloadCap };
  return null;
}

export function parseRelayHello(v: unknown): RelayHello | null {
  return hasVersion(v) && v.t === 'hello' ? { v: PROTOCOL_VERSION, t: 'hello' } : null;
}

export function parseHelloReply(v: unknown): HelloReply | null {
  return hasVersion(v) && v.t === 'hello-reply' && isBool(v.subscribed) && isPayloadCap(v.payloadCap)
    ? { v: PROTOCOL_VERSION, t: 'hello-reply', subscribed: v.subscribed, payloadCap: v.payloadCap }
    : null;
}
