// EventSource capture: one connection per EventSource, across the browser's
// automatic reconnects (error, then open again). The constructor is a Proxy
// and close() a disguised wrapper, as for WebSocket. Default messages are
// observed by a listener added at construction. Named events (`event: foo`)
// reach only listeners for that type, so when the page listens for a type on
// a source, the hook adds its own listener for that type first, once per
// source: it sees exactly the events the page can see, and runs before the
// page's listeners.

import { captureBody } from './body';
import { type Disguise, replaceProperty } from './disguise';
import { append, type Bare, getterReader, isBrowserEvent, type Pristine } from './pristine';
import type { HookRelayPort } from './relay-port';

const CLOSED = 2;

interface SourceState {
  id: number;
  closed: boolean;
  /** Event types observed on this source (besides open/message/error). */
  types: string[];
}

export function patchEventSource(p: Pristine, d: Disguise, ch: HookRelayPort, nextId: () => number): void {
  const { win, apply } = p;
  const NativeES = win.EventSource;
  if (typeof NativeES !== 'function') return;
  const proto = NativeES.prototype;
  const states = new p.WeakMapCtor<object, SourceState>();
  const stateOf = (es: unknown) =>
    typeof es === 'object' && es !== null
      ? (apply(p.weakMapGet, states, [es]) as SourceState | undefined)
      : undefined;
  const getUrl = getterReader(p, proto, 'url');
  const getWithCredentials = getterReader(p, proto, 'withCredentials');
  const getReadyState = getterReader(p, proto, 'readyState');
  const getData = getterReader(p, win.MessageEvent.prototype, 'data');
  const getLastEventId = getterReader(p, win.MessageEvent.prototype, 'lastEventId');
  const getType = getterReader(p, win.Event.prototype, 'type');

  const onMessage = (state: SourceState) => (e: Event) => {
    // Events a page script dispatches on its source (or named like a server's) are not traffic.
    if (!isBrowserEvent(e)) return;
    try {
      const time = ch.time();
      const captured = captureBody(p, getData(e), ch.payloadCap());
      ch.emit({
        __proto__: null,
        r: 'ev',
        conn: state.id,
        time,
        type: 'receive',
        ...captured,
        eventName: p.StringCtor(getType(e)),
        lastEventId: p.StringCtor(getLastEventId(e)),
      });
    } catch {
      // never surface a capture problem in the page
    }
  };

  const observe = (es: EventSource): void => {
    const state: Bare<SourceState> = { __proto__: null, id: nextId(), closed: false, types: p.list() };
    apply(p.weakMapSet, states, [es, state]);
    ch.emit({
      __proto__: null,
      r: 'conn',
      id: state.id,
      time: ch.time(),
      transport: 'eventsource',
      url: p.StringCtor(getUrl(es)),
      method: 'GET',
      withCredentials: !!getWithCredentials(es),
    });
    const listen = (type: string, fn: (e: Event) => void) => apply(p.addEventListener, es, [type, fn]);
    listen('open', (e) => {
      if (!isBrowserEvent(e)) return;
      try {
        ch.emit({ __proto__: null, r: 'ev', conn: state.id, time: ch.time(), type: 'open' });
      } catch {
        // best effort
      }
    });
    listen('message', onMessage(state));
    listen('error', (e) => {
      if (!isBrowserEvent(e)) return;
      try {
        if (state.closed) return;
        const time = ch.time();
        const givenUp = getReadyState(es) === CLOSED;
        ch.emit({
          __proto__: null,
          r: 'ev',
          conn: state.id,
          time,
          type: 'error',
          reason: givenUp
            ? 'connection failed; the browser will not reconnect'
            : 'connection lost; reconnecting',
        });
        if (givenUp) {
          state.closed = true;
          ch.emit({ __proto__: null, r: 'ev', conn: state.id, time, type: 'close', closedBy: 'server' });
        }
      } catch {
        // best effort
      }
    });
  };

  const WrappedES = d.wrapConstructor(NativeES, (target, args, newTarget) => {
    const es = p.construct(target, args, newTarget) as EventSource;
    try {
      observe(es);
    } catch {
      // capture is best effort; the page gets its object regardless
    }
    return es;
  });

  replaceProperty(
    p,
    proto,
    'close',
    d.wrapFunction(proto.close, (target, self, args) => {
      const state = stateOf(self);
      const wasOpen = state ? getReadyState(self) !== CLOSED : false;
      const result = apply(target, self, args);
      if (state && wasOpen && !state.closed) {
        try {
          state.closed = true;
          ch.emit({
            __proto__: null,
            r: 'ev',
            conn: state.id,
            time: ch.time(),
            type: 'close',
            closedBy: 'client',
          });
        } catch {
          // best effort
        }
      }
      return result;
    }),
  );

  // Named events: listen for a type as soon as the page does, before its listener is added.
  const targetProto = win.EventTarget.prototype;
  replaceProperty(
    p,
    targetProto,
    'addEventListener',
    d.wrapFunction(targetProto.addEventListener, (target, self, args) => {
      const state = stateOf(self);
      if (state) {
        try {
          const type = args[0];
          if (typeof type === 'string' && type !== 'open' && type !== 'message' && type !== 'error') {
            let seen = false;
            for (let i = 0; i < state.types.length; i++) if (state.types[i] === type) seen = true;
            if (!seen) {
              append(state.types, type);
              apply(p.addEventListener, self, [type, onMessage(state)]);
            }
          }
        } catch {
          // best effort
        }
      }
      return apply(target, self, args);
    }),
  );

  replaceProperty(p, proto, 'constructor', WrappedES);
  replaceProperty(p, win, 'EventSource', WrappedES);
}
