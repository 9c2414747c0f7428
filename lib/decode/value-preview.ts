// One-line previews and JSON-able trees of decoded values, capped so a huge
// or deeply nested payload can neither flood a row nor blow the stack.

import { clip, SUMMARY_MAX } from './text-payload';

export { clip, SUMMARY_MAX };

const TREE_MAX_DEPTH = 32;
const TREE_MAX_ENTRIES = 1000;
const TREE_MAX_STRING = 10_000;
const PREVIEW_MAX_DEPTH = 8;

/** Words joined by spaces, empty ones left out, cut to a summary's length. */
export function summaryLine(...parts: Array<string | undefined | null | false>): string {
  return clip(parts.filter((part): part is string => typeof part === 'string' && part !== '').join(' '));
}

/** Lowercase hex of the first `maxBytes` bytes, with an ellipsis when cut. */
export function hex(bytes: Uint8Array, maxBytes = 64): string {
  let out = '';
  const n = Math.min(bytes.length, maxBytes);
  for (let i = 0; i < n; i++) out += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return bytes.length > maxBytes ? `${out}…` : out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text when they are valid UTF-8 without control characters, else null. */
export function printableText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Tabs and line breaks are fine in a payload; other controls mean binary.
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return null;
  }
  return text;
}

/** A payload preview: its text when printable, else `0x` and hex; `(empty)` for none. */
export function bytesPreview(bytes: Uint8Array, max = 80): string {
  if (bytes.length === 0) return '(empty)';
  const text = printableText(bytes.length > max * 4 ? bytes.subarray(0, max * 4) : bytes);
  if (text !== null) return clip(text, max);
  return `0x${hex(bytes, Math.floor(max / 2))}`;
}

/** Text of a frame: as is, or its bytes as UTF-8 (invalid sequences replaced). */
export function frameText(frame: { text: string } | { bytes: Uint8Array }): string {
  return 'text' in frame ? frame.text : new TextDecoder().decode(frame.bytes);
}

/** JSON.parse that answers undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** A compact JSON-like one-line rendering of any decoded value, cut at `max` characters. */
export function compactPreview(value: unknown, max = 120): string {
  const out: string[] = [];
  let length = 0;
  const push = (s: string): boolean => {
    out.push(s);
    length += s.length;
    return length < max;
  };
  const walk = (v: unknown, depth: number): boolean => {
    if (depth > PREVIEW_MAX_DEPTH) return push('…');
    if (v === null || v === undefined) return push(String(v));
    if (typeof v === 'string') return push(JSON.stringify(v.length > max ? v.slice(0, max) : v));
    if (typeof v === 'number' || typeof v === 'boolean') return push(String(v));
    if (typeof v === 'bigint') return push(`${v}n`);
    if (v instanceof Uint8Array) return push(`<${v.length} bytes>`);
    if (v instanceof Date) return push(Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString());
    if (v instanceof Set) return walk([...v], depth);
    if (Array.isArray(v)) {
      if (!push('[')) return false;
      for (let i = 0; i < v.length; i++) {
        if (i > 0 && !push(',')) return false;
        if (!walk(v[i], depth + 1)) return false;
      }
      return push(']');
    }
    const entries = v instanceof Map ? [...v.entries()] : typeof v === 'object' ? Object.entries(v) : [];
    if (typeof v !== 'object') return push(String(v));
    if (!push('{')) return false;
    let first = true;
    for (const [key, item] of entries) {
      if (!first && !push(',')) return false;
      first = false;
      if (!push(`${typeof key === 'string' ? JSON.stringify(key) : compactPreview(key, 40)}:`)) return false;
      if (!walk(item, depth + 1)) return false;
    }
    return push('}');
  };
  walk(value, 0);
  return clip(out.join(''), max);
}

/** The value as plain JSON-able data for the detail's tree, and whether it had to be cut. */
export function plainTree(value: unknown): { tree: unknown; capped: boolean } {
  let capped = false;
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'string') {
      if (v.length <= TREE_MAX_STRING) return v;
      capped = true;
      return `${v.slice(0, TREE_MAX_STRING)}…`;
    }
    if (v === undefined) return null;
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return { bytes: v.length, hex: hex(v, 256) };
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
    if (typeof v !== 'object') return String(v);
    if (depth >= TREE_MAX_DEPTH) {
      capped = true;
      return '…';
    }
    if (v instanceof Set) return walk([...v], depth);
    if (Array.isArray(v)) {
      if (v.length > TREE_MAX_ENTRIES) capped = true;
      return v.slice(0, TREE_MAX_ENTRIES).map((item) => walk(item, depth + 1));
    }
    const entries: Array<[unknown, unknown]> = v instanceof Map ? [...v.entries()] : Object.entries(v);
    if (entries.length > TREE_MAX_ENTRIES) capped = true;
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries.slice(0, TREE_MAX_ENTRIES)) {
      out[typeof key === 'string' ? key : compactPreview(key, 80)] = walk(item, depth + 1);
    }
    return out;
  };
  const tree = walk(value, 0);
  return { tree, capped };
}
