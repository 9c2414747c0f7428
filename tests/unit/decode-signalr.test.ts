import {
  HttpTransportType,
  HubConnectionBuilder,
  JsonHubProtocol,
  LogLevel,
  NullLogger,
  Subject,
} from '@microsoft/signalr';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { signalRDecoder } from '../../lib/decode/signalr';
import type { DecodedMessage, Direction } from '../../lib/decode/types';
import { type RecordedFrame, startFrameRecorder } from './ws-frame-recorder';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

type Decoded = DecodedMessage & { direction: Direction };
const RS = '\x1e';

/** A tiny hub speaking the JSON hub protocol the way ASP.NET Core answers: enough for the client's calls below. */
function attachHub(socket: WebSocket): void {
  const send = (message: object) => socket.send(JSON.stringify(message) + RS);
  let handshaken = false;
  const uploads = new Map<string, unknown[]>();
  socket.on('message', (data) => {
    for (const record of String(data).split(RS).slice(0, -1)) {
      const message = JSON.parse(record) as {
        type?: number;
        target?: string;
        invocationId?: string;
        arguments?: unknown[];
        streamIds?: string[];
        item?: unknown;
        result?: unknown;
      };
      if (!handshaken) {
        handshaken = true;
        socket.send(`{}${RS}`);
        send({ type: 6 });
        // A client result: the hub asks the page for a value.
        send({ type: 1, invocationId: '100', target: 'GetName', arguments: [] });
        continue;
      }
      if (message.type === 1 && message.target === 'SendMessage') {
        send({ type: 1, target: 'ReceiveMessage', arguments: message.arguments ?? [] });
        if (message.invocationId !== undefined)
          send({ type: 3, invocationId: message.invocationId, result: 'delivered' });
      } else if (message.type === 1 && message.target === 'Fail' && message.invocationId !== undefined) {
        send({ type: 3, invocationId: message.invocationId, error: 'Hub method failed' });
      } else if (message.type === 1 && message.target === 'Upload') {
        for (const id of message.streamIds ?? []) uploads.set(id, []);
        uploads.set(`call:${message.invocationId}`, message.streamIds ?? []);
      } else if (message.type === 2 && message.invocationId !== undefined) {
        uploads.get(message.invocationId)?.push(message.item);
      } else if (
        message.type === 3 &&
        message.invocationId !== undefined &&
        uploads.has(message.invocationId)
      ) {
        for (const [key, ids] of uploads) {
          if (key.startsWith('call:') && (ids as string[]).includes(message.invocationId)) {
            send({ type: 3, invocationId: key.slice(5), result: uploads.get(message.invocationId)?.length });
          }
        }
      } else if (message.type === 4 && message.target === 'Counter' && message.invocationId !== undefined) {
        const count = Number(message.arguments?.[0] ?? 0);
        for (let i = 0; i < count; i++) send({ type: 2, invocationId: message.invocationId, item: i });
        send({ type: 3, invocationId: message.invocationId });
      }
    }
  });
}

/** A session of the real @microsoft/signalr HubConnection (over `ws`) against the hub above. */
async function recordSignalR(): Promise<RecordedFrame[]> {
  const recorder = await startFrameRecorder(attachHub);
  cleanups.push(() => recorder.close());
  const connection = new HubConnectionBuilder()
    .withUrl(`${recorder.url.replace('ws:', 'http:')}/chat`, {
      skipNegotiation: true,
      transport: HttpTransportType.WebSockets,
      logger: NullLogger.instance,
    })
    .configureLogging(LogLevel.None)
    .build();
  const received: unknown[] = [];
  connection.on('ReceiveMessage', (...args: unknown[]) => received.push(args));
  connection.on('GetName', () => 'ann');
  await connection.start();
  expect(await connection.invoke('SendMessage', 'ann', 'hi')).toBe('delivered');
  await connection.send('SendMessage', 'bob', 'yo');
  await expect(connection.invoke('Fail')).rejects.toThrow('Hub method failed');
  const items: unknown[] = [];
  await new Promise<void>((resolve, reject) =>
    connection.stream('Counter', 3).subscribe({
      next: (item) => items.push(item),
      complete: resolve,
      error: reject,
    }),
  );
  expect(items).toEqual([0, 1, 2]);
  const upload = new Subject<string>();
  const uploaded = connection.invoke('Upload', upload);
  upload.next('a');
  upload.next('b');
  upload.complete();
  expect(await uploaded).toBe(2);
  await connection.stop();
  return recorder.frames;
}

function decodeAll(frames: readonly RecordedFrame[]): Decoded[] {
  const session = signalRDecoder.session();
  return frames.flatMap(({ direction, frame }) =>
    session.decode(frame, direction).map((message) => ({ ...message, direction })),
  );
}

describe('SignalR JSON hub protocol decoder on frames recorded from @microsoft/signalr', () => {
  it('decodes the handshake, invocations, streams, completions, pings and close, pairing by invocation id', async () => {
    const messages = decodeAll(await recordSignalR());
    // The client pings when it has been quiet for a while: when exactly depends on timing.
    const lines = messages
      .filter((m) => !(m.direction === 'send' && m.kind === 'Ping'))
      .map((m) => `${m.direction} ${m.summary}`);
    expect(lines).toEqual([
      'send Handshake json v1',
      'receive Handshake ok',
      'receive Ping',
      'receive Invocation GetName() #100',
      'send Completion #100 (GetName) "ann"',
      'send Invocation SendMessage("ann","hi") #0',
      'receive Invocation ReceiveMessage("ann","hi")',
      'receive Completion #0 (SendMessage) "delivered"',
      'send Invocation SendMessage("bob","yo")',
      'receive Invocation ReceiveMessage("bob","yo")',
      'send Invocation Fail() #1',
      'receive Completion #1 (Fail) error: Hub method failed',
      'send StreamInvocation Counter(3) #2',
      'receive StreamItem #2 0',
      'receive StreamItem #2 1',
      'receive StreamItem #2 2',
      'receive Completion #2 (Counter)',
      'send Invocation Upload() #4 streams:3',
      'send StreamItem #3 "a"',
      'send StreamItem #3 "b"',
      'send Completion #3',
      'receive Completion #4 (Upload) 2',
    ]);
    expect(messages.every((m) => m.protocol === 'signalr' && m.note === undefined)).toBe(true);
    const byKey = (key: string) =>
      messages.filter((m) => m.pair?.key === key).map((m) => `${m.direction} ${m.kind} ${m.pair?.role}`);
    expect(byKey('handshake')).toEqual(['send handshake request', 'receive handshake-ok response']);
    expect(byKey('signalr:0')).toEqual(['send Invocation request', 'receive Completion response']);
    expect(byKey('signalr:2')).toEqual([
      'send StreamInvocation request',
      'receive StreamItem stream',
      'receive StreamItem stream',
      'receive StreamItem stream',
      'receive Completion end',
    ]);
    expect(byKey('signalr:3')).toEqual([
      'send StreamItem stream',
      'send StreamItem stream',
      'send Completion end',
    ]);
    expect(byKey('signalr:server:100')).toEqual(['receive Invocation request', 'send Completion response']);
    expect(messages.filter((m) => m.fields?.event === 'SendMessage')).toHaveLength(3);
    expect(messages.find((m) => m.kind === 'StreamItem')?.value).toEqual({
      type: 2,
      invocationId: '2',
      item: 0,
    });
  });

  it('decodes records the library encodes itself: several per payload, Ack, Sequence, Close with an error', () => {
    const protocol = new JsonHubProtocol();
    const payload = [
      protocol.writeMessage({ type: 8, sequenceId: 5 }),
      protocol.writeMessage({ type: 9, sequenceId: 6 }),
      protocol.writeMessage({ type: 5, invocationId: '7' }),
      protocol.writeMessage({ type: 7, error: 'Server shutting down', allowReconnect: true }),
    ].join('');
    const out = signalRDecoder.session().decode({ text: payload as string }, 'receive');
    expect(out.map((m) => m.summary)).toEqual([
      'Ack 5',
      'Sequence 6',
      'CancelInvocation #7',
      'Close error: Server shutting down (may reconnect)',
    ]);
    const [rejected] = signalRDecoder
      .session()
      .decode({ text: `{"error":"Requested protocol 'x' is not available."}${RS}` }, 'receive');
    expect(rejected?.summary).toBe("Handshake error: Requested protocol 'x' is not available.");
  });

  it('is detected from the handshake, from typed records and the hub URL, and not from other JSON', async () => {
    const frames = await recordSignalR();
    const base = { transport: 'websocket' as const, url: 'ws://x/chat', subprotocol: null };
    expect(signalRDecoder.detect({ ...base, frames: frames.slice(0, 2) })).toBeGreaterThanOrEqual(0.95);
    const later = frames.slice(4, 8);
    expect(signalRDecoder.detect({ ...base, frames: later })).toBeGreaterThanOrEqual(0.8);
    expect(
      signalRDecoder.detect({ ...base, url: 'wss://x/chathub?id=abc123', frames: later }),
    ).toBeGreaterThan(signalRDecoder.detect({ ...base, frames: later }));
    const plain = [{ direction: 'receive' as const, frame: { text: '{"type":1,"at":5}' } }];
    expect(signalRDecoder.detect({ ...base, frames: plain })).toBe(0);
    expect(signalRDecoder.detect({ ...base, frames: [] })).toBe(0);
    expect(
      signalRDecoder.detect({
        ...base,
        transport: 'fetch',
        url: 'http://x/chathub/negotiate?negotiateVersion=1',
        frames: [],
      }),
    ).toBeLessThan(0.5);
  });

  it('never throws on cut, fuzzed, garbage, huge or deeply nested payloads, and says why', async () => {
    const frames = await recordSignalR();
    for (const { direction, frame } of frames) {
      const text = 'text' in frame ? frame.text : '';
      for (let cut = 1; cut < text.length; cut += 3) {
        const out = signalRDecoder.session().decode({ text: text.slice(0, cut) }, direction);
        expect(out.length).toBeGreaterThan(0);
        expect(out.some((m) => m.note?.startsWith('Truncated'))).toBe(true);
      }
      for (let i = 0; i < 20; i++) {
        const chars = [...text];
        const at = (i * 7919) % chars.length;
        chars[at] = String.fromCharCode((chars[at]?.charCodeAt(0) ?? 0) ^ (1 + (i % 31)));
        const out = signalRDecoder.session().decode({ text: chars.join('') }, direction);
        for (const m of out) expect(m.summary.length).toBeLessThanOrEqual(200);
      }
    }
    const deep = `{"type":1,"target":"x","arguments":[${'['.repeat(5000)}${']'.repeat(5000)}]}${RS}`;
    expect(signalRDecoder.session().decode({ text: deep }, 'send')[0]?.note).toBe(
      'Large or deeply nested: the tree is cut',
    );
    const huge = `{"type":2,"invocationId":"1","item":"${'x'.repeat(1_000_000)}"}${RS}`;
    const [big] = signalRDecoder.session().decode({ text: huge }, 'receive');
    expect(big?.summary.length).toBeLessThanOrEqual(200);
    expect(big?.note).toBeDefined();
    for (const garbage of [
      RS,
      `null${RS}`,
      `[1]${RS}`,
      `{"type":42}${RS}`,
      `{"type":"1"}${RS}`,
      `{"a":1}${RS}`,
    ]) {
      const out = signalRDecoder.session().decode({ text: garbage }, 'receive');
      expect(out.every((m) => m.note !== undefined)).toBe(true);
    }
    const [binary] = signalRDecoder
      .session()
      .decode({ bytes: Uint8Array.from([0x05, 0x94, 0x01]) }, 'receive');
    expect(binary?.note).toContain('MessagePack');
  });
});
