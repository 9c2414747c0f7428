import { describe, expect, it } from 'vitest';
import { cutToUtf8Bytes, utf8ByteLength } from '../../lib/utf8';

describe('utf8ByteLength', () => {
  it.each([
    ['', 0],
    ['{"seq":1,"sym":"WSC"}', 21],
    ['\x00\x7f', 2],
    ['é', 2],
    ['\x80', 2],
    ['€', 3],
    ['😀', 4],
    ['a😀b', 6],
    // Lone surrogates are encoded as U+FFFD (3 bytes), as TextEncoder does.
    ['\ud800', 3],
    ['\udc00x', 4],
    ['\ud800\ud800', 6],
  ])('%j is %i bytes', (text, bytes) => {
    expect(utf8ByteLength(text)).toBe(bytes);
    expect(new TextEncoder().encode(text).length).toBe(bytes);
  });

  it('agrees with TextEncoder on long mixed text, ASCII up to the last character', () => {
    const ascii = 'x'.repeat(10_000);
    for (const tail of ['', 'é', '€', '😀', '\ud83d'])
      expect(utf8ByteLength(ascii + tail)).toBe(new TextEncoder().encode(ascii + tail).length);
  });
});

describe('cutToUtf8Bytes', () => {
  it('keeps text that fits and never splits a character', () => {
    expect(cutToUtf8Bytes('hello', 5)).toBe('hello');
    expect(cutToUtf8Bytes('hello', 3)).toBe('hel');
    expect(cutToUtf8Bytes('aé', 2)).toBe('a');
    expect(cutToUtf8Bytes('a😀', 4)).toBe('a');
    expect(cutToUtf8Bytes('a😀', 5)).toBe('a😀');
  });
});
