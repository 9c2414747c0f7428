// STOMP 1.2 frames: a command line, `name:value` header lines (escaped
// except in CONNECT/CONNECTED), a blank line, and a body up to NUL (or
// `content-length` bytes). Bare EOLs between frames are heart-beats.
// Frames ask for a `receipt`; the broker's RECEIPT (or ERROR) answers it.

import { clip, frameBytes, frameText, preview, utf8Text } from './text-payload';
import type { DecodedMessage, Decoder, DecoderSession, PairPart } from './types';

export const STOMP_COMMANDS = [
  'CONNECT',
  'STOMP',
  'CONNECTED',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'MESSAGE',
  'RECEIPT',
  'ERROR',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
] as const;
export type StompCommand = (typeof STOMP_COMMANDS)[number];

const COMMANDS = new Set<string>(STOMP_COMMANDS);
const BODY_PREVIEW_CHARS = 60;
/** Headers past this count are ignored (with a note): no real frame has that many. */
const MAX_HEADERS = 1000;

export interface StompFrame {
  command: StompCommand;
  /** First occurrence of each header wins, as STOMP 1.2 says. */
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
}

type FrameParse = { frame: StompFrame; end: number; note?: string } | { error: string; end: number };

function isEol(bytes: Uint8Array, i: number): number {
  if (bytes[i] === 0x0a) return 1;
  if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) return 2;
  return 0;
}

function readLine(bytes: Uint8Array, start: number): { line: string; next: number } | null {
  for (let i = start; i < bytes.length; i++) {
    const eol = isEol(bytes, i);
    if (eol) return { line: utf8Text(bytes.subarray(start, i)), next: i + eol };
  }
  return null;
}

const ESCAPES: Record<string, string> = { r: '\r', n: '\n', c: ':', '\\': '\\' };

function unescapeHeader(text: string): { text: string; bad: boolean } {
  let bad = false;
  const out = text.replace(/\\(.?)/g, (_match, c: string) => {
    const value = ESCAPES[c];
    if (value === undefined) {
      bad = true;
      return `\\${c}`;
    }
    return value;
  });
  return { text: out, bad };
}

/** Parses one frame at `start` (after any heart-beat EOLs). */
function parseFrame(bytes: Uint8Array, start: number): FrameParse {
  const commandLine = readLine(bytes, start);
  if (!commandLine) return { error: 'Truncated STOMP frame: no end to the command line', end: bytes.length };
  const command = commandLine.line;
  if (!COMMANDS.has(command)) {
    return { error: `Not a STOMP command: ${clip(command, 40)}`, end: bytes.length };
  }
  const escaped = command !== 'CONNECT' && command !== 'CONNECTED';
  const headers: Record<string, string> = {};
  const notes: string[] = [];
  let pos = commandLine.next;
  let count = 0;
  for (;;) {
    const header = readLine(bytes, pos);
    if (!header) return { error: `Truncated STOMP ${command} frame: headers do not end`, end: bytes.length };
    pos = header.next;
    if (header.line === '') break;
    if (++count > MAX_HEADERS) continue;
    const colon = header.line.indexOf(':');
    if (colon <= 0) {
      notes.push(`header line without a name: ${clip(header.line, 40)}`);
      continue;
    }
    const rawName = header.line.slice(0, colon);
    const rawValue = header.line.slice(colon + 1);
    const name = escaped ? unescapeHeader(rawName) : { text: rawName, bad: false };
    const value = escaped ? unescapeHeader(rawValue) : { text: rawValue, bad: false };
    if (name.bad || value.bad) notes.push(`undefined escape in header ${clip(name.text, 40)}`);
    if (!(name.text in headers)) headers[name.text] = value.text;
  }
  if (count > MAX_HEADERS) notes.push(`${count - MAX_HEADERS} headers past ${MAX_HEADERS} ignored`);
  let bodyEnd: number;
  const length = headers['content-length'];
  if (length !== undefined && /^\d+$/.test(length)) {
    bodyEnd = pos + Number(length);
    if (bodyEnd >= bytes.length || bytes[bodyEnd] !== 0) {
      return {
        error: `Truncated STOMP ${command} frame: body shorter than content-length`,
        end: bytes.length,
      };
    }
  } else {
    bodyEnd = bytes.indexOf(0, pos);
    if (bodyEnd === -1)
      return { error: `Truncated STOMP ${command} frame: no NUL after the body`, end: bytes.length };
  }
  const frame: StompFrame = {
    command: command as StompCommand,
    headers,
    body: utf8Text(bytes.subarray(pos, bodyEnd)),
    bodyBytes: bodyEnd - pos,
  };
  return notes.length ? { frame, end: bodyEnd + 1, note: notes.join('; ') } : { frame, end: bodyEnd + 1 };
}

function pairOf(frame: StompFrame): PairPart | undefined {
  const { command, headers } = frame;
  if (command === 'CONNECT' || command === 'STOMP') return { key: 'connect', role: 'request', control: true };
  if (command === 'CONNECTED') return { key: 'connect', role: 'response', control: true };
  if (command === 'RECEIPT' && headers['receipt-id'] !== undefined) {
    return { key: `receipt:${headers['receipt-id']}`, role: 'response' };
  }
  if (command === 'ERROR' && headers['receipt-id'] !== undefined) {
    return { key: `receipt:${headers['receipt-id']}`, role: 'response' };
  }
  if (headers.receipt !== undefined && command !== 'MESSAGE') {
    return { key: `receipt:${headers.receipt}`, role: 'request' };
  }
  return undefined;
}

function bodyPreview(frame: StompFrame): string {
  if (frame.bodyBytes === 0) return '';
  return ` ${preview(frame.body, BODY_PREVIEW_CHARS)}`;
}

function summarize(frame: StompFrame): string {
  const h = frame.headers;
  const receipt = h.receipt === undefined ? '' : ` receipt:${h.receipt}`;
  switch (frame.command) {
    case 'CONNECT':
    case 'STOMP':
      return clip(`${frame.command} ${h.host ?? ''} v${h['accept-version'] ?? '?'}`.replace('  ', ' '));
    case 'CONNECTED':
      return clip(
        `CONNECTED v${h.version ?? '1.0'}${h['heart-beat'] ? ` heart-beat:${h['heart-beat']}` : ''}`,
      );
    case 'SEND':
      return clip(`SEND ${h.destination ?? '?'}${receipt}${bodyPreview(frame)}`);
    case 'SUBSCRIBE':
      return clip(`SUBSCRIBE ${h.destination ?? '?'} id:${h.id ?? '?'}${receipt}`);
    case 'UNSUBSCRIBE':
      return clip(`UNSUBSCRIBE id:${h.id ?? '?'}${receipt}`);
    case 'MESSAGE':
      return clip(`MESSAGE ${h.destination ?? '?'} sub:${h.subscription ?? '?'}${bodyPreview(frame)}`);
    case 'RECEIPT':
      return clip(`RECEIPT ${h['receipt-id'] ?? '?'}`);
    case 'ERROR':
      return clip(`ERROR ${h.message ?? ''}${bodyPreview(frame)}`);
    case 'ACK':
    case 'NACK':
      return clip(
        `${frame.command} id:${h.id ?? '?'}${h.transaction ? ` tx:${h.transaction}` : ''}${receipt}`,
      );
    case 'BEGIN':
    case 'COMMIT':
    case 'ABORT':
      return clip(`${frame.command} tx:${h.transaction ?? '?'}${receipt}`);
    case 'DISCONNECT':
      return clip(`DISCONNECT${receipt}`);
  }
}

function stompMessage(frame: StompFrame, note?: string): DecodedMessage {
  const message: DecodedMessage = {
    protocol: 'stomp',
    kind: frame.command,
    summary: summarize(frame),
    value: { command: frame.command, headers: frame.headers, body: frame.body },
  };
  if (frame.headers.destination !== undefined) message.fields = { destination: frame.headers.destination };
  const pair = pairOf(frame);
  if (pair) message.pair = pair;
  if (note) message.note = note;
  return message;
}

const HEARTBEAT: DecodedMessage = { protocol: 'stomp', kind: 'heartbeat', summary: 'heart-beat' };

/** Every STOMP frame (and heart-beat) in a payload; garbage gives one raw message with a note. */
export function decodeStompPayload(bytes: Uint8Array): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const eol = isEol(bytes, pos);
    if (eol) {
      // A run of EOLs between frames is one heart-beat.
      while (isEol(bytes, pos)) pos += isEol(bytes, pos);
      if (out.at(-1)?.kind !== 'heartbeat') out.push({ ...HEARTBEAT });
      continue;
    }
    if (bytes[pos] === 0) {
      pos++;
      continue;
    }
    const parsed = parseFrame(bytes, pos);
    if ('error' in parsed) {
      out.push({
        protocol: 'stomp',
        kind: 'raw',
        summary: clip(utf8Text(bytes.subarray(pos, pos + 200))),
        note: parsed.error,
      });
      break;
    }
    out.push(stompMessage(parsed.frame, parsed.note));
    pos = parsed.end;
  }
  return out;
}

/** Does this text start like a STOMP frame (a known command on its own line)? */
export function looksLikeStomp(text: string): boolean {
  const match = /^([A-Z]+)\r?\n/.exec(text);
  return match !== null && COMMANDS.has(match[1] ?? '');
}

function createSession(): DecoderSession {
  return { decode: (frame) => decodeStompPayload(frameBytes(frame)) };
}

const SUBPROTOCOL = /^v1[012]\.stomp$/;

export const stompDecoder: Decoder = {
  id: 'stomp',
  label: 'STOMP',
  detect(sample) {
    if (sample.subprotocol && SUBPROTOCOL.test(sample.subprotocol)) return 0.95;
    const first = sample.frames.find(({ frame }) => {
      const text = frameText(frame);
      return text !== null && text.replace(/^[\r\n]+/, '') !== '';
    });
    if (!first) return 0;
    const text = (frameText(first.frame) ?? '').replace(/^[\r\n]+/, '');
    if (/^(CONNECT|STOMP|CONNECTED)\r?\n/.test(text)) return 0.9;
    return looksLikeStomp(text) && text.includes('\0') ? 0.6 : 0;
  },
  session: createSession,
};
