// A polling transport's exchanges decoded as one conversation, the user's
// "decode as…" choice, decoding turned off, and a connection's call latency.

import { describe, expect, it } from 'vitest';
import { DECODERS } from '../../lib/decode';
import { ConnectionDecodings } from '../../lib/decode/connection-decoding';
import {
  decodingChoiceOf,
  decodingEndpoint,
  MAX_DECODING_CHOICES,
  sanitizeDecodingChoices,
  withDecodingChoice,
} from '../../lib/decode/decoding-choice';
import { decodingStreamKey } from '../../lib/decode/decoding-streams';
import type { CaptureRecord } from '../../lib/model';
import { type Connection, type TimelineEvent, TimelineStore } from '../../lib/timeline/store';
import { msg } from './store-fixtures';

let seq = 0;
let time = 0;
const at = (ms: number) => {
  time = ms;
};
const open = (id: number, transport: 'websocket' | 'xhr', url: string, method?: string): CaptureRecord => ({
  r: 'conn',
  seq: ++seq,
  time,
  id,
  transport,
  url,
  ...(method && { method }),
});
const message = (id: number, type: 'send' | 'receive', text: string): CaptureRecord => ({
  r: 'ev',
  seq: ++seq,
  time,
  conn: id,
  type,
  data: { text },
  size: text.length,
  ...(type === 'receive' && { status: 200 }),
});

function storeOf(records: CaptureRecord[]): TimelineStore {
  const store = new TimelineStore();
  store.ingest(msg(records));
  return store;
}

const textOf = (e: TimelineEvent) => (e.record.data && 'text' in e.record.data ? e.record.data.text : '');
const find = (store: TimelineStore, text: string) =>
  store.events.find((e) => textOf(e) === text) as TimelineEvent;
const connection = (store: TimelineStore, i: number) => store.connections[i] as Connection;

describe('decodingStreamKey', () => {
  const c = (transport: Connection['transport'], url: string) => ({ key: 'k', transport, url });
  it('groups the exchanges of one Engine.IO polling session, and of one SockJS session', () => {
    const a = decodingStreamKey(c('xhr', 'http://h/socket.io/?EIO=4&transport=polling&t=a1&sid=S1'));
    const b = decodingStreamKey(c('fetch', 'http://h/socket.io/?EIO=4&transport=polling&sid=S1&t=b2'));
    expect(a).toBe(b);
    expect(decodingStreamKey(c('xhr', 'http://h/socket.io/?EIO=4&transport=polling&sid=S2'))).not.toBe(a);
    // The handshake has no sid yet: it stands alone.
    expect(decodingStreamKey(c('xhr', 'http://h/socket.io/?EIO=4&transport=polling&t=x'))).toBe('k');
    const send = decodingStreamKey(c('xhr', 'http://h/echo/123/abcd/xhr_send'));
    expect(send).toBe(decodingStreamKey(c('xhr', 'http://h/echo/123/abcd/xhr_streaming')));
    expect(send).not.toBe(decodingStreamKey(c('xhr', 'http://h/echo/123/efgh/xhr')));
  });

  it('leaves sockets, event streams, ordinary requests and bad URLs on their own', () => {
    expect(decodingStreamKey(c('websocket', 'ws://h/socket.io/?EIO=4&transport=websocket&sid=S1'))).toBe('k');
    expect(decodingStreamKey(c('eventsource', 'http://h/echo/1/a/eventsource'))).toBe('k');
    expect(decodingStreamKey(c('fetch', 'http://h/api/items?sid=3'))).toBe('k');
    expect(decodingStreamKey(c('xhr', 'not a url'))).toBe('k');
  });

  it('remembers choices by origin and path, not query', () => {
    expect(decodingEndpoint('ws://h:1/live?token=abc')).toBe('ws://h:1/live');
    expect(decodingEndpoint('/relative?x=1')).toBe('/relative');
  });
});

describe('ConnectionDecodings over a polling session', () => {
  it('pairs an emit sent in one POST with its ack received in a later GET', () => {
    seq = 0;
    const base = 'http://app.test/socket.io/?EIO=4&transport=polling';
    at(0);
    const records = [
      open(1, 'xhr', `${base}&t=1`, 'GET'),
      message(1, 'receive', '0{"sid":"S1","upgrades":[],"pingInterval":25000,"pingTimeout":20000}'),
      open(2, 'xhr', `${base}&t=2&sid=S1`, 'POST'),
      message(2, 'send', '40'),
      message(2, 'receive', 'ok'),
      open(3, 'xhr', `${base}&t=3&sid=S1`, 'GET'),
      message(3, 'receive', '40{"sid":"N1"}'),
      open(4, 'xhr', `${base}&t=4&sid=S1`, 'POST'),
      message(4, 'send', '42["join","lobby"]\x1e421["chat",{"id":7}]'),
      message(4, 'receive', 'ok'),
      open(5, 'xhr', `${base}&t=5&sid=S1`, 'GET'),
    ];
    at(140);
    records.push(message(5, 'receive', '431[{"ok":true}]'));
    const store = storeOf(records);
    const d = new ConnectionDecodings(DECODERS);
    d.sync(store.events);
    const emitPost = connection(store, 3);
    const ackGet = connection(store, 4);
    expect(d.protocolOf(emitPost)?.id).toBe('socket.io');
    expect(d.protocolOf(ackGet)?.id).toBe('socket.io');
    const emit = find(store, '42["join","lobby"]\x1e421["chat",{"id":7}]');
    const ack = find(store, '431[{"ok":true}]');
    expect(d.decodedOf(emit).map((m) => m.kind)).toEqual(['EVENT', 'EVENT']);
    const pair = d.pairOf(ack);
    expect(pair?.request).toBe(emit);
    expect(pair?.response).toBe(ack);
    // The call is the POST's: its latency is 140 ms; the GET made no calls.
    expect(d.latencyOf(emitPost)).toEqual({ answered: 1, unanswered: 0, medianMs: 140, p95Ms: 140 });
    expect(d.latencyOf(ackGet)).toBeNull();
  });
});

describe('ConnectionDecodings: choice, off, latency', () => {
  function stompStore(): TimelineStore {
    seq = 0;
    at(0);
    const records = [
      open(1, 'websocket', 'ws://app.test/broker'),
      message(1, 'send', 'CONNECT\naccept-version:1.2\nhost:h\n\n\0'),
      message(1, 'receive', 'CONNECTED\nversion:1.2\n\n\0'),
    ];
    // Five receipts answered after 10, 20, 30, 40 and 100 ms; a sixth never.
    const delays = [10, 20, 30, 40, 100];
    delays.forEach((delay, i) => {
      at(1000 * (i + 1));
      records.push(message(1, 'send', `SEND\ndestination:/q\nreceipt:r${i}\n\nhi\0`));
      at(1000 * (i + 1) + delay);
      records.push(message(1, 'receive', `RECEIPT\nreceipt-id:r${i}\n\n\0`));
    });
    at(9000);
    records.push(message(1, 'send', 'SEND\ndestination:/q\nreceipt:lost\n\nhi\0'));
    return storeOf(records);
  }

  it("measures a connection's calls, leaving the handshake out", () => {
    const store = stompStore();
    const d = new ConnectionDecodings(DECODERS);
    d.sync(store.events);
    const c = connection(store, 0);
    expect(d.protocolOf(c)?.id).toBe('stomp');
    expect(d.latencyOf(c)).toEqual({ answered: 5, unanswered: 1, medianMs: 30, p95Ms: 100 });
    // The handshake is paired all the same (the detail shows it).
    const connect = store.events.find((e) => textOf(e).startsWith('CONNECT\n')) as TimelineEvent;
    expect(d.pairOf(connect)?.control).toBe(true);
  });

  it('decodes as the user chose: raw, or a protocol detection would not pick', () => {
    const store = stompStore();
    const c = connection(store, 0);
    const raw = new ConnectionDecodings(DECODERS, () => 'raw');
    raw.sync(store.events);
    expect(raw.protocolOf(c)).toBeNull();
    expect(raw.detectedOf(c)?.id).toBe('stomp');
    expect(raw.decodedOf(store.events[1] as TimelineEvent)).toEqual([]);
    expect(raw.latencyOf(c)).toBeNull();
    const asJsonRpc = new ConnectionDecodings(DECODERS, () => 'json-rpc');
    asJsonRpc.sync(store.events);
    expect(asJsonRpc.protocolOf(c)?.id).toBe('json-rpc');
    // A wrong choice never throws: STOMP text is not JSON, so each message says so.
    const [first] = asJsonRpc.decodedOf(store.events[1] as TimelineEvent);
    expect(first?.note ?? first?.kind).toBeTruthy();
  });

  it('decodes nothing with no decoders (decoding turned off)', () => {
    const store = stompStore();
    const off = new ConnectionDecodings([]);
    off.sync(store.events);
    expect(off.protocolOf(connection(store, 0))).toBeNull();
    expect(off.pairOf(store.events[1] as TimelineEvent)).toBeNull();
  });
});

describe('decoding choices', () => {
  it('are set, replaced and forgotten per endpoint, the newest kept when over the cap', () => {
    let choices = withDecodingChoice({}, 'ws://h/a?x=1', 'stomp');
    choices = withDecodingChoice(choices, 'ws://h/a?x=2', 'mqtt');
    expect(choices).toEqual({ 'ws://h/a': 'mqtt' });
    expect(decodingChoiceOf(choices, 'ws://h/a?token=9')).toBe('mqtt');
    expect(decodingChoiceOf(choices, 'ws://h/b')).toBeNull();
    expect(withDecodingChoice(choices, 'ws://h/a', null)).toEqual({});
    for (let i = 0; i < MAX_DECODING_CHOICES + 5; i++)
      choices = withDecodingChoice(choices, `ws://h/${i}`, 'raw');
    expect(Object.keys(choices).length).toBe(MAX_DECODING_CHOICES);
    expect(decodingChoiceOf(choices, `ws://h/${MAX_DECODING_CHOICES + 4}`)).toBe('raw');
    expect(decodingChoiceOf(choices, 'ws://h/0')).toBeNull();
  });

  it('read from storage keep only known protocols, and never an inherited key', () => {
    expect(
      sanitizeDecodingChoices({ 'ws://h/a': 'stomp', 'ws://h/b': 'telnet', 'ws://h/c': 7, '': 'raw' }),
    ).toEqual({ 'ws://h/a': 'stomp' });
    for (const bad of [null, 'x', [], 5]) expect(sanitizeDecodingChoices(bad)).toEqual({});
    expect(decodingChoiceOf({}, 'constructor')).toBeNull();
    expect(decodingChoiceOf(sanitizeDecodingChoices(JSON.parse('{"__proto__":"raw"}')), 'x')).toBeNull();
  });
});

describe('ConnectionDecodings over an EventSource', () => {
  it("hands each message's event name to detection and decoding (GraphQL over SSE)", () => {
    seq = 0;
    at(0);
    const named = (id: number, eventName: string, text: string): CaptureRecord => ({
      ...(message(id, 'receive', text) as Extract<CaptureRecord, { r: 'ev' }>),
      eventName,
    });
    const store = storeOf([
      {
        r: 'conn',
        seq: ++seq,
        time: 0,
        id: 1,
        transport: 'eventsource',
        url: 'http://app.test/graphql/stream',
      },
      named(1, 'next', '{"data":{"ticks":1}}'),
      named(1, 'next', '{"data":{"ticks":2}}'),
      named(1, 'complete', ''),
    ]);
    const d = new ConnectionDecodings(DECODERS);
    d.sync(store.events);
    expect(d.protocolOf(connection(store, 0))?.id).toBe('graphql-sse');
    expect(
      store.events.filter((e) => e.record.type === 'receive').map((e) => d.decodedOf(e)[0]?.kind),
    ).toEqual(['next', 'next', 'complete']);
  });
});
