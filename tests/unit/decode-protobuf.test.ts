import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { encode as encodeCbor } from 'cbor-x';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { DECODERS, detectProtocol } from '../../lib/decode';
import { PROTOBUF_MAX_DEPTH, parseProtobuf, protobufDecoder } from '../../lib/decode/protobuf';
import type { DetectSample } from '../../lib/decode/types';

// Frames encoded by the real protobufjs from a schema the decoder never sees.
const { root } = protobuf.parse(`
  syntax = "proto3";
  message Position { double lat = 1; double lng = 2; }
  message Update {
    uint32 id = 1;
    string name = 2;
    Position where = 3;
    repeated string tags = 4;
    sint32 delta = 5;
    int64 big = 6;
    bytes blob = 7;
    repeated Position trail = 8;
    fixed32 flags = 9;
    float ratio = 10;
    int32 negative = 11;
  }
  message Node { uint32 value = 1; Node child = 2; }
`);
const Update = root.lookupType('Update');
const Node = root.lookupType('Node');
const encode = (type: protobuf.Type, value: object) => type.encode(type.fromObject(value)).finish();

const update = encode(Update, {
  id: 150,
  name: 'hello',
  where: { lat: 51.5, lng: -0.12 },
  tags: ['a', 'b'],
  delta: -3,
  big: '9007199254740993',
  blob: new Uint8Array([0, 1, 2, 0xff]),
  trail: [
    { lat: 1.5, lng: 2.5 },
    { lat: 3.25, lng: 4 },
  ],
  flags: 7,
  ratio: 0.5,
  negative: -2,
});

function nested(depth: number): object {
  let node: object = { value: depth };
  for (let i = depth - 1; i > 0; i--) node = { value: i, child: node };
  return node;
}

function sample(...frames: Uint8Array[]): DetectSample {
  return {
    transport: 'websocket',
    url: 'ws://x/feed',
    subprotocol: null,
    frames: frames.map((bytes) => ({ direction: 'receive' as const, frame: { bytes } })),
  };
}

/** A seeded generator, so the random frames are the same on every run. */
function randomBytes(seed: number, length: number): Uint8Array {
  let state = seed;
  return Uint8Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state >>> 24;
  });
}

describe('schemaless protobuf decoder on frames encoded by protobufjs', () => {
  it('shows field numbers with guessed values: numbers, text, nested messages, bytes, repeated as arrays', () => {
    const [m] = protobufDecoder.session().decode({ bytes: update }, 'receive');
    expect(m?.value).toEqual({
      '1': 150,
      '2': 'hello',
      '3': { '1': 51.5, '2': -0.12 },
      '4': ['a', 'b'],
      '5': 5, // zigzag -3: without a schema, shown as the unsigned varint
      '6': '9007199254740993',
      '7': { bytes: 4, hex: '000102ff' },
      '8': [
        { '1': 1.5, '2': 2.5 },
        { '1': 3.25, '2': 4 },
      ],
      '9': 7,
      '10': 0.5,
      '11': -2,
    });
    expect(m?.summary).toMatch(/^protobuf 11 fields \{1: 150, 2: "hello", 3: \{"1":51\.5,"2":-0\.12\}, /);
    expect(m?.summary.length).toBeLessThanOrEqual(200);
    expect(m?.summary).toMatch(/, …\}$/);
    expect(m?.note).toBe('Decoded without a schema: field types are guesses');
  });

  it('stops nesting at the depth limit and shows the deeper part as bytes', () => {
    const frame = encode(Node, nested(PROTOBUF_MAX_DEPTH + 5));
    const parsed = parseProtobuf(frame);
    expect(parsed.ok).toBe(true);
    let node = parsed.ok ? (parsed.message as Record<string, unknown>) : {};
    for (let depth = 0; depth < PROTOBUF_MAX_DEPTH; depth++) node = node['2'] as Record<string, unknown>;
    expect(node['2']).toMatchObject({ bytes: expect.any(Number) });
  });

  it('is detected on protobufjs frames, and not on msgpack, cbor, JSON, text or random bytes', () => {
    expect(detectProtocol(sample(update, encode(Node, nested(3))), DECODERS)?.decoder.id).toBe('protobuf');
    const message = { type: 'chat', id: 7, tags: ['a', 'b'], nested: { ok: true, none: null } };
    for (const value of [message, [1, 'two', [3]], { op: 'tick', n: 1 }]) {
      const msgpack = new Uint8Array(encodeMsgpack(value));
      const cbor = new Uint8Array(encodeCbor(value));
      expect(protobufDecoder.detect(sample(msgpack)), `msgpack ${JSON.stringify(value)}`).toBe(0);
      expect(protobufDecoder.detect(sample(cbor)), `cbor ${JSON.stringify(value)}`).toBe(0);
      expect(detectProtocol(sample(msgpack), DECODERS)?.decoder.id).toBe('msgpack');
      expect(detectProtocol(sample(cbor), DECODERS)?.decoder.id).toBe('cbor');
    }
    expect(protobufDecoder.detect(sample(new TextEncoder().encode('{"json":true}')))).toBe(0);
    expect(
      protobufDecoder.detect({ ...sample(), frames: [{ direction: 'send', frame: { text: 'hi' } }] }),
    ).toBe(0);
    // A short random frame is now and then valid protobuf by chance (about 1 in 7000 here);
    // a connection is claimed only when every binary frame of its first four passes.
    let claimed = 0;
    for (let seed = 1; seed <= 20000; seed++) {
      if (protobufDecoder.detect(sample(randomBytes(seed, 8 + (seed % 120)))) > 0) claimed++;
    }
    expect(claimed).toBeLessThan(10);
    for (let seed = 1; seed <= 2000; seed++) {
      const frames = [0, 1, 2, 3].map((i) => randomBytes(seed * 4 + i, 8 + ((seed + i) % 120)));
      expect(protobufDecoder.detect(sample(...frames))).toBe(0);
    }
    // One frame that is not protobuf rules the connection out.
    expect(protobufDecoder.detect(sample(update, Uint8Array.from([0x0b, 0x01])))).toBe(0);
  });

  it('never throws on cut, fuzzed, garbage or huge frames, and says why', () => {
    for (let cut = 1; cut < update.length; cut++) {
      const out = protobufDecoder.session().decode({ bytes: update.subarray(0, cut) }, 'receive');
      expect(out).toHaveLength(1);
      expect(out[0]?.note).toBeDefined();
    }
    for (let i = 0; i < 500; i++) {
      const bytes = update.slice();
      const at = (i * 7919) % bytes.length;
      bytes[at] = (bytes[at] ?? 0) ^ (1 + (i % 255));
      const [m] = protobufDecoder.session().decode({ bytes }, 'receive');
      expect(m?.summary.length).toBeLessThanOrEqual(200);
      expect(m?.note).toBeDefined();
    }
    for (const [bytes, reason] of [
      [new Uint8Array(), 'Not protobuf: Empty frame'],
      [Uint8Array.from([0x0b]), 'Not protobuf: wire type 3 is not one of varint, i64, len, i32'],
      [Uint8Array.from([0x00, 0x01]), 'Not protobuf: field number 0 is out of range'],
      [Uint8Array.from([0x08, 0xff]), 'Not protobuf: varint cut short'],
      [Uint8Array.from([0x12, 0x05, 0x61]), 'Not protobuf: length-delimited field runs past the end'],
      [Uint8Array.from([0x08, ...new Array(11).fill(0xff)]), 'Not protobuf: varint longer than 10 bytes'],
    ] as const) {
      expect(protobufDecoder.session().decode({ bytes }, 'receive')[0]?.note).toBe(reason);
    }
    const huge = new Uint8Array(5 * 1024 * 1024);
    expect(protobufDecoder.session().decode({ bytes: huge }, 'receive')[0]?.note).toMatch(/too large/);
    // Many small fields: decoding stops at its field budget instead of building a huge tree.
    const many = new Uint8Array(60_000).map((_, i) => (i % 2 === 0 ? 0x08 : 0x01));
    expect(protobufDecoder.session().decode({ bytes: many }, 'receive')[0]?.note).toMatch(/fields/);
    expect(protobufDecoder.session().decode({ text: 'hello' }, 'receive')).toEqual([]);
  });
});
