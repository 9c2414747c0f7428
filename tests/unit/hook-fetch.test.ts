import { describe, expect, it } from 'vitest';
import { patchFetch } from '../../lib/hook/fetch';
import { captureHttpNatives } from '../../lib/hook/http';
import { capturePristine } from '../../lib/hook/pristine';
import { fakeChannel, fakeDisguise, inheriting, pageResponseClass } from './hook-fakes';

// patchFetch on a fake window whose native fetch is a stub: what is recorded
// around the native call, and when. (Node has no document, so relative URLs
// stay as given; their resolution is covered in hook-http.)

function setup(nativeFetch: (input: unknown, init?: unknown) => Promise<Response>) {
  const ch = fakeChannel();
  /** How many records existed each time the native fetch was called. */
  const recordsAtCall: number[] = [];
  const win = Object.create(globalThis, {
    fetch: {
      value: (input: unknown, init?: unknown) => {
        recordsAtCall.push(ch.queued());
        return nativeFetch(input, init);
      },
      writable: true,
      configurable: true,
    },
    Response: { value: pageResponseClass() },
    ReadableStream: { value: inheriting(ReadableStream) },
    ReadableStreamDefaultReader: { value: inheriting(ReadableStreamDefaultReader) },
    ReadableStreamBYOBReader: { value: inheriting(ReadableStreamBYOBReader) },
    WebAssembly: { value: undefined },
    Cache: { value: undefined },
  }) as Window & typeof globalThis;
  const p = capturePristine(win);
  let nextId = 0;
  patchFetch(p, fakeDisguise, ch.channel, captureHttpNatives(p), () => ++nextId);
  return { win, records: ch.handOver, recordsAtCall };
}

const ok = () => Promise.resolve(new Response('pong', { headers: { 'content-type': 'text/plain' } }));

describe('fetch hook', () => {
  it('calls the native fetch first and then records the request, stamped with the time before the call', async () => {
    const t = setup(ok);
    const res = await t.win.fetch('/ping?i=1');
    expect(await res.text()).toBe('pong');
    expect(t.recordsAtCall).toEqual([0]);
    expect(t.records().slice(0, 2)).toEqual([
      { r: 'conn', id: 1, time: 1000, transport: 'fetch', url: '/ping?i=1', method: 'GET' },
      { r: 'ev', conn: 1, time: 1000, type: 'open' },
    ]);
  });

  it('records a Request input before the native call, which marks it used, so its body is still read', async () => {
    const t = setup(ok);
    const request = new Request('http://127.0.0.1:9/submit', { method: 'POST', body: 'name=wire' });
    await t.win.fetch(request);
    expect(t.recordsAtCall).toEqual([2]);
    await new Promise((r) => setTimeout(r, 10));
    expect(t.records()).toContainEqual(
      expect.objectContaining({ r: 'ev', conn: 1, type: 'send', body: 'name=wire', time: 1000 }),
    );
  });

  it('records nothing when the native call throws, and the page gets its error', () => {
    const t = setup(() => {
      throw new TypeError('Illegal invocation');
    });
    expect(() => t.win.fetch('/ping')).toThrow('Illegal invocation');
    expect(t.records()).toEqual([]);
  });
});
