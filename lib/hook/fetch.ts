// fetch capture. window.fetch becomes a disguised wrapper that calls the
// native with the page's own arguments and returns the native promise's
// `then` (a native Promise settling with the same Response or the same
// rejection reason, so unhandled rejections are still reported). The request
// is described from the page's input and init without running page code
// (data properties only); a Request input's body is read from a clone made
// before the native call. The response body is read from response.clone(),
// so the page's own body is neither consumed nor delayed: streaming types
// (SSE, NDJSON...) and bodies that keep arriving are recorded chunk by chunk.

import type { HeaderList } from '../model';
import type { HookEventFields } from '../protocol';
import { captureBody } from './body';
import type { HookChannel } from './channel';
import type { Disguise } from './disguise';
import { replaceProperty } from './disguise';
import {
  captureRequestBody,
  type Decoder,
  dataProperty,
  decimalUpTo,
  errorReason,
  type HttpNatives,
  headersToList,
  headerValue,
  hrefOf,
  isStreamingType,
  isTextualType,
  makeDecoder,
  normalizeMethod,
  resolveUrl,
  wholeDecoder,
} from './http';
import { append, type Pristine } from './pristine';

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

type Getter = ((this: unknown) => unknown) | undefined;

interface FetchExchange {
  id: number;
  finished: boolean;
  /** The page cancelled its body: ours is cancelled too, so the connection closes as without the hook. */
  cancelled?: boolean;
}

export function patchFetch(
  p: Pristine,
  d: Disguise,
  ch: HookChannel,
  n: HttpNatives,
  nextId: () => number,
): void {
  const { win, apply } = p;
  const nativeFetch = win.fetch;
  const RequestCtor = win.Request;
  const ResponseCtor = win.Response;
  const StreamCtor = win.ReadableStream;
  if (typeof nativeFetch !== 'function' || !RequestCtor || !ResponseCtor || !StreamCtor) return;
  const reqProto = RequestCtor.prototype;
  const resProto = ResponseCtor.prototype;
  const call = (g: Getter, self: unknown): unknown => (g ? apply(g, self, []) : undefined);
  const reqUrl = p.getter(reqProto, 'url');
  const reqMethod = p.getter(reqProto, 'method');
  const reqHeaders = p.getter(reqProto, 'headers');
  const reqClone = reqProto.clone;
  const reqArrayBuffer = reqProto.arrayBuffer;
  const resStatus = p.getter(resProto, 'status');
  const resStatusText = p.getter(resProto, 'statusText');
  const resHeaders = p.getter(resProto, 'headers');
  const resBody = p.getter(resProto, 'body');
  const resClone = resProto.clone;
  const resArrayBuffer = resProto.arrayBuffer;
  const objectProto = win.Object.prototype;
  const getReader = StreamCtor.prototype.getReader;
  const readerRead = win.ReadableStreamDefaultReader?.prototype.read;
  const readerCancel = win.ReadableStreamDefaultReader?.prototype.cancel;
  if (!readerRead || !readerCancel) return;
  // A cloned body is a tee: the network stream is cancelled only once both branches are.
  // When the page cancels its branch (stream.cancel / reader.cancel) the hook cancels its own.
  const stopOnCancel = new p.WeakMapCtor<object, () => void>();

  const emitError = (ex: FetchExchange, reason: string): void => {
    if (ex.finished) return;
    ex.finished = true;
    ch.emit({ r: 'ev', conn: ex.id, time: ch.time(), type: 'error', reason });
  };

  /** The body ended: the exchange is complete. */
  const emitClose = (ex: FetchExchange, meta: HookEventFields, time: number): void => {
    ex.finished = true;
    ch.emit({
      r: 'ev',
      conn: ex.id,
      time,
      type: 'close',
      ...(meta.status !== undefined ? { status: meta.status } : {}),
      ...(ex.cancelled ? { reason: 'response body cancelled by the page' } : {}),
    });
  };

  /**
   * The one receive of a body that is not a stream: the bytes kept, of `total`
   * that arrived (the true size is recorded when more arrived than was kept,
   * or more than the cap).
   */
  const emitWholeReceive = (
    ex: FetchExchange,
    meta: HookEventFields,
    time: number,
    bytes: Uint8Array,
    total: number,
    decode: Decoder | null,
  ): void => {
    const captured =
      total > 0 ? captureBody(p, decode ? decode(bytes, false) : bytes, ch.payloadCap()) : null;
    if (captured && (total > bytes.byteLength || total > ch.payloadCap())) captured.fullSize = total;
    ch.emit({ r: 'ev', conn: ex.id, time, type: 'receive', ...meta, ...(captured ?? {}) });
  };

  /** Headers given in init: a Headers object, or a plain array / record read through a native Headers. */
  const initHeaders = (h: unknown): HeaderList | undefined => {
    if (typeof h !== 'object' || h === null) return undefined;
    const direct = headersToList(n, h);
    if (direct) return direct;
    const proto = p.getPrototypeOf(h);
    // Only arrays and plain records: reading any other iterable would run page code twice.
    if (!p.isArray(h) && proto !== objectProto && proto !== null) return undefined;
    if (!n.HeadersCtor) return undefined;
    return headersToList(n, new n.HeadersCtor(h as HeadersInit));
  };

  /** Reads a cloned Request's body and records it as the `send` event at the request's start time. */
  const sendFromClone = (ex: FetchExchange, clone: Request, time: number, contentType: string): void => {
    const done = (buf: unknown) => {
      try {
        if (!(buf instanceof p.ArrayBufferCtor) || buf.byteLength === 0) return;
        const cap = ch.payloadCap();
        const decode = isTextualType(n, contentType) ? wholeDecoder(n) : null;
        const captured = decode
          ? captureBody(p, decode(new p.Uint8ArrayCtor(buf), false), cap)
          : captureBody(p, buf, cap);
        if (captured) ch.emit({ r: 'ev', conn: ex.id, time, type: 'send', ...captured });
      } catch {
        // best effort
      }
    };
    apply(p.promiseThen, apply(reqArrayBuffer, clone, []), [done, () => {}]);
  };

  /** Describes the request and emits conn, open and (when there is a body) send. */
  const begin = (args: unknown[]): FetchExchange => {
    const input = args[0];
    const init = args.length > 1 ? args[1] : undefined;
    const time = ch.time();
    let url: string;
    let method = 'GET';
    let headers: HeaderList | undefined;
    let body: unknown;
    let bodyClone: Request | null = null;
    const isRequest = input instanceof RequestCtor;
    if (isRequest) {
      url = p.StringCtor(call(reqUrl, input));
      method = p.StringCtor(call(reqMethod, input));
      headers = headersToList(n, call(reqHeaders, input));
    } else {
      // Not written back: another realm's Request must reach the native untouched.
      url = resolveUrl(n, typeof input === 'string' ? input : (hrefOf(n, input) ?? `${input as string}`));
    }
    if (typeof init === 'object' && init !== null) {
      const m = dataProperty(p, init, 'method');
      if (typeof m === 'string') method = normalizeMethod(n, m);
      const h = initHeaders(dataProperty(p, init, 'headers'));
      if (h) headers = h;
      body = dataProperty(p, init, 'body');
    }
    const hasBodyMethod = method !== 'GET' && method !== 'HEAD';
    // The clone must be taken now: the native call marks the page's Request as used.
    if (isRequest && (body === undefined || body === null) && hasBodyMethod) {
      bodyClone = apply(reqClone, input, []) as Request;
    }
    const ex: FetchExchange = { id: nextId(), finished: false };
    ch.emit({
      r: 'conn',
      id: ex.id,
      time,
      transport: 'fetch',
      url,
      method,
      ...(headers && headers.length > 0 ? { requestHeaders: headers } : {}),
    });
    ch.emit({ r: 'ev', conn: ex.id, time, type: 'open' });
    if (!hasBodyMethod) return ex;
    if (bodyClone) {
      sendFromClone(ex, bodyClone, time, headerValue(n, headers, 'content-type'));
    } else if (body instanceof StreamCtor) {
      ch.emit({ r: 'ev', conn: ex.id, time, type: 'send', bodyKind: 'stream' });
    } else {
      const captured = captureRequestBody(n, body, ch.payloadCap());
      if (captured) {
        ch.emit({
          r: 'ev',
          conn: ex.id,
          time,
          type: 'send',
          ...(captured.captured ?? {}),
          bodyKind: captured.bodyKind,
          ...(captured.form ? { form: captured.form } : {}),
        });
      }
    }
    return ex;
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
  const readsWhole = (responseHeaders: HeaderList, contentType: string): boolean => {
    if (isStreamingType(n, contentType)) return false;
    const length = decimalUpTo(p, headerValue(n, responseHeaders, 'content-length'), WHOLE_BODY_MAX_BYTES);
    return length >= 0 && length <= ch.payloadCap();
  };

  const observeResponse = (ex: FetchExchange, res: unknown): void => {
    if (!(res instanceof ResponseCtor)) return;
    const headersAt = ch.time();
    const responseHeaders = headersToList(n, call(resHeaders, res)) ?? [];
    const meta: HookEventFields = {
      status: call(resStatus, res) as number,
      statusText: p.StringCtor(call(resStatusText, res)),
      responseHeaders,
      headersAt,
    };
    if (call(resBody, res) === null) {
      // No body (204, HEAD, opaque...): the exchange is complete with the headers.
      ch.emit({ r: 'ev', conn: ex.id, time: headersAt, type: 'receive', ...meta });
      ex.finished = true;
      ch.emit({ r: 'ev', conn: ex.id, time: headersAt, type: 'close', status: meta.status });
      return;
    }
    const contentType = headerValue(n, responseHeaders, 'content-type');
    const clone = apply(resClone, res, []);
    const pageBody = call(resBody, res);
    if (readsWhole(responseHeaders, contentType)) {
      // Bounded: ours is read to its end even when the page cancels its own.
      if (typeof pageBody === 'object' && pageBody !== null)
        apply(p.weakMapSet, stopOnCancel, [pageBody, () => (ex.cancelled = true)]);
      readWholeBody(ex, clone, meta, contentType);
      return;
    }
    const reader = apply(getReader, call(resBody, clone), []) as ReadableStreamDefaultReader<Uint8Array>;
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
  replaceProperty(
    p,
    win.ReadableStreamDefaultReader.prototype,
    'cancel',
    d.wrapFunction(readerCancel, cancelWrapper),
  );
  const byobProto = win.ReadableStreamBYOBReader?.prototype;
  if (byobProto) replaceProperty(p, byobProto, 'cancel', d.wrapFunction(byobProto.cancel, cancelWrapper));

  const wrapped = d.wrapFunction(nativeFetch, (target, self, args) => {
    let ex: FetchExchange | null = null;
    try {
      ex = begin(args);
    } catch {
      ex = null;
    }
    const promise = apply(target, self, args) as Promise<Response>;
    // A rejection made inside this wrapper carries its frame: the page must not see it.
    const rethrow = (err: unknown) => {
      d.scrubError(err);
      throw err;
    };
    if (!ex) {
      try {
        return apply(p.promiseThen, promise, [undefined, rethrow]);
      } catch {
        return promise;
      }
    }
    const exchange = ex;
    try {
      return apply(p.promiseThen, promise, [
        (res: unknown) => {
          try {
            observeResponse(exchange, res);
          } catch {
            // best effort
          }
          return res;
        },
        (err: unknown) => {
          try {
            emitError(exchange, errorReason(n, err));
          } catch {
            // best effort
          }
          rethrow(err);
        },
      ]);
    } catch {
      return promise;
    }
  });
  replaceProperty(p, win, 'fetch', wrapped);
}
