// fetch response bodies, captured without consuming or delaying the page's own.
//
// Most bodies are recorded from the page's own read: text(), arrayBuffer(),
// bytes() and blob() of a response the hook has seen are wrapped, and what the
// read resolves with is copied before the page gets it (a text() string, which
// cannot change, is kept and copied at hand-over). That leaves the
// browser's path from network to page alone: reading a clone (a tee of the
// body) chunk by chunk cost ~7 % of page time in a chain of small chunked
// fetches. A clone is still read, chunk by chunk as it arrives, when the body
// is a stream of messages (SSE, NDJSON...), when the page takes the stream
// itself (`body`), hands the response to the browser (Cache API, WebAssembly
// streaming), or has not started reading by the next task (a later read, or
// none); and in one piece for json() and formData(), whose results are no
// copy of the body and whose errors must stay the browser's own.

import type { HeaderList } from '../model';
import type { HookEventFields, HookRecord } from '../protocol';
import { captureBody } from './body';
import type { HookChannel } from './channel';
import type { Disguise } from './disguise';
import { replaceProperty } from './disguise';
import {
  type Decoder,
  decimalUpTo,
  errorReason,
  type HttpNatives,
  headersToList,
  headersValue,
  headerValue,
  isStreamingType,
  isTextualType,
  makeDecoder,
  wholeDecoder,
} from './http';
import { append, callGetter, type Pristine } from './pristine';

/** A body whose next chunk comes this long after the previous one is recorded as a stream. */
const STREAM_GAP_MS = 100;
/**
 * A non-streaming body whose Content-Length is at most this is read whole by
 * the browser (Response.arrayBuffer) instead of chunk by chunk through a
 * reader: about 5 % less page time in a chain of small sequential fetches.
 * Small, so a body that trickles in over seconds despite a fixed length (rare)
 * is the only thing shown as one piece instead of chunks, and a compressed
 * body cannot inflate far past the payload cap while it is held whole.
 */
const WHOLE_BODY_MAX_BYTES = 64 * 1024;
const READ_BEFORE_COPY = 'response body read by the browser before it could be copied';
/**
 * Statuses whose response never has a body: the fetch standard's null body
 * statuses, and 0 (an opaque response). Any other response is asked whether
 * its body is null only when the hook reads a clone of it. Asking a network
 * response for `body` costs the machine even if the page then reads it with
 * text(): +130 µs of renderer and +215 µs of network service CPU per small
 * fetch (2,000 sequential fetches in Chromium, without the extension).
 */
const isNullBodyStatus = (status: unknown): boolean =>
  status === 0 || status === 101 || status === 103 || status === 204 || status === 205 || status === 304;

/** Microtasks after a response in which the page usually starts reading its body (see checkLeftovers). */
const LEFTOVER_MICROTASKS = 8;

export interface FetchExchange {
  id: number;
  finished: boolean;
  /** The page cancelled its body: ours is cancelled too, so the connection closes as without the hook. */
  cancelled?: boolean;
}

/** A response whose body neither the page nor the hook has started reading. */
interface UnreadBody {
  ex: FetchExchange;
  res: object;
  /** Status and headers; statusText and the header list are filled by metaOf, when first needed. */
  meta: HookEventFields;
  /** The response's Headers until listed into meta (a fetch response's headers cannot change). */
  headers: unknown;
  contentType: string;
  taken: boolean;
  /** The page's read resolved with this text, recorded at hand-over. */
  text: string;
  /** When it resolved. */
  readAt: number;
}

export interface ResponseBodies {
  /** The fetch settled with `res`: records its status and headers, and its body when it comes. */
  observe(ex: FetchExchange, res: unknown): void;
  /** The fetch failed. */
  fail(ex: FetchExchange, err: unknown): void;
}

export function captureResponseBodies(
  p: Pristine,
  d: Disguise,
  ch: HookChannel,
  n: HttpNatives,
): ResponseBodies | null {
  const { win, apply } = p;
  const ResponseCtor = win.Response;
  const StreamCtor = win.ReadableStream;
  const readerProto = win.ReadableStreamDefaultReader?.prototype;
  if (!ResponseCtor || !StreamCtor || !readerProto) return null;
  const resProto = ResponseCtor.prototype;
  const resStatus = p.getter(resProto, 'status');
  const resStatusText = p.getter(resProto, 'statusText');
  const resHeaders = p.getter(resProto, 'headers');
  const resBody = p.getter(resProto, 'body');
  const resClone = resProto.clone;
  const resArrayBuffer = resProto.arrayBuffer;
  const getReader = StreamCtor.prototype.getReader;
  const readerRead = readerProto.read;
  const readerCancel = readerProto.cancel;
  // A cloned body is a tee: the network stream is cancelled only once both branches are.
  // When the page cancels its branch (stream.cancel / reader.cancel) the hook cancels its own.
  const stopOnCancel = new p.WeakMapCtor<object, () => void>();

  const emitError = (ex: FetchExchange, reason: string): void => {
    if (ex.finished) return;
    ex.finished = true;
    ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time: ch.time(), type: 'error', reason });
  };

  /** The body ended: the exchange is complete. */
  const emitClose = (ex: FetchExchange, meta: HookEventFields, time: number, reason?: string): void => {
    ex.finished = true;
    if (ex.cancelled) reason = 'response body cancelled by the page';
    ch.emit({
      __proto__: null,
      r: 'ev',
      conn: ex.id,
      time,
      type: 'close',
      ...(meta.status !== undefined ? { status: meta.status } : {}),
      ...(reason ? { reason } : {}),
    });
  };

  /** A response without a body: the exchange was complete with its headers. */
  const emitWithoutBody = (ex: FetchExchange, meta: HookEventFields): void => {
    const time = meta.headersAt ?? ch.time();
    ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time, type: 'receive', ...meta });
    emitClose(ex, meta, time);
  };

  /**
   * The one receive of a body that is not a stream: the bytes kept, of `total`
   * that arrived (the true size is recorded when more arrived than was kept,
   * or more than the cap). Only the first `cap` bytes are decoded: a whole
   * body can be megabytes.
   */
  const emitWholeReceive = (
    ex: FetchExchange,
    meta: HookEventFields,
    time: number,
    bytes: Uint8Array,
    total: number,
    decode: Decoder | null,
  ): void => {
    const cap = ch.payloadCap();
    let kept = bytes;
    let text: string | null = null;
    if (bytes.byteLength > cap) {
      kept = new p.Uint8ArrayCtor(bytes.buffer, bytes.byteOffset, cap);
      // A decoder of its own, streaming, so a character cut at the cap is dropped, not replaced.
      const cut = decode ? makeDecoder(n) : null;
      if (cut) text = cut(kept, true);
    }
    if (decode && text === null) text = decode(kept, false);
    const captured = total > 0 ? captureBody(p, text ?? kept, cap) : null;
    if (captured && (total > kept.byteLength || total > cap)) captured.fullSize = total;
    ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time, type: 'receive', ...meta, ...captured });
  };

  /** Reads the clone's body: one receive at the end, or one per chunk for streams. */
  const readBody = async (
    ex: FetchExchange,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    meta: HookEventFields,
    contentType: string,
  ): Promise<void> => {
    let streaming = isStreamingType(n, contentType);
    const textual = streaming || isTextualType(n, contentType);
    const wholeDecode = textual ? wholeDecoder(n) : null;
    // Chunks need a decoder of their own (a character may be split between
    // two); made when the body turns out to be a stream.
    let decode: Decoder | null = streaming ? makeDecoder(n) : null;
    const chunkDecoder = () => {
      decode ??= makeDecoder(n);
      return decode;
    };
    let chunkIndex = 0;
    // The chunks are the clone's own (the page never sees that stream), so
    // they are kept as they are, not copied, until the body ends.
    let buffered: Uint8Array[] = [];
    let kept = 0;
    let total = 0;
    let lastAt = 0;
    const joinBuffered = (): Uint8Array => {
      if (buffered.length === 1) return buffered[0] as Uint8Array;
      const out = new p.Uint8ArrayCtor(kept);
      let at = 0;
      for (let i = 0; i < buffered.length; i++) {
        const part = buffered[i] as Uint8Array;
        apply(p.typedArraySet, out, [part, at]);
        at += part.byteLength;
      }
      return out;
    };
    /** One streamed piece; the first also carries the response's status and headers. */
    const emitPiece = (time: number, body: object) => {
      ch.emit({
        __proto__: null,
        r: 'ev',
        conn: ex.id,
        time,
        type: 'receive',
        ...(chunkIndex === 0 ? meta : {}),
        ...body,
        chunk: chunkIndex,
      });
      chunkIndex++;
    };
    const emitChunk = (bytes: Uint8Array, time: number, fullSize?: number) => {
      const chunkDecode = textual ? chunkDecoder() : null;
      const captured = captureBody(p, chunkDecode ? chunkDecode(bytes, true) : bytes, ch.payloadCap());
      if (captured && fullSize !== undefined && fullSize > bytes.byteLength) captured.fullSize = fullSize;
      emitPiece(time, captured ?? {});
    };
    const keep = (value: Uint8Array) => {
      const length = value.byteLength;
      total += length;
      const room = ch.payloadCap() - kept;
      if (room <= 0 || length === 0) return;
      const part = length <= room ? value : new p.Uint8ArrayCtor(value.buffer, value.byteOffset, room);
      append(buffered, part);
      kept += part.byteLength;
    };
    try {
      for (;;) {
        const step = (await apply(readerRead, reader, [])) as ReadableStreamReadResult<Uint8Array>;
        if (step.done) break;
        const value = step.value;
        const now = ch.time();
        if (!streaming && total > 0 && now - lastAt > STREAM_GAP_MS) {
          // Still arriving in pieces: what came so far is chunk 0, the rest follows as it comes.
          streaming = true;
          emitChunk(joinBuffered(), lastAt, total);
          buffered = [];
        }
        if (streaming) emitChunk(value, now);
        else keep(value);
        lastAt = now;
      }
      const time = ch.time();
      if (streaming) {
        const rest = decode ? decode(new p.Uint8ArrayCtor(0), false) : '';
        if (rest !== '' || chunkIndex === 0) {
          emitPiece(time, rest !== '' ? (captureBody(p, rest, ch.payloadCap()) ?? {}) : {});
        }
      } else {
        emitWholeReceive(ex, meta, time, joinBuffered(), total, wholeDecode);
      }
      emitClose(ex, meta, time);
    } catch (err) {
      try {
        // What arrived before the failure is still worth seeing.
        if (!streaming && total > 0) emitWholeReceive(ex, meta, lastAt, joinBuffered(), total, wholeDecode);
        emitError(ex, errorReason(n, err));
      } catch {
        // best effort
      }
    }
  };

  /** Reads a small, fixed-length body in one native call. */
  const readWholeBody = (ex: FetchExchange, clone: unknown, meta: HookEventFields, contentType: string) => {
    const decode = isTextualType(n, contentType) ? wholeDecoder(n) : null;
    apply(p.promiseThen, apply(resArrayBuffer, clone, []), [
      (buf: unknown) => {
        try {
          if (!(buf instanceof p.ArrayBufferCtor)) return;
          const time = ch.time();
          const bytes = new p.Uint8ArrayCtor(buf);
          emitWholeReceive(ex, meta, time, bytes, bytes.byteLength, decode);
          emitClose(ex, meta, time);
        } catch {
          // best effort
        }
      },
      (err: unknown) => {
        try {
          emitError(ex, errorReason(n, err));
        } catch {
          // best effort
        }
      },
    ]);
  };

  /** True when the body is known to be small and not a stream of messages. */
  const readsWhole = (responseHeaders: HeaderList | undefined, contentType: string): boolean => {
    if (isStreamingType(n, contentType)) return false;
    const length = decimalUpTo(p, headerValue(n, responseHeaders, 'content-length'), WHOLE_BODY_MAX_BYTES);
    return length >= 0 && length <= ch.payloadCap();
  };

  /**
   * Reads the body from a clone, leaving the page's own to the page: in one
   * piece when `whole` (the page reads it whole too), else as readsWhole says.
   */
  const readClone = (body: UnreadBody, whole = false): void => {
    const { ex, res, contentType } = body;
    const meta = metaOf(body);
    let clone: unknown;
    try {
      clone = apply(resClone, res, []);
    } catch {
      // Taken by something the hook does not wrap (e.g. WebAssembly.compileStreaming).
      emitClose(ex, meta, ch.time(), READ_BEFORE_COPY);
      return;
    }
    // Asked after cloning: cloning gives the page's response a new stream (one branch of a tee).
    const pageBody = callGetter(p, resBody, res);
    if (pageBody === null) {
      // E.g. the answer to HEAD, or a service worker's `new Response(null)`.
      emitWithoutBody(ex, meta);
      return;
    }
    if (whole || readsWhole(meta.responseHeaders, contentType)) {
      // Bounded: ours is read to its end even when the page cancels its own.
      if (typeof pageBody === 'object' && pageBody !== null)
        apply(p.weakMapSet, stopOnCancel, [pageBody, () => (ex.cancelled = true)]);
      readWholeBody(ex, clone, meta, contentType);
      return;
    }
    const reader = apply(
      getReader,
      callGetter(p, resBody, clone),
      [],
    ) as ReadableStreamDefaultReader<Uint8Array>;
    if (typeof pageBody === 'object' && pageBody !== null) {
      apply(p.weakMapSet, stopOnCancel, [
        pageBody,
        () => {
          ex.cancelled = true;
          apply(p.promiseThen, apply(readerCancel, reader, []), [undefined, () => {}]);
        },
      ]);
    }
    void readBody(ex, reader, meta, contentType);
  };

  /**
   * The response's status line and headers, listed when first needed: for a
   * body the page reads with text(), at hand-over, off the page's path from
   * the response to its next step (see recordText).
   */
  const metaOf = (body: UnreadBody): HookEventFields => {
    const { meta, headers } = body;
    if (headers !== null) {
      body.headers = null;
      meta.statusText = p.StringCtor(callGetter(p, resStatusText, body.res));
      meta.responseHeaders = headersToList(n, headers) ?? [];
    }
    return meta;
  };

  // Bodies the page may still read itself; the rest are read from a clone at the next task.
  const unread = new p.WeakMapCtor<object, UnreadBody>();
  let waiting: UnreadBody[] = [];
  /** Microtasks left before the unread bodies are handed to a timer. */
  let turnsLeft = 0;
  /** The body of `res` if nobody has started reading it; from then on it is the caller's to record. */
  const take = (res: unknown): UnreadBody | undefined => {
    if (typeof res !== 'object' || res === null) return undefined;
    const body = apply(p.weakMapGet, unread, [res]) as UnreadBody | undefined;
    if (!body || body.taken) return undefined;
    body.taken = true;
    return body;
  };
  /**
   * Most pages read a body in their first reaction to the response (`await
   * fetch(); await r.text()`, `.then((r) => r.json())`): the page's reaction
   * runs one microtask after ours, so a few microtasks after observe() almost
   * every body is taken, and no timer is needed. A timer per response (and
   * its task) cost the page's thread ~12 µs per fetch, measured without the
   * network; a microtask well under 1. Bodies still unread after those turns
   * are read at the next task.
   */
  const checkLeftovers = (): void => {
    let anyUnread = false;
    for (let i = 0; i < waiting.length && !anyUnread; i++) anyUnread = !(waiting[i] as UnreadBody).taken;
    if (!anyUnread) {
      waiting = [];
      return;
    }
    if (--turnsLeft > 0) p.queueMicrotask(checkLeftovers);
    else p.setTimeout(readLeftovers, 0);
  };
  const readLeftovers = (): void => {
    const list = waiting;
    waiting = [];
    for (let i = 0; i < list.length; i++) {
      const body = list[i] as UnreadBody;
      if (body.taken) continue;
      body.taken = true;
      safely(() => readClone(body));
    }
  };

  const safely = (record: () => void): void => {
    try {
      record();
    } catch {
      // best effort: never break the page's read
    }
  };
  /** The receive of a body the page read as text, made at hand-over. */
  const textReceive = (source: object): HookRecord => {
    const body = source as UnreadBody;
    const { text } = body;
    body.text = '';
    const captured = text !== '' ? captureBody(p, text, ch.payloadCap()) : null;
    return {
      r: 'ev',
      conn: body.ex.id,
      time: body.readAt,
      type: 'receive',
      ...metaOf(body),
      ...(captured ?? {}),
    };
  };
  /**
   * The page's own read resolved with the whole body as text. The page's next
   * step waits for this (in a chain of fetches, the next request does), so
   * only the text and the time are kept here; the record, its headers and its
   * copy of the text are made at hand-over, with the batch. A string cannot
   * change, so what is recorded is what the page got.
   */
  const recordText = (body: UnreadBody, text: unknown): void => {
    if (typeof text !== 'string') return;
    body.text = text;
    body.readAt = ch.time();
    ch.emitLate(textReceive, body, 0, text.length * 2);
    emitClose(body.ex, body.meta, body.readAt);
  };
  /** The page's own read resolved with the whole body as bytes (copied before the page gets them). */
  const recordBytes = (body: UnreadBody, value: unknown, time: number): void => {
    let bytes: Uint8Array;
    if (value instanceof p.ArrayBufferCtor) bytes = new p.Uint8ArrayCtor(value);
    else if (value instanceof p.Uint8ArrayCtor) bytes = value;
    else return;
    const decode = isTextualType(n, body.contentType) ? wholeDecoder(n) : null;
    emitWholeReceive(body.ex, metaOf(body), time, bytes, bytes.byteLength, decode);
    emitClose(body.ex, body.meta, time);
  };
  /**
   * Runs `record` on what the page's read resolves with, before the page sees
   * it. The page gets a promise settling as the native one does: same value
   * (or what `record` returns), same rejection, still reported if unhandled.
   */
  const tap = (body: UnreadBody, read: unknown, record: (value: unknown) => unknown): unknown =>
    apply(p.promiseThen, read, [
      record,
      (err: unknown) => {
        safely(() => emitError(body.ex, errorReason(n, err)));
        d.rethrow(err);
      },
    ]);
  /**
   * A native promise made inside a wrapper: a rejection the browser created
   * right away (e.g. "body stream already read") holds the hook's frames in
   * its stack; they are removed before the page sees it.
   */
  const promiseProto = win.Promise.prototype;
  const scrubRejection = (result: unknown): unknown =>
    typeof result === 'object' && result !== null && p.getPrototypeOf(result) === promiseProto
      ? apply(p.promiseThen, result, [undefined, d.rethrow])
      : result;
  type ReadName = 'text' | 'json' | 'arrayBuffer' | 'bytes' | 'blob' | 'formData';
  type Read = (
    body: UnreadBody,
    native: (...a: never[]) => unknown,
    self: unknown,
    args: unknown[],
  ) => unknown;
  const wrapRead = (name: ReadName, read: Read): void => {
    const native = resProto[name] as ((...a: never[]) => unknown) | undefined;
    if (typeof native !== 'function') return;
    replaceProperty(
      p,
      resProto,
      name,
      d.wrapFunction(native, (target, self, args) => {
        const body = take(self);
        return body ? read(body, target, self, args) : scrubRejection(apply(target, self, args));
      }),
    );
  };
  const asText: Read = (body, native, self, args) =>
    tap(body, apply(native, self, args), (text) => {
      safely(() => recordText(body, text));
      return text;
    });
  const asBytes: Read = (body, native, self, args) =>
    tap(body, apply(native, self, args), (value) => {
      safely(() => recordBytes(body, value, ch.time()));
      return value;
    });
  wrapRead('text', asText);
  wrapRead('arrayBuffer', asBytes);
  wrapRead('bytes', asBytes);
  // The page gets json()'s own value and errors; the hook reads a clone, in
  // one piece like the page's read (cheaper than chunk by chunk).
  wrapRead('json', (body, native, self, args) => {
    safely(() => readClone(body, true));
    return scrubRejection(apply(native, self, args));
  });
  wrapRead('blob', (body, native, self, args) =>
    tap(body, apply(native, self, args), (blob) => {
      const time = ch.time();
      safely(() => {
        // A Blob cannot change: its bytes are read after the page has it.
        if (blob instanceof p.BlobCtor)
          apply(p.promiseThen, apply(p.blobArrayBuffer, blob, []), [
            (buf: unknown) => safely(() => recordBytes(body, buf, time)),
            () => {},
          ]);
      });
      return blob;
    }),
  );
  // Parsed fields are no copy of the body: a clone is read for it.
  wrapRead('formData', (body, native, self, args) => {
    safely(() => readClone(body));
    return scrubRejection(apply(native, self, args));
  });
  const bodyDescriptor = p.getOwnPropertyDescriptor(resProto, 'body');
  if (bodyDescriptor?.get) {
    const nativeGet = bodyDescriptor.get as (this: unknown) => unknown;
    p.defineProperty(resProto, 'body', {
      ...bodyDescriptor,
      get: d.wrapFunction(nativeGet, (target, self, args) => {
        const body = take(self);
        if (body) safely(() => readClone(body));
        return apply(target, self, args);
      }),
    });
  }
  // Handed to the browser, which reads the body itself: the hook's copy starts first.
  const readBeforeHandover = (res: unknown): void => {
    const body = take(res);
    if (body) safely(() => readClone(body));
  };
  const wasm = win.WebAssembly as unknown as Record<string, unknown> | undefined;
  for (const name of ['compileStreaming', 'instantiateStreaming']) {
    const native = wasm?.[name];
    if (!wasm || typeof native !== 'function') continue;
    replaceProperty(
      p,
      wasm,
      name,
      d.wrapFunction(native as (...a: never[]) => unknown, (target, self, args) => {
        const source = args[0];
        if (source instanceof ResponseCtor) readBeforeHandover(source);
        else if (typeof source === 'object' && source !== null && p.getPrototypeOf(source) === promiseProto) {
          // Registered before the browser's own reaction to the promise, so it runs first.
          // Its rejection is the browser's to report (it awaits the same promise).
          apply(p.promiseThen, source, [readBeforeHandover, () => {}]);
        }
        return scrubRejection(apply(target, self, args));
      }),
    );
  }
  const cacheProto = win.Cache?.prototype;
  if (cacheProto && typeof cacheProto.put === 'function') {
    replaceProperty(
      p,
      cacheProto,
      'put',
      d.wrapFunction(cacheProto.put, (target, self, args) => {
        readBeforeHandover(args[1]);
        return scrubRejection(apply(target, self, args));
      }),
    );
  }

  const stopperOf = (obj: unknown) =>
    typeof obj === 'object' && obj !== null
      ? (apply(p.weakMapGet, stopOnCancel, [obj]) as (() => void) | undefined)
      : undefined;
  const streamProto = StreamCtor.prototype;
  replaceProperty(
    p,
    streamProto,
    'getReader',
    d.wrapFunction(getReader, (target, self, args) => {
      const result = apply(target, self, args);
      const stop = stopperOf(self);
      if (stop && typeof result === 'object' && result !== null)
        apply(p.weakMapSet, stopOnCancel, [result, stop]);
      return result;
    }),
  );
  const cancelWrapper = (target: (...a: never[]) => unknown, self: unknown, args: unknown[]) => {
    const result = apply(target, self, args);
    const stop = stopperOf(self);
    if (stop) {
      try {
        stop();
      } catch {
        // best effort
      }
    }
    return result;
  };
  replaceProperty(p, streamProto, 'cancel', d.wrapFunction(streamProto.cancel, cancelWrapper));
  replaceProperty(p, readerProto, 'cancel', d.wrapFunction(readerCancel, cancelWrapper));
  const byobProto = win.ReadableStreamBYOBReader?.prototype;
  if (byobProto) replaceProperty(p, byobProto, 'cancel', d.wrapFunction(byobProto.cancel, cancelWrapper));

  return {
    observe(ex, res) {
      if (!(res instanceof ResponseCtor)) return;
      const headersAt = ch.time();
      // Only what decides how the body is read is looked at now; the page's
      // reaction to the response runs after this, so the rest waits (metaOf).
      const headers = callGetter(p, resHeaders, res);
      const body: UnreadBody = {
        ex,
        res,
        meta: { status: callGetter(p, resStatus, res) as number, headersAt },
        headers,
        contentType: '',
        taken: false,
        text: '',
        readAt: 0,
      };
      if (isNullBodyStatus(body.meta.status)) {
        emitWithoutBody(ex, metaOf(body));
        return;
      }
      body.contentType = headersValue(n, headers, 'content-type');
      if (isStreamingType(n, body.contentType)) {
        // Messages are recorded as they arrive, not when the page has read them all.
        body.taken = true;
        readClone(body);
        return;
      }
      apply(p.weakMapSet, unread, [res, body]);
      if (waiting.length === 0) {
        turnsLeft = LEFTOVER_MICROTASKS;
        p.queueMicrotask(checkLeftovers);
      }
      append(waiting, body);
    },
    fail(ex, err) {
      emitError(ex, errorReason(n, err));
    },
  };
}
