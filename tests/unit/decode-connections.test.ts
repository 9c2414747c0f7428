import { describe, expect, it } from 'vitest';
import { DECODERS } from '../../lib/decode';
import { ConnectionDecodings, DETECT_FRAMES } from '../../lib/decode/connection-decoding';
import type { Decoder } from '../../lib/decode/types';
import type { CaptureRecord } from '../../lib/model';
import { type Connection, type TimelineEvent, TimelineStore } from '../../lib/timeline/store';
import { msg } from './store-fixtures';

let seq = 0;
const ws = (id: number, url: string): CaptureRecord => ({
  r: 'conn',
  seq: ++seq,
  time: seq,
  id,
  transport: 'websocket',
  url,
});
const text = (id: number, type: 'send' | 'receive', t: string): CaptureRecord => ({
  r: 'ev',
  seq: ++seq,
  time: seq,
  conn: id,
  type,
  data: { text: t },
  size: t.length,
});

function storeOf(records: CaptureRecord[]): TimelineStore {
  const store = new TimelineStore();
  store.ingest(msg(records));
  return store;
}

describe('ConnectionDecodings', () => {
  it('detects a Socket.IO connection and decodes its messages in order, acks paired', () => {
    seq = 0;
    const store = storeOf([
      ws(1, 'ws://app.test/socket.io/?EIO=4&transport=websocket'),
      text(
        1,
        'receive',
        '0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
      ),
      text(1, 'send', '40'),
      text(1, 'receive', '40{"sid":"n1"}'),
      text(1, 'send', '421["chat",{"id":7}]'),
      text(1, 'receive', '431[{"ok":true}]'),
      ws(2, 'ws://app.test/live'),
      text(2, 'receive', '{"tick":1}'),
    ]);
    const d = new ConnectionDecodings(DECODERS);
    d.sync(store.events);
    const [sio, live] = store.connections;
    expect(d.protocolOf(sio as Connection)?.id).toBe('socket.io');
    // Plain JSON is claimed by no decoder.
    expect(d.protocolOf(live as Connection)).toBeNull();
    const emit = store.events.find(
      (e) => e.record.data && 'text' in e.record.data && e.record.data.text.startsWith('421'),
    );
    const ack = store.events.find(
      (e) => e.record.data && 'text' in e.record.data && e.record.data.text.startsWith('431'),
    );
    const [em] = d.decodedOf(emit as TimelineEvent);
    const [ak] = d.decodedOf(ack as TimelineEvent);
    expect(em?.fields?.event).toBe('chat');
    expect(em?.pair?.role).toBe('request');
    expect(ak?.pair).toEqual({ key: em?.pair?.key, role: 'response' });
    // Kept: asking again gives the same array, decoded once.
    expect(d.decodedOf(emit as TimelineEvent)).toBe(d.decodedOf(emit as TimelineEvent));
    const tick = store.events.at(-1);
    expect(d.decodedOf(tick as TimelineEvent)).toEqual([]);
  });

  it('decides a connection speaks nothing known only after DETECT_FRAMES messages, and starts over on a cleared store', () => {
    seq = 0;
    const calls: number[] = [];
    const picky: Decoder = {
      id: 'json-rpc',
      label: 'picky',
      detect: (s) => {
        calls.push(s.frames.length);
        return s.frames.some((f) => 'text' in f.frame && f.frame.text === 'mine') ? 1 : 0;
      },
      session: () => ({
        decode: (f) => [{ protocol: 'json-rpc', kind: 'x', summary: 'text' in f ? f.text : '' }],
      }),
    };
    const records: CaptureRecord[] = [ws(1, 'ws://x/')];
    for (let i = 0; i < DETECT_FRAMES - 1; i++) records.push(text(1, 'receive', `n${i}`));
    const store = storeOf(records);
    const d = new ConnectionDecodings([picky]);
    d.sync(store.events);
    const c = store.connections[0] as Connection;
    expect(d.protocolOf(c)).toBeNull();
    store.ingest(msg([text(1, 'receive', 'mine')]));
    d.sync(store.events);
    expect(d.protocolOf(c)?.label).toBe('picky');
    expect(calls).toEqual([DETECT_FRAMES - 1, DETECT_FRAMES]);
    expect(d.decodedOf(store.events.at(-1) as TimelineEvent)).toEqual([
      { protocol: 'json-rpc', kind: 'x', summary: 'mine' },
    ]);
    store.clear();
    d.sync(store.events);
    expect(d.protocolOf(c)).toBeNull();
  });

  it('never throws on a decoder that does, and decodes binary payloads from base64', () => {
    seq = 0;
    const boom: Decoder = {
      id: 'mqtt',
      label: 'MQTT',
      detect: () => 1,
      session: () => ({
        decode: () => {
          throw new Error('bad packet');
        },
      }),
    };
    const store = storeOf([
      ws(1, 'ws://x/mqtt'),
      { r: 'ev', seq: ++seq, time: seq, conn: 1, type: 'receive', data: { base64: 'IAIAAA==' }, size: 4 },
    ]);
    const d = new ConnectionDecodings([boom]);
    d.sync(store.events);
    expect(d.decodedOf(store.events[0] as TimelineEvent)).toEqual([
      { protocol: 'mqtt', kind: 'raw', summary: '', note: 'Not decoded as MQTT: bad packet' },
    ]);
  });

  it('pairs requests with their answers across the connection, ids reused once a pair closed', () => {
    seq = 0;
    const store = storeOf([
      ws(1, 'ws://app.test/socket.io/?EIO=4&transport=websocket'),
      text(
        1,
        'receive',
        '0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
      ),
      text(1, 'send', '40'),
      text(1, 'receive', '40{"sid":"n1"}'),
      text(1, 'send', '421["a"]'),
      text(1, 'send', '422["b"]'),
      text(1, 'receive', '431[1]'),
      text(1, 'send', '421["c"]'),
      text(1, 'receive', '431[2]'),
    ]);
    const d = new ConnectionDecodings(DECODERS);
    d.sync(store.events);
    const byText = (t: string) =>
      store.events.find(
        (e) => e.record.data && 'text' in e.record.data && e.record.data.text === t,
      ) as TimelineEvent;
    // Asking about the first emit decodes on to find its answer.
    const first = d.pairOf(byText('421["a"]'));
    expect(first?.request).toBe(byText('421["a"]'));
    expect(first?.response).toBe(byText('431[1]'));
    // The same id 1 used again is a new pair, answered by the later ack.
    expect(d.pairOf(byText('421["c"]'))?.response).toBe(byText('431[2]'));
    expect(d.pairOf(byText('431[2]'))?.request).toBe(byText('421["c"]'));
    // Unanswered so far.
    const second = d.pairOf(byText('422["b"]'));
    expect(second?.request).toBe(byText('422["b"]'));
    expect(second?.response).toBeNull();
    // A message with no pair, and plain JSON, have none.
    expect(d.pairOf(byText('40'))).toBeNull();
  });
});
