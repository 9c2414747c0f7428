// SockJS decoding, on frames recorded in the test from the real sockjs server
// and sockjs-client (its node drivers) on loopback, through a recording
// proxy; STOMP inside SockJS comes from the real @stomp/stompjs client.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@stomp/stompjs';
import sockjs from 'sockjs';
import SockJS from 'sockjs-client';
import { afterEach, describe, expect, it } from 'vitest';
import { detectProtocol, safeSession } from '../../lib/decode/registry';
import { socketIoDecoder } from '../../lib/decode/socket-io';
import { sockJsDecoder } from '../../lib/decode/sockjs';
import { stompDecoder } from '../../lib/decode/stomp';
import type { DecodedMessage, DetectSample } from '../../lib/decode/types';
import { stompBrokerConnection } from '../../scripts/demo/stomp-broker';
import { startRecordingProxy } from './decode-recording-proxy';
import { until, type WireRecord } from './decode-wire-recorder';

const ALL = [sockJsDecoder, stompDecoder, socketIoDecoder];

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

type Mode = 'echo' | 'stomp';

/** A sockjs server at /app: echoes (closing with 3000 on "bye"), or speaks STOMP through the small broker. */
async function startSockJs(log: WireRecord[], mode: Mode): Promise<string> {
  const service = sockjs.createServer({ prefix: '/app', log: () => {}, heartbeat_delay: 50 });
  service.on('connection', (conn) => {
    if (!conn) return;
    const broker = stompBrokerConnection((frame) => conn.write(frame));
    conn.on('data', (text: string) => {
      if (mode === 'stomp') broker.receive(text);
      // @types/sockjs types the close code as a string; the protocol's code is a number.
      else if (text === 'bye') conn.close(3000 as unknown as string, 'Go away!');
      else conn.write(text);
    });
  });
  const http = createServer();
  service.installHandlers(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  );
  const proxy = await startRecordingProxy(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, log);
  cleanups.push(proxy.stop);
  return `${proxy.url}/app`;
}

function openClient(url: string, transports: string[]): Promise<WebSocket> {
  const socket = new SockJS(url, null, { transports });
  cleanups.push(() => socket.close());
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onclose = (e) => reject(new Error(`closed ${e.code}`));
  });
}

function decodeAll(records: WireRecord[]): DecodedMessage[] {
  const session = safeSession(sockJsDecoder);
  return records.flatMap((r) => session.decode(r.frame, r.direction));
}

function sampleOf(records: WireRecord[], transport: DetectSample['transport'], base: string): DetectSample {
  return {
    transport,
    url: `${base}${records[0]?.url ?? ''}`,
    subprotocol: null,
    frames: records.slice(0, 3).map((r) => ({ direction: r.direction, frame: r.frame })),
  };
}

async function echoExchange(url: string, transports: string[], idleMs = 0): Promise<void> {
  const socket = await openClient(url, transports);
  const echoed: string[] = [];
  socket.onmessage = (e) => echoed.push(String(e.data));
  // One at a time, so the recording's order does not depend on timing.
  socket.send('hello "sockjs"');
  await until(() => echoed.length === 1);
  socket.send(JSON.stringify({ n: 1 }));
  await until(() => echoed.length === 2);
  // Idle long enough for the server's heart-beat (over WebSocket it pings at the WebSocket level instead).
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const closed = new Promise<number>((resolve) => {
    socket.onclose = (e) => resolve(e.code);
  });
  socket.send('bye');
  expect(await closed).toBe(3000);
}

describe('SockJS, recorded from sockjs and sockjs-client', () => {
  it('decodes o, a[…] and c[…] over WebSocket, and the client’s sends', async () => {
    const log: WireRecord[] = [];
    const url = await startSockJs(log, 'echo');
    await echoExchange(url, ['websocket']);

    const ws = log.filter(
      (r) =>
        r.channel === 'websocket' && r.connection === log.find((x) => x.channel === 'websocket')?.connection,
    );
    expect(ws[0]?.url).toMatch(/^\/app\/\d{3}\/[^/]+\/websocket$/);
    expect(detectProtocol(sampleOf(ws, 'websocket', 'ws://127.0.0.1:1'), ALL)?.decoder.id).toBe('sockjs');
    expect(sockJsDecoder.detect(sampleOf(ws, 'websocket', 'ws://127.0.0.1:1'))).toBe(0.97);

    const messages = decodeAll(ws);
    expect(messages.map((m) => [m.kind, m.summary])).toEqual([
      ['open', 'open'],
      ['send', 'send[1] "hello \\"sockjs\\""'],
      ['messages', 'a[1] "hello \\"sockjs\\""'],
      ['send', 'send[1] "{\\"n\\":1}"'],
      ['messages', 'a[1] "{\\"n\\":1}"'],
      ['send', 'send[1] "bye"'],
      ['close', 'close 3000 Go away!'],
    ]);
    expect(messages[2]?.value).toEqual(['hello "sockjs"']);
  });

  it('decodes xhr-streaming bodies (prelude, newline-separated frames) and xhr_send bodies', async () => {
    const log: WireRecord[] = [];
    const url = await startSockJs(log, 'echo');
    await echoExchange(url, ['xhr-streaming'], 150);
    const http = log.filter((r) => /\/xhr_streaming|\/xhr_send/.test(r.url));
    const stream = http.find((r) => r.url.endsWith('/xhr_streaming') && r.direction === 'receive');
    expect(stream).toBeDefined();
    const streamSample = sampleOf(stream ? [stream] : [], 'xhr', 'http://127.0.0.1:1');
    expect(detectProtocol(streamSample, ALL)?.decoder.id).toBe('sockjs');
    const streamed = decodeAll(stream ? [stream] : []);
    const kinds = streamed.map((m) => m.kind);
    expect(kinds.filter((k) => k !== 'heartbeat')).toEqual([
      'prelude',
      'open',
      'messages',
      'messages',
      'close',
    ]);
    expect(kinds).toContain('heartbeat');
    expect(streamed.find((m) => m.kind === 'heartbeat')?.summary).toBe('heartbeat');
    expect(streamed[0]?.summary).toBe('streaming prelude (2048 B)');

    const sends = decodeAll(http.filter((r) => r.url.endsWith('/xhr_send') && r.direction === 'send'));
    expect(sends.map((m) => m.summary)).toEqual([
      'send[1] "hello \\"sockjs\\""',
      'send[1] "{\\"n\\":1}"',
      'send[1] "bye"',
    ]);
  });

  it('decodes xhr-polling bodies', async () => {
    const log: WireRecord[] = [];
    const url = await startSockJs(log, 'echo');
    await echoExchange(url, ['xhr-polling']);
    const polls = log.filter((r) => /\/xhr$/.test(r.url) && r.direction === 'receive');
    const messages = decodeAll(polls);
    expect(messages[0]?.kind).toBe('open');
    expect(messages.filter((m) => m.kind === 'messages').flatMap((m) => m.value as string[])).toEqual([
      'hello "sockjs"',
      '{"n":1}',
    ]);
    expect(messages.at(-1)?.summary).toBe('close 3000 Go away!');
    expect(sockJsDecoder.detect(sampleOf(polls, 'xhr', 'http://127.0.0.1:1'))).toBe(0.97);
  });
});

describe('STOMP over SockJS, recorded from @stomp/stompjs on sockjs-client', () => {
  it.each([['websocket'], ['xhr-streaming']])(
    'decodes the STOMP frames carried in SockJS over %s',
    async (transport) => {
      const log: WireRecord[] = [];
      const url = await startSockJs(log, 'stomp');
      const client = new Client({
        webSocketFactory: () => new SockJS(url, null, { transports: [transport] }),
        heartbeatIncoming: 0,
        heartbeatOutgoing: 0,
        reconnectDelay: 0,
      });
      const connected = new Promise<void>((resolve) => {
        client.onConnect = () => resolve();
      });
      client.activate();
      cleanups.push(() => client.deactivate());
      await connected;
      const received: string[] = [];
      client.subscribe('/topic/chat', (m) => received.push(m.body));
      const receipt = new Promise<void>((resolve) => client.watchForReceipt('r-1', () => resolve()));
      client.publish({ destination: '/topic/chat', body: 'hi over sockjs', headers: { receipt: 'r-1' } });
      await receipt;
      await until(() => received.length === 1);

      if (transport !== 'websocket') {
        // The stream's body is recorded when it ends: close the client and wait for it.
        await client.deactivate();
        await until(() => log.some((r) => /\/xhr_streaming$/.test(r.url) && r.direction === 'receive'));
      }
      const records =
        transport === 'websocket'
          ? log.filter((r) => r.channel === 'websocket')
          : log.filter(
              (r) =>
                /\/xhr_send$/.test(r.url) || (/\/xhr_streaming$/.test(r.url) && r.direction === 'receive'),
            );
      const messages = decodeAll(records);
      expect(messages.filter((m) => m.note)).toEqual([]);
      const inner = messages.flatMap((m) => m.inner ?? []);
      const kinds = inner.map((m) => m.kind);
      for (const kind of ['CONNECT', 'CONNECTED', 'SUBSCRIBE', 'SEND', 'RECEIPT', 'MESSAGE'])
        expect(kinds).toContain(kind);
      expect(inner.every((m) => m.protocol === 'stomp')).toBe(true);
      const send = inner.find((m) => m.kind === 'SEND');
      expect(send?.summary).toBe('SEND /topic/chat receipt:r-1 "hi over sockjs"');
      expect(send?.fields).toEqual({ destination: '/topic/chat' });
      // The carrying SockJS frame shows its first STOMP frame (and how many more it holds) and its destination.
      const carrier = messages.find((m) => m.inner?.includes(send as DecodedMessage));
      expect(carrier?.summary).toMatch(
        /^(SEND \/topic\/chat receipt:r-1 "hi over sockjs"|SUBSCRIBE \/topic\/chat id:sub-0 \(\+1 more\))$/,
      );
      expect(carrier?.fields).toEqual({ destination: '/topic/chat' });
      const message = inner.find((m) => m.kind === 'MESSAGE');
      expect(message?.summary).toBe('MESSAGE /topic/chat sub:sub-0 "hi over sockjs"');
      expect(inner.find((m) => m.kind === 'RECEIPT')?.pair).toEqual({ key: 'receipt:r-1', role: 'response' });
    },
  );
});

describe('SockJS decoding of damaged input', () => {
  const frames = [
    'a["CONNECTED\\nversion:1.2\\n\\n\\u0000"]',
    'c[3000,"Go away!"]',
    'm"one"',
    '["SEND\\ndestination:/a\\n\\nx\\u0000"]',
  ];

  it('never throws on every truncation, random bytes, deep nesting or a wrong shape, and notes it', () => {
    for (const text of frames) {
      for (let cut = 0; cut <= text.length; cut++) {
        for (const direction of ['send', 'receive'] as const) {
          const messages = sockJsDecoder.session().decode({ text: text.slice(0, cut) }, direction);
          expect(messages.length).toBeGreaterThan(0);
          for (const m of messages) expect(m.summary.length).toBeLessThanOrEqual(200);
        }
      }
    }
    const session = sockJsDecoder.session();
    expect(session.decode({ text: 'a[1,2]' }, 'receive')[0]?.note).toBe(
      'SockJS messages are not an array of strings',
    );
    expect(session.decode({ text: 'x' }, 'receive')[0]?.note).toBe('Not a SockJS frame');
    expect(session.decode({ text: `a${'['.repeat(50_000)}` }, 'receive')[0]?.note).toMatch(/nested deeper/);
    expect(session.decode({ bytes: new Uint8Array([0xff, 0xfe]) }, 'receive')[0]?.note).toMatch(
      /Binary payload/,
    );
    let seed = 3;
    for (let i = 0; i < 300; i++) {
      const text = String.fromCharCode(
        ...Array.from({ length: 1 + (i % 30) }, () => {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          return 32 + (seed % 95);
        }),
      );
      expect(() => session.decode({ text: `a${text}` }, 'receive')).not.toThrow();
    }
  });

  it('decodes STOMP inside a[…] once a message looks like STOMP, heart-beats included', () => {
    const session = sockJsDecoder.session();
    const [plain] = session.decode({ text: 'a["just text"]' }, 'receive');
    expect(plain?.inner).toBeUndefined();
    const [connected] = session.decode({ text: 'a["CONNECTED\\nversion:1.2\\n\\n\\u0000"]' }, 'receive');
    expect(connected?.summary).toBe('CONNECTED v1.2');
    const [beat] = session.decode({ text: 'a["\\n"]' }, 'receive');
    expect(beat?.inner?.map((m) => m.kind)).toEqual(['heartbeat']);
    const [two] = session.decode(
      { text: 'a["MESSAGE\\ndestination:/t\\n\\n1\\u0000","MESSAGE\\ndestination:/t\\n\\n2\\u0000"]' },
      'receive',
    );
    expect(two?.summary).toBe('MESSAGE /t sub:? "1" (+1 more)');
  });
});
