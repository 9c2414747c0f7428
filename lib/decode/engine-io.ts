// Engine.IO v4: the framing under Socket.IO. One packet per WebSocket
// message (a binary message is a binary "message" packet); polling bodies
// join packets with the record separator \x1e and send binary as "b"+base64.
// v3 polling bodies (Socket.IO v2), framed by length, are read too.

import { type EngineIoV3Piece, splitV3BinaryPayload, splitV3TextPayload } from './engine-io-v3';
import { base64Bytes, binaryValue, clip, frameText, parseJson } from './text-payload';
import type { DecodedMessage, Decoder, DetectSample, Frame } from './types';

export const ENGINE_IO_PACKET_TYPES = [
  'open',
  'close',
  'ping',
  'pong',
  'message',
  'upgrade',
  'noop',
] as const;
export type EngineIoPacketType = (typeof ENGINE_IO_PACKET_TYPES)[number];

/** The separator between packets in a polling payload. */
export const RECORD_SEPARATOR = '\x1e';

export type EngineIoPacket =
  | { type: EngineIoPacketType; data: string }
  | { type: 'message'; bytes: Uint8Array }
  | { type: 'accepted' }
  | { type: 'invalid'; raw: string; note: string };

function parsePacket(text: string): EngineIoPacket {
  // The server's answer to a polling POST.
  if (text === 'ok') return { type: 'accepted' };
  if (text.startsWith('b')) {
    const bytes = base64Bytes(text.slice(1));
    return bytes
      ? { type: 'message', bytes }
      : { type: 'invalid', raw: text, note: 'Binary packet whose base64 does not decode' };
  }
  const code = text.charCodeAt(0) - 0x30;
  const type = ENGINE_IO_PACKET_TYPES[code];
  if (text.length === 0 || !type) {
    return { type: 'invalid', raw: text, note: 'Not an Engine.IO packet: unknown packet type' };
  }
  return { type, data: text.slice(1) };
}

function v3Packet(piece: EngineIoV3Piece): EngineIoPacket {
  if ('text' in piece) return parsePacket(piece.text);
  if (ENGINE_IO_PACKET_TYPES[piece.type] !== 'message') {
    return {
      type: 'invalid',
      raw: `b${piece.type}…`,
      note: 'Binary Engine.IO packet of a type other than message',
    };
  }
  return { type: 'message', bytes: piece.bytes };
}

/** The Engine.IO packets in one frame (a WebSocket message or a polling body). */
export function parseEngineIoFrame(frame: Frame): EngineIoPacket[] {
  // A binary payload is one binary message packet (v4 polling bodies are text, binary inside as b+base64),
  // unless it is a v3 binary polling payload.
  if ('bytes' in frame) {
    const v3 = splitV3BinaryPayload(frame.bytes);
    return v3 ? v3.map(v3Packet) : [{ type: 'message', bytes: frame.bytes }];
  }
  const v3 = splitV3TextPayload(frame.text);
  if (v3) return v3.map(v3Packet);
  return frame.text.split(RECORD_SEPARATOR).map(parsePacket);
}

const URL_EIO = /[?&]EIO=\d/;

/** Is the handshake (open) packet's JSON there? `0{"sid":…` (v3 polling: `96:0{"sid":…`) */
export function looksLikeEngineIoOpen(sample: DetectSample): boolean {
  return sample.frames.some(({ frame }) => {
    const text = frameText(frame);
    return text !== null && /^(\d+:)?0\{"sid":/.test(text);
  });
}

/** One Engine.IO packet as a decoded message (message payloads shown as they are). */
export function engineIoMessage(packet: EngineIoPacket): DecodedMessage {
  if (packet.type === 'invalid') {
    return { protocol: 'engine.io', kind: 'raw', summary: clip(packet.raw), note: packet.note };
  }
  if (packet.type === 'accepted') {
    return { protocol: 'engine.io', kind: 'ok', summary: 'ok (polling POST accepted)' };
  }
  if ('bytes' in packet) {
    const value = binaryValue(packet.bytes);
    return {
      protocol: 'engine.io',
      kind: 'message',
      summary: `message (${packet.bytes.byteLength} B binary)`,
      value,
    };
  }
  if (packet.type === 'open') {
    const parsed = parseJson(packet.data);
    if (!parsed.ok) return { protocol: 'engine.io', kind: 'open', summary: 'open', note: parsed.note };
    const handshake = parsed.value as { sid?: unknown; upgrades?: unknown; pingInterval?: unknown };
    const upgrades =
      Array.isArray(handshake.upgrades) && handshake.upgrades.length > 0
        ? ` upgrades:${handshake.upgrades.join(',')}`
        : '';
    const ping = typeof handshake.pingInterval === 'number' ? ` ping:${handshake.pingInterval}ms` : '';
    return {
      protocol: 'engine.io',
      kind: 'open',
      summary: clip(`open sid:${String(handshake.sid)}${upgrades}${ping}`),
      value: parsed.value,
    };
  }
  // Engine.IO payloads are opaque text: shown as they are, cut to fit.
  const data = packet.data ? ` ${packet.data}` : '';
  return {
    protocol: 'engine.io',
    kind: packet.type,
    summary: clip(`${packet.type}${data}`),
    value: packet.data,
  };
}

export const engineIoDecoder: Decoder = {
  id: 'engine.io',
  label: 'Engine.IO',
  detect(sample) {
    // Socket.IO's own decoder claims /socket.io/ URLs more surely; this is for bare Engine.IO.
    const url = URL_EIO.test(sample.url);
    const open = looksLikeEngineIoOpen(sample);
    if (url && open) return 0.85;
    if (url) return 0.7;
    return open ? 0.6 : 0;
  },
  session() {
    return { decode: (frame) => parseEngineIoFrame(frame).map(engineIoMessage) };
  },
};
