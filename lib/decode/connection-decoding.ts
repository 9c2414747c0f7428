// Decoding as the panel needs it: each connection's protocol detected once
// from its URL, subprotocol and first messages, and its messages decoded in
// order, lazily (only up to the one asked for), each result kept. A
// connection's decoding state moves forward only, so asking for a late
// message decodes the ones before it once, and never again.

import { base64ToBytes } from '../base64';
import type { Connection, TimelineEvent } from '../timeline/store';
import { detectProtocol, safeSession } from './registry';
import type { DecodedMessage, Decoder, DecoderSession, DetectSample, Direction, Frame } from './types';

/** Messages detection looks at before it decides a connection speaks no known protocol. */
export const DETECT_FRAMES = 8;
/** Larger messages are left out of detection: protocol handshakes are small, and a 50 MB frame parsed by every decoder would stall the panel. */
export const DETECT_FRAME_MAX = 64 * 1024;

interface ConnectionDecoding {
  /** Its messages with a payload, in arrival order. */
  messages: TimelineEvent[];
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
        d = { messages: [], decoder: undefined, session: null, decoded: 0 };
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
    for (let i = d.decoded; i <= at; i++) {
      const m = d.messages[i] as TimelineEvent;
      const f = frameOf(m);
      this.results.set(m, f ? d.session.decode(f.frame, f.direction) : []);
    }
    d.decoded = at + 1;
    return this.results.get(e) ?? [];
  }
}

/** One line for a payload's decoded messages: the first one's summary, and how many more it carried. */
export function decodedLine(messages: readonly DecodedMessage[]): string {
  const first = messages[0];
  if (!first) return '';
  const line = first.summary || (first.note ?? first.kind);
  return messages.length > 1 ? `${line} (+${messages.length - 1} more)` : line;
}
