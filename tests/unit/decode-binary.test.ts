import { execFileSync } from 'node:child_process';
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { encode as encodeCbor } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { cborDecoder, msgpackDecoder } from '../../lib/decode/binary-formats';
import { detectProtocol } from '../../lib/decode/registry';
import type { DetectSample } from '../../lib/decode/types';

const message = {
  type: 'chat',
  id: 7,
  tags: ['a', 'b'],
  at: new Date(0),
  blob: new Uint8Array([1, 2, 3]),
  nested: { ok: true, none: null },
};
const msgpackFrame = new Uint8Array(encodeMsgpack(message));
const cborFrame = new Uint8Array(encodeCbor(message));
const decoders = [msgpackDecoder, cborDecoder];

function sample(...frames: Uint8Array[]): DetectSample {
  return {
    transport: 'websocket',
    url: 'ws://x/',
    subprotocol: null,
    frames: frames.map((bytes) => ({ direction: 'receive' as const, frame: { bytes } })),
  };
}

describe('MessagePack and CBOR decoders on frames encoded by @msgpack/msgpack and cbor-x', () => {
  it('decodes a frame into a tree and a one-line preview', () => {
    const expected =
      '{"type":"chat","id":7,"tags":["a","b"],"at":1970-01-01T00:00:00.000Z,"blob":<3 bytes>,"nested":{"ok":true,"none":null}}';
    for (const [decoder, frame] of [
      [msgpackDecoder, msgpackFrame],
      [cborDecoder, cborFrame],
    ] as const) {
      const [decoded] = decoder.session().decode({ bytes: frame }, 'receive');
      expect(decoded).toEqual({
        protocol: decoder.id,
        kind: 'map(6)',
        summary: expected,
        value: {
          type: 'chat',
          id: 7,
          tags: ['a', 'b'],
          at: '1970-01-01T00:00:00.000Z',
          blob: { bytes: 3, hex: '010203' },
          nested: { ok: true, none: null },
        },
      });
    }
  });

  it('shows CBOR sets and maps with non-string keys', () => {
    const frame = new Uint8Array(encodeCbor([new Set(['x', 'y']), new Map([[1, 'one']])]));
    const [m] = cborDecoder.session().decode({ bytes: frame }, 'receive');
    expect(m?.summary).toBe('[["x","y"],{1:"one"}]');
    expect(m?.value).toEqual([['x', 'y'], { '1': 'one' }]);
  });

  it('tells the two formats apart, and claims only complete, structured binary frames', () => {
    expect(detectProtocol(sample(msgpackFrame), decoders)?.decoder.id).toBe('msgpack');
    expect(detectProtocol(sample(cborFrame), decoders)?.decoder.id).toBe('cbor');
    const list = [1, 'two', [3]];
    expect(msgpackDecoder.detect(sample(new Uint8Array(encodeMsgpack(list))))).toBe(0.6);
    expect(cborDecoder.detect(sample(new Uint8Array(encodeCbor(list))))).toBe(0.6);
    const notClaimed = [
      new Uint8Array([5]), // a scalar in both
      new Uint8Array(encodeMsgpack('just a string')),
      new Uint8Array([...msgpackFrame, 0]), // bytes left over
      msgpackFrame.subarray(0, msgpackFrame.length - 1),
      new TextEncoder().encode('{"json":true}'),
      new Uint8Array([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]), // MQTT CONNECT
    ];
    for (const bytes of notClaimed) expect(detectProtocol(sample(bytes), decoders), String(bytes)).toBeNull();
    // One frame that is not the format rules the connection out.
    expect(msgpackDecoder.detect(sample(msgpackFrame, new Uint8Array([0xc1])))).toBe(0);
    const textOnly: DetectSample = { ...sample(), frames: [{ direction: 'send', frame: { text: '{}' } }] };
    expect(msgpackDecoder.detect(textOnly)).toBe(0);
    expect(msgpackDecoder.session().decode({ text: 'hi' }, 'send')).toEqual([]);
  });

  it('never throws on cut, random, huge or deeply nested frames, and says why', () => {
    for (const [decoder, frame] of [
      [msgpackDecoder, msgpackFrame],
      [cborDecoder, cborFrame],
    ] as const) {
      for (let cut = 0; cut < frame.length; cut++) {
        const [m] = decoder.session().decode({ bytes: frame.subarray(0, cut) }, 'receive');
        expect(m?.note, `${decoder.id} cut at ${cut}`).toMatch(/^Not (MessagePack|CBOR): /);
      }
      let seed = 11;
      for (let i = 0; i < 300; i++) {
        const bytes = new Uint8Array(1 + (i % 40)).map(() => {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          return seed % 256;
        });
        for (const m of decoder.session().decode({ bytes }, 'receive')) {
          expect(m.summary.length).toBeLessThanOrEqual(200);
        }
      }
      const [huge] = decoder.session().decode({ bytes: new Uint8Array(5 * 1024 * 1024) }, 'receive');
      expect(huge?.note).toMatch(/too large to decode here/);
    }
    // 100,000 nested one-element arrays.
    const deepMsgpack = new Uint8Array(100_001).fill(0x91);
    deepMsgpack[100_000] = 1;
    const [deepM] = msgpackDecoder.session().decode({ bytes: deepMsgpack }, 'receive');
    expect(deepM?.kind).toBe('array(1)');
    expect(deepM?.note).toBe('Large or deeply nested: the tree is cut');
    const deepCbor = new Uint8Array(100_001).fill(0x81);
    deepCbor[100_000] = 1;
    const [deepC] = cborDecoder.session().decode({ bytes: deepCbor }, 'receive');
    expect(deepC?.note).toMatch(/^Not CBOR: /);
    // The library is still sound after giving up on that frame.
    expect(cborDecoder.session().decode({ bytes: cborFrame }, 'receive')[0]?.kind).toBe('map(6)');
    const wide = new Uint8Array(encodeMsgpack(Array.from({ length: 5000 }, (_, i) => ({ i }))));
    const [w] = msgpackDecoder.session().decode({ bytes: wide }, 'receive');
    expect(w?.summary.length).toBeLessThanOrEqual(200);
    expect(Array.isArray(w?.value) && w.value.length).toBe(1000);
    expect(w?.note).toBe('Large or deeply nested: the tree is cut');
  });

  it('decodes with the libraries where there is no Buffer, as in the panel', () => {
    // A fresh Node without Buffer, loading the same library entries the decoders import.
    const script = `
      delete globalThis.Buffer;
      const { decode: cbor } = await import('cbor-x/decode-no-eval');
      const { decode: msgpack } = await import('@msgpack/msgpack');
      const c = cbor(new Uint8Array([${[...cborFrame].join(',')}]));
      const m = msgpack(new Uint8Array([${[...msgpackFrame].join(',')}]));
      console.log(JSON.stringify([c.type, c.blob.constructor.name, m.type, m.blob.constructor.name]));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd() });
    expect(JSON.parse(String(out))).toEqual(['chat', 'Uint8Array', 'chat', 'Uint8Array']);
  });
});
