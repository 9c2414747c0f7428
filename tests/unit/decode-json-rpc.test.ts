import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { jsonRpcDecoder } from '../../lib/decode/json-rpc';
import type { DecodedMessage, Direction } from '../../lib/decode/types';
import { type RecordedFrame, startFrameRecorder } from './ws-frame-recorder';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

type Decoded = DecodedMessage & { direction: Direction };

// No JSON-RPC library is installed: a small server answering by the 2.0 spec, and the
// spec's own examples sent by a ws client, recorded as they cross the loopback wire.
const methods: Record<string, (params: unknown) => unknown> = {
  subtract: (params) => {
    const [a, b] = Array.isArray(params) ? params : [];
    return Number(a) - Number(b);
  },
  sum: (params) => (Array.isArray(params) ? params.reduce((total: number, n) => total + Number(n), 0) : 0),
};

function answer(request: unknown): unknown {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null };
  }
  const { method, params, id } = request as { method?: unknown; params?: unknown; id?: unknown };
  // The page's answer to the server's own call.
  if (method === undefined && ('result' in request || 'error' in request)) return undefined;
  if (typeof method !== 'string')
    return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null };
  if (id === undefined) return undefined;
  const run = methods[method];
  if (!run) return { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id };
  return { jsonrpc: '2.0', result: run(params), id };
}

async function recordJsonRpc(): Promise<RecordedFrame[]> {
  const recorder = await startFrameRecorder((socket) => {
    socket.on('message', (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        socket.send(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null }),
        );
        return;
      }
      const reply = Array.isArray(parsed)
        ? parsed.map(answer).filter((r) => r !== undefined)
        : answer(parsed);
      if (reply !== undefined && !(Array.isArray(reply) && reply.length === 0))
        socket.send(JSON.stringify(reply));
    });
    // The server calls the page too: ids of its own.
    socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'ui.refresh', params: { view: 'home' }, id: 1 }));
  });
  cleanups.push(() => recorder.close());
  const ws = new WebSocket(recorder.url);
  const replies: string[] = [];
  ws.on('message', (data) => {
    replies.push(String(data));
    const message = JSON.parse(String(data)) as { method?: string; id?: number };
    if (message.method === 'ui.refresh')
      ws.send(JSON.stringify({ jsonrpc: '2.0', result: 'ok', id: message.id }));
  });
  await new Promise((resolve) => ws.once('open', resolve));
  const sends = [
    '{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}',
    '{"jsonrpc":"2.0","method":"update","params":[1,2,3,4,5]}',
    '{"jsonrpc":"2.0","method":"foobar","id":"1"}',
    '{"jsonrpc":"2.0","method":"foobar, "params":"bar","baz]',
    '[{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"a"},{"jsonrpc":"2.0","method":"notify_hello","params":[7]},{"foo":"boo"}]',
  ];
  for (const text of sends) {
    const before = replies.length;
    ws.send(text);
    if (!text.includes('"update"')) await waitFor(() => replies.length > before);
  }
  ws.close();
  return recorder.frames;
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

function decodeAll(frames: readonly RecordedFrame[]): Decoded[] {
  const session = jsonRpcDecoder.session();
  return frames.flatMap(({ direction, frame }) =>
    session.decode(frame, direction).map((message) => ({ ...message, direction })),
  );
}

describe('JSON-RPC 2.0 decoder on frames recorded over loopback', () => {
  it('decodes calls, notifications, results, errors and batches, pairing by id and side', async () => {
    const messages = decodeAll(await recordJsonRpc());
    expect(messages.map((m) => `${m.direction} ${m.kind} ${m.summary}`)).toEqual([
      'receive request call ui.refresh #1 {"view":"home"}',
      'send result result #1 (ui.refresh) "ok"',
      'send request call subtract #1 [42,23]',
      'receive result result #1 (subtract) 19',
      'send notification notify update [1,2,3,4,5]',
      'send request call foobar #"1"',
      'receive error error #"1" (foobar) -32601 Method not found',
      'send invalid {"jsonrpc":"2.0","method":"foobar, "params":"bar","baz]',
      'receive error error #null -32700 Parse error',
      'send request [1/3] call sum #a [1,2,4]',
      'send notification [2/3] notify notify_hello [7]',
      'send invalid [3/3] {"foo":"boo"}',
      'receive result [1/2] result #a (sum) 7',
      'receive error [2/2] error #null -32600 Invalid Request',
    ]);
    const byKey = (key: string) =>
      messages.filter((m) => m.pair?.key === key).map((m) => `${m.direction} ${m.pair?.role}`);
    expect(byKey('rpc:1')).toEqual(['send request', 'receive response']);
    expect(byKey('rpc:server:1')).toEqual(['receive request', 'send response']);
    expect(byKey('rpc:"1"')).toEqual(['send request', 'receive response']);
    expect(byKey('rpc:a')).toEqual(['send request', 'receive response']);
    expect(messages.find((m) => m.summary.includes('-32700'))?.pair).toBeUndefined();
    expect(messages.filter((m) => m.fields?.op === 'subtract')).toHaveLength(2);
    expect(messages.filter((m) => m.kind === 'invalid').every((m) => m.note)).toBe(true);
  });

  it('is detected from frames carrying "jsonrpc":"2.0", and not from other JSON', async () => {
    const frames = await recordJsonRpc();
    const base = { transport: 'websocket' as const, url: 'ws://x/rpc', subprotocol: null };
    expect(jsonRpcDecoder.detect({ ...base, frames: frames.slice(0, 3) })).toBeGreaterThanOrEqual(0.9);
    const mixed = [{ direction: 'send' as const, frame: { text: '{"hello":1}' } }, ...frames.slice(0, 1)];
    expect(jsonRpcDecoder.detect({ ...base, frames: mixed })).toBeGreaterThanOrEqual(0.5);
    expect(
      jsonRpcDecoder.detect({
        ...base,
        frames: [{ direction: 'send', frame: { text: '{"jsonrpc":"1.0"}' } }],
      }),
    ).toBe(0);
    expect(jsonRpcDecoder.detect({ ...base, frames: [{ direction: 'send', frame: { text: '[]' } }] })).toBe(
      0,
    );
    expect(jsonRpcDecoder.detect({ ...base, frames: [] })).toBe(0);
    const bytes = new TextEncoder().encode('{"jsonrpc":"2.0","method":"a","id":1}');
    expect(
      jsonRpcDecoder.detect({ ...base, frames: [{ direction: 'send', frame: { bytes } }] }),
    ).toBeGreaterThan(0.9);
  });

  it('never throws on cut, garbage, huge or deeply nested frames, and says why', () => {
    const text = '{"jsonrpc":"2.0","method":"sum","params":[1,2,{"a":"b"}],"id":9}';
    for (let cut = 0; cut < text.length; cut++) {
      const [m] = jsonRpcDecoder.session().decode({ text: text.slice(0, cut) }, 'send');
      expect(m?.note).toBe('Not JSON');
      expect(m?.summary.length).toBeLessThanOrEqual(200);
    }
    const deep = `{"jsonrpc":"2.0","result":${'['.repeat(10000)}${']'.repeat(10000)},"id":1}`;
    const [nested] = jsonRpcDecoder.session().decode({ text: deep }, 'receive');
    expect(nested?.kind).toBe('result');
    expect(nested?.note).toBe('Large or deeply nested: the tree is cut');
    const huge = JSON.stringify({ jsonrpc: '2.0', method: 'put', params: ['x'.repeat(1_000_000)], id: 2 });
    const [big] = jsonRpcDecoder.session().decode({ text: huge }, 'send');
    expect(big?.summary.length).toBeLessThanOrEqual(200);
    expect(big?.note).toBeDefined();
    for (const garbage of ['', 'null', '42', '"s"', '[]', '[1]', '{"jsonrpc":"2.0"}']) {
      const out = jsonRpcDecoder.session().decode({ text: garbage }, 'receive');
      expect(out.every((m) => m.note !== undefined)).toBe(true);
    }
    expect(jsonRpcDecoder.session().decode({ bytes: new Uint8Array([0xff, 0xfe]) }, 'receive')[0]?.note).toBe(
      'Not JSON',
    );
  });
});
