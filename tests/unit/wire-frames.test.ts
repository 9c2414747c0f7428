import { describe, expect, it } from 'vitest';
import { normalizeFrame } from '../../lib/relay/normalize';
import { isPlainFrame, runWire, storeRun } from '../../lib/relay/stored-run';
import { FRAME_RECEIVE, FRAME_SEND, type FrameRun } from '../../lib/wire/page-relay';
import { type FramesWire, unpackFrames } from '../../lib/wire/records';

const CAP = 1024;
const MAX_WIRE = 1_000_000;

/** A validated hook run: [direction, conn, time, kind, body] per message. */
function hookRun(frames: Array<[number, number, number, number, string | ArrayBuffer]>): FrameRun {
  return {
    r: 'frames',
    fields: Float64Array.from(frames.flatMap((f) => f.slice(0, 4) as number[])),
    bodies: frames.map((f) => f[4]),
  };
}

/** Stores, sends as a relay does, crosses JSON as a runtime port does, and unpacks: what the panel gets. */
function roundTrip(run: FrameRun, seq: number, from = 0, to = run.bodies.length) {
  const stored = storeRun(run, 0, run.bodies.length, seq);
  const wire = JSON.parse(JSON.stringify(runWire(stored, from, to))) as Record<string, unknown>;
  return unpackFrames(wire);
}

const bytes = (...b: number[]) => Uint8Array.from(b).buffer;

describe('runs of messages, relay to panel', () => {
  it('gives the panel, for every message, exactly the record the relay makes of a message kept alone', () => {
    const run = hookRun([
      [FRAME_SEND, 1, 10, 0, 'ping'],
      [FRAME_RECEIVE, 2, 11.5, 0, 'pöng ✓'],
      [FRAME_RECEIVE, 2, 12, 1, bytes(1, 2, 3, 250)],
      [FRAME_SEND, 1, 13, 2, bytes()],
      [FRAME_RECEIVE, 1, 14, 0, ''],
    ]);
    const { records, invalid } = roundTrip(run, 7);
    expect(invalid).toBe(0);
    const alone = run.bodies.map((_, i) => normalizeFrame(run, i, 7 + i, CAP).record);
    expect(records).toEqual(alone);
    // Key order too: the store and the export see the same objects either way.
    expect(records.map((r) => Object.keys(r))).toEqual(alone.map((r) => Object.keys(r)));
  });

  it('sends any stretch of a run numbered from its own first message', () => {
    const run = hookRun(
      Array.from(
        { length: 10 },
        (_, i) => [i % 2, 1, i, 0, `m${i}`] as [number, number, number, number, string],
      ),
    );
    const { records } = roundTrip(run, 100, 3, 6);
    expect(
      records.map((r) => [r.seq, r.r === 'ev' && r.data && 'text' in r.data ? r.data.text : '']),
    ).toEqual([
      [103, 'm3'],
      [104, 'm4'],
      [105, 'm5'],
    ]);
  });

  it('keeps only plain messages in runs: a Blob, a body over the cap or the wire limit, or a kind that does not match goes alone', () => {
    const run = hookRun([
      [FRAME_RECEIVE, 1, 1, 0, 'ok'],
      [FRAME_RECEIVE, 1, 1, 0, 'x'.repeat(400)],
      [FRAME_RECEIVE, 1, 1, 1, bytes(1)],
      [FRAME_RECEIVE, 1, 1, 1, 'text said to be binary'],
      [FRAME_RECEIVE, 1, 1, 0, bytes(1)],
      [FRAME_RECEIVE, 1, 1, 1, new ArrayBuffer(CAP + 1)],
    ]);
    run.bodies.push(new Blob(['b']));
    run.fields = Float64Array.from([...run.fields, FRAME_RECEIVE, 1, 1, 3]);
    // 400 characters may be 1,200 bytes: over the cap of 1,024, so it goes alone (and is measured there).
    expect(run.bodies.map((_, i) => isPlainFrame(run, i, CAP, MAX_WIRE))).toEqual([
      true,
      false,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(isPlainFrame(run, 0, CAP, 10)).toBe(false);
  });

  it('counts a run of the wrong shape as one invalid record, and never throws', () => {
    const good: FramesWire = { r: 'frames', seq: 5, fields: [0, 1, 10, 0, 1, 1, 11, 0], bodies: ['a', 'b'] };
    expect(unpackFrames({ ...good }).records).toHaveLength(2);
    for (const bad of [
      { ...good, seq: -1 },
      { ...good, seq: Number.MAX_SAFE_INTEGER },
      { ...good, bodies: [] },
      { ...good, bodies: 'ab' },
      { ...good, fields: [0, 1, 10, 0] },
      { ...good, fields: null },
      { ...good, bodies: Array(100_001).fill('x'), fields: Array(400_004).fill(0) },
    ])
      expect(unpackFrames(bad as unknown as Record<string, unknown>)).toEqual({ records: [], invalid: 1 });
  });

  it('drops a bad message alone and keeps the others with their own seq', () => {
    const fields = [
      [0, 1, 10, 0],
      [2, 1, 10, 0], // no such direction
      [0, -1, 10, 0], // no such connection
      [0, 1, Number.NaN, 0], // no time
      [0, 1, 10, 3], // a Blob never travels in a run
      [0, 1, 10, 1], // binary that is not base64
      [0, 1, 10, 0], // a body that is not a string
      [1, 1, 11, 1],
    ].flat();
    const bodies = ['a', 'b', 'c', 'd', 'e', 'not base64!', 7, 'AQI='];
    const { records, invalid } = unpackFrames({ r: 'frames', seq: 1, fields, bodies });
    expect(invalid).toBe(6);
    expect(records.map((r) => [r.seq, r.r === 'ev' ? r.size : -1])).toEqual([
      [1, 1],
      [8, 2],
    ]);
  });
});
