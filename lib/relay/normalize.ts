// Turns a validated hook record into a capture record: numbers the record,
// measures and cuts its body to the payload cap, and encodes binary as base64.

import { bytesToBase64 } from '../base64';
import { type CaptureRecord, copyEventFields, type EventRecord } from '../model';
import {
  FRAME_BODY_KINDS,
  FRAME_FIELDS,
  FRAME_SEND,
  type FrameBodyKind,
  type FrameRun,
  type HookBody,
  type HookConnection,
  type HookEvent,
} from '../protocol';
import { cutToUtf8Bytes, utf8ByteLength } from '../utf8';
import { isArrayBuffer, ownArrayBuffer } from '../validate';

export interface NormalizeResult {
  record: CaptureRecord;
  /** Set when the body is a Blob: resolves once record.data is filled in. */
  pending?: Promise<void>;
  /** Approximate bytes held by the record, for the history's memory budget. */
  weight: number;
}

const RECORD_OVERHEAD = 200;

/** Message `i` of a validated run. */
export function normalizeFrame(run: FrameRun, i: number, seq: number, cap: number): NormalizeResult {
  const at = i * FRAME_FIELDS;
  const time = run.fields[at + 2] as number;
  const conn = run.fields[at + 1] as number;
  const type = run.fields[at] === FRAME_SEND ? 'send' : 'receive';
  const bodyKind = FRAME_BODY_KINDS[run.fields[at + 3] as FrameBodyKind];
  const body = run.bodies[i] as HookBody;
  if (typeof body !== 'string')
    return withBody({ r: 'ev', seq, time, conn, type, bodyKind }, body, undefined, cap);
  // Text, nearly every frame: the record is made whole in one literal. Adding
  // the body's fields afterwards, as withBody does, made a history of such
  // records cost the page's thread about 1.6 times as much (mostly garbage
  // collection of the extra property storage, measured in Node).
  const { kept, bytes } = cutText(body, cap);
  const record: EventRecord = {
    r: 'ev',
    seq,
    time,
    conn,
    type,
    bodyKind,
    data: { text: kept },
    size: bytes,
    truncated: kept.length < body.length,
  };
  return { record, weight: RECORD_OVERHEAD + kept.length * 2 };
}

export function normalizeHookRecord(
  rec: HookConnection | HookEvent,
  seq: number,
  cap: number,
): NormalizeResult {
  if (rec.r === 'conn') {
    const { r, id, time, transport, url, ...rest } = rec;
    return {
      record: { r, seq, time, id, transport, url, ...rest },
      weight: RECORD_OVERHEAD + url.length * 2,
    };
  }
  // Fields copied by name: no object rest/spread on this hot path, and nothing unknown passes.
  const out: EventRecord = { r: rec.r, seq, time: rec.time, conn: rec.conn, type: rec.type };
  copyEventFields(rec, out);
  return withBody(out, rec.body, rec.fullSize, cap);
}

/** Text cut to the cap (in UTF-8 bytes, whole characters), and its full size in bytes. */
function cutText(body: string, cap: number): { kept: string; bytes: number } {
  const bytes = utf8ByteLength(body);
  return { kept: bytes > cap ? cutToUtf8Bytes(body, cap) : body, bytes };
}

/** Measures, cuts and encodes the body into out.data / size / truncated. */
function withBody(
  out: EventRecord,
  body: HookBody | undefined,
  fullSize: number | undefined,
  cap: number,
): NormalizeResult {
  if (body === undefined) return { record: out, weight: RECORD_OVERHEAD };
  if (typeof body === 'string') {
    const { kept, bytes } = cutText(body, cap);
    out.data = { text: kept };
    out.size = fullSize ?? bytes;
    out.truncated = fullSize !== undefined || kept.length < body.length;
    return { record: out, weight: RECORD_OVERHEAD + kept.length * 2 };
  }
  if (isArrayBuffer(body)) {
    const bytes = new Uint8Array(ownArrayBuffer(body), 0, Math.min(body.byteLength, cap));
    out.data = { base64: bytesToBase64(bytes) };
    out.size = fullSize ?? body.byteLength;
    out.truncated = fullSize !== undefined || bytes.length < body.byteLength;
    return { record: out, weight: RECORD_OVERHEAD + bytes.length * 1.34 };
  }
  // Blob: read asynchronously; the record keeps its place (seq) meanwhile.
  const blob = body;
  out.size = fullSize ?? blob.size;
  out.truncated = fullSize !== undefined || blob.size > cap;
  out.data = { base64: '' };
  const pending = blob
    .slice(0, cap)
    .arrayBuffer()
    .then(
      (buf) => {
        out.data = { base64: bytesToBase64(new Uint8Array(ownArrayBuffer(buf))) };
      },
      () => {
        delete out.data;
        out.reason = 'blob could not be read';
      },
    );
  return { record: out, pending, weight: RECORD_OVERHEAD + Math.min(blob.size, cap) * 1.34 };
}
