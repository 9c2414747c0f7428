// Small structural checks for untrusted input. Hand-written rather than a schema
// library because they run on every batch in the page's renderer thread.

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')?.get;

/**
 * An ArrayBuffer from any realm. `instanceof ArrayBuffer` is not enough: in
 * Firefox a content script receives the page hook's buffers as objects of the
 * page's compartment (instanceof is false there); the native byteLength getter
 * accepts any real ArrayBuffer, including through those wrappers, and throws
 * for everything else (look-alikes, even with ArrayBuffer.prototype; SharedArrayBuffer; views).
 */
export function isArrayBuffer(v: unknown): v is ArrayBuffer {
  if (typeof v !== 'object' || v === null || !arrayBufferByteLength) return false;
  try {
    arrayBufferByteLength.call(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * The buffer as an object of this realm. In Firefox the hook's buffers (and
 * what a page Blob reads into) arrive as objects of the page's compartment:
 * views over them cannot be made or sliced from a content script ("Permission
 * denied to access property constructor"); a structured clone brings them here.
 */
export function ownArrayBuffer(buffer: ArrayBuffer): ArrayBuffer {
  return buffer instanceof ArrayBuffer ? buffer : structuredClone(buffer);
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The latest time a Date can hold (ms since the epoch): later ones have no date to show or export. */
export const MAX_TIME = 8.64e15;

/** A page-clock epoch time in ms: from 1970 to the last time a Date can hold. */
export function isTime(v: unknown): v is number {
  return isFiniteNumber(v) && v >= 0 && v <= MAX_TIME;
}

export function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

export function isString(v: unknown, maxLength = Number.POSITIVE_INFINITY): v is string {
  return typeof v === 'string' && v.length <= maxLength;
}

export function isOneOf<T extends string>(v: unknown, options: readonly T[]): v is T {
  return typeof v === 'string' && (options as readonly string[]).includes(v);
}

export function optional<T>(v: unknown, check: (x: unknown) => x is T): v is T | undefined {
  return v === undefined || check(v);
}

export function isStringArray(v: unknown, maxItems = 1000, maxLength = 10_000): v is string[] {
  return Array.isArray(v) && v.length <= maxItems && v.every((s) => isString(s, maxLength));
}

/** Limits of a header list: entries, a name, a value, and all names and values together (characters). */
export const MAX_HEADERS = 1000;
export const MAX_HEADER_NAME_LENGTH = 10_000;
export const MAX_HEADER_VALUE_LENGTH = 100_000;
export const MAX_HEADER_LIST_CHARS = 1024 * 1024;

export function isHeaderList(v: unknown): v is Array<[string, string]> {
  if (!Array.isArray(v) || v.length > MAX_HEADERS) return false;
  let chars = 0;
  for (const h of v) {
    if (
      !Array.isArray(h) ||
      h.length !== 2 ||
      !isString(h[0], MAX_HEADER_NAME_LENGTH) ||
      !isString(h[1], MAX_HEADER_VALUE_LENGTH)
    )
      return false;
    chars += h[0].length + h[1].length;
  }
  return chars <= MAX_HEADER_LIST_CHARS;
}

/** The first maxLength UTF-16 units of s, one fewer when that would split a surrogate pair. */
export function cutString(s: string, maxLength: number): string {
  if (s.length <= maxLength) return s;
  const last = s.charCodeAt(maxLength - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? maxLength - 1 : maxLength);
}
