// How many of the page's connections are open now, counted from the records
// the hook emits: a connection record opens one, its end closes it. Only ids
// and numbers are kept (never the page's objects), and an id is forgotten
// when its connection ends, so this holds no more than the page has open.

import type { HookConnection, HookEvent } from '../wire/page-relay';
import type { Bare } from './pristine';

const WEBSOCKET = 1;
const EVENTSOURCE = 2;
const HTTP = 3;

export interface LiveConnections {
  /** Called with every record the hook emits (not messages: a message opens and ends nothing). */
  note(record: HookConnection | HookEvent): void;
  readonly webSockets: number;
  readonly eventSources: number;
  readonly http: number;
}

export function trackLiveConnections(): LiveConnections {
  // Prototype-less: a lookup or a delete never reaches an accessor a page put on Object.prototype.
  const open = { __proto__: null } as Bare<Record<number, number>>;
  const counts: Bare<{ webSockets: number; eventSources: number; http: number }> = {
    __proto__: null,
    webSockets: 0,
    eventSources: 0,
    http: 0,
  };
  const add = (kind: number, by: number): void => {
    if (kind === WEBSOCKET) counts.webSockets += by;
    else if (kind === EVENTSOURCE) counts.eventSources += by;
    else counts.http += by;
  };
  const live: Bare<LiveConnections> = {
    __proto__: null,
    note(record) {
      if (record.r === 'conn') {
        const t = record.transport;
        const kind = t === 'websocket' ? WEBSOCKET : t === 'eventsource' ? EVENTSOURCE : HTTP;
        open[record.id] = kind;
        add(kind, 1);
        return;
      }
      const kind = open[record.conn];
      if (kind === undefined) return;
      // A socket's error is followed by its close, an event source's may be followed by a
      // reconnect; an HTTP exchange ends with exactly one of close or error.
      if (record.type === 'close' || (record.type === 'error' && kind === HTTP)) {
        delete open[record.conn];
        add(kind, -1);
      }
    },
    get webSockets() {
      return counts.webSockets;
    },
    get eventSources() {
      return counts.eventSources;
    },
    get http() {
      return counts.http;
    },
  };
  return live;
}
