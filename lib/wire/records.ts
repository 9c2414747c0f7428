// relay -> panel: a document's records, in messages the relay sends each
// subscriber (a panel's link in Chrome; the background's port in Firefox,
// which forwards each message as it is, wrapped with its tab and frame).
// The panel reads every message here once, as untrusted.
//
// Consecutive WebSocket text messages travel by column, as text-frame runs.
// Chrome's runtime ports serialise every message as JSON on the sender's
// thread (the page's, for the relay) and parse it in the panel; a flood's
// records as one object each cost ~3 times as much to serialise and ~5 times
// as much to parse as the same records as a few arrays (and are ~3 times the
// bytes). A run carries exactly the fields of a plain text frame, so
// unpacking rebuilds each record as it was.

import { isBase64 } from '../base64';
import {
  type CaptureRecord,
  type ConnectionRecord,
  type DocumentInfo,
  EVENT_TYPES,
  type EventRecord,
} from '../model';
import { isNonNegInt, isOneOf, isRecord, isString, isTime, optional } from '../validate';
import { type Envelope, hasVersion, isBool, PROTOCOL_VERSION } from './envelope';
import { hasValidConnFields, hasValidEventFields, isUrl, MAX_TITLE_LENGTH } from './fields';

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

/** A records message as the relay sends it: runs of text frames packed by column. */
export interface RecordsWire extends Omit<RecordsMessage, 'records'> {
  records: WireRecord[];
}

/** A records message as the panel holds it once read: with the tab and frame it came from. */
export interface PanelRecords extends Omit<RecordsMessage, 't'> {
  t: 'panel-records';
  tabId: number;
  frameId: number;
}

export interface TextFrameRun {
  r: 'text-frames';
  /** The first frame's seq; the others follow densely. */
  seq: number;
  time: number[];
  conn: number[];
  /** One character per frame: 's' sent, 'r' received. */
  dir: string;
  text: string[];
  /** Bytes of each whole message (UTF-8), even when its text was cut. */
  size: number[];
  /** Indices of the frames whose text was cut to the payload cap, ascending. */
  cut: number[];
}

/** A record as it crosses from relay to panel. */
export type WireRecord = CaptureRecord | TextFrameRun;

/** Fewer frames in a row than this stay records of their own. */
const MIN_RUN = 2;
/** The most frames a run may carry (the relay sends at most 2,000 records a message). */
const MAX_TEXT_RUN = 100_000;

/** The fields of a plain text frame, and no others. */
const PLAIN_FRAME_KEYS = 9;

type PlainTextFrame = EventRecord & { data: { text: string }; size: number; truncated: boolean };

/** A record a run carries whole: a text message with nothing else to it. */
function isPlainTextFrame(rec: CaptureRecord): rec is PlainTextFrame {
  if (rec.r !== 'ev' || (rec.type !== 'send' && rec.type !== 'receive') || rec.bodyKind !== 'text')
    return false;
  const { data } = rec;
  if (
    data === undefined ||
    !('text' in data) ||
    typeof rec.size !== 'number' ||
    typeof rec.truncated !== 'boolean'
  )
    return false;
  let keys = 0;
  for (const _ in rec) keys++;
  let dataKeys = 0;
  for (const _ in data) dataKeys++;
  return keys === PLAIN_FRAME_KEYS && dataKeys === 1;
}

/** The records, with each stretch of consecutive plain text frames (dense seq) packed into one run. */
export function packTextFrames(records: readonly CaptureRecord[]): WireRecord[] {
  const out: WireRecord[] = [];
  let i = 0;
  while (i < records.length) {
    const first = records[i] as CaptureRecord;
    let end = i;
    if (isPlainTextFrame(first)) {
      end = i + 1;
      while (end < records.length) {
        const next = records[end] as CaptureRecord;
        if (next.seq !== first.seq + (end - i) || !isPlainTextFrame(next)) break;
        end++;
      }
    }
    if (end - i < MIN_RUN) {
      out.push(first);
      i++;
      continue;
    }
    const run: TextFrameRun = {
      r: 'text-frames',
      seq: first.seq,
      time: [],
      conn: [],
      dir: '',
      text: [],
      size: [],
      cut: [],
    };
    let dir = '';
    for (let k = i; k < end; k++) {
      const frame = records[k] as PlainTextFrame;
      run.time.push(frame.time);
      run.conn.push(frame.conn);
      dir += frame.type === 'send' ? 's' : 'r';
      run.text.push(frame.data.text);
      run.size.push(frame.size);
      if (frame.truncated) run.cut.push(k - i);
    }
    run.dir = dir;
    out.push(run);
    i = end;
  }
  return out;
}

/**
 * Unpacks an untrusted run into records, in order. A run whose shape is wrong
 * counts as one invalid record; within a good shape, a bad frame is dropped
 * alone and counted.
 */
export function unpackTextFrameRun(v: Record<string, unknown>): { records: EventRecord[]; invalid: number } {
  const { seq, time, conn, dir, text, size, cut } = v;
  if (
    !isNonNegInt(seq) ||
    !Array.isArray(text) ||
    text.length === 0 ||
    text.length > MAX_TEXT_RUN ||
    !Number.isSafeInteger(seq + text.length) ||
    !Array.isArray(time) ||
    !Array.isArray(conn) ||
    !Array.isArray(size) ||
    typeof dir !== 'string' ||
    time.length !== text.length ||
    conn.length !== text.length ||
    size.length !== text.length ||
    dir.length !== text.length ||
    !isCutList(cut, text.length)
  )
    return { records: [], invalid: 1 };
  const records: EventRecord[] = [];
  let invalid = 0;
  let nextCut = 0;
  for (let i = 0; i < text.length; i++) {
    const truncated = cut[nextCut] === i;
    if (truncated) nextCut++;
    const t: unknown = time[i];
    const c: unknown = conn[i];
    const d = dir[i];
    const body: unknown = text[i];
    const bytes: unknown = size[i];
    if (
      !isTime(t) ||
      !isNonNegInt(c) ||
      (d !== 's' && d !== 'r') ||
      typeof body !== 'string' ||
      !isNonNegInt(bytes)
    ) {
      invalid++;
      continue;
    }
    // The same fields, in the same order, as the relay's record of a text frame.
    records.push({
      r: 'ev',
      seq: seq + i,
      time: t,
      conn: c,
      type: d === 's' ? 'send' : 'receive',
      bodyKind: 'text',
      data: { text: body },
      size: bytes,
      truncated,
    });
  }
  return { records, invalid };
}

/** Ascending indices below `n`. */
function isCutList(v: unknown, n: number): v is number[] {
  if (!Array.isArray(v) || v.length > n) return false;
  let previous = -1;
  for (const i of v) {
    if (!isNonNegInt(i) || i <= previous || i >= n) return false;
    previous = i;
  }
  return true;
}

/** Says it is a run; unpackTextFrameRun checks the rest. */
export function isTextFrameRun(v: unknown): v is Record<string, unknown> {
  return isRecord(v) && v.r === 'text-frames';
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
