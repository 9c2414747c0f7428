// Picking a connection's protocol and decoding its messages without ever
// throwing into the UI: a decoder that throws (a bug, or input nobody
// foresaw) gives the raw payload back with a note instead.

import type { DecodedMessage, Decoder, DecoderSession, DetectSample, Direction, Frame } from './types';

/** Below this, a protocol is not claimed: the connection shows raw payloads. */
export const DETECT_THRESHOLD = 0.5;

/** The most likely decoder for a connection, or null when none is sure enough. */
export function detectProtocol(
  sample: DetectSample,
  decoders: readonly Decoder[],
): { decoder: Decoder; score: number } | null {
  let best: { decoder: Decoder; score: number } | null = null;
  for (const decoder of decoders) {
    let score = 0;
    try {
      score = decoder.detect(sample);
    } catch {
      score = 0;
    }
    if (!Number.isFinite(score) || score < DETECT_THRESHOLD) continue;
    if (!best || score > best.score) best = { decoder, score };
  }
  return best;
}

/** A session whose decode never throws. */
export function safeSession(decoder: Decoder): DecoderSession {
  let inner: DecoderSession | null = null;
  return {
    decode(frame: Frame, direction: Direction, event?: string): DecodedMessage[] {
      try {
        inner ??= decoder.session();
        return inner.decode(frame, direction, event);
      } catch (err) {
        return [
          {
            protocol: decoder.id,
            kind: 'raw',
            summary: '',
            note: `Not decoded as ${decoder.label}: ${err instanceof Error ? err.message : String(err)}`,
          },
        ];
      }
    },
  };
}
