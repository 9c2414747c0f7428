import { describe, expect, it } from 'vitest';
import type { ConnectionRecord, EventRecord } from '../../lib/model';
import type { FrameRun, HookEvent, HookFrame } from '../../lib/protocol';
import { normalizeFrame, normalizeHookRecord } from '../../lib/relay/normalize';

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
const run = (...frames: HookFrame[]): FrameRun => ({
  r: 'frames',
  fields: Float64Array.from(frames.flatMap((f) => [f[0], f[1], f[2], f[4]])),
  bodies: frames.map((f) => f[3]),
});
const normalizeOneFrame = (f: HookFrame, cap = CAP) => normalizeFrame(run(f), 0, 9, cap);
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
    expect(normalizeFrame(frames, 1, 10, CAP).record).toMatchObject({
      seq: 10,
      conn: 4,
      time: 6.5,
      type: 'send',
      data: { text: 'b' },
    });
    expect(normalizeFrame(frames, 2, 11, CAP).record).toMatchObject({ conn: 7, time: 8.25, type: 'receive' });
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
