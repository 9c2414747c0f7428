// SockJS framing: the server sends `o` (open), `h` (heart-beat), `a[…]`
// (messages), `m…` (one message) and `c[code,"reason"]` (close); the client
// sends a JSON array of strings. Over xhr-polling / xhr-streaming the frames
// are newline-separated in the body (streaming starts with a prelude of h's).
// The messages carried are decoded as STOMP when they look like STOMP.

import { decodeStompPayload, looksLikeStomp } from './stomp';
import { clip, frameText, parseJson, preview } from './text-payload';
import type { DecodedMessage, Decoder, DecoderSession, Direction } from './types';

/** xhr-streaming's first line: 2048 h's so proxies start passing the body through. */
const PRELUDE = /^h{2,}$/;

const TRANSPORT_URL =
  /\/[^/]+\/[^/]+\/(websocket|xhr|xhr_send|xhr_streaming|eventsource|htmlfile|jsonp|jsonp_send)\/?(\?|$)/;
const SERVER_SESSION_URL = /\/\d{1,3}\/[^/.]+\/(websocket|xhr|xhr_send|xhr_streaming|eventsource)\/?(\?|$)/;

function innerSummary(inner: DecodedMessage[], count: number): string {
  const first = inner.find((m) => m.kind !== 'heartbeat') ?? inner[0];
  if (!first) return '';
  return inner.length === 1 || count === 1 ? first.summary : `${first.summary} (+${inner.length - 1} more)`;
}

function createSession(): DecoderSession {
  let carriesStomp = false;

  const encoder = new TextEncoder();

  function decodeInner(messages: string[]): DecodedMessage[] | undefined {
    if (!carriesStomp && messages.some(looksLikeStomp)) carriesStomp = true;
    if (!carriesStomp) return undefined;
    return messages.flatMap((text) => decodeStompPayload(encoder.encode(text)));
  }

  function messagesFrame(kind: string, label: string, messages: unknown): DecodedMessage {
    if (!Array.isArray(messages) || !messages.every((m) => typeof m === 'string')) {
      return {
        protocol: 'sockjs',
        kind,
        summary: clip(`${label} ${preview(messages)}`),
        value: messages,
        note: 'SockJS messages are not an array of strings',
      };
    }
    const inner = decodeInner(messages);
    const summary = inner?.length
      ? innerSummary(inner, messages.length)
      : `${label}[${messages.length}] ${preview(messages.length === 1 ? messages[0] : messages)}`;
    const message: DecodedMessage = { protocol: 'sockjs', kind, summary: clip(summary), value: messages };
    if (inner?.length) {
      message.inner = inner;
      const named = inner.find((m) => m.kind !== 'heartbeat');
      if (named?.fields) message.fields = named.fields;
    }
    return message;
  }

  function decodeServerFrame(line: string): DecodedMessage {
    const type = line[0];
    const rest = line.slice(1);
    if (line === 'o') return { protocol: 'sockjs', kind: 'open', summary: 'open' };
    if (line === 'h') return { protocol: 'sockjs', kind: 'heartbeat', summary: 'heartbeat' };
    if (PRELUDE.test(line))
      return { protocol: 'sockjs', kind: 'prelude', summary: `streaming prelude (${line.length} B)` };
    if (type === 'a' || type === 'm' || type === 'c') {
      const parsed = parseJson(rest);
      if (!parsed.ok) return { protocol: 'sockjs', kind: 'raw', summary: clip(line), note: parsed.note };
      if (type === 'a') return messagesFrame('messages', 'a', parsed.value);
      if (type === 'm') return messagesFrame('message', 'm', [parsed.value]);
      const [code, reason] = Array.isArray(parsed.value) ? parsed.value : [];
      return {
        protocol: 'sockjs',
        kind: 'close',
        summary: clip(`close ${String(code)} ${typeof reason === 'string' ? reason : ''}`.trim()),
        value: parsed.value,
      };
    }
    return { protocol: 'sockjs', kind: 'raw', summary: clip(line), note: 'Not a SockJS frame' };
  }

  function decodeClientBody(text: string): DecodedMessage {
    const parsed = parseJson(text);
    if (!parsed.ok) return { protocol: 'sockjs', kind: 'raw', summary: clip(text), note: parsed.note };
    // The client sends an array of strings; a lone string is accepted too.
    const messages = typeof parsed.value === 'string' ? [parsed.value] : parsed.value;
    return messagesFrame('send', 'send', messages);
  }

  return {
    decode(frame, direction: Direction) {
      const text = frameText(frame);
      if (text === null) {
        return [
          { protocol: 'sockjs', kind: 'raw', summary: '', note: 'Binary payload: SockJS frames are text' },
        ];
      }
      if (direction === 'send') return [decodeClientBody(text)];
      // A polling / streaming body holds newline-separated frames; a WebSocket message holds one.
      const lines = text.split('\n').filter((line) => line !== '');
      if (lines.length === 0)
        return [{ protocol: 'sockjs', kind: 'raw', summary: '', note: 'Empty SockJS body' }];
      return lines.map(decodeServerFrame);
    },
  };
}

export const sockJsDecoder: Decoder = {
  id: 'sockjs',
  label: 'SockJS',
  detect(sample) {
    let path = sample.url;
    try {
      const url = new URL(sample.url);
      path = url.pathname + url.search;
    } catch {
      // Not a full URL: match the text as it is.
    }
    const firstReceived = sample.frames.find((f) => f.direction === 'receive');
    const firstText = firstReceived ? frameText(firstReceived.frame) : null;
    const opens = firstText !== null && /^(h{2048}\n)?o(\n|$)/.test(firstText);
    if (SERVER_SESSION_URL.test(path)) return opens ? 0.97 : 0.9;
    if (TRANSPORT_URL.test(path)) return opens ? 0.9 : 0.6;
    return opens ? 0.6 : 0;
  },
  session: createSession,
};
