import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  graphqlWsDecoder,
  operationName,
  subscriptionsTransportWsDecoder,
} from '../../lib/decode/graphql-ws';
import { jsonRpcDecoder } from '../../lib/decode/json-rpc';
import { detectProtocol } from '../../lib/decode/registry';
import type { DecodedMessage, Direction } from '../../lib/decode/types';
import { schema } from './graphql-test-schema';
import { type RecordedFrame, startFrameRecorder } from './ws-frame-recorder';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

type Decoded = DecodedMessage & { direction: Direction };

/** A session of the real graphql-ws client against a graphql-ws server on loopback. */
async function recordGraphqlWs(): Promise<{ frames: RecordedFrame[]; subprotocol: string }> {
  let subprotocol = '';
  const recorder = await startFrameRecorder((socket) => {
    subprotocol = socket.protocol;
  });
  const server = useServer({ schema }, recorder.wss);
  cleanups.push(async () => {
    await server.dispose();
    await recorder.close();
  });
  const client = createClient({ url: recorder.url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  const greetings: unknown[] = [];
  for await (const result of client.iterate({
    query: 'subscription Greetings($count: Int) { greetings(count: $count) }',
    variables: { count: 3 },
  })) {
    greetings.push(result);
  }
  expect(greetings).toHaveLength(3);
  const hello = await new Promise<unknown>((resolve, reject) => {
    let data: unknown;
    client.subscribe(
      { query: 'query Hello { hello(name: "Ada") }' },
      { next: (value) => (data = value), error: reject, complete: () => resolve(data) },
    );
  });
  expect(hello).toEqual({ data: { hello: 'Hello Ada' } });
  const failure = await new Promise<unknown>((resolve) => {
    client.subscribe(
      { query: '{ nope }' },
      { next: () => undefined, error: resolve, complete: () => resolve(null) },
    );
  });
  expect(failure).toBeTruthy();
  // Stops a long subscription early: the client completes it.
  const stopped = client.iterate({ query: 'subscription Many { greetings(count: 1000) }' });
  for await (const _ of stopped) break;
  await client.dispose();
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { frames: recorder.frames, subprotocol };
}

function decodeAll(decoder: typeof graphqlWsDecoder, frames: readonly RecordedFrame[]): Decoded[] {
  const session = decoder.session();
  return frames.flatMap(({ direction, frame }) =>
    session.decode(frame, direction).map((message) => ({ ...message, direction })),
  );
}

/** Ids are generated UUIDs: numbered in order of appearance instead. */
function normalised(messages: readonly Decoded[]): string[] {
  const ids = new Map<string, string>();
  return messages.map((m) => {
    let line = `${m.direction} ${m.summary}`;
    for (const match of line.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)) {
      if (!ids.has(match[0])) ids.set(match[0], `op${ids.size + 1}`);
      line = line.replace(match[0], ids.get(match[0]) ?? '');
    }
    return line;
  });
}

describe('graphql-ws decoder on the real graphql-ws client and server', () => {
  it('decodes the whole conversation, names operations and pairs them by id', async () => {
    const { frames, subprotocol } = await recordGraphqlWs();
    expect(subprotocol).toBe('graphql-transport-ws');
    const messages = decodeAll(graphqlWsDecoder, frames);
    expect(messages.filter((m) => m.note)).toEqual([]);
    const lines = normalised(messages);
    expect(lines.slice(0, 7)).toEqual([
      'send connection_init',
      'receive connection_ack',
      'send subscribe op1 subscription Greetings {"count":3}',
      'receive next op1 Greetings {"data":{"greetings":"hi 0"}}',
      'receive next op1 Greetings {"data":{"greetings":"hi 1"}}',
      'receive next op1 Greetings {"data":{"greetings":"hi 2"}}',
      'receive complete op1 Greetings',
    ]);
    expect(lines).toContain('send subscribe op2 query Hello');
    expect(lines).toContain('receive next op2 Hello {"data":{"hello":"Hello Ada"}}');
    expect(lines).toContain('send subscribe op3 query (anonymous)');
    expect(lines.find((l) => l.startsWith('receive error op3'))).toMatch(
      /^receive error op3 Cannot query field "nope" on type "Query"\.$/,
    );
    expect(lines).toContain('send subscribe op4 subscription Many');
    expect(lines).toContain('send complete op4 Many');

    const greetings = messages.filter((m) => m.fields?.op === 'Greetings');
    expect(greetings.map((m) => m.pair?.role)).toEqual(['request', 'stream', 'stream', 'stream', 'end']);
    expect(new Set(greetings.map((m) => m.pair?.key)).size).toBe(1);
    expect(greetings[0]?.pair?.key).toMatch(/^op:/);
    expect(messages[0]?.pair).toEqual({ key: 'connection', role: 'request', control: true });
    expect(messages[1]?.pair).toEqual({ key: 'connection', role: 'response', control: true });
  });

  it('is detected from its subprotocol or its first frames, and told apart from the legacy protocol', async () => {
    const { frames } = await recordGraphqlWs();
    const base = { transport: 'websocket' as const, url: 'ws://x/graphql' };
    const firstFrames = frames.slice(0, 4);
    expect(
      graphqlWsDecoder.detect({ ...base, subprotocol: 'graphql-transport-ws', frames: [] }),
    ).toBeGreaterThan(0.9);
    expect(
      graphqlWsDecoder.detect({ ...base, subprotocol: null, frames: firstFrames }),
    ).toBeGreaterThanOrEqual(0.9);
    expect(subscriptionsTransportWsDecoder.detect({ ...base, subprotocol: null, frames: firstFrames })).toBe(
      0,
    );
    expect(graphqlWsDecoder.detect({ ...base, subprotocol: null, frames: [] })).toBe(0);
    const all = [jsonRpcDecoder, subscriptionsTransportWsDecoder, graphqlWsDecoder];
    expect(detectProtocol({ ...base, subprotocol: null, frames: firstFrames }, all)?.decoder.id).toBe(
      'graphql-transport-ws',
    );
    expect(
      detectProtocol({ ...base, subprotocol: null, frames: legacyFrames.slice(0, 4) }, all)?.decoder.id,
    ).toBe('subscriptions-transport-ws');
    const chat = [{ direction: 'send' as const, frame: { text: '{"type":"chat","text":"hi"}' } }];
    expect(graphqlWsDecoder.detect({ ...base, subprotocol: null, frames: chat })).toBe(0);
  });

  it('pairs ping with pong from either side', () => {
    const session = graphqlWsDecoder.session();
    expect(session.decode({ text: '{"type":"ping"}' }, 'receive')[0]?.pair).toEqual({
      key: 'ping:receive',
      role: 'request',
      control: true,
    });
    expect(session.decode({ text: '{"type":"pong"}' }, 'send')[0]?.pair).toEqual({
      key: 'ping:receive',
      role: 'response',
      control: true,
    });
  });
});

// subscriptions-transport-ws is not installed: these frames follow its PROTOCOL.md message by message.
const legacyFrames: RecordedFrame[] = [
  { direction: 'send', frame: { text: '{"type":"connection_init","payload":{"authToken":"t"}}' } },
  { direction: 'receive', frame: { text: '{"type":"connection_ack"}' } },
  { direction: 'receive', frame: { text: '{"type":"ka"}' } },
  {
    direction: 'send',
    frame: {
      text: JSON.stringify({
        id: '1',
        type: 'start',
        payload: {
          query: 'subscription OnPost($room: ID!) { post(room: $room) { id } }',
          variables: { room: 'a' },
        },
      }),
    },
  },
  { direction: 'receive', frame: { text: '{"id":"1","type":"data","payload":{"data":{"post":{"id":7}}}}' } },
  { direction: 'send', frame: { text: '{"id":"2","type":"start","payload":{"query":"{ me { id } }"}}' } },
  {
    direction: 'receive',
    frame: { text: '{"id":"2","type":"error","payload":{"message":"Not signed in"}}' },
  },
  { direction: 'send', frame: { text: '{"id":"1","type":"stop"}' } },
  { direction: 'receive', frame: { text: '{"id":"1","type":"complete"}' } },
  { direction: 'send', frame: { text: '{"type":"connection_terminate"}' } },
];

describe('subscriptions-transport-ws decoder', () => {
  it('decodes the legacy protocol with operation names and pairs', () => {
    const messages = decodeAll(subscriptionsTransportWsDecoder, legacyFrames);
    expect(messages.map((m) => m.summary)).toEqual([
      'connection_init {"authToken":"t"}',
      'connection_ack',
      'ka',
      'start 1 subscription OnPost {"room":"a"}',
      'data 1 OnPost {"data":{"post":{"id":7}}}',
      'start 2 query (anonymous)',
      'error 2 Not signed in',
      'stop 1 OnPost',
      'complete 1',
      'connection_terminate',
    ]);
    expect(messages.filter((m) => m.note)).toEqual([]);
    expect(messages.filter((m) => m.pair?.key === 'op:1').map((m) => m.pair?.role)).toEqual([
      'request',
      'stream',
      'end',
      'end',
    ]);
    expect(messages[3]?.fields).toEqual({ op: 'OnPost' });
  });

  it('is detected from the "graphql-ws" subprotocol or its legacy message types', () => {
    const base = { transport: 'websocket' as const, url: 'ws://x/subscriptions' };
    expect(
      subscriptionsTransportWsDecoder.detect({ ...base, subprotocol: 'graphql-ws', frames: [] }),
    ).toBeGreaterThan(0.9);
    const frames = legacyFrames.slice(0, 4);
    expect(
      subscriptionsTransportWsDecoder.detect({ ...base, subprotocol: null, frames }),
    ).toBeGreaterThanOrEqual(0.9);
    expect(graphqlWsDecoder.detect({ ...base, subprotocol: null, frames })).toBe(0);
  });
});

describe('GraphQL decoders on broken input', () => {
  it('takes operation names from operationName or the query, skipping comments', () => {
    expect(operationName({ query: '# subscription Fake\nsubscription Real { x }' })).toBe('Real');
    expect(operationName({ query: 'query A { x } query B { y }', operationName: 'B' })).toBe('B');
    expect(operationName({ query: '{ x }' })).toBeUndefined();
    expect(operationName('nope')).toBeUndefined();
  });

  it('never throws on cut, garbage or deeply nested frames, and says why', () => {
    const text = legacyFrames[3]?.frame && 'text' in legacyFrames[3].frame ? legacyFrames[3].frame.text : '';
    const deep = `{"type":"next","id":"1","payload":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    for (const decoder of [graphqlWsDecoder, subscriptionsTransportWsDecoder]) {
      for (let cut = 0; cut < text.length; cut++) {
        const [m] = decoder.session().decode({ text: text.slice(0, cut) }, 'send');
        expect(m?.note).toBe('Not a JSON message with a "type"');
      }
      const [nested] = decoder.session().decode({ text: deep }, 'receive');
      expect(nested?.summary.length).toBeLessThanOrEqual(200);
      expect(
        decoder.session().decode({ bytes: new Uint8Array([0xff, 0x00, 0x7b]) }, 'receive')[0]?.note,
      ).toBeDefined();
      expect(decoder.session().decode({ text: '{"type":"bogus"}' }, 'receive')[0]?.note).toMatch(
        /Not a .* message type/,
      );
    }
    const [nested] = graphqlWsDecoder.session().decode({ text: deep }, 'receive');
    expect(nested?.note).toBe('Large or deeply nested: the tree is cut');
  });
});
