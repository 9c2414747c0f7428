import { describe, expect, it } from 'vitest';
import {
  FRAME_BODY_KIND_INDEX,
  FRAME_BODY_KINDS,
  PROTOCOL_VERSION,
  parseHookMessage,
  parsePanelRecords,
  parsePanelToBackground,
  parseRecordsMessage,
  parseRelayHello,
  parseToRelay,
} from '../../lib/protocol';

const doc = { docId: 'd1', url: 'http://127.0.0.1/', title: '', top: true, startedAt: 1 };
const loss = { evicted: 0, dropped: 0, invalid: 0 };

describe('hook messages', () => {
  it('accepts a batch and counts invalid records inside it', () => {
    const parsed = parseHookMessage({
      v: PROTOCOL_VERSION,
      t: 'batch',
      records: [
        { r: 'conn', id: 1, time: 5, transport: 'websocket', url: 'ws://127.0.0.1/' },
        { r: 'ev', conn: 1, time: 6, type: 'send', body: 'hi' },
        { r: 'ev', conn: -1, time: 6, type: 'send' },
        { r: 'ev', conn: 1, time: 6, type: 'teleport' },
        { r: 'conn', id: 2, time: 5, transport: 'carrier-pigeon', url: 'x' },
        null,
        'string',
      ],
    });
    expect(parsed.kind).toBe('batch');
    if (parsed.kind !== 'batch') return;
    expect(parsed.records).toHaveLength(2);
    expect(parsed.invalid).toBe(5);
  });

  it.each([
    null,
    undefined,
    42,
    'batch',
    [],
    { v: 2, t: 'batch', records: [] },
    { v: PROTOCOL_VERSION, t: 'other', records: [] },
    { v: PROTOCOL_VERSION, t: 'batch', records: 'nope' },
    { v: PROTOCOL_VERSION, t: 'batch', records: [], dropped: -1 },
  ])('rejects malformed message %j', (msg) => {
    expect(parseHookMessage(msg).kind).toBe('invalid');
  });

  it('rejects bodies of the wrong type and oversized urls', () => {
    const bad = parseHookMessage({
      v: PROTOCOL_VERSION,
      t: 'batch',
      records: [
        { r: 'ev', conn: 1, time: 6, type: 'send', body: { evil: true } },
        { r: 'conn', id: 1, time: 5, transport: 'xhr', url: 'x'.repeat(70_000) },
        { r: 'ev', conn: 1, time: Number.NaN, type: 'send' },
      ],
    });
    expect(bad.kind === 'batch' && bad.records.length).toBe(0);
  });

  it('maps frame body kinds both ways alike', () => {
    for (const [index, name] of FRAME_BODY_KINDS.entries()) expect(FRAME_BODY_KIND_INDEX[name]).toBe(index);
    expect(Object.keys(FRAME_BODY_KIND_INDEX)).toHaveLength(FRAME_BODY_KINDS.length);
  });

  it('accepts WebSocket message frames and rejects malformed ones', () => {
    const buffer = new ArrayBuffer(4);
    const good = [
      [0, 1, 6, 'hi', 0],
      [1, 1, 6.5, buffer, 1],
      [1, 2, 7, buffer, 2],
      [0, 2, 7, new Blob(['x']), 3],
    ];
    const bad = [
      [],
      [0, 1, 6, 'hi'],
      [0, 1, 6, 'hi', 0, 'extra'],
      [2, 1, 6, 'hi', 0],
      ['0', 1, 6, 'hi', 0],
      [0, -1, 6, 'hi', 0],
      [0, 1.5, 6, 'hi', 0],
      [0, 1, Number.NaN, 'hi', 0],
      [0, 1, -6, 'hi', 0],
      [0, 1, 6, { text: 'hi' }, 0],
      [0, 1, 6, new Uint8Array(2), 2],
      [0, 1, 6, 'hi', 4],
      [0, 1, 6, 'hi', 'text'],
    ];
    const parsed = parseHookMessage({ v: PROTOCOL_VERSION, t: 'batch', records: [...good, ...bad] });
    expect(parsed.kind).toBe('batch');
    if (parsed.kind !== 'batch') return;
    expect(parsed.records).toEqual(good);
    expect(parsed.invalid).toBe(bad.length);
  });
});

describe('records messages', () => {
  it('keeps valid records and counts the rest as invalid', () => {
    const msg = parseRecordsMessage({
      v: PROTOCOL_VERSION,
      t: 'records',
      doc,
      loss,
      records: [
        {
          r: 'ev',
          seq: 1,
          conn: 1,
          time: 2,
          type: 'receive',
          data: { text: 'x' },
          size: 1,
          truncated: false,
        },
        { r: 'ev', seq: 2, conn: 1, time: 2, type: 'receive', data: { text: 'x', base64: 'eA==' } },
        { r: 'ev', seq: 3, conn: 1, time: 2, type: 'receive', data: '<img src=x onerror=alert(1)>' },
      ],
    });
    expect(msg?.records).toHaveLength(1);
    expect(msg?.loss.invalid).toBe(2);
  });

  it('rejects a message without a valid document', () => {
    expect(
      parseRecordsMessage({ v: PROTOCOL_VERSION, t: 'records', doc: { docId: '' }, loss, records: [] }),
    ).toBeNull();
    expect(parseRecordsMessage({ v: PROTOCOL_VERSION, t: 'records', doc, records: [] })).toBeNull();
  });

  it('panel records need tab and frame ids', () => {
    const base = { v: PROTOCOL_VERSION, t: 'panel-records', doc, loss, records: [] };
    expect(parsePanelRecords({ ...base, tabId: 3, frameId: 0 })?.tabId).toBe(3);
    expect(parsePanelRecords({ ...base, tabId: -3, frameId: 0 })).toBeNull();
    expect(parsePanelRecords({ ...base, frameId: 0 })).toBeNull();
  });

  it('panel requests are checked', () => {
    expect(
      parsePanelToBackground({ v: 1, t: 'panel-subscribe', tabId: 1, payloadCap: 1 << 20 }),
    ).not.toBeNull();
    expect(parsePanelToBackground({ v: 1, t: 'panel-subscribe', tabId: 1, payloadCap: 5 })).toBeNull();
    expect(
      parsePanelToBackground({ v: 1, t: 'panel-delete-everything', tabId: 1, payloadCap: 1 << 20 }),
    ).toBeNull();
  });

  it('what a relay is told is checked: subscribe, config and announce with a sane cap, nothing else', () => {
    const cap = 1 << 20;
    for (const t of ['subscribe', 'config', 'announce'] as const)
      expect(parseToRelay({ v: 1, t, payloadCap: cap })).toEqual({ v: PROTOCOL_VERSION, t, payloadCap: cap });
    expect(parseToRelay({ v: 1, t: 'announce' })).toBeNull();
    expect(parseToRelay({ v: 1, t: 'announce', payloadCap: -1 })).toBeNull();
    expect(parseToRelay({ v: 2, t: 'config', payloadCap: cap })).toBeNull();
    expect(parseToRelay({ v: 1, t: 'records', payloadCap: cap })).toBeNull();
    for (const junk of [null, undefined, 'config', 7, [], { t: 'config' }])
      expect(parseToRelay(junk)).toBeNull();
    expect(parseRelayHello({ v: 1, t: 'hello' })).toEqual({ v: PROTOCOL_VERSION, t: 'hello' });
    expect(parseRelayHello({ v: 1, t: 'hello-reply' })).toBeNull();
  });
});
