// fetch capture. window.fetch becomes a disguised wrapper that calls the
// native with the page's own arguments and returns the native promise's
// `then` (a native Promise settling with the same Response or the same
// rejection reason, so unhandled rejections are still reported). The request
// is described from the page's input and init without running page code
// (data properties only); a Request input's body is read from a clone made
// before the native call. The response and its body: response-body.ts.

import type { HeaderList } from '../model';
import { captureBody } from './body';
import type { HookChannel } from './channel';
import type { Disguise } from './disguise';
import { replaceProperty } from './disguise';
import {
  captureRequestBody,
  dataProperty,
  type HttpNatives,
  headersToList,
  headerValue,
  hrefOf,
  isTextualType,
  normalizeMethod,
  resolveUrl,
  wholeDecoder,
} from './http';
import { callGetter, type Pristine } from './pristine';
import { captureResponseBodies, type FetchExchange } from './response-body';

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

  /** Describes the request and emits conn, open and (when there is a body) send, all at `time`. */
  const begin = (args: unknown[], time: number): FetchExchange => {
    const input = args[0];
    const init = args.length > 1 ? args[1] : undefined;
    let url: string;
    let method = 'GET';
    let headers: HeaderList | undefined;
    let body: unknown;
    let bodyClone: Request | null = null;
    const isRequest = input instanceof RequestCtor;
    if (isRequest) {
      url = p.StringCtor(callGetter(p, reqUrl, input));
      method = p.StringCtor(callGetter(p, reqMethod, input));
      headers = headersToList(n, callGetter(p, reqHeaders, input));
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
    const ex: FetchExchange = { id: nextId(), finished: false, ...(method === 'HEAD' ? { head: true } : {}) };
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

  const tryBegin = (args: unknown[], time: number): FetchExchange | null => {
    try {
      return begin(args, time);
    } catch {
      return null;
    }
  };

  const wrapped = d.wrapFunction(nativeFetch, (target, self, args) => {
    const time = ch.time();
    // The request is described after the native call, while it is on the
    // network, not before it: in a chain of sequential fetches that work no
    // longer delays each request. A Request input is the exception: the native
    // call marks it used, and its body's clone must be taken first.
    const describeFirst = args[0] instanceof RequestCtor;
    let ex = describeFirst ? tryBegin(args, time) : null;
    const promise = apply(target, self, args) as Promise<Response>;
    if (!describeFirst) ex = tryBegin(args, time);
    // A rejection made inside this wrapper carries its frame: the page must not see it.
    if (!ex) {
      try {
        return apply(p.promiseThen, promise, [undefined, d.rethrow]);
      } catch {
        return promise;
      }
    }
    const exchange = ex;
    try {
      return apply(p.promiseThen, promise, [
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
      ]);
    } catch {
      return promise;
    }
  });
  replaceProperty(p, win, 'fetch', wrapped);
}
