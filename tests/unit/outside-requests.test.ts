import { describe, expect, it } from 'vitest';
import {
  groupOutsideRequests,
  type OutsideRequest,
  OutsideRequestLog,
  outsideRequestOf,
} from '../../lib/outside-requests';

const OWN = 'chrome-extension://abcdefghijklmnop/';
const HOOK = `${OWN}content-scripts/hook.js`;

/** A DevTools network log entry, shaped as Chrome's onRequestFinished gives it. */
function entry(over: Record<string, unknown> = {}, frames: string[] = ['http://127.0.0.1/worker.js']) {
  return {
    startedDateTime: '2026-11-27T10:00:00.000Z',
    time: 12.5,
    _resourceType: 'fetch',
    _initiator: { type: 'script', stack: { callFrames: frames.map((url) => ({ url, lineNumber: 0 })) } },
    request: { method: 'GET', url: 'http://127.0.0.1/w-data?x=1', headers: [] },
    response: { status: 200, headers: [] },
    ...over,
  };
}

describe('outsideRequestOf', () => {
  it('lists a worker fetch with what started it', () => {
    expect(outsideRequestOf(entry(), OWN)).toEqual({
      key: '2026-11-27T10:00:00.000Z GET http://127.0.0.1/w-data?x=1',
      kind: 'fetch',
      method: 'GET',
      url: 'http://127.0.0.1/w-data?x=1',
      status: 200,
      startedAt: Date.parse('2026-11-27T10:00:00.000Z'),
      durationMs: 12.5,
      startedBy: 'http://127.0.0.1/worker.js',
    });
  });

  it('leaves out what passed through the hook, anywhere in the stack or its async parents', () => {
    expect(outsideRequestOf(entry({}, [HOOK, 'http://127.0.0.1/app.js']), OWN)).toBeNull();
    const parented = entry({
      _initiator: {
        type: 'script',
        stack: { callFrames: [{ url: 'http://127.0.0.1/lib.js' }], parent: { callFrames: [{ url: HOOK }] } },
      },
    });
    expect(outsideRequestOf(parented, OWN)).toBeNull();
  });

  it('claims nothing without a script stack to tell who started it', () => {
    expect(outsideRequestOf(entry({ _initiator: { type: 'other' } }), OWN)).toBeNull();
    expect(outsideRequestOf(entry({}, []), OWN)).toBeNull();
    expect(outsideRequestOf(entry({}, ['']), OWN)).toBeNull();
    const { _initiator, ...noInitiator } = entry();
    expect(outsideRequestOf(noInitiator, OWN)).toBeNull();
  });

  it('keeps to realtime kinds: page resources are not listed', () => {
    for (const type of [
      'script',
      'image',
      'document',
      'other',
      'Fetch',
      '',
      3,
      'constructor',
      '__proto__',
      'toString',
    ])
      expect(outsideRequestOf(entry({ _resourceType: type }), OWN)).toBeNull();
    for (const [type, kind] of [
      ['xhr', 'xhr'],
      ['websocket', 'websocket'],
      ['eventsource', 'eventsource'],
    ])
      expect(outsideRequestOf(entry({ _resourceType: type }), OWN)?.kind).toBe(kind);
  });

  it('counts a socket’s logged messages', () => {
    const ws = entry({
      _resourceType: 'websocket',
      _webSocketMessages: [{}, {}, {}],
      response: { status: 101 },
    });
    expect(outsideRequestOf(ws, OWN)).toMatchObject({ kind: 'websocket', status: 101, messages: 3 });
  });

  it('drops malformed entries and tames odd fields', () => {
    const bad: unknown[] = [
      null,
      undefined,
      'entry',
      42,
      [],
      {},
      entry({ request: null }),
      entry({ request: { method: 'GET' } }),
      entry({ request: { url: 'http://x/', method: 7 } }),
      entry({ startedDateTime: 'not a date' }),
      entry({ startedDateTime: 1 }),
      entry({ _initiator: { stack: { callFrames: 'frames' } } }),
      entry({ _initiator: { stack: { callFrames: [null, 3, { url: 4 }] } } }),
    ];
    for (const b of bad) expect(outsideRequestOf(b, OWN)).toBeNull();
    const odd = outsideRequestOf(
      entry({
        time: -5,
        response: { status: 99_999 },
        request: { method: 'GET', url: `http://x/${'a'.repeat(20_000)}` },
      }),
      OWN,
    );
    expect(odd?.durationMs).toBe(0);
    expect(odd?.status).toBe(0);
    expect(odd?.url.length).toBe(8192);
    expect(outsideRequestOf(entry({ response: undefined, time: Number.NaN }), OWN)).toMatchObject({
      status: 0,
      durationMs: 0,
    });
  });

  it('does not loop on a cyclic or very deep parent chain', () => {
    const stack: Record<string, unknown> = { callFrames: [{ url: 'http://127.0.0.1/w.js' }] };
    stack.parent = stack;
    expect(outsideRequestOf(entry({ _initiator: { stack } }), OWN)?.startedBy).toBe('http://127.0.0.1/w.js');
  });
});

describe('OutsideRequestLog', () => {
  it('keeps each request once, oldest first, and says when the list changed', () => {
    const log = new OutsideRequestLog();
    const later = entry({ startedDateTime: '2026-11-27T10:00:01.000Z' });
    expect(log.add(later, OWN)).toBe(true);
    expect(log.add(entry(), OWN)).toBe(true);
    expect(log.add(entry(), OWN)).toBe(false);
    expect(log.add(entry({}, [HOOK]), OWN)).toBe(false);
    const listed = log.list();
    expect(log.list()).toBe(listed);
    expect(listed.map((r) => r.startedAt)).toEqual([
      Date.parse('2026-11-27T10:00:00.000Z'),
      Date.parse('2026-11-27T10:00:01.000Z'),
    ]);
  });

  it('takes a socket’s later figures when it is logged again', () => {
    const log = new OutsideRequestLog();
    const ws = (n: number) => entry({ _resourceType: 'websocket', _webSocketMessages: Array(n).fill({}) });
    log.add(ws(2), OWN);
    const before = log.version;
    expect(log.add(ws(5), OWN)).toBe(true);
    expect(log.version).toBeGreaterThan(before);
    expect(log.list()).toHaveLength(1);
    expect(log.list()[0]?.messages).toBe(5);
  });

  it('is bounded: past its size it counts instead of keeping, and clear starts afresh', () => {
    const log = new OutsideRequestLog(2);
    const at = (i: number) => entry({ startedDateTime: new Date(1e12 + i).toISOString() });
    for (let i = 0; i < 5; i++) log.add(at(i), OWN);
    expect(log.list()).toHaveLength(2);
    expect(log.unlisted).toBe(3);
    // DevTools' log read again: the same requests are not counted twice.
    for (let i = 0; i < 5; i++) expect(log.add(at(i), OWN)).toBe(false);
    expect(log.unlisted).toBe(3);
    expect(log.list()).toHaveLength(2);
    log.clear();
    expect(log.list()).toHaveLength(0);
    expect(log.unlisted).toBe(0);
  });

  it('after a clear, leaves out what started before it when DevTools’ log is read again', () => {
    const log = new OutsideRequestLog();
    const at = (iso: string) => entry({ startedDateTime: iso });
    log.add(at('2026-11-27T10:00:00.000Z'), OWN);
    log.clear(Date.parse('2026-11-27T10:00:05.000Z'));
    expect(log.add(at('2026-11-27T10:00:00.000Z'), OWN)).toBe(false);
    expect(log.add(at('2026-11-27T10:00:04.999Z'), OWN)).toBe(false);
    expect(log.add(at('2026-11-27T10:00:05.000Z'), OWN)).toBe(true);
    expect(log.list()).toHaveLength(1);
  });
});

describe('groupOutsideRequests', () => {
  const request = (over: Partial<OutsideRequest>): OutsideRequest => ({
    key: String(Math.random()),
    kind: 'fetch',
    method: 'GET',
    url: 'http://127.0.0.1/w-data?n=1',
    status: 200,
    startedAt: 1000,
    durationMs: 5,
    startedBy: 'http://127.0.0.1/worker.js',
    ...over,
  });

  it('groups by method, origin and path, in order of first sight, with the latest request standing for each', () => {
    const groups = groupOutsideRequests([
      request({ url: 'http://127.0.0.1/w-data?n=1', startedAt: 1000, status: 200 }),
      request({ url: 'http://127.0.0.1/other', startedAt: 1500 }),
      request({ url: 'http://127.0.0.1/w-data?n=2', startedAt: 2000, status: 503 }),
      request({ method: 'POST', url: 'http://127.0.0.1/w-data', startedAt: 2500 }),
      request({ url: 'http://other.test/w-data?n=3', startedAt: 3000 }),
    ]);
    expect(groups.map((g) => [g.method, g.endpoint, g.requests.length])).toEqual([
      ['GET', 'http://127.0.0.1/w-data', 2],
      ['GET', 'http://127.0.0.1/other', 1],
      ['POST', 'http://127.0.0.1/w-data', 1],
      ['GET', 'http://other.test/w-data', 1],
    ]);
    expect(groups[0]?.path).toBe('/w-data');
    expect(groups[0]?.latest).toMatchObject({ url: 'http://127.0.0.1/w-data?n=2', status: 503 });
    expect(groups[0]?.requests.map((r) => r.url)).toEqual([
      'http://127.0.0.1/w-data?n=1',
      'http://127.0.0.1/w-data?n=2',
    ]);
  });

  it('sums the messages of a socket endpoint, and keeps a kind to itself', () => {
    const groups = groupOutsideRequests([
      request({ kind: 'websocket', url: 'ws://127.0.0.1/echo?n=1', messages: 2 }),
      request({ kind: 'websocket', url: 'ws://127.0.0.1/echo?n=2', messages: 3, startedAt: 2000 }),
      request({ kind: 'fetch', url: 'http://127.0.0.1/echo' }),
    ]);
    expect(groups.map((g) => [g.kind, g.requests.length, g.messages])).toEqual([
      ['websocket', 2, 5],
      ['fetch', 1, undefined],
    ]);
  });

  it('keeps a URL that does not parse as its own endpoint', () => {
    const groups = groupOutsideRequests([request({ url: 'not a url' }), request({ url: 'not a url' })]);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ endpoint: 'not a url', path: 'not a url' });
  });
});
