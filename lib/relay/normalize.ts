// Turns a validated hook record into a capture record: numbers the record,
// measures and cuts its body to the payload cap, and encodes binary as base64.
// It also sizes each record as the JSON it will cross to the panel in (`wire`,
// an upper bound), and cuts a body that would make the record too big for
// any runtime message, so every record the relay keeps can be sent.

import { bytesToBase64 } from '../base64';
import { type CaptureRecord, copyEventFields, type EventRecord } from '../model';
import { cutToUtf8Bytes, utf8ByteLength } from '../utf8';
import { cutString, isArrayBuffer, ownArrayBuffer } from '../validate';
import {
  type HookBody,
  type HookConnection,
  type HookEvent,
  MESSAGE_BODY_KINDS,
  MESSAGE_FIELDS,
  MESSAGE_SEND,
  type MessageBodyKind,
  type MessageRun,
} from '../wire/page-relay';
import { cutToJsonBytes, jsonBound, jsonStringBound, MAX_RUNTIME_MESSAGE_BYTES } from '../wire-size';

export interface NormalizeResult {
  record: CaptureRecord;
  /** Set when the body is a Blob: resolves once record.data is filled in. */
  pending?: Promise<void>;
  /** Approximate bytes held by the record, for the history's memory budget. */
  weight: number;
  /** Upper bound of the record's bytes as JSON (UTF-8), for sizing runtime messages. */
  wire: number;
}

const RECORD_OVERHEAD = 200;

/** Room in every runtime message for all but its records (document, loss counters, keys). */
const ENVELOPE_BYTES = 1024 * 1024;
/** The most a record may take as JSON: alone in a message, it still fits. */
export const MAX_RECORD_WIRE_BYTES = MAX_RUNTIME_MESSAGE_BYTES - ENVELOPE_BYTES;

/**
 * JSON bytes of a text message's record, all but its text, numbers at their
 * longest (the comma after it in a list included).
 */
const MESSAGE_WIRE =
  JSON.stringify({
    r: 'ev',
    seq: 0,
    time: 0,
    conn: 0,
    type: 'receive',
    bodyKind: 'arraybuffer',
    data: { base64: '' },
    size: 0,
    truncated: false,
  }).length -
  2 +
  4 * 24 +
  1;

/** Memory of a record from its JSON bound: about 2 bytes a character where JSON is bounded at 6. */
const weightOf = (wire: number) => RECORD_OVERHEAD + Math.ceil(wire / 3);

/** The most bytes whose base64 fits in `bytes` of JSON (quotes included). */
const binaryRoom = (bytes: number) => Math.max(0, Math.floor((bytes - 2) / 4) * 3);

/**
 * A text cut further, when needed, so that its JSON fits `room` bytes: the
 * text kept and an upper bound of its JSON bytes. Only a text whose bound
 * exceeds the room is read (a scan), so ordinary bodies cost nothing here.
 */
function fitText(text: string, room: number): { text: string; wire: number } {
  const bound = jsonStringBound(text);
  if (bound <= room) return { text, wire: bound };
  const kept = cutToJsonBytes(text, room);
  return { text: kept, wire: room };
}

/** Message `i` of a validated run. */
export function normalizeMessage(
  run: MessageRun,
  i: number,
  seq: number,
  cap: number,
  maxWire = MAX_RECORD_WIRE_BYTES,
): NormalizeResult {
  const at = i * MESSAGE_FIELDS;
  const time = run.fields[at + 2] as number;
  const conn = run.fields[at + 1] as number;
  const type = run.fields[at] === MESSAGE_SEND ? 'send' : 'receive';
  const bodyKind = MESSAGE_BODY_KINDS[run.fields[at + 3] as MessageBodyKind];
  const body = run.bodies[i] as HookBody;
  if (typeof body !== 'string')
    return withBody({ r: 'ev', seq, time, conn, type, bodyKind }, body, undefined, cap, maxWire);
  // Text: the record is made whole in one literal. Adding the body's fields
  // afterwards, as withBody does, gives each record extra property storage
  // to collect (see docs/benchmarks.md, design measurements).
  let { kept, bytes } = cutText(body, cap);
  let textWire = jsonStringBound(kept);
  if (MESSAGE_WIRE + textWire > maxWire)
    ({ text: kept, wire: textWire } = fitText(kept, maxWire - MESSAGE_WIRE));
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
  return { record, weight: RECORD_OVERHEAD + kept.length * 2, wire: MESSAGE_WIRE + textWire };
}

/** `maxWire`: the most bytes of JSON the record may take (tests make it small). */
export function normalizeHookRecord(
  rec: HookConnection | HookEvent,
  seq: number,
  cap: number,
  maxWire = MAX_RECORD_WIRE_BYTES,
): NormalizeResult {
  if (rec.r === 'conn') {
    // The parsed record holds its known fields only (parseHookRecord makes it).
    const { r, id, time, transport, url, ...rest } = rec;
    const record: CaptureRecord = { r, seq, time, id, transport, url, ...rest };
    // Every field is within its limit (a few MB at most): no cut is ever needed here.
    const wire = jsonBound(record) + 1;
    return { record, weight: weightOf(wire), wire };
  }
  // Fields copied by name: no object rest/spread on this hot path, and nothing unknown passes.
  const out: EventRecord = { r: rec.r, seq, time: rec.time, conn: rec.conn, type: rec.type };
  copyEventFields(rec, out);
  return withBody(out, rec.body, rec.fullSize, cap, maxWire);
}

/** Text cut to the cap (in UTF-8 bytes, whole characters), and its full size in bytes. */
function cutText(body: string, cap: number): { kept: string; bytes: number } {
  const bytes = utf8ByteLength(body);
  return { kept: bytes > cap ? cutToUtf8Bytes(body, cap) : body, bytes };
}

/** Measures, cuts and encodes the body into out.data / size / truncated, and sizes the record. */
function withBody(
  out: EventRecord,
  body: HookBody | undefined,
  fullSize: number | undefined,
  cap: number,
  maxWire: number,
): NormalizeResult {
  // Everything but the body, and the room left for the body in one message.
  const rest = jsonBound(out) + 1;
  if (body === undefined) return { record: out, weight: weightOf(rest), wire: rest };
  // `"data":{"text":},"size":…,"truncated":false` around the body itself, with room to spare
  // (a Blob that cannot be read leaves a short reason instead).
  const around = 128;
  const room = maxWire - rest - around;
  if (typeof body === 'string') {
    let { kept, bytes } = cutText(body, cap);
    let textWire = jsonStringBound(kept);
    if (textWire > room) ({ text: kept, wire: textWire } = fitText(kept, room));
    out.data = { text: kept };
    out.size = fullSize ?? bytes;
    out.truncated = fullSize !== undefined || kept.length < body.length;
    return { record: out, weight: weightOf(rest) + kept.length * 2, wire: rest + around + textWire };
  }
  const binaryCap = Math.min(cap, binaryRoom(room));
  if (isArrayBuffer(body)) {
    const bytes = new Uint8Array(ownArrayBuffer(body), 0, Math.min(body.byteLength, binaryCap));
    out.data = { base64: bytesToBase64(bytes) };
    out.size = fullSize ?? body.byteLength;
    out.truncated = fullSize !== undefined || bytes.length < body.byteLength;
    const encoded = out.data.base64.length;
    return { record: out, weight: weightOf(rest) + encoded, wire: rest + around + encoded + 2 };
  }
  // Blob: read asynchronously; the record keeps its place (seq) meanwhile.
  const blob = body;
  const read = Math.min(blob.size, binaryCap);
  out.size = fullSize ?? blob.size;
  out.truncated = fullSize !== undefined || blob.size > read;
  out.data = { base64: '' };
  const pending = blob
    .slice(0, read)
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
  const encoded = Math.ceil(read / 3) * 4;
  // The reason a failed read leaves is short, and within the bound of the body it replaces.
  return { record: out, pending, weight: weightOf(rest) + encoded, wire: rest + around + encoded + 2 };
}

/** Longest a string field of a bare record may stay. */
const BARE_STRING = 1024;

/**
 * A record cut to its bare facts, for when no message can carry it whole:
 * every number and flag, strings of up to 1,024 characters (longer ones cut,
 * lists of headers, protocols and form fields left out: all named in
 * truncatedFields), and an event's body emptied and marked truncated (its
 * size kept). A few kilobytes at most.
 */
export function bareRecord(record: CaptureRecord): CaptureRecord {
  const cuts = new Set(record.truncatedFields ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'truncatedFields' || key === 'data') continue;
    if (typeof value === 'string') {
      if (value.length > BARE_STRING) cuts.add(key);
      out[key] = cutString(value, BARE_STRING);
    } else if (typeof value === 'object' && value !== null) cuts.add(key);
    else out[key] = value;
  }
  if (record.r === 'ev' && record.data) {
    out.data = 'text' in record.data ? { text: '' } : { base64: '' };
    out.truncated = true;
  }
  if (cuts.size > 0) out.truncatedFields = [...cuts].slice(0, 32);
  return out as unknown as CaptureRecord;
}
