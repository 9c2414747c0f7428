// ASP.NET Core SignalR, JSON hub protocol: JSON records each ended by the
// record separator 0x1e, over WebSocket, SSE or long-polling. The client
// opens with a handshake ({"protocol":"json","version":1}); the server
// answers {} or {"error":…}. Then typed messages: invocations carry an
// invocationId when they want a Completion back, streams send StreamItems
// under the id until a Completion ends them.

import type {
  DecodedMessage,
  Decoder,
  DecoderSession,
  DetectSample,
  Direction,
  Frame,
  PairPart,
} from './types';
import { compactPreview, frameText, isRecord, parseJson, plainTree, summaryLine } from './value-preview';

export const SIGNALR_RECORD_SEPARATOR = '\x1e';

const MESSAGE_TYPES: Record<number, string> = {
  1: 'Invocation',
  2: 'StreamItem',
  3: 'Completion',
  4: 'StreamInvocation',
  5: 'CancelInvocation',
  6: 'Ping',
  7: 'Close',
  8: 'Ack',
  9: 'Sequence',
};

/** Records past this count in one payload are left out (with a note). */
const MAX_RECORDS = 10_000;

const opposite = (direction: Direction): Direction => (direction === 'send' ? 'receive' : 'send');

function idText(id: unknown): string | undefined {
  if (typeof id === 'string') return id;
  if (typeof id === 'number') return String(id);
  return undefined;
}

function argumentsPreview(args: unknown): string {
  if (!Array.isArray(args)) return '()';
  const inner = compactPreview(args, 120);
  // compactPreview renders [a,b]: shown as a call's (a,b).
  return inner.startsWith('[') && inner.endsWith(']') ? `(${inner.slice(1, -1)})` : `(${inner})`;
}

function isHandshakeRequest(value: Record<string, unknown>): boolean {
  return typeof value.protocol === 'string' && typeof value.version === 'number' && !('type' in value);
}

function isHandshakeResponse(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.every((key) => key === 'error' || key === 'minorVersion');
}

class SignalRSession implements DecoderSession {
  /** Which side opened each invocation id, so answers pair with the right request. */
  private readonly openedBy = new Map<string, Direction>();
  /** Ids whose answers are a stream (StreamInvocation, upload streams, StreamItems seen). */
  private readonly streams = new Set<string>();
  /** Targets of open invocations by pair key, so a Completion can say what it answers. */
  private readonly targets = new Map<string, string>();
  private handshakeDone = false;

  decode(frame: Frame, direction: Direction): DecodedMessage[] {
    if ('bytes' in frame && frame.bytes.length > 0 && frame.bytes[0] !== 0x7b) {
      return [
        {
          protocol: 'signalr',
          kind: 'raw',
          summary: `${frame.bytes.length} bytes`,
          note: 'Binary SignalR message (MessagePack hub protocol): not decoded here',
        },
      ];
    }
    const text = frameText(frame);
    const parts = text.split(SIGNALR_RECORD_SEPARATOR);
    const last = parts.pop() ?? '';
    const out: DecodedMessage[] = [];
    const records = parts.slice(0, MAX_RECORDS);
    for (const record of records) out.push(this.decodeRecord(record, direction));
    if (parts.length > MAX_RECORDS) {
      out.push({
        protocol: 'signalr',
        kind: 'raw',
        summary: `${parts.length - MAX_RECORDS} more records`,
        note: `Records past ${MAX_RECORDS} in one payload are not decoded`,
      });
    }
    if (last !== '') {
      const message = this.decodeRecord(last, direction);
      const cut = 'Truncated: the record has no 0x1e terminator';
      message.note = message.note ? `${cut}; ${message.note}` : cut;
      out.push(message);
    }
    return out;
  }

  private decodeRecord(text: string, direction: Direction): DecodedMessage {
    const parsed = parseJson(text);
    if (!isRecord(parsed)) {
      return {
        protocol: 'signalr',
        kind: 'raw',
        summary: summaryLine(text),
        note: parsed === undefined ? 'Not JSON' : 'Not a SignalR message (not a JSON object)',
      };
    }
    const { tree, capped } = plainTree(parsed);
    const message = this.decodeObject(parsed, direction);
    message.value = tree;
    if (capped) message.note = 'Large or deeply nested: the tree is cut';
    return message;
  }

  private keyFor(id: string, direction: Direction, opens: boolean): string {
    const origin = opens ? direction : (this.openedBy.get(id) ?? opposite(direction));
    if (opens) this.openedBy.set(id, direction);
    return origin === 'send' ? `signalr:${id}` : `signalr:server:${id}`;
  }

  private decodeObject(value: Record<string, unknown>, direction: Direction): DecodedMessage {
    if (!('type' in value)) {
      if (direction === 'send' && isHandshakeRequest(value)) {
        return {
          protocol: 'signalr',
          kind: 'handshake',
          summary: summaryLine('Handshake', String(value.protocol), `v${String(value.version)}`),
          pair: { key: 'handshake', role: 'request', control: true },
        };
      }
      if (direction === 'receive' && !this.handshakeDone && isHandshakeResponse(value)) {
        this.handshakeDone = true;
        const error = typeof value.error === 'string' ? value.error : undefined;
        return {
          protocol: 'signalr',
          kind: error === undefined ? 'handshake-ok' : 'handshake-error',
          summary: error === undefined ? 'Handshake ok' : summaryLine('Handshake error:', error),
          pair: { key: 'handshake', role: 'response', control: true },
        };
      }
      return {
        protocol: 'signalr',
        kind: 'raw',
        summary: compactPreview(value),
        note: 'SignalR message without a type',
      };
    }
    const type = typeof value.type === 'number' ? MESSAGE_TYPES[value.type] : undefined;
    if (type === undefined) {
      return {
        protocol: 'signalr',
        kind: 'raw',
        summary: compactPreview(value),
        note: `Unknown SignalR message type ${compactPreview(value.type, 20)}`,
      };
    }
    const id = idText(value.invocationId);
    const hash = id === undefined ? undefined : `#${id}`;
    const target = typeof value.target === 'string' ? value.target : undefined;
    const message: DecodedMessage = { protocol: 'signalr', kind: type, summary: type };
    let pair: PairPart | undefined;
    switch (type) {
      case 'Invocation':
      case 'StreamInvocation': {
        message.summary = summaryLine(type, `${target ?? '?'}${argumentsPreview(value.arguments)}`, hash);
        if (id !== undefined) {
          const key = this.keyFor(id, direction, true);
          if (type === 'StreamInvocation') this.streams.add(key);
          else this.streams.delete(key);
          if (target !== undefined) this.targets.set(key, target);
          pair = { key, role: 'request' };
        }
        // Upload streams: the caller's StreamItems and Completion under these ids.
        if (Array.isArray(value.streamIds)) {
          for (const streamId of value.streamIds) {
            const sid = idText(streamId);
            if (sid !== undefined) this.streams.add(this.keyFor(sid, direction, true));
          }
          message.summary = summaryLine(message.summary, `streams:${value.streamIds.map(idText).join(',')}`);
        }
        break;
      }
      case 'StreamItem': {
        message.summary = summaryLine(type, hash, compactPreview(value.item, 120));
        if (id !== undefined) {
          const key = this.keyFor(id, direction, false);
          this.streams.add(key);
          pair = { key, role: 'stream' };
        }
        break;
      }
      case 'Completion': {
        const key = id === undefined ? undefined : this.keyFor(id, direction, false);
        const answered = key === undefined ? undefined : this.targets.get(key);
        const outcome =
          typeof value.error === 'string'
            ? summaryLine('error:', value.error)
            : 'result' in value
              ? compactPreview(value.result, 120)
              : undefined;
        message.summary = summaryLine(type, hash, answered && `(${answered})`, outcome);
        if (key !== undefined) {
          pair = { key, role: this.streams.has(key) ? 'end' : 'response' };
          this.streams.delete(key);
          this.targets.delete(key);
        }
        if (answered !== undefined) message.fields = { event: answered };
        break;
      }
      case 'CancelInvocation': {
        message.summary = summaryLine(type, hash);
        if (id !== undefined) pair = { key: this.keyFor(id, direction, false), role: 'end' };
        break;
      }
      case 'Close': {
        const error = typeof value.error === 'string' ? value.error : undefined;
        message.summary = summaryLine(
          type,
          error && `error: ${error}`,
          value.allowReconnect === true && '(may reconnect)',
        );
        break;
      }
      case 'Ack':
      case 'Sequence':
        message.summary = summaryLine(type, compactPreview(value.sequenceId, 20));
        break;
    }
    if (target !== undefined) message.fields = { event: target };
    if (pair) message.pair = pair;
    return message;
  }
}

const HUB_URL = /[?&]id=[^&]+/;
const NEGOTIATE_URL = /\/negotiate(\?|$)/;
const HANDSHAKE = /^\{\s*"protocol"\s*:\s*"(json|messagepack)"\s*,\s*"version"\s*:\s*\d+\s*\}$/;
const HANDSHAKE_RESPONSE = /^\{(\s*"error"\s*:\s*"[^"]*")?\s*\}$/;

/** Text ending in 0x1e whose records are all JSON objects with a SignalR message type. */
function looksLikeSignalRRecords(text: string): boolean {
  if (!text.endsWith(SIGNALR_RECORD_SEPARATOR)) return false;
  const records = text.split(SIGNALR_RECORD_SEPARATOR).slice(0, -1);
  return (
    records.length > 0 &&
    records.every((record) => {
      const parsed = parseJson(record);
      return isRecord(parsed) && typeof parsed.type === 'number' && MESSAGE_TYPES[parsed.type] !== undefined;
    })
  );
}

function detect(sample: DetectSample): number {
  let score = 0;
  for (const { frame } of sample.frames.slice(0, 8)) {
    if ('bytes' in frame && frame.bytes[0] !== 0x7b) continue;
    const text = frameText(frame);
    const single = text.endsWith(SIGNALR_RECORD_SEPARATOR) ? text.slice(0, -1) : null;
    if (single !== null && HANDSHAKE.test(single)) return 0.97;
    if (single !== null && HANDSHAKE_RESPONSE.test(single)) score = Math.max(score, 0.6);
    else if (looksLikeSignalRRecords(text)) score = Math.max(score, 0.85);
  }
  if (score === 0) return NEGOTIATE_URL.test(sample.url) ? 0.3 : 0;
  return HUB_URL.test(sample.url) ? Math.min(0.95, score + 0.1) : score;
}

export const signalRDecoder: Decoder = {
  id: 'signalr',
  label: 'SignalR',
  detect,
  session: () => new SignalRSession(),
};
