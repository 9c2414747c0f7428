// Socket.IO v4/v5 packets inside Engine.IO message packets: `42["chat",{…}]`,
// namespaces (`42/admin,7["x"]`), ack ids, and binary events whose
// attachments follow as separate binary messages. The session holds a
// binary packet until all its attachments arrived, then gives it whole.

import { type EngineIoPacket, engineIoMessage, looksLikeEngineIoOpen, parseEngineIoFrame } from './engine-io';
import { binaryValue, clip, frameText, parseJson, preview } from './text-payload';
import type { DecodedMessage, Decoder, DecoderSession, PairPart } from './types';

export const SOCKET_IO_PACKET_TYPES = [
  'CONNECT',
  'DISCONNECT',
  'EVENT',
  'ACK',
  'CONNECT_ERROR',
  'BINARY_EVENT',
  'BINARY_ACK',
] as const;
export type SocketIoPacketType = (typeof SOCKET_IO_PACKET_TYPES)[number];

/** More attachments than this on one packet is taken as garbage (socket.io's own default limit is 10). */
const MAX_ATTACHMENTS = 1000;

export interface SocketIoPacket {
  type: SocketIoPacketType;
  nsp: string;
  id?: number;
  attachments?: number;
  data?: unknown;
}

export type SocketIoParse = { ok: true; packet: SocketIoPacket; note?: string } | { ok: false; note: string };

/** Parses one Socket.IO packet's text (what an Engine.IO message packet carries). */
export function parseSocketIoPacket(text: string): SocketIoParse {
  const type = SOCKET_IO_PACKET_TYPES[text.charCodeAt(0) - 0x30];
  if (!type) return { ok: false, note: 'Not a Socket.IO packet: unknown packet type' };
  let i = 1;
  const packet: SocketIoPacket = { type, nsp: '/' };
  if (type === 'BINARY_EVENT' || type === 'BINARY_ACK') {
    const dash = text.indexOf('-', i);
    const count = dash > i ? Number(text.slice(i, dash)) : Number.NaN;
    if (!Number.isInteger(count) || count < 1 || count > MAX_ATTACHMENTS) {
      return { ok: false, note: 'Malformed Socket.IO binary packet: bad attachment count' };
    }
    packet.attachments = count;
    i = dash + 1;
  }
  if (text[i] === '/') {
    const comma = text.indexOf(',', i);
    const end = comma === -1 ? text.length : comma;
    packet.nsp = text.slice(i, end);
    i = comma === -1 ? end : end + 1;
  }
  let digits = i;
  while (digits < text.length && text.charCodeAt(digits) >= 0x30 && text.charCodeAt(digits) <= 0x39) digits++;
  if (digits > i) {
    packet.id = Number(text.slice(i, digits));
    i = digits;
  }
  const rest = text.slice(i);
  if (rest.length === 0) return { ok: true, packet };
  const parsed = parseJson(rest);
  if (!parsed.ok) return { ok: true, packet, note: parsed.note };
  packet.data = parsed.value;
  const shapeNote = checkShape(packet);
  return shapeNote ? { ok: true, packet, note: shapeNote } : { ok: true, packet };
}

function checkShape(packet: SocketIoPacket): string | undefined {
  const isEvent = packet.type === 'EVENT' || packet.type === 'BINARY_EVENT';
  const isAck = packet.type === 'ACK' || packet.type === 'BINARY_ACK';
  if (isEvent && !(Array.isArray(packet.data) && packet.data.length > 0)) {
    return 'Event payload is not a non-empty array';
  }
  if (isAck && !Array.isArray(packet.data)) return 'Ack payload is not an array';
  if (isAck && packet.id === undefined) return 'Ack without an id';
  return undefined;
}

/** Replaces `{_placeholder:true,num:n}` with its attachment (as a JSON-able stand-in), depth-limited. */
function fillPlaceholders(value: unknown, attachments: Uint8Array[], depth = 0): unknown {
  if (depth > 100 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => fillPlaceholders(item, attachments, depth + 1));
  const record = value as Record<string, unknown>;
  if (record._placeholder === true && typeof record.num === 'number') {
    const bytes = attachments[record.num];
    return bytes ? binaryValue(bytes) : value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = fillPlaceholders(item, attachments, depth + 1);
  return out;
}

function nspPrefix(nsp: string): string {
  return nsp === '/' ? '' : `${nsp} `;
}

function ackPair(packet: SocketIoPacket): PairPart | undefined {
  if (packet.id === undefined) return undefined;
  const key = `ack:${packet.nsp}:${packet.id}`;
  if (packet.type === 'EVENT' || packet.type === 'BINARY_EVENT') return { key, role: 'request' };
  if (packet.type === 'ACK' || packet.type === 'BINARY_ACK') return { key, role: 'response' };
  return undefined;
}

function summarize(packet: SocketIoPacket): string {
  const nsp = nspPrefix(packet.nsp);
  const id = packet.id === undefined ? '' : ` #${packet.id}`;
  const data = packet.data;
  switch (packet.type) {
    case 'EVENT':
    case 'BINARY_EVENT': {
      const [name, ...args] = Array.isArray(data) ? data : [];
      const argText = args.length === 0 ? '' : ` ${preview(args.length === 1 ? args[0] : args)}`;
      return clip(`${packet.type} ${nsp}${String(name)}${id}${argText}`);
    }
    case 'ACK':
    case 'BINARY_ACK': {
      const args = Array.isArray(data) ? data : [];
      const argText = args.length === 0 ? '' : ` ${preview(args.length === 1 ? args[0] : args)}`;
      return clip(`${packet.type} ${nsp}${id.trim()}${argText}`);
    }
    case 'CONNECT': {
      const sid = data && typeof data === 'object' && 'sid' in data ? ` sid:${String(data.sid)}` : '';
      const auth = !sid && data !== undefined ? ` ${preview(data)}` : '';
      return clip(`CONNECT ${packet.nsp}${sid}${auth}`);
    }
    case 'CONNECT_ERROR': {
      const message =
        data && typeof data === 'object' && 'message' in data ? String(data.message) : preview(data);
      return clip(`CONNECT_ERROR ${packet.nsp} ${message}`);
    }
    default:
      return clip(`${packet.type} ${packet.nsp}`);
  }
}

function fieldsOf(packet: SocketIoPacket): DecodedMessage['fields'] {
  const isEvent = packet.type === 'EVENT' || packet.type === 'BINARY_EVENT';
  const name = isEvent && Array.isArray(packet.data) ? packet.data[0] : undefined;
  return typeof name === 'string' ? { namespace: packet.nsp, event: name } : { namespace: packet.nsp };
}

function socketIoMessage(packet: SocketIoPacket, note?: string): DecodedMessage {
  const message: DecodedMessage = {
    protocol: 'socket.io',
    kind: packet.type,
    summary: summarize(packet),
    fields: fieldsOf(packet),
    value: { type: packet.type, nsp: packet.nsp, id: packet.id, data: packet.data },
  };
  const pair = ackPair(packet);
  if (pair) message.pair = pair;
  if (note) message.note = note;
  return message;
}

interface PendingBinary {
  packet: SocketIoPacket;
  attachments: Uint8Array[];
}

function createSession(): DecoderSession {
  // Binary packets waiting for their attachments, one per direction.
  const pending: Record<'send' | 'receive', PendingBinary | null> = { send: null, receive: null };

  function decodePacket(packet: EngineIoPacket, direction: 'send' | 'receive'): DecodedMessage {
    if (packet.type !== 'message') return engineIoMessage(packet);
    if ('bytes' in packet) {
      const waiting = pending[direction];
      if (!waiting) {
        return { ...engineIoMessage(packet), note: 'Binary message with no Socket.IO packet waiting for it' };
      }
      waiting.attachments.push(packet.bytes);
      const total = waiting.packet.attachments ?? 1;
      const got = waiting.attachments.length;
      if (got < total) {
        return {
          protocol: 'socket.io',
          kind: 'attachment',
          summary: `attachment ${got}/${total} (${packet.bytes.byteLength} B)`,
          value: binaryValue(packet.bytes),
        };
      }
      pending[direction] = null;
      const whole = { ...waiting.packet, data: fillPlaceholders(waiting.packet.data, waiting.attachments) };
      const message = socketIoMessage(whole);
      // The pair sits on the placeholder packet, where the exchange started.
      delete message.pair;
      return {
        ...message,
        kind: 'attachment',
        summary: clip(`attachment ${got}/${total} → ${message.summary}`),
      };
    }
    if (!('data' in packet)) return engineIoMessage(packet);
    const parsed = parseSocketIoPacket(packet.data);
    if (!parsed.ok) {
      return { protocol: 'socket.io', kind: 'raw', summary: clip(packet.data), note: parsed.note };
    }
    const { packet: ioPacket } = parsed;
    if (ioPacket.attachments !== undefined) {
      const dropped = pending[direction];
      pending[direction] = { packet: ioPacket, attachments: [] };
      const lost = dropped ? 'An earlier binary packet never got all its attachments' : undefined;
      const message = socketIoMessage(ioPacket, [parsed.note, lost].filter(Boolean).join('; ') || undefined);
      const follow = ` (+${ioPacket.attachments} attachment${ioPacket.attachments === 1 ? '' : 's'} to follow)`;
      return { ...message, summary: clip(`${message.summary.slice(0, 200 - follow.length)}${follow}`) };
    }
    return socketIoMessage(ioPacket, parsed.note);
  }

  return {
    decode(frame, direction) {
      return parseEngineIoFrame(frame).map((packet) => decodePacket(packet, direction));
    },
  };
}

const URL_SOCKET_IO = /\/socket\.io\/?(\?|$)/;
const URL_EIO = /[?&]EIO=([34])/;

export const socketIoDecoder: Decoder = {
  id: 'socket.io',
  label: 'Socket.IO',
  detect(sample) {
    let path = false;
    let eio: string | undefined;
    try {
      const url = new URL(sample.url);
      path = URL_SOCKET_IO.test(url.pathname + url.search);
      eio = URL_EIO.exec(url.search)?.[1];
    } catch {
      path = URL_SOCKET_IO.test(sample.url);
    }
    const connectFrame = sample.frames.some(({ frame }) => {
      const text = frameText(frame);
      return text !== null && /^4[04]/.test(text);
    });
    if (path && eio === '4') return 0.95;
    if (connectFrame && (path || looksLikeEngineIoOpen(sample))) return 0.9;
    if (path && eio) return 0.75;
    return path ? 0.6 : 0;
  },
  session: createSession,
};
