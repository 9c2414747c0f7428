// Phoenix channels: every message is topic, event, payload and a ref. The
// v2 serializer sends JSON arrays [join_ref, ref, topic, event, payload]
// (and binary payloads in a small binary header); v1 sent objects
// {topic, event, payload, ref}. A push with a ref is answered by a
// phx_reply with the same ref ({status, response}); heartbeats go to the
// "phoenix" topic.

import type { DecodedMessage, Decoder, DecoderSession, DetectSample, Direction, Frame } from './types';
import { compactPreview, frameText, isRecord, parseJson, plainTree, summaryLine } from './value-preview';

interface PhoenixMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

const CONTROL_EVENTS = new Set(['phx_join', 'phx_reply', 'phx_leave', 'phx_close', 'phx_error', 'heartbeat']);

function refText(ref: unknown): string | null {
  if (typeof ref === 'string') return ref;
  if (typeof ref === 'number') return String(ref);
  return null;
}

/** The message out of a v2 array or v1 object; null when it is neither. */
function fromJson(value: unknown): (PhoenixMessage & { version: 1 | 2 }) | null {
  if (Array.isArray(value)) {
    if (value.length !== 5) return null;
    const [joinRef, ref, topic, event, payload] = value as unknown[];
    if (typeof topic !== 'string' || typeof event !== 'string') return null;
    return { joinRef: refText(joinRef), ref: refText(ref), topic, event, payload, version: 2 };
  }
  if (!isRecord(value)) return null;
  if (typeof value.topic !== 'string' || typeof value.event !== 'string' || !('payload' in value))
    return null;
  return {
    joinRef: refText(value.join_ref),
    ref: refText(value.ref),
    topic: value.topic,
    event: value.event,
    payload: value.payload,
    version: 1,
  };
}

const KIND_PUSH = 0;
const KIND_REPLY = 1;
const KIND_BROADCAST = 2;
const utf8 = new TextDecoder();

/** The v2 binary serializer's frames: a kind byte, field sizes, the fields, then the raw payload. */
function fromBinary(bytes: Uint8Array, direction: Direction): PhoenixMessage | string {
  const kind = bytes[0];
  // Pushes from the page carry a ref; pushes from the server do not.
  const sizeCount =
    kind === KIND_PUSH
      ? direction === 'send'
        ? 4
        : 3
      : kind === KIND_REPLY
        ? 4
        : kind === KIND_BROADCAST
          ? 2
          : 0;
  if (sizeCount === 0) return `Unknown Phoenix binary message kind ${kind ?? '(empty)'}`;
  if (bytes.length < 1 + sizeCount) return 'Truncated Phoenix binary message: header cut';
  const sizes = Array.from(bytes.subarray(1, 1 + sizeCount));
  let offset = 1 + sizeCount;
  const fields: string[] = [];
  for (const size of sizes) {
    if (offset + size > bytes.length) return 'Truncated Phoenix binary message: fields cut';
    fields.push(utf8.decode(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  const payload = bytes.slice(offset);
  const field = (i: number) => fields[i] ?? '';
  if (kind === KIND_BROADCAST) return { joinRef: null, ref: null, topic: field(0), event: field(1), payload };
  if (kind === KIND_REPLY) {
    return {
      joinRef: field(0),
      ref: field(1),
      topic: field(2),
      event: 'phx_reply',
      payload: { status: field(3), response: payload },
    };
  }
  if (sizeCount === 4) return { joinRef: field(0), ref: field(1), topic: field(2), event: field(3), payload };
  return { joinRef: field(0), ref: null, topic: field(1), event: field(2), payload };
}

class PhoenixSession implements DecoderSession {
  /** Events of pushes awaiting their reply, by ref, so a reply can say what it answers. */
  private readonly pending = new Map<string, string>();

  decode(frame: Frame, direction: Direction): DecodedMessage[] {
    if ('bytes' in frame && frame.bytes[0] !== 0x5b && frame.bytes[0] !== 0x7b) {
      const parsed = fromBinary(frame.bytes, direction);
      if (typeof parsed === 'string') {
        return [{ protocol: 'phoenix', kind: 'raw', summary: `${frame.bytes.length} bytes`, note: parsed }];
      }
      return [this.message(parsed, direction)];
    }
    const text = frameText(frame);
    const json = parseJson(text);
    const parsed = fromJson(json);
    if (!parsed) {
      return [
        {
          protocol: 'phoenix',
          kind: 'raw',
          summary: summaryLine(text),
          note: json === undefined ? 'Not JSON' : 'Not a Phoenix message (no topic, event and payload)',
        },
      ];
    }
    return [this.message(parsed, direction)];
  }

  private message(m: PhoenixMessage, direction: Direction): DecodedMessage {
    const { tree, capped } = plainTree({
      join_ref: m.joinRef,
      ref: m.ref,
      topic: m.topic,
      event: m.event,
      payload: m.payload,
    });
    const message: DecodedMessage = {
      protocol: 'phoenix',
      kind: m.event,
      summary: '',
      fields: { topic: m.topic, event: m.event },
      value: tree,
    };
    if (m.event === 'phx_reply') {
      const reply = isRecord(m.payload) ? m.payload : {};
      const status = typeof reply.status === 'string' ? reply.status : '?';
      const key = m.ref === null ? undefined : `ref:${m.ref}`;
      const answered = key === undefined ? undefined : this.pending.get(key);
      if (key !== undefined) this.pending.delete(key);
      message.summary = summaryLine(
        'phx_reply',
        status,
        m.ref !== null && `#${m.ref}`,
        answered && `(${answered})`,
        m.topic,
        'response' in reply && compactPreview(reply.response, 100),
      );
      // A heartbeat's reply measures the socket, not a call.
      if (key !== undefined)
        message.pair = { key, role: 'response', ...(answered === 'heartbeat' && { control: true }) };
    } else {
      message.summary = summaryLine(
        m.topic,
        m.event,
        m.payload instanceof Uint8Array ? `<${m.payload.length} bytes>` : compactPreview(m.payload, 120),
        m.ref !== null && `#${m.ref}`,
      );
      // Only the page's pushes are answered; a server push carrying a ref (phx_close) answers nothing.
      if (direction === 'send' && m.ref !== null) {
        const key = `ref:${m.ref}`;
        this.pending.set(key, m.event);
        message.pair = { key, role: 'request', ...(m.event === 'heartbeat' && { control: true }) };
      }
    }
    if (capped) message.note = 'Large or deeply nested: the tree is cut';
    return message;
  }
}

const SOCKET_URL = /\/websocket\?(.*&)?vsn=\d/;

function detect(sample: DetectSample): number {
  const urlHint = SOCKET_URL.test(sample.url);
  let shaped = 0;
  let control = false;
  let seen = 0;
  for (const { frame } of sample.frames.slice(0, 8)) {
    if ('bytes' in frame && frame.bytes[0] !== 0x5b && frame.bytes[0] !== 0x7b) continue;
    const parsed = parseJson(frameText(frame));
    if (parsed === undefined) continue;
    seen++;
    const message = fromJson(parsed);
    if (!message) continue;
    shaped++;
    if (CONTROL_EVENTS.has(message.event) || message.topic === 'phoenix') control = true;
  }
  if (shaped === 0) return urlHint ? 0.55 : 0;
  let score = control ? 0.9 : 0.6;
  if (shaped < seen) score -= 0.2;
  if (urlHint) score += 0.07;
  return Math.min(0.97, score);
}

export const phoenixDecoder: Decoder = {
  id: 'phoenix',
  label: 'Phoenix channels',
  detect,
  session: () => new PhoenixSession(),
};
