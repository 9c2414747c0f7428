import { describe, expect, it } from 'vitest';
import { DETECT_THRESHOLD, detectProtocol, safeSession } from '../../lib/decode/registry';
import type { Decoder, DetectSample } from '../../lib/decode/types';

const sample: DetectSample = { transport: 'websocket', url: 'ws://x/', subprotocol: null, frames: [] };

function decoder(id: Decoder['id'], score: number | (() => number), decode?: () => never): Decoder {
  return {
    id,
    label: id.toUpperCase(),
    detect: typeof score === 'function' ? score : () => score,
    session: () => ({
      decode:
        decode ?? ((frame) => [{ protocol: id, kind: 'x', summary: 'text' in frame ? frame.text : '' }]),
    }),
  };
}

describe('detectProtocol', () => {
  it('picks the surest decoder at or above the threshold', () => {
    const r = detectProtocol(sample, [decoder('stomp', 0.6), decoder('mqtt', 0.9), decoder('cbor', 0.2)]);
    expect(r?.decoder.id).toBe('mqtt');
    expect(detectProtocol(sample, [decoder('cbor', DETECT_THRESHOLD - 0.01)])).toBeNull();
    expect(detectProtocol(sample, [])).toBeNull();
  });

  it('takes a decoder that throws or answers nonsense as a no', () => {
    const boom = decoder('stomp', () => {
      throw new Error('bug');
    });
    expect(detectProtocol(sample, [boom, decoder('mqtt', Number.NaN)])).toBeNull();
    expect(detectProtocol(sample, [boom, decoder('mqtt', 0.7)])?.decoder.id).toBe('mqtt');
  });
});

describe('safeSession', () => {
  it('decodes through the decoder, and turns a throw into the raw payload with a note', () => {
    expect(safeSession(decoder('stomp', 1)).decode({ text: 'SEND' }, 'send')).toEqual([
      { protocol: 'stomp', kind: 'x', summary: 'SEND' },
    ]);
    const broken = safeSession(
      decoder('mqtt', 1, () => {
        throw new RangeError('offset out of range');
      }),
    );
    expect(broken.decode({ bytes: new Uint8Array([0x30]) }, 'receive')).toEqual([
      { protocol: 'mqtt', kind: 'raw', summary: '', note: 'Not decoded as MQTT: offset out of range' },
    ]);
  });
});
