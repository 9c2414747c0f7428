// Consecutive WebSocket text messages, relay -> panel, by column. Chrome's
// runtime ports serialise every message as JSON on the sender's thread (the
// page's, for the relay) and parse it in the panel; a flood's records as one
// object each cost ~3 times as much to serialise and ~5 times as much to parse
// as the same records as a few arrays (and are ~3 times the bytes). A run
// carries exactly the fields of a plain text frame, so unpacking rebuilds each
// record as it was.

import type { CaptureRecord, EventRecord } from './model';
import { isNonNegInt, isRecord, isTime } from './validate';

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
