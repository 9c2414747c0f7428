// Decoding as the panel needs it: each connection's protocol detected once
// from its URL, subprotocol and first messages, and its messages decoded in
// order, lazily (only up to the one asked for), each result kept. A
// connection's decoding state moves forward only, so asking for a late
// message decodes the ones before it once, and never again.

import { base64ToBytes } from '../base64';
import type { Connection, TimelineEvent } from '../timeline/store';
import { detectProtocol, safeSession } from './registry';
import type {
  DecodedMessage,
  Decoder,
  DecoderSession,
  DetectSample,
  Direction,
  Frame,
  PairPart,
} from './types';

/** Messages detection looks at before it decides a connection speaks no known protocol. */
export const DETECT_FRAMES = 8;
/** Larger messages are left out of detection: protocol handshakes are small, and a 50 MB frame parsed by every decoder would stall the panel. */
export const DETECT_FRAME_MAX = 64 * 1024;

/** A request and what answered it, tied by their pair key. */
export interface MessagePair {
  key: string;
  request: TimelineEvent | null;
  /** The answer (a response or a stream's end); null while unanswered. */
  response: TimelineEvent | null;
  /** Stream results between them (GraphQL next, MQTT PUBREC / PUBREL). */
  stream: TimelineEvent[];
}

interface ConnectionDecoding {
  /** Its messages with a payload, in arrival order. */
  messages: TimelineEvent[];
  /** Pairs by key, the latest of each key (ids come back once a pair closed). */
  open: Map<string, MessagePair>;
  /** Undefined while still undecided; null when no decoder claimed it. */
  decoder: Decoder | null | undefined;
  session: DecoderSession | null;
  /** How many of `messages` were decoded. */
  decoded: number;
}

/** The frame and direction of an event with a payload; null for lifecycle events. */
export function frameOf(e: TimelineEvent): { frame: Frame; direction: Direction } | null {
  const r = e.record;
  if ((r.type !== 'send' && r.type !== 'receive') || !r.data) return null;
  const frame: Frame = 'text' in r.data ? { text: r.data.text } : { bytes: base64ToBytes(r.data.base64) };
  return { frame, direction: r.type };
}

export class ConnectionDecodings {
  private readonly byConnection = new Map<Connection, ConnectionDecoding>();
  private readonly results = new WeakMap<TimelineEvent, DecodedMessage[]>();
  private readonly pairs = new WeakMap<TimelineEvent, MessagePair>();
  private source: readonly TimelineEvent[] | null = null;
  private seen = 0;

  constructor(private readonly decoders: readonly Decoder[]) {}

  /** Takes in events the store added since the last call: O(new events), no decoding. */
  sync(events: readonly TimelineEvent[]): void {
    if (events !== this.source || events.length < this.seen) {
      this.source = events;
      this.seen = 0;
      this.byConnection.clear();
    }
    for (let i = this.seen; i < events.length; i++) {
      const e = events[i] as TimelineEvent;
      const r = e.record;
      if ((r.type !== 'send' && r.type !== 'receive') || !r.data) continue;
      let d = this.byConnection.get(e.connection);
      if (!d) {
        d = { messages: [], open: new Map(), decoder: undefined, session: null, decoded: 0 };
        this.byConnection.set(e.connection, d);
      }
      d.messages.push(e);
    }
    this.seen = events.length;
  }

  /**
   * The decoder a connection's protocol was detected as; null when none
   * (or not yet: a connection with fewer than DETECT_FRAMES messages that no
   * decoder claims yet is asked again as more arrive).
   */
  protocolOf(c: Connection): Decoder | null {
    const d = this.byConnection.get(c);
    if (!d) return null;
    if (d.decoder !== undefined) return d.decoder;
    const frames: Array<{ frame: Frame; direction: Direction }> = [];
    for (const e of d.messages.slice(0, DETECT_FRAMES)) {
      const data = e.record.data;
      const length = data ? ('text' in data ? data.text.length : (data.base64.length * 3) / 4) : 0;
      if (Math.max(e.record.size ?? 0, length) > DETECT_FRAME_MAX) continue;
      const f = frameOf(e);
      if (f) frames.push(f);
    }
    const sample: DetectSample = {
      transport: c.transport,
      url: c.url,
      subprotocol: c.protocol,
      frames,
    };
    const found = detectProtocol(sample, this.decoders);
    if (found) {
      d.decoder = found.decoder;
      d.session = safeSession(found.decoder);
    } else if (d.messages.length >= DETECT_FRAMES) d.decoder = null;
    return found?.decoder ?? null;
  }

  /** An event's decoded messages ([] when its connection speaks no known protocol, or it has no payload). */
  decodedOf(e: TimelineEvent): readonly DecodedMessage[] {
    const kept = this.results.get(e);
    if (kept) return kept;
    const d = this.byConnection.get(e.connection);
    if (!d || !this.protocolOf(e.connection) || !d.session) return [];
    const at = d.messages.indexOf(e, d.decoded);
    if (at < 0) return [];
    this.decodeThrough(d, at);
    return this.results.get(e) ?? [];
  }

  /**
   * The pair an event's first paired message belongs to: its request and
   * its answer, so far. Decodes the rest of the connection to find the answer.
   */
  pairOf(e: TimelineEvent): MessagePair | null {
    if (this.decodedOf(e).length === 0) return null;
    const d = this.byConnection.get(e.connection);
    if (d?.session) this.decodeThrough(d, d.messages.length - 1);
    return this.pairs.get(e) ?? null;
  }

  private decodeThrough(d: ConnectionDecoding, at: number): void {
    const session = d.session;
    if (!session) return;
    for (let i = d.decoded; i <= at; i++) {
      const m = d.messages[i] as TimelineEvent;
      const f = frameOf(m);
      const decoded = f ? session.decode(f.frame, f.direction) : [];
      this.results.set(m, decoded);
      for (const msg of decoded) if (msg.pair) this.pairUp(d, m, msg.pair.key, msg.pair.role);
    }
    if (at + 1 > d.decoded) d.decoded = at + 1;
  }

  private pairUp(d: ConnectionDecoding, e: TimelineEvent, key: string, role: PairPart['role']): void {
    let pair = d.open.get(key);
    // A request opens a new pair under its key (ids are reused once a pair closed).
    if (role === 'request' || !pair) {
      pair = { key, request: null, response: null, stream: [] };
      d.open.set(key, pair);
    }
    if (role === 'request') pair.request = e;
    else if (role === 'stream') pair.stream.push(e);
    else if (pair.response === null) pair.response = e;
    if (!this.pairs.has(e)) this.pairs.set(e, pair);
  }
}

/** One line for a payload's decoded messages: the first one's summary, and how many more it carried. */
export function decodedLine(messages: readonly DecodedMessage[]): string {
  const first = messages[0];
  if (!first) return '';
  const line = first.summary || (first.note ?? first.kind);
  return messages.length > 1 ? `${line} (+${messages.length - 1} more)` : line;
}
