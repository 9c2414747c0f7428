import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { generate, type Packet, parser } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebSocketStream } from 'ws';
import { cborDecoder, msgpackDecoder } from '../../lib/decode/binary-formats';
import { graphqlWsDecoder } from '../../lib/decode/graphql-ws';
import { jsonRpcDecoder } from '../../lib/decode/json-rpc';
import { mqttDecoder } from '../../lib/decode/mqtt';
import { detectProtocol } from '../../lib/decode/registry';
import type { DecodedMessage, Direction } from '../../lib/decode/types';
import { type RecordedFrame, startFrameRecorder } from './ws-frame-recorder';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

type Decoded = DecodedMessage & { direction: Direction };

function decodeAll(frames: readonly RecordedFrame[]): Decoded[] {
  const session = mqttDecoder.session();
  return frames.flatMap(({ direction, frame }) =>
    session.decode(frame, direction).map((message) => ({ ...message, direction })),
  );
}

/** Every request's key is closed by a response or end going the other way. */
function expectAllPaired(messages: readonly Decoded[]): void {
  const open = new Map<string, Direction>();
  for (const m of messages) {
    if (!m.pair) continue;
    if (m.pair.role === 'request') open.set(m.pair.key, m.direction);
    else if (m.pair.role === 'response' || m.pair.role === 'end') {
      expect(open.get(m.pair.key), `${m.summary} answers an open request`).toBe(
        m.direction === 'send' ? 'receive' : 'send',
      );
      open.delete(m.pair.key);
    }
  }
  expect([...open.keys()]).toEqual([]);
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

async function end(client: MqttClient, count: () => number): Promise<void> {
  const before = count();
  await client.endAsync();
  await waitFor(() => count() > before);
}

/** A v3.1.1 session with the real mqtt client against an aedes broker over WebSocket. */
async function recordAedesSession(): Promise<RecordedFrame[]> {
  const broker = await Aedes.createBroker();
  const recorder = await startFrameRecorder((socket) => {
    broker.handle(createWebSocketStream(socket) as unknown as Parameters<typeof broker.handle>[0]);
  });
  cleanups.push(async () => {
    await recorder.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  });
  const client = await connectAsync(recorder.url, {
    clientId: 'wirescope-test',
    protocolVersion: 4,
    keepalive: 30,
    reconnectPeriod: 0,
    username: 'ada',
    password: 'secret',
  });
  const received: string[] = [];
  client.on('message', (topic) => received.push(topic));
  await client.subscribeAsync({ 'sensors/#': { qos: 2 }, 'alerts/+': { qos: 0 } });
  await client.publishAsync('sensors/1', '{"t":21}', { qos: 0 });
  await waitFor(() => received.length === 1);
  await client.publishAsync('sensors/2', '{"t":22}', { qos: 1 });
  await waitFor(() => received.length === 2);
  await client.publishAsync('sensors/3', Buffer.from([0, 1, 2, 255]), { qos: 2, retain: true });
  await waitFor(() => received.length === 3);
  await client.unsubscribeAsync('alerts/+');
  const pings = () => recorder.frames.filter((f) => 'bytes' in f.frame && f.frame.bytes[0] === 0xd0).length;
  client.sendPing();
  await waitFor(() => pings() === 1);
  await end(client, () => recorder.frames.length);
  return recorder.frames;
}

/** A v5 session with the real mqtt client against a server built on mqtt-packet (aedes does not speak v5). */
async function recordV5Session(): Promise<RecordedFrame[]> {
  const recorder = await startFrameRecorder((socket) => {
    const opts = { protocolVersion: 5 };
    const reply = (packet: Packet) => socket.send(generate(packet, opts));
    const packets = parser(opts);
    packets.on('packet', (packet: Packet) => {
      if (packet.cmd === 'connect') {
        reply({
          cmd: 'connack',
          sessionPresent: false,
          reasonCode: 0,
          properties: { topicAliasMaximum: 10, receiveMaximum: 20, assignedClientIdentifier: 'srv-1' },
        });
      } else if (packet.cmd === 'subscribe') {
        reply({ cmd: 'suback', messageId: packet.messageId ?? 0, granted: [1], properties: {} });
        reply({
          cmd: 'publish',
          topic: 'sensors/9',
          payload: Buffer.from('server hello'),
          qos: 1,
          messageId: 41,
          retain: false,
          dup: false,
          properties: { contentType: 'text/plain', userProperties: { origin: 'test' } },
        });
      } else if (packet.cmd === 'publish' && packet.qos === 1) {
        reply({ cmd: 'puback', messageId: packet.messageId, reasonCode: 0x10 });
      } else if (packet.cmd === 'publish' && packet.qos === 2) {
        reply({ cmd: 'pubrec', messageId: packet.messageId, reasonCode: 0 });
      } else if (packet.cmd === 'pubrel') {
        reply({ cmd: 'pubcomp', messageId: packet.messageId, reasonCode: 0 });
      } else if (packet.cmd === 'unsubscribe') {
        reply({ cmd: 'unsuback', messageId: packet.messageId, granted: [0x11] } as Packet);
      } else if (packet.cmd === 'pingreq') {
        reply({ cmd: 'pingresp' });
      }
    });
    socket.on('message', (data) => packets.parse(data as Buffer));
  });
  cleanups.push(() => recorder.close());
  const client = await connectAsync(recorder.url, {
    clientId: 'wirescope-v5',
    protocolVersion: 5,
    keepalive: 45,
    reconnectPeriod: 0,
    autoUseTopicAlias: true,
    properties: { sessionExpiryInterval: 300, receiveMaximum: 10, userProperties: { app: 'wirescope' } },
  });
  const received: string[] = [];
  client.on('message', (topic) => received.push(topic));
  await client.subscribeAsync('sensors/#', { qos: 1 });
  await waitFor(() => received.length === 1);
  const properties = {
    contentType: 'application/json',
    messageExpiryInterval: 60,
    userProperties: { a: 'b' },
  };
  await client.publishAsync('sensors/5', '{"v":1}', { qos: 1, properties });
  await client.publishAsync('sensors/5', '{"v":2}', { qos: 2 });
  await client.unsubscribeAsync('sensors/#');
  await end(client, () => recorder.frames.length);
  return recorder.frames;
}

describe('MQTT decoder on a real mqtt client and aedes broker (3.1.1)', () => {
  it('decodes every control packet, with topics, QoS, packet ids and pairs', async () => {
    const frames = await recordAedesSession();
    const messages = decodeAll(frames).filter((m) => m.kind !== 'partial');
    expect(messages.filter((m) => m.note)).toEqual([]);
    const sent = messages.filter((m) => m.direction === 'send');
    expect(sent[0]?.kind).toBe('CONNECT');
    expect(sent[0]?.summary).toBe('CONNECT "wirescope-test" v3.1.1 keepalive 30 clean-session user "ada"');
    expect(JSON.stringify(sent[0]?.value)).not.toContain('secret');
    expect(messages.find((m) => m.kind === 'CONNACK')?.summary).toBe('CONNACK accepted');
    expect(messages.find((m) => m.kind === 'SUBSCRIBE')?.summary).toMatch(
      /^SUBSCRIBE #\d+ sensors\/# qos2, alerts\/\+ qos0$/,
    );
    expect(messages.find((m) => m.kind === 'SUBACK')?.summary).toMatch(/^SUBACK #\d+ qos2, qos0$/);
    const publishes = sent.filter((m) => m.kind === 'PUBLISH');
    expect(publishes.map((m) => m.summary.replace(/#\d+/, '#n'))).toEqual([
      'PUBLISH sensors/1 qos0 {"t":21}',
      'PUBLISH sensors/2 qos1 #n {"t":22}',
      'PUBLISH sensors/3 qos2 #n retain 0x000102ff',
    ]);
    expect(publishes.map((m) => m.fields?.topic)).toEqual(['sensors/1', 'sensors/2', 'sensors/3']);
    expect(publishes[0]?.pair).toBeUndefined();
    // The broker delivers them back to the subscriber.
    const delivered = messages.filter((m) => m.direction === 'receive' && m.kind === 'PUBLISH');
    expect(delivered.map((m) => m.fields?.topic)).toEqual(['sensors/1', 'sensors/2', 'sensors/3']);
    for (const kind of [
      'PINGREQ',
      'PINGRESP',
      'PUBACK',
      'PUBREC',
      'PUBREL',
      'PUBCOMP',
      'UNSUBSCRIBE',
      'UNSUBACK',
      'DISCONNECT',
    ]) {
      expect(
        messages.some((m) => m.kind === kind),
        kind,
      ).toBe(true);
    }
    const qos2 = publishes[2]?.pair?.key;
    expect(qos2).toMatch(/^mqtt:\d+$/);
    expect(messages.filter((m) => m.pair?.key === qos2).map((m) => `${m.kind}:${m.pair?.role}`)).toEqual([
      'PUBLISH:request',
      'PUBREC:stream',
      'PUBREL:stream',
      'PUBCOMP:end',
    ]);
    expectAllPaired(messages);
  });

  it('decodes the same packets whether frames arrive whole, split anywhere, or run together', async () => {
    const frames = await recordAedesSession();
    const whole = decodeAll(frames).filter((m) => m.kind !== 'partial');
    // Regroup each direction's bytes into chunks of varying size, cutting packets apart and joining them.
    const regrouped: RecordedFrame[] = [];
    for (const direction of ['send', 'receive'] as const) {
      const bytes = Buffer.concat(
        frames.flatMap((f) => (f.direction === direction && 'bytes' in f.frame ? [f.frame.bytes] : [])),
      );
      for (let at = 0, size = 1; at < bytes.length; at += size, size = (size * 7) % 23 || 3) {
        regrouped.push({ direction, frame: { bytes: new Uint8Array(bytes.subarray(at, at + size)) } });
      }
    }
    const split = decodeAll(regrouped);
    expect(split.some((m) => m.kind === 'partial' && m.note?.startsWith('Continues in the next frame'))).toBe(
      true,
    );
    const kinds = (list: Decoded[], direction: Direction) =>
      list.filter((m) => m.direction === direction && m.kind !== 'partial').map((m) => m.summary);
    for (const direction of ['send', 'receive'] as const) {
      expect(kinds(split, direction)).toEqual(kinds(whole, direction));
    }
  });

  it('is detected from its subprotocol or its first frame, and not from other binary', async () => {
    const frames = await recordAedesSession();
    const base = { transport: 'websocket' as const, url: 'ws://x/mqtt' };
    expect(mqttDecoder.detect({ ...base, subprotocol: 'mqtt', frames: [] })).toBeGreaterThan(0.9);
    expect(mqttDecoder.detect({ ...base, subprotocol: null, frames: frames.slice(0, 6) })).toBeGreaterThan(
      0.9,
    );
    const all = [jsonRpcDecoder, msgpackDecoder, cborDecoder, graphqlWsDecoder, mqttDecoder];
    expect(detectProtocol({ ...base, subprotocol: null, frames: frames.slice(0, 6) }, all)?.decoder.id).toBe(
      'mqtt',
    );
    const other = [{ direction: 'send' as const, frame: { bytes: new Uint8Array([0x10, 3, 0, 1, 0x41]) } }];
    expect(mqttDecoder.detect({ ...base, subprotocol: null, frames: other })).toBe(0);
    expect(
      mqttDecoder.detect({
        ...base,
        subprotocol: null,
        frames: [{ direction: 'send', frame: { text: 'x' } }],
      }),
    ).toBe(0);
  });
});

describe('MQTT 5 decoder on a real mqtt client', () => {
  it('decodes properties, reason codes and topic aliases', async () => {
    const messages = decodeAll(await recordV5Session()).filter((m) => m.kind !== 'partial');
    expect(messages.filter((m) => m.note)).toEqual([]);
    const connect = messages.find((m) => m.kind === 'CONNECT');
    expect(connect?.summary).toMatch(/^CONNECT "wirescope-v5" v5 keepalive 45 clean-start props \{/);
    expect(connect?.value).toMatchObject({
      protocolLevel: 5,
      properties: { sessionExpiryInterval: 300, receiveMaximum: 10, userProperties: [['app', 'wirescope']] },
    });
    expect(messages.find((m) => m.kind === 'CONNACK')?.value).toMatchObject({
      result: 'success',
      properties: { topicAliasMaximum: 10, receiveMaximum: 20, assignedClientIdentifier: 'srv-1' },
    });
    expect(messages.find((m) => m.kind === 'SUBACK')?.summary).toMatch(/^SUBACK #\d+ qos1$/);
    const incoming = messages.find((m) => m.kind === 'PUBLISH' && m.direction === 'receive');
    expect(incoming?.summary).toBe('PUBLISH sensors/9 qos1 #41 server hello');
    expect(incoming?.pair).toEqual({ key: 'mqtt:server:41', role: 'request' });
    expect(incoming?.value).toMatchObject({
      properties: { contentType: 'text/plain', userProperties: [['origin', 'test']] },
    });
    const puback = messages.find((m) => m.kind === 'PUBACK' && m.direction === 'send');
    expect(puback?.pair).toEqual({ key: 'mqtt:server:41', role: 'response' });
    const published = messages.filter((m) => m.kind === 'PUBLISH' && m.direction === 'send');
    expect(published.map((m) => m.fields?.topic)).toEqual(['sensors/5', 'sensors/5']);
    expect(published[0]?.value).toMatchObject({
      properties: {
        contentType: 'application/json',
        messageExpiryInterval: 60,
        userProperties: [['a', 'b']],
      },
    });
    expect(messages.find((m) => m.kind === 'PUBACK' && m.direction === 'receive')?.summary).toMatch(
      /^PUBACK #\d+ no matching subscribers$/,
    );
    expect(messages.find((m) => m.kind === 'UNSUBACK')?.summary).toMatch(
      /^UNSUBACK #\d+ no subscription existed$/,
    );
    expect(messages.find((m) => m.kind === 'DISCONNECT' && m.direction === 'send')?.summary).toBe(
      'DISCONNECT normal',
    );
    expectAllPaired(messages);
  });

  it('resolves a topic alias the sender set earlier', () => {
    const session = mqttDecoder.session();
    const connect = generate(
      { cmd: 'connect', protocolVersion: 5, clientId: 'a', clean: true, keepalive: 0 } as Packet,
      {
        protocolVersion: 5,
      },
    );
    session.decode({ bytes: new Uint8Array(connect) }, 'send');
    const publish = (topic: string) =>
      new Uint8Array(
        generate(
          {
            cmd: 'publish',
            topic,
            payload: Buffer.from('x'),
            qos: 0,
            retain: false,
            dup: false,
            properties: { topicAlias: 2 },
          },
          { protocolVersion: 5 },
        ),
      );
    expect(session.decode({ bytes: publish('room/1') }, 'receive')[0]?.fields?.topic).toBe('room/1');
    const aliased = session.decode({ bytes: publish('') }, 'receive')[0];
    expect(aliased?.fields?.topic).toBe('room/1');
    expect(aliased?.summary).toBe('PUBLISH room/1 qos0 x');
    const refused = generate({ cmd: 'suback', messageId: 4, granted: [0x87, 1], properties: {} } as Packet, {
      protocolVersion: 5,
    });
    expect(session.decode({ bytes: new Uint8Array(refused) }, 'receive')[0]?.summary).toBe(
      'SUBACK #4 not authorized, qos1',
    );
  });
});

describe('MQTT decoder details', () => {
  it('reassembles a 2 MB PUBLISH from 1 KB frames, one partial note per frame until it completes', () => {
    const payload = Buffer.alloc(2 * 1024 * 1024, 0x61);
    const bytes = new Uint8Array(
      generate({ cmd: 'publish', topic: 'big', payload, qos: 1, messageId: 3, retain: false, dup: false }),
    );
    const session = mqttDecoder.session();
    const out: DecodedMessage[] = [];
    for (let at = 0; at < bytes.length; at += 1024) {
      out.push(...session.decode({ bytes: bytes.subarray(at, at + 1024) }, 'receive'));
    }
    expect(out.filter((m) => m.kind === 'partial')).toHaveLength(Math.ceil(bytes.length / 1024) - 1);
    const last = out.at(-1);
    expect(last?.summary).toMatch(/^PUBLISH big qos1 #3 a{20}/);
    expect(last?.value).toMatchObject({ payloadBytes: payload.length });
  });

  it('keeps an unknown v5 property as its id and bytes, and reads MQTT 3.1 (MQIsdp)', () => {
    const session = mqttDecoder.session();
    session.decode(
      {
        bytes: new Uint8Array(
          generate({ cmd: 'connect', protocolVersion: 5, clientId: 'c' } as Packet, { protocolVersion: 5 }),
        ),
      },
      'send',
    );
    // PUBACK #5, reason 0x10, properties: reasonString "r", then an id 0x7f no version defines.
    const puback = new Uint8Array([0x40, 10, 0, 5, 0x10, 6, 0x1f, 0, 1, 0x72, 0x7f, 0xaa]);
    const [m] = session.decode({ bytes: puback }, 'receive');
    expect(m?.value).toEqual({
      packetId: 5,
      reasonCode: 0x10,
      properties: { reasonString: 'r', unknown_0x7f: 'aa' },
    });
    const v31 = new Uint8Array(
      generate({
        cmd: 'connect',
        protocolId: 'MQIsdp',
        protocolVersion: 3,
        clientId: 'old',
        clean: true,
        keepalive: 10,
      } as Packet),
    );
    const sample = { transport: 'websocket' as const, url: 'ws://x/', subprotocol: null };
    expect(
      mqttDecoder.detect({ ...sample, frames: [{ direction: 'send', frame: { bytes: v31 } }] }),
    ).toBeGreaterThan(0.9);
    expect(mqttDecoder.session().decode({ bytes: v31 }, 'send')[0]?.summary).toBe(
      'CONNECT "old" v3.1 keepalive 10 clean-session',
    );
  });
});

describe('MQTT decoder on broken input', () => {
  it('never throws on a recorded packet cut at every length, and says why', async () => {
    const frames = await recordV5Session();
    const packets = frames.filter((f) => 'bytes' in f.frame && f.frame.bytes.length > 4).slice(0, 6);
    for (const { direction, frame } of packets) {
      if (!('bytes' in frame)) continue;
      for (let cut = 1; cut < frame.bytes.length; cut++) {
        const session = mqttDecoder.session();
        const out = session.decode({ bytes: frame.bytes.subarray(0, cut) }, direction);
        expect(out.length).toBeGreaterThan(0);
        expect(out.every((m) => m.note !== undefined || m.kind !== 'partial')).toBe(true);
        expect(out[0]?.kind).toBe('partial');
      }
    }
  });

  it('notes a packet whose inner lengths run past its end, and random bytes', () => {
    const session = mqttDecoder.session();
    // CONNECT of 6 bytes whose protocol name claims 200.
    const [broken] = session.decode(
      { bytes: new Uint8Array([0x10, 6, 0, 200, 0x4d, 0x51, 0x54, 0x54]) },
      'send',
    );
    expect(broken?.kind).toBe('CONNECT');
    expect(broken?.note).toMatch(/^Truncated: the protocol name/);
    expect(
      session.decode({ bytes: new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 1]) }, 'send')[0]?.note,
    ).toMatch(/Malformed packet length/);
    expect(session.decode({ text: 'hello' }, 'send')[0]?.note).toMatch(/binary/);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const bytes = new Uint8Array(1 + Math.floor(random() * 60)).map(() => Math.floor(random() * 256));
      const out = mqttDecoder.session().decode({ bytes }, random() < 0.5 ? 'send' : 'receive');
      for (const m of out) {
        expect(m.protocol).toBe('mqtt');
        expect(m.summary.length).toBeLessThanOrEqual(200);
      }
    }
  });
});
