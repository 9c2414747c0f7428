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

/** A page-clock epoch time in ms. */
export function isTime(v: unknown): v is number {
  return isFiniteNumber(v) && v >= 0;
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

export function isHeaderList(v: unknown): v is Array<[string, string]> {
  return (
    Array.isArray(v) &&
    v.length <= 1000 &&
    v.every((h) => Array.isArray(h) && h.length === 2 && isString(h[0], 10_000) && isString(h[1], 100_000))
  );
}
