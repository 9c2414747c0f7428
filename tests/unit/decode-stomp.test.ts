// STOMP 1.2 decoding, on frames recorded in the test: the client side is the
// real @stomp/stompjs (over `ws`), the broker side is the small hand-built
// broker in scripts/demo/stomp-broker.ts.

import type { AddressInfo } from 'node:net';
import { Client } from '@stomp/stompjs';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { detectProtocol, safeSession } from '../../lib/decode/registry';
import { socketIoDecoder } from '../../lib/decode/socket-io';
import { sockJsDecoder } from '../../lib/decode/sockjs';
import { decodeStompPayload, stompDecoder } from '../../lib/decode/stomp';
import type { DecodedMessage } from '../../lib/decode/types';
import { stompBrokerConnection } from '../../scripts/demo/stomp-broker';
import { recordSocket, until, type WireRecord } from './decode-wire-recorder';

const ALL = [stompDecoder, sockJsDecoder, socketIoDecoder];
const encode = (text: string) => new TextEncoder().encode(text);

function headersOf(message: DecodedMessage | undefined): Record<string, string> {
  return (message?.value as { headers?: Record<string, string> } | undefined)?.headers ?? {};
}

function bodyOf(message: DecodedMessage | undefined): string | undefined {
  return (message?.value as { body?: string } | undefined)?.body;
}

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function startBroker(log: WireRecord[], protocols: string[]): Promise<string> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => [...offered].find((p) => protocols.includes(p)) ?? false,
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket, request) => {
    recordSocket(socket, request.url ?? '', log);
    const broker = stompBrokerConnection((text) => socket.send(text), 20);
    socket.on('message', (data, isBinary) => {
      broker.receive(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
    });
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/stomp`;
}

describe('STOMP over WebSocket, recorded from @stomp/stompjs', () => {
  it('decodes connect, subscribe, send, message, receipts, errors, heart-beats and escaped headers', async () => {
    const log: WireRecord[] = [];
    const url = await startBroker(log, ['v12.stomp']);
    let negotiated = '';
    const client = new Client({
      webSocketFactory: () => {
        const socket = new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']);
        socket.on('open', () => {
          negotiated = socket.protocol;
        });
        return socket;
      },
      connectHeaders: { login: 'guest', passcode: 'guest', host: 'loopback' },
      heartbeatIncoming: 0,
      heartbeatOutgoing: 20,
      reconnectDelay: 0,
    });
    const errors: string[] = [];
    client.onStompError = (f) => errors.push(f.headers.message ?? '');
    const connected = new Promise<void>((resolve) => {
      client.onConnect = () => resolve();
    });
    client.activate();
    cleanups.push(() => client.deactivate());
    await connected;

    const received: string[] = [];
    const subscribed = new Promise<void>((resolve) => client.watchForReceipt('sub-receipt', () => resolve()));
    client.subscribe('/topic/prices', (m) => received.push(m.body), { receipt: 'sub-receipt' });
    await subscribed;
    const sent = new Promise<void>((resolve) => client.watchForReceipt('send-1', () => resolve()));
    client.publish({
      destination: '/topic/prices',
      body: JSON.stringify({ symbol: 'ACME', price: 12.5 }),
      headers: { receipt: 'send-1', 'content-type': 'application/json', 'x-note': 'a:b\nc' },
    });
    await sent;
    // Nobody subscribes to /topic/bin: the small broker does not relay bodies holding NUL.
    client.publish({ destination: '/topic/bin', binaryBody: new Uint8Array([1, 2, 0, 3]) });
    await until(() => received.length === 1);
    await until(() => log.some((r) => r.direction === 'send' && 'text' in r.frame && r.frame.text === '\n'));
    client.publish({ destination: '/queue/forbidden', body: 'x', headers: { receipt: 'send-2' } });
    await until(() => errors.length === 1);

    expect(negotiated).toBe('v12.stomp');
    const sample = {
      transport: 'websocket' as const,
      url,
      subprotocol: negotiated,
      frames: log.slice(0, 3).map((r) => ({ direction: r.direction, frame: r.frame })),
    };
    expect(detectProtocol(sample, ALL)?.decoder.id).toBe('stomp');
    expect(stompDecoder.detect({ ...sample, subprotocol: null })).toBe(0.9);

    const session = safeSession(stompDecoder);
    const messages: DecodedMessage[] = log.flatMap((r) => session.decode(r.frame, r.direction));
    expect(messages.filter((m) => m.note)).toEqual([]);
    const named = messages.filter((m) => m.kind !== 'heartbeat');

    const connect = named[0];
    expect(connect?.kind).toBe('CONNECT');
    expect(connect?.summary).toBe('CONNECT loopback v1.2,1.1,1.0');
    expect(connect?.pair).toEqual({ key: 'connect', role: 'request', control: true });
    expect(named[1]?.summary).toBe('CONNECTED v1.2 heart-beat:0,20');
    expect(named[1]?.pair).toEqual({ key: 'connect', role: 'response', control: true });

    const subscribe = named.find((m) => m.kind === 'SUBSCRIBE');
    expect(subscribe?.summary).toBe('SUBSCRIBE /topic/prices id:sub-0 receipt:sub-receipt');
    expect(subscribe?.fields).toEqual({ destination: '/topic/prices' });
    expect(subscribe?.pair).toEqual({ key: 'receipt:sub-receipt', role: 'request' });
    expect(named.find((m) => m.summary === 'RECEIPT sub-receipt')?.pair).toEqual({
      key: 'receipt:sub-receipt',
      role: 'response',
    });

    const send = named.find((m) => m.kind === 'SEND');
    expect(send?.summary).toBe(
      'SEND /topic/prices receipt:send-1 "{\\"symbol\\":\\"ACME\\",\\"price\\":12.5}"',
    );
    // stompjs escapes the header's ':' and newline; the decoder gives them back.
    const sendHeaders = headersOf(send);
    expect(sendHeaders['x-note']).toBe('a:b\nc');
    expect(sendHeaders['content-length']).toBe(
      String(JSON.stringify({ symbol: 'ACME', price: 12.5 }).length),
    );

    const [message, ...otherMessages] = named.filter((m) => m.kind === 'MESSAGE');
    expect(otherMessages).toEqual([]);
    expect(message?.summary).toBe(
      'MESSAGE /topic/prices sub:sub-0 "{\\"symbol\\":\\"ACME\\",\\"price\\":12.5}"',
    );
    expect(message?.fields).toEqual({ destination: '/topic/prices' });
    expect(headersOf(message).note).toBe('a:b');

    // The binary body (with a NUL inside) went as a binary frame with content-length.
    const binaryRecord = log.find((r) => 'bytes' in r.frame);
    expect(binaryRecord?.direction).toBe('send');
    const binarySend = named.filter((m) => m.kind === 'SEND')[1];
    expect(binarySend?.summary).toBe('SEND /topic/bin "\\u0001\\u0002\\u0000\\u0003"');
    expect(bodyOf(binarySend)).toBe('\x01\x02\x00\x03');

    const error = named.find((m) => m.kind === 'ERROR');
    expect(error?.summary).toBe('ERROR not allowed: /queue/forbidden "The destination is closed"');
    expect(error?.pair).toEqual({ key: 'receipt:send-2', role: 'response' });
    expect(messages.some((m) => m.kind === 'heartbeat' && m.summary === 'heart-beat')).toBe(true);
  });
});

describe('STOMP frame parsing', () => {
  it('reads several frames and heart-beats from one payload, CRLF line ends and content-length bodies', () => {
    const payload = encode(
      '\r\n\nSEND\r\ndestination:/q/a\r\ncontent-length:3\r\nreceipt:r1\r\n\r\na\0b\0\nRECEIPT\nreceipt-id:r1\n\n\0\n',
    );
    expect(decodeStompPayload(payload).map((m) => [m.kind, m.summary, m.pair?.key])).toEqual([
      ['heartbeat', 'heart-beat', undefined],
      ['SEND', 'SEND /q/a receipt:r1 "a\\u0000b"', 'receipt:r1'],
      ['heartbeat', 'heart-beat', undefined],
      ['RECEIPT', 'RECEIPT r1', 'receipt:r1'],
      ['heartbeat', 'heart-beat', undefined],
    ]);
  });

  it('keeps the first of repeated headers, leaves CONNECT headers unescaped, and notes undefined escapes', () => {
    const [message] = decodeStompPayload(
      encode('MESSAGE\ndestination:/a\\cb\ndestination:/other\nx:\\t\n\nhi\0'),
    );
    expect(message?.fields).toEqual({ destination: '/a:b' });
    expect(message?.note).toBe('undefined escape in header x');
    const [connect] = decodeStompPayload(encode('CONNECT\naccept-version:1.2\nlogin:a\\cb\n\n\0'));
    expect(headersOf(connect).login).toBe('a\\cb');
  });

  it('summarizes the other commands', () => {
    const text = [
      'UNSUBSCRIBE\nid:0\nreceipt:u\n\n\0',
      'ACK\nid:m-1\ntransaction:t1\n\n\0',
      'NACK\nid:m-2\n\n\0',
      'BEGIN\ntransaction:t1\n\n\0',
      'COMMIT\ntransaction:t1\n\n\0',
      'ABORT\ntransaction:t2\n\n\0',
      'DISCONNECT\nreceipt:bye\n\n\0',
      'STOMP\naccept-version:1.2\nhost:h\n\n\0',
    ].join('');
    expect(decodeStompPayload(encode(text)).map((m) => m.summary)).toEqual([
      'UNSUBSCRIBE id:0 receipt:u',
      'ACK id:m-1 tx:t1',
      'NACK id:m-2',
      'BEGIN tx:t1',
      'COMMIT tx:t1',
      'ABORT tx:t2',
      'DISCONNECT receipt:bye',
      'STOMP h v1.2',
    ]);
    expect(decodeStompPayload(encode('DISCONNECT\nreceipt:bye\n\n\0'))[0]?.pair).toEqual({
      key: 'receipt:bye',
      role: 'request',
    });
  });

  it('never throws on every truncation, random bytes or huge input, and notes what is malformed', () => {
    const frames = [
      'SEND\ndestination:/topic/prices\ncontent-type:application/json\ncontent-length:13\nreceipt:send-1\n\n{"price":1.5}\0',
      'MESSAGE\nsubscription:sub-0\nmessage-id:m-1\ndestination:/topic/prices\n\nhello\0',
    ];
    for (const text of frames) {
      const bytes = encode(text);
      for (let cut = 1; cut < bytes.length; cut++) {
        const messages = decodeStompPayload(bytes.subarray(0, cut));
        expect(messages.length).toBeGreaterThan(0);
        const last = messages.at(-1);
        if (last?.kind !== 'heartbeat') expect(last?.note).toBeTruthy();
      }
    }
    const session = stompDecoder.session();
    expect(session.decode({ text: 'HELLO\n\n\0' }, 'receive')[0]?.note).toBe('Not a STOMP command: HELLO');
    expect(session.decode({ text: 'SEND\ndestination:/a\n\nno nul' }, 'send')[0]?.note).toMatch(/no NUL/);
    expect(session.decode({ text: 'SEND\ncontent-length:99\n\nab\0' }, 'send')[0]?.note).toMatch(
      /content-length/,
    );
    let seed = 7;
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: 1 + (i % 50) }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed & 0xff;
      });
      expect(() => session.decode({ bytes }, 'receive')).not.toThrow();
    }
    const huge = `SEND\ndestination:/a\n${'h:v\n'.repeat(5000)}\n${'x'.repeat(3_000_000)}\0`;
    const [big] = session.decode({ text: huge }, 'send');
    expect(big?.summary.length).toBeLessThanOrEqual(200);
    expect(big?.note).toMatch(/headers past 1000 ignored/);
  });
});
