// UTF-8 sizes and cutting text at a byte budget without splitting a character.

const encoder = new TextEncoder();

/** Any character outside ASCII (a regular expression scans a string several times faster than a loop). */
const NON_ASCII = /[\u0080-\uffff]/;

export function utf8ByteLength(s: string): number {
  // Pure ASCII, the common case for realtime payloads: one byte a character.
  if (!NON_ASCII.test(s)) return s.length;
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The longest prefix of s whose UTF-8 encoding fits in maxBytes. */
export function cutToUtf8Bytes(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  const encoded = encoder.encode(s);
  if (encoded.length <= maxBytes) return s;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(encoded.subarray(0, end));
}
