// Turning captured payloads into text and short previews for decoders of
// text protocols (Engine.IO, Socket.IO, SockJS, STOMP), with limits so a
// huge or deeply nested payload costs little and never throws.

import type { Frame } from './types';

/** Longest one-line summary the event list gets. */
export const SUMMARY_MAX = 200;
/** Payloads longer than this are not parsed as JSON (shown raw with a note). */
export const JSON_PARSE_MAX_CHARS = 4_000_000;
/** JSON nested deeper than this is not parsed (shown raw with a note). */
export const JSON_MAX_DEPTH = 200;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** The frame as text, or null for bytes that are not UTF-8. */
export function frameText(frame: Frame): string | null {
  if ('text' in frame) return frame.text;
  try {
    return utf8.decode(frame.bytes);
  } catch {
    return null;
  }
}

/** The frame as bytes (text encoded as UTF-8). */
export function frameBytes(frame: Frame): Uint8Array {
  return 'bytes' in frame ? frame.bytes : encoder.encode(frame.text);
}

export function utf8Text(bytes: Uint8Array): string {
  return utf8Lenient.decode(bytes);
}

/** Cuts text to `max` characters on one line, with an ellipsis when cut. */
export function clip(text: string, max = SUMMARY_MAX): string {
  const line = text.replace(/[\r\n\t]+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, Math.max(0, max - 1))}…`;
}

/** A short JSON preview of a decoded value. */
export function preview(value: unknown, max = 80): string {
  if (value === undefined) return '';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return clip(text, max);
}

/** How deeply brackets nest in JSON text (strings skipped); stops counting past `limit`. */
export function jsonDepth(text: string, limit = JSON_MAX_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; note: string };

/** JSON.parse that refuses huge or too deeply nested text instead of stalling or overflowing. */
export function parseJson(text: string): JsonResult {
  if (text.length > JSON_PARSE_MAX_CHARS) {
    return { ok: false, note: `JSON not parsed: ${text.length} characters is over the limit` };
  }
  if (jsonDepth(text) > JSON_MAX_DEPTH) {
    return { ok: false, note: `JSON not parsed: nested deeper than ${JSON_MAX_DEPTH} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, note: `Malformed JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** A JSON-able stand-in for binary data inside a decoded value. */
export function binaryValue(bytes: Uint8Array): { binary: { byteLength: number; head: string } } {
  const head = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return { binary: { byteLength: bytes.byteLength, head: bytes.byteLength > 16 ? `${head} …` : head } };
}

/** Base64 to bytes without Node's Buffer; null when not base64. */
export function base64Bytes(text: string): Uint8Array | null {
  try {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}
