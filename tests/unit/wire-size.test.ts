import { describe, expect, it } from 'vitest';
import { cutToJsonBytes, jsonBound, jsonStringBound, jsonStringBytes } from '../../lib/wire-size';
import { seededRandom } from '../../scripts/lib/seeded-random';

/** What Chrome measures: the UTF-8 bytes of the JSON. */
const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

/** Random strings rich in what JSON escapes or encodes long: quotes, backslashes, controls, non-ASCII, pairs and lone surrogates. */
function randomString(rand: () => number, maxLength: number): string {
  const pieces = [
    'a',
    'Z',
    ' ',
    '"',
    '\\',
    '\n',
    '\t',
    '\u0000',
    '\u001f',
    '\u007f',
    'é',
    '€',
    '😀',
    '\ud800',
    '\udc00',
    '/',
  ];
  let s = '';
  const n = Math.floor(rand() * maxLength);
  for (let i = 0; i < n; i++) s += pieces[Math.floor(rand() * pieces.length)];
  return s;
}

describe('JSON sizes of strings', () => {
  it('jsonStringBytes is exact and jsonStringBound an upper bound, for every kind of character', () => {
    const rand = seededRandom(28);
    for (let i = 0; i < 3000; i++) {
      const s = randomString(rand, 60);
      const exact = jsonBytes(s);
      expect(jsonStringBytes(s)).toBe(exact);
      expect(jsonStringBound(s)).toBeGreaterThanOrEqual(exact);
    }
    expect(jsonStringBytes('plain ascii')).toBe(13);
    expect(jsonStringBytes('"'.repeat(1000))).toBe(2002);
    expect(jsonStringBytes('\u0001')).toBe(8);
  });

  it('cutToJsonBytes keeps the longest prefix that fits, never half a surrogate pair', () => {
    const rand = seededRandom(29);
    for (let i = 0; i < 3000; i++) {
      const s = randomString(rand, 40);
      const budget = 2 + Math.floor(rand() * 80);
      const kept = cutToJsonBytes(s, budget);
      expect(s.startsWith(kept)).toBe(true);
      expect(jsonBytes(kept)).toBeLessThanOrEqual(budget);
      if (kept.length < s.length) {
        // One more character (a whole pair, if it starts one) would not fit.
        const next = s.codePointAt(kept.length) ?? 0;
        const longer = s.slice(0, kept.length + (next > 0xffff ? 2 : 1));
        expect(jsonBytes(longer)).toBeGreaterThan(budget);
        const last = kept.charCodeAt(kept.length - 1);
        const following = s.charCodeAt(kept.length);
        expect(last >= 0xd800 && last <= 0xdbff && following >= 0xdc00 && following <= 0xdfff).toBe(false);
      }
    }
    expect(cutToJsonBytes('x'.repeat(100), 12)).toBe('x'.repeat(10));
    expect(cutToJsonBytes('"'.repeat(100), 12)).toBe('"'.repeat(5));
  });
});

describe('jsonBound', () => {
  it('is an upper bound of the JSON bytes of any plain value', () => {
    const rand = seededRandom(30);
    const value = (depth: number): unknown => {
      const k = Math.floor(rand() * 8);
      if (depth > 3 || k < 3) {
        return [
          randomString(rand, 20),
          rand() * 1e6,
          -Number.MAX_VALUE,
          Number.MIN_VALUE,
          2 ** 53,
          true,
          false,
          null,
        ][Math.floor(rand() * 8)];
      }
      if (k < 5) return Array.from({ length: Math.floor(rand() * 5) }, () => value(depth + 1));
      const obj: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) obj[randomString(rand, 6)] = value(depth + 1);
      if (rand() < 0.2) obj.skipped = undefined;
      return obj;
    };
    for (let i = 0; i < 2000; i++) {
      const v = value(0);
      expect(jsonBound(v)).toBeGreaterThanOrEqual(jsonBytes(v));
    }
  });

  it('counts every header, so a request whose headers are megabytes is sized as such', () => {
    const record = {
      r: 'conn',
      seq: 1,
      time: 1,
      id: 1,
      transport: 'fetch',
      url: 'http://x/',
      requestHeaders: Array.from({ length: 100 }, (_, i) => [`x-${i}`, 'v'.repeat(10_000)]),
    };
    expect(jsonBound(record)).toBeGreaterThanOrEqual(jsonBytes(record));
    expect(jsonBound(record)).toBeGreaterThan(1_000_000);
  });
});
