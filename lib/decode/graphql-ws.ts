// GraphQL over WebSocket, in its two protocols: graphql-transport-ws (the
// graphql-ws library, subprotocol "graphql-transport-ws") and the legacy
// subscriptions-transport-ws (confusingly, subprotocol "graphql-ws"). Both
// carry operations under ids: the operation's start is the request, each
// result a stream message, and complete / error its end.

import type {
  DecodedMessage,
  Decoder,
  DecoderSession,
  DetectSample,
  Direction,
  Frame,
  ProtocolId,
} from './types';
import { compactPreview, frameText, isRecord, parseJson, plainTree, summaryLine } from './value-preview';

interface Dialect {
  protocol: ProtocolId;
  /** Message types that start an operation (the request). */
  start: ReadonlySet<string>;
  /** Message types carrying an operation's results. */
  stream: ReadonlySet<string>;
  /** Message types ending an operation. */
  end: ReadonlySet<string>;
}

const TRANSPORT_WS: Dialect = {
  protocol: 'graphql-transport-ws',
  start: new Set(['subscribe']),
  stream: new Set(['next']),
  end: new Set(['complete', 'error']),
};

const LEGACY: Dialect = {
  protocol: 'subscriptions-transport-ws',
  start: new Set(['start']),
  stream: new Set(['data']),
  end: new Set(['complete', 'error', 'stop']),
};

const TRANSPORT_WS_TYPES = new Set([
  'connection_init',
  'connection_ack',
  'ping',
  'pong',
  'subscribe',
  'next',
  'error',
  'complete',
]);
const LEGACY_TYPES = new Set([
  'connection_init',
  'connection_ack',
  'connection_error',
  'connection_terminate',
  'ka',
  'start',
  'data',
  'error',
  'complete',
  'stop',
]);

/** The operation's name: `operationName`, else the first named definition in the query. */
export function operationName(payload: unknown): string | undefined {
  if (!isRecord(payload)) return undefined;
  if (typeof payload.operationName === 'string' && payload.operationName) return payload.operationName;
  if (typeof payload.query !== 'string') return undefined;
  const query = payload.query.replace(/#[^\n]*/g, '');
  const named = /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query);
  return named?.[1];
}

/** "subscription", "query" or "mutation" as the query declares it ("query" for the `{ … }` shorthand). */
export function operationType(payload: unknown): string | undefined {
  if (!isRecord(payload) || typeof payload.query !== 'string') return undefined;
  const query = payload.query.replace(/#[^\n]*/g, '');
  const declared = /^\s*(query|mutation|subscription)\b/.exec(query);
  if (declared) return declared[1];
  return /^\s*\{/.test(query) ? 'query' : undefined;
}

function errorPreview(payload: unknown): string {
  const first = Array.isArray(payload) ? payload[0] : payload;
  if (isRecord(first) && typeof first.message === 'string') return first.message;
  return compactPreview(payload, 120);
}

class GraphqlSession implements DecoderSession {
  /** Operation names by id, so results and ends can say which operation they belong to. */
  private readonly names = new Map<string, string>();

  constructor(private readonly dialect: Dialect) {}

  decode(frame: Frame, direction: Direction): DecodedMessage[] {
    const text = frameText(frame);
    const parsed = parseJson(text);
    const protocol = this.dialect.protocol;
    if (!isRecord(parsed) || typeof parsed.type !== 'string') {
      return [
        { protocol, kind: 'invalid', summary: summaryLine(text), note: 'Not a JSON message with a "type"' },
      ];
    }
    const type = parsed.type;
    const id = typeof parsed.id === 'string' || typeof parsed.id === 'number' ? String(parsed.id) : undefined;
    const { tree, capped } = plainTree(parsed);
    const message: DecodedMessage = { protocol, kind: type, summary: type, value: tree };
    if (capped) message.note = 'Large or deeply nested: the tree is cut';
    const payload = parsed.payload;

    if (this.dialect.start.has(type) && id !== undefined) {
      const name = operationName(payload);
      if (name) this.names.set(id, name);
      const variables = isRecord(payload) && isRecord(payload.variables) ? payload.variables : undefined;
      message.summary = summaryLine(
        type,
        id,
        operationType(payload),
        name ?? '(anonymous)',
        variables && compactPreview(variables, 100),
      );
      message.pair = { key: `op:${id}`, role: 'request' };
      if (name) message.fields = { op: name };
      return [message];
    }
    if ((this.dialect.stream.has(type) || this.dialect.end.has(type)) && id !== undefined) {
      const name = this.names.get(id);
      const ends = this.dialect.end.has(type);
      let detail: string | undefined;
      if (type === 'error') detail = errorPreview(payload);
      else if (this.dialect.stream.has(type)) {
        const errors = isRecord(payload) && Array.isArray(payload.errors) ? payload.errors : undefined;
        detail = errors?.length ? `errors: ${errorPreview(errors)}` : compactPreview(payload, 120);
      }
      message.summary = summaryLine(type, id, name, detail);
      message.pair = { key: `op:${id}`, role: ends ? 'end' : 'stream' };
      if (name) message.fields = { op: name };
      if (ends) this.names.delete(id);
      return [message];
    }
    if (type === 'connection_init' || type === 'connection_ack' || type === 'connection_error') {
      message.summary = summaryLine(type, payload !== undefined && compactPreview(payload, 120));
      if (type !== 'connection_error') {
        message.pair = {
          key: 'connection',
          role: type === 'connection_init' ? 'request' : 'response',
          control: true,
        };
      }
      return [message];
    }
    if (type === 'ping' || type === 'pong') {
      // Either side may ping; the pong answers the other side's ping.
      const pinger = type === 'ping' ? direction : direction === 'send' ? 'receive' : 'send';
      message.pair = { key: `ping:${pinger}`, role: type === 'ping' ? 'request' : 'response', control: true };
      return [message];
    }
    const known = this.dialect === LEGACY ? LEGACY_TYPES : TRANSPORT_WS_TYPES;
    if (!known.has(type)) message.note = `Not a ${protocol} message type`;
    else if (id === undefined && (this.dialect.start.has(type) || this.dialect.stream.has(type))) {
      message.note = 'No operation id';
    }
    return [message];
  }
}

/** Message types among the first frames. */
function frameTypes(sample: DetectSample): string[] {
  const types: string[] = [];
  for (const { frame } of sample.frames.slice(0, 6)) {
    const parsed = parseJson(frameText(frame));
    if (isRecord(parsed) && typeof parsed.type === 'string') types.push(parsed.type);
  }
  return types;
}

function detectWith(sample: DetectSample, subprotocol: string, own: Set<string>, other: Set<string>): number {
  if (sample.subprotocol === subprotocol) return 0.99;
  const types = frameTypes(sample);
  if (types[0] !== 'connection_init') return 0;
  if (!types.every((type) => own.has(type))) return 0;
  // A type only this dialect has settles it; connection_init alone leans to the current protocol.
  if (types.some((type) => !other.has(type))) return 0.9;
  return own === TRANSPORT_WS_TYPES ? 0.7 : 0.6;
}

export const graphqlWsDecoder: Decoder = {
  id: 'graphql-transport-ws',
  label: 'GraphQL (graphql-ws)',
  detect: (sample) => detectWith(sample, 'graphql-transport-ws', TRANSPORT_WS_TYPES, LEGACY_TYPES),
  session: () => new GraphqlSession(TRANSPORT_WS),
};

export const subscriptionsTransportWsDecoder: Decoder = {
  id: 'subscriptions-transport-ws',
  label: 'GraphQL (subscriptions-transport-ws)',
  detect: (sample) => detectWith(sample, 'graphql-ws', LEGACY_TYPES, TRANSPORT_WS_TYPES),
  session: () => new GraphqlSession(LEGACY),
};
