// Unknown binary frames that are MessagePack or CBOR, shown as a tree. A
// frame counts only when it decodes completely (no bytes left over) into a
// map or array: almost any single byte is a valid scalar in both formats.

import { decode as decodeMsgpack } from '@msgpack/msgpack';
// The build without eval: extension pages forbid it.
import { decode as decodeCbor } from 'cbor-x/decode-no-eval';
import type { DecodedMessage, Decoder, DecoderSession, DetectSample, Frame, ProtocolId } from './types';
import { compactPreview, plainTree, summaryLine } from './value-preview';

/** Frames above this are not decoded: the raw view is the better place for them. */
const MAX_DECODE_BYTES = 4 * 1024 * 1024;

type Decode = (bytes: Uint8Array) => unknown;

/** One decoded frame, or why it does not decode. */
function tryDecode(
  decode: Decode,
  bytes: Uint8Array,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (bytes.length === 0) return { ok: false, reason: 'Empty frame' };
  if (bytes.length > MAX_DECODE_BYTES) {
    return { ok: false, reason: `Frame of ${bytes.length} bytes is too large to decode here` };
  }
  try {
    return { ok: true, value: decode(bytes) };
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, reason: 'Nested too deeply to decode' };
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

function isContainer(value: unknown): boolean {
  return (
    Array.isArray(value) ||
    value instanceof Map ||
    (typeof value === 'object' &&
      value !== null &&
      !(value instanceof Uint8Array) &&
      !(value instanceof Date) &&
      Object.getPrototypeOf(value) === Object.prototype)
  );
}

function containerSize(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map) return value.size;
  return typeof value === 'object' && value !== null ? Object.keys(value).length : 0;
}

/** How plausible a decoded frame is as this format: string-keyed maps most, arrays less, scalars not at all. */
function plausibility(value: unknown): number {
  if (!isContainer(value) || containerSize(value) === 0) return 0;
  if (Array.isArray(value)) return 0.6;
  if (value instanceof Map) return [...value.keys()].every((key) => typeof key === 'string') ? 0.8 : 0.55;
  return 0.8;
}

function shape(value: unknown): string {
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value instanceof Map) return `map(${value.size})`;
  if (isContainer(value)) return `map(${containerSize(value)})`;
  return typeof value;
}

function binaryDecoder(id: ProtocolId, label: string, decode: Decode): Decoder {
  // Frames decode on their own: every connection can share one stateless session.
  const session: DecoderSession = {
    decode(frame: Frame): DecodedMessage[] {
      if (!('bytes' in frame)) return [];
      const result = tryDecode(decode, frame.bytes);
      if (!result.ok) {
        return [
          {
            protocol: id,
            kind: 'raw',
            summary: `${frame.bytes.length} bytes`,
            note: `Not ${label}: ${result.reason}`,
          },
        ];
      }
      const { tree, capped } = plainTree(result.value);
      const message: DecodedMessage = {
        protocol: id,
        kind: shape(result.value),
        summary: summaryLine(compactPreview(result.value, 180)),
        value: tree,
      };
      if (capped) message.note = 'Large or deeply nested: the tree is cut';
      return [message];
    },
  };
  return {
    id,
    label,
    detect(sample: DetectSample): number {
      const binary = sample.frames.filter(({ frame }) => 'bytes' in frame).slice(0, 4);
      if (binary.length === 0) return 0;
      let lowest = 1;
      for (const { frame } of binary) {
        if (!('bytes' in frame)) continue;
        const result = tryDecode(decode, frame.bytes);
        lowest = Math.min(lowest, result.ok ? plausibility(result.value) : 0);
      }
      return lowest;
    },
    session: () => session,
  };
}

export const msgpackDecoder: Decoder = binaryDecoder('msgpack', 'MessagePack', (bytes) =>
  decodeMsgpack(bytes),
);
export const cborDecoder: Decoder = binaryDecoder('cbor', 'CBOR', (bytes) => decodeCbor(bytes));
