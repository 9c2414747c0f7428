// Copies a payload the page sent or received, cut to the payload cap, without
// altering what the page holds. Binary data is copied at once because the
// page may reuse, mutate or transfer (detach) its buffer right after.

import type { HookBody, MessageBodyKindName } from '../wire/page-relay';
import type { Bare, Pristine } from './pristine';

export interface CapturedBody {
  body: HookBody;
  /** Set when the body was cut: the true size in bytes. */
  fullSize?: number;
  bodyKind: MessageBodyKindName;
}

/** UTF-16 units measured per native encodeInto call. */
const MEASURE_SLICE = 0x10000;

/**
 * UTF-8 byte length of a string over the cap (only those are measured): by
 * the browser's encoder, a slice at a time into one scratch buffer, since a
 * whole body read by the page may be megabytes and the page waits for it.
 * Lone surrogates count as U+FFFD (3 bytes), as the encoder and the relay do.
 */
export function utf8Length(p: Pristine, s: string): number {
  const { textEncoder, textEncodeInto } = p;
  if (!textEncoder || !textEncodeInto) return utf8LengthByUnits(p, s);
  const scratch = new p.Uint8ArrayCtor(MEASURE_SLICE * 3);
  let bytes = 0;
  for (let at = 0; at < s.length; ) {
    let end = at + MEASURE_SLICE;
    if (end >= s.length) end = s.length;
    else {
      // Never split a surrogate pair between two slices.
      const last = p.apply(p.charCodeAt, s, [end - 1]) as number;
      if (last >= 0xd800 && last <= 0xdbff) end--;
    }
    const part = p.apply(p.stringSlice, s, [at, end]) as string;
    // A dictionary the browser made: `written` is its own data property.
    const result = p.apply(textEncodeInto, textEncoder, [part, scratch]) as { written: number };
    bytes += result.written;
    at = end;
  }
  return bytes;
}

/** The same, unit by unit, where there is no TextEncoder. */
export function utf8LengthByUnits(p: Pristine, s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = p.apply(p.charCodeAt, s, [i]) as number;
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = p.apply(p.charCodeAt, s, [i + 1]) as number;
      // A lone high surrogate is sent as U+FFFD (3 bytes), as the relay counts it.
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function copyBytes(p: Pristine, buffer: ArrayBufferLike, offset: number, length: number, cap: number) {
  // biome-ignore lint/complexity/useMathMinMax: the page may replace Math.min
  const n = length > cap ? cap : length;
  const out = new p.ArrayBufferCtor(n);
  const src = new p.Uint8ArrayCtor(buffer, offset, n);
  p.apply(p.typedArraySet, new p.Uint8ArrayCtor(out), [src]);
  return out;
}

/**
 * A prototype-less CapturedBody, typed without its `__proto__` so that
 * spreading it into a record does not count as the record's own.
 */
const bare = (body: Bare<CapturedBody>): CapturedBody => body;

function blobBody(p: Pristine, data: Blob, size: number, cap: number): CapturedBody {
  if (size <= cap) return bare({ __proto__: null, body: data, bodyKind: 'blob' });
  return bare({
    __proto__: null,
    body: p.apply(p.blobSlice, data, [0, cap]) as Blob,
    fullSize: size,
    bodyKind: 'blob',
  });
}

/**
 * The payload of a string, ArrayBuffer (of any realm), view or Blob, copied
 * and cut to the cap; null for anything else. Types are told by the
 * browser's own brand checks, and sizes read through captured getters: a
 * page's accessors on the prototypes (or its own Symbol.hasInstance) never run.
 */
export function captureBody(p: Pristine, data: unknown, cap: number): CapturedBody | null {
  if (typeof data === 'string') {
    // length counts UTF-16 units, never more than the UTF-8 bytes: only a
    // string longer than the cap is surely over it (the relay trims the rest).
    if (data.length <= cap) return bare({ __proto__: null, body: data, bodyKind: 'text' });
    return bare({
      __proto__: null,
      body: p.apply(p.stringSlice, data, [0, cap]) as string,
      fullSize: utf8Length(p, data),
      bodyKind: 'text',
    });
  }
  if (typeof data !== 'object' || data === null) return null;
  if (p.isView(data)) {
    const view = data as ArrayBufferView;
    const size = p.viewLength(view);
    const body = copyBytes(p, p.viewBuffer(view), p.viewOffset(view), size, cap);
    return size > cap
      ? bare({ __proto__: null, body, fullSize: size, bodyKind: 'view' })
      : bare({ __proto__: null, body, bodyKind: 'view' });
  }
  // A Blob of this realm first: received binary messages are Blobs by default,
  // and a failed brand check costs a thrown exception.
  if (p.instanceOf(data, p.BlobCtor)) {
    const size = p.blobSize(data);
    if (size >= 0) return blobBody(p, data as Blob, size, cap);
  }
  if (p.isArrayBuffer(data)) {
    const size = p.bufferLength(data);
    const body = copyBytes(p, data, 0, size, cap);
    return size > cap
      ? bare({ __proto__: null, body, fullSize: size, bodyKind: 'arraybuffer' })
      : bare({ __proto__: null, body, bodyKind: 'arraybuffer' });
  }
  const size = p.blobSize(data);
  return size >= 0 ? blobBody(p, data as Blob, size, cap) : null;
}
