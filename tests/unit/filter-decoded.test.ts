// The filter keys that read decoded application protocols: proto:, event:,
// topic: (MQTT wildcards), op:, latency> and unanswered.

import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { DECODERS } from '../../lib/decode';
import { ConnectionDecodings } from '../../lib/decode/connection-decoding';
import { compileClauses, dependsOnLaterEvents, parseDuration, parseFilter } from '../../lib/filter';
import type { TimelineStore } from '../../lib/timeline/store';
import { type Spec, storeWith } from './filter-fixtures';

const b64 = (packet: object) => mqttPacket.generate(packet as mqttPacket.Packet).toString('base64');

function sample(): TimelineStore {
  const events: Spec[] = [
    // 1: Socket.IO, an emit answered after 150 ms, one never answered, one without an ack.
    {
      conn: 1,
      type: 'receive',
      text: '0{"sid":"s","upgrades":[],"pingInterval":1,"pingTimeout":1}',
      time: 0,
    },
    { conn: 1, type: 'send', text: '40', time: 1 },
    { conn: 1, type: 'send', text: '421["chat",{"t":"hi"}]', time: 100 },
    { conn: 1, type: 'receive', text: '431["ok"]', time: 250 },
    { conn: 1, type: 'send', text: '422["typing"]', time: 300 },
    { conn: 1, type: 'receive', text: '42["news",1]', time: 310 },
    // 2: MQTT, a QoS 1 publish answered in 20 ms, and one the broker sent.
    {
      conn: 2,
      type: 'send',
      base64: b64({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: 'c',
        keepalive: 60,
        clean: true,
      }),
      time: 400,
    },
    {
      conn: 2,
      type: 'receive',
      base64: b64({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
      time: 401,
    },
    {
      conn: 2,
      type: 'send',
      base64: b64({ cmd: 'publish', topic: 'sensors/kitchen/temp', payload: '21', qos: 1, messageId: 5 }),
      time: 500,
    },
    { conn: 2, type: 'receive', base64: b64({ cmd: 'puback', messageId: 5 }), time: 520 },
    {
      conn: 2,
      type: 'receive',
      base64: b64({ cmd: 'publish', topic: 'alerts', payload: 'x', qos: 0 }),
      time: 530,
    },
    // 3: JSON-RPC, a call answered after 5 ms.
    { conn: 3, type: 'send', text: '{"jsonrpc":"2.0","id":1,"method":"getUser","params":[7]}', time: 600 },
    { conn: 3, type: 'receive', text: '{"jsonrpc":"2.0","id":1,"result":{"name":"Ann"}}', time: 605 },
    // 4: an EventSource message named "chat", and plain JSON nothing decodes.
    { conn: 4, type: 'receive', text: 'hello', eventName: 'chat', time: 700 },
    { conn: 5, type: 'receive', text: '{"tick":1}', time: 800 },
    // 6: STOMP, a SEND to a queue.
    { conn: 6, type: 'send', text: 'CONNECT\naccept-version:1.2\nhost:h\n\n\0', time: 900 },
    { conn: 6, type: 'send', text: 'SEND\ndestination:/queue/orders\n\n{}\0', time: 901 },
  ];
  return storeWith(
    [
      { transport: 'websocket', url: 'ws://app.test/socket.io/?EIO=4&transport=websocket' },
      { transport: 'websocket', url: 'ws://app.test/mqtt' },
      { transport: 'websocket', url: 'ws://app.test/rpc' },
      { transport: 'eventsource', url: 'http://app.test/feed' },
      { transport: 'websocket', url: 'ws://app.test/plain' },
      { transport: 'websocket', url: 'ws://app.test/stomp' },
    ],
    events,
  );
}

function run(query: string, withDecoding = true): { hits: string[]; errors: string[] } {
  const store = sample();
  const decodings = new ConnectionDecodings(DECODERS);
  decodings.sync(store.events);
  const parsed = parseFilter(query);
  const pred = compileClauses(parsed.clauses, (c) => store.numberOf(c), withDecoding ? decodings : null);
  const events = pred ? store.events.filter(pred) : store.events;
  return {
    hits: events.map((e) => `${e.connection.localId}@${e.time}`),
    errors: parsed.errors.map((x) => x.message),
  };
}

describe('filters over decoded protocols', () => {
  it('proto: matches the protocol id or label, any of several, or none', () => {
    expect(new Set(run('proto:socket.io').hits.map((h) => h.split('@')[0]))).toEqual(new Set(['1']));
    expect(new Set(run('proto:mqtt,json-rpc').hits.map((h) => h.split('@')[0]))).toEqual(new Set(['2', '3']));
    expect(new Set(run('proto:none').hits.map((h) => h.split('@')[0]))).toEqual(new Set(['4', '5']));
    expect(new Set(run('-proto:none type:send').hits.map((h) => h.split('@')[0]))).toEqual(
      new Set(['1', '2', '3', '6']),
    );
  });

  it('event: finds a decoded event and an EventSource message by name', () => {
    expect(run('event:chat').hits).toEqual(['1@100', '4@700']);
    expect(run('event:/^typ/').hits).toEqual(['1@300']);
  });

  it('topic: reads MQTT topics with + and # as MQTT does, and STOMP destinations as text', () => {
    expect(run('topic:sensors/#').hits).toEqual(['2@500']);
    expect(run('topic:sensors/+/temp').hits).toEqual(['2@500']);
    expect(run('topic:sensors/+').hits).toEqual([]);
    // # is every topic, a STOMP destination's too.
    expect(run('topic:#').hits).toEqual(['2@500', '2@530', '6@901']);
    expect(run('topic:/queue/').hits).toEqual(['6@901']);
    expect(run('topic:a/#/b').errors[0]).toMatch(/# may only be the last level/);
  });

  it('op: names a JSON-RPC method or GraphQL operation, on the call and on its answer', () => {
    expect(run('op:getuser').hits).toEqual(['3@600', '3@605']);
  });

  it('latency compares the time to the first answer, on the request and the answer', () => {
    expect(run('latency>100ms').hits).toEqual(['1@100', '1@250']);
    // The MQTT CONNECT ↔ CONNACK handshake is a pair too (kept out of the connection's call latency, not out of the filter).
    expect(run('latency<=20').hits).toEqual(['2@400', '2@401', '2@500', '2@520', '3@600', '3@605']);
    expect(run('latency>=0.15s proto:socket.io').hits).toEqual(['1@100', '1@250']);
    expect(run('latency:fast').errors[0]).toMatch(/latency expects a time/);
  });

  it('unanswered keeps requests with no answer; "unanswered" in quotes is text', () => {
    // The STOMP CONNECT the broker never answered counts too.
    expect(run('unanswered').hits).toEqual(['1@300', '6@900']);
    expect(run('is:unanswered').hits).toEqual(['1@300', '6@900']);
    expect(run('-unanswered proto:socket.io type:send').hits).toEqual(['1@1', '1@100']);
    expect(run('"unanswered"').hits).toEqual([]);
  });

  it('without decoding, protocol clauses match nothing (and proto:none everything)', () => {
    expect(run('event:typing', false).hits).toEqual([]);
    expect(run('latency>0', false).hits).toEqual([]);
    expect(run('unanswered', false).hits).toEqual([]);
    expect(run('proto:none', false).hits.length).toBe(sample().events.length);
  });

  it('says which clauses change as answers arrive, and parses durations', () => {
    expect(dependsOnLaterEvents(parseFilter('unanswered').clauses)).toBe(true);
    expect(dependsOnLaterEvents(parseFilter('latency>1s').clauses)).toBe(true);
    expect(dependsOnLaterEvents(parseFilter('proto:stomp event:x').clauses)).toBe(false);
    expect(parseDuration('200ms')).toBe(200);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('80')).toBe(80);
    expect(parseDuration('2m')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });
});
