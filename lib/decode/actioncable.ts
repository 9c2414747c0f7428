// Rails Action Cable (subprotocol actioncable-v1-json): the server says
// welcome, pings every few seconds, confirms or rejects subscriptions and
// sends {identifier, message}; the page sends {command, identifier, data}.
// identifier and data are JSON inside JSON strings: both are decoded, so a
// channel reads as `ChatChannel {room:1}` and a call as its action.

import type { DecodedMessage, Decoder, DecoderSession, DetectSample, Direction, Frame } from './types';
import { compactPreview, frameText, isRecord, parseJson, plainTree, summaryLine } from './value-preview';

export const ACTIONCABLE_SUBPROTOCOL = 'actioncable-v1-json';

const SERVER_TYPES = new Set([
  'welcome',
  'ping',
  'confirm_subscription',
  'reject_subscription',
  'disconnect',
]);
const COMMANDS = new Set(['subscribe', 'unsubscribe', 'message']);

interface Channel {
  name: string;
  /** The identifier's other params: `{room:1}`. */
  params: string;
  decoded: unknown;
  note?: string;
}

/** `{room:1,kind:"dm"}`: names bare, values as compact JSON; '' when none. */
function paramsText(params: Record<string, unknown>): string {
  const entries = Object.entries(params);
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}:${compactPreview(value, 40)}`).join(',')}}`;
}

function channelOf(identifier: unknown): Channel | null {
  if (typeof identifier !== 'string') return null;
  const parsed = parseJson(identifier);
  if (!isRecord(parsed))
    return { name: identifier, params: '', decoded: identifier, note: 'identifier is not a JSON object' };
  const { channel, ...params } = parsed;
  return {
    name: typeof channel === 'string' ? channel : '?',
    params: paramsText(params),
    decoded: parsed,
  };
}

class ActionCableSession implements DecoderSession {
  decode(frame: Frame, direction: Direction): DecodedMessage[] {
    const text = frameText(frame);
    const parsed = parseJson(text);
    if (!isRecord(parsed)) {
      return [
        {
          protocol: 'actioncable',
          kind: 'raw',
          summary: summaryLine(text),
          note: parsed === undefined ? 'Not JSON' : 'Not an Action Cable message (not a JSON object)',
        },
      ];
    }
    const message = direction === 'send' ? this.command(parsed) : this.server(parsed);
    return [message];
  }

  /** The tree shown: identifier and data decoded in place of their strings. */
  private withTree(
    message: DecodedMessage,
    value: Record<string, unknown>,
    channel: Channel | null,
    data?: unknown,
  ): DecodedMessage {
    const shown: Record<string, unknown> = { ...value };
    if (channel) shown.identifier = channel.decoded;
    if (data !== undefined) shown.data = data;
    const { tree, capped } = plainTree(shown);
    message.value = tree;
    const notes = [channel?.note, capped && 'Large or deeply nested: the tree is cut'].filter(Boolean);
    if (notes.length) message.note = [message.note, ...notes].filter(Boolean).join('; ');
    return message;
  }

  private command(value: Record<string, unknown>): DecodedMessage {
    const command = typeof value.command === 'string' ? value.command : undefined;
    if (command === undefined || !COMMANDS.has(command)) {
      return {
        protocol: 'actioncable',
        kind: 'raw',
        summary: compactPreview(value),
        note: 'Not an Action Cable command (subscribe, unsubscribe or message)',
      };
    }
    const channel = channelOf(value.identifier);
    const message: DecodedMessage = { protocol: 'actioncable', kind: command, summary: '' };
    if (channel) message.fields = { topic: channel.name };
    if (command === 'message') {
      const data = typeof value.data === 'string' ? parseJson(value.data) : undefined;
      let action: string | undefined;
      let rest: unknown = data;
      if (isRecord(data)) {
        const { action: named, ...others } = data;
        if (typeof named === 'string') action = named;
        rest = others;
      } else message.note = 'data is not a JSON object';
      if (action !== undefined) message.fields = { ...message.fields, event: action };
      message.summary = summaryLine(
        'message',
        channel?.name,
        channel?.params,
        action,
        isRecord(rest) && Object.keys(rest).length === 0 ? undefined : compactPreview(rest, 120),
      );
      return this.withTree(message, value, channel, data);
    }
    message.summary = summaryLine(command, channel?.name ?? '?', channel?.params);
    if (command === 'subscribe' && typeof value.identifier === 'string') {
      message.pair = { key: `sub:${value.identifier}`, role: 'request' };
    }
    return this.withTree(message, value, channel);
  }

  private server(value: Record<string, unknown>): DecodedMessage {
    const type = typeof value.type === 'string' ? value.type : undefined;
    const channel = channelOf(value.identifier);
    if (type === undefined && channel && 'message' in value) {
      const message: DecodedMessage = {
        protocol: 'actioncable',
        kind: 'message',
        summary: summaryLine('message', channel.name, channel.params, compactPreview(value.message, 120)),
        fields: { topic: channel.name },
      };
      return this.withTree(message, value, channel);
    }
    if (type === undefined || !SERVER_TYPES.has(type)) {
      return {
        protocol: 'actioncable',
        kind: 'raw',
        summary: compactPreview(value),
        note: `Not an Action Cable message${type === undefined ? '' : ` (unknown type ${type})`}`,
      };
    }
    const message: DecodedMessage = { protocol: 'actioncable', kind: type, summary: type };
    if (type === 'ping') message.summary = summaryLine('ping', compactPreview(value.message, 30));
    if (type === 'disconnect') {
      message.summary = summaryLine(
        'disconnect',
        typeof value.reason === 'string' ? value.reason : undefined,
        value.reconnect === false
          ? '(no reconnect)'
          : value.reconnect === true
            ? '(may reconnect)'
            : undefined,
      );
    }
    if (type === 'confirm_subscription' || type === 'reject_subscription') {
      message.summary = summaryLine(type, channel?.name ?? '?', channel?.params);
      if (channel) message.fields = { topic: channel.name };
      if (typeof value.identifier === 'string')
        message.pair = { key: `sub:${value.identifier}`, role: 'response' };
    }
    return this.withTree(message, value, channel);
  }
}

function evidence(frame: Frame, direction: Direction): number {
  const parsed = parseJson(frameText(frame));
  if (!isRecord(parsed)) return 0;
  if (direction === 'receive') {
    if (parsed.type === 'welcome') return 0.9;
    if (parsed.type === 'ping' && typeof parsed.message === 'number') return 0.8;
    if (
      (parsed.type === 'confirm_subscription' || parsed.type === 'reject_subscription') &&
      typeof parsed.identifier === 'string'
    )
      return 0.9;
    if (
      typeof parsed.identifier === 'string' &&
      'message' in parsed &&
      isRecord(parseJson(parsed.identifier))
    )
      return 0.7;
    return 0;
  }
  if (
    typeof parsed.command === 'string' &&
    COMMANDS.has(parsed.command) &&
    typeof parsed.identifier === 'string'
  ) {
    return isRecord(parseJson(parsed.identifier)) ? 0.9 : 0.5;
  }
  return 0;
}

function detect(sample: DetectSample): number {
  if (sample.subprotocol === ACTIONCABLE_SUBPROTOCOL) return 0.97;
  let best = 0;
  for (const { frame, direction } of sample.frames.slice(0, 8))
    best = Math.max(best, evidence(frame, direction));
  if (best > 0 && /\/cable(\?|$)/.test(sample.url)) best = Math.min(0.95, best + 0.05);
  return best;
}

export const actionCableDecoder: Decoder = {
  id: 'actioncable',
  label: 'Action Cable',
  detect,
  session: () => new ActionCableSession(),
};
