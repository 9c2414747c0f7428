// relay -> panel: a document's records, in messages the relay sends each
// subscriber (a panel's link in Chrome; the background's port in Firefox,
// which forwards each message as it is, wrapped with its tab and frame).
// The panel reads every message here once, as untrusted.
//
// Consecutive WebSocket messages travel by column, their texts joined
// (MessageRunWire): Chrome's runtime ports serialise every message as JSON on the
// sender's thread (the page's, for the relay) and parse it in the panel, and a
// few arrays and one string cost a fraction of an object per message there.
// The relay forwards them as it keeps them; the panel makes their records.

import { isBase64 } from '../base64';
import {
  type CaptureRecord,
  type ConnectionRecord,
  type DocumentInfo,
  EVENT_TYPES,
  type EventRecord,
} from '../model';
import { utf8ByteLength } from '../utf8';
import { isNonNegInt, isOneOf, isRecord, isString, isTime, optional } from '../validate';
import { type Envelope, hasVersion, isBool, PROTOCOL_VERSION } from './envelope';
import { hasValidConnFields, hasValidEventFields, isUrl, MAX_TITLE_LENGTH } from './fields';
import { MESSAGE_BODY_KINDS, MESSAGE_SEND, type MessageBodyKindName } from './page-relay';

/** Counters of loss, cumulative per document, so the panel can show them. */
export interface LossCounters {
  /** Events evicted from the relay's bounded history before anyone saw them. */
  evicted: number;
  /** Records the hook could not deliver. */
  dropped: number;
  /** Messages from the hook that failed validation. */
  invalid: number;
}

export interface RecordsMessage extends Envelope<'records'> {
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

/** A records message as the relay sends it: runs of messages packed by column. */
export interface RecordsWire extends Omit<RecordsMessage, 'records'> {
  records: WireRecord[];
}

/** A records message as the panel holds it once read: with the tab and frame it came from. */
export interface PanelRecords extends Omit<RecordsMessage, 't'> {
  t: 'panel-records';
  tabId: number;
  frameId: number;
}

/**
 * Consecutive WebSocket messages, by column: per message its flags
 * (direction | body kind << 1: MESSAGE_SEND and MESSAGE_BODY_KINDS of
 * page-relay.ts), connection, time, and the length of its text in `text`,
 * where the texts are joined (0 for a binary message); the base64 of binary
 * messages, in order. The relay keeps a run's texts joined (stored-run.ts),
 * so they travel as one string; the panel makes each message's record (its
 * seq, size and data) from these.
 */
export interface MessageRunWire {
  r: 'run';
  /** The first message's seq; the others follow densely. */
  seq: number;
  flags: number[];
  conns: number[];
  times: number[];
  lengths: number[];
  text: string;
  binary: string[];
}

/** A record as it crosses from relay to panel. */
export type WireRecord = CaptureRecord | MessageRunWire;

/** The most messages a run may carry. */
export const MAX_WIRE_RUN = 100_000;

/** Bytes a canonical base64 string decodes to. */
function base64Bytes(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - pad;
}

/** A message's flags: its direction (bit 0) and body kind (above), a Blob's excepted (it never travels in a run). */
const isMessageFlags = (v: unknown): v is number => isNonNegInt(v) && v < 6;
/** Flags of a binary message (it takes the next of `binary`), valid or not. */
const isBinaryFlags = (v: unknown): boolean => v === 2 || v === 3 || v === 4 || v === 5;

/**
 * Whether a run's texts and binary bodies can be placed: every length a
 * whole number, together the text exactly, and one binary body per binary
 * message. Otherwise no message's body is known.
 */
function isRunLaidOut(flags: unknown[], lengths: unknown[], text: string, binary: unknown[]): boolean {
  let total = 0;
  let binaries = 0;
  for (let i = 0; i < flags.length; i++) {
    const length = lengths[i];
    if (!isNonNegInt(length) || length > text.length) return false;
    total += length;
    if (isBinaryFlags(flags[i])) binaries++;
  }
  return total === text.length && binaries === binary.length;
}

/**
 * Unpacks an untrusted run into records, in order. A run whose shape is wrong
 * counts as one invalid record; within a good shape, a bad message is dropped
 * alone and counted.
 */
export function unpackMessageRun(v: Record<string, unknown>): { records: EventRecord[]; invalid: number } {
  const { seq, flags, conns, times, lengths, text, binary } = v;
  const shapeless = { records: [], invalid: 1 };
  if (!isNonNegInt(seq) || !Array.isArray(flags) || flags.length === 0 || flags.length > MAX_WIRE_RUN)
    return shapeless;
  const n = flags.length;
  if (
    !Number.isSafeInteger(seq + n) ||
    !Array.isArray(conns) ||
    conns.length !== n ||
    !Array.isArray(times) ||
    times.length !== n ||
    !Array.isArray(lengths) ||
    lengths.length !== n ||
    typeof text !== 'string' ||
    !Array.isArray(binary) ||
    !isRunLaidOut(flags, lengths, text, binary)
  )
    return shapeless;
  const records: EventRecord[] = [];
  let invalid = 0;
  let end = 0;
  let nextBinary = 0;
  for (let i = 0; i < n; i++) {
    const flag: unknown = flags[i];
    const conn: unknown = conns[i];
    const time: unknown = times[i];
    const start = end;
    end += lengths[i] as number;
    const isBinary = isBinaryFlags(flag);
    const body: unknown = isBinary ? binary[nextBinary++] : undefined;
    if (
      !isMessageFlags(flag) ||
      !isNonNegInt(conn) ||
      !isTime(time) ||
      (isBinary && (end !== start || typeof body !== 'string' || !isBase64(body)))
    ) {
      invalid++;
      continue;
    }
    const kind = flag >> 1;
    const data: { text: string } | { base64: string } =
      kind === 0 ? { text: text.slice(start, end) } : { base64: body as string };
    // The same fields, in the same order, as the relay's record of a message it keeps alone.
    records.push({
      r: 'ev',
      seq: seq + i,
      time,
      conn,
      type: (flag & 1) === MESSAGE_SEND ? 'send' : 'receive',
      bodyKind: MESSAGE_BODY_KINDS[kind] as MessageBodyKindName,
      data,
      size: 'text' in data ? utf8ByteLength(data.text) : base64Bytes(data.base64),
      truncated: false,
    });
  }
  return { records, invalid };
}

/** Says it is a run; unpackMessageRun checks the rest. */
export function isMessageRunWire(v: unknown): v is Record<string, unknown> {
  return isRecord(v) && v.r === 'run';
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
 * runs of messages; invalid records inside an otherwise good message are dropped
 * and added to loss.invalid.
 */
export function parseRecordsMessage(v: unknown): RecordsMessage | null {
  if (!hasVersion(v) || v.t !== 'records' || !Array.isArray(v.records)) return null;
  const doc = parseDocumentInfo(v.doc);
  const loss = parseLoss(v.loss);
  if (!doc || !loss) return null;
  const records: CaptureRecord[] = [];
  for (const r of v.records) {
    if (isMessageRunWire(r)) {
      const run = unpackMessageRun(r);
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

/** A records message, as the relay sends it. */
export function recordsMessage(
  doc: DocumentInfo,
  loss: LossCounters,
  records: WireRecord[],
  replayed: boolean,
  through?: number,
): RecordsWire {
  const msg: RecordsWire = { v: PROTOCOL_VERSION, t: 'records', doc, loss, records };
  if (replayed) msg.replayed = true;
  if (through !== undefined) msg.through = through;
  return msg;
}

/** A relay's records message as the panel reads it: validated, with the tab and frame it came from. */
export function readRelayRecords(message: unknown, tabId: number, frameId: number): PanelRecords | null {
  const msg = parseRecordsMessage(message);
  return msg ? { ...msg, t: 'panel-records', tabId, frameId } : null;
}
