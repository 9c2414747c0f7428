// Decoding as the panel needs it: each connection's protocol detected once
// from its URL, subprotocol and first messages, and its messages decoded in
// order, lazily (only up to the one asked for), each result kept. A
// connection's decoding state moves forward only, so asking for a late
// message decodes the ones before it once, and never again.

import { base64ToBytes } from '../base64';
import type { Connection, TimelineEvent } from '../timeline/store';
import type { DecodingChoice } from './decoding-choice';
import { decodingStreamKey } from './decoding-streams';
import { type LatencyStats, latencyStats, type MessagePair } from './pair-latency';
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

export type { MessagePair } from './pair-latency';

/** Messages detection looks at before it decides a connection speaks no known protocol. */
export const DETECT_FRAMES = 8;
/** Larger messages are left out of detection: protocol handshakes are small, and a 50 MB frame parsed by every decoder would stall the panel. */
export const DETECT_FRAME_MAX = 64 * 1024;

/** Messages decoded as one conversation: a socket, or the exchanges of one polling session (decoding-streams.ts). */
interface StreamDecoding {
  /** Its first connection: detection reads its URL and subprotocol. */
  first: Connection;
  /** Its messages with a payload, in arrival order. */
  messages: TimelineEvent[];
  /** Pairs by key, the latest of each key (ids come back once a pair closed). */
  open: Map<string, MessagePair>;
  /** Every pair, in the order its first message was decoded. */
  pairs: MessagePair[];
  /** Undefined while still undecided; null when no decoder claimed it. */
  decoder: Decoder | null | undefined;
  /** What detection found, once settled (kept apart from a user's choice). */
  detected: Decoder | null | undefined;
  session: DecoderSession | null;
  /** Latency over all its pairs, and how many messages it covered. */
  latency: { decoded: number; stats: LatencyStats } | null;
  /** How many of `messages` were decoded. */
  decoded: number;
}

/** The frame and direction of an event with a payload; null for lifecycle events. */
export function frameOf(e: TimelineEvent): { frame: Frame; direction: Direction; event?: string } | null {
  const r = e.record;
  if ((r.type !== 'send' && r.type !== 'receive') || !r.data) return null;
  const frame: Frame = 'text' in r.data ? { text: r.data.text } : { bytes: base64ToBytes(r.data.base64) };
  // An EventSource message's event name (GraphQL over SSE tells results from the end by it).
  return r.eventName !== undefined
    ? { frame, direction: r.type, event: r.eventName }
    : { frame, direction: r.type };
}

export class ConnectionDecodings {
  private readonly byConnection = new Map<Connection, StreamDecoding>();
  private readonly byStream = new Map<string, StreamDecoding>();
  private readonly results = new WeakMap<TimelineEvent, DecodedMessage[]>();
  private readonly pairs = new WeakMap<TimelineEvent, MessagePair>();
  private source: readonly TimelineEvent[] | null = null;
  private seen = 0;

  /**
   * @param decoders what detection may pick from ([] turns decoding off)
   * @param choiceOf the user's choice for a connection ("decode as…"), if any
   */
  constructor(
    private readonly decoders: readonly Decoder[],
    private readonly choiceOf: (c: Connection) => DecodingChoice | null = () => null,
  ) {}

  /** Takes in events the store added since the last call: O(new events), no decoding. */
  sync(events: readonly TimelineEvent[]): void {
    if (events !== this.source || events.length < this.seen) {
      this.source = events;
      this.seen = 0;
      this.byConnection.clear();
      this.byStream.clear();
    }
    for (let i = this.seen; i < events.length; i++) {
      const e = events[i] as TimelineEvent;
      const r = e.record;
      if ((r.type !== 'send' && r.type !== 'receive') || !r.data) continue;
      let d = this.byConnection.get(e.connection);
      if (!d) {
        const key = decodingStreamKey(e.connection);
        d = this.byStream.get(key);
        if (!d) {
          d = {
            first: e.connection,
            messages: [],
            open: new Map(),
            pairs: [],
            decoder: undefined,
            detected: undefined,
            session: null,
            latency: null,
            decoded: 0,
          };
          this.byStream.set(key, d);
        }
        this.byConnection.set(e.connection, d);
      }
      d.messages.push(e);
    }
    this.seen = events.length;
  }

  /**
   * The decoder a connection is decoded with: the user's choice, else the
   * detected one; null when none (or not yet: a connection with fewer than
   * DETECT_FRAMES messages that no decoder claims yet is asked again as more
   * arrive).
   */
  protocolOf(c: Connection): Decoder | null {
    const d = this.byConnection.get(c);
    if (!d) return null;
    if (d.decoder !== undefined) return d.decoder;
    const choice = this.choiceOf(d.first);
    if (choice !== null) {
      const chosen = choice === 'raw' ? null : (this.decoders.find((x) => x.id === choice) ?? null);
      this.settle(d, chosen);
      return chosen;
    }
    const found = this.detect(d);
    if (found) this.settle(d, found);
    else if (d.messages.length >= DETECT_FRAMES) d.decoder = null;
    return found;
  }

  /** What detection alone makes of a connection, whatever the user chose. */
  detectedOf(c: Connection): Decoder | null {
    const d = this.byConnection.get(c);
    return d ? this.detect(d) : null;
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
   * its answer, so far. Decodes the rest of the stream to find the answer.
   */
  pairOf(e: TimelineEvent): MessagePair | null {
    if (this.decodedOf(e).length === 0) return null;
    const d = this.byConnection.get(e.connection);
    if (d?.session) this.decodeThrough(d, d.messages.length - 1);
    return this.pairs.get(e) ?? null;
  }

  /** Every pair whose request the connection sent or received (decodes its whole stream). */
  pairsOf(c: Connection): MessagePair[] {
    const d = this.byConnection.get(c);
    if (!d || !this.protocolOf(c) || !d.session) return [];
    this.decodeThrough(d, d.messages.length - 1);
    return d.pairs.filter((p) => p.request?.connection === c);
  }

  /** The connection's call latency; null when it speaks no known protocol or made no calls. */
  latencyOf(c: Connection): LatencyStats | null {
    return someCalls(latencyStats(this.pairsOf(c)));
  }

  /**
   * Call latency over the conversations of these connections: a socket, or
   * a polling session's every exchange (whichever exchange carried the request).
   */
  conversationLatencyOf(connections: readonly Connection[]): LatencyStats | null {
    const streams = new Set<StreamDecoding>();
    for (const c of connections) {
      const d = this.byConnection.get(c);
      if (d && this.protocolOf(c) && d.session) streams.add(d);
    }
    if (streams.size === 1) {
      // The common case (one socket selected, again and again as it streams): kept until it grows.
      const [d] = streams as unknown as [StreamDecoding];
      this.decodeThrough(d, d.messages.length - 1);
      if (d.latency?.decoded !== d.decoded) d.latency = { decoded: d.decoded, stats: latencyStats(d.pairs) };
      return someCalls(d.latency.stats);
    }
    const pairs: MessagePair[] = [];
    for (const d of streams) {
      this.decodeThrough(d, d.messages.length - 1);
      pairs.push(...d.pairs);
    }
    return someCalls(latencyStats(pairs));
  }

  private detect(d: StreamDecoding): Decoder | null {
    if (d.detected !== undefined) return d.detected;
    if (this.decoders.length === 0) return null;
    const frames: DetectSample['frames'][number][] = [];
    for (const e of d.messages.slice(0, DETECT_FRAMES)) {
      const data = e.record.data;
      const length = data ? ('text' in data ? data.text.length : (data.base64.length * 3) / 4) : 0;
      if (Math.max(e.record.size ?? 0, length) > DETECT_FRAME_MAX) continue;
      const f = frameOf(e);
      if (f) frames.push(f);
    }
    const sample: DetectSample = {
      transport: d.first.transport,
      url: d.first.url,
      subprotocol: d.first.protocol,
      frames,
    };
    const found = detectProtocol(sample, this.decoders)?.decoder ?? null;
    if (found || d.messages.length >= DETECT_FRAMES) d.detected = found;
    return found;
  }

  private settle(d: StreamDecoding, decoder: Decoder | null): void {
    d.decoder = decoder;
    d.session = decoder ? safeSession(decoder) : null;
  }

  private decodeThrough(d: StreamDecoding, at: number): void {
    const session = d.session;
    if (!session) return;
    for (let i = d.decoded; i <= at; i++) {
      const m = d.messages[i] as TimelineEvent;
      const f = frameOf(m);
      const decoded = f ? session.decode(f.frame, f.direction, f.event) : [];
      this.results.set(m, decoded);
      for (const msg of decoded) if (msg.pair) this.pairUp(d, m, msg.pair);
    }
    if (at + 1 > d.decoded) d.decoded = at + 1;
  }

  private pairUp(d: StreamDecoding, e: TimelineEvent, part: PairPart): void {
    const { key, role } = part;
    let pair = d.open.get(key);
    // A request opens a new pair under its key (ids are reused once a pair closed).
    if (role === 'request' || !pair) {
      pair = { key, request: null, response: null, stream: [], control: part.control === true };
      d.open.set(key, pair);
      d.pairs.push(pair);
    }
    if (role === 'request') pair.request = e;
    else if (role === 'stream') pair.stream.push(e);
    else if (pair.response === null) pair.response = e;
    if (!this.pairs.has(e)) this.pairs.set(e, pair);
  }
}

function someCalls(stats: LatencyStats): LatencyStats | null {
  return stats.answered + stats.unanswered > 0 ? stats : null;
}

/** One line for a payload's decoded messages: the first one's summary, and how many more it carried. */
export function decodedLine(messages: readonly DecodedMessage[]): string {
  const first = messages[0];
  if (!first) return '';
  const line = first.summary || (first.note ?? first.kind);
  return messages.length > 1 ? `${line} (+${messages.length - 1} more)` : line;
}
