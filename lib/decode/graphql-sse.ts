// GraphQL over Server-Sent Events (the graphql-sse protocol). The page POSTs
// {query, variables, operationName, extensions}; results come back as SSE
// events `next` (data: an ExecutionResult, or {id, payload} on a single
// shared connection) and a final `complete` (data: nothing, or {id}).
// An EventSource gives each event's data with its name; a streamed fetch
// gives raw `event: next\ndata: …\n\n` text, cut into chunks anywhere, so
// the SSE framing is parsed here, carrying a cut event over to the next chunk.

import { operationName, operationType } from './graphql-ws';
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

/** Text carried over between chunks past this is dropped (with a note): no real event is that large. */
const MAX_PENDING_CHARS = 8 * 1024 * 1024;
/** The pair key of a stream's only operation (distinct connections mode). */
const SINGLE_OPERATION = 'sse:operation';

interface SseEvent {
  event: string;
  data: string;
  /** A comment-only block (`:` lines): the server's keep-alive. */
  comment: boolean;
}

/** Parses complete SSE blocks; returns them and the unfinished rest. */
function parseSse(text: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const normalized = text.replace(/\r\n?/g, '\n');
  const blocks = normalized.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    if (block === '') continue;
    let event = 'message';
    const data: string[] = [];
    let comment = true;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      comment = false;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    events.push({ event, data: data.join('\n'), comment });
  }
  return { events, rest };
}

/** Does this text open like an SSE stream of graphql-sse events? */
function looksLikeSseText(text: string): boolean {
  return /^(:[^\n]*\n\n)*(event: ?(next|complete)\n|:[^\n]*\n\n)/.test(text);
}

function idOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.id === 'string' ? value.id : undefined;
}

class GraphqlSseSession implements DecoderSession {
  private pending = '';
  /** Set once the payloads read as SSE text (a streamed fetch), not EventSource messages. */
  private streamed = false;
  /** Operation names by pair key, so results can say which operation they belong to. */
  private readonly names = new Map<string, string>();

  decode(frame: Frame, direction: Direction, event?: string): DecodedMessage[] {
    const text = frameText(frame);
    if (direction === 'send') return [this.request(text)];
    if (event !== undefined) return [this.event({ event, data: text, comment: false })];
    if (!this.streamed && this.pending === '' && /^\s*[{[]/.test(text)) {
      // An EventSource message without its name (or an unnamed body): take it as a result.
      return [this.event({ event: 'next', data: text, comment: false })];
    }
    this.streamed = true;
    // A chunk in the middle of a long event (no line break in it) cannot end it: kept without reparsing.
    if (
      this.pending !== '' &&
      !/[\r\n]/.test(text) &&
      this.pending.length + text.length <= MAX_PENDING_CHARS
    ) {
      this.pending += text;
      return [this.partial()];
    }
    let joined = this.pending + text;
    // A CR ending a chunk may be half of a CRLF: it waits for the next chunk.
    const heldCr = joined.endsWith('\r');
    if (heldCr) joined = joined.slice(0, -1);
    const parsed = parseSse(joined);
    const events = parsed.events;
    const rest = heldCr ? `${parsed.rest}\r` : parsed.rest;
    const out = events.map((e) => this.event(e));
    if (rest.length > MAX_PENDING_CHARS) {
      this.pending = '';
      out.push({
        protocol: 'graphql-sse',
        kind: 'raw',
        summary: summaryLine(rest.slice(0, 200)),
        note: `An SSE event longer than ${MAX_PENDING_CHARS} characters is not decoded`,
      });
      return out;
    }
    this.pending = rest;
    if (out.length === 0 && rest !== '') out.push(this.partial());
    return out;
  }

  private partial(): DecodedMessage {
    return {
      protocol: 'graphql-sse',
      kind: 'partial',
      summary: summaryLine('(part of an event)', this.pending.slice(-120)),
      note: 'The event continues in the next chunk',
    };
  }

  private request(text: string): DecodedMessage {
    const parsed = parseJson(text);
    if (!isRecord(parsed) || typeof parsed.query !== 'string') {
      return {
        protocol: 'graphql-sse',
        kind: 'raw',
        summary: summaryLine(text),
        note: parsed === undefined ? 'Not JSON' : 'Not a GraphQL request (no query)',
      };
    }
    const name = operationName(parsed);
    const extensions = isRecord(parsed.extensions) ? parsed.extensions : {};
    const id = typeof extensions.operationId === 'string' ? extensions.operationId : undefined;
    const key = id === undefined ? SINGLE_OPERATION : `op:${id}`;
    if (name !== undefined) this.names.set(key, name);
    const { tree, capped } = plainTree(parsed);
    const message: DecodedMessage = {
      protocol: 'graphql-sse',
      kind: 'request',
      summary: summaryLine(
        operationType(parsed) ?? 'operation',
        name,
        id !== undefined && `#${id}`,
        parsed.variables !== undefined && parsed.variables !== null && compactPreview(parsed.variables, 100),
      ),
      pair: { key, role: 'request' },
      value: tree,
    };
    if (name !== undefined) message.fields = { op: name };
    if (capped) message.note = 'Large or deeply nested: the tree is cut';
    return message;
  }

  private event(e: SseEvent): DecodedMessage {
    if (e.comment) return { protocol: 'graphql-sse', kind: 'keep-alive', summary: ': (keep-alive)' };
    if (e.event !== 'next' && e.event !== 'complete') {
      return {
        protocol: 'graphql-sse',
        kind: 'raw',
        summary: summaryLine(e.event, e.data),
        note: `Not a GraphQL over SSE event: "${e.event}" (expected next or complete)`,
      };
    }
    const parsed = e.data === '' ? null : parseJson(e.data);
    if (parsed === undefined) {
      return {
        protocol: 'graphql-sse',
        kind: e.event,
        summary: summaryLine(e.event, e.data),
        note: 'data is not JSON',
      };
    }
    // Single connection mode wraps results: {id, payload}.
    const id = idOf(parsed);
    const result = e.event === 'next' && id !== undefined && isRecord(parsed) ? parsed.payload : parsed;
    const key = id === undefined ? SINGLE_OPERATION : `op:${id}`;
    const name = this.names.get(key);
    const pair: PairPart = { key, role: e.event === 'next' ? 'stream' : 'end' };
    const message: DecodedMessage = {
      protocol: 'graphql-sse',
      kind: e.event,
      summary: summaryLine(
        e.event,
        id !== undefined && `#${id}`,
        name && `(${name})`,
        e.event === 'next' ? compactPreview(result, 150) : undefined,
      ),
      pair,
    };
    if (name !== undefined) message.fields = { op: name };
    if (e.event === 'complete') this.names.delete(key);
    if (parsed !== null) {
      const { tree, capped } = plainTree(parsed);
      message.value = tree;
      if (capped) message.note = 'Large or deeply nested: the tree is cut';
    }
    if (e.event === 'next' && !isRecord(result)) message.note = 'next without an ExecutionResult object';
    return message;
  }
}

function isExecutionResult(value: unknown): boolean {
  if (!isRecord(value)) return false;
  if (typeof value.id === 'string' && isRecord(value.payload)) return isExecutionResult(value.payload);
  return 'data' in value || 'errors' in value;
}

function detect(sample: DetectSample): number {
  let request = false;
  let sse = 0;
  for (const { frame, direction, event } of sample.frames.slice(0, 8)) {
    const text = frameText(frame);
    if (direction === 'send') {
      const parsed = parseJson(text);
      if (isRecord(parsed) && typeof parsed.query === 'string') request = true;
      continue;
    }
    if (event !== undefined) {
      if (event === 'next' && isExecutionResult(parseJson(text))) sse = Math.max(sse, 0.9);
      else if (event === 'complete') sse = Math.max(sse, 0.6);
      continue;
    }
    if (looksLikeSseText(text)) {
      const { events } = parseSse(text);
      const next = events.find((e) => e.event === 'next');
      if (next && isExecutionResult(parseJson(next.data))) sse = Math.max(sse, 0.9);
      else if (events.some((e) => e.event === 'next' || e.event === 'complete')) sse = Math.max(sse, 0.7);
      else if (request) sse = Math.max(sse, 0.55);
    }
  }
  if (sse === 0) return 0;
  return Math.min(0.95, request ? sse + 0.05 : sse);
}

export const graphqlSseDecoder: Decoder = {
  id: 'graphql-sse',
  label: 'GraphQL over SSE',
  detect,
  session: () => new GraphqlSseSession(),
};
