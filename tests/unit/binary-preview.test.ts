import { describe, expect, it } from 'vitest';
import { bytesToBase64 } from '../../lib/base64';
import { binaryPreview, PREVIEW_BYTES, previewOf } from '../../lib/format';

const b64 = (bytes: number[]) => bytesToBase64(Uint8Array.from(bytes));

describe('binaryPreview', () => {
  it('shows the size and the first bytes in hex, with an ellipsis when there is more', () => {
    const bytes = [0x0a, 0x1f, 0x00, 0xff, 0x7b, 1, 2, 3, 4, 5, 6, 7];
    expect(binaryPreview(b64(bytes), 12)).toBe('12 B · 0a 1f 00 ff 7b 01 02 03 04 05 …');
  });
  it('shows every byte of a short message and no ellipsis', () => {
    expect(binaryPreview(b64([0xde, 0xad, 0xbe, 0xef]), 4)).toBe('4 B · de ad be ef');
  });
  it('takes the size from the base64 when the record has none', () => {
    expect(binaryPreview(b64([1, 2, 3]))).toBe('3 B · 01 02 03');
  });
  it('marks a captured prefix of a larger message as continuing', () => {
    // Truncated to the payload cap: only 2 bytes captured of 2 MB.
    expect(binaryPreview(b64([0xca, 0xfe]), 2 * 1024 * 1024)).toBe('2.0 MB · ca fe …');
  });
  it('says so for bad base64 instead of showing wrong bytes or throwing', () => {
    expect(binaryPreview('ab=c', 3)).toBe('3 B · not valid base64');
    expect(binaryPreview('!!!!', 3)).toBe('3 B · not valid base64');
    expect(binaryPreview('a', undefined)).toBe('0 B · not valid base64');
    // A stray character among the previewed ones would shift every byte after it.
    expect(binaryPreview('AQ!ID', 3)).toBe('3 B · not valid base64');
  });
  it('shows only the size of an empty message', () => {
    expect(binaryPreview('', 0)).toBe('0 B');
    expect(binaryPreview('')).toBe('0 B');
  });
  it('decodes only the previewed bytes of a large message', () => {
    // Garbage after the previewed prefix is never looked at.
    const head = b64(Array.from({ length: 12 }, (_, i) => i));
    expect(binaryPreview(`${head}!!!! not base64 at all`, 1e6)).toMatch(
      new RegExp(`^976\\.6 kB · (?:[0-9a-f]{2} ){${PREVIEW_BYTES}}…$`),
    );
  });
  it('is what the list shows for a binary message', () => {
    expect(
      previewOf({
        r: 'ev',
        seq: 1,
        time: 0,
        conn: 1,
        type: 'receive',
        data: { base64: b64([255]) },
        size: 1,
      }),
    ).toBe('1 B · ff');
  });
});
