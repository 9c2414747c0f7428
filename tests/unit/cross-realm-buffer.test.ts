// Firefox hands a content script the page hook's ArrayBuffers as objects of
// another compartment; a Node vm context is another realm and shows the same
// `instanceof` blindness, so the relay's checks are tested against it.

import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { normalizeHookRecord } from '../../lib/relay/normalize';
import { isArrayBuffer } from '../../lib/validate';
import { parseHookRecord } from '../../lib/wire/page-relay-read';

const foreignBuffer = (): ArrayBuffer => runInNewContext('new Uint8Array([1, 2, 255]).buffer') as ArrayBuffer;

describe('isArrayBuffer', () => {
  it('accepts buffers of this and of another realm', () => {
    expect(foreignBuffer() instanceof ArrayBuffer).toBe(false);
    expect(isArrayBuffer(foreignBuffer())).toBe(true);
    expect(isArrayBuffer(new ArrayBuffer(2))).toBe(true);
  });

  it('rejects look-alikes, views and other values', () => {
    const fake = Object.create(ArrayBuffer.prototype) as object;
    expect(isArrayBuffer(fake)).toBe(false);
    expect(isArrayBuffer({ byteLength: 3, [Symbol.toStringTag]: 'ArrayBuffer' })).toBe(false);
    expect(isArrayBuffer(new Uint8Array(2))).toBe(false);
    expect(isArrayBuffer(new SharedArrayBuffer(2))).toBe(false);
    expect(isArrayBuffer(null)).toBe(false);
    expect(isArrayBuffer('abc')).toBe(false);
  });
});

describe('a binary body from another realm', () => {
  const record = { r: 'ev', conn: 1, time: 1_000, type: 'send', body: foreignBuffer() };

  it('passes validation', () => {
    expect(parseHookRecord(record)).not.toBeNull();
  });

  it('is normalized to base64 with its size', () => {
    const { record: out } = normalizeHookRecord(parseHookRecord(record) as never, 1, 1024);
    expect(out).toMatchObject({ data: { base64: 'AQL/' }, size: 3, truncated: false });
  });

  it('is cut to the cap', () => {
    const { record: out } = normalizeHookRecord(parseHookRecord(record) as never, 1, 2);
    expect(out).toMatchObject({ data: { base64: 'AQI=' }, size: 3, truncated: true });
  });
});
