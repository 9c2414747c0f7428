import { afterEach, describe, expect, it } from 'vitest';
import { captureHttpNatives } from '../../lib/hook/http';
import { capturePristine } from '../../lib/hook/pristine';
import { captureResponseBodies, type FetchExchange } from '../../lib/hook/response-body';
import type { HookBody, HookEvent } from '../../lib/protocol';
import { fakeChannel, fakeDisguise, inheriting, pageResponseClass } from './hook-fakes';

// The module runs against Node's real Response, ReadableStream and Blob, but
// on a fake window whose Response is a subclass with its own copies of the
// prototype's properties: the hook's wrappers land there, never on Node's
// globals (checked after every test).

const encoder = new TextEncoder();
const nativeArrayBuffer = Response.prototype.arrayBuffer;
const nodeResponseProto = Object.getOwnPropertyDescriptors(Response.prototype);
const nodeStreamProto = Object.getOwnPropertyDescriptors(ReadableStream.prototype);
const nodeReaderProto = Object.getOwnPropertyDescriptors(ReadableStreamDefaultReader.prototype);
const nodeWasm = Object.getOwnPropertyDescriptors(WebAssembly);

/** Node's own prototypes must come out of every test as they went in. */
afterEach(() => {
  expect(Object.getOwnPropertyDescriptors(Response.prototype)).toEqual(nodeResponseProto);
  expect(Object.getOwnPropertyDescriptors(ReadableStream.prototype)).toEqual(nodeStreamProto);
  expect(Object.getOwnPropertyDescriptors(ReadableStreamDefaultReader.prototype)).toEqual(nodeReaderProto);
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
}

function setup(options: SetupOptions = {}) {
  const TestResponse = pageResponseClass();
  const bodyDescriptor = Object.getOwnPropertyDescriptor(Response.prototype, 'body');
  const nativeBodyGet = bodyDescriptor?.get;
  const { onBodyGet } = options;
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
  const win = Object.create(globalThis, {
    Response: { value: TestResponse },
    ReadableStream: { value: inheriting(ReadableStream) },
    ReadableStreamDefaultReader: { value: inheriting(ReadableStreamDefaultReader) },
    ReadableStreamBYOBReader: { value: inheriting(ReadableStreamBYOBReader) },
    // Node has a real WebAssembly (whose own compileStreaming the hook would replace): never hand it over.
    WebAssembly: { value: options.wasm ? fakeWasm : undefined },
    Cache: { value: options.cache ? FakeCache : undefined },
    setTimeout: {
      value: (...args: Parameters<typeof setTimeout>) => {
        timersSet++;
        return setTimeout(...args);
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
    /** Moves the page clock on (the hook tells a trickling body by the gaps between its chunks). */
    advance: ch.advance,
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

  it('reads every body left unread from a clone at the next task, with one timer for them all', async () => {
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
    // Still the same task: nothing read from a clone yet.
    const bodies = () => t.events().flatMap((e) => (e.type === 'receive' ? [e.body] : []));
    expect(bodies()).toEqual(['read']);
    await tick();
    expect(t.timersSet()).toBe(1);
    expect(bodies()).toEqual(['read', 'one', 'two']);
    expect([first.bodyUsed, second.bodyUsed]).toEqual([false, false]);
  });
});

describe('response bodies read from a clone', () => {
  it('reads a body nobody has started reading by the next task', async () => {
    const t = setup();
    // No Content-Length: the clone is read chunk by chunk.
    const res = new t.TestResponse(streamOf(['never ', 'read']), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    expect(t.events()).toEqual([]);
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]).toMatchObject({
      type: 'receive',
      status: 200,
      body: 'never read',
      bodyKind: 'text',
    });
    expect(t.events()[0]?.chunk).toBeUndefined();
  });

  it('still gives a body read after that task to the page whole, recorded once', async () => {
    const t = setup();
    // A small Content-Length: the clone is read in one piece.
    const res = new t.TestResponse('late reader', {
      headers: { 'content-type': 'text/plain', 'content-length': '11' },
    });
    t.observe(res);
    await tick();
    // The hook read its own copy: the page's body is as fetched.
    expect(res.bodyUsed).toBe(false);
    expect(await res.text()).toBe('late reader');
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]?.body).toBe('late reader');
  });

  it('keeps the first payloadCap bytes of a large unread body, with its true size', async () => {
    const t = setup({ cap: 4 });
    const res = new t.TestResponse(streamOf([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6])]), {
      headers: binary,
    });
    t.observe(res);
    await tick();
    const [receive] = t.events();
    expect(bytesOf(receive?.body)).toEqual([1, 2, 3, 4]);
    expect(receive?.fullSize).toBe(6);
  });

  it('records an unread body whose stream fails: what arrived, then an error', async () => {
    const t = setup();
    const res = new t.TestResponse(streamOf(['partial'], new Error('reset')), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    await tick();
    expect(t.events().map((e) => [e.type, e.body, e.reason])).toEqual([
      ['receive', 'partial', undefined],
      ['error', undefined, 'Error: reset'],
    ]);
  });

  it('records the body when the page takes the stream (body getter), and the page gets every byte', async () => {
    const t = setup();
    const res = new t.TestResponse(streamOf(['one ', 'two ', 'three']), {
      headers: { 'content-type': 'text/plain' },
    });
    t.observe(res);
    expect(await readAll(res.body)).toBe('one two three');
    await tick();
    expect(t.types()).toEqual(['receive', 'close']);
    expect(t.events()[0]?.body).toBe('one two three');
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

  it('records an unread body whose chunks come far apart as chunks', async () => {
    const t = setup();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let i = 0;
    const trickle = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const step = i++;
        if (step === 0) controller.enqueue(encoder.encode('first '));
        else if (step === 1) {
          await gate;
          controller.enqueue(encoder.encode('second'));
        } else controller.close();
      },
    });
    const res = new t.TestResponse(trickle, { headers: { 'content-type': 'text/plain' } });
    t.observe(res);
    await tick();
    expect(t.events()).toEqual([]);
    t.advance(1000);
    release();
    await tick();
    const events = t.events();
    expect(events.map((e) => [e.type, e.chunk, e.body])).toEqual([
      ['receive', 0, 'first '],
      ['receive', 1, 'second'],
      ['close', undefined, undefined],
    ]);
    expect(events[0]?.status).toBe(200);
    // The first chunk is dated when it came, not when the body turned out to trickle.
    expect(events[1]?.time).toBeGreaterThan((events[0]?.time ?? 0) + 100);
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

  it('keeps a character split between two streamed chunks whole', async () => {
    const t = setup();
    const bytes = encoder.encode('{"s":"é"}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const res = new t.TestResponse(streamOf([bytes.slice(0, cut), bytes.slice(cut)]), {
      headers: { 'content-type': 'application/x-ndjson' },
    });
    t.observe(res);
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

  it('records a body-less 200 nobody reads (HEAD, a service worker’s Response(null)) at its headers’ time, at the next task', async () => {
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
    expect(await res.text()).toBe('pong');
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(encoder.encode('pong'));
    await tick();
    expect(t.types()).toEqual(['receive', 'close', 'receive', 'close', 'receive', 'close']);
    expect(bodyGets).toBe(0);
    // A body nobody reads is read from a clone, and that does ask.
    t.observe(new t.TestResponse('unread', { headers: { 'content-type': 'text/plain' } }));
    await tick();
    expect(bodyGets).toBeGreaterThan(0);
    expect(t.events().at(-2)?.body).toBe('unread');
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
