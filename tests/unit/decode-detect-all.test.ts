// Detection across every decoder at once: each protocol's first frames pick
// it, and ordinary JSON or text traffic is claimed by none.
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { DECODERS, detectProtocol } from '../../lib/decode';
import type { DetectSample, Frame } from '../../lib/decode/types';

const ws = (
  url: string,
  subprotocol: string | null,
  frames: Array<['send' | 'receive', Frame]>,
): DetectSample => ({
  transport: 'websocket',
  url,
  subprotocol,
  frames: frames.map(([direction, frame]) => ({ direction, frame })),
});
const text = (t: string): Frame => ({ text: t });
const detected = (s: DetectSample) => detectProtocol(s, DECODERS)?.decoder.id ?? null;

describe('detection over every decoder', () => {
  it('tells each protocol by its URL, subprotocol and first frames', () => {
    expect(
      detected(
        ws('ws://x/socket.io/?EIO=4&transport=websocket', null, [
          [
            'receive',
            text('0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'),
          ],
          ['send', text('40')],
        ]),
      ),
    ).toBe('socket.io');
    expect(
      detected(ws('ws://x/stomp', 'v12.stomp', [['send', text('CONNECT\naccept-version:1.2\n\n\0')]])),
    ).toBe('stomp');
    expect(
      detected(ws('ws://x/graphql', 'graphql-transport-ws', [['send', text('{"type":"connection_init"}')]])),
    ).toBe('graphql-transport-ws');
    expect(
      detected(
        ws('ws://x/mqtt', 'mqtt', [
          [
            'send',
            {
              bytes: Uint8Array.from([
                0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00,
              ]),
            },
          ],
        ]),
      ),
    ).toBe('mqtt');
    expect(
      detected(
        ws('ws://x/rpc', null, [
          ['send', text('{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}')],
        ]),
      ),
    ).toBe('json-rpc');
    expect(
      detected(
        ws('ws://x/echo/123/abcdef/websocket', null, [
          ['receive', text('o')],
          ['receive', text('a["hi"]')],
        ]),
      ),
    ).toBe('sockjs');
    expect(
      detected(ws('ws://x/bin', null, [['receive', { bytes: encodeMsgpack({ op: 'tick', n: 1 }) }]])),
    ).toBe('msgpack');
    expect(
      detected(
        ws('wss://x/chathub?id=abc', null, [
          ['send', text('{"protocol":"json","version":1}\x1e')],
          ['receive', text('{}\x1e')],
          ['receive', text('{"type":1,"target":"ReceiveMessage","arguments":["ann","hi"]}\x1e')],
        ]),
      ),
    ).toBe('signalr');
    expect(
      detected(
        ws('ws://x/socket/websocket?vsn=2.0.0', null, [
          ['send', text('["3","3","room:lobby","phx_join",{}]')],
          ['receive', text('["3","3","room:lobby","phx_reply",{"status":"ok","response":{}}]')],
        ]),
      ),
    ).toBe('phoenix');
    expect(
      detected(
        ws('ws://x/cable', 'actioncable-v1-json', [
          ['receive', text('{"type":"welcome"}')],
          ['receive', text('{"type":"ping","message":1764948000}')],
        ]),
      ),
    ).toBe('actioncable');
    // Subprotocol not reported (a proxy dropped it): the first frames still tell.
    expect(
      detected(
        ws('ws://x/cable', null, [
          ['receive', text('{"type":"welcome"}')],
          ['send', text('{"command":"subscribe","identifier":"{\\"channel\\":\\"ChatChannel\\"}"}')],
        ]),
      ),
    ).toBe('actioncable');
    expect(
      detected({
        transport: 'fetch',
        url: 'http://x/graphql/stream',
        subprotocol: null,
        frames: [
          { direction: 'send', frame: text('{"query":"subscription Greetings { greetings }"}') },
          { direction: 'receive', frame: text(':\n\n') },
          { direction: 'receive', frame: text('event: next\ndata: {"data":{"greetings":"hi 0"}}\n\n') },
        ],
      }),
    ).toBe('graphql-sse');
    expect(
      detected({
        transport: 'eventsource',
        url: 'http://x/graphql/stream',
        subprotocol: null,
        frames: [{ direction: 'receive', frame: text('{"data":{"greetings":"hi 0"}}'), event: 'next' }],
      }),
    ).toBe('graphql-sse');
    // Field 1 = 150, field 2 = "hello", as protobufjs encodes them.
    expect(
      detected(
        ws('ws://x/feed', null, [
          [
            'receive',
            { bytes: Uint8Array.from([0x08, 0x96, 0x01, 0x12, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]) },
          ],
        ]),
      ),
    ).toBe('protobuf');
  });

  it('claims no protocol for ordinary JSON, text and bytes', () => {
    expect(
      detected(
        ws('ws://x/live', null, [
          ['receive', text('{"tick":1,"at":123}')],
          ['send', text('ping')],
        ]),
      ),
    ).toBeNull();
    expect(detected(ws('ws://x/chat', null, [['receive', text('hello there')]]))).toBeNull();
    expect(
      detected(ws('ws://x/bin', null, [['receive', { bytes: Uint8Array.from([0xca, 0xfe, 0xba, 0xbe]) }]])),
    ).toBeNull();
    expect(detected(ws('ws://x/none', null, []))).toBeNull();
  });
});
