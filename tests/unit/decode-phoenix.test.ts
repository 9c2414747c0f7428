import { Socket } from 'phoenix';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { phoenixDecoder } from '../../lib/decode/phoenix';
import type { DecodedMessage, Direction } from '../../lib/decode/types';
import { type RecordedFrame, startFrameRecorder } from './ws-frame-recorder';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

type Decoded = DecodedMessage & { direction: Direction };
type Wire = [string | null, string | null, string, string, unknown];

/**
 * A small server answering like Phoenix's channel server: joins (refused for
 * "room:secret"), heartbeats, pushes (broadcast back and replied to), leaves
 * (replied to, then phx_close), in the v2 array or v1 object serialization.
 */
function attachChannels(version: 1 | 2) {
  return (socket: import('ws').WebSocket) => {
    const send = ([joinRef, ref, topic, event, payload]: Wire) =>
      socket.send(
        version === 2
          ? JSON.stringify([joinRef, ref, topic, event, payload])
          : JSON.stringify({ topic, event, payload, ref }),
      );
    const reply = (
      joinRef: string | null,
      ref: string | null,
      topic: string,
      status: string,
      response: unknown,
    ) => send([joinRef, ref, topic, 'phx_reply', { status, response }]);
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        // A binary push [0, join_ref, ref, topic, event sizes…]: replied to with its byte count.
        const bytes = new Uint8Array(data as Buffer);
        const [joinRefSize = 0, refSize = 0, topicSize = 0] = bytes.subarray(1, 4);
        const field = (at: number, size: number) => new TextDecoder().decode(bytes.subarray(at, at + size));
        const joinRef = field(5, joinRefSize);
        const ref = field(5 + joinRefSize, refSize);
        const topic = field(5 + joinRefSize + refSize, topicSize);
        reply(joinRef, ref, topic, 'ok', { bytes: bytes.length });
        return;
      }
      const parsed = JSON.parse(String(data)) as
        | Wire
        | { topic: string; event: string; payload: unknown; ref: string };
      const [joinRef, ref, topic, event, payload] = Array.isArray(parsed)
        ? parsed
        : ([null, parsed.ref, parsed.topic, parsed.event, parsed.payload] as Wire);
      if (topic === 'phoenix' && event === 'heartbeat') reply(null, ref, topic, 'ok', {});
      else if (event === 'phx_join' && topic === 'room:secret')
        reply(joinRef, ref, topic, 'error', { reason: 'unauthorized' });
      else if (event === 'phx_join') reply(joinRef, ref, topic, 'ok', { welcome: topic });
      else if (event === 'phx_leave') {
        reply(joinRef, ref, topic, 'ok', {});
        send([joinRef, joinRef, topic, 'phx_close', {}]);
      } else {
        send([null, null, topic, event, payload]);
        reply(joinRef, ref, topic, 'ok', { accepted: true });
      }
    });
  };
}

function once(
  push: { receive(status: string, cb: (r: unknown) => void): unknown },
  status = 'ok',
): Promise<unknown> {
  return new Promise((resolve) => push.receive(status, resolve));
}

/** A session of the real phoenix client (Socket over `ws`) against the server above. */
async function recordPhoenix(version: 1 | 2): Promise<{ frames: RecordedFrame[]; url: string }> {
  let url = '';
  const recorder = await startFrameRecorder(attachChannels(version));
  recorder.wss.on('connection', (_socket, request) => {
    url = request.url ?? '';
  });
  cleanups.push(() => recorder.close());
  const v1 =
    version === 1
      ? {
          vsn: '1.0.0',
          encode: (message: object, callback: (encoded: string) => void) => callback(JSON.stringify(message)),
          decode: (raw: string, callback: (message: object) => void) => callback(JSON.parse(raw)),
        }
      : {};
  const socket = new Socket(`${recorder.url}/socket`, {
    transport: WebSocket,
    heartbeatIntervalMs: 600_000,
    reconnectAfterMs: () => 600_000,
    ...v1,
  });
  socket.connect();
  const lobby = socket.channel('room:lobby', { nick: 'ann' });
  await once(lobby.join());
  const secret = socket.channel('room:secret');
  await once(secret.join(), 'error');
  secret.leave();
  const broadcast = new Promise((resolve) => lobby.on('new_msg', resolve));
  await once(lobby.push('new_msg', { body: 'hi' }));
  await broadcast;
  if (version === 2) await once(lobby.push('upload', new Uint8Array([1, 2, 3, 4]).buffer));
  socket.sendHeartbeat();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await once(lobby.leave());
  await new Promise((resolve) => setTimeout(resolve, 20));
  socket.disconnect();
  return { frames: recorder.frames, url };
}

function decodeAll(frames: readonly RecordedFrame[]): Decoded[] {
  const session = phoenixDecoder.session();
  return frames.flatMap(({ direction, frame }) =>
    session.decode(frame, direction).map((message) => ({ ...message, direction })),
  );
}

describe('Phoenix channels decoder on frames recorded from the phoenix client', () => {
  it('decodes v2 joins, replies, pushes, broadcasts, binary pushes, heartbeats and leaves, pairing by ref', async () => {
    const { frames, url } = await recordPhoenix(2);
    expect(url).toBe('/socket/websocket?vsn=2.0.0');
    const messages = decodeAll(frames);
    expect(messages.map((m) => `${m.direction} ${m.summary}`)).toEqual([
      'send room:lobby phx_join {"nick":"ann"} #3',
      'receive phx_reply ok #3 (phx_join) room:lobby {"welcome":"room:lobby"}',
      'send room:secret phx_join {} #6',
      'receive phx_reply error #6 (phx_join) room:secret {"reason":"unauthorized"}',
      'send room:secret phx_leave {} #7',
      'receive phx_reply ok #7 (phx_leave) room:secret {}',
      'receive room:secret phx_close {} #6',
      'send room:lobby new_msg {"body":"hi"} #8',
      'receive room:lobby new_msg {"body":"hi"}',
      'receive phx_reply ok #8 (new_msg) room:lobby {"accepted":true}',
      'send room:lobby upload <4 bytes> #9',
      'receive phx_reply ok #9 (upload) room:lobby {"bytes":27}',
      'send phoenix heartbeat {} #10',
      'receive phx_reply ok #10 (heartbeat) phoenix {}',
      'send room:lobby phx_leave {} #11',
      'receive phx_reply ok #11 (phx_leave) room:lobby {}',
      'receive room:lobby phx_close {} #3',
    ]);
    expect(messages.every((m) => m.protocol === 'phoenix' && m.note === undefined)).toBe(true);
    const byKey = (key: string) =>
      messages.filter((m) => m.pair?.key === key).map((m) => `${m.direction} ${m.kind} ${m.pair?.role}`);
    expect(byKey('ref:3')).toEqual(['send phx_join request', 'receive phx_reply response']);
    expect(byKey('ref:8')).toEqual(['send new_msg request', 'receive phx_reply response']);
    expect(
      messages.filter((m) => m.fields?.topic === 'room:lobby' && m.fields.event === 'new_msg'),
    ).toHaveLength(2);
    expect(messages[0]?.value).toEqual({
      join_ref: '3',
      ref: '3',
      topic: 'room:lobby',
      event: 'phx_join',
      payload: { nick: 'ann' },
    });
  });

  it('decodes the v1 object serialization the same way', async () => {
    const messages = decodeAll((await recordPhoenix(1)).frames);
    expect(messages.slice(0, 2).map((m) => `${m.direction} ${m.summary}`)).toEqual([
      'send room:lobby phx_join {"nick":"ann"} #3',
      'receive phx_reply ok #3 (phx_join) room:lobby {"welcome":"room:lobby"}',
    ]);
    expect(messages.every((m) => m.note === undefined)).toBe(true);
    expect(messages.filter((m) => m.pair?.role === 'request')).toHaveLength(
      messages.filter((m) => m.pair?.role === 'response').length,
    );
  });

  it('decodes binary replies and broadcasts from the server', () => {
    const enc = new TextEncoder();
    const reply = Uint8Array.from([
      1,
      1,
      1,
      10,
      2,
      ...enc.encode('3'),
      ...enc.encode('9'),
      ...enc.encode('room:lobby'),
      ...enc.encode('ok'),
      0xde,
      0xad,
    ]);
    const broadcast = Uint8Array.from([
      2,
      10,
      5,
      ...enc.encode('room:lobby'),
      ...enc.encode('frame'),
      1,
      2,
      3,
    ]);
    const session = phoenixDecoder.session();
    expect(session.decode({ bytes: reply }, 'receive')[0]?.summary).toBe(
      'phx_reply ok #9 room:lobby <2 bytes>',
    );
    expect(session.decode({ bytes: broadcast }, 'receive')[0]?.summary).toBe('room:lobby frame <3 bytes>');
    for (let cut = 1; cut < reply.length - 2; cut++) {
      expect(session.decode({ bytes: reply.subarray(0, cut) }, 'receive')[0]?.note).toMatch(/^Truncated/);
    }
  });

  it('is detected from the URL and first frames, and not from other JSON arrays', async () => {
    const { frames, url } = await recordPhoenix(2);
    const base = { transport: 'websocket' as const, url: `ws://x${url}`, subprotocol: null };
    expect(phoenixDecoder.detect({ ...base, frames: frames.slice(0, 2) })).toBeGreaterThanOrEqual(0.9);
    expect(
      phoenixDecoder.detect({ ...base, url: 'ws://x/live', frames: frames.slice(0, 2) }),
    ).toBeGreaterThanOrEqual(0.9);
    expect(phoenixDecoder.detect({ ...base, frames: [] })).toBeGreaterThanOrEqual(0.5);
    const other = { ...base, url: 'ws://x/live' };
    expect(phoenixDecoder.detect({ ...other, frames: [] })).toBe(0);
    expect(
      phoenixDecoder.detect({ ...other, frames: [{ direction: 'receive', frame: { text: '[1,2,3,4,5]' } }] }),
    ).toBe(0);
    expect(
      phoenixDecoder.detect({
        ...other,
        frames: [{ direction: 'receive', frame: { text: '{"jsonrpc":"2.0","id":1,"result":2}' } }],
      }),
    ).toBe(0);
  });

  it('never throws on cut, fuzzed, garbage, huge or deeply nested frames, and says why', async () => {
    const { frames } = await recordPhoenix(2);
    for (const { direction, frame } of frames) {
      if (!('text' in frame)) continue;
      for (let cut = 1; cut < frame.text.length; cut += 2) {
        const [m] = phoenixDecoder.session().decode({ text: frame.text.slice(0, cut) }, direction);
        expect(m?.note).toBe('Not JSON');
      }
      for (let i = 0; i < 20; i++) {
        const chars = [...frame.text];
        const at = (i * 7919) % chars.length;
        chars[at] = String.fromCharCode((chars[at]?.charCodeAt(0) ?? 0) ^ (1 + (i % 31)));
        for (const m of phoenixDecoder.session().decode({ text: chars.join('') }, direction)) {
          expect(m.summary.length).toBeLessThanOrEqual(200);
          if (m.kind === 'raw') expect(m.note).toBeDefined();
        }
      }
    }
    const deep = `[null,null,"t","e",${'['.repeat(5000)}${']'.repeat(5000)}]`;
    expect(phoenixDecoder.session().decode({ text: deep }, 'receive')[0]?.note).toBe(
      'Large or deeply nested: the tree is cut',
    );
    const huge = JSON.stringify([null, '1', 't', 'e', { body: 'x'.repeat(1_000_000) }]);
    const [big] = phoenixDecoder.session().decode({ text: huge }, 'send');
    expect(big?.summary.length).toBeLessThanOrEqual(200);
    expect(big?.note).toBeDefined();
    for (const garbage of ['', 'null', '[1,2,3]', '[null,null,1,2,{}]', '{"topic":"t"}']) {
      expect(phoenixDecoder.session().decode({ text: garbage }, 'receive')[0]?.note).toBeDefined();
    }
    expect(phoenixDecoder.session().decode({ bytes: Uint8Array.from([9, 1]) }, 'receive')[0]?.note).toContain(
      'Unknown',
    );
    expect(phoenixDecoder.session().decode({ bytes: new Uint8Array() }, 'receive')[0]?.note).toBeDefined();
  });
});
