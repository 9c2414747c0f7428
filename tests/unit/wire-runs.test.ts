import { describe, expect, it } from 'vitest';
import { normalizeMessage } from '../../lib/relay/normalize';
import { isPlainMessage, runWire, storeRun } from '../../lib/relay/stored-run';
import { MESSAGE_RECEIVE, MESSAGE_SEND, type MessageRun } from '../../lib/wire/page-relay';
import { type MessageRunWire, unpackMessageRun } from '../../lib/wire/records';

const CAP = 1024;
const MAX_WIRE = 1_000_000;

/** A validated hook run: [direction, conn, time, kind, body] per message. */
function hookRun(frames: Array<[number, number, number, number, string | ArrayBuffer]>): MessageRun {
  return {
    r: 'run',
    fields: Float64Array.from(frames.flatMap((f) => f.slice(0, 4) as number[])),
    bodies: frames.map((f) => f[4]),
  };
}

/** Stores, sends as a relay does, crosses JSON as a runtime port does, and unpacks: what the panel gets. */
function roundTrip(run: MessageRun, seq: number, from = 0, to = run.bodies.length) {
  const stored = storeRun(run, 0, run.bodies.length, seq);
  const wire = JSON.parse(JSON.stringify(runWire(stored, from, to))) as Record<string, unknown>;
  return unpackMessageRun(wire);
}

const bytes = (...b: number[]) => Uint8Array.from(b).buffer;

describe('runs of messages, relay to panel', () => {
  it('gives the panel, for every message, exactly the record the relay makes of a message kept alone', () => {
    const run = hookRun([
      [MESSAGE_SEND, 1, 10, 0, 'ping'],
      [MESSAGE_RECEIVE, 2, 11.5, 0, 'pöng ✓'],
      [MESSAGE_RECEIVE, 2, 12, 1, bytes(1, 2, 3, 250)],
      [MESSAGE_SEND, 1, 13, 2, bytes()],
      [MESSAGE_RECEIVE, 1, 14, 0, ''],
    ]);
    const { records, invalid } = roundTrip(run, 7);
    expect(invalid).toBe(0);
    const alone = run.bodies.map((_, i) => normalizeMessage(run, i, 7 + i, CAP).record);
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
      [MESSAGE_RECEIVE, 1, 1, 0, 'ok'],
      [MESSAGE_RECEIVE, 1, 1, 0, 'x'.repeat(400)],
      [MESSAGE_RECEIVE, 1, 1, 1, bytes(1)],
      [MESSAGE_RECEIVE, 1, 1, 1, 'text said to be binary'],
      [MESSAGE_RECEIVE, 1, 1, 0, bytes(1)],
      [MESSAGE_RECEIVE, 1, 1, 1, new ArrayBuffer(CAP + 1)],
    ]);
    run.bodies.push(new Blob(['b']));
    run.fields = Float64Array.from([...run.fields, MESSAGE_RECEIVE, 1, 1, 3]);
    // 400 characters may be 1,200 bytes: over the cap of 1,024, so it goes alone (and is measured there).
    expect(run.bodies.map((_, i) => isPlainMessage(run, i, CAP, MAX_WIRE))).toEqual([
      true,
      false,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(isPlainMessage(run, 0, CAP, 10)).toBe(false);
  });

  it('keeps texts apart from binary bodies: the texts are joined, each binary body goes in order', () => {
    const run = hookRun([
      [MESSAGE_RECEIVE, 1, 1, 0, 'ab'],
      [MESSAGE_RECEIVE, 1, 2, 1, bytes(1, 2, 3)],
      [MESSAGE_SEND, 2, 3, 0, 'cde'],
      [MESSAGE_SEND, 2, 4, 2, bytes(255)],
    ]);
    const wire = runWire(storeRun(run, 0, 4, 1), 0, 4);
    expect(wire).toEqual({
      r: 'run',
      seq: 1,
      flags: [0, 2, 1, 5],
      conns: [1, 1, 2, 2],
      times: [1, 2, 3, 4],
      lengths: [2, 0, 3, 0],
      text: 'abcde',
      binary: ['AQID', '/w=='],
    });
    // A stretch sends only its own texts and bodies.
    expect(runWire(storeRun(run, 0, 4, 1), 2, 4)).toMatchObject({
      seq: 3,
      lengths: [3, 0],
      text: 'cde',
      binary: ['/w=='],
    });
  });

  it('keeps text that splits a surrogate pair between messages as each message had it', () => {
    const run = hookRun([
      [MESSAGE_RECEIVE, 1, 1, 0, 'a\ud83d'],
      [MESSAGE_RECEIVE, 1, 2, 0, '\ude00b'],
      [MESSAGE_RECEIVE, 1, 3, 0, '\udc00'],
    ]);
    const { records, invalid } = roundTrip(run, 1);
    expect(invalid).toBe(0);
    expect(records).toEqual(run.bodies.map((_, i) => normalizeMessage(run, i, 1 + i, CAP).record));
  });

  const good: MessageRunWire = {
    r: 'run',
    seq: 5,
    flags: [0, 1, 2],
    conns: [1, 1, 2],
    times: [10, 11, 12],
    lengths: [1, 2, 0],
    text: 'abc',
    binary: ['AQI='],
  };
  const unpack = (v: unknown) => unpackMessageRun(v as Record<string, unknown>);

  it("unpacks a run into records, each text sliced from the run's text", () => {
    const { records, invalid } = unpack(good);
    expect(invalid).toBe(0);
    expect(records.map((r) => [r.seq, r.type, r.bodyKind, r.data, r.size])).toEqual([
      [5, 'receive', 'text', { text: 'a' }, 1],
      [6, 'send', 'text', { text: 'bc' }, 2],
      [7, 'receive', 'arraybuffer', { base64: 'AQI=' }, 2],
    ]);
  });

  it('counts a run of the wrong shape as one invalid record, and never throws', () => {
    expect(unpack({ ...good }).records).toHaveLength(3);
    const n = 100_001;
    for (const bad of [
      { ...good, seq: -1 },
      { ...good, seq: 1.5 },
      { ...good, seq: Number.MAX_SAFE_INTEGER },
      { ...good, flags: [] },
      { ...good, flags: 'abc' },
      { ...good, conns: [1, 1] },
      { ...good, times: null },
      { ...good, lengths: [1, 2] },
      { ...good, text: ['abc'] },
      { ...good, binary: 'AQI=' },
      { ...good, binary: undefined },
      // Placing the texts: lengths that do not add up to the text, out of range, or not whole numbers.
      { ...good, lengths: [1, 1, 0] },
      { ...good, lengths: [1, 3, 0] },
      { ...good, lengths: [2, 1, 0], text: 'abcd' },
      { ...good, lengths: [-1, 4, 0] },
      { ...good, lengths: [0.5, 2.5, 0] },
      { ...good, lengths: [1e300, 2, 0] },
      { ...good, lengths: [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0] },
      { ...good, lengths: [1, '2', 0] },
      { ...good, lengths: [1, 2, Number.NaN] },
      // One binary body per binary message, no more, no fewer.
      { ...good, binary: [] },
      { ...good, binary: ['AQI=', 'AQI='] },
      { ...good, flags: [0, 1, 0] },
      {
        ...good,
        flags: Array(n).fill(0),
        conns: Array(n).fill(1),
        times: Array(n).fill(1),
        lengths: Array(n).fill(0),
        text: '',
        binary: [],
      },
    ])
      expect(unpack(bad)).toEqual({ records: [], invalid: 1 });
  });

  it('drops a bad message alone and keeps the others with their own seq and text', () => {
    const rows: Array<[unknown, unknown, unknown, unknown, string]> = [
      [0, 1, 10, 1, 'a'],
      [7, 1, 10, 1, 'b'], // no such flags
      [-1, 1, 10, 1, 'c'],
      [0.5, 1, 10, 1, 'd'],
      ['0', 1, 10, 1, 'e'],
      [0, -1, 10, 1, 'f'], // no such connection
      [0, 1.5, 10, 1, 'g'],
      [0, 1, Number.NaN, 1, 'h'], // no time
      [0, 1, -1, 1, 'i'],
      [0, 1, 9e15, 1, 'j'],
      [1, 2, 11, 2, 'kl'],
    ];
    const wire = {
      r: 'run',
      seq: 1,
      flags: [...rows.map((r) => r[0]), 2, 3, 4, 5],
      conns: [...rows.map((r) => r[1]), 1, 1, 1, 1],
      times: [...rows.map((r) => r[2]), 12, 12, 12, 12],
      // A binary message with text of its own, a body that is no base64, or that is no string.
      lengths: [...rows.map((r) => r[3]), 1, 0, 0, 0],
      text: `${rows.map((r) => r[4]).join('')}x`,
      binary: ['AQI=', 'not base64!', 7, ''],
    };
    const { records, invalid } = unpack(wire);
    expect(invalid).toBe(12);
    // Any value in place of a binary body (a hole, here) is that message's loss alone.
    expect(unpack({ ...good, binary: [undefined] })).toMatchObject({
      invalid: 1,
      records: [{ seq: 5 }, { seq: 6 }],
    });
    expect(records.map((r) => [r.seq, r.type, r.data, r.size])).toEqual([
      [1, 'receive', { text: 'a' }, 1],
      [11, 'send', { text: 'kl' }, 2],
      [15, 'send', { base64: '' }, 0],
    ]);
  });
});
