// JSON-RPC 2.0 over any transport: requests, notifications, results, errors
// and batches. Either side may call the other, so a pair's key says whose
// request it answers; a response is named after the method it answers.

import type { DecodedMessage, Decoder, DecoderSession, DetectSample, Direction, Frame } from './types';
import { compactPreview, frameText, isRecord, parseJson, plainTree, summaryLine } from './value-preview';

type RpcKind = 'request' | 'notification' | 'result' | 'error' | 'invalid';

function rpcKind(message: Record<string, unknown>): RpcKind {
  if (message.jsonrpc !== '2.0') return 'invalid';
  if (typeof message.method === 'string') return 'id' in message ? 'request' : 'notification';
  if ('error' in message) return 'error';
  if ('result' in message) return 'result';
  return 'invalid';
}

function isRpcMessage(value: unknown): boolean {
  return isRecord(value) && value.jsonrpc === '2.0';
}

/** The id as shown and keyed: numbers bare, strings quoted only when they would read as numbers. */
function idLabel(id: unknown): string {
  if (typeof id === 'string') return /^-?\d/.test(id) ? JSON.stringify(id) : id;
  return compactPreview(id, 40);
}

/** Whose request a message belongs to: the page's (no prefix) or the server's. */
function pairKey(id: unknown, requestDirection: Direction): string {
  return requestDirection === 'send' ? `rpc:${idLabel(id)}` : `rpc:server:${idLabel(id)}`;
}

const opposite = (direction: Direction): Direction => (direction === 'send' ? 'receive' : 'send');

function errorText(error: unknown): string {
  if (!isRecord(error)) return compactPreview(error, 80);
  const code = typeof error.code === 'number' ? String(error.code) : undefined;
  const message = typeof error.message === 'string' ? error.message : undefined;
  return summaryLine(code, message) || compactPreview(error, 80);
}

class JsonRpcSession implements DecoderSession {
  /** Methods of open requests by pair key, so responses can say what they answer. */
  private readonly methods = new Map<string, string>();

  decode(frame: Frame, direction: Direction): DecodedMessage[] {
    const text = frameText(frame);
    const parsed = parseJson(text);
    if (parsed === undefined) return [invalid('Not JSON', text)];
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) return [invalid('Empty batch', parsed)];
      return parsed.map((item, index) => {
        const message = this.decodeOne(item, direction);
        return { ...message, summary: summaryLine(`[${index + 1}/${parsed.length}]`, message.summary) };
      });
    }
    return [this.decodeOne(parsed, direction)];
  }

  private decodeOne(value: unknown, direction: Direction): DecodedMessage {
    if (!isRecord(value)) return invalid('Not a JSON-RPC object', value);
    const { tree, capped } = plainTree(value);
    const note = capped ? 'Large or deeply nested: the tree is cut' : undefined;
    const kind = rpcKind(value);
    const method = typeof value.method === 'string' ? value.method : undefined;
    if (kind === 'request' || kind === 'notification') {
      const params = 'params' in value ? compactPreview(value.params, 120) : undefined;
      const message: DecodedMessage = {
        protocol: 'json-rpc',
        kind,
        summary:
          kind === 'request'
            ? summaryLine('call', method, `#${idLabel(value.id)}`, params)
            : summaryLine('notify', method, params),
        fields: { op: method },
        value: tree,
      };
      if (kind === 'request') {
        const key = pairKey(value.id, direction);
        if (method !== undefined) this.methods.set(key, method);
        message.pair = { key, role: 'request' };
      }
      if (note) message.note = note;
      return message;
    }
    if (kind === 'result' || kind === 'error') {
      const key = pairKey(value.id, opposite(direction));
      const answered = this.methods.get(key);
      this.methods.delete(key);
      const detail = kind === 'result' ? compactPreview(value.result, 120) : errorText(value.error);
      const message: DecodedMessage = {
        protocol: 'json-rpc',
        kind,
        summary: summaryLine(kind, `#${idLabel(value.id)}`, answered && `(${answered})`, detail),
        value: tree,
      };
      if (answered !== undefined) message.fields = { op: answered };
      // An error to a request the server could not even read has id null: nothing to pair.
      if (value.id !== null && value.id !== undefined) message.pair = { key, role: 'response' };
      if (note) message.note = note;
      return message;
    }
    return invalid('Not a JSON-RPC 2.0 message (no "jsonrpc":"2.0", method, result or error)', value);
  }
}

function invalid(note: string, value: unknown): DecodedMessage {
  return {
    protocol: 'json-rpc',
    kind: 'invalid',
    summary: typeof value === 'string' ? summaryLine(value) : compactPreview(value),
    value: typeof value === 'string' ? undefined : plainTree(value).tree,
    note,
  };
}

function detect(sample: DetectSample): number {
  let seen = 0;
  let rpc = 0;
  for (const { frame } of sample.frames.slice(0, 5)) {
    const parsed = parseJson(frameText(frame));
    if (parsed === undefined) continue;
    seen++;
    const items = Array.isArray(parsed) ? parsed : [parsed];
    if (items.length > 0 && items.every(isRpcMessage)) rpc++;
  }
  if (rpc === 0) return 0;
  return rpc === seen ? 0.95 : 0.7;
}

export const jsonRpcDecoder: Decoder = {
  id: 'json-rpc',
  label: 'JSON-RPC 2.0',
  detect,
  session: () => new JsonRpcSession(),
};
