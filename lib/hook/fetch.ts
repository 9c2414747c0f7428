// fetch capture. window.fetch becomes a disguised wrapper that calls the
// native with the page's own arguments and returns the native promise's
// `then` (a native Promise settling with the same Response or the same
// rejection reason, so unhandled rejections are still reported). The request
// is described from the page's input and init without running page code
// (data properties only); a Request input's body is read from a clone made
// before the native call. The response and its body: response-body.ts.

import type { HeaderList } from '../model';
import { captureBody } from './body';
import type { Disguise } from './disguise';
import { replaceProperty } from './disguise';
import {
  ACCESSOR,
  captureRequestBody,
  dataProperty,
  type HttpNatives,
  headersToList,
  headerValue,
  isTextualType,
  normalizeMethod,
  resolveUrl,
  THEN_DEFINED,
  wholeDecoder,
} from './http';
import { append, type Bare, callGetter, type Pristine } from './pristine';
import type { HookRelayPort } from './relay-port';
import { captureResponseBodies, type FetchExchange } from './response-body';

export function patchFetch(
  p: Pristine,
  d: Disguise,
  ch: HookRelayPort,
  n: HttpNatives,
  nextId: () => number,
): void {
  const { win, apply } = p;
  const nativeFetch = win.fetch;
  const RequestCtor = win.Request;
  const StreamCtor = win.ReadableStream;
  if (typeof nativeFetch !== 'function' || !RequestCtor || !StreamCtor) return;
  const responses = captureResponseBodies(p, d, ch, n);
  if (!responses) return;
  const reqProto = RequestCtor.prototype;
  const reqUrl = p.getter(reqProto, 'url');
  const reqMethod = p.getter(reqProto, 'method');
  const reqHeaders = p.getter(reqProto, 'headers');
  const reqClone = reqProto.clone;
  const reqArrayBuffer = reqProto.arrayBuffer;
  const objectProto = win.Object.prototype;

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
        if (!p.isArrayBuffer(buf) || p.bufferLength(buf) === 0) return;
        const cap = ch.payloadCap();
        const decode = isTextualType(n, contentType) ? wholeDecoder(n) : null;
        const captured = decode
          ? captureBody(p, decode(new p.Uint8ArrayCtor(buf), false), cap)
          : captureBody(p, buf, cap);
        if (captured) ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time, type: 'send', ...captured });
      } catch {
        // best effort
      }
    };
    // Not read where a page's `then` would see the copy (see Pristine.resolvesPrivately).
    if (p.resolvesPrivately('buffer'))
      p.chain(apply(reqArrayBuffer, clone, []) as Promise<unknown>, done, () => {});
    else ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time, type: 'send', reason: THEN_DEFINED });
  };

  /**
   * Whether x is a Request, of this realm or another (a same-origin frame's):
   * the native `url` getter is the brand check. Strings and URLs never are.
   */
  const isRequestObject = (x: unknown): boolean => {
    if (typeof x !== 'object' || x === null) return false;
    if (p.instanceOf(x, RequestCtor)) return true;
    if (n.URLCtor && p.instanceOf(x, n.URLCtor)) return false;
    try {
      callGetter(p, reqUrl, x);
      return true;
    } catch {
      return false;
    }
  };

  /**
   * The arguments the native gets. An input that is neither a string nor a
   * Request (a URL object, anything with a toString) is converted to its
   * string here, once, as the native would: its toString runs once, and the
   * record holds the URL actually fetched. A Symbol is left to the native,
   * whose error the page expects.
   */
  const requestArgs = (args: unknown[]): unknown[] => {
    if (args.length === 0) return args;
    const input = args[0];
    let out = args;
    if (typeof input !== 'string' && typeof input !== 'symbol' && !isRequestObject(input)) {
      out = p.list<unknown>();
      append(out, `${input as string}`);
      for (let i = 1; i < args.length; i++) append(out, args[i]);
    }
    const init = out.length > 1 ? out[1] : undefined;
    if (typeof init !== 'object' || init === null || !initNeedsRequest(init)) return out;
    // Members the hook cannot read without running page code (getters, a
    // page-made iterable of headers): the browser's own Request constructor
    // reads and converts them, once, exactly as fetch would, and the native
    // gets that Request. If it throws, the native is called as the page
    // called it, so the page gets fetch's own rejection.
    try {
      const request = p.construct(RequestCtor, [out[0], init]) as Request;
      const single = p.list<unknown>();
      append(single, request);
      return single;
    } catch {
      return args;
    }
  };

  /** Whether init has a method, headers or body the hook could only read by running page code. */
  const initNeedsRequest = (init: object): boolean => {
    const method = dataProperty(p, init, 'method');
    const headers = dataProperty(p, init, 'headers');
    const body = dataProperty(p, init, 'body');
    if (method === ACCESSOR || headers === ACCESSOR || body === ACCESSOR) return true;
    if (typeof headers !== 'object' || headers === null || p.isArray(headers)) return false;
    if (n.HeadersCtor && p.instanceOf(headers, n.HeadersCtor)) return false;
    const proto = p.getPrototypeOf(headers);
    return proto !== objectProto && proto !== null;
  };

  /** Describes the request and emits conn, open and (when there is a body) send, all at `time`. */
  const begin = (args: unknown[], time: number): FetchExchange => {
    const input = args[0];
    const init = args.length > 1 ? args[1] : undefined;
    let url: string;
    let method = 'GET';
    let headers: HeaderList | undefined;
    let body: unknown;
    let bodyClone: Request | null = null;
    const isRequest = isRequestObject(input);
    if (isRequest) {
      url = p.StringCtor(callGetter(p, reqUrl, input));
      method = p.StringCtor(callGetter(p, reqMethod, input));
      headers = headersToList(n, callGetter(p, reqHeaders, input));
    } else {
      // requestArgs made any other input its string; a Symbol (left to the native) throws here, unrecorded.
      url = resolveUrl(n, typeof input === 'string' ? input : `${input as string}`);
    }
    if (typeof init === 'object' && init !== null) {
      const m = dataProperty(p, init, 'method');
      if (typeof m === 'string') method = normalizeMethod(n, m);
      const h = initHeaders(dataProperty(p, init, 'headers'));
      if (h) headers = h;
      body = dataProperty(p, init, 'body');
      if (body === ACCESSOR) body = undefined;
    }
    const hasBodyMethod = method !== 'GET' && method !== 'HEAD';
    // The clone must be taken now: the native call marks the page's Request as used.
    if (isRequest && (body === undefined || body === null) && hasBodyMethod) {
      bodyClone = apply(reqClone, input, []) as Request;
    }
    const ex: Bare<FetchExchange> = {
      __proto__: null,
      id: nextId(),
      finished: false,
      ...(method === 'HEAD' ? { head: true } : {}),
    };
    ch.emit({
      __proto__: null,
      r: 'conn',
      id: ex.id,
      time,
      transport: 'fetch',
      url,
      method,
      ...(headers && headers.length > 0 ? { requestHeaders: headers } : {}),
    });
    ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time, type: 'open' });
    if (!hasBodyMethod) return ex;
    if (bodyClone) {
      sendFromClone(ex, bodyClone, time, headerValue(n, headers, 'content-type'));
    } else if (p.instanceOf(body, StreamCtor)) {
      ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time, type: 'send', bodyKind: 'stream' });
    } else {
      const captured = captureRequestBody(n, body, ch.payloadCap());
      if (captured) {
        ch.emit({
          __proto__: null,
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

  const tryBegin = (args: unknown[], time: number): FetchExchange | null => {
    try {
      return begin(args, time);
    } catch {
      return null;
    }
  };

  const wrapped = d.wrapFunction(nativeFetch, (target, self, givenArgs) => {
    const time = ch.time();
    const args = requestArgs(givenArgs);
    // The request is described after the native call, while it is on the
    // network, not before it: in a chain of sequential fetches that work no
    // longer delays each request. A Request input is the exception: the native
    // call marks it used, and its body's clone must be taken first.
    const describeFirst = args.length > 0 && isRequestObject(args[0]);
    let ex = describeFirst ? tryBegin(args, time) : null;
    const promise = apply(target, self, args) as Promise<Response>;
    if (!describeFirst) ex = tryBegin(args, time);
    // A rejection made inside this wrapper carries its frame: the page must not see it.
    if (!ex) {
      try {
        return p.chain(promise, undefined, d.rethrow);
      } catch {
        return promise;
      }
    }
    const exchange = ex;
    try {
      return p.chain(
        promise,
        (res: unknown) => {
          try {
            responses.observe(exchange, res);
          } catch {
            // best effort
          }
          return res;
        },
        (err: unknown) => {
          try {
            responses.fail(exchange, err);
          } catch {
            // best effort
          }
          d.rethrow(err);
        },
      );
    } catch {
      return promise;
    }
  });
  replaceProperty(p, win, 'fetch', wrapped);
}
