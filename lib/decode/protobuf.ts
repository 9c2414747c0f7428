// Protocol Buffers without a schema: a binary frame that parses completely
// as protobuf wire format shows as field numbers and values. Without the
// .proto the types are guesses: a length-delimited field is printable text
// if it reads as text, else a nested message if it parses fully, else
// bytes; varints are shown unsigned (negative if they read as int64 < 0).
// Groups (wire types 3 and 4) are deprecated and count as not-protobuf.
// Detection is the last resort for binary frames, and a cautious one.

import type { DecodedMessage, Decoder, DecoderSession, DetectSample, Frame } from './types';
import { compactPreview, hex, plainTree, printableText, summaryLine } from './value-preview';

/** Nested messages deeper than this are shown as bytes. */
export const PROTOBUF_MAX_DEPTH = 16;
/** Frames above this are not decoded: the raw view is the better place for them. */
export const PROTOBUF_MAX_BYTES = 4 * 1024 * 1024;
/** Fields past this count (over the whole frame) stop decoding. */
const MAX_FIELDS = 20_000;
/** Field numbers above this are legal but never seen in practice: detection refuses them. */
const PLAUSIBLE_FIELD_MAX = 10_000;
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

type Wire = 'varint' | 'i64' | 'len' | 'i32';
/** One field's value as shown: a number, text, a nested message, or bytes. */
export type ProtobufValue = number | string | ProtobufMessage | { bytes: number; hex: string };
export interface ProtobufMessage {
  [field: string]: ProtobufValue | ProtobufValue[];
}

interface Parse {
  message: ProtobufMessage;
  /** Fields in this message, counted once per occurrence. */
  count: number;
  /** The largest field number seen anywhere inside. */
  maxField: number;
  /** Every varint used its shortest encoding (real encoders always do). */
  minimal: boolean;
  /** Every fixed-width value reads as a small integer or an everyday float (random bytes rarely do). */
  everyday: boolean;
}

class ParseError extends Error {}

interface Budget {
  fields: number;
}

const TWO_64 = 2n ** 64n;
const TWO_63 = 2n ** 63n;

function readVarint(bytes: Uint8Array, at: number): { value: bigint; next: number; minimal: boolean } {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) throw new ParseError('varint cut short');
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) {
      // A last byte of 0 after others is a longer encoding than needed.
      const minimal = i === 0 || byte !== 0;
      if (value >= TWO_64) throw new ParseError('varint over 64 bits');
      return { value, next: at + i + 1, minimal };
    }
  }
  throw new ParseError('varint longer than 10 bytes');
}

function varintValue(value: bigint): number | string {
  // int64 / int32 negatives are sent as 10-byte two's complement.
  const signed = value >= TWO_63 ? value - TWO_64 : value;
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(signed)
    : signed.toString();
}

function fixedValue(bytes: Uint8Array, at: number, width: 4 | 8): number | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, width);
  if (width === 4) {
    const unsigned = view.getUint32(0, true);
    // Small values are most likely fixed32 integers; others read best as float.
    if (unsigned < 0x01000000) return unsigned;
    const float = view.getFloat32(0, true);
    return Number.isFinite(float) ? float : unsigned;
  }
  const high = view.getUint32(4, true);
  if (high === 0) return view.getUint32(0, true);
  const double = view.getFloat64(0, true);
  if (Number.isFinite(double) && (double === 0 || Math.abs(double) > 1e-300)) return double;
  return view.getBigUint64(0, true).toString();
}

/** A value real data would hold: a small integer, or a float between 1e-9 and 1e15 in size (or 0). */
function everydayNumber(value: number | string): boolean {
  if (typeof value === 'string') return false;
  const size = Math.abs(value);
  return Number.isInteger(value) ? size < 2 ** 32 : size >= 1e-9 && size <= 1e15;
}

function lengthDelimited(
  payload: Uint8Array,
  depth: number,
  budget: Budget,
): { value: ProtobufValue; inner?: Parse } {
  if (payload.length === 0) return { value: '' };
  const text = printableText(payload);
  if (text !== null) return { value: text };
  if (depth < PROTOBUF_MAX_DEPTH) {
    const saved = budget.fields;
    try {
      const inner = parseMessage(payload, depth + 1, budget);
      if (inner.count > 0) return { value: inner.message, inner };
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      budget.fields = saved;
    }
  }
  return { value: { bytes: payload.length, hex: hex(payload, 256) } };
}

function addField(message: ProtobufMessage, field: number, value: ProtobufValue): void {
  const key = String(field);
  const existing = message[key];
  if (existing === undefined) message[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else message[key] = [existing, value];
}

function parseMessage(bytes: Uint8Array, depth: number, budget: Budget): Parse {
  const message: ProtobufMessage = {};
  let at = 0;
  let count = 0;
  let maxField = 0;
  let minimal = true;
  let everyday = true;
  while (at < bytes.length) {
    if (++budget.fields > MAX_FIELDS) throw new ParseError(`more than ${MAX_FIELDS} fields`);
    const tag = readVarint(bytes, at);
    minimal &&= tag.minimal;
    at = tag.next;
    const field = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (field === 0 || field > MAX_FIELD_NUMBER)
      throw new ParseError(`field number ${field} is out of range`);
    const wire: Wire | undefined = (['varint', 'i64', 'len', undefined, undefined, 'i32'] as const)[wireType];
    if (wire === undefined) throw new ParseError(`wire type ${wireType} is not one of varint, i64, len, i32`);
    maxField = Math.max(maxField, field);
    count++;
    if (wire === 'varint') {
      const v = readVarint(bytes, at);
      minimal &&= v.minimal;
      at = v.next;
      addField(message, field, varintValue(v.value));
    } else if (wire === 'i64' || wire === 'i32') {
      const width = wire === 'i64' ? 8 : 4;
      if (at + width > bytes.length) throw new ParseError('fixed-width field cut short');
      const value = fixedValue(bytes, at, width);
      everyday &&= everydayNumber(value);
      addField(message, field, value);
      at += width;
    } else {
      const length = readVarint(bytes, at);
      minimal &&= length.minimal;
      at = length.next;
      if (length.value > BigInt(bytes.length - at))
        throw new ParseError('length-delimited field runs past the end');
      const end = at + Number(length.value);
      const { value, inner } = lengthDelimited(bytes.subarray(at, end), depth, budget);
      if (inner) {
        maxField = Math.max(maxField, inner.maxField);
        minimal &&= inner.minimal;
        everyday &&= inner.everyday;
      }
      addField(message, field, value);
      at = end;
    }
  }
  return { message, count, maxField, minimal, everyday };
}

export type ProtobufParse = ({ ok: true } & Parse) | { ok: false; reason: string };

/** The frame as a schemaless protobuf message, or why it is not one. */
export function parseProtobuf(bytes: Uint8Array): ProtobufParse {
  if (bytes.length === 0) return { ok: false, reason: 'Empty frame' };
  if (bytes.length > PROTOBUF_MAX_BYTES) {
    return { ok: false, reason: `Frame of ${bytes.length} bytes is too large to decode here` };
  }
  try {
    return { ok: true, ...parseMessage(bytes, 0, { fields: 0 }) };
  } catch (err) {
    if (err instanceof ParseError) return { ok: false, reason: err.message };
    throw err;
  }
}

/** `{1: 150, 2: "hello", …}`: field numbers bare. */
function fieldsPreview(message: ProtobufMessage, max: number): string {
  const parts: string[] = [];
  let length = 0;
  const entries = Object.entries(message);
  for (const [field, value] of entries) {
    if (length > max) {
      parts.push('…');
      break;
    }
    const part = `${field}: ${compactPreview(value, 60)}`;
    parts.push(part);
    length += part.length + 2;
  }
  return `{${parts.join(', ')}}`;
}

const session: DecoderSession = {
  decode(frame: Frame): DecodedMessage[] {
    if (!('bytes' in frame)) return [];
    const parsed = parseProtobuf(frame.bytes);
    if (!parsed.ok) {
      return [
        {
          protocol: 'protobuf',
          kind: 'raw',
          summary: `${frame.bytes.length} bytes`,
          note: `Not protobuf: ${parsed.reason}`,
        },
      ];
    }
    const fields = Object.keys(parsed.message).length;
    const { tree, capped } = plainTree(parsed.message);
    const message: DecodedMessage = {
      protocol: 'protobuf',
      kind: 'message',
      summary: summaryLine(
        'protobuf',
        `${fields} field${fields === 1 ? '' : 's'}`,
        fieldsPreview(parsed.message, 160),
      ),
      value: tree,
      note: 'Decoded without a schema: field types are guesses',
    };
    if (capped) message.note = `${message.note}; large or deeply nested: the tree is cut`;
    return [message];
  },
};

function isOpaqueBytes(value: ProtobufValue): value is { bytes: number; hex: string } {
  return (
    typeof value === 'object' &&
    'bytes' in value &&
    typeof value.bytes === 'number' &&
    typeof value.hex === 'string'
  );
}

/** Does the message hold any number or text (not only unreadable bytes)? */
function readable(message: ProtobufMessage): boolean {
  return Object.values(message).some((field) =>
    (Array.isArray(field) ? field : [field]).some((value) =>
      typeof value !== 'object' ? true : !isOpaqueBytes(value) && readable(value),
    ),
  );
}

/** A frame protobuf detection accepts: complete, shortest varints, field numbers of a real schema, everyday fixed-width values, something readable. */
function plausible(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  const parsed = parseProtobuf(bytes);
  return (
    parsed.ok &&
    parsed.minimal &&
    parsed.everyday &&
    parsed.maxField <= PLAUSIBLE_FIELD_MAX &&
    readable(parsed.message)
  );
}

function detect(sample: DetectSample): number {
  const binary = sample.frames.filter(({ frame }) => 'bytes' in frame).slice(0, 4);
  if (binary.length === 0) return 0;
  for (const { frame } of binary) if (!('bytes' in frame) || !plausible(frame.bytes)) return 0;
  // Just over the threshold: any other decoder that claims the frames wins.
  return 0.55;
}

export const protobufDecoder: Decoder = {
  id: 'protobuf',
  label: 'Protocol Buffers (no schema)',
  detect,
  session: () => session,
};
