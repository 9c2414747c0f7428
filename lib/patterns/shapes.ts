// What a query-parameter value looks like. Used together with how the value
// behaves across requests (see params.ts): a shape alone never drops a
// parameter that stays constant.

export type ValueShape = 'timestamp' | 'random-number' | 'random-id' | 'integer' | 'other';

// Epoch range 2000-01-01 .. 2100-01-01, in seconds.
const EPOCH_MIN_S = 946_684_800;
const EPOCH_MAX_S = 4_102_444_800;

const DIGITS = /^\d+$/;
const DECIMAL = /^\d+\.\d+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{8,}$/i;
const TOKEN = /^[A-Za-z0-9_\-.~+/=%]{6,}$/;

function inEpochRange(seconds: number): boolean {
  return seconds >= EPOCH_MIN_S && seconds <= EPOCH_MAX_S;
}

/** Looks like a wall-clock reading: epoch seconds, ms or µs (optionally fractional), or an ISO date. */
export function looksLikeTimestamp(v: string): boolean {
  if (ISO_DATE.test(v)) return true;
  if (!DIGITS.test(v) && !DECIMAL.test(v)) return false;
  const intPart = v.split('.')[0] ?? '';
  const n = Number(intPart);
  if (intPart.length === 10) return inEpochRange(n);
  if (intPart.length === 13) return inEpochRange(n / 1000);
  if (intPart.length === 16) return inEpochRange(n / 1_000_000);
  return false;
}

/** Math.random()-style numbers and clock readings with a long fraction (performance.now()). */
export function looksLikeRandomNumber(v: string): boolean {
  return /^0\.\d{5,}$/.test(v) || /^\d+\.\d{4,}$/.test(v);
}

function caseSwitches(v: string): number {
  let switches = 0;
  let prev = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const cls = c >= 65 && c <= 90 ? 1 : c >= 97 && c <= 122 ? 2 : c >= 48 && c <= 57 ? 3 : 0;
    if (cls !== 0 && prev !== 0 && cls !== prev) switches++;
    if (cls !== 0) prev = cls;
  }
  return switches;
}

/**
 * Looks machine-made: a UUID, a long hex string, or a token of 6+ URL-safe
 * characters that mixes letters and digits or switches case often (base64 /
 * base36 ids, nonces, opaque cursors, Engine.IO `t` values like `PZq0Kx8`).
 * Words such as `polling` or `websocket` do not.
 */
export function looksLikeRandomId(v: string): boolean {
  if (UUID.test(v) || HEX.test(v)) return true;
  if (!TOKEN.test(v)) return false;
  const hasDigit = /\d/.test(v);
  const hasLetter = /[A-Za-z]/.test(v);
  if (hasDigit && hasLetter) return true;
  return hasLetter && caseSwitches(v) >= 3;
}

export function shapeOf(v: string): ValueShape {
  if (looksLikeTimestamp(v)) return 'timestamp';
  if (looksLikeRandomNumber(v)) return 'random-number';
  if (DIGITS.test(v) && v.length <= 12) return 'integer';
  if (looksLikeRandomId(v)) return 'random-id';
  return 'other';
}
