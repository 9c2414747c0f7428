import { describe, expect, it } from 'vitest';
import { captureBody, utf8Length, utf8LengthByUnits } from '../../lib/hook/body';
import { capturePristine } from '../../lib/hook/pristine';

const p = capturePristine(globalThis as unknown as Window & typeof globalThis);
const noEncoder = { ...p, textEncoder: undefined, textEncodeInto: undefined };

/** What a browser's encoder (and the relay) counts: lone surrogates as U+FFFD. */
const expected = (s: string) => Buffer.byteLength(s, 'utf8');

/** A deterministic mix of 1-, 2-, 3- and 4-byte characters and lone surrogates. */
function mixed(units: number, seed: number): string {
  const pieces = ['a', 'é', '€', '😀', '\ud800', '\udc00', 'z', 'ß'];
  let x = seed;
  let out = '';
  while (out.length < units) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += pieces[x % pieces.length];
  }
  return out;
}

describe('utf8Length', () => {
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['ascii', 'hello'],
    ['two-byte', 'é'.repeat(10)],
    ['three-byte', '€'.repeat(10)],
    ['pairs', '😀'.repeat(10)],
    ['lone high surrogate at the end', 'ab\ud800'],
    ['lone high surrogate before a letter', '\ud800a'],
    ['lone low surrogate', 'a\udc00b'],
    // A pair whose high half is the last unit of the first 65,536-unit slice.
    ['pair across the slice boundary', `${'a'.repeat(0xffff)}😀${'b'.repeat(10)}`],
    ['lone high surrogate at the slice boundary', `${'a'.repeat(0xffff)}\ud800${'b'.repeat(10)}`],
    ['mixed, several slices', mixed(300_000, 7)],
  ];
  for (const [name, s] of cases) {
    it(`counts ${name} as the encoder does`, () => {
      expect(utf8Length(p, s)).toBe(expected(s));
      expect(utf8LengthByUnits(p, s)).toBe(expected(s));
    });
  }

  it('falls back to counting unit by unit without a TextEncoder', () => {
    const s = mixed(5_000, 3);
    expect(utf8Length(noEncoder, s)).toBe(expected(s));
  });

  it('agrees with the encoder on random strings', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const s = mixed(70_000 + seed * 997, seed);
      expect(utf8Length(p, s)).toBe(expected(s));
    }
  });
});

describe('captureBody of a string', () => {
  it('keeps a string within the cap whole, with no true size', () => {
    expect(captureBody(p, 'short', 1024)).toEqual({ body: 'short', bodyKind: 'text' });
  });

  it('cuts a string over the cap and records its true UTF-8 size', () => {
    const s = mixed(200_000, 11);
    const captured = captureBody(p, s, 1024);
    expect(captured?.body).toBe(s.slice(0, 1024));
    expect(captured?.fullSize).toBe(expected(s));
  });
});
