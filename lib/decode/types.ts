// What a protocol decoder is: plain logic the panel runs (never the page
// hook), one per application protocol carried over WebSocket, long-poll
// bodies, SSE or streamed fetch. A decoder says how likely a connection
// speaks its protocol, and decodes that connection's messages in order,
// keeping whatever state the protocol needs (Socket.IO binary attachments,
// SockJS's inner protocol). Decoding never throws: what does not decode is
// returned with a note, and the raw payload stays one click away.

import type { Transport } from '../model';

/** Application protocols the panel can decode. */
export const PROTOCOL_IDS = [
  'socket.io',
  'engine.io',
  'sockjs',
  'stomp',
  'graphql-transport-ws',
  'subscriptions-transport-ws',
  'mqtt',
  'json-rpc',
  'signalr',
  'phoenix',
  'actioncable',
  'graphql-sse',
  'msgpack',
  'cbor',
  'protobuf',
] as const;
export type ProtocolId = (typeof PROTOCOL_IDS)[number];

export function isProtocolId(v: unknown): v is ProtocolId {
  return (PROTOCOL_IDS as readonly unknown[]).includes(v);
}

/** One captured payload: text as the page got it, or bytes (base64 already decoded). */
export type Frame = { text: string } | { bytes: Uint8Array };

/** Which way a message went, from the page's side. */
export type Direction = 'send' | 'receive';

/** A request ↔ response pair's end, tied by a key unique within the connection. */
export interface PairPart {
  /** "ack:12", "rpc:7", "op:a1b2", "receipt:r-3", "mqtt-pid:5" */
  key: string;
  /** request opens a pair; response closes it; stream is a result of an open one (graphql next); end closes a stream. */
  role: 'request' | 'response' | 'stream' | 'end';
  /** A handshake or heartbeat (CONNECT ↔ CONNACK, ping ↔ pong): its latency is not a call's. */
  control?: boolean;
}

/** Fields the filter language reads from decoded messages. */
export interface DecodedFields {
  event?: string;
  topic?: string;
  op?: string;
  namespace?: string;
  destination?: string;
}

/** One protocol message decoded out of a frame (a frame may carry several). */
export interface DecodedMessage {
  protocol: ProtocolId;
  /** The message's type within its protocol: "EVENT", "ACK", "PUBLISH", "MESSAGE", "next"... */
  kind: string;
  /** One line for the event list: `EVENT chat {"id":7}`, `SEND /queue/a`, `PUBLISH sensors/1 qos1 #12`. */
  summary: string;
  fields?: DecodedFields;
  pair?: PairPart;
  /** The decoded message as plain JSON-able data, for the detail's tree. */
  value?: unknown;
  /** Messages of a protocol carried inside this one (SockJS a[…] frames carrying STOMP). */
  inner?: DecodedMessage[];
  /** Why decoding fell short (truncated, malformed, a guess): said beside the raw payload. */
  note?: string;
}

/** What detection sees of a connection. */
export interface DetectSample {
  transport: Transport;
  url: string;
  /** The negotiated WebSocket subprotocol, if any. */
  subprotocol: string | null;
  /** Its first few messages, in order; `event` is an EventSource message's event name. */
  frames: ReadonlyArray<{ direction: Direction; frame: Frame; event?: string }>;
}

/** One connection's decoding, in message order. */
export interface DecoderSession {
  /**
   * Decodes one message; never throws; [] when nothing in it is of this protocol.
   * `event` is an EventSource message's event name (absent for other transports).
   */
  decode(frame: Frame, direction: Direction, event?: string): DecodedMessage[];
}

export interface Decoder {
  id: ProtocolId;
  /** Shown on the connection: "Socket.IO", "STOMP 1.2", "MQTT". */
  label: string;
  /** 0 (not this protocol) to 1 (certain), from the URL, subprotocol and first frames; never throws. */
  detect(sample: DetectSample): number;
  /** A fresh decoding state for one connection. */
  session(): DecoderSession;
}
