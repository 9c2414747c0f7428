// Socket.IO and Engine.IO decoding, on frames recorded in the test from the
// real socket.io server and socket.io-client talking on loopback.

import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { engineIoDecoder, parseEngineIoFrame } from '../../lib/decode/engine-io';
import { detectProtocol, safeSession } from '../../lib/decode/registry';
import { socketIoDecoder } from '../../lib/decode/socket-io';
import { sockJsDecoder } from '../../lib/decode/sockjs';
import { stompDecoder } from '../../lib/decode/stomp';
import type { DecodedMessage, DetectSample, Frame } from '../../lib/decode/types';
import { recordHttp, recordingWsServer, until, type WireRecord } from './decode-wire-recorder';

const ALL = [socketIoDecoder, engineIoDecoder, sockJsDecoder, stompDecoder];

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function startSocketIo(log: WireRecord[]): Promise<{ io: Server; url: string }> {
  const http: HttpServer = createServer();
  // A short ping interval so the recording holds Engine.IO pings and pongs.
  const server = new Server(http, {
    wsEngine: recordingWsServer(log),
    httpCompression: false,
    pingInterval: 40,
    pingTimeout: 2000,
  });
  recordHttp(http, log);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  );
  const { port } = http.address() as AddressInfo;
  return { io: server, url: `http://127.0.0.1:${port}` };
}

function connect(url: string, options: Parameters<typeof io>[1]): Promise<Socket> {
  const socket = io(url, { forceNew: true, ...options });
  cleanups.push(() => {
    socket.disconnect();
  });
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve(socket));
    socket.on('connect_error', reject);
  });
}

/** Decodes every recorded frame of one channel in order, in one session. */
function decodeAll(records: WireRecord[]): Array<{ record: WireRecord; messages: DecodedMessage[] }> {
  const session = safeSession(socketIoDecoder);
  return records.map((record) => ({ record, messages: session.decode(record.frame, record.direction) }));
}

function flat(decoded: Array<{ messages: DecodedMessage[] }>): DecodedMessage[] {
  return decoded.flatMap((d) => d.messages);
}

/** The Socket.IO packet's data in a decoded message's value. */
function dataOf(message: DecodedMessage | undefined): unknown[] | undefined {
  return (message?.value as { data?: unknown[] } | undefined)?.data;
}

function sampleOf(records: WireRecord[], transport: DetectSample['transport'], url: string): DetectSample {
  return {
    transport,
    url,
    subprotocol: null,
    frames: records.slice(0, 4).map((r) => ({ direction: r.direction, frame: r.frame })),
  };
}

describe('Socket.IO over WebSocket, recorded from socket.io and socket.io-client', () => {
  it('decodes the handshake, events, acks both ways, namespaces and binary attachments', async () => {
    const log: WireRecord[] = [];
    const { io: server, url } = await startSocketIo(log);
    server.on('connection', (socket) => {
      socket.on('chat', (msg) => socket.emit('news', { echo: msg }));
      socket.on('sum', (a: number, b: number, ack: (n: number) => void) => ack(a + b));
      socket.on('upload', (file: Buffer, ack: (reply: unknown) => void) =>
        ack({ size: file.length, thumb: Buffer.from([9, 8, 7]) }),
      );
    });
    server.of('/admin').on('connection', (socket) => {
      socket.on('kick', (who: string, ack: (ok: boolean) => void) => ack(who === 'bob'));
    });

    const client = await connect(url, { transports: ['websocket'] });
    client.emit('chat', { id: 7, text: 'hi' });
    await new Promise<void>((resolve) => client.once('news', () => resolve()));
    expect(await client.emitWithAck('sum', 2, 3)).toBe(5);
    const reply = await client.emitWithAck('upload', Buffer.from('hello binary'));
    expect(reply.size).toBe(12);
    const admin = await connect(`${url}/admin`, { transports: ['websocket'] });
    expect(await admin.emitWithAck('kick', 'bob')).toBe(true);
    await until(() => log.some((r) => r.direction === 'send' && 'text' in r.frame && r.frame.text === '3'));
    client.disconnect();
    await until(() => log.some((r) => r.direction === 'send' && 'text' in r.frame && r.frame.text === '41'));

    const ws = log.filter((r) => r.channel === 'websocket');
    expect(ws.length).toBeGreaterThan(10);
    const socketUrl = `ws://127.0.0.1${ws[0]?.url}`;
    expect(socketUrl).toMatch(/\/socket\.io\/\?EIO=4&transport=websocket/);
    expect(detectProtocol(sampleOf(ws, 'websocket', socketUrl), ALL)?.decoder.id).toBe('socket.io');
    // Without the URL, the first frames alone still say Socket.IO.
    expect(detectProtocol(sampleOf(ws, 'websocket', 'ws://example.test/live'), ALL)?.decoder.id).toBe(
      'socket.io',
    );

    // forceNew gives each client socket a connection of its own.
    const byConnection = new Map<number | undefined, WireRecord[]>();
    for (const r of ws) byConnection.set(r.connection, [...(byConnection.get(r.connection) ?? []), r]);
    const [mainRecords, adminRecords] = [...byConnection.values()];
    const main = flat(decodeAll(mainRecords ?? []));
    expect(main.filter((m) => m.note)).toEqual([]);

    const open = main[0];
    expect(open?.protocol).toBe('engine.io');
    expect(open?.kind).toBe('open');
    expect(open?.summary).toMatch(/^open sid:\S+ ping:\d+ms$/);

    const kinds = main.map((m) => `${m.protocol}:${m.kind}`);
    expect(kinds).toContain('socket.io:CONNECT');
    expect(main.find((m) => m.kind === 'CONNECT' && m.summary.includes('sid:'))?.summary).toMatch(
      /^CONNECT \/ sid:\S+$/,
    );

    const chat = main.find((m) => m.fields?.event === 'chat');
    expect(chat?.summary).toBe('EVENT chat {"id":7,"text":"hi"}');
    expect(chat?.fields).toEqual({ namespace: '/', event: 'chat' });
    expect(chat?.pair).toBeUndefined();
    expect(main.find((m) => m.fields?.event === 'news')?.summary).toBe(
      'EVENT news {"echo":{"id":7,"text":"hi"}}',
    );

    const sum = main.find((m) => m.fields?.event === 'sum');
    expect(sum?.summary).toMatch(/^EVENT sum #\d+ \[2,3\]$/);
    expect(sum?.pair?.role).toBe('request');
    const sumAck = main.find((m) => m.kind === 'ACK' && m.pair?.key === sum?.pair?.key);
    expect(sumAck?.pair?.role).toBe('response');
    expect(sumAck?.summary).toMatch(/^ACK #\d+ 5$/);

    // The binary emit: a placeholder packet, then its attachment as a binary message.
    const upload = main.find((m) => m.fields?.event === 'upload' && m.kind === 'BINARY_EVENT');
    expect(upload?.pair?.role).toBe('request');
    expect(upload?.summary).toMatch(
      /^BINARY_EVENT upload #\d+ \{"_placeholder":true,"num":0\} \(\+1 attachment to follow\)$/,
    );
    const uploadWhole = main.find((m) => m.kind === 'attachment' && m.fields?.event === 'upload');
    expect(uploadWhole?.summary).toMatch(
      /^attachment 1\/1 → BINARY_EVENT upload #\d+ \{"binary":\{"byteLength":12/,
    );
    expect(dataOf(uploadWhole)?.[1]).toEqual({
      binary: { byteLength: 12, head: '68 65 6c 6c 6f 20 62 69 6e 61 72 79' },
    });
    const binaryAck = main.find((m) => m.kind === 'BINARY_ACK');
    expect(binaryAck?.pair).toEqual({ key: upload?.pair?.key, role: 'response' });
    const ackWhole = main.filter((m) => m.kind === 'attachment').at(-1);
    expect(dataOf(ackWhole)?.[0]).toEqual({
      size: 12,
      thumb: { binary: { byteLength: 3, head: '09 08 07' } },
    });

    expect(kinds).toContain('engine.io:ping');
    expect(kinds).toContain('engine.io:pong');
    expect(main.at(-1)?.summary).toBe('DISCONNECT /');

    const adminMessages = flat(decodeAll(adminRecords ?? []));
    const kick = adminMessages.find((m) => m.fields?.event === 'kick');
    expect(kick?.fields?.namespace).toBe('/admin');
    expect(kick?.summary).toMatch(/^EVENT \/admin kick #\d+ "bob"$/);
    expect(kick?.pair?.key).toMatch(/^ack:\/admin:\d+$/);
    const kickAck = adminMessages.find((m) => m.kind === 'ACK');
    expect(kickAck?.pair).toEqual({ key: kick?.pair?.key, role: 'response' });
    expect(kickAck?.summary).toMatch(/^ACK \/admin #\d+ true$/);
  });
});

describe('Socket.IO over Engine.IO polling, recorded from the HTTP bodies', () => {
  it('decodes polling bodies joined by the record separator, with base64 binary attachments', async () => {
    const log: WireRecord[] = [];
    const { io: server, url } = await startSocketIo(log);
    server.on('connection', (socket) => {
      socket.on('upload', (file: Buffer, ack: (n: number) => void) => {
        socket.emit('hello', 'polling');
        ack(file.length);
      });
    });
    const client = await connect(url, { transports: ['polling'] });
    const hello = new Promise<void>((resolve) => client.once('hello', () => resolve()));
    expect(await client.emitWithAck('upload', Buffer.from([1, 2, 3, 4]))).toBe(4);
    await hello;

    const http = log.filter((r) => r.channel === 'http');
    expect(http.every((r) => /\/socket\.io\/\?EIO=4&transport=polling/.test(r.url))).toBe(true);
    const sample = sampleOf(http, 'xhr', `http://127.0.0.1${http[0]?.url}`);
    expect(detectProtocol(sample, ALL)?.decoder.id).toBe('socket.io');

    const messages = flat(decodeAll(http));
    expect(messages.filter((m) => m.note)).toEqual([]);
    expect(messages[0]?.kind).toBe('open');
    expect(messages.find((m) => m.fields?.event === 'hello')?.summary).toBe('EVENT hello "polling"');
    const upload = messages.find((m) => m.kind === 'BINARY_EVENT');
    const whole = messages.find((m) => m.kind === 'attachment');
    expect(dataOf(whole)?.[1]).toEqual({
      binary: { byteLength: 4, head: '01 02 03 04' },
    });
    const ack = messages.find((m) => m.kind === 'ACK');
    expect(ack?.pair).toEqual({ key: upload?.pair?.key, role: 'response' });
    expect(messages.some((m) => m.kind === 'ok')).toBe(true);
    // The client sends the placeholder and its "b"+base64 attachment in one POST or two, as its buffer flushes.
    const posted = http.filter((r) => r.direction === 'send').flatMap((r) => parseEngineIoFrame(r.frame));
    const placeholderAt = posted.findIndex((p) => 'data' in p && p.data.startsWith('51-'));
    expect(placeholderAt).toBeGreaterThanOrEqual(0);
    expect(posted[placeholderAt + 1]).toEqual({ type: 'message', bytes: new Uint8Array([1, 2, 3, 4]) });
  });

  it('decodes the polling phase and the upgrade to WebSocket (probe, upgrade packet)', async () => {
    const log: WireRecord[] = [];
    const { io: server, url } = await startSocketIo(log);
    server.on('connection', (socket) => {
      socket.on('after', (ack: (s: string) => void) => ack(socket.conn.transport.name));
    });
    const client = await connect(url, {});
    await until(() => client.io.engine.transport.name === 'websocket');
    expect(await client.emitWithAck('after')).toBe('websocket');

    const ws = log.filter((r) => r.channel === 'websocket');
    const messages = flat(decodeAll(ws));
    const summaries = messages.map((m) => m.summary);
    expect(summaries[0]).toBe('ping probe');
    expect(summaries).toContain('pong probe');
    expect(summaries).toContain('upgrade');
    expect(messages.find((m) => m.fields?.event === 'after')?.pair?.role).toBe('request');
    const polling = flat(decodeAll(log.filter((r) => r.channel === 'http')));
    expect(polling.some((m) => m.kind === 'CONNECT')).toBe(true);
    // The upgraded socket's URL carries the sid and shape detection still says Socket.IO.
    expect(socketIoDecoder.detect(sampleOf(ws, 'websocket', `ws://127.0.0.1${ws[0]?.url}`))).toBeGreaterThan(
      0.9,
    );
  });
});

describe('Engine.IO decoding on its own', () => {
  it('shows the Engine.IO packets of a recorded connection, message payloads as they are', async () => {
    const log: WireRecord[] = [];
    const { io: server, url } = await startSocketIo(log);
    server.on('connection', (socket) => socket.emit('hi', 1));
    const client = await connect(url, { transports: ['websocket'] });
    await until(() =>
      log.some((r) => r.direction === 'receive' && 'text' in r.frame && r.frame.text.startsWith('42')),
    );
    client.disconnect();

    const sample = sampleOf(log, 'websocket', 'ws://example.test/engine?EIO=4&transport=websocket');
    expect(engineIoDecoder.detect(sample)).toBe(0.85);
    // Where Socket.IO packets show, Socket.IO is the surer guess.
    expect(detectProtocol(sample, [engineIoDecoder, socketIoDecoder])?.decoder.id).toBe('socket.io');
    expect(detectProtocol({ ...sample, frames: sample.frames.slice(0, 1) }, ALL)?.decoder.id).toBe(
      'engine.io',
    );

    const session = engineIoDecoder.session();
    const messages = log.flatMap((r) => session.decode(r.frame, r.direction));
    expect(messages.every((m) => m.protocol === 'engine.io' && m.note === undefined)).toBe(true);
    expect(messages[0]?.kind).toBe('open');
    expect(messages.find((m) => m.summary.startsWith('message 2'))?.summary).toBe('message 2["hi",1]');
    expect(session.decode({ bytes: new Uint8Array([1, 2]) }, 'receive')[0]?.summary).toBe(
      'message (2 B binary)',
    );
    expect(session.decode({ text: 'b!!' }, 'receive')[0]?.note).toMatch(/base64/);
  });
});

describe('Socket.IO decoding of damaged input', () => {
  const recorded: Frame[] = [
    { text: '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}' },
    { text: '42/admin,12["chat",{"id":7,"nested":[1,{"a":"b"}]}]' },
    { text: '451-["upload",{"_placeholder":true,"num":0}]' },
    { text: '43/admin,12[true]\x1e42["x"]' },
  ];

  it('never throws on every truncation of recorded frames, and notes what is malformed', () => {
    for (const frame of recorded) {
      const text = 'text' in frame ? frame.text : '';
      for (let cut = 0; cut <= text.length; cut++) {
        const session = socketIoDecoder.session();
        const messages = session.decode({ text: text.slice(0, cut) }, 'receive');
        expect(messages.length).toBeGreaterThan(0);
        for (const m of messages) expect(m.summary.length).toBeLessThanOrEqual(200);
      }
    }
    const session = socketIoDecoder.session();
    expect(session.decode({ text: '42["chat",{"id":' }, 'send')[0]?.note).toMatch(/^Malformed JSON/);
    expect(session.decode({ text: '9zz' }, 'send')[0]?.note).toMatch(/unknown packet type/);
    expect(session.decode({ text: '45x-["a"]' }, 'send')[0]?.note).toMatch(/attachment count/);
    expect(session.decode({ bytes: new Uint8Array([1, 2]) }, 'send')[0]?.note).toMatch(
      /no Socket.IO packet waiting/,
    );
  });

  it('notes deeply nested and huge payloads instead of parsing them, and survives random bytes', () => {
    const session = socketIoDecoder.session();
    const deep = `42["deep",${'['.repeat(100_000)}${']'.repeat(100_000)}]`;
    expect(session.decode({ text: deep }, 'receive')[0]?.note).toMatch(/nested deeper than/);
    const huge = `42["huge","${'x'.repeat(5_000_000)}"]`;
    const [big] = session.decode({ text: huge }, 'receive');
    expect(big?.note).toMatch(/over the limit/);
    expect(big?.summary.length).toBeLessThanOrEqual(200);

    let seed = 31;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: 1 + (i % 40) }, random);
      expect(() => session.decode({ bytes }, i % 2 ? 'send' : 'receive')).not.toThrow();
      const text = String.fromCharCode(...bytes);
      expect(() => session.decode({ text: `4${text}` }, 'receive')).not.toThrow();
    }
  });

  it('splits one polling body into its packets, base64 attachments included', () => {
    const session = socketIoDecoder.session();
    const body = '451-/files,4["put",{"_placeholder":true,"num":0}]\x1ebAAEC\x1e43/admin,12[true]\x1e2';
    expect(session.decode({ text: body }, 'send').map((m) => [m.kind, m.summary, m.pair?.key])).toEqual([
      [
        'BINARY_EVENT',
        'BINARY_EVENT /files put #4 {"_placeholder":true,"num":0} (+1 attachment to follow)',
        'ack:/files:4',
      ],
      [
        'attachment',
        'attachment 1/1 → BINARY_EVENT /files put #4 {"binary":{"byteLength":3,"head":"00 01 02"}}',
        undefined,
      ],
      ['ACK', 'ACK /admin #12 true', 'ack:/admin:12'],
      ['ping', 'ping', undefined],
    ]);
  });

  it('holds a binary packet across frames until its last attachment', () => {
    const session = socketIoDecoder.session();
    const [placeholder] = session.decode(
      { text: '452-/files,3["pair",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]' },
      'send',
    );
    expect(placeholder?.pair).toEqual({ key: 'ack:/files:3', role: 'request' });
    expect(placeholder?.summary).toBe(
      'BINARY_EVENT /files pair #3 [{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}] (+2 attachments to follow)',
    );
    expect(placeholder?.note).toBeUndefined();
    // Attachments going the other way do not count for it.
    expect(session.decode({ bytes: new Uint8Array([5]) }, 'receive')[0]?.note).toMatch(/no Socket.IO packet/);
    // An attachment whose bytes read like a text packet is still an attachment.
    expect(session.decode({ bytes: new TextEncoder().encode('4') }, 'send')[0]?.summary).toBe(
      'attachment 1/2 (1 B)',
    );
    const [whole] = session.decode({ bytes: new Uint8Array([2, 3]) }, 'send');
    expect(whole?.pair).toBeUndefined();
    // A placeholder whose attachments never came is noted when the next one replaces it.
    session.decode({ text: '451-["a",{"_placeholder":true,"num":0}]' }, 'receive');
    expect(session.decode({ text: '451-["b",{"_placeholder":true,"num":0}]' }, 'receive')[0]?.note).toBe(
      'An earlier binary packet never got all its attachments',
    );
    expect(whole?.fields).toEqual({ namespace: '/files', event: 'pair' });
    expect(whole?.value).toEqual({
      type: 'BINARY_EVENT',
      nsp: '/files',
      id: 3,
      data: ['pair', { binary: { byteLength: 1, head: '34' } }, { binary: { byteLength: 2, head: '02 03' } }],
    });
  });
});
