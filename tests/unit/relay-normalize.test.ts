import { describe, expect, it } from 'vitest';
import type { ConnectionRecord, EventRecord } from '../../lib/model';
import {
  bareRecord,
  MAX_RECORD_WIRE_BYTES,
  normalizeHookRecord,
  normalizeMessage,
} from '../../lib/relay/normalize';
import type { HookEvent, HookMessage, MessageRun } from '../../lib/wire/page-relay';
import { MAX_RUNTIME_MESSAGE_BYTES } from '../../lib/wire-size';

const CAP = 1024;
const ev = (body: HookEvent['body'], extra: Partial<HookEvent> = {}): HookEvent => ({
  r: 'ev',
  conn: 3,
  time: 5,
  type: 'send',
  body,
  ...extra,
});
const normalizeEvent = (rec: HookEvent, cap = CAP) => {
  const result = normalizeHookRecord(rec, 9, cap);
  return { ...result, record: result.record as EventRecord };
};
const run = (...frames: HookMessage[]): MessageRun => ({
  r: 'run',
  fields: Float64Array.from(frames.flatMap((f) => [f[0], f[1], f[2], f[4]])),
  bodies: frames.map((f) => f[3]),
});
const normalizeOneFrame = (f: HookMessage, cap = CAP) => normalizeMessage(run(f), 0, 9, cap);
const b64 = (bytes: number[] | Buffer) => Buffer.from(bytes).toString('base64');

describe('normalizeHookRecord', () => {
  it('turns message frames into send and receive events with their body kind', () => {
    expect(normalizeOneFrame([0, 3, 5, 'hé', 0]).record).toEqual({
      r: 'ev',
      seq: 9,
      time: 5,
      conn: 3,
      type: 'receive',
      bodyKind: 'text',
      data: { text: 'hé' },
      size: 3,
      truncated: false,
    });
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    expect(normalizeOneFrame([1, 3, 5, bytes, 2]).record).toMatchObject({
      type: 'send',
      bodyKind: 'view',
      data: { base64: b64([1, 2, 3]) },
      size: 3,
      truncated: false,
    });
    expect(normalizeOneFrame([0, 3, 5, bytes, 1]).record).toMatchObject({
      bodyKind: 'arraybuffer',
    });
  });

  it('reads the message it is asked for from a run of several', () => {
    const frames = run([0, 3, 5, 'a', 0], [1, 4, 6.5, 'b', 0], [0, 7, 8.25, 'c', 0]);
    expect(normalizeMessage(frames, 1, 10, CAP).record).toMatchObject({
      seq: 10,
      conn: 4,
      time: 6.5,
      type: 'send',
      data: { text: 'b' },
    });
    expect(normalizeMessage(frames, 2, 11, CAP).record).toMatchObject({
      conn: 7,
      time: 8.25,
      type: 'receive',
    });
  });

  it('applies the payload cap to frames too', () => {
    const { record } = normalizeOneFrame([0, 3, 5, 'x'.repeat(CAP + 10), 0]);
    expect(record).toMatchObject({ size: CAP + 10, truncated: true, data: { text: 'x'.repeat(CAP) } });
  });

  it('copies only the known event fields', () => {
    const rec = { ...ev('hi'), status: 200, evil: 'yes', seq: 77 } as HookEvent;
    const { record } = normalizeEvent(rec);
    expect(record).toMatchObject({ status: 200, seq: 9 });
    expect(record).not.toHaveProperty('evil');
  });

  it('keeps connection fields and numbers the record', () => {
    const { record, weight } = normalizeHookRecord(
      { r: 'conn', id: 2, time: 1, transport: 'websocket', url: 'ws://h/x', requestedProtocols: ['chat'] },
      4,
      CAP,
    );
    expect(record as ConnectionRecord).toEqual({
      r: 'conn',
      seq: 4,
      time: 1,
      id: 2,
      transport: 'websocket',
      url: 'ws://h/x',
      requestedProtocols: ['chat'],
    });
    expect(weight).toBeGreaterThan(0);
  });

  it('measures text in UTF-8 bytes', () => {
    expect(normalizeEvent(ev('hello')).record).toMatchObject({
      data: { text: 'hello' },
      size: 5,
      truncated: false,
    });
    expect(normalizeEvent(ev('é€😀')).record).toMatchObject({ size: 2 + 3 + 4, truncated: false });
    // A lone surrogate is sent as U+FFFD: 3 bytes.
    expect(normalizeEvent(ev('\ud800x')).record.size).toBe(4);
  });

  it('cuts text over the cap at a character boundary, keeping the true size', () => {
    const { record } = normalizeEvent(ev('é'.repeat(1000)));
    expect(record.truncated).toBe(true);
    expect(record.size).toBe(2000);
    expect(record.data).toEqual({ text: 'é'.repeat(512) });
    const emoji = normalizeEvent(ev(`${'a'.repeat(1022)}😀tail`)).record;
    expect(emoji.data).toEqual({ text: 'a'.repeat(1022) });
    expect(emoji.size).toBe(1022 + 4 + 4);
  });

  it('trusts the size the hook reports for text it already cut', () => {
    const { record } = normalizeEvent(ev('x'.repeat(CAP), { fullSize: 5000 }));
    expect(record).toMatchObject({ size: 5000, truncated: true, data: { text: 'x'.repeat(CAP) } });
    expect(record).not.toHaveProperty('fullSize');
    expect(record).not.toHaveProperty('body');
  });

  it('encodes binary as base64, cut to the cap with the true size', () => {
    expect(normalizeEvent(ev(new Uint8Array([0, 1, 254, 255]).buffer)).record).toMatchObject({
      data: { base64: b64([0, 1, 254, 255]) },
      size: 4,
      truncated: false,
    });
    const big = Buffer.alloc(3000, 9);
    const { record } = normalizeEvent(ev(new Uint8Array(big).buffer));
    expect(record).toMatchObject({
      size: 3000,
      truncated: true,
      data: { base64: b64(big.subarray(0, CAP)) },
    });
    const cutByHook = normalizeEvent(ev(new Uint8Array(CAP).buffer, { fullSize: 1_000_000 })).record;
    expect(cutByHook).toMatchObject({ size: 1_000_000, truncated: true });
  });

  it('reads a Blob later, keeping its place and true size', async () => {
    const { record, pending } = normalizeEvent(ev(new Blob([Buffer.alloc(1500, 1)])));
    expect(record.seq).toBe(9);
    expect(record).toMatchObject({ size: 1500, truncated: true });
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(record.data).toEqual({ base64: b64(Buffer.alloc(CAP, 1)) });
    const small = normalizeEvent(ev(new Blob(['abc'])));
    await small.pending;
    expect(small.record).toMatchObject({
      size: 3,
      truncated: false,
      data: { base64: b64(Buffer.from('abc')) },
    });
  });

  it('records an event without a body as is', () => {
    const { record, pending } = normalizeEvent({
      r: 'ev',
      conn: 1,
      time: 2,
      type: 'close',
      code: 1000,
      reason: 'bye',
    });
    expect(record).toEqual({ r: 'ev', seq: 9, time: 2, conn: 1, type: 'close', code: 1000, reason: 'bye' });
    expect(pending).toBeUndefined();
  });
});

describe('sizing records as the JSON they cross in', () => {
  const MIB = 1024 * 1024;
  const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

  it('bounds every record by its JSON from above, headers, URL and escapes included', () => {
    const records = [
      normalizeOneFrame([0, 3, 5, '"\\\u0001é😀', 0]),
      normalizeOneFrame([1, 3, 5, new Uint8Array(100).buffer, 1]),
      normalizeEvent(ev('"'.repeat(500), { responseHeaders: [['a', '"'.repeat(300)]], status: 200 })),
      normalizeHookRecord(
        {
          r: 'conn',
          id: 1,
          time: 1,
          transport: 'fetch',
          url: `http://h/?${'\u0002'.repeat(1000)}`,
          method: 'POST',
          requestHeaders: Array.from({ length: 50 }, (_, i): [string, string] => [`h${i}`, '"'.repeat(1000)]),
        },
        1,
        CAP,
      ),
    ];
    for (const { record, wire } of records) expect(wire).toBeGreaterThanOrEqual(jsonBytes(record) + 1);
  });

  it('cuts a text too big for any message to fit one (quotes: twice their size as JSON), marked truncated', () => {
    // The limit a record may take is 63 MiB; here 1 MiB, the same arithmetic in a fraction of the
    // time (the end-to-end test sends the 40 MB of quotes for real).
    const room = MIB;
    const body = '"'.repeat(700_000);
    for (const normalized of [
      normalizeMessage(run([0, 3, 5, body, 0]), 0, 9, 64 * MIB, room),
      normalizeHookRecord(ev(body, { bodyKind: 'text' }), 9, 64 * MIB, room),
    ]) {
      const { record, wire } = normalized;
      const event = record as EventRecord;
      expect(event).toMatchObject({ size: 700_000, truncated: true });
      const kept = event.data && 'text' in event.data ? event.data.text : '';
      expect(/^"+$/.test(kept)).toBe(true);
      // As much as fits: within a few hundred bytes of the room.
      expect(jsonBytes(record)).toBeLessThanOrEqual(room);
      expect(jsonBytes(record)).toBeGreaterThan(room - 1024);
      expect(wire).toBeGreaterThanOrEqual(jsonBytes(record));
      expect(wire).toBeLessThanOrEqual(room);
    }
    // Text that only looked too big (6 bytes a character) is measured, and kept whole.
    const plain = normalizeHookRecord(ev('x'.repeat(400_000)), 9, 64 * MIB, room);
    expect(plain.record).toMatchObject({ size: 400_000, truncated: false });
    expect(plain.wire).toBeLessThanOrEqual(room);
    // The real limit leaves room for the rest of a message under Chrome's 64 MiB.
    expect(MAX_RECORD_WIRE_BYTES).toBeLessThan(MAX_RUNTIME_MESSAGE_BYTES);
  });

  it('cuts binary (and a Blob) over what fits before encoding it, marked truncated', async () => {
    // A record may take 64 kB here, not 63 MiB: the same arithmetic, in a fraction of the time.
    const room = 64 * 1024;
    const { record, wire } = normalizeHookRecord(ev(new Uint8Array(MIB).buffer), 9, 64 * MIB, room);
    expect(record).toMatchObject({ size: MIB, truncated: true });
    expect(jsonBytes(record)).toBeLessThanOrEqual(room);
    expect(jsonBytes(record)).toBeGreaterThan(room - 1024);
    expect(wire).toBeGreaterThanOrEqual(jsonBytes(record));
    const blob = normalizeHookRecord(ev(new Blob([new Uint8Array(MIB)])), 9, 64 * MIB, room);
    await blob.pending;
    expect(blob.record).toMatchObject({ size: MIB, truncated: true });
    expect(jsonBytes(blob.record)).toBeLessThanOrEqual(room);
    expect(blob.wire).toBeGreaterThanOrEqual(jsonBytes(blob.record));
    const frame = normalizeMessage(run([0, 3, 5, '\u0001'.repeat(MIB), 0]), 0, 9, 64 * MIB, room);
    expect(frame.record).toMatchObject({ size: MIB, truncated: true });
    expect(jsonBytes(frame.record)).toBeLessThanOrEqual(room);
    expect(jsonBytes(frame.record)).toBeGreaterThan(room - 1024);
  });

  it('bares a record to its facts: numbers kept, long strings cut, lists left out, body emptied, all marked', () => {
    expect(
      bareRecord({
        r: 'ev',
        seq: 4,
        time: 5,
        conn: 1,
        type: 'receive',
        status: 200,
        statusText: 'S'.repeat(5000),
        responseHeaders: [['a', 'b']],
        data: { text: 'body' },
        size: 4,
        truncated: false,
        truncatedFields: ['reason'],
      }),
    ).toEqual({
      r: 'ev',
      seq: 4,
      time: 5,
      conn: 1,
      type: 'receive',
      status: 200,
      statusText: 'S'.repeat(1024),
      data: { text: '' },
      size: 4,
      truncated: true,
      truncatedFields: ['reason', 'statusText', 'responseHeaders'],
    });
    expect(
      bareRecord({
        r: 'conn',
        seq: 1,
        time: 1,
        id: 1,
        transport: 'fetch',
        url: 'u',
        requestHeaders: [['a', 'b']],
      }),
    ).toEqual({
      r: 'conn',
      seq: 1,
      time: 1,
      id: 1,
      transport: 'fetch',
      url: 'u',
      truncatedFields: ['requestHeaders'],
    });
  });
});
