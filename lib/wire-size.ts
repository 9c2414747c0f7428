// What a value costs as JSON, the form Chrome gives every runtime message (its
// UTF-8 bytes must stay under 64 MiB), measured without serialising it. The
// relay runs on the page's thread, so the estimate is an upper bound that
// reads no string: a character serialises to at most 6 bytes (`\u001f`, or a
// lone surrogate escaped as `\udXXX`). Only when that bound is too big for a
// message is a string scanned for its exact size, and cut to fit.

/** Chrome's limit on one runtime message: the UTF-8 bytes of its JSON. */
export const MAX_RUNTIME_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The longest a finite number is in JSON (`-1.7976931348623157e+308`). */
export const NUMBER_BOUND = 24;

/** An upper bound of the bytes of JSON.stringify(s), reading only its length. */
export function jsonStringBound(s: string): number {
  return 6 * s.length + 2;
}

/** Nothing to escape and nothing outside ASCII: one byte a character. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Bytes counted by the last scan (a second result, without allocating a pair per call). */
let scanned = 0;

/**
 * Reads s from its start while its JSON (quotes included) fits in maxBytes:
 * the index where it stopped (s.length when all of it fits), never inside a
 * surrogate pair; the bytes up to there are left in `scanned`.
 */
function scanJson(s: string, maxBytes: number): number {
  const n = s.length;
  let bytes = 2;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    let b: number;
    let units = 1;
    if (c < 0x80) {
      if (c >= 0x20) b = c === 0x22 || c === 0x5c ? 2 : 1;
      // \b \t \n \f \r have two-character escapes; other controls are \u00XX.
      else b = c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
    } else if (c < 0x800) b = 2;
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is escaped by JSON.stringify; a pair is one 4-byte character.
      b = 6;
      if (c <= 0xdbff && i + 1 < n) {
        const next = s.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          b = 4;
          units = 2;
        }
      }
    } else b = 3;
    if (bytes + b > maxBytes) break;
    bytes += b;
    i += units;
  }
  scanned = bytes;
  return i;
}

/** The exact bytes of JSON.stringify(s) as UTF-8 (a scan: only for strings whose size matters). */
export function jsonStringBytes(s: string): number {
  if (PLAIN_ASCII.test(s)) return s.length + 2;
  scanJson(s, Number.POSITIVE_INFINITY);
  return scanned;
}

/**
 * The longest prefix of s whose JSON (quotes included) takes at most maxBytes,
 * never splitting a surrogate pair; s itself when it fits.
 */
export function cutToJsonBytes(s: string, maxBytes: number): string {
  if (jsonStringBound(s) <= maxBytes) return s;
  if (PLAIN_ASCII.test(s)) return s.length + 2 <= maxBytes ? s : s.slice(0, Math.max(0, maxBytes - 2));
  const end = scanJson(s, maxBytes);
  return end === s.length ? s : s.slice(0, end);
}

/**
 * An upper bound of the UTF-8 bytes of JSON.stringify(v), for the plain data
 * records are made of (strings, numbers, booleans, null, arrays, objects).
 * Reads every key and value but no string's characters.
 */
export function jsonBound(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return jsonStringBound(v);
    case 'number':
      return NUMBER_BOUND;
    case 'boolean':
      return 5;
    case 'object': {
      if (v === null) return 4;
      if (Array.isArray(v)) {
        let bytes = 2;
        for (const item of v) bytes += jsonBound(item) + 1;
        return bytes;
      }
      let bytes = 2;
      const obj = v as Record<string, unknown>;
      for (const key in obj) {
        const value = obj[key];
        if (value === undefined) continue;
        bytes += jsonStringBound(key) + 2 + jsonBound(value);
      }
      return bytes;
    }
    default:
      // undefined, functions and symbols are left out (or null in arrays).
      return 4;
  }
}
