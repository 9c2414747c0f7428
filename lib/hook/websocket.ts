// WebSocket capture: the constructor is replaced by a Proxy (so instanceof,
// statics, name, length, prototype and subclassing behave natively) and
// send/close by disguised wrappers. Incoming traffic is observed with
// listeners added at construction, which run before any the page adds and
// never change what the page sees. The message listener, which runs for
// every message of a flood, only sets the event aside: its data and time are
// read at hand-over, when the page is idle (see receiveRecord).

import {
  type HookEvent,
  type HookMessage,
  MESSAGE_BODY_KIND_INDEX,
  MESSAGE_RECEIVE,
  MESSAGE_SEND,
} from '../wire/page-relay';
import { captureBody } from './body';
import { type Disguise, replaceProperty } from './disguise';
import { append, type Bare, callGetter, getterReader, isBrowserEvent, type Pristine } from './pristine';
import type { HookRelayPort } from './relay-port';

interface SocketState {
  id: number;
  closeRequested: boolean;
  /** In the list of sockets that sent since they were last seen with nothing left to send. */
  sending: boolean;
}

/**
 * The subprotocols argument converted as the WebSocket constructor converts
 * it, (DOMString or sequence<DOMString>): a sequence through the object's own
 * iterator, each item and a single value through ToString, so the page's code
 * (an iterator, a toString) runs exactly once, here. `passOn` is what the
 * native then gets: the same strings, in a form it reads without running any
 * page code. Null when the native must convert it itself (a Symbol, whose
 * error message only the native words as the page would see it).
 */
function convertProtocols(p: Pristine, requested: unknown): { list: string[]; passOn: unknown } | null {
  if (typeof requested === 'symbol') return null;
  const isObject = (typeof requested === 'object' && requested !== null) || typeof requested === 'function';
  const iteratorMethod = isObject
    ? (requested as { [Symbol.iterator]?: unknown })[p.iteratorSymbol]
    : undefined;
  if (iteratorMethod === undefined || iteratorMethod === null) {
    // One value: a string, or converted to one.
    const text = typeof requested === 'string' ? requested : `${requested as string}`;
    const list = p.list<string>();
    append(list, text);
    return { list, passOn: text };
  }
  if (typeof iteratorMethod !== 'function') return null;
  const iterator = p.apply(iteratorMethod, requested, []) as Iterator<unknown>;
  if ((typeof iterator !== 'object' && typeof iterator !== 'function') || iterator === null) return null;
  const next = iterator.next;
  const list = p.list<string>();
  for (;;) {
    const step = p.apply(next, iterator, []) as IteratorResult<unknown>;
    if ((typeof step !== 'object' && typeof step !== 'function') || step === null) return null;
    if (step.done) break;
    const item = step.value;
    if (typeof item === 'symbol') return null;
    append(list, typeof item === 'string' ? item : `${item as string}`);
  }
  return { list, passOn: iterableOf(p, list) };
}

/** A sequence the browser iterates without any page code: own iterator, own `next`, own results. */
function iterableOf(p: Pristine, list: string[]): object {
  return {
    __proto__: null,
    [p.iteratorSymbol]: () => {
      let i = 0;
      return {
        __proto__: null,
        next: () =>
          i < list.length
            ? { __proto__: null, value: list[i++], done: false }
            : { __proto__: null, done: true },
      };
    },
  };
}

/**
 * What WebSocket.send is given, converted once as the native would, so a
 * page object's toString runs once and the record holds exactly what was
 * sent: strings, buffers, views and Blobs as they are; anything else as its
 * string. Null when the native must see the value itself (no argument, or a
 * Symbol: the native throws, in its own words).
 */
function sendArgument(p: Pristine, args: unknown[]): { data: unknown } | null {
  if (args.length === 0) return null;
  const data = args[0];
  if (typeof data === 'string') return { data };
  if (typeof data === 'symbol') return null;
  if (typeof data === 'object' && data !== null) {
    if (p.isView(data) || p.blobSize(data) >= 0 || p.isArrayBuffer(data)) return { data };
  }
  return { data: `${data as string}` };
}

/**
 * The record of one message: a compact tuple when the body is whole, else an
 * event carrying the true size. Text under the cap (nearly every message) is
 * framed without the copy-and-measure of captureBody.
 */
function messageRecord(
  p: Pristine,
  direction: typeof MESSAGE_RECEIVE | typeof MESSAGE_SEND,
  conn: number,
  time: number,
  data: unknown,
  cap: number,
): HookMessage | Bare<HookEvent> {
  if (typeof data === 'string' && data.length <= cap) return [direction, conn, time, data, 0];
  const type = direction === MESSAGE_SEND ? 'send' : 'receive';
  const captured = captureBody(p, data, cap);
  if (!captured) return { __proto__: null, r: 'ev', conn, time, type };
  if (captured.fullSize === undefined)
    return [direction, conn, time, captured.body, MESSAGE_BODY_KIND_INDEX[captured.bodyKind]];
  return { __proto__: null, r: 'ev', conn, time, type, ...captured };
}

export function patchWebSocket(p: Pristine, d: Disguise, ch: HookRelayPort, nextId: () => number): void {
  const { win, apply } = p;
  const NativeWS = win.WebSocket;
  if (typeof NativeWS !== 'function') return;
  const proto = NativeWS.prototype;
  const states = new p.WeakMapCtor<object, SocketState>();
  const stateOf = (ws: unknown) =>
    typeof ws === 'object' && ws !== null
      ? (apply(p.weakMapGet, states, [ws]) as SocketState | undefined)
      : undefined;

  const getUrl = getterReader(p, proto, 'url');
  const getProtocol = getterReader(p, proto, 'protocol');
  const getExtensions = getterReader(p, proto, 'extensions');
  const getReadyState = getterReader(p, proto, 'readyState');
  const getBinaryType = getterReader(p, proto, 'binaryType');
  const getData = getterReader(p, win.MessageEvent.prototype, 'data');
  const getTimeStamp = getterReader(p, win.Event.prototype, 'timeStamp');
  /**
   * When the browser made the event (page clock, epoch ms). The socket's
   * events are stamped so, not when a listener runs, because a received
   * message's time is read late (at hand-over): all of a socket's events keep
   * one clock, in the order the browser made them.
   */
  const eventTime = (e: Event): number => {
    const stamp = getTimeStamp(e);
    // (A browser without Event.timeStamp: the time it is read.)
    return typeof stamp === 'number' ? p.timeOrigin + stamp : ch.time();
  };
  /**
   * A received message's record, made at hand-over (a LateRecord). Its data is
   * a string or a Blob, which never change; an ArrayBuffer could be detached by
   * the page (transferred to a worker), so under binaryType 'arraybuffer' the
   * record is made on receipt instead.
   */
  const receiveRecord = (e: object, conn: number): HookMessage | Bare<HookEvent> =>
    messageRecord(p, MESSAGE_RECEIVE, conn, eventTime(e as Event), getData(e), ch.payloadCap());
  const closeCode = p.getter(win.CloseEvent.prototype, 'code');
  const closeReason = p.getter(win.CloseEvent.prototype, 'reason');
  const closeWasClean = p.getter(win.CloseEvent.prototype, 'wasClean');

  const observe = (ws: WebSocket, requestedProtocols: string[] | undefined): void => {
    const state: Bare<SocketState> = { __proto__: null, id: nextId(), closeRequested: false, sending: false };
    apply(p.weakMapSet, states, [ws, state]);
    ch.emit({
      __proto__: null,
      r: 'conn',
      id: state.id,
      time: ch.time(),
      transport: 'websocket',
      url: p.StringCtor(getUrl(ws)),
      ...(requestedProtocols ? { requestedProtocols } : {}),
    });
    // Events a page script dispatches on its socket are not traffic.
    const listen = (type: string, fn: (e: Event) => void) =>
      apply(p.addEventListener, ws, [
        type,
        (e: Event) => {
          if (isBrowserEvent(e)) fn(e);
        },
      ]);
    listen('open', (e) => {
      ch.emit({
        __proto__: null,
        r: 'ev',
        conn: state.id,
        time: eventTime(e),
        type: 'open',
        protocol: p.StringCtor(getProtocol(ws)),
        extensions: p.StringCtor(getExtensions(ws)),
      });
    });
    listen('message', (e) => {
      if (getBinaryType(ws) === 'arraybuffer') ch.emit(receiveRecord(e, state.id));
      else ch.emitLate(receiveRecord, e, state.id);
    });
    listen('error', (e) => {
      ch.emit({ __proto__: null, r: 'ev', conn: state.id, time: eventTime(e), type: 'error' });
    });
    listen('close', (e) => {
      ch.emit({
        __proto__: null,
        r: 'ev',
        conn: state.id,
        time: eventTime(e),
        type: 'close',
        code: callGetter(p, closeCode, e) as number | undefined,
        reason: closeReason ? p.StringCtor(callGetter(p, closeReason, e)) : undefined,
        wasClean: callGetter(p, closeWasClean, e) as boolean | undefined,
        closedBy: state.closeRequested ? 'client' : 'server',
      });
    });
  };

  const WrappedWS = d.wrapConstructor(NativeWS, (target, args, newTarget) => {
    // The subprotocols are converted here, once; the URL by the native (and read back from the socket).
    let protocols: { list: string[]; passOn: unknown } | null = null;
    let nativeArgs = args;
    if (args.length >= 2 && args[1] !== undefined) {
      protocols = convertProtocols(p, args[1]);
      if (protocols) {
        nativeArgs = p.list();
        for (let i = 0; i < args.length; i++) append(nativeArgs, i === 1 ? protocols.passOn : args[i]);
      }
    }
    const ws = p.construct(target, nativeArgs, newTarget) as WebSocket;
    try {
      observe(ws, protocols ? protocols.list : undefined);
    } catch {
      // capture is best effort; the page gets its socket regardless
    }
    return ws;
  });

  // The relay holds its work back while the page's sockets still have data to
  // send (a flood the page sent in one loop takes the browser hundreds of ms
  // to put on the wire), so the hook tells it when that data has gone.
  const getBufferedAmount = getterReader(p, proto, 'bufferedAmount');
  let sending = p.list<WebSocket>();
  ch.watchBacklog(() => {
    if (sending.length === 0) return false;
    const still = p.list<WebSocket>();
    for (let i = 0; i < sending.length; i++) {
      const ws = sending[i] as WebSocket;
      // A closed socket's bufferedAmount keeps what it could never send.
      if (getReadyState(ws) === 1 && (getBufferedAmount(ws) as number) > 0) append(still, ws);
      else (stateOf(ws) as SocketState).sending = false;
    }
    sending = still;
    return still.length > 0;
  });

  const nativeSend = proto.send;
  replaceProperty(
    p,
    proto,
    'send',
    d.wrapFunction(nativeSend, (target, self, args) => {
      const state = stateOf(self);
      const given = state ? sendArgument(p, args) : null;
      // Read before sending: a send on a closing socket is silently discarded by the browser.
      const readyState = state ? getReadyState(self as WebSocket) : undefined;
      const result = given ? apply(target, self, [given.data]) : apply(target, self, args);
      if (state && given) {
        const time = ch.time();
        const cap = ch.payloadCap();
        if (readyState === 1) {
          ch.emit(messageRecord(p, MESSAGE_SEND, state.id, time, given.data, cap));
          if (!state.sending) {
            state.sending = true;
            append(sending, self as WebSocket);
          }
        } else {
          // Rare, so an event: it carries the reason.
          const reason = 'discarded by the browser: socket not open';
          ch.emit({
            __proto__: null,
            r: 'ev',
            conn: state.id,
            time,
            type: 'send',
            ...captureBody(p, given.data, cap),
            reason,
          });
        }
      }
      return result;
    }),
  );

  const nativeClose = proto.close;
  replaceProperty(
    p,
    proto,
    'close',
    d.wrapFunction(nativeClose, (target, self, args) => {
      const result = apply(target, self, args);
      const state = stateOf(self);
      if (state) state.closeRequested = true;
      return result;
    }),
  );

  replaceProperty(p, proto, 'constructor', WrappedWS);
  replaceProperty(p, win, 'WebSocket', WrappedWS);
}
