// Engine.IO v3 (Socket.IO v2) polling payloads. No v3 parser is installed
// (engine.io-parser here is v5, for Engine.IO v4): the payloads are built by
// hand below, the way engine.io-parser 2.x's encodePayload and
// encodePayloadAsBinary framed them.
import { describe, expect, it } from 'vitest';
import { engineIoDecoder, parseEngineIoFrame } from '../../lib/decode/engine-io';
import { splitV3BinaryPayload, splitV3TextPayload } from '../../lib/decode/engine-io-v3';
import { socketIoDecoder } from '../../lib/decode/socket-io';

/** `<length>:<packet>` per packet, the length in UTF-16 code units. */
const textPayload = (...packets: string[]) => packets.map((p) => `${p.length}:${p}`).join('');

/** Per packet: 0 (text) or 1 (binary), the length's decimal digits as bytes, 0xff, the packet. */
function binaryPayload(...packets: Array<string | Uint8Array>): Uint8Array {
  const out: number[] = [];
  for (const packet of packets) {
    const bytes = typeof packet === 'string' ? new TextEncoder().encode(packet) : packet;
    out.push(
      typeof packet === 'string' ? 0 : 1,
      ...String(bytes.length).split('').map(Number),
      0xff,
      ...bytes,
    );
  }
  return Uint8Array.from(out);
}

const OPEN = '0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000}';

describe('Engine.IO v3 polling payloads (hand-built as engine.io-parser 2.x framed them)', () => {
  it('splits text payloads by length, multi-byte characters and binary packets included', () => {
    const payload = textPayload(OPEN, '40', '42["chat","héllo ✓"]', 'b4AQID');
    const packets = parseEngineIoFrame({ text: payload });
    expect(packets).toEqual([
      { type: 'open', data: OPEN.slice(1) },
      { type: 'message', data: '0' },
      { type: 'message', data: '2["chat","héllo ✓"]' },
      { type: 'message', bytes: Uint8Array.from([1, 2, 3]) },
    ]);
    const summaries = engineIoDecoder
      .session()
      .decode({ text: payload }, 'receive')
      .map((m) => m.summary);
    expect(summaries).toEqual([
      'open sid:abc upgrades:websocket ping:25000ms',
      'message 0',
      'message 2["chat","héllo ✓"]',
      'message (3 B binary)',
    ]);
  });

  it('decodes Socket.IO v2 packets carried in v3 payloads, text and binary (XHR2)', () => {
    const session = socketIoDecoder.session();
    const text = session.decode({ text: textPayload('40', '42["chat","hi"]', '2') }, 'receive');
    expect(text.map((m) => m.summary)).toEqual(['CONNECT /', 'EVENT chat "hi"', 'ping']);
    const binary = session.decode(
      { bytes: binaryPayload('451-["file",{"_placeholder":true,"num":0}]', Uint8Array.from([4, 9, 8, 7])) },
      'receive',
    );
    expect(binary.map((m) => m.kind)).toEqual(['BINARY_EVENT', 'attachment']);
    expect(binary[0]?.summary).toContain('file');
    expect(splitV3BinaryPayload(binaryPayload('3', '3'))).toEqual([{ text: '3' }, { text: '3' }]);
  });

  it('is detected from the v3 polling URL and open packet', () => {
    const sample = {
      transport: 'xhr' as const,
      url: 'http://x/engine.io/?EIO=3&transport=polling&t=N1',
      subprotocol: null,
      frames: [{ direction: 'receive' as const, frame: { text: textPayload(OPEN) } }],
    };
    expect(engineIoDecoder.detect(sample)).toBe(0.85);
    expect(engineIoDecoder.detect({ ...sample, url: 'http://x/poll' })).toBe(0.6);
  });

  it('leaves v4 payloads and anything whose lengths do not add up to the v4 reading', () => {
    for (const text of [
      '42["t","12:30"]',
      '4hello',
      '2:4',
      '3:abcd',
      '0:',
      ':ab',
      '99999999999:x',
      'b4AQID',
    ]) {
      expect(splitV3TextPayload(text), text).toBeNull();
    }
    expect(parseEngineIoFrame({ text: `40\x1e42["a"]` })).toEqual([
      { type: 'message', data: '0' },
      { type: 'message', data: '2["a"]' },
    ]);
    const payload = textPayload(OPEN, '42["chat","hi"]');
    const firstEnd = textPayload(OPEN).length;
    for (let cut = 1; cut < payload.length; cut++) {
      // Cut right after the first packet, it is a whole payload of one packet.
      if (cut === firstEnd) continue;
      const out = engineIoDecoder.session().decode({ text: payload.slice(0, cut) }, 'receive');
      expect(out.length).toBeGreaterThan(0);
      expect(out.some((m) => m.note !== undefined)).toBe(true);
    }
    const bytes = binaryPayload('42["a"]', Uint8Array.from([4, 1]));
    for (let cut = 1; cut < bytes.length; cut++) {
      const out = engineIoDecoder.session().decode({ bytes: bytes.subarray(0, cut) }, 'receive');
      // A cut binary payload is no v3 payload: shown as one opaque binary message.
      expect(out).toHaveLength(1);
      expect(out[0]?.kind).toBe('message');
    }
    expect(splitV3BinaryPayload(Uint8Array.from([0, ...new Array(12).fill(9), 0xff]))).toBeNull();
    expect(splitV3BinaryPayload(Uint8Array.from([2, 1, 0xff, 0x34]))).toBeNull();
  });
});
