import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESSOR,
  addHeader,
  captureHttpNatives,
  captureRequestBody,
  dataProperty,
  decimalUpTo,
  errorReason,
  type HttpNatives,
  headersToList,
  headersValue,
  headerValue,
  isStreamingType,
  isTextualType,
  joinPlainRelative,
  makeDecoder,
  normalizeMethod,
  parseRawHeaders,
  resolveUrl,
  toStringArg,
} from '../../lib/hook/http';
import { capturePristine } from '../../lib/hook/pristine';
import type { HeaderList } from '../../lib/model';
import { PROTOCOL_VERSION } from '../../lib/wire/envelope';
import { parseHookMessage, parseHookRecord } from '../../lib/wire/page-relay-read';

let n: HttpNatives;

beforeAll(() => {
  // Node has the web platform classes these helpers use (no document: URLs resolve on their own).
  n = captureHttpNatives(capturePristine(globalThis as unknown as Window & typeof globalThis));
});

describe('response headers', () => {
  it('parses getAllResponseHeaders text in order, keeping colons inside values', () => {
    const raw = 'content-type: text/plain\r\nx-time: 12:30:01\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n';
    expect(parseRawHeaders(n, raw)).toEqual([
      ['content-type', 'text/plain'],
      ['x-time', '12:30:01'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
  });

  it('skips lines without a name and copes with empty input or a missing final CRLF', () => {
    expect(parseRawHeaders(n, '')).toEqual([]);
    expect(parseRawHeaders(n, ': nameless\r\ngarbage\r\nok: 1')).toEqual([['ok', '1']]);
  });

  it('reads a Headers object, and finds values case-insensitively', () => {
    const list = headersToList(n, new Headers({ 'X-B': '2', 'x-a': '1' })) as HeaderList;
    expect(list).toEqual([
      ['x-a', '1'],
      ['x-b', '2'],
    ]);
    expect(headerValue(n, list, 'X-A')).toBe('1');
    expect(headerValue(n, list, 'missing')).toBe('');
    expect(headersToList(n, { 'x-a': '1' })).toBeUndefined();
  });

  it('reads each Set-Cookie apart, as the browser iterates them', () => {
    const headers = new Headers([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-a', '1'],
    ]);
    expect(headersToList(n, headers)).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-a', '1'],
    ]);
  });

  it('reads headers with the natives it took first, after the page replaced the iteration methods', () => {
    const proto = Headers.prototype;
    const iteratorProto = Object.getPrototypeOf(new Headers().entries()) as { next: unknown };
    const saved = {
      entries: Object.getOwnPropertyDescriptor(proto, 'entries'),
      forEach: Object.getOwnPropertyDescriptor(proto, 'forEach'),
      next: Object.getOwnPropertyDescriptor(iteratorProto, 'next'),
    };
    const broken = () => {
      throw new Error('page code ran');
    };
    try {
      Object.defineProperty(proto, 'entries', { value: broken, configurable: true, writable: true });
      Object.defineProperty(proto, 'forEach', { value: broken, configurable: true, writable: true });
      Object.defineProperty(iteratorProto, 'next', { value: broken, configurable: true, writable: true });
      expect(headersToList(n, new Headers({ 'x-b': '2', 'x-a': '1' }))).toEqual([
        ['x-a', '1'],
        ['x-b', '2'],
      ]);
    } finally {
      if (saved.entries) Object.defineProperty(proto, 'entries', saved.entries);
      if (saved.forEach) Object.defineProperty(proto, 'forEach', saved.forEach);
      if (saved.next) Object.defineProperty(iteratorProto, 'next', saved.next);
    }
  });
});

describe('header lookups without the iterator or get', () => {
  it('lists headers through forEach where a browser has no Headers iterator, in the same order', () => {
    const withoutIterator: HttpNatives = { ...n, headersEntries: undefined, headersIteratorNext: undefined };
    const headers = new Headers([
      ['set-cookie', 'a=1'],
      ['x-b', '2'],
      ['x-a', '1'],
    ]);
    expect(headersToList(withoutIterator, headers)).toEqual(headersToList(n, headers));
    expect(headersToList({ ...withoutIterator, headersForEach: undefined }, headers)).toBeUndefined();
  });

  it('reads one header with Headers.get, or from the list where there is no get', () => {
    const headers = new Headers({ 'Content-Type': 'text/plain', 'x-a': '1' });
    expect(headersValue(n, headers, 'content-type')).toBe('text/plain');
    expect(headersValue(n, headers, 'missing')).toBe('');
    expect(headersValue({ ...n, headersGet: undefined }, headers, 'content-type')).toBe('text/plain');
    expect(headersValue(n, { 'content-type': 'text/plain' }, 'content-type')).toBe('');
  });
});

describe('request description', () => {
  it('combines repeated request headers like setRequestHeader', () => {
    const list: HeaderList = [];
    addHeader(n, list, 'X-Custom', 'one');
    addHeader(n, list, 'Accept', '*/*');
    addHeader(n, list, 'x-custom', 'two');
    expect(list).toEqual([
      ['X-Custom', 'one, two'],
      ['Accept', '*/*'],
    ]);
  });

  it('normalises only the standard methods', () => {
    expect(normalizeMethod(n, 'post')).toBe('POST');
    expect(normalizeMethod(n, 'Delete')).toBe('DELETE');
    expect(normalizeMethod(n, 'patch')).toBe('patch');
    expect(normalizeMethod(n, 'PROPFIND')).toBe('PROPFIND');
  });

  it('resolves URLs, and keeps input that does not parse', () => {
    expect(resolveUrl(n, 'http://127.0.0.1:8/a/../b?x=1')).toBe('http://127.0.0.1:8/b?x=1');
    expect(resolveUrl(n, '/relative-without-base')).toBe('/relative-without-base');
  });

  it('joins plain relative URLs as the URL parser resolves them, and leaves the rest to it', () => {
    const bases = [
      'http://127.0.0.1:8080/app/page.html?q=1#frag',
      'https://user:pw@Example.COM:443/a/b/',
      'http://example.com',
      'https://[::1]:9000/x/y/z?w',
    ];
    const common = ['/api/poll?since=3&n=20', 'messages?page=2', '/', 'a/b/c.json', 'x?y=/z:1', '/p;a=1/@x'];
    const tricky = [
      '//other.host/x',
      '/a/../b',
      './x',
      '../x',
      '/a/./b',
      '/%2e%2e/x',
      'a/%2E/b',
      '/sp ace',
      '/tab\tx',
      ' /lead',
      '/x#frag',
      "/q?it's",
      '/back\\slash',
      'mailto:x@y',
      'javascript:void(0)',
      'http:relative',
      'wss://h/x',
      'c:/x',
      '?only=query',
      '.hidden',
      '/ü',
      '/[x]',
      '/a|b',
      '/{x}',
      '/lone\ud800surrogate',
      '/x`y',
      '/x^y',
      '',
    ];
    let joined = 0;
    for (const base of bases) {
      n.baseCache = null;
      for (const url of [...common, ...tricky]) {
        const quick = joinPlainRelative(n, url, base);
        if (quick !== null) {
          joined++;
          expect(quick, `${url} against ${base}`).toBe(new URL(url, base).href);
        }
      }
      for (const url of common) expect(joinPlainRelative(n, url, base), url).not.toBeNull();
    }
    expect(joined).toBeGreaterThanOrEqual(bases.length * common.length);
    // Characters drawn at random from the ones that matter to the parser: every join must agree with it.
    const alphabet = [
      '/',
      '.',
      '?',
      '#',
      '%',
      ':',
      "'",
      '@',
      ';',
      '=',
      '&',
      'a',
      'B',
      '1',
      '-',
      '_',
      '~',
      '!',
      '$',
      '(',
      '*',
      '+',
      ',',
    ];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let i = 0; i < 5000; i++) {
      let url = '';
      const length = 1 + (next() % 12);
      for (let j = 0; j < length; j++) url += alphabet[next() % alphabet.length];
      const base = bases[i % bases.length] as string;
      const quick = joinPlainRelative(n, url, base);
      if (quick !== null) expect(quick, `${url} against ${base}`).toBe(new URL(url, base).href);
    }
    // Not http(s): always parsed.
    n.baseCache = null;
    expect(joinPlainRelative(n, '/x', 'file:///tmp/a.html')).toBeNull();
    expect(joinPlainRelative(n, '/x', 'about:blank')).toBeNull();
  });

  it('converts a non-string argument once, in place, as a WebIDL string conversion would', () => {
    let calls = 0;
    const args: unknown[] = [
      {
        toString() {
          calls++;
          return '/x';
        },
      },
    ];
    toStringArg(args, 0);
    expect(args).toEqual(['/x']);
    expect(calls).toBe(1);
    toStringArg(args, 0);
    expect(calls).toBe(1);
    const missing: unknown[] = [];
    toStringArg(missing, 0);
    expect(missing).toEqual([]);
    // A Symbol is left for the native to reject, in its own words.
    const symbol = Symbol('s');
    const withSymbol: unknown[] = [symbol];
    toStringArg(withSymbol, 0);
    expect(withSymbol).toEqual([symbol]);
  });

  it('reads data properties without calling getters', () => {
    let getterCalls = 0;
    const init = Object.create(
      { inherited: 'from proto' },
      {
        method: { value: 'POST', enumerable: true },
        body: {
          get() {
            getterCalls++;
            return 'secret';
          },
        },
      },
    );
    expect(dataProperty(n.p, init, 'method')).toBe('POST');
    expect(dataProperty(n.p, init, 'inherited')).toBe('from proto');
    expect(dataProperty(n.p, init, 'body')).toBe(ACCESSOR);
    expect(dataProperty(n.p, init, 'absent')).toBeUndefined();
    expect(dataProperty(n.p, null, 'x')).toBeUndefined();
    expect(getterCalls).toBe(0);
  });
});

describe('content types', () => {
  it('knows streaming types', () => {
    for (const t of [
      'text/event-stream',
      'application/x-ndjson; charset=utf-8',
      'application/ndjson',
      'Application/Stream+JSON',
      'multipart/mixed; deferSpec=20220824; boundary="-"',
    ]) {
      expect(isStreamingType(n, t)).toBe(true);
    }
    for (const t of ['application/json', 'text/plain', '']) expect(isStreamingType(n, t)).toBe(false);
  });

  it('knows textual types', () => {
    for (const t of [
      'text/plain',
      'application/json',
      'application/problem+json',
      'image/svg+xml',
      'text/javascript',
    ]) {
      expect(isTextualType(n, t)).toBe(true);
    }
    for (const t of ['application/octet-stream', 'image/png', '']) expect(isTextualType(n, t)).toBe(false);
  });
});

describe('request bodies', () => {
  it('captures strings, URLSearchParams, binary and Blob bodies with their kind', () => {
    expect(captureRequestBody(n, null, 1024)).toBeNull();
    expect(captureRequestBody(n, undefined, 1024)).toBeNull();
    expect(captureRequestBody(n, 'abc', 1024)).toEqual({
      captured: { body: 'abc', bodyKind: 'text' },
      bodyKind: 'text',
    });
    expect(captureRequestBody(n, new URLSearchParams({ a: '1 2', b: 'é' }), 1024)).toEqual({
      captured: { body: 'a=1+2&b=%C3%A9', bodyKind: 'text' },
      bodyKind: 'urlsearchparams',
    });
    const view = captureRequestBody(n, new Uint8Array([1, 2, 3, 4]).subarray(1, 3), 1024);
    expect(view?.bodyKind).toBe('view');
    expect([...new Uint8Array(view?.captured?.body as ArrayBuffer)]).toEqual([2, 3]);
    const blob = new Blob(['hello']);
    expect(captureRequestBody(n, blob, 1024)?.captured?.body).toBe(blob);
    expect(captureRequestBody(n, { not: 'a body' }, 1024)).toBeNull();
  });

  it('cuts bodies to the cap and keeps the true size', () => {
    const big = 'x'.repeat(5000);
    const captured = captureRequestBody(n, big, 1024)?.captured;
    expect(String(captured?.body).length).toBe(1024);
    expect(captured?.fullSize).toBe(5000);
  });

  it('describes FormData as fields, files by name, size and type, values cut to the cap', () => {
    const form = new FormData();
    form.append('a', 'short');
    form.append('long', 'y'.repeat(2000));
    form.append('file', new File(['12345'], 'five.txt', { type: 'text/plain' }));
    const captured = captureRequestBody(n, form, 1024);
    expect(captured?.bodyKind).toBe('formdata');
    expect(captured?.captured).toBeNull();
    expect(captured?.form).toEqual([
      { name: 'a', value: 'short' },
      { name: 'long', value: 'y'.repeat(1024) },
      { name: 'file', fileName: 'five.txt', fileSize: 5, fileType: 'text/plain' },
    ]);
  });
});

describe('error reasons', () => {
  it('names DOMExceptions, errors and strings', () => {
    expect(errorReason(n, new DOMException('signal is aborted without reason', 'AbortError'))).toBe(
      'AbortError: signal is aborted without reason',
    );
    expect(errorReason(n, new TypeError('Failed to fetch'))).toBe('TypeError: Failed to fetch');
    expect(errorReason(n, 'enough')).toBe('enough');
    expect(errorReason(n, 42)).toBe('unknown error');
    expect(errorReason(n, null)).toBe('unknown error');
  });

  it('never runs a getter of a thrown object', () => {
    let calls = 0;
    const sneaky = {
      get name() {
        calls++;
        return 'X';
      },
      message: 'm',
    };
    expect(errorReason(n, sneaky)).toBe('unknown error');
    expect(calls).toBe(0);
  });
});

describe('decoding', () => {
  it('keeps a character split across chunks whole', () => {
    const decode = makeDecoder(n);
    const bytes = new TextEncoder().encode('é!');
    expect(decode?.(bytes.subarray(0, 1), true)).toBe('');
    expect(decode?.(bytes.subarray(1), false)).toBe('é!');
  });
});

describe('records the HTTP hooks emit pass the protocol validators', () => {
  it('accepts request, response and stream fields', () => {
    const records = [
      {
        r: 'conn',
        id: 1,
        time: 10,
        transport: 'xhr',
        url: 'http://127.0.0.1/x',
        method: 'POST',
        async: false,
        withCredentials: true,
        requestHeaders: [['X-Custom', 'one, two']],
      },
      {
        r: 'ev',
        conn: 1,
        time: 10,
        type: 'send',
        bodyKind: 'formdata',
        form: [{ name: 'f', fileName: 'a', fileSize: 3, fileType: '' }],
      },
      {
        r: 'ev',
        conn: 1,
        time: 12,
        type: 'receive',
        body: 'ok',
        bodyKind: 'json',
        status: 200,
        statusText: 'OK',
        responseHeaders: [['content-type', 'application/json']],
        headersAt: 11,
        chunk: 0,
      },
      { r: 'ev', conn: 1, time: 13, type: 'error', reason: 'timeout after 150 ms' },
      {
        r: 'conn',
        id: 2,
        time: 1,
        transport: 'eventsource',
        url: 'http://127.0.0.1/e',
        method: 'GET',
        withCredentials: false,
      },
      { r: 'ev', conn: 2, time: 2, type: 'receive', body: 'd', eventName: 'tick', lastEventId: '' },
      { r: 'ev', conn: 2, time: 3, type: 'close', closedBy: 'client' },
    ];
    const parsed = parseHookMessage({ v: PROTOCOL_VERSION, t: 'batch', records });
    expect(parsed).toMatchObject({ kind: 'batch', invalid: 0 });
  });

  it('rejects malformed HTTP fields', () => {
    const bad = [
      { r: 'ev', conn: 1, time: 1, type: 'send', form: [{ value: 'no name' }] },
      { r: 'ev', conn: 1, time: 1, type: 'send', form: [{ name: 'f', fileSize: -1 }] },
      { r: 'ev', conn: 1, time: 1, type: 'receive', headersAt: -5 },
      { r: 'ev', conn: 1, time: 1, type: 'receive', status: 70000 },
      { r: 'ev', conn: 1, time: 1, type: 'receive', chunk: 1.5 },
      { r: 'ev', conn: 1, time: 1, type: 'receive', responseHeaders: [['only-name']] },
      { r: 'ev', conn: 1, time: 1, type: 'receive', statusText: 7 },
      { r: 'conn', id: 1, time: 1, transport: 'xhr', url: 'u', async: 'yes' },
      { r: 'conn', id: 1, time: 1, transport: 'fetch', url: 'u', method: 7 },
      { r: 'conn', id: 1, time: 1, transport: 'xhr', url: 'u', requestHeaders: { a: 'b' } },
    ];
    for (const record of bad) expect(parseHookRecord(record)).toBeNull();
  });

  it('cuts an over-long method to its limit and says so, rather than lose the request', () => {
    expect(
      parseHookRecord({ r: 'conn', id: 1, time: 1, transport: 'fetch', url: 'u', method: 'X'.repeat(65) }),
    ).toEqual({
      r: 'conn',
      id: 1,
      time: 1,
      transport: 'fetch',
      url: 'u',
      method: 'X'.repeat(64),
      truncatedFields: ['method'],
    });
  });
});

describe('decimalUpTo (Content-Length as the fetch hook reads it)', () => {
  const p = capturePristine(globalThis as unknown as Window & typeof globalThis);
  it('reads plain decimal values up to the limit', () => {
    expect(decimalUpTo(p, '0', 100)).toBe(0);
    expect(decimalUpTo(p, '7', 100)).toBe(7);
    expect(decimalUpTo(p, '65536', 65536)).toBe(65536);
  });
  it('refuses values over the limit, empty, signed, spaced, fractional or absurdly long', () => {
    for (const bad of [
      '65537',
      '',
      '-1',
      '+1',
      ' 7',
      '7 ',
      '1.5',
      '1e3',
      '0x10',
      '7, 7',
      '99999999999999999999',
    ])
      expect(decimalUpTo(p, bad, 65536)).toBe(-1);
  });
});
