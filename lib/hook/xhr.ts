// XMLHttpRequest capture. The constructor is a Proxy (instanceof, statics,
// subclassing stay native); open/setRequestHeader/send/abort are disguised
// wrappers. Each send() is one connection (one XHR object re-used for several
// requests gives several). The response is observed by listeners added at
// construction: they run before any the page adds, read only what the page
// could read itself (status, headers, the cached `response`), and never
// change how often or when the page's own handlers run.

import type { HeaderList } from '../model';
import { captureBody } from './body';
import { type Disguise, replaceProperty } from './disguise';
import {
  addHeader,
  captureRequestBody,
  errorReason,
  type HttpNatives,
  normalizeMethod,
  parseRawHeaders,
  resolveUrl,
  toStringArg,
} from './http';
import { type Bare, getterReader, type Pristine } from './pristine';
import type { HookRelayPort } from './relay-port';

const DONE = 4;
const HEADERS_RECEIVED = 2;

/** One request/response on an XHR object, from send() to its end. */
interface Exchange {
  id: number;
  finished: boolean;
  abortRequested: boolean;
  headersAt?: number;
  status?: number;
  statusText?: string;
  responseHeaders?: HeaderList;
}

interface XhrState {
  /** Set by open(): what the next send() will request. */
  method: string;
  url: string;
  async: boolean;
  headers: HeaderList;
  opened: boolean;
  current: Exchange | null;
}

export function patchXhr(
  p: Pristine,
  d: Disguise,
  ch: HookRelayPort,
  n: HttpNatives,
  nextId: () => number,
): void {
  const { win, apply } = p;
  const NativeXHR = win.XMLHttpRequest;
  if (typeof NativeXHR !== 'function') return;
  const proto = NativeXHR.prototype;
  const states = new p.WeakMapCtor<object, XhrState>();
  const stateOf = (xhr: unknown) =>
    typeof xhr === 'object' && xhr !== null
      ? (apply(p.weakMapGet, states, [xhr]) as XhrState | undefined)
      : undefined;

  const get = (name: string) => getterReader(p, proto, name);
  const getReadyState = get('readyState');
  const getStatus = get('status');
  const getStatusText = get('statusText');
  const getResponseType = get('responseType');
  const getResponse = get('response');
  const getWithCredentials = get('withCredentials');
  const getTimeout = get('timeout');
  const nativeGetAllResponseHeaders = proto.getAllResponseHeaders;

  const readHeaders = (xhr: XMLHttpRequest, ex: Exchange): void => {
    ex.status = getStatus(xhr) as number;
    ex.statusText = p.StringCtor(getStatusText(xhr));
    ex.responseHeaders = parseRawHeaders(n, apply(nativeGetAllResponseHeaders, xhr, []) as string);
  };

  /** The response body as the page's responseType gives it (the same cached object the page gets). */
  const readBody = (xhr: XMLHttpRequest) => {
    const responseType = p.StringCtor(getResponseType(xhr));
    const response = getResponse(xhr);
    const cap = ch.payloadCap();
    const bodyKind = responseType === '' ? 'text' : responseType;
    if (response === null || response === undefined) return { bodyKind };
    if (responseType === 'json') {
      // The raw text is not readable under 'json': the parsed value is re-serialised.
      const text = apply(p.jsonStringify, null, [response]) as string | undefined;
      return { ...(text === undefined ? {} : captureBody(p, text, cap)), bodyKind };
    }
    if (responseType === 'document') {
      const doc = captureRequestBody(n, response, cap);
      return { ...(doc?.captured ?? {}), bodyKind };
    }
    return { ...(captureBody(p, response, cap) ?? {}), bodyKind };
  };

  const finish = (ex: Exchange, type: 'close' | 'error', reason?: string): void => {
    if (ex.finished) return;
    ex.finished = true;
    ch.emit({
      __proto__: null,
      r: 'ev',
      conn: ex.id,
      time: ch.time(),
      type,
      ...(ex.status !== undefined && type === 'close' ? { status: ex.status } : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
  };

  const observe = (xhr: XMLHttpRequest): void => {
    const state: Bare<XhrState> = {
      __proto__: null,
      method: 'GET',
      url: '',
      async: true,
      headers: p.list(),
      opened: false,
      current: null,
    };
    apply(p.weakMapSet, states, [xhr, state]);
    const listen = (type: string, fn: (ex: Exchange) => void) =>
      apply(p.addEventListener, xhr, [
        type,
        () => {
          const ex = state.current;
          if (!ex || ex.finished) return;
          try {
            fn(ex);
          } catch {
            // never surface a capture problem in the page
          }
        },
      ]);
    listen('readystatechange', (ex) => {
      const readyState = getReadyState(xhr);
      if (readyState === HEADERS_RECEIVED) {
        ex.headersAt = ch.time();
        readHeaders(xhr, ex);
      } else if (readyState === DONE) {
        // Status 0 at DONE is a failure: the error/abort/timeout event that follows says which.
        if ((getStatus(xhr) as number) === 0) return;
        if (ex.status === undefined) readHeaders(xhr, ex);
        const time = ch.time();
        ch.emit({
          __proto__: null,
          r: 'ev',
          conn: ex.id,
          time,
          type: 'receive',
          status: ex.status,
          statusText: ex.statusText,
          responseHeaders: ex.responseHeaders,
          ...(ex.headersAt !== undefined ? { headersAt: ex.headersAt } : {}),
          ...readBody(xhr),
        });
        finish(ex, 'close');
      }
    });
    // These end events belong to the current exchange only while it is DONE: a page that
    // re-opens the object from a load handler gets the old request's loadend afterwards.
    const ending = (type: string, reason: (ex: Exchange) => string) =>
      listen(type, (ex) => {
        if (getReadyState(xhr) === DONE) finish(ex, 'error', reason(ex));
      });
    ending('error', () => 'network error');
    ending('abort', (ex) => (ex.abortRequested ? 'aborted by the page' : 'aborted'));
    ending('timeout', () => `timeout after ${p.StringCtor(getTimeout(xhr))} ms`);
    ending('loadend', () => 'request failed');
  };

  const WrappedXHR = d.wrapConstructor(NativeXHR, (target, args, newTarget) => {
    const xhr = p.construct(target, args, newTarget) as XMLHttpRequest;
    try {
      observe(xhr);
    } catch {
      // capture is best effort; the page gets its object regardless
    }
    return xhr;
  });

  type NativeFn = (...a: never[]) => unknown;
  const wrap = (name: string, onApply: (target: NativeFn, self: unknown, args: unknown[]) => unknown) => {
    const native = (proto as unknown as Record<string, unknown>)[name];
    if (typeof native !== 'function') return;
    replaceProperty(p, proto, name, d.wrapFunction(native as NativeFn, onApply));
  };

  wrap('open', (target, self, args) => {
    const state = stateOf(self);
    if (state && args.length >= 2) {
      // Convert once here so a page object's toString runs once, as without the hook.
      toStringArg(args, 0);
      toStringArg(args, 1);
    }
    const result = apply(target, self, args);
    if (state) {
      try {
        const ex = state.current;
        if (ex && !ex.finished)
          finish(ex, 'error', ex.abortRequested ? 'aborted by the page' : 'aborted by open()');
        state.current = null;
        state.method = normalizeMethod(n, args[0] as string);
        state.url = resolveUrl(n, args[1] as string);
        state.async = args.length < 3 || !!args[2];
        state.headers = p.list();
        state.opened = true;
      } catch {
        // best effort
      }
    }
    return result;
  });

  wrap('setRequestHeader', (target, self, args) => {
    const state = stateOf(self);
    if (state && args.length >= 2) {
      toStringArg(args, 0);
      toStringArg(args, 1);
    }
    const result = apply(target, self, args);
    if (state) {
      try {
        addHeader(n, state.headers, args[0] as string, args[1] as string);
      } catch {
        // best effort
      }
    }
    return result;
  });

  wrap('send', (target, self, args) => {
    const state = stateOf(self);
    let ex: Exchange | null = null;
    try {
      // Only a send that starts traffic is a connection (opened, and not already sent).
      const inFlight = state?.current && !state.current.finished;
      if (state?.opened && getReadyState(self) === 1 && !inFlight)
        ex = begin(self as XMLHttpRequest, state, args);
    } catch {
      ex = null;
    }
    try {
      return apply(target, self, args);
    } catch (err) {
      // A synchronous request reports network errors by throwing, without events.
      if (ex && !ex.finished) {
        try {
          finish(ex, 'error', errorReason(n, err));
        } catch {
          // best effort
        }
      }
      throw err;
    }
  });

  const begin = (xhr: XMLHttpRequest, state: XhrState, args: unknown[]): Exchange => {
    const body = args.length > 0 ? args[0] : null;
    const cap = ch.payloadCap();
    let captured = captureRequestBody(n, body, cap);
    if (!captured && body !== null && body !== undefined) {
      // Any other value is sent as its string conversion: do it once, here, and pass the string on.
      toStringArg(args, 0);
      captured = captureRequestBody(n, args[0], cap);
    }
    const ex: Bare<Exchange> = { __proto__: null, id: nextId(), finished: false, abortRequested: false };
    const time = ch.time();
    ch.emit({
      __proto__: null,
      r: 'conn',
      id: ex.id,
      time,
      transport: 'xhr',
      url: state.url,
      method: state.method,
      async: state.async,
      withCredentials: !!getWithCredentials(xhr),
      ...(state.headers.length > 0 ? { requestHeaders: state.headers } : {}),
    });
    ch.emit({ __proto__: null, r: 'ev', conn: ex.id, time, type: 'open' });
    // GET and HEAD requests never carry a body: the browser drops it.
    if (captured && state.method !== 'GET' && state.method !== 'HEAD') {
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
    state.current = ex;
    return ex;
  };

  wrap('abort', (target, self, args) => {
    const ex = stateOf(self)?.current;
    if (ex && !ex.finished) ex.abortRequested = true;
    return apply(target, self, args);
  });

  replaceProperty(p, proto, 'constructor', WrappedXHR);
  replaceProperty(p, win, 'XMLHttpRequest', WrappedXHR);
}
