// Decoded protocols in the timeline file: each connection's protocol and
// call latency, each event's decoded messages and pair, valid against the
// schema, read back on import; and a Chrome-saved HAR decoded like a capture.

import { readFile } from 'node:fs/promises';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DECODERS } from '../../lib/decode';
import { ConnectionDecodings } from '../../lib/decode/connection-decoding';
import { buildTimelineExport, type TimelineExport } from '../../lib/export/timeline';
import { importFile } from '../../lib/import';
import validateTimeline from '../../lib/import/timeline-validator.generated.js';
import type { CaptureRecord } from '../../lib/model';
import { type Connection, TimelineStore } from '../../lib/timeline/store';
import { msg } from './store-fixtures';

const T = 1_764_000_000_000;
const schema = JSON.parse(
  await readFile(new URL('../../schema/wirescope-timeline.v1.schema.json', import.meta.url), 'utf8'),
);
const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
const validateWithAjv = new AjvClass({ allErrors: true, strict: false, validateFormats: false }).compile(
  schema,
);

let seq = 0;
const conn = (id: number, url: string, extra: Partial<Extract<CaptureRecord, { r: 'conn' }>> = {}) =>
  ({ r: 'conn', seq: ++seq, time: T + seq, id, transport: 'websocket', url, ...extra }) as CaptureRecord;
const text = (id: number, type: 'send' | 'receive', t: string, time: number): CaptureRecord => ({
  r: 'ev',
  seq: ++seq,
  time: T + time,
  conn: id,
  type,
  data: { text: t },
  size: t.length,
});

function capturedStore(): TimelineStore {
  seq = 0;
  const store = new TimelineStore();
  store.ingest(
    msg([
      conn(1, 'wss://app.example/socket.io/?EIO=4&transport=websocket'),
      { r: 'ev', seq: ++seq, time: T + 5, conn: 1, type: 'open' },
      text(1, 'receive', '0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000}', 10),
      text(1, 'send', '40', 11),
      text(1, 'receive', '40{"sid":"n1"}', 12),
      text(1, 'send', '421["chat",{"id":7}]', 100),
      text(1, 'receive', '42["news","hi"]', 110),
      text(1, 'receive', '431[{"ok":true}]', 142.5),
      text(1, 'send', '422["chat",{"id":8}]', 200),
      conn(2, 'wss://app.example/broker'),
      { r: 'ev', seq: ++seq, time: T + 300, conn: 2, type: 'open', protocol: 'v12.stomp' },
      text(2, 'send', 'CONNECT\naccept-version:1.2\nhost:h\n\n\0', 301),
      text(2, 'receive', 'CONNECTED\nversion:1.2\n\n\0', 305),
      conn(3, 'wss://app.example/plain'),
      text(3, 'receive', '{"tick":1}', 400),
    ]),
  );
  return store;
}

function exportWithDecoding(
  store: TimelineStore,
  choiceOf: ConstructorParameters<typeof ConnectionDecodings>[1] = () => null,
): TimelineExport {
  const decoding = new ConnectionDecodings(DECODERS, choiceOf);
  decoding.sync(store.events);
  return buildTimelineExport({
    connections: store.connections,
    events: store.events,
    page: { url: 'https://app.example/', title: '' },
    toolVersion: '0.1.0',
    userAgent: 'test',
    now: new Date(T),
    decoding,
  });
}

describe('timeline export with decoding', () => {
  it('names each connection’s protocol, keeps the subprotocol apart, and gives call latency', () => {
    const file = exportWithDecoding(capturedStore());
    const [sio, stomp, plain] = file.connections;
    expect(sio).toMatchObject({ protocol: 'socket.io', subprotocol: null });
    expect(sio?.latency).toEqual({ answered: 1, unanswered: 1, medianMs: 42.5, p95Ms: 42.5 });
    expect(stomp).toMatchObject({ protocol: 'stomp', subprotocol: 'v12.stomp' });
    // The CONNECT handshake is paired but is not a call.
    expect(stomp?.latency).toBeUndefined();
    expect(plain).toMatchObject({ protocol: null, subprotocol: null });
    expect(validateWithAjv(file), JSON.stringify(validateWithAjv.errors)).toBe(true);
    expect(validateTimeline(file)).toBe(true);
  });

  it('gives each message its decoded summary and its pair, by seq', () => {
    const file = exportWithDecoding(capturedStore());
    const bySummary = (s: string) => file.events.find((e) => e.decoded?.[0]?.summary.startsWith(s));
    const emit = bySummary('EVENT chat');
    const ack = file.events.find((e) => e.decoded?.[0]?.kind === 'ACK');
    expect(emit?.decoded?.[0]).toMatchObject({
      protocol: 'socket.io',
      kind: 'EVENT',
      fields: { event: 'chat' },
    });
    expect(emit?.pair).toEqual({
      key: expect.any(String),
      role: 'request',
      requestSeq: emit?.seq,
      answerSeq: ack?.seq,
      latencyMs: 42.5,
    });
    expect(ack?.pair).toMatchObject({ role: 'answer', requestSeq: emit?.seq, latencyMs: 42.5 });
    const unanswered = file.events.filter((e) => e.pair?.role === 'request' && e.pair.answerSeq === null);
    expect(unanswered.length).toBe(1);
    const connect = file.events.find((e) => e.decoded?.[0]?.summary.startsWith('CONNECT h'));
    expect(connect?.pair).toMatchObject({ role: 'request', control: true, latencyMs: 4 });
    // Lifecycle events and undecoded payloads carry neither field.
    const open = file.events.find((e) => e.type === 'open');
    expect(open?.decoded).toBeUndefined();
    const tick = file.events.find((e) => e.data && 'text' in e.data && e.data.text === '{"tick":1}');
    expect(tick?.decoded).toBeUndefined();
  });

  it('reads back: the subprotocol is the connection’s, the protocol is decoded again the same', () => {
    const file = exportWithDecoding(capturedStore());
    const result = importFile(JSON.stringify(file), 'f.json');
    if (!result.ok) throw new Error(result.error);
    const store = TimelineStore.fromParts(result.parts);
    expect(store.connections.map((c) => c.protocol)).toEqual([null, 'v12.stomp', null]);
    expect(exportWithDecoding(store).connections).toEqual(file.connections);
  });

  it('reads a file written before `subprotocol`: a socket’s `protocol` was its subprotocol', () => {
    const file = exportWithDecoding(capturedStore());
    for (const c of file.connections) {
      c.protocol = c.subprotocol ?? null;
      delete c.subprotocol;
    }
    const result = importFile(JSON.stringify(file), 'old.json');
    if (!result.ok) throw new Error(result.error);
    expect(result.parts.connections.map((c) => c.protocol)).toEqual([null, 'v12.stomp', null]);
  });

  it('decodes an imported connection as the file says it was, a choice the detector would not make', () => {
    const store = capturedStore();
    const plain = store.connections[2] as Connection;
    const file = exportWithDecoding(store, (c) => (c === plain ? 'json-rpc' : null));
    expect(file.connections[2]?.protocol).toBe('json-rpc');
    const result = importFile(JSON.stringify(file), 'f.json');
    if (!result.ok) throw new Error(result.error);
    const imported = TimelineStore.fromParts(result.parts);
    const decodedAs = result.parts.decodedAs ?? {};
    expect(Object.values(decodedAs)).toEqual(['socket.io', 'stomp', 'json-rpc']);
    const again = new ConnectionDecodings(DECODERS, (c) => decodedAs[c.key] ?? null);
    again.sync(imported.events);
    expect(again.protocolOf(imported.connections[2] as Connection)?.id).toBe('json-rpc');
    // A file from before `subprotocol` named a socket's subprotocol there: never a decoding.
    for (const c of file.connections) {
      c.protocol = 'mqtt';
      delete c.subprotocol;
    }
    const old = importFile(JSON.stringify(file), 'old.json');
    if (!old.ok) throw new Error(old.error);
    expect(old.parts.decodedAs).toBeUndefined();
  });

  it('refuses a file whose decoded fields have the wrong shape', () => {
    const file = exportWithDecoding(capturedStore());
    const bad = structuredClone(file) as unknown as { events: Array<Record<string, unknown>> };
    const withPair = bad.events.find((e) => e.pair) as Record<string, unknown>;
    withPair.pair = { key: 'k', role: 'partner', requestSeq: 1, answerSeq: null, latencyMs: null };
    expect(importFile(JSON.stringify(bad), 'bad.json').ok).toBe(false);
    const connection = (structuredClone(file) as unknown as { connections: Array<Record<string, unknown>> })
      .connections;
    (connection[0] as Record<string, unknown>).latency = { answered: -1 };
    expect(importFile(JSON.stringify({ ...file, connections: connection }), 'bad.json').ok).toBe(false);
  });
});

describe('a Chrome-saved HAR decodes like a capture', () => {
  it('decodes a Socket.IO socket’s messages and a polling exchange’s body, pairing the ack', () => {
    const started = new Date(T).toISOString();
    const har = {
      log: {
        version: '1.2',
        creator: { name: 'WebInspector', version: '537.36' },
        pages: [],
        entries: [
          {
            startedDateTime: started,
            time: 1,
            _resourceType: 'websocket',
            request: {
              method: 'GET',
              url: 'wss://app.example/socket.io/?EIO=4&transport=websocket&sid=S1',
              httpVersion: 'HTTP/1.1',
              headers: [],
              queryString: [],
              cookies: [],
              headersSize: -1,
              bodySize: 0,
            },
            response: {
              status: 101,
              statusText: 'Switching Protocols',
              httpVersion: 'HTTP/1.1',
              headers: [],
              cookies: [],
              content: { size: 0, mimeType: 'x-unknown' },
              redirectURL: '',
              headersSize: -1,
              bodySize: 0,
            },
            cache: {},
            timings: { send: 0, wait: 0, receive: 0 },
            _webSocketMessages: [
              { type: 'send', time: T / 1000 + 0.01, opcode: 1, data: '2probe' },
              { type: 'receive', time: T / 1000 + 0.02, opcode: 1, data: '3probe' },
              { type: 'send', time: T / 1000 + 0.03, opcode: 1, data: '5' },
              { type: 'send', time: T / 1000 + 0.1, opcode: 1, data: '423["save",{"n":1}]' },
              { type: 'receive', time: T / 1000 + 0.175, opcode: 1, data: '433["saved"]' },
            ],
          },
          {
            startedDateTime: started,
            time: 3,
            _resourceType: 'xhr',
            request: {
              method: 'GET',
              url: 'https://app.example/socket.io/?EIO=4&transport=polling&t=a',
              httpVersion: 'HTTP/1.1',
              headers: [],
              queryString: [],
              cookies: [],
              headersSize: -1,
              bodySize: 0,
            },
            response: {
              status: 200,
              statusText: 'OK',
              httpVersion: 'HTTP/1.1',
              headers: [{ name: 'Content-Type', value: 'text/plain; charset=UTF-8' }],
              cookies: [],
              content: {
                size: 90,
                mimeType: 'text/plain',
                text: '0{"sid":"S1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}',
              },
              redirectURL: '',
              headersSize: -1,
              bodySize: 90,
            },
            cache: {},
            timings: { send: 0, wait: 2, receive: 1 },
          },
        ],
      },
    };
    const result = importFile(JSON.stringify(har), 'chrome.har');
    if (!result.ok) throw new Error(result.error);
    const store = TimelineStore.fromParts(result.parts);
    const decoding = new ConnectionDecodings(DECODERS);
    decoding.sync(store.events);
    const ws = store.connections.find((c) => c.transport === 'websocket') as Connection;
    const poll = store.connections.find((c) => c.transport === 'xhr') as Connection;
    expect(decoding.protocolOf(ws)?.id).toBe('socket.io');
    expect(decoding.protocolOf(poll)?.id).toBe('socket.io');
    const handshake = store.events.find((e) => e.connection === poll && e.record.type === 'receive');
    expect(decoding.decodedOf(handshake as (typeof store.events)[number])[0]?.kind).toBe('open');
    const latency = decoding.latencyOf(ws);
    expect(latency?.answered).toBe(1);
    expect(latency?.medianMs).toBeCloseTo(75, 3);
  });
});
