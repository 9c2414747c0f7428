// MQTT 3.1.1 and 5 control packets over WebSocket, decoded from bytes (the
// usual packet library needs Node's streams and Buffer). A frame may hold
// several packets or part of one; each direction keeps its unread remainder.
// Packet ids are per sender, so a pair's key says whose packet it is: the
// page's (`mqtt:<pid>`) or the broker's (`mqtt:server:<pid>`).

import { type MqttProperties, MqttReader, MqttTruncated, readProperties } from './mqtt-reader';
import type {
  DecodedMessage,
  Decoder,
  DecoderSession,
  DetectSample,
  Direction,
  Frame,
  PairPart,
} from './types';
import { bytesPreview, compactPreview, hex, plainTree, summaryLine } from './value-preview';

const PACKET_TYPES = [
  'RESERVED',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
] as const;

/** A packet larger than this is not buffered across frames (MQTT allows 256 MB). */
const MAX_PACKET_BYTES = 16 * 1024 * 1024;

const V3_CONNACK: Record<number, string> = {
  0: 'accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

const V5_REASONS: Record<number, string> = {
  0: 'success',
  1: 'granted qos1',
  2: 'granted qos2',
  4: 'disconnect with will',
  16: 'no matching subscribers',
  17: 'no subscription existed',
  24: 'continue authentication',
  25: 're-authenticate',
  128: 'unspecified error',
  129: 'malformed packet',
  130: 'protocol error',
  131: 'implementation specific error',
  132: 'unsupported protocol version',
  133: 'client identifier not valid',
  134: 'bad user name or password',
  135: 'not authorized',
  136: 'server unavailable',
  137: 'server busy',
  138: 'banned',
  139: 'server shutting down',
  140: 'bad authentication method',
  141: 'keep alive timeout',
  142: 'session taken over',
  143: 'topic filter invalid',
  144: 'topic name invalid',
  145: 'packet identifier in use',
  146: 'packet identifier not found',
  147: 'receive maximum exceeded',
  148: 'topic alias invalid',
  149: 'packet too large',
  150: 'message rate too high',
  151: 'quota exceeded',
  152: 'administrative action',
  153: 'payload format invalid',
  154: 'retain not supported',
  155: 'qos not supported',
  156: 'use another server',
  157: 'server moved',
  158: 'shared subscriptions not supported',
  159: 'connection rate exceeded',
  160: 'maximum connect time',
  161: 'subscription identifiers not supported',
  162: 'wildcard subscriptions not supported',
};

function reasonName(code: number): string {
  return V5_REASONS[code] ?? `reason 0x${code.toString(16)}`;
}

/** SUBACK return codes: granted QoS, or failure. */
function grantName(code: number, v5: boolean): string {
  if (code <= 2) return `qos${code}`;
  return v5 ? reasonName(code) : 'failure';
}

/** The side whose packet id a message carries. */
function pidKey(pid: number, owner: Direction): string {
  return owner === 'send' ? `mqtt:${pid}` : `mqtt:server:${pid}`;
}

const opposite = (direction: Direction): Direction => (direction === 'send' ? 'receive' : 'send');

function propertiesText(properties: MqttProperties | undefined): string | undefined {
  if (!properties || Object.keys(properties).length === 0) return undefined;
  return `props ${compactPreview(properties, 80)}`;
}

interface Decoded {
  kind: string;
  summary: string;
  value: Record<string, unknown>;
  topic?: string;
  pair?: PairPart;
}

class MqttSession implements DecoderSession {
  /** 4 (3.1.1) until a CONNECT says otherwise; 3 for 3.1. */
  private level = 4;
  /** Each direction's unread bytes: the start of a packet, and how many bytes that packet needs in all (0: unknown yet). */
  private readonly pending: Record<Direction, Pending> = { send: emptyPending(), receive: emptyPending() };
  /** v5 topic aliases, per sender. */
  private readonly aliases: Record<Direction, Map<number, string>> = { send: new Map(), receive: new Map() };

  decode(frame: Frame, direction: Direction): DecodedMessage[] {
    if (!('bytes' in frame)) {
      return [{ protocol: 'mqtt', kind: 'raw', summary: '', note: 'MQTT is binary; this frame is text' }];
    }
    const carried = this.pending[direction];
    if (carried.needed > 0 && carried.length + frame.bytes.length < carried.needed) {
      // Still short of the packet's end: collect without copying, so a large packet in many frames stays linear.
      carried.chunks.push(frame.bytes);
      carried.length += frame.bytes.length;
      return [partial(carried.what, carried.length)];
    }
    let buffer = frame.bytes;
    if (carried.length > 0) {
      buffer = new Uint8Array(carried.length + frame.bytes.length);
      let at = 0;
      for (const chunk of [...carried.chunks, frame.bytes]) {
        buffer.set(chunk, at);
        at += chunk.length;
      }
    }
    this.pending[direction] = emptyPending();

    const messages: DecodedMessage[] = [];
    let offset = 0;
    while (offset < buffer.length) {
      const header = readFixedHeader(buffer, offset);
      if (header === 'incomplete') {
        this.keep(direction, buffer.subarray(offset), 0, messages, 'a packet header');
        break;
      }
      if (typeof header === 'string') {
        messages.push({
          protocol: 'mqtt',
          kind: 'raw',
          summary: `0x${hex(buffer.subarray(offset), 32)}`,
          note: header,
        });
        break;
      }
      const end = header.bodyStart + header.length;
      if (end > buffer.length) {
        if (header.length > MAX_PACKET_BYTES) {
          messages.push({
            protocol: 'mqtt',
            kind: PACKET_TYPES[header.type] ?? 'raw',
            summary: `${PACKET_TYPES[header.type]} (${header.length} bytes)`,
            note: `Packet of ${header.length} bytes is too large to reassemble here`,
          });
          break;
        }
        this.keep(
          direction,
          buffer.subarray(offset),
          end - offset,
          messages,
          `${PACKET_TYPES[header.type]} of ${header.length} bytes`,
        );
        break;
      }
      messages.push(
        this.packet(header.type, header.flags, buffer.subarray(header.bodyStart, end), direction),
      );
      offset = end;
    }
    return messages;
  }

  /** Keeps an incomplete packet for the direction's next frame; says so when this frame decoded nothing else. */
  private keep(
    direction: Direction,
    rest: Uint8Array,
    needed: number,
    messages: DecodedMessage[],
    what: string,
  ): void {
    this.pending[direction] = { chunks: [rest.slice()], length: rest.length, needed, what };
    if (messages.length === 0) messages.push(partial(what, rest.length));
  }

  private packet(type: number, flags: number, body: Uint8Array, direction: Direction): DecodedMessage {
    const name = PACKET_TYPES[type] ?? 'RESERVED';
    try {
      const decoded = this.body(type, flags, new MqttReader(body), direction);
      const { tree, capped } = plainTree(decoded.value);
      const message: DecodedMessage = {
        protocol: 'mqtt',
        kind: decoded.kind,
        summary: decoded.summary,
        value: tree,
      };
      if (decoded.topic !== undefined) message.fields = { topic: decoded.topic };
      if (decoded.pair) message.pair = decoded.pair;
      if (capped) message.note = 'Large: the tree is cut';
      return message;
    } catch (err) {
      return {
        protocol: 'mqtt',
        kind: name,
        summary: summaryLine(name, `0x${hex(body, 32)}`),
        note: err instanceof MqttTruncated || err instanceof Error ? err.message : String(err),
      };
    }
  }

  private get v5(): boolean {
    return this.level === 5;
  }

  private body(type: number, flags: number, r: MqttReader, direction: Direction): Decoded {
    switch (type) {
      case 1:
        return this.connect(r);
      case 2: {
        const sessionPresent = (r.u8('the acknowledge flags') & 1) === 1;
        const code = r.u8('the return code');
        const properties = this.v5 ? readProperties(r) : undefined;
        const result = this.v5 ? reasonName(code) : (V3_CONNACK[code] ?? `code ${code}`);
        return {
          kind: 'CONNACK',
          summary: summaryLine(
            'CONNACK',
            result,
            sessionPresent && 'session-present',
            propertiesText(properties),
          ),
          value: { sessionPresent, returnCode: code, result, ...(properties && { properties }) },
          pair: { key: 'mqtt:connect', role: 'response', control: true },
        };
      }
      case 3:
        return this.publish(flags, r, direction);
      case 4:
      case 5:
      case 6:
      case 7: {
        const kind = PACKET_TYPES[type] ?? 'PUBACK';
        const packetId = r.u16('the packet id');
        const code = this.v5 && r.remaining > 0 ? r.u8('the reason code') : undefined;
        const properties = this.v5 && r.remaining > 0 ? readProperties(r) : undefined;
        // PUBREL goes the publisher's way; the others answer the publisher.
        const owner = type === 6 ? direction : opposite(direction);
        const role: PairPart['role'] = type === 4 ? 'response' : type === 7 ? 'end' : 'stream';
        return {
          kind,
          summary: summaryLine(kind, `#${packetId}`, code !== undefined && code !== 0 && reasonName(code)),
          value: {
            packetId,
            ...(code !== undefined && { reasonCode: code }),
            ...(properties && { properties }),
          },
          pair: { key: pidKey(packetId, owner), role },
        };
      }
      case 8:
      case 10: {
        const kind = type === 8 ? 'SUBSCRIBE' : 'UNSUBSCRIBE';
        const packetId = r.u16('the packet id');
        const properties = this.v5 ? readProperties(r) : undefined;
        const filters: Array<{ topic: string; qos?: number; options?: Record<string, unknown> }> = [];
        while (r.remaining > 0) {
          const topic = r.string('a topic filter');
          if (type === 10) {
            filters.push({ topic });
            continue;
          }
          const options = r.u8('the subscription options');
          filters.push({
            topic,
            qos: options & 3,
            ...(this.v5 && {
              options: {
                noLocal: (options & 4) !== 0,
                retainAsPublished: (options & 8) !== 0,
                retainHandling: (options >> 4) & 3,
              },
            }),
          });
        }
        const list = filters
          .map((f) => (f.qos === undefined ? f.topic : `${f.topic} qos${f.qos}`))
          .join(', ');
        return {
          kind,
          summary: summaryLine(kind, `#${packetId}`, list, propertiesText(properties)),
          value: { packetId, filters, ...(properties && { properties }) },
          topic: filters[0]?.topic,
          pair: { key: pidKey(packetId, direction), role: 'request' },
        };
      }
      case 9:
      case 11: {
        const kind = type === 9 ? 'SUBACK' : 'UNSUBACK';
        const packetId = r.u16('the packet id');
        const properties = this.v5 ? readProperties(r) : undefined;
        const codes: number[] = [];
        while (r.remaining > 0) codes.push(r.u8('a return code'));
        const results = codes.map((code) => (type === 9 ? grantName(code, this.v5) : reasonName(code)));
        return {
          kind,
          summary: summaryLine(kind, `#${packetId}`, results.join(', ')),
          value: { packetId, returnCodes: codes, results, ...(properties && { properties }) },
          pair: { key: pidKey(packetId, opposite(direction)), role: 'response' },
        };
      }
      case 12:
      case 13:
        return {
          kind: type === 12 ? 'PINGREQ' : 'PINGRESP',
          summary: type === 12 ? 'PINGREQ' : 'PINGRESP',
          value: {},
          pair: { key: 'mqtt:ping', role: type === 12 ? 'request' : 'response', control: true },
        };
      case 14:
      case 15: {
        const kind = type === 14 ? 'DISCONNECT' : 'AUTH';
        const code = this.v5 && r.remaining > 0 ? r.u8('the reason code') : undefined;
        const properties = this.v5 && r.remaining > 0 ? readProperties(r) : undefined;
        return {
          kind,
          summary: summaryLine(
            kind,
            code !== undefined && (code === 0 && type === 14 ? 'normal' : reasonName(code)),
            propertiesText(properties),
          ),
          value: { ...(code !== undefined && { reasonCode: code }), ...(properties && { properties }) },
        };
      }
      default:
        throw new Error(`Reserved packet type ${type}`);
    }
  }

  private connect(r: MqttReader): Decoded {
    const protocolName = r.string('the protocol name');
    const level = r.u8('the protocol level');
    if (protocolName !== 'MQTT' && protocolName !== 'MQIsdp')
      throw new Error(`Not MQTT: protocol "${protocolName}"`);
    this.level = level;
    const flags = r.u8('the connect flags');
    const keepalive = r.u16('the keep alive');
    const properties = this.v5 ? readProperties(r) : undefined;
    const clientId = r.string('the client id');
    const clean = (flags & 2) !== 0;
    let will: Record<string, unknown> | undefined;
    if (flags & 4) {
      const willProperties = this.v5 ? readProperties(r) : undefined;
      const topic = r.string('the will topic');
      const payload = r.binary('the will payload');
      will = {
        topic,
        qos: (flags >> 3) & 3,
        retain: (flags & 0x20) !== 0,
        payload: bytesPreview(payload, 200),
        ...(willProperties && { properties: willProperties }),
      };
    }
    const username = flags & 0x80 ? r.string('the user name') : undefined;
    const password = flags & 0x40 ? r.binary('the password') : undefined;
    const version = level === 5 ? 'v5' : level === 4 ? 'v3.1.1' : level === 3 ? 'v3.1' : `level ${level}`;
    return {
      kind: 'CONNECT',
      summary: summaryLine(
        'CONNECT',
        clientId ? JSON.stringify(clientId) : '(no client id)',
        version,
        `keepalive ${keepalive}`,
        clean && (level === 5 ? 'clean-start' : 'clean-session'),
        username !== undefined && `user ${JSON.stringify(username)}`,
        will && `will ${String(will.topic)}`,
        propertiesText(properties),
      ),
      value: {
        protocolName,
        protocolLevel: level,
        clientId,
        clean,
        keepalive,
        ...(properties && { properties }),
        ...(will && { will }),
        ...(username !== undefined && { username }),
        // The password itself is never shown.
        ...(password && { password: `(${password.length} bytes)` }),
      },
      pair: { key: 'mqtt:connect', role: 'request', control: true },
    };
  }

  private publish(flags: number, r: MqttReader, direction: Direction): Decoded {
    const qos = (flags >> 1) & 3;
    const retain = (flags & 1) === 1;
    const dup = (flags & 8) !== 0;
    let topic = r.string('the topic');
    const packetId = qos > 0 ? r.u16('the packet id') : undefined;
    const properties = this.v5 ? readProperties(r) : undefined;
    const alias = typeof properties?.topicAlias === 'number' ? properties.topicAlias : undefined;
    if (alias !== undefined) {
      const aliases = this.aliases[direction];
      if (topic) aliases.set(alias, topic);
      else topic = aliases.get(alias) ?? '';
    }
    const payload = r.rest();
    const preview = bytesPreview(payload, 100);
    return {
      kind: 'PUBLISH',
      summary: summaryLine(
        'PUBLISH',
        topic || (alias !== undefined ? `(alias ${alias})` : '(no topic)'),
        `qos${qos}`,
        packetId !== undefined && `#${packetId}`,
        retain && 'retain',
        dup && 'dup',
        preview,
      ),
      value: {
        topic,
        qos,
        retain,
        dup,
        ...(packetId !== undefined && { packetId }),
        ...(properties && { properties }),
        payloadBytes: payload.length,
        payload: bytesPreview(payload, 10_000),
      },
      topic,
      ...(packetId !== undefined && { pair: { key: pidKey(packetId, direction), role: 'request' as const } }),
    };
  }
}

interface Pending {
  chunks: Uint8Array[];
  length: number;
  needed: number;
  what: string;
}

const emptyPending = (): Pending => ({ chunks: [], length: 0, needed: 0, what: '' });

function partial(what: string, length: number): DecodedMessage {
  return {
    protocol: 'mqtt',
    kind: 'partial',
    summary: `partial ${what}`,
    note: `Continues in the next frame (${length} bytes so far)`,
  };
}

type FixedHeader = { type: number; flags: number; length: number; bodyStart: number };

/** The fixed header at `offset`: 'incomplete' when the bytes stop inside it, a string when it is malformed. */
function readFixedHeader(buffer: Uint8Array, offset: number): FixedHeader | 'incomplete' | string {
  const first = buffer[offset];
  if (first === undefined) return 'incomplete';
  let length = 0;
  for (let i = 0; i < 4; i++) {
    const byte = buffer[offset + 1 + i];
    if (byte === undefined) return 'incomplete';
    length += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0)
      return { type: first >> 4, flags: first & 0x0f, length, bodyStart: offset + 2 + i };
  }
  return 'Malformed packet length (more than four bytes): the rest of the frame is not MQTT';
}

/** Whether bytes open with an MQTT CONNECT naming its protocol ("MQTT", or "MQIsdp" for 3.1). */
function isConnect(bytes: Uint8Array): boolean {
  const header = readFixedHeader(bytes, 0);
  if (typeof header !== 'object' || header.type !== 1 || header.flags !== 0) return false;
  const r = new MqttReader(bytes.subarray(header.bodyStart));
  try {
    const name = r.string('the protocol name');
    return name === 'MQTT' || name === 'MQIsdp';
  } catch {
    return false;
  }
}

function detect(sample: DetectSample): number {
  const sub = sample.subprotocol?.toLowerCase();
  if (sub === 'mqtt' || sub === 'mqttv3.1') return 0.99;
  // A client may write a CONNECT's header and body as separate frames: read the first few together.
  const sent: number[] = [];
  for (const { direction, frame } of sample.frames) {
    if (direction !== 'send') continue;
    if (!('bytes' in frame)) break;
    sent.push(...frame.bytes.subarray(0, 64));
    if (sent.length >= 64) break;
  }
  return sent.length > 0 && isConnect(new Uint8Array(sent)) ? 0.95 : 0;
}

export const mqttDecoder: Decoder = {
  id: 'mqtt',
  label: 'MQTT',
  detect,
  session: () => new MqttSession(),
};
