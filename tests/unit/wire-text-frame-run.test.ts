import { describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../../lib/model';
import { normalizeFrame, normalizeHookRecord } from '../../lib/relay/normalize';
import { FRAME_RECEIVE, FRAME_SEND, type FrameRun } from '../../lib/wire/page-relay';
import { packTextFrames, type TextFrameRun, unpackTextFrameRun } from '../../lib/wire/records';

const CAP = 8;
/** Text frames as the relay records them (seq given), so the runs are tested on the real shape. */
const frame = (seq: number, direction: number, text: string, time = 100 + seq, conn = 1): CaptureRecord => {
  const run: FrameRun = {
    r: 'frames',
    fields: Float64Array.from([direction, conn, time, 0]),
    bodies: [text],
  };
  return normalizeFrame(run, 0, seq, CAP).record;
};
const conn = (seq: number): CaptureRecord =>
  normalizeHookRecord({ r: 'conn', id: 1, time: 1, transport: 'websocket', url: 'ws://127.0.0.1/' }, seq, CAP)
    .record;

/** Packs, crosses JSON as a runtime port does, and unpacks: what the panel gets. */
function roundTrip(records: CaptureRecord[]): { records: CaptureRecord[]; invalid: number } {
  const wire = JSON.parse(JSON.stringify(packTextFrames(records))) as unknown[];
  const out: CaptureRecord[] = [];
  let invalid = 0;
  for (const item of wire) {
    const rec = item as Record<string, unknown>;
    if (rec.r !== 'text-frames') {
      out.push(item as CaptureRecord);
      continue;
    }
    const run = unpackTextFrameRun(rec);
    out.push(...run.records);
    invalid += run.invalid;
  }
  return { records: out, invalid };
}

const goodRun = (): TextFrameRun => ({
  r: 'text-frames',
  seq: 5,
  time: [10, 11.5],
  conn: [2, 2],
  dir: 'sr',
  text: ['ping', 'pong'],
  size: [4, 4],
  cut: [],
});

describe('packTextFrames', () => {
  it('packs consecutive text frames into one run by column, and leaves other records alone', () => {
    const records = [
      conn(1),
      frame(2, FRAME_SEND, 'a'),
      frame(3, FRAME_RECEIVE, 'bb'),
      frame(4, FRAME_SEND, 'é'),
    ];
    const wire = packTextFrames(records);
    expect(wire).toEqual([
      records[0],
      {
        r: 'text-frames',
        seq: 2,
        time: [102, 103, 104],
        conn: [1, 1, 1],
        dir: 'srs',
        text: ['a', 'bb', 'é'],
        size: [1, 2, 2],
        cut: [],
      },
    ]);
  });

  it('gives back every record exactly, field for field and in the same key order', () => {
    const records = [
      conn(1),
      frame(2, FRAME_RECEIVE, 'first'),
      frame(3, FRAME_RECEIVE, 'a text longer than the cap'),
      frame(4, FRAME_SEND, 'ünïcode ✓ beyond the cap'),
      frame(5, FRAME_SEND, ''),
      conn(6),
      frame(7, FRAME_RECEIVE, 'x', 200, 9),
    ];
    const back = roundTrip(records);
    expect(back.invalid).toBe(0);
    expect(JSON.stringify(back.records)).toBe(JSON.stringify(records));
    expect(back.records.filter((r) => r.r === 'ev' && r.truncated)).toHaveLength(2);
  });

  it('starts a new run at a gap in seq, and leaves a lone frame a record of its own', () => {
    const records = [frame(1, FRAME_SEND, 'a'), frame(2, FRAME_SEND, 'b'), frame(4, FRAME_SEND, 'c')];
    const wire = packTextFrames(records);
    expect(wire.map((w) => w.r)).toEqual(['text-frames', 'ev']);
    expect(JSON.stringify(roundTrip(records).records)).toBe(JSON.stringify(records));
  });

  it('never packs a record with anything a run does not carry', () => {
    const binary = normalizeFrame(
      { r: 'frames', fields: Float64Array.from([FRAME_RECEIVE, 1, 5, 1]), bodies: [new ArrayBuffer(2)] },
      0,
      2,
      CAP,
    ).record;
    const withStatus = { ...frame(3, FRAME_RECEIVE, 'ok'), status: 200 } as CaptureRecord;
    const sse = normalizeHookRecord(
      { r: 'ev', conn: 1, time: 5, type: 'receive', body: 'data', eventName: 'tick' },
      4,
      CAP,
    ).record;
    const extraData = { ...frame(5, FRAME_RECEIVE, 'x'), data: { text: 'x', base64: '' } } as CaptureRecord;
    const records = [
      frame(1, FRAME_SEND, 'a'),
      binary,
      withStatus,
      sse,
      extraData,
      frame(6, FRAME_SEND, 'b'),
    ];
    const wire = packTextFrames(records);
    expect(wire).toEqual(records);
  });
});

describe('unpackTextFrameRun', () => {
  it('marks the frames listed as cut as truncated', () => {
    const { records, invalid } = unpackTextFrameRun({ ...goodRun(), size: [4, 900], cut: [1] });
    expect(invalid).toBe(0);
    expect(records.map((r) => [r.seq, r.type, r.truncated, r.size])).toEqual([
      [5, 'send', false, 4],
      [6, 'receive', true, 900],
    ]);
  });

  it('counts a run of the wrong shape as one invalid record, and never throws', () => {
    const bad: Array<Record<string, unknown>> = [
      {},
      { ...goodRun(), seq: -1 },
      { ...goodRun(), seq: 1.5 },
      { ...goodRun(), seq: Number.MAX_SAFE_INTEGER },
      { ...goodRun(), text: [] },
      { ...goodRun(), text: 'pingpong' },
      { ...goodRun(), time: [10] },
      { ...goodRun(), conn: null },
      { ...goodRun(), size: [4, 4, 4] },
      { ...goodRun(), dir: 's' },
      { ...goodRun(), dir: ['s', 'r'] },
      { ...goodRun(), cut: [2] },
      { ...goodRun(), cut: [1, 0] },
      { ...goodRun(), cut: [0, 0] },
      { ...goodRun(), cut: [-1] },
      { ...goodRun(), cut: undefined },
      { ...goodRun(), text: new Array(100_001).fill('') },
    ];
    for (const run of bad) expect(unpackTextFrameRun(run)).toEqual({ records: [], invalid: 1 });
  });

  it('drops a bad frame alone and keeps the others with their own seq', () => {
    const bad: Array<[keyof TextFrameRun, unknown[] | string]> = [
      ['time', [Number.NaN, 11]],
      ['time', [-1, 11]],
      ['time', ['10', 11]],
      ['conn', [2.5, 2]],
      ['conn', [-2, 2]],
      ['dir', 'xr'],
      ['text', [42, 'pong']],
      ['text', [{ toString: () => 'x' }, 'pong']],
      ['size', [null, 4]],
      ['size', [Number.POSITIVE_INFINITY, 4]],
    ];
    for (const [field, value] of bad) {
      const { records, invalid } = unpackTextFrameRun({ ...goodRun(), [field]: value });
      expect(invalid).toBe(1);
      expect(records.map((r) => [r.seq, r.data])).toEqual([[6, { text: 'pong' }]]);
    }
  });
});
