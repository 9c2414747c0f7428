// Reading MQTT's wire types (big-endian integers, variable byte integers,
// length-prefixed strings and binary, v5 properties) from a Uint8Array, with
// a bounds check on every read: running out of bytes throws MqttTruncated,
// which the packet decoder turns into a note.

import { bytesPreview, hex } from './value-preview';

export class MqttTruncated extends Error {
  constructor(what: string) {
    super(`Truncated: ${what} runs past the packet's end`);
  }
}

const utf8 = new TextDecoder();

export class MqttReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(what = 'a byte'): number {
    if (this.remaining < 1) throw new MqttTruncated(what);
    return this.bytes[this.offset++] ?? 0;
  }

  u16(what = 'a two-byte integer'): number {
    if (this.remaining < 2) throw new MqttTruncated(what);
    const value = ((this.bytes[this.offset] ?? 0) << 8) | (this.bytes[this.offset + 1] ?? 0);
    this.offset += 2;
    return value;
  }

  u32(what = 'a four-byte integer'): number {
    if (this.remaining < 4) throw new MqttTruncated(what);
    const value = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, 4).getUint32(0);
    this.offset += 4;
    return value;
  }

  varint(what = 'a variable byte integer'): number {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const byte = this.u8(what);
      value += (byte & 0x7f) * 128 ** i;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error(`Malformed ${what}: longer than four bytes`);
  }

  take(length: number, what: string): Uint8Array {
    if (this.remaining < length) throw new MqttTruncated(what);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  rest(): Uint8Array {
    return this.take(this.remaining, 'the payload');
  }

  binary(what: string): Uint8Array {
    return this.take(this.u16(what), what);
  }

  string(what: string): string {
    return utf8.decode(this.binary(what));
  }
}

/** v5 property ids: their names and wire types. */
const PROPERTIES: Record<number, [string, 'byte' | 'u16' | 'u32' | 'varint' | 'string' | 'binary' | 'pair']> =
  {
    1: ['payloadFormatIndicator', 'byte'],
    2: ['messageExpiryInterval', 'u32'],
    3: ['contentType', 'string'],
    8: ['responseTopic', 'string'],
    9: ['correlationData', 'binary'],
    11: ['subscriptionIdentifier', 'varint'],
    17: ['sessionExpiryInterval', 'u32'],
    18: ['assignedClientIdentifier', 'string'],
    19: ['serverKeepAlive', 'u16'],
    21: ['authenticationMethod', 'string'],
    22: ['authenticationData', 'binary'],
    23: ['requestProblemInformation', 'byte'],
    24: ['willDelayInterval', 'u32'],
    25: ['requestResponseInformation', 'byte'],
    26: ['responseInformation', 'string'],
    28: ['serverReference', 'string'],
    31: ['reasonString', 'string'],
    33: ['receiveMaximum', 'u16'],
    34: ['topicAliasMaximum', 'u16'],
    35: ['topicAlias', 'u16'],
    36: ['maximumQoS', 'byte'],
    37: ['retainAvailable', 'byte'],
    38: ['userProperties', 'pair'],
    39: ['maximumPacketSize', 'u32'],
    40: ['wildcardSubscriptionAvailable', 'byte'],
    41: ['subscriptionIdentifierAvailable', 'byte'],
    42: ['sharedSubscriptionAvailable', 'byte'],
  };

export type MqttProperties = Record<string, unknown>;

/** A v5 property block: named properties; user properties as [name, value] pairs; an unknown id keeps the rest as bytes. */
export function readProperties(reader: MqttReader): MqttProperties {
  const length = reader.varint('the properties length');
  const block = new MqttReader(reader.take(length, 'the properties'));
  const properties: MqttProperties = {};
  while (block.remaining > 0) {
    const id = block.varint('a property id');
    const known = PROPERTIES[id];
    if (!known) {
      // Without its type the property's length is unknown: keep what is left as is.
      properties[`unknown_0x${id.toString(16)}`] = hex(block.rest(), 256);
      break;
    }
    const [name, type] = known;
    const what = `property ${name}`;
    let value: unknown;
    if (type === 'byte') value = block.u8(what);
    else if (type === 'u16') value = block.u16(what);
    else if (type === 'u32') value = block.u32(what);
    else if (type === 'varint') value = block.varint(what);
    else if (type === 'string') value = block.string(what);
    else if (type === 'binary') value = bytesPreview(block.binary(what), 200);
    else value = [block.string(what), block.string(what)];
    if (type === 'pair' || name === 'subscriptionIdentifier') {
      const list = properties[name];
      properties[name] = Array.isArray(list) ? [...list, value] : [value];
    } else properties[name] = value;
  }
  return properties;
}
