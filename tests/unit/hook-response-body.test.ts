import { afterEach, describe, expect, it } from 'vitest';
import { captureHttpNatives } from '../../lib/hook/http';
import { capturePristine } from '../../lib/hook/pristine';
import { captureResponseBodies, type FetchExchange } from '../../lib/hook/response-body';
import type { HookBody, HookEvent } from '../../lib/wire/page-relay';
import { fakeChannel, fakeDisguise, pageResponseClass } from './hook-fakes';

// The module runs against Node's real Response, ReadableStream and Blob, but
// on a fake window whose Response is a subclass with its own copies of the
// prototype's properties: the hook's Response wrappers land there, never on
// Node's globals. A body's stream is Node's own, so the hook's stream wrappers
// (getReader, read, pipes, async iteration) land on Node's stream prototypes:
// they are put back after every test, and checked.

const encoder = new TextEncoder();
const nativeArrayBuffer = Response.prototype.arrayBuffer;
/** Node's own body getter: what a page gets through another frame's native getter, which the hook does not see. */
const unseenBodyGetter = Object.getOwnPropertyDescriptor(Response.prototype, 'body')?.get as (
  this: Response,
) => ReadableStream<Uint8Array> | null;
/** Node's own getReader and read, as another frame's would be: the hook's wrappers never see them. */
const unseenGetReader = ReadableStream.prototype.getReader;
const unseenRead = ReadableStreamDefaultReader.prototype.read;
const asyncIteratorProto = Object.getPrototypeOf(new ReadableStream().values()) as object;
const streamProtos = [
  ReadableStream.prototype,
  ReadableStreamDefaultReader.prototype,
  ReadableStreamBYOBReader.prototype,
  asyncIteratorProto,
];
const nodeStreamProtos = streamProtos.map((proto) => Object.getOwnPropertyDescriptors(proto));
const nodeResponseProto = Object.getOwnPropertyDescriptors(Response.prototype);
const nodeWasm = Object.getOwnPropertyDescriptors(WebAssembly);

/** Puts Node's stream prototypes back as they were. */
function restoreStreamProtos(): void {
  streamProtos.forEach((proto, i) => {
    const saved = nodeStreamProtos[i] as PropertyDescriptorMap;
    for (const key of Reflect.ownKeys(proto)) {
      const desc = saved[key as string];
      if (desc) Object.defineProperty(proto, key, desc);
      else delete (proto as Record<PropertyKey, unknown>)[key];
    }
  });
}

/** Node's own prototypes must come out of every test as they went in. */
afterEach(() => {
  restoreStreamProtos();
  expect(Object.getOwnPropertyDescriptors(Response.prototype)).toEqual(nodeResponseProto);
  streamProtos.forEach((proto, i) => {
    expect(Object.getOwnPropertyDescriptors(proto)).toEqual(nodeStreamProtos[i]);
  });
  expect(Object.getOwnPropertyDescriptors(WebAssembly)).toEqual(nodeWasm);
});

/** The browser reading a body itself (Cache API, WebAssembly): through no page-visible method. */
const browserReads = (res: unknown): Promise<ArrayBuffer> =>
  Reflect.apply(nativeArrayBuffer, res, []) as Promise<ArrayBuffer>;

interface SetupOptions {
  cap?: number;
  /** Give the window a Cache class (its put reads the body as the browser would). */
  cache?: boolean;
  /** Give the window a WebAssembly with compileStreaming (which reads the body as the browser would). */
  wasm?: boolean;
  /** Called whenever the native `body` getter runs (the browser builds the body's stream then). */
  onBodyGet?: () => void;
  /** arrayBuffer() resolves this much later (the hook's whole read of a clone, lagging on a busy renderer). */
  arrayBufferLagMs?: number;
}

function setup(options: SetupOptions = {}) {
  const TestResponse = pageResponseClass();
  const bodyDescriptor = Object.getOwnPropertyDescriptor(Response.prototype, 'body');
  const nativeBodyGet = bodyDescriptor?.get;
  const { onBodyGet, arrayBufferLagMs } = options;
  if (arrayBufferLagMs !== undefined) {
    Object.defineProperty(TestResponse.prototype, 'arrayBuffer', {
      configurable: true,
      writable: true,
      value(this: Response) {
        return Reflect.apply(nativeArrayBuffer, this, []).then(
          (buf: ArrayBuffer) => new Promise((resolve) => setTimeout(() => resolve(buf), arrayBufferLagMs)),
        );
      },
    });
  }
  if (onBodyGet && nativeBodyGet) {
    Object.defineProperty(TestResponse.prototype, 'body', {
      ...bodyDescriptor,
      get(this: Response) {
        onBodyGet();
        return Reflect.apply(nativeBodyGet, this, []);
      },
    });
  }
  class FakeCache {
    put(_request: unknown, response: unknown): Promise<void> {
      return browserReads(response).then(() => undefined);
    }
  }
  const fakeWasm = {
    compileStreaming: async (source: unknown) => browserReads(await source),
  };
  let timersSet = 0;
  /** Timers of a second or more: run by the test (noteUnread), not by the clock. */
  let longTimers: Array<() => void> = [];
  const win = Object.create(globalThis, {
    Response: { value: TestResponse },
    // Node has a real WebAssembly (whose own compileStreaming the hook would replace): never hand it over.
    WebAssembly: { value: options.wasm ? fakeWasm : undefined },
    Cache: { value: options.cache ? FakeCache : undefined },
    setTimeout: {
      value: (fn: () => void, ms?: number) => {
        timersSet++;
        if ((ms ?? 0) >= 1000) {
          longTimers.push(fn);
          return 0;
        }
        return setTimeout(fn, ms);
      },
    },
  }) as Window & typeof globalThis;

  const p = capturePristine(win);
  const ch = fakeChannel(options.cap);
  const responses = captureResponseBodies(p, fakeDisguise, ch.channel, captureHttpNatives(p));
  if (!responses) throw new Error('captureResponseBodies returned null');
  let nextId = 1;
  return {
    TestResponse,
    win,
    responses,
    /** Timers the hook has set so far. */
    timersSet: () => timersSet,
    /** Runs the hook's timers of a second or more (the note of bodies still unread). */
    runLongTimers() {
      const due = longTimers;
      longTimers = [];
      for (const fn of due) fn();
    },
    /** Runs the oldest of those timers only. */
    runOldestLongTimer() {
      longTimers.shift()?.();
    },
    /** Moves the page clock on (the hook tells a trickling body by the gaps between its chunks). */
    advance: ch.advance,
    /** Reads the page clock (which moves it on 1 ms, as every reading does). */
    now: () => ch.channel.time(),
    /** The fetch resolved with `res`, as the fetch hook reports it. */
    observe(res: unknown): FetchExchange {
      const ex: FetchExchange = { id: nextId++, finished: false };
      responses.observe(ex, res);
      return ex;
    },
    /** Late records made so far (each at its first hand-over). */
    lateMade: ch.lateMade,
    lateBytes: ch.lateBytes,
    /** Hands the records over (making the late ones) and returns the events. */
    events(): HookEvent[] {
      return ch.handOver().filter((r): r is HookEvent => !Array.isArray(r) && r.r === 'ev');
    },
    types(): string[] {
      return this.events().map((e) => e.type);
    },
  };
}

/** Lets the next macrotask run (the hook reads unread bodies then) and pending reads settle. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 10));

/**
 * A stream handing out one chunk per pull, then closing, or erroring with
 * `fail` a little later (erroring a stream drops the chunks still queued in
 * it, so the error waits until the readers have taken them).
 */
function streamOf(chunks: Array<string | Uint8Array>, fail?: Error): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = chunks[i++];
      if (chunk !== undefined) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      else if (fail) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        controller.error(fail);
      } else controller.close();
    },
  });
}

function bytesOf(body: HookBody | undefined): number[] {
  expect(body).toBeInstanceOf(ArrayBuffer);
  return [...new Uint8Array(body as ArrayBuffer)];
}

async function readAll(stream: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!stream) throw new Error('no body');
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let out = '';
  for (;;) {
    const step = await reader.read();
    if (step.done) return out + decoder.decode();
    out += decoder.decode(step.value, { stream: true });
  }
}

/** The rejection of a promise (fails the test if it fulfils). */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const binary = { 'content-type': 'application/octet-stream' };

describe('response bodies recorded from the page’s own read', () => {
  it('records text() as one receive with status and headers, then close; the page gets the same string', async () => {
    const t = setup();
    const res = new t.TestResponse('hello wire', {
      status: 201,
      statusText: 'Created',
      headers: { 'content-type': 'text/plain', 'x-id': '7' },
    });
    t.observe(res);
    expect(await res.text()).toBe('hello wire');
    expect(t.events()).toEqual([
      {
        r: 'ev',
        conn: 1,
        time: expect.any(Number),
        type: 'receive',
        status: 201,
        statusText: 'Created',
        responseHeaders: [
          ['content-type', 'text/plain'],
          ['x-id', '7'],
        ],
        headersAt: expect.any(Number),
        body: 'hello wire',
        bodyKind: 'text',
      },
      { r: 'ev', conn: 1, time: expect.any(Number), type: 'close', status: 201 },
    ]);
    // Read already: nothing more once the next task has run.
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
  });

  it('makes the receive of a text() read at hand-over, with the time of the read and the text the page got', async () => {
    const t = setup();
    const res = new t.TestResponse('later', {
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    const text = await res.text();
    expect(text).toBe('later');
    // Nothing of the receive is made on the page's path to its next step.
    expect(t.lateMade()).toBe(0);
    // The text it holds meanwhile counts toward the queue's memory bound (UTF-16).
    expect(t.lateBytes()).toBe(10);
    t.advance(500);
    const [receive, close] = t.events();
    expect(t.lateMade()).toBe(1);
    expect(receive).toMatchObject({
      type: 'receive',
      status: 200,
      statusText: 'OK',
      responseHeaders: [['content-type', 'text/plain']],
      body: 'later',
    });
    // Stamped when the page's read resolved, not when the record was made.
    expect(receive?.time).toBe(close?.time);
    expect((receive?.time ?? 0) - (receive?.headersAt ?? 0)).toBeLessThan(500);
  });

  it('records arrayBuffer() of a binary type as bytes, a copy the page’s later writes do not reach', async () => {
    const t = setup();
    const res = new t.TestResponse(new Uint8Array([1, 2, 3, 250]), { headers: binary });
    t.observe(res);
    const buf = await res.arrayBuffer();
    expect([...new Uint8Array(buf)]).toEqual([1, 2, 3, 250]);
    new Uint8Array(buf).fill(0);
    const [receive] = t.events();
    expect(receive?.type).toBe('receive');
    expect(bytesOf(receive?.body)).toEqual([1, 2, 3, 250]);
    expect(t.types()).toEqual(['receive', 'close']);
  });

  it('records bytes() of a binary type as bytes, and leaves the page’s array whole', async () => {
    const t = setup();
    const res = new t.TestResponse(new Uint8Array([9, 8, 7]), { headers: binary });
    t.observe(res);
    const bytes = await res.bytes();
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...bytes]).toEqual([9, 8, 7]);
    bytes[0] = 0;
    expect(bytesOf(t.events()[0]?.body)).toEqual([9, 8, 7]);
    expect(t.types()).toEqual(['receive', 'close']);
  });

  it('records arrayBuffer() and bytes() of a textual type as decoded text', async () => {
    const t = setup();
    const a = new t.TestResponse('{"a":"é"}', { headers: { 'content-type': 'application/json' } });
    const b = new t.TestResponse('<p>ü</p>', { headers: { 'content-type': 'text/html; charset=utf-8' } });
    t.observe(a);
    t.observe(b);
    expect(new TextDecoder().decode(await a.arrayBuffer())).toBe('{"a":"é"}');
    expect(new TextDecoder().decode(await b.bytes())).toBe('<p>ü</p>');
    const receives = t.events().filter((e) => e.type === 'receive');
    expect(receives.map((e) => [e.conn, e.body, e.bodyKind])).toEqual([
      [1, '{"a":"é"}', 'text'],
      [2, '<p>ü</p>', 'text'],
    ]);
  });

  it('records blob(), and the page gets a blob of the same bytes and type', async () => {
    const t = setup();
    const res = new t.TestResponse(new Uint8Array([5, 6, 7]), { headers: { 'content-type': 'image/png' } });
    t.observe(res);
    const blob = await res.blob();
    expect(blob.type).toBe('image/png');
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([5, 6, 7]);
    // The blob's bytes are read after the page has it.
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(bytesOf(t.events()[0]?.body)).toEqual([5, 6, 7]);
  });

  it('gives json() the same value, and records the raw text from a clone', async () => {
    const t = setup();
    const raw = '{ "n": 1, "list": [true, null] }';
    const res = new t.TestResponse(raw, { headers: { 'content-type': 'application/json' } });
    t.observe(res);
    expect(await res.json()).toEqual({ n: 1, list: [true, null] });
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]?.body).toBe(raw);
  });

  it("ends a json() body at the page's read when the hook's copy of the clone comes later", async () => {
    const t = setup({ arrayBufferLagMs: 20 });
    const res = new t.TestResponse('{"seq":7}', { headers: { 'content-type': 'application/json' } });
    t.observe(res);
    const before = t.now();
    expect(await res.json()).toEqual({ seq: 7 });
    // The page's next request would start now; the hook's copy arrives 400 ms later.
    t.advance(400);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const [receive, close] = t.events();
    expect([receive?.type, close?.type]).toEqual(['receive', 'close']);
    expect(receive?.body).toBe('{"seq":7}');
    expect(receive?.time).toBeGreaterThan(before);
    expect(receive?.time).toBeLessThan(before + 10);
    expect(close?.time).toBe(receive?.time);
  });

  it('ends a json() body when its copy arrives, when that is before the page gets its value', async () => {
    const t = setup();
    const res = new t.TestResponse('[1]', { headers: { 'content-type': 'application/json' } });
    t.observe(res);
    const read = res.json();
    await tick();
    const [receive] = t.events();
    expect(receive?.type).toBe('receive');
    const at = t.now();
    expect(receive?.time).toBeLessThan(at);
    expect(await read).toEqual([1]);
    expect(t.events().map((e) => e.time)).toEqual([receive?.time, receive?.time]);
  });

  it('rejects json() of invalid JSON as an unwrapped Response does, and still records the text', async () => {
    const t = setup();
    const res = new t.TestResponse('{oops', { headers: { 'content-type': 'application/json' } });
    t.observe(res);
    const err = await rejectionOf(res.json());
    const native = await rejectionOf(new Response('{oops').json());
    expect(err).toBeInstanceOf(SyntaxError);
    expect([err.name, err.message]).toEqual([native.name, native.message]);
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]?.body).toBe('{oops');
  });

  it('rejects a second read as the native does (TypeError), with no second receive', async () => {
    const t = setup();
    const res = new t.TestResponse('once', { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    await res.text();
    const err = await rejectionOf(res.text());
    const plain = new Response('once');
    await plain.text();
    const native = await rejectionOf(plain.text());
    expect(err).toBeInstanceOf(TypeError);
    expect([err.name, err.message]).toEqual([native.name, native.message]);
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
  });

  it('keeps the first payloadCap bytes of a large body read by the page, with its true size', async () => {
    const t = setup({ cap: 10 });
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    const res = new t.TestResponse(data, { headers: binary });
    t.observe(res);
    expect((await res.arrayBuffer()).byteLength).toBe(100);
    const [receive] = t.events();
    expect(bytesOf(receive?.body)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(receive?.fullSize).toBe(100);
  });

  it('decodes only the first payloadCap bytes of a large textual body read as bytes, never splitting a character', async () => {
    const t = setup({ cap: 6 });
    // 'abcde' is 5 bytes; 'é' (2 bytes) straddles the cap and is left out whole.
    const res = new t.TestResponse('abcdeéfgh', { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    expect(new TextDecoder().decode(await res.arrayBuffer())).toBe('abcdeéfgh');
    expect(t.events()[0]).toMatchObject({ type: 'receive', body: 'abcde', fullSize: 10 });
  });

  it('keeps the first payloadCap characters of a long text() body, with its UTF-8 size', async () => {
    const t = setup({ cap: 5 });
    const res = new t.TestResponse('abcdefghé', { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    expect(await res.text()).toBe('abcdefghé');
    expect(t.events()[0]).toMatchObject({ type: 'receive', body: 'abcde', fullSize: 10 });
  });

  it('rejects a failing read with the stream’s own error and records an error', async () => {
    const t = setup();
    const boom = new Error('connection reset');
    const res = new t.TestResponse(streamOf(['partial'], boom), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    await expect(res.text()).rejects.toBe(boom);
    await tick();
    expect(t.events().map((e) => [e.type, e.reason])).toEqual([['error', 'Error: connection reset']]);
  });
});

/** Lets `n` microtasks pass, within the current task. */
async function microtasks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await null;
}

describe('when a body counts as unread', () => {
  it('sets no timer and makes no clone when the page reads in its first reaction to the response', async () => {
    let bodyGets = 0;
    const t = setup({ onBodyGet: () => bodyGets++ });
    const res = new t.TestResponse(streamOf(['first ', 'reaction']), {
      headers: { 'content-type': 'text/plain' },
    });
    // As `await fetch()` then `r.text()`: the page reacts one microtask after the hook.
    t.observe(res);
    await null;
    expect(await res.text()).toBe('first reaction');
    await tick();
    expect(t.timersSet()).toBe(0);
    expect(bodyGets).toBe(0);
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]?.body).toBe('first reaction');
  });

  it('records from the page’s own read a body read a few microtasks later, in the same task', async () => {
    let bodyGets = 0;
    const t = setup({ onBodyGet: () => bodyGets++ });
    const res = new t.TestResponse('a few awaits later', {
      headers: { 'content-type': 'text/plain', 'content-length': '18' },
    });
    t.observe(res);
    // E.g. a client library's own layers of async functions between fetch and the read.
    await microtasks(5);
    expect(await res.text()).toBe('a few awaits later');
    await tick();
    expect(bodyGets).toBe(0);
    expect(t.types()).toEqual(['receive', 'close']);
  });

  it('reads nothing of the bodies left unread after the first reactions, and notes them a second later (one timer for them all)', async () => {
    const t = setup();
    const first = new t.TestResponse('one', {
      headers: { 'content-type': 'text/plain', 'content-length': '3' },
    });
    const second = new t.TestResponse('two', {
      headers: { 'content-type': 'text/plain', 'content-length': '3' },
    });
    const read = new t.TestResponse('read', {
      headers: { 'content-type': 'text/plain', 'content-length': '4' },
    });
    t.observe(first);
    t.observe(read);
    await null;
    t.observe(second);
    await read.text();
    await microtasks(20);
    const bodies = () => t.events().flatMap((e) => (e.type === 'receive' ? [e.body] : []));
    expect(bodies()).toEqual(['read']);
    await tick();
    // Looked at after a few microtasks; one timer, for the note.
    expect(t.timersSet()).toBe(1);
    expect(bodies()).toEqual(['read']);
    t.runLongTimers();
    // Complete with their headers, at their time, the close saying why.
    const notes = t.events().filter((e) => e.conn !== 2);
    const notRead = expect.stringMatching(/^response body not read by the page/);
    expect(notes.map((e) => [e.conn, e.type, e.status, e.body, e.reason])).toEqual([
      [1, 'receive', 200, undefined, undefined],
      [1, 'close', 200, undefined, notRead],
      [3, 'receive', 200, undefined, undefined],
      [3, 'close', 200, undefined, notRead],
    ]);
    expect(notes[1]?.time).toBe(notes[0]?.headersAt);
    expect(notes[0]?.responseHeaders).toEqual([
      ['content-length', '3'],
      ['content-type', 'text/plain'],
    ]);
    // Untouched: the page can still read them as without the hook.
    expect([first.bodyUsed, second.bodyUsed, first.body?.locked]).toEqual([false, false, false]);
    expect(await first.text()).toBe('one');
  });

  it('still records a body the page reads after the note, when it reads it', async () => {
    const t = setup();
    const res = new t.TestResponse('read late', { headers: { 'content-type': 'text/plain' } });
    const ex = t.observe(res);
    await tick();
    t.runLongTimers();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(ex.finished).toBe(true);
    expect(await res.text()).toBe('read late');
    expect(t.events().map((e) => [e.type, e.body])).toEqual([
      ['receive', undefined],
      ['close', undefined],
      ['receive', 'read late'],
    ]);
  });

  it('notes a body a second after its own response, never at the note of an earlier unread body', async () => {
    const t = setup();
    const early = new t.TestResponse('early', { headers: { 'content-type': 'text/plain' } });
    t.observe(early);
    await tick();
    // A second body left unread for a while, its response coming later.
    const later = new t.TestResponse('later', { headers: { 'content-type': 'text/plain' } });
    const laterEx = t.observe(later);
    await tick();
    // The earlier body's second is up: only it is noted.
    t.runOldestLongTimer();
    expect(t.events().map((e) => [e.conn, e.type, e.reason])).toEqual([
      [1, 'receive', undefined],
      [1, 'close', expect.stringMatching(/not read by the page/)],
    ]);
    expect(laterEx.finished).toBe(false);
    // Read within its own second: recorded as read, with no note.
    expect(await later.text()).toBe('later');
    t.runLongTimers();
    expect(
      t
        .events()
        .slice(2)
        .map((e) => [e.conn, e.type, e.body, e.reason]),
    ).toEqual([
      [2, 'receive', 'later', undefined],
      [2, 'close', undefined, undefined],
    ]);
  });

  it('notes a body read where the hook cannot see it (another frame’s reader) as such, and closes it', async () => {
    const t = setup();
    const res = new t.TestResponse('elsewhere', { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    await tick();
    // Another frame's reader, which the hook does not see.
    const stream = Reflect.apply(unseenBodyGetter, res, []) as ReadableStream<Uint8Array>;
    const reader = Reflect.apply(unseenGetReader, stream, []) as ReadableStreamDefaultReader<Uint8Array>;
    expect(new TextDecoder().decode((await Reflect.apply(unseenRead, reader, [])).value)).toBe('elsewhere');
    t.runLongTimers();
    expect(t.events().map((e) => [e.type, e.body, e.reason])).toEqual([
      ['receive', undefined, undefined],
      ['close', undefined, expect.stringMatching(/cannot see/)],
    ]);
  });
});

/**
 * An endless body: `size`-byte chunks, one per pull, a macrotask apart (as
 * from a network), counting the bytes the source handed out. High water mark
 * 0: nothing is pulled until a reader asks.
 */
function endless(size: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        pulled += size;
        controller.enqueue(new Uint8Array(size).fill(120));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

describe('never reading ahead of the page', () => {
  it('reads nothing of an endless body the page keeps unread', async () => {
    const t = setup({ cap: 4096 });
    const source = endless(1000);
    const res = new t.TestResponse(source.stream, { headers: binary });
    t.observe(res);
    for (let i = 0; i < 10; i++) await tick();
    t.runLongTimers();
    for (let i = 0; i < 5; i++) await tick();
    expect(source.pulled()).toBe(0);
    expect(t.events().map((e) => [e.type, e.status, e.body])).toEqual([
      ['receive', 200, undefined],
      ['close', 200, undefined],
    ]);
  });

  it('pulls an endless body only as the page reads it slowly, and records it cut at the payload cap', async () => {
    const t = setup({ cap: 4096 });
    const source = endless(1000);
    const res = new t.TestResponse(source.stream, { headers: binary });
    t.observe(res);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let got = 0;
    for (let i = 0; i < 10; i++) {
      const step = await reader.read();
      got += step.value?.byteLength ?? 0;
      await tick();
      // Never more than the page has read, and a chunk the source was asked for meanwhile.
      expect(source.pulled()).toBeLessThanOrEqual(got + 1000);
    }
    expect(got).toBe(10_000);
    const [receive, ...rest] = t.events();
    expect(rest).toEqual([]);
    expect(receive).toMatchObject({
      type: 'receive',
      status: 200,
      fullSize: 5000,
      reason: expect.stringMatching(/^payload cap reached/),
    });
    expect(bytesOf(receive?.body)).toEqual(new Array(4096).fill(120));
    // The page's cancel ends the exchange, as it ends the connection.
    await reader.cancel();
    expect(t.events().slice(1)).toEqual([
      {
        r: 'ev',
        conn: 1,
        time: expect.any(Number),
        type: 'close',
        status: 200,
        reason: 'response body cancelled by the page',
      },
    ]);
  });

  it('pulls a piped endless body only as fast as the pipe’s destination takes it', async () => {
    const t = setup({ cap: 4096 });
    const source = endless(1000);
    const res = new t.TestResponse(source.stream, { headers: binary });
    t.observe(res);
    const out = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TransformStream());
    for (let i = 0; i < 10; i++) await tick();
    // The pipe fills its destination's queues (a few chunks), then waits for the page.
    const idle = source.pulled();
    expect(idle).toBeLessThanOrEqual(5000);
    const reader = out.getReader();
    for (let i = 0; i < 6; i++) {
      await reader.read();
      await tick();
    }
    expect(source.pulled()).toBeLessThanOrEqual(idle + 6000);
    expect(t.events()[0]).toMatchObject({ type: 'receive', fullSize: 5000 });
  });
});

describe('bodies the page reads through their stream', () => {
  it('records a body the page reads from its stream whole at its end, and the page gets every byte', async () => {
    const t = setup();
    const res = new t.TestResponse(streamOf(['one ', 'two ', 'three']), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    expect(await readAll(res.body)).toBe('one two three');
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]).toMatchObject({ status: 200, body: 'one two three' });
    expect(t.events()[0]?.chunk).toBeUndefined();
  });

  it('counts a body as being read from the moment the page takes a reader or starts a pipe, before anything arrives', async () => {
    const t = setup();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const later = () =>
      new ReadableStream<Uint8Array>({
        async start(controller) {
          await gate;
          controller.enqueue(encoder.encode('late'));
          controller.close();
        },
      });
    const read = new t.TestResponse(later(), { headers: { 'content-type': 'text/plain' } });
    const piped = new t.TestResponse(later(), { headers: { 'content-type': 'text/plain' } });
    t.observe(read);
    t.observe(piped);
    const reader = (read.body as ReadableStream<Uint8Array>).getReader();
    const out = (piped.body as ReadableStream<Uint8Array>).pipeThrough(new TransformStream());
    await tick();
    // Locked by the page's own reader and pipe: not noted as unread, nor as read unseen.
    t.runLongTimers();
    expect(t.events()).toEqual([]);
    release();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('late');
    expect((await reader.read()).done).toBe(true);
    expect(await readAll(out)).toBe('late');
    expect(t.events().map((e) => [e.conn, e.type, e.body, e.reason])).toEqual([
      [1, 'receive', 'late', undefined],
      [1, 'close', undefined, undefined],
      [2, 'receive', 'late', undefined],
      [2, 'close', undefined, undefined],
    ]);
  });

  it('copies the page’s chunks: the page’s later writes to them do not reach the record', async () => {
    const t = setup();
    const res = new t.TestResponse(streamOf([new Uint8Array([1, 2]), new Uint8Array([3])]), {
      headers: binary,
    });
    t.observe(res);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      value.fill(0);
    }
    expect(bytesOf(t.events()[0]?.body)).toEqual([1, 2, 3]);
  });

  it('records a body whose chunks the page gets far apart as chunks', async () => {
    const t = setup();
    const res = new t.TestResponse(streamOf(['first ', 'second']), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(t.events()).toEqual([]);
    t.advance(1000);
    await reader.read();
    await reader.read();
    const events = t.events();
    expect(events.map((e) => [e.type, e.chunk, e.body])).toEqual([
      ['receive', 0, 'first '],
      ['receive', 1, 'second'],
      ['close', undefined, undefined],
    ]);
    expect(events[0]?.status).toBe(200);
    // The first chunk is dated when the page got it, not when the body turned out to trickle.
    expect(events[1]?.time).toBeGreaterThan((events[0]?.time ?? 0) + 100);
  });

  it('records no more than the payload cap of a trickling body, in pieces, the last one marked cut', async () => {
    const t = setup({ cap: 8 });
    const res = new t.TestResponse(streamOf(['aaaa', 'bbbb', 'cccc', 'dddd']), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      t.advance(500);
      if ((await reader.read()).done) break;
    }
    expect(t.events().map((e) => [e.type, e.chunk, e.body, e.fullSize, e.reason !== undefined])).toEqual([
      ['receive', 0, 'aaaa', undefined, false],
      ['receive', 1, 'bbbb', undefined, false],
      ['receive', 2, '', 4, true],
      ['close', undefined, undefined, undefined, false],
    ]);
  });

  it('records a stream of messages chunk by chunk as the page reads it, keeping a split character whole', async () => {
    const t = setup();
    const bytes = encoder.encode('{"s":"é"}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const res = new t.TestResponse(streamOf([bytes.slice(0, cut), bytes.slice(cut)]), {
      headers: { 'content-type': 'application/x-ndjson' },
    });
    t.observe(res);
    expect(await readAll(res.body)).toBe('{"s":"é"}\n');
    expect(t.events().map((e) => [e.type, e.chunk, e.body])).toEqual([
      ['receive', 0, '{"s":"'],
      ['receive', 1, 'é"}\n'],
      ['close', undefined, undefined],
    ]);
  });

  it('records a stream the page reads with a BYOB reader', async () => {
    const t = setup();
    const res = new t.TestResponse(new Uint8Array([4, 5, 6, 7]), { headers: binary });
    t.observe(res);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader({ mode: 'byob' });
    const seen: number[] = [];
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(2));
      if (done) break;
      seen.push(...value);
    }
    expect(seen).toEqual([4, 5, 6, 7]);
    expect(t.types()).toEqual(['receive', 'close']);
    expect(bytesOf(t.events()[0]?.body)).toEqual([4, 5, 6, 7]);
  });

  it('records a stream the page pipes through a transform, chunk by chunk as the pipe takes them', async () => {
    const t = setup();
    const events = ['data: a\n\n', 'data: b\n\n'];
    const res = new t.TestResponse(streamOf(events), { headers: { 'content-type': 'text/event-stream' } });
    t.observe(res);
    const text = (res.body as ReadableStream<Uint8Array>).pipeThrough(
      new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>,
    );
    let got = '';
    for await (const part of text as unknown as AsyncIterable<string>) got += part;
    expect(got).toBe(events.join(''));
    expect(t.events().map((e) => [e.type, e.chunk, e.body])).toEqual([
      ['receive', 0, events[0]],
      ['receive', 1, events[1]],
      ['close', undefined, undefined],
    ]);
  });

  it('gives a pipe’s errors and aborts to the page as without the hook', async () => {
    const t = setup();
    const boom = new Error('reset');
    const failing = new t.TestResponse(streamOf(['partial'], boom), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(failing);
    const sink: string[] = [];
    const dest = new WritableStream<Uint8Array>({
      write: (c) => void sink.push(new TextDecoder().decode(c)),
    });
    expect(await rejectionOf((failing.body as ReadableStream<Uint8Array>).pipeTo(dest))).toBe(boom);
    expect(sink).toEqual(['partial']);
    expect(t.events().map((e) => [e.type, e.body, e.reason])).toEqual([
      ['receive', 'partial', undefined],
      ['error', undefined, 'Error: reset'],
    ]);
    // An aborted pipe that must not cancel its source leaves the stream unlocked, readable again.
    const kept = new t.TestResponse(endless(10).stream, { headers: binary });
    t.observe(kept);
    const stream = kept.body as ReadableStream<Uint8Array>;
    const abort = new AbortController();
    const slowSink = new WritableStream({ write: () => new Promise((resolve) => setTimeout(resolve, 5)) });
    const piped = stream.pipeTo(slowSink, { signal: abort.signal, preventCancel: true });
    await tick();
    abort.abort(new Error('stop'));
    expect((await rejectionOf(piped)).message).toBe('stop');
    await tick();
    expect(stream.locked).toBe(false);
    expect((await stream.getReader().read()).value?.byteLength).toBe(10);
    // A destination already locked: rejected as natively, the stream left alone.
    const third = new t.TestResponse('x', { headers: { 'content-type': 'text/plain' } });
    t.observe(third);
    const locked = new WritableStream();
    locked.getWriter();
    const refused = await rejectionOf((third.body as ReadableStream<Uint8Array>).pipeTo(locked));
    const nativeRefused = await rejectionOf(new ReadableStream().pipeTo(locked));
    expect([refused.name, refused.message]).toEqual([nativeRefused.name, nativeRefused.message]);
    expect(third.body?.locked).toBe(false);
    expect(await third.text()).toBe('x');
  });

  it('goes on recording with the next reader after the page releases one', async () => {
    const t = setup();
    const res = new t.TestResponse(streamOf(['ab', 'cd']), { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    const stream = res.body as ReadableStream<Uint8Array>;
    const first = stream.getReader();
    await first.read();
    first.releaseLock();
    await expect(first.read()).rejects.toThrow(TypeError);
    expect(await readAll(stream)).toBe('cd');
    expect(t.events().map((e) => [e.type, e.body])).toEqual([
      ['receive', 'abcd'],
      ['close', undefined],
    ]);
  });

  it('records a failing stream read by the page: what arrived, then the error the page also gets', async () => {
    const t = setup();
    const boom = new Error('reset');
    const res = new t.TestResponse(streamOf(['partial'], boom), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    expect(await rejectionOf(readAll(res.body))).toBe(boom);
    expect(t.events().map((e) => [e.type, e.body, e.reason])).toEqual([
      ['receive', 'partial', undefined],
      ['error', undefined, 'Error: reset'],
    ]);
  });

  it('records a body the page cancels before reading as cancelled, with its status and headers', async () => {
    const t = setup();
    const res = new t.TestResponse('never mind', { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    await (res.body as ReadableStream<Uint8Array>).cancel();
    expect(t.events().map((e) => [e.type, e.status, e.body, e.reason])).toEqual([
      ['receive', 200, undefined, undefined],
      ['close', 200, undefined, 'response body cancelled by the page'],
    ]);
  });

  it('follows the first branch of a tee the page makes', async () => {
    const t = setup();
    const res = new t.TestResponse(streamOf(['tee', 'd']), { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    const [a, b] = (res.body as ReadableStream<Uint8Array>).tee();
    expect(await readAll(a)).toBe('teed');
    expect(await readAll(b)).toBe('teed');
    expect(t.events().map((e) => [e.type, e.body])).toEqual([
      ['receive', 'teed'],
      ['close', undefined],
    ]);
  });

  it('leaves a stream the page took through a getter it does not see unlocked, and records the page’s reads of it', async () => {
    const t = setup();
    const res = new t.TestResponse(streamOf(['other ', 'realm']), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    // As `Object.getOwnPropertyDescriptor(frame.contentWindow.Response.prototype, 'body').get.call(res)`,
    // in the page's first reaction, which then sets a timer of its own.
    const stream = Reflect.apply(unseenBodyGetter, res, []) as ReadableStream<Uint8Array>;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(stream.locked).toBe(false);
    expect(res.body).toBe(stream);
    expect(await readAll(stream)).toBe('other realm');
    expect(t.events().map((e) => [e.type, e.body])).toEqual([
      ['receive', 'other realm'],
      ['close', undefined],
    ]);
  });
});

describe('response bodies read from a clone while the page’s own read drains the body', () => {
  it('records a body the page reads after that task from its own read, once', async () => {
    const t = setup();
    const res = new t.TestResponse('late reader', {
      headers: { 'content-type': 'text/plain', 'content-length': '11' },
    });
    t.observe(res);
    await tick();
    // The hook read nothing: the page's body is as fetched.
    expect(res.bodyUsed).toBe(false);
    expect(await res.text()).toBe('late reader');
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]?.body).toBe('late reader');
  });

  it('gives formData() the parsed fields, and records the raw text from a clone', async () => {
    const t = setup();
    const res = new t.TestResponse('a=1&b=two', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    t.observe(res);
    const form = await res.formData();
    expect([...form.entries()]).toEqual([
      ['a', '1'],
      ['b', 'two'],
    ]);
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]?.body).toBe('a=1&b=two');
  });

  it('records once when the page checks `body` and then reads text()', async () => {
    const t = setup();
    const res = new t.TestResponse('checked first', { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    expect(res.body).not.toBeNull();
    expect(await res.text()).toBe('checked first');
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]?.body).toBe('checked first');
  });

  it('records a streaming content type chunk by chunk, headers on the first', async () => {
    const t = setup();
    const lines = ['{"i":0}\n', '{"i":1}\n', '{"i":2}\n'];
    const res = new t.TestResponse(streamOf(lines), { headers: { 'content-type': 'application/x-ndjson' } });
    t.observe(res);
    // The page reads its own branch as usual.
    expect(await res.text()).toBe(lines.join(''));
    await tick();
    const events = t.events();
    expect(events.map((e) => [e.type, e.chunk, e.body])).toEqual([
      ['receive', 0, lines[0]],
      ['receive', 1, lines[1]],
      ['receive', 2, lines[2]],
      ['close', undefined, undefined],
    ]);
    expect(events[0]?.responseHeaders).toEqual([['content-type', 'application/x-ndjson']]);
    expect(events[1]?.responseHeaders).toBeUndefined();
  });

  it('keeps a character split between two streamed chunks of a clone whole', async () => {
    const t = setup();
    const bytes = encoder.encode('{"s":"é"}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const res = new t.TestResponse(streamOf([bytes.slice(0, cut), bytes.slice(cut)]), {
      headers: { 'content-type': 'application/x-ndjson' },
    });
    t.observe(res);
    expect(await res.text()).toBe('{"s":"é"}\n');
    await tick();
    expect(t.events().map((e) => [e.type, e.chunk, e.body])).toEqual([
      ['receive', 0, '{"s":"'],
      ['receive', 1, 'é"}\n'],
      ['close', undefined, undefined],
    ]);
  });

  it('reads a clone before Cache.put hands the response to the browser', async () => {
    const t = setup({ cache: true });
    const res = new t.TestResponse('cached', { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    await new t.win.Cache().put('/x', res);
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]?.body).toBe('cached');
  });

  it('reads a clone before WebAssembly.compileStreaming takes a promised response', async () => {
    const t = setup({ wasm: true });
    const res = new t.TestResponse(new Uint8Array([0, 97, 115, 109]), {
      headers: { 'content-type': 'application/wasm' },
    });
    t.observe(res);
    await t.win.WebAssembly.compileStreaming(Promise.resolve(res));
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(bytesOf(t.events()[0]?.body)).toEqual([0, 97, 115, 109]);
  });
});

describe('responses without a body to read', () => {
  it('leaves a Response the page constructed itself alone', async () => {
    const t = setup();
    const mine = new t.TestResponse('page-made', { headers: { 'content-type': 'text/plain' } });
    const streamed = new t.TestResponse(streamOf(['x']));
    expect(await mine.text()).toBe('page-made');
    expect(await readAll(streamed.body)).toBe('x');
    await tick();
    expect(t.events()).toEqual([]);
  });

  it('records a null body (204) as receive and close at once', () => {
    const t = setup();
    const ex = t.observe(new t.TestResponse(null, { status: 204, statusText: 'No Content' }));
    expect(t.events()).toEqual([
      {
        r: 'ev',
        conn: 1,
        time: expect.any(Number),
        type: 'receive',
        status: 204,
        statusText: 'No Content',
        responseHeaders: [],
        headersAt: expect.any(Number),
      },
      { r: 'ev', conn: 1, time: expect.any(Number), type: 'close', status: 204 },
    ]);
    expect(ex.finished).toBe(true);
  });

  it('records a body-less 200 nobody reads (a service worker’s Response(null)) at its headers’ time, once the page’s first reactions have run', async () => {
    const t = setup();
    const ex = t.observe(new t.TestResponse(null, { status: 200, statusText: 'OK' }));
    // Only a null body status is known to have no body without asking the body getter.
    expect(t.events()).toEqual([]);
    await tick();
    const [receive, close] = t.events();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(receive).toMatchObject({ status: 200, statusText: 'OK', responseHeaders: [] });
    expect(receive?.body).toBeUndefined();
    expect(receive?.time).toBe(receive?.headersAt);
    expect(close).toMatchObject({ status: 200, time: receive?.headersAt });
    expect(ex.finished).toBe(true);
  });

  it('records a body-less 200 the page reads with text() or json() as a receive without body, then close', async () => {
    const t = setup();
    const read = new t.TestResponse(null, { status: 200 });
    t.observe(read);
    expect(await read.text()).toBe('');
    const parsed = new t.TestResponse(null, { status: 200 });
    t.observe(parsed);
    await expect(parsed.json()).rejects.toThrow();
    await tick();
    expect(t.events().map((e) => [e.conn, e.type, e.body])).toEqual([
      [1, 'receive', undefined],
      [1, 'close', undefined],
      [2, 'receive', undefined],
      [2, 'close', undefined],
    ]);
  });

  it('never asks for the body stream of a response the page reads whole, nor of a null body status', async () => {
    let bodyGets = 0;
    const t = setup({ onBodyGet: () => bodyGets++ });
    const res = new t.TestResponse('pong', { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    const bytes = new t.TestResponse('pong', { headers: binary });
    t.observe(bytes);
    t.observe(new t.TestResponse(null, { status: 304 }));
    // Both read in the page's first reaction.
    const [text, buffer] = await Promise.all([res.text(), bytes.arrayBuffer()]);
    expect(text).toBe('pong');
    expect(new Uint8Array(buffer)).toEqual(encoder.encode('pong'));
    await tick();
    expect(t.types()).toEqual(['receive', 'close', 'receive', 'close', 'receive', 'close']);
    expect(bodyGets).toBe(0);
    // The stream of a body nobody read in the first reactions is asked for (and followed, not read).
    const unreadRes = new t.TestResponse('unread', { headers: { 'content-type': 'text/plain' } });
    t.observe(unreadRes);
    await tick();
    expect(bodyGets).toBeGreaterThan(0);
    expect(t.types()).toHaveLength(6);
    expect(unreadRes.bodyUsed).toBe(false);
  });

  it('records the answer to HEAD complete at once, though it has an (empty) body stream', async () => {
    const t = setup();
    const res = new t.TestResponse('', { status: 200, headers: { 'content-length': '5' } });
    const ex: FetchExchange = { id: 4, finished: false, head: true };
    t.responses.observe(ex, res);
    expect(t.events().map((e) => [e.conn, e.type, e.status])).toEqual([
      [4, 'receive', 200],
      [4, 'close', 200],
    ]);
    await tick();
    t.runLongTimers();
    expect(t.events()).toHaveLength(2);
  });

  it('records a failed fetch as one error', () => {
    const t = setup();
    const ex: FetchExchange = { id: 9, finished: false };
    t.responses.fail(ex, new TypeError('Failed to fetch'));
    t.responses.fail(ex, new TypeError('again'));
    expect(t.events()).toEqual([
      { r: 'ev', conn: 9, time: expect.any(Number), type: 'error', reason: 'TypeError: Failed to fetch' },
    ]);
    expect(ex.finished).toBe(true);
  });

  it('ignores what is not a Response', () => {
    const t = setup();
    t.observe({ status: 200, body: null });
    expect(t.events()).toEqual([]);
  });
});
