// fetch response bodies, captured without consuming, delaying or reading
// ahead of the page's own read.
//
// A body is recorded from what the page itself reads, when it reads it:
// text(), arrayBuffer(), bytes() and blob() of a response the hook has seen
// are wrapped, and what the read resolves with is copied before the page gets
// it (a text() string, which cannot change, is kept and copied at hand-over).
// A body stream the page takes (`body`, including one a page got through
// another realm's getter and reads here) is recorded chunk by chunk from the
// page's own reads of it: its reader's read(), its async iterator's next(),
// and a pipe (pipeTo / pipeThrough), which runs natively from the page's
// stream into a pass-through destination of the hook's that writes to the
// page's. Neither path reads anything the page has not read.
//
// A clone is read only where the page's own read drains the body at the
// network's pace anyway: json() and formData(), whose results are no copy of
// the body and whose errors must stay the browser's own; any whole read of a
// stream of messages (SSE, NDJSON...), recorded chunk by chunk as it arrives;
// and a response handed to the browser (Cache API, WebAssembly streaming). A
// clone is never read ahead of a page that reads slowly or not at all: in
// Chromium, Response.clone() of a network body is a tee that copies the
// network's data into both branches as fast as it arrives, whatever either
// branch's reader does (cancelling the hook's branch does not stop it), so
// the page's branch would buffer the whole body. And a tee locks the stream a
// page may already hold (perhaps through another frame's getter, unseen). A
// body nobody reads is therefore not recorded: a second after the response,
// its status and headers are, and the exchange is closed at their time, with
// a note.

import type { HeaderList } from '../model';
import type { HookEvent, HookEventFields } from '../wire/page-relay';
import { captureBody } from './body';
import type { Disguise } from './disguise';
import { replaceProperty } from './disguise';
import {
  type Decoder,
  dataProperty,
  decimalUpTo,
  errorReason,
  type HttpNatives,
  headersToList,
  headersValue,
  headerValue,
  isStreamingType,
  isTextualType,
  makeDecoder,
  THEN_DEFINED,
  wholeDecoder,
} from './http';
import { append, type Bare, callGetter, type Pristine } from './pristine';
import type { HookRelayPort } from './relay-port';

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
 * its body is null only when the page has not started reading it by the end
 * of its first reaction, or the hook reads a clone of it. Asking a network
 * response for `body` costs the renderer and the network service CPU even if
 * the page then reads it with text() (see docs/benchmarks.md).
 */
const isNullBodyStatus = (status: unknown): boolean =>
  status === 0 || status === 101 || status === 103 || status === 204 || status === 205 || status === 304;

/** Microtasks after a response in which the page usually starts reading its body (see checkLeftovers). */
const LEFTOVER_MICROTASKS = 8;
/**
 * A body still unread this long after the response is recorded as not read
 * (status and headers, no body, the exchange complete at its headers' time):
 * a page that awaits several responses before reading them (Promise.all) has
 * read them by then, and gets one receive each.
 */
const UNREAD_NOTE_MS = 1000;
const NOT_READ =
  'response body not read by the page (Wirescope records a body as the page reads it; a later read follows)';
const READ_UNSEEN =
  'response body read by the page in a way the hook cannot see (e.g. through another frame)';
/** On the receive where a body the page reads is cut: its size is what had been seen by then. */
const CUT_AT_CAP =
  'payload cap reached: the rest of this body was not recorded (size: bytes seen until then)';

export interface FetchExchange {
  id: number;
  finished: boolean;
  /** The page cancelled the body (its record ends there). */
  cancelled?: boolean;
  /** A HEAD request: its response has no body (Chromium still gives it an empty stream). */
  head?: boolean;
}

/**
 * Records one body from its chunks, as they are read. A body that is not a
 * stream of messages (SSE, NDJSON...) is kept up to the payload cap, and
 * recorded whole at its end, or in pieces while it trickles in; past the cap
 * no more of it is recorded. Where the chunks are the page's own (`pageDriven`)
 * the body may never end (an endless download read slowly): its one receive
 * is made as soon as the cap is passed, marked cut, with the size seen so far.
 * A stream of messages is recorded chunk by chunk, each cut to the cap.
 */
export interface BodyRecorder {
  /** The body ended, failed or was cancelled: nothing more is recorded. */
  ended: boolean;
  chunk(value: unknown, now: number): void;
  end(time: number): void;
  fail(err: unknown): void;
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
  /** When the page's whole read (text() or json()) resolved; 0 until then. */
  readAt: number;
  /** Recording the page's own reads of the body's stream. */
  rec: BodyRecorder | null;
}

export interface ResponseBodies {
  /** The fetch settled with `res`: records its status and headers, and its body when it comes. */
  observe(ex: FetchExchange, res: unknown): void;
  /** The fetch failed. */
  fail(ex: FetchExchange, err: unknown): void;
}

type Method = (...a: never[]) => unknown;
/** A method of `proto` if it has one (read once, at install). */
const methodOf = (proto: object | undefined, name: string): Method | undefined => {
  const value = proto ? (proto as Record<string, unknown>)[name] : undefined;
  return typeof value === 'function' ? (value as Method) : undefined;
};

export function captureResponseBodies(
  p: Pristine,
  d: Disguise,
  ch: HookRelayPort,
  n: HttpNatives,
): ResponseBodies | null {
  const { win, apply } = p;
  // A chunk's size and place through the browser's own getters (a page may replace those on the prototypes).
  const lengthOf = (bytes: Uint8Array): number => p.viewLength(bytes);
  const prefix = (bytes: Uint8Array, length: number): Uint8Array =>
    new p.Uint8ArrayCtor(p.viewBuffer(bytes), p.viewOffset(bytes), length);
  /** The bytes of a chunk a stream gave (a view of any kind), or null for anything else. */
  const bytesOf = (value: unknown): Uint8Array | null =>
    typeof value === 'object' && value !== null && p.isView(value)
      ? prefix(value as Uint8Array, p.viewLength(value as ArrayBufferView))
      : null;
  const ResponseCtor = win.Response;
  const StreamCtor = win.ReadableStream;
  const readerProto = win.ReadableStreamDefaultReader?.prototype;
  if (!ResponseCtor || !StreamCtor || !readerProto) return null;
  const resProto = ResponseCtor.prototype;
  const resStatus = p.getter(resProto, 'status');
  const resStatusText = p.getter(resProto, 'statusText');
  const resHeaders = p.getter(resProto, 'headers');
  const resBody = p.getter(resProto, 'body');
  const resBodyUsed = p.getter(resProto, 'bodyUsed');
  const resClone = resProto.clone;
  const resArrayBuffer = resProto.arrayBuffer;
  const streamProto = StreamCtor.prototype;
  const streamLocked = p.getter(streamProto, 'locked');
  const getReader = streamProto.getReader;
  const nativePipeTo = streamProto.pipeTo;
  const readerRead = readerProto.read;
  const readerCancel = readerProto.cancel;
  const WritableCtor = typeof win.WritableStream === 'function' ? win.WritableStream : undefined;
  const writableLocked = WritableCtor ? p.getter(WritableCtor.prototype, 'locked') : undefined;
  const writerProto = win.WritableStreamDefaultWriter?.prototype;
  const getWriter = methodOf(WritableCtor?.prototype, 'getWriter');
  const writerWrite = methodOf(writerProto, 'write');
  const writerClose = methodOf(writerProto, 'close');
  const writerAbort = methodOf(writerProto, 'abort');
  const writerReleaseLock = methodOf(writerProto, 'releaseLock');
  const writerClosed = writerProto ? p.getter(writerProto, 'closed') : undefined;
  const signalAborted = win.AbortSignal ? p.getter(win.AbortSignal.prototype, 'aborted') : undefined;
  const controllerError = methodOf(win.WritableStreamDefaultController?.prototype, 'error');
  const pipesFollowed = !!(
    getWriter &&
    writerWrite &&
    writerClose &&
    writerAbort &&
    writerReleaseLock &&
    writerClosed &&
    controllerError
  );
  const asyncIteratorKey = win.Symbol.asyncIterator;

  /** Whether `stream` is a locked stream (false for anything else: the page may pass anything as `this`). */
  const isLocked = (stream: unknown): boolean => {
    try {
      return typeof stream === 'object' && stream !== null && callGetter(p, streamLocked, stream) === true;
    } catch {
      return false;
    }
  };
  /** Brand checks through the browser's own getters, which throw for anything else (any realm's objects pass). */
  const isResponse = (x: unknown): x is Response => {
    try {
      return typeof x === 'object' && x !== null && typeof callGetter(p, resStatus, x) === 'number';
    } catch {
      return false;
    }
  };
  const isStream = (x: unknown): x is ReadableStream => {
    try {
      return typeof x === 'object' && x !== null && typeof callGetter(p, streamLocked, x) === 'boolean';
    } catch {
      return false;
    }
  };
  const isAborted = (signal: unknown): boolean => {
    try {
      return typeof signal === 'object' && signal !== null && callGetter(p, signalAborted, signal) === true;
    } catch {
      return false;
    }
  };

  const emitError = (ex: FetchExchange, reason: string): void => {
    if (ex.finished) return;
    ex.finished = true;
    ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time: ch.time(), type: 'error', reason });
  };

  /** The body ended: the exchange is complete. */
  const emitClose = (ex: FetchExchange, meta: HookEventFields, time: number, reason?: string): void => {
    if (ex.finished) return;
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
    reason?: string,
  ): void => {
    const cap = ch.payloadCap();
    let kept = bytes;
    let text: string | null = null;
    if (lengthOf(bytes) > cap) {
      kept = prefix(bytes, cap);
      // A decoder of its own, streaming, so a character cut at the cap is dropped, not replaced.
      const cut = decode ? makeDecoder(n) : null;
      if (cut) text = cut(kept, true);
    }
    if (decode && text === null) text = decode(kept, false);
    const captured = total > 0 ? captureBody(p, text ?? kept, cap) : null;
    if (captured && (total > lengthOf(kept) || total > cap)) captured.fullSize = total;
    ch.emit({
      __proto__: null,
      r: 'ev',
      conn: ex.id,
      time,
      type: 'receive',
      ...meta,
      ...captured,
      ...(reason ? { reason } : {}),
    });
  };

  /** See BodyRecorder. `pageDriven`: the chunks are the page's own, read at its pace. */
  const makeRecorder = (
    ex: FetchExchange,
    meta: HookEventFields,
    contentType: string,
    pageDriven: boolean,
  ): BodyRecorder => {
    const messages = isStreamingType(n, contentType);
    let streaming = messages;
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
    // A clone's chunks are the hook's own (the page never sees that stream),
    // so they are kept as they are until the body ends; the page's are copied.
    let buffered = p.list<Uint8Array>();
    let kept = 0;
    /** Bytes seen. */
    let total = 0;
    /** Bytes recorded as pieces of a body that is not a stream of messages (at most the cap). */
    let pieces = 0;
    /** Past the cap: nothing more is recorded, only counted. */
    let cut = false;
    let lastAt = 0;
    const joinBuffered = (): Uint8Array => {
      if (buffered.length === 1) return buffered[0] as Uint8Array;
      const out = new p.Uint8ArrayCtor(kept);
      let at = 0;
      for (let i = 0; i < buffered.length; i++) {
        const part = buffered[i] as Uint8Array;
        apply(p.typedArraySet, out, [part, at]);
        at += lengthOf(part);
      }
      return out;
    };
    /** One streamed piece; the first also carries the response's status and headers. */
    const emitPiece = (time: number, body: object, reason?: string) => {
      ch.emit({
        __proto__: null,
        r: 'ev',
        conn: ex.id,
        time,
        type: 'receive',
        ...(chunkIndex === 0 ? meta : {}),
        ...body,
        chunk: chunkIndex,
        ...(reason ? { reason } : {}),
      });
      chunkIndex++;
    };
    const emitChunk = (bytes: Uint8Array, time: number, fullSize?: number, reason?: string) => {
      const chunkDecode = textual ? chunkDecoder() : null;
      const captured = captureBody(p, chunkDecode ? chunkDecode(bytes, true) : bytes, ch.payloadCap());
      if (captured && fullSize !== undefined && fullSize > lengthOf(bytes)) captured.fullSize = fullSize;
      emitPiece(time, captured ?? {}, reason);
    };
    /** A piece of a body that is not a stream of messages: recorded while the cap allows. */
    const emitBudgeted = (bytes: Uint8Array, time: number) => {
      const length = lengthOf(bytes);
      const room = ch.payloadCap() - pieces;
      if (length <= room) {
        emitChunk(bytes, time);
        pieces += length;
        return;
      }
      // biome-ignore lint/complexity/useMathMinMax: the page may replace Math.max
      const part = prefix(bytes, room > 0 ? room : 0);
      emitChunk(part, time, length, CUT_AT_CAP);
      pieces += lengthOf(part);
      cut = true;
    };
    const keep = (value: Uint8Array, now: number) => {
      const length = lengthOf(value);
      total += length;
      const room = ch.payloadCap() - kept;
      if (room > 0 && length > 0) {
        let part = length <= room ? value : prefix(value, room);
        if (pageDriven) {
          // The page may reuse, change or transfer its chunk's buffer.
          const copy = new p.Uint8ArrayCtor(lengthOf(part));
          apply(p.typedArraySet, copy, [part]);
          part = copy;
        }
        append(buffered, part);
        kept += lengthOf(part);
      }
      if (pageDriven && total > ch.payloadCap()) {
        // The page reads at its own pace and may never reach the end: the record is made now.
        emitWholeReceive(ex, meta, now, joinBuffered(), total, wholeDecode, CUT_AT_CAP);
        buffered = p.list();
        kept = 0;
        cut = true;
      }
    };
    const rec: Bare<BodyRecorder> = {
      __proto__: null,
      ended: false,
      chunk(given, now) {
        // Any kind of view: a BYOB read gives back the kind the page passed (a DataView, a Uint16Array...).
        const value = rec.ended ? null : bytesOf(given);
        if (value === null) return;
        if (cut) {
          total += lengthOf(value);
          lastAt = now;
          return;
        }
        if (!streaming && total > 0 && now - lastAt > STREAM_GAP_MS) {
          // Still arriving in pieces: what came so far is chunk 0, the rest follows as it comes.
          streaming = true;
          const first = joinBuffered();
          buffered = p.list();
          pieces = lengthOf(first);
          emitChunk(first, lastAt, total, total > pieces ? CUT_AT_CAP : undefined);
          if (total > pieces) cut = true;
        }
        if (cut) total += lengthOf(value);
        else if (!streaming) keep(value, now);
        else {
          total += lengthOf(value);
          if (messages) emitChunk(value, now);
          else emitBudgeted(value, now);
        }
        lastAt = now;
      },
      end(time) {
        if (rec.ended) return;
        rec.ended = true;
        if (!cut && streaming) {
          const rest = decode ? decode(new p.Uint8ArrayCtor(0), false) : '';
          if (rest !== '' || chunkIndex === 0) {
            emitPiece(time, rest !== '' ? (captureBody(p, rest, ch.payloadCap()) ?? {}) : {});
          }
        } else if (!cut) {
          emitWholeReceive(ex, meta, time, joinBuffered(), total, wholeDecode);
        }
        buffered = p.list();
        emitClose(ex, meta, time);
      },
      fail(err) {
        if (rec.ended) return;
        rec.ended = true;
        // What arrived before the failure is still worth seeing.
        if (!cut && !streaming && total > 0)
          emitWholeReceive(ex, meta, lastAt, joinBuffered(), total, wholeDecode);
        buffered = p.list();
        emitError(ex, errorReason(n, err));
      },
    };
    return rec;
  };

  /**
   * Reads the clone's body to its end (the page's own read drains the other
   * branch meanwhile), one read after another, chained without `await`,
   * which would read each promise's `constructor`.
   */
  const readBody = (
    ex: FetchExchange,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    meta: HookEventFields,
    contentType: string,
  ): void => {
    const rec = makeRecorder(ex, meta, contentType, false);
    const failed = (err: unknown): void => safely(() => rec.fail(err));
    const next = (): void => {
      if (!p.resolvesPrivately('result')) {
        safely(() => {
          apply(readerCancel, reader, []);
          rec.ended = true;
          emitClose(ex, meta, ch.time(), THEN_DEFINED);
        });
        return;
      }
      p.chain(
        apply(readerRead, reader, []) as Promise<ReadableStreamReadResult<Uint8Array>>,
        (step) => {
          try {
            if (step.done) rec.end(ch.time());
            else {
              rec.chunk(step.value, ch.time());
              next();
            }
          } catch (err) {
            failed(err);
          }
        },
        failed,
      );
    };
    next();
  };

  /**
   * Reads a small, fixed-length body in one native call. `pageRead`: the body
   * the page reads whole itself (json()): when the page's read resolved first,
   * the body had ended by then, and its record carries that time (the hook's
   * copy can lag hundreds of ms on a busy renderer, and the page's next
   * request would seem to start before this one ended).
   */
  const readWholeBody = (
    ex: FetchExchange,
    clone: unknown,
    meta: HookEventFields,
    contentType: string,
    pageRead?: UnreadBody,
  ) => {
    if (!p.resolvesPrivately('buffer')) {
      emitClose(ex, meta, ch.time(), THEN_DEFINED);
      return;
    }
    const decode = isTextualType(n, contentType) ? wholeDecoder(n) : null;
    p.chain(
      apply(resArrayBuffer, clone, []) as Promise<unknown>,
      (buf: unknown) => {
        try {
          if (!p.isArrayBuffer(buf)) return;
          const now = ch.time();
          const time = pageRead && pageRead.readAt > 0 && pageRead.readAt < now ? pageRead.readAt : now;
          const bytes = new p.Uint8ArrayCtor(buf);
          emitWholeReceive(ex, meta, time, bytes, lengthOf(bytes), decode);
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
    );
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
   * Only where the page's own read (or the browser's) drains the other branch
   * at the network's pace: see the file's comment.
   */
  const readClone = (body: UnreadBody, whole = false): void => {
    const { ex, res, contentType } = body;
    const meta = metaOf(body);
    let clone: unknown;
    try {
      clone = apply(resClone, res, []);
    } catch {
      // Taken by something the hook does not wrap (e.g. another frame's text()).
      emitClose(ex, meta, ch.time(), READ_BEFORE_COPY);
      return;
    }
    // Asked after cloning: cloning gives the page's response a new stream (one branch of a tee).
    if (callGetter(p, resBody, res) === null) {
      // E.g. the answer to HEAD, or a service worker's `new Response(null)`.
      emitWithoutBody(ex, meta);
      return;
    }
    if (whole || readsWhole(meta.responseHeaders, contentType)) {
      readWholeBody(ex, clone, meta, contentType, whole ? body : undefined);
      return;
    }
    const reader = apply(
      getReader,
      callGetter(p, resBody, clone),
      [],
    ) as ReadableStreamDefaultReader<Uint8Array>;
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

  // Bodies the page may still read itself: every body is recorded from the page's read.
  const unread = new p.WeakMapCtor<object, UnreadBody>();
  let waiting = p.list<UnreadBody>();
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

  // Streams of unread bodies, and the readers and async iterators the page
  // made of them: the page's reads through these are recorded.
  const streams = new p.WeakMapCtor<object, UnreadBody>();
  const readers = new p.WeakMapCtor<object, UnreadBody | undefined>();
  /** Async iterators whose return() cancels the stream (no preventCancel). */
  const cancelOnReturn = new p.WeakMapCtor<object, UnreadBody>();
  const bodyOf = (map: WeakMap<object, UnreadBody | undefined>, key: unknown): UnreadBody | undefined =>
    typeof key === 'object' && key !== null
      ? (apply(p.weakMapGet, map, [key]) as UnreadBody | undefined)
      : undefined;
  /** Follows `stream`'s body: the page's reads of it are recorded. */
  const track = (stream: unknown, body: UnreadBody): void => {
    if (typeof stream === 'object' && stream !== null) apply(p.weakMapSet, streams, [stream, body]);
  };
  /**
   * The recorder of a body the page reads through its stream, made at its
   * first read; undefined when its record is complete, or when the body was
   * taken another way (a whole read, recorded there).
   */
  const recorderOf = (body: UnreadBody | undefined): BodyRecorder | undefined => {
    if (!body) return undefined;
    if (!body.rec) {
      if (body.taken) return undefined;
      body.taken = true;
      body.rec = makeRecorder(body.ex, metaOf(body), body.contentType, true);
    }
    return body.rec.ended ? undefined : body.rec;
  };
  /** The page cancelled the body's stream (or a reader or iterator of it): its record ends here. */
  const pageCancelled = (body: UnreadBody | undefined): void => {
    const rec = recorderOf(body);
    if (!body || !rec) return;
    body.ex.cancelled = true;
    rec.end(ch.time());
  };

  /**
   * Most pages read a body in their first reaction to the response (`await
   * fetch(); await r.text()`, `.then((r) => r.json())`): the page's reaction
   * runs one microtask after ours, so a few microtasks after observe() almost
   * every body is taken, and no timer is needed: a timer per response (and
   * its task) costs the page's thread far more than a microtask. Bodies still unread after those turns
   * are looked at then (lookAtLeftovers), still before any timer of the page's.
   */
  const checkLeftovers = (): void => {
    let anyUnread = false;
    for (let i = 0; i < waiting.length && !anyUnread; i++) anyUnread = !(waiting[i] as UnreadBody).taken;
    if (!anyUnread) {
      waiting = p.list();
      return;
    }
    if (--turnsLeft > 0) p.queueMicrotask(checkLeftovers);
    else lookAtLeftovers();
  };
  /**
   * Nothing of an unread body is read (see the file's comment). A body-less
   * one (a service worker's `new Response(null)`) is recorded complete; the
   * stream of any other is followed, so that the page's reads of it are
   * recorded even when the page took it through a getter the hook does not
   * see (another frame's), in its first reaction to the response.
   */
  const lookAtLeftovers = (): void => {
    const list = waiting;
    waiting = p.list();
    // Noted as not read if they still are UNREAD_NOTE_MS from now: a timer
    // of their own, never one an earlier batch set (which would come early).
    const unnoted = p.list<UnreadBody>();
    for (let i = 0; i < list.length; i++) {
      const body = list[i] as UnreadBody;
      if (body.taken) continue;
      safely(() => {
        const stream = callGetter(p, resBody, body.res);
        if (stream === null) {
          body.taken = true;
          emitWithoutBody(body.ex, metaOf(body));
          return;
        }
        track(stream, body);
        append(unnoted, body);
      });
    }
    if (unnoted.length > 0) p.setTimeout(() => noteUnread(unnoted), UNREAD_NOTE_MS);
  };
  /**
   * A body still unread a second after the response: the exchange is recorded
   * as the page had it, complete with its headers (receive and close at the
   * headers' time, as for a response without a body), the close saying why.
   * A loop that checks `res.ok` and never reads is then no open request for
   * the pattern detector. If the page reads the body later, it is recorded
   * then, after the close.
   */
  const noteUnread = (list: UnreadBody[]): void => {
    for (let i = 0; i < list.length; i++) {
      const body = list[i] as UnreadBody;
      if (body.taken) continue;
      safely(() => {
        const { ex, res } = body;
        const meta = metaOf(body);
        const time = meta.headersAt ?? ch.time();
        // Read, or being read, through something the hook does not wrap: nothing more will be seen of it.
        const unseen = callGetter(p, resBodyUsed, res) === true || isLocked(callGetter(p, resBody, res));
        if (unseen) body.taken = true;
        ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time, type: 'receive', ...meta });
        emitClose(ex, meta, time, unseen ? READ_UNSEEN : NOT_READ);
      });
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
  const textReceive = (source: object): Bare<HookEvent> => {
    const body = source as UnreadBody;
    const { text } = body;
    body.text = '';
    const captured = text !== '' ? captureBody(p, text, ch.payloadCap()) : null;
    return {
      __proto__: null,
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
    const bytes = p.isArrayBuffer(value) ? new p.Uint8ArrayCtor(value) : bytesOf(value);
    if (bytes === null) return;
    const decode = isTextualType(n, body.contentType) ? wholeDecoder(n) : null;
    emitWholeReceive(body.ex, metaOf(body), time, bytes, lengthOf(bytes), decode);
    emitClose(body.ex, body.meta, time);
  };
  /**
   * Runs `record` on what the page's read resolves with, before the page sees
   * it. The page gets a promise settling as the native one does: same value
   * (or what `record` returns), same rejection, still reported if unhandled.
   */
  const tap = (body: UnreadBody, read: unknown, record: (value: unknown) => unknown): unknown =>
    p.chain(read as Promise<unknown>, record, (err: unknown) => {
      safely(() => emitError(body.ex, errorReason(n, err)));
      d.rethrow(err);
    });
  /**
   * A native promise made inside a wrapper: a rejection the browser created
   * right away (e.g. "body stream already read") holds the hook's stack frames in
   * its stack; they are removed before the page sees it.
   */
  const promiseProto = win.Promise.prototype;
  const isNativePromise = (x: unknown): x is Promise<unknown> =>
    typeof x === 'object' && x !== null && p.getPrototypeOf(x) === promiseProto;
  const scrubRejection = (result: unknown): unknown =>
    isNativePromise(result) ? p.chain(result, undefined, d.rethrow) : result;
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
        if (!body) return scrubRejection(apply(target, self, args));
        if (isStreamingType(n, body.contentType)) {
          // Messages are recorded as they arrive, from a clone, while the page's read drains its own branch.
          safely(() => readClone(body));
          return scrubRejection(apply(target, self, args));
        }
        return read(body, target, self, args);
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
  // one piece like the page's read (cheaper than chunk by chunk). When the
  // page's read resolves is noted: the body had ended by then.
  wrapRead('json', (body, native, self, args) => {
    safely(() => readClone(body, true));
    const result = apply(native, self, args);
    if (!isNativePromise(result)) return result;
    return p.chain(
      result,
      (value: unknown) => {
        if (body.readAt === 0) body.readAt = ch.time();
        return value;
      },
      d.rethrow,
    );
  });
  wrapRead('blob', (body, native, self, args) =>
    tap(body, apply(native, self, args), (blob) => {
      const time = ch.time();
      safely(() => {
        // A Blob cannot change: its bytes are read after the page has it.
        if (p.blobSize(blob) >= 0 && p.resolvesPrivately('buffer'))
          p.chain(
            apply(p.blobArrayBuffer, blob, []) as Promise<unknown>,
            (buf: unknown) => safely(() => recordBytes(body, buf, time)),
            () => {},
          );
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
        const stream = apply(target, self, args);
        // The page takes the stream: what it reads of it is recorded, nothing more.
        safely(() => {
          const body =
            typeof self === 'object' && self !== null
              ? (apply(p.weakMapGet, unread, [self]) as UnreadBody | undefined)
              : undefined;
          if (body && !body.taken) track(stream, body);
        });
        return stream;
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
        if (isResponse(source)) readBeforeHandover(source);
        else if (typeof source === 'object' && source !== null && p.getPrototypeOf(source) === promiseProto) {
          // Registered before the browser's own reaction to the promise, so it runs first.
          // Its rejection is the browser's to report (it awaits the same promise).
          p.chain(source as Promise<unknown>, readBeforeHandover, () => {});
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

  // The page's reads of a followed stream. Each read's result is recorded
  // before the page gets it; the page gets a promise settling as the native
  // one does (same value, same rejection). These methods are wrapped for every
  // stream: a rejection the browser makes inside a wrapper (a released
  // reader's read()) has the hook's stack frames removed, as for Response reads.
  /** A reader's read() or an async iterator's next(): `self` is the reader or iterator. */
  const tapRead = (target: (...a: never[]) => unknown, self: unknown, args: unknown[]): unknown => {
    const result = apply(target, self, args);
    const rec = recorderOf(bodyOf(readers, self));
    if (!rec) return scrubRejection(result);
    return p.chain(
      result as Promise<unknown>,
      (step: unknown) => {
        safely(() => {
          if (typeof step !== 'object' || step === null) return;
          const { done, value } = step as { done?: unknown; value?: unknown };
          if (done === true) rec.end(ch.time());
          else rec.chunk(value, ch.time());
        });
        return step;
      },
      (err: unknown) => {
        safely(() => rec.fail(err));
        d.rethrow(err);
      },
    );
  };
  /**
   * getReader(), values(), [Symbol.asyncIterator](): what they return reads
   * the followed stream, which is the page's from now on (locked): its
   * recorder is made now, so the body counts as being read before any chunk.
   */
  const followReader = (target: (...a: never[]) => unknown, self: unknown, args: unknown[]): unknown => {
    const result = apply(target, self, args);
    const body = bodyOf(streams, self);
    if (body && typeof result === 'object' && result !== null) {
      apply(p.weakMapSet, readers, [result, body]);
      safely(() => recorderOf(body));
    }
    return result;
  };
  replaceProperty(p, streamProto, 'getReader', d.wrapFunction(getReader, followReader));
  replaceProperty(p, readerProto, 'read', d.wrapFunction(readerRead, tapRead));
  const byobProto = win.ReadableStreamBYOBReader?.prototype;
  if (byobProto) replaceProperty(p, byobProto, 'read', d.wrapFunction(byobProto.read, tapRead));
  /** A released reader reads nothing of the stream any more (its read() rejects: not the body's failure). */
  const released = (target: (...a: never[]) => unknown, self: unknown, args: unknown[]): unknown => {
    const result = apply(target, self, args);
    if (bodyOf(readers, self)) apply(p.weakMapSet, readers, [self, undefined]);
    return result;
  };
  replaceProperty(p, readerProto, 'releaseLock', d.wrapFunction(readerProto.releaseLock, released));
  if (byobProto)
    replaceProperty(p, byobProto, 'releaseLock', d.wrapFunction(byobProto.releaseLock, released));
  const cancelStream = (target: (...a: never[]) => unknown, self: unknown, args: unknown[]): unknown => {
    // A locked stream's cancel() only rejects.
    const body = isLocked(self) ? undefined : bodyOf(streams, self);
    const result = apply(target, self, args);
    if (body) safely(() => pageCancelled(body));
    return scrubRejection(result);
  };
  const cancelReader = (target: (...a: never[]) => unknown, self: unknown, args: unknown[]): unknown => {
    const result = apply(target, self, args);
    const body = bodyOf(readers, self);
    if (body) safely(() => pageCancelled(body));
    return scrubRejection(result);
  };
  replaceProperty(p, streamProto, 'cancel', d.wrapFunction(streamProto.cancel, cancelStream));
  replaceProperty(p, readerProto, 'cancel', d.wrapFunction(readerCancel, cancelReader));
  if (byobProto) replaceProperty(p, byobProto, 'cancel', d.wrapFunction(byobProto.cancel, cancelReader));

  // Async iteration (`for await (const chunk of response.body)`).
  const valuesDescriptor = p.getOwnPropertyDescriptor(streamProto, 'values');
  const values = valuesDescriptor?.value as ((...a: never[]) => unknown) | undefined;
  if (typeof values === 'function' && typeof StreamCtor === 'function') {
    safely(() => {
      const iteratorProto = p.getPrototypeOf(apply(values, new StreamCtor(), [])) as Record<string, unknown>;
      const next = iteratorProto.next as ((...a: never[]) => unknown) | undefined;
      const ret = iteratorProto.return as ((...a: never[]) => unknown) | undefined;
      const wrappedValues = d.wrapFunction(values, (target, self, args) => {
        const iterator = followReader(target, self, args);
        const body = bodyOf(streams, self);
        const options = args[0];
        if (
          body &&
          typeof iterator === 'object' &&
          iterator !== null &&
          !dataProperty(p, options, 'preventCancel')
        )
          apply(p.weakMapSet, cancelOnReturn, [iterator, body]);
        return iterator;
      });
      replaceProperty(p, streamProto, 'values', wrappedValues);
      // The same function under both names, as natively.
      const iterDescriptor = p.getOwnPropertyDescriptor(streamProto, asyncIteratorKey);
      if (iterDescriptor && iterDescriptor.value === values)
        p.defineProperty(streamProto, asyncIteratorKey, { ...iterDescriptor, value: wrappedValues });
      if (typeof next === 'function')
        replaceProperty(p, iteratorProto, 'next', d.wrapFunction(next, tapRead));
      if (typeof ret === 'function')
        replaceProperty(
          p,
          iteratorProto,
          'return',
          d.wrapFunction(ret, (target, self, args) => {
            const result = apply(target, self, args);
            const body = bodyOf(cancelOnReturn, self);
            if (body) safely(() => pageCancelled(body));
            return scrubRejection(result);
          }),
        );
    });
  }

  /**
   * A pipe from a followed stream (pipeTo, pipeThrough) runs natively from
   * that stream, with the page's options, into a pass-through destination of
   * the hook's that records each chunk and writes it to the page's
   * destination, one at a time: the stream is read only as fast as the page's
   * destination takes it, and its cancel, abort and close go where the page's
   * pipe sends them. The page's destination is locked while the pipe runs, as
   * natively, and released when it ends.
   */
  const pipeInto = (body: UnreadBody, dest: WritableStream) => {
    const writer = apply(getWriter as Method, dest, []) as WritableStreamDefaultWriter;
    let released = false;
    const state: Bare<{ destFailed: boolean }> = { __proto__: null, destFailed: false };
    const done = () => {
      if (released) return;
      released = true;
      try {
        apply(writerReleaseLock as Method, writer, []);
      } catch {
        // already released
      }
    };
    const sink = {
      __proto__: null,
      start(controller: unknown) {
        // The page's destination failing stops the pipe, as it would natively.
        p.chain(callGetter(p, writerClosed, writer) as Promise<unknown>, undefined, (err: unknown) => {
          if (released) return;
          state.destFailed = true;
          apply(controllerError as Method, controller, [err]);
        });
      },
      write(chunk: unknown) {
        safely(() => recorderOf(body)?.chunk(chunk, ch.time()));
        return apply(writerWrite as Method, writer, [chunk]);
      },
      close() {
        safely(() => recorderOf(body)?.end(ch.time()));
        return p.chain(apply(writerClose as Method, writer, []) as Promise<unknown>, done, (err: unknown) => {
          done();
          throw err;
        });
      },
      abort(reason: unknown) {
        // The stream failed (or the page's signal aborted the pipe).
        return p.chain(
          apply(writerAbort as Method, writer, [reason]) as Promise<unknown>,
          done,
          (err: unknown) => {
            done();
            throw err;
          },
        );
      },
    };
    return { pass: new (WritableCtor as typeof WritableStream)(sink as UnderlyingSink), done, state };
  };
  const canPipe = (dest: unknown): dest is WritableStream => {
    try {
      // The locked getter is the brand check: it throws for anything but a WritableStream.
      return !!WritableCtor && callGetter(p, writableLocked, dest) === false;
    } catch {
      return false;
    }
  };
  /** Starts the page's pipe from `self` into `dest` through the hook's pass-through; null when it did not start. */
  const startPipe = (self: object, body: UnreadBody, dest: WritableStream, options: unknown): unknown => {
    const { pass, done, state } = pipeInto(body, dest);
    let piped: unknown;
    try {
      piped = apply(nativePipeTo, self, [pass, options]);
    } catch {
      done();
      return null;
    }
    if (!isLocked(self)) {
      // Refused (its options): the page's own call gives the page the native answer.
      done();
      return null;
    }
    safely(() => recorderOf(body));
    const preventCancel = !!dataProperty(p, options, 'preventCancel');
    const signal = dataProperty(p, options, 'signal');
    const ended = (err: unknown) => {
      done();
      if (state.destFailed || isAborted(signal)) {
        // Stopped by the page's side (its destination, its signal): the stream was cancelled with it.
        if (!preventCancel) safely(() => pageCancelled(body));
      } else safely(() => recorderOf(body)?.fail(err));
    };
    return p.chain(
      piped as Promise<unknown>,
      (value: unknown) => {
        done();
        // The stream ended (with preventClose the page's destination was left open).
        safely(() => recorderOf(body)?.end(ch.time()));
        return value;
      },
      (err: unknown) => {
        ended(err);
        d.rethrow(err);
      },
    );
  };
  const follows = (self: unknown): UnreadBody | undefined => {
    if (!pipesFollowed) return undefined;
    const body = bodyOf(streams, self);
    if (!body || (body.taken && !body.rec) || body.rec?.ended || isLocked(self)) return undefined;
    return body;
  };
  if (typeof nativePipeTo === 'function')
    replaceProperty(
      p,
      streamProto,
      'pipeTo',
      d.wrapFunction(nativePipeTo, (target, self, args) => {
        const body = follows(self);
        const dest = args[0];
        if (body && canPipe(dest)) {
          const piped = startPipe(self as object, body, dest, args[1]);
          if (piped !== null) return piped;
        }
        return scrubRejection(apply(target, self, args));
      }),
    );
  const nativePipeThrough = streamProto.pipeThrough;
  if (typeof nativePipeThrough === 'function')
    replaceProperty(
      p,
      streamProto,
      'pipeThrough',
      d.wrapFunction(nativePipeThrough, (target, self, args) => {
        const body = follows(self);
        const transform = args[0];
        if (!body || typeof transform !== 'object' || transform === null) return apply(target, self, args);
        // Read once, in the order the browser reads them; from here on the native gets these values.
        const { readable, writable } = transform as ReadableWritablePair<unknown, unknown>;
        const pair = { __proto__: null, readable, writable };
        if (isStream(readable) && canPipe(writable)) {
          const piped = startPipe(self as object, body, writable, args[1]);
          if (piped !== null) {
            // As natively: the pipe's own failure is not reported as unhandled.
            p.chain(piped as Promise<unknown>, undefined, () => {});
            return readable;
          }
        }
        // No array spread: the page may replace Array.prototype[Symbol.iterator].
        return apply(target, self, args.length > 1 ? [pair, args[1]] : [pair]);
      }),
    );
  // A tee of a followed stream: its first branch is followed instead.
  const nativeTee = streamProto.tee;
  if (typeof nativeTee === 'function') {
    replaceProperty(
      p,
      streamProto,
      'tee',
      d.wrapFunction(nativeTee, (target, self, args) => {
        const body = bodyOf(streams, self);
        const result = apply(target, self, args) as unknown[];
        if (body)
          safely(() => {
            track(result[0], body);
            recorderOf(body);
          });
        return result;
      }),
    );
  }

  return {
    observe(ex, res) {
      if (!isResponse(res)) return;
      const headersAt = ch.time();
      // Only what decides how the body is read is looked at now; the page's
      // reaction to the response runs after this, so the rest waits (metaOf).
      const headers = callGetter(p, resHeaders, res);
      const body: Bare<UnreadBody> = {
        __proto__: null,
        ex,
        res,
        meta: {
          __proto__: null,
          status: callGetter(p, resStatus, res) as number,
          headersAt,
        } as HookEventFields,
        headers,
        contentType: '',
        taken: false,
        text: '',
        readAt: 0,
        rec: null,
      };
      if (ex.head || isNullBodyStatus(body.meta.status)) {
        emitWithoutBody(ex, metaOf(body));
        return;
      }
      body.contentType = headersValue(n, headers, 'content-type');
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
