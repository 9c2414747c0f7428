import { adapters, createConsumer } from '@rails/actioncable';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ACTIONCABLE_SUBPROTOCOL, actionCableDecoder } from '../../lib/decode/actioncable';
import type { DecodedMessage, Direction } from '../../lib/decode/types';
import { type RecordedFrame, startFrameRecorder } from './ws-frame-recorder';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

type Decoded = DecodedMessage & { direction: Direction };

/**
 * A small server answering like Rails' Action Cable: welcome and a ping on
 * connect, subscriptions confirmed (or rejected for SecretChannel), a
 * channel's `speak` broadcast back, `leave` answered by a disconnect.
 */
function attachCable(socket: import('ws').WebSocket): void {
  socket.send(JSON.stringify({ type: 'welcome' }));
  socket.send(JSON.stringify({ type: 'ping', message: 1764948000 }));
  socket.on('message', (raw) => {
    const { command, identifier, data } = JSON.parse(String(raw)) as {
      command: string;
      identifier: string;
      data?: string;
    };
    const channel = (JSON.parse(identifier) as { channel: string }).channel;
    if (command === 'subscribe') {
      const type = channel === 'SecretChannel' ? 'reject_subscription' : 'confirm_subscription';
      socket.send(JSON.stringify({ identifier, type }));
    } else if (command === 'message') {
      const { action, ...rest } = JSON.parse(data ?? '{}') as { action: string };
      if (action === 'speak')
        socket.send(JSON.stringify({ identifier, message: { ...rest, from: 'server' } }));
      if (action === 'leave')
        socket.send(JSON.stringify({ type: 'disconnect', reason: 'remote', reconnect: false }));
    }
  });
}

/** A session of the real @rails/actioncable consumer (over `ws`) against the server above. */
async function recordActionCable(): Promise<{ frames: RecordedFrame[]; subprotocol: string }> {
  const recorder = await startFrameRecorder(attachCable, {
    handleProtocols: (protocols) =>
      protocols.has(ACTIONCABLE_SUBPROTOCOL) ? ACTIONCABLE_SUBPROTOCOL : false,
  });
  cleanups.push(() => recorder.close());
  let subprotocol = '';
  recorder.wss.on('connection', (socket) => {
    subprotocol = socket.protocol;
  });
  // The consumer's connection monitor listens for page visibility: Node has no such events.
  const scope = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
  if (scope.addEventListener === undefined) {
    scope.addEventListener = () => {};
    scope.removeEventListener = () => {};
    cleanups.push(() => {
      delete scope.addEventListener;
      delete scope.removeEventListener;
    });
  }
  adapters.WebSocket = WebSocket;
  const consumer = createConsumer(`${recorder.url}/cable`);
  cleanups.push(() => consumer.disconnect());
  const received: unknown[] = [];
  const chat = await new Promise<ReturnType<typeof consumer.subscriptions.create>>((resolve) => {
    const subscription = consumer.subscriptions.create(
      { channel: 'ChatChannel', room: 1 },
      { connected: () => resolve(subscription), received: (data) => received.push(data) },
    );
  });
  await new Promise<void>((resolve) => consumer.subscriptions.create('SecretChannel', { rejected: resolve }));
  chat.perform('speak', { body: 'hi' });
  await until(() => received.length === 1);
  chat.unsubscribe();
  const notes = await new Promise<ReturnType<typeof consumer.subscriptions.create>>((resolve) => {
    const subscription = consumer.subscriptions.create(
      { channel: 'NotesChannel' },
      { connected: () => resolve(subscription) },
    );
  });
  const before = recorder.frames.length;
  notes.perform('leave');
  await until(() => recorder.frames.length >= before + 2);
  return { frames: recorder.frames, subprotocol };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

function decodeAll(frames: readonly RecordedFrame[]): Decoded[] {
  const session = actionCableDecoder.session();
  return frames.flatMap(({ direction, frame }) =>
    session.decode(frame, direction).map((message) => ({ ...message, direction })),
  );
}

describe('Action Cable decoder on frames recorded from the @rails/actioncable consumer', () => {
  it('decodes welcome, pings, subscriptions, channel messages and disconnect, pairing subscribe with its answer', async () => {
    const { frames, subprotocol } = await recordActionCable();
    expect(subprotocol).toBe('actioncable-v1-json');
    const messages = decodeAll(frames);
    expect(messages.map((m) => `${m.direction} ${m.summary}`)).toEqual([
      'receive welcome',
      'receive ping 1764948000',
      'send subscribe ChatChannel {room:1}',
      'receive confirm_subscription ChatChannel {room:1}',
      'send subscribe SecretChannel',
      'receive reject_subscription SecretChannel',
      'send message ChatChannel {room:1} speak {"body":"hi"}',
      'receive message ChatChannel {room:1} {"body":"hi","from":"server"}',
      'send unsubscribe ChatChannel {room:1}',
      'send subscribe NotesChannel',
      'receive confirm_subscription NotesChannel',
      'send message NotesChannel leave',
      'receive disconnect remote (no reconnect)',
    ]);
    expect(messages.every((m) => m.protocol === 'actioncable' && m.note === undefined)).toBe(true);
    const speak = messages.find((m) => m.fields?.event === 'speak');
    expect(speak?.fields).toEqual({ topic: 'ChatChannel', event: 'speak' });
    expect(speak?.value).toEqual({
      command: 'message',
      identifier: { channel: 'ChatChannel', room: 1 },
      data: { action: 'speak', body: 'hi' },
    });
    const byKey = (key: string) =>
      messages.filter((m) => m.pair?.key === key).map((m) => `${m.direction} ${m.kind} ${m.pair?.role}`);
    expect(byKey('sub:{"channel":"ChatChannel","room":1}')).toEqual([
      'send subscribe request',
      'receive confirm_subscription response',
    ]);
    expect(byKey('sub:{"channel":"SecretChannel"}')).toEqual([
      'send subscribe request',
      'receive reject_subscription response',
    ]);
  });

  it('is detected from its subprotocol or its first frames, and not from other JSON', async () => {
    const { frames } = await recordActionCable();
    const base = { transport: 'websocket' as const, url: 'ws://x/cable', subprotocol: null };
    expect(
      actionCableDecoder.detect({ ...base, subprotocol: 'actioncable-v1-json', frames: [] }),
    ).toBeGreaterThan(0.9);
    expect(actionCableDecoder.detect({ ...base, frames: frames.slice(0, 1) })).toBeGreaterThanOrEqual(0.9);
    expect(actionCableDecoder.detect({ ...base, frames: frames.slice(2, 3) })).toBeGreaterThanOrEqual(0.9);
    const other = { ...base, url: 'ws://x/live' };
    expect(
      actionCableDecoder.detect({
        ...other,
        frames: [{ direction: 'receive', frame: { text: '{"type":"ping"}' } }],
      }),
    ).toBe(0);
    expect(
      actionCableDecoder.detect({
        ...other,
        frames: [{ direction: 'send', frame: { text: '{"command":"subscribe","channel":"a"}' } }],
      }),
    ).toBe(0);
    expect(actionCableDecoder.detect({ ...other, frames: [] })).toBe(0);
  });

  it('never throws on cut, fuzzed, garbage, huge or deeply nested frames, and says why', async () => {
    const { frames } = await recordActionCable();
    for (const { direction, frame } of frames) {
      if (!('text' in frame)) continue;
      for (let cut = 1; cut < frame.text.length; cut += 2) {
        const [m] = actionCableDecoder.session().decode({ text: frame.text.slice(0, cut) }, direction);
        expect(m?.note).toBe('Not JSON');
      }
      for (let i = 0; i < 20; i++) {
        const chars = [...frame.text];
        const at = (i * 7919) % chars.length;
        chars[at] = String.fromCharCode((chars[at]?.charCodeAt(0) ?? 0) ^ (1 + (i % 31)));
        for (const m of actionCableDecoder.session().decode({ text: chars.join('') }, direction)) {
          expect(m.summary.length).toBeLessThanOrEqual(200);
          if (m.kind === 'raw') expect(m.note).toBeDefined();
        }
      }
    }
    const identifier = JSON.stringify({ channel: 'ChatChannel' });
    const cutIdentifier = JSON.stringify({ command: 'subscribe', identifier: identifier.slice(0, 10) });
    expect(actionCableDecoder.session().decode({ text: cutIdentifier }, 'send')[0]?.note).toBe(
      'identifier is not a JSON object',
    );
    const cutData = JSON.stringify({ command: 'message', identifier, data: '{"action":"sp' });
    expect(actionCableDecoder.session().decode({ text: cutData }, 'send')[0]?.note).toBe(
      'data is not a JSON object',
    );
    const deep = JSON.stringify({ identifier, message: { a: 0 } }).replace(
      '{"a":0}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
    );
    expect(actionCableDecoder.session().decode({ text: deep }, 'receive')[0]?.note).toBe(
      'Large or deeply nested: the tree is cut',
    );
    const huge = JSON.stringify({ identifier, message: { body: 'x'.repeat(1_000_000) } });
    const [big] = actionCableDecoder.session().decode({ text: huge }, 'receive');
    expect(big?.summary.length).toBeLessThanOrEqual(200);
    expect(big?.note).toBeDefined();
    for (const garbage of ['', 'null', '[]', '{"type":"nope"}', '{"command":"dance"}']) {
      expect(
        actionCableDecoder
          .session()
          .decode({ text: garbage }, garbage.includes('command') ? 'send' : 'receive')[0]?.note,
      ).toBeDefined();
    }
  });
});
